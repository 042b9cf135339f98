// One realtime WebSocket connection on Boost.Beast: a reader coroutine that answers client
// frames, and a writer coroutine that drains a bounded queue (one write in flight, as Beast
// requires). Hub events arrive through Subscriber::deliver, posted to this worker.

#include "realtime/ws_session.hpp"

#include "federation/engine.hpp"
#include "realtime/frames.hpp"
#include "realtime/outbound_queue.hpp"
#include "realtime/subscription_request.hpp"
#include "rest/http_message.hpp"
#include "rest/table_api.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <map>
#include <mutex>

namespace nectar::realtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::awaitable;

namespace {

constexpr uint16_t kCloseSlowConsumer = 4008;
/// How long a slow client gets to take the frame being written before the socket is cut.
constexpr auto kSlowCloseGrace = std::chrono::seconds(10);

/// A change or a polling snapshot not yet turned into a frame.
struct Unsent {
    ChangePtr change;
    RowsPtr snapshot;
};

struct ActiveSubscription {
    std::string id;
    uint64_t handle = 0;
    FeedSpec spec;
    EventFilter filter;
    /// Waiting for the capture to go live: `subscribed` (and a resync) is sent then.
    bool pending = false;
    std::optional<int64_t> resync_from;
    /// A resume's replay, then whatever the feed sent meanwhile, oldest first: framed only as
    /// the client takes frames, so a long replay never overflows the queue (and never ends in
    /// the 4008 it would take again at every resume).
    std::deque<Unsent> backlog;
};

template <typename Stream>
class WsSession final : public Subscriber, public std::enable_shared_from_this<WsSession<Stream>> {
  public:
    WsSession(Stream& stream, RealtimeEndpoint& endpoint, rest::HttpRequest request)
        : stream_(stream)
        , ws_(stream)
        , endpoint_(endpoint)
        , request_(std::move(request))
        , queue_(endpoint.options().max_queued_frames, endpoint.options().max_queued_bytes)
        , wake_(stream.get_executor())
        , cut_(stream.get_executor()) {}

    awaitable<void> run(rest::WebSocketEndpoint::Upgrade upgrade) {
        auto self = this->shared_from_this();
        beast::get_lowest_layer(stream_).expires_never(); // the websocket's own timeouts apply
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& response) { response.set(beast::http::field::server, "nectar"); }));
        ws_.read_message_max(endpoint_.options().max_message_bytes);
        boost::system::error_code ec;
        co_await ws_.async_accept(upgrade, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            co_return;
        }
        asio::co_spawn(wake_.get_executor(), [self] { return self->write_loop(); }, asio::detached);
        co_await read_loop();
        for (const auto& [id, subscription] : subscriptions_) {
            endpoint_.hub().unsubscribe(subscription.handle);
        }
        subscriptions_.clear();
        if (!closing_) {
            closing_ = true;
            // A writer stuck on a peer that stopped reading is cut off after the grace time.
            cut_.expires_after(kSlowCloseGrace);
            cut_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
                if (auto self = weak.lock(); self && !ec) {
                    beast::get_lowest_layer(self->stream_).close();
                }
            });
        }
        wake_.cancel();
        // Let the writer finish its close before the HTTP session tears the stream down.
        while (writer_running_) {
            asio::steady_timer pause(wake_.get_executor(), std::chrono::milliseconds(5));
            co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    }

    /// From capture threads: messages wait in the inbox; one post drains everything that
    /// arrived meanwhile, so a busy worker takes events in batches, in order.
    void deliver(uint64_t handle, const FeedMessage& message) override {
        bool was_empty = false;
        {
            std::lock_guard lock(inbox_mutex_);
            was_empty = inbox_.empty();
            inbox_.emplace_back(handle, message);
        }
        if (was_empty) {
            asio::post(wake_.get_executor(), [weak = this->weak_from_this()] {
                if (auto self = weak.lock()) {
                    self->drain_inbox();
                }
            });
        }
    }

  private:
    awaitable<void> read_loop() {
        beast::flat_buffer buffer;
        simdjson::dom::parser parser;
        while (!closing_) {
            boost::system::error_code ec;
            buffer.clear();
            co_await ws_.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                co_return; // closed by the client, too large (Beast closes with 1009), or gone
            }
            if (!ws_.got_text()) {
                close_with(websocket::close_code::policy_error, "frames must be JSON text");
                co_return;
            }
            std::string text = beast::buffers_to_string(buffer.data());
            co_await on_frame(parser, text);
        }
    }

    awaitable<void> on_frame(simdjson::dom::parser& parser, const std::string& text) {
        std::string id;
        auto frame = parse_client_frame(parser, text, id);
        if (!frame) {
            enqueue(error_frame(id, 400, frame.error()));
            co_return;
        }
        switch (frame->type) {
        case ClientFrame::Type::Ping:
            enqueue(pong_frame());
            break;
        case ClientFrame::Type::Unsubscribe:
            unsubscribe(frame->id);
            break;
        case ClientFrame::Type::Subscribe:
            co_await subscribe(frame->subscribe);
            break;
        }
    }

    void unsubscribe(const std::string& id) {
        auto found = subscriptions_.find(id);
        if (found == subscriptions_.end()) {
            enqueue(error_frame(id, 404, Error::make("42704", "no subscription \"" + id + "\" on this connection")));
            return;
        }
        endpoint_.hub().unsubscribe(found->second.handle);
        by_handle_.erase(found->second.handle);
        subscriptions_.erase(found);
        enqueue(unsubscribed_frame(id));
    }

    awaitable<void> subscribe(const SubscribeFrame& frame) {
        if (subscriptions_.count(frame.id)) {
            enqueue(error_frame(frame.id, 409, Error::make("42710", "subscription \"" + frame.id +
                                                                        "\" already exists on this connection")));
            co_return;
        }
        if (subscriptions_.size() >= endpoint_.options().max_subscriptions) {
            enqueue(error_frame(frame.id, 400, Error::make("54000", "at most " +
                                                                        std::to_string(endpoint_.options().max_subscriptions) +
                                                                        " subscriptions per connection")));
            co_return;
        }
        auto resolved = co_await resolve_subscription(frame, *request_.engine, endpoint_.exposures(),
                                                      [this](std::string_view service) { return endpoint_.native_capture(service); },
                                                      endpoint_.options().default_poll_interval_ms);
        if (closing_) {
            co_return;
        }
        if (!resolved) {
            enqueue(error_frame(frame.id, rest::http_status_for(resolved.error()), resolved.error()));
            co_return;
        }
        if (subscriptions_.count(frame.id)) { // the same id subscribed while the catalog was read
            co_return;
        }
        auto joined = endpoint_.hub().subscribe(resolved->spec, this->shared_from_this(), frame.resume_from);
        if (!joined) {
            enqueue(error_frame(frame.id, rest::http_status_for(joined.error()), joined.error()));
            co_return;
        }
        ActiveSubscription& subscription =
            subscriptions_.emplace(frame.id, ActiveSubscription{frame.id, joined->handle, std::move(resolved->spec),
                                                                std::move(resolved->filter)})
                .first->second;
        by_handle_[joined->handle] = frame.id;
        if (joined->resync) {
            subscription.resync_from = frame.resume_from;
        }
        if (joined->error) {
            enqueue(error_frame(frame.id, 503, *joined->error));
        }
        if (!joined->live) {
            subscription.pending = true; // `subscribed` once the capture runs (FeedMessage::Live)
            co_return;
        }
        confirm(subscription, joined->last_seq);
        for (ChangePtr& change : joined->replay) {
            subscription.backlog.push_back(Unsent{std::move(change), nullptr});
        }
        if (joined->snapshot) {
            subscription.backlog.push_back(Unsent{nullptr, joined->snapshot});
        }
        wake_.cancel(); // the writer frames the backlog
    }

    /// Frames backlogs while the queue is under a quarter full: a replay goes out at the pace
    /// the client reads it.
    void frame_backlogs() {
        size_t frames = endpoint_.options().max_queued_frames / 4;
        size_t bytes = endpoint_.options().max_queued_bytes / 4;
        for (auto& [id, subscription] : subscriptions_) {
            while (!closing_ && !subscription.backlog.empty() && queue_.size() < frames && queue_.bytes() < bytes) {
                Unsent next = std::move(subscription.backlog.front());
                subscription.backlog.pop_front();
                if (next.snapshot) {
                    send_snapshot(subscription, *next.snapshot);
                } else if (subscription.filter.matches(*next.change)) {
                    enqueue(change_frame(subscription.id, subscription.spec.table, *next.change));
                }
            }
        }
    }

    /// Behind a backlog, a change or snapshot waits its turn; past the bound the client is too slow.
    bool queue_behind_backlog(ActiveSubscription& subscription, Unsent unsent) {
        if (subscription.backlog.empty()) {
            return false;
        }
        size_t bound = endpoint_.hub().replay_limits().max_events + endpoint_.options().max_queued_frames;
        if (subscription.backlog.size() >= bound) {
            close_with(kCloseSlowConsumer, "slow consumer: " + std::to_string(subscription.backlog.size()) +
                                               " changes waiting");
            return true;
        }
        subscription.backlog.push_back(std::move(unsent));
        return true;
    }

    void drain_inbox() {
        std::vector<std::pair<uint64_t, FeedMessage>> batch;
        {
            std::lock_guard lock(inbox_mutex_);
            batch.swap(inbox_);
        }
        for (const auto& [handle, message] : batch) {
            on_feed(handle, message);
        }
    }

    /// `subscribed` (the client may rely on every change committed after it), then a resync if due.
    void confirm(ActiveSubscription& subscription, int64_t seq) {
        subscription.pending = false;
        enqueue(subscribed_frame(subscription.id, subscription.spec.service, subscription.spec.table.name,
                                 subscription.spec.poll, subscription.spec.poll_interval_ms, seq));
        if (subscription.resync_from) {
            enqueue(resync_frame(subscription.id, *subscription.resync_from, seq));
            subscription.resync_from.reset();
        }
    }

    void on_feed(uint64_t handle, const FeedMessage& message) {
        auto id = by_handle_.find(handle);
        if (id == by_handle_.end() || closing_) {
            return; // unsubscribed meanwhile
        }
        ActiveSubscription& subscription = subscriptions_.at(id->second);
        switch (message.type) {
        case FeedMessage::Type::Live:
            if (subscription.pending) {
                confirm(subscription, message.seq);
            }
            break;
        case FeedMessage::Type::Change:
            if (queue_behind_backlog(subscription, Unsent{message.change, nullptr})) {
                break;
            }
            if (subscription.filter.matches(*message.change)) {
                enqueue(change_frame(subscription.id, subscription.spec.table, *message.change));
            }
            break;
        case FeedMessage::Type::Snapshot:
            if (queue_behind_backlog(subscription, Unsent{nullptr, message.snapshot})) {
                break;
            }
            send_snapshot(subscription, *message.snapshot);
            break;
        case FeedMessage::Type::Error:
            enqueue(error_frame(subscription.id, 503, message.error));
            break;
        }
    }

    void send_snapshot(const ActiveSubscription& subscription, const std::vector<federation::Row>& rows) {
        std::vector<const federation::Row*> kept;
        for (const auto& row : rows) {
            if (subscription.filter.keeps(row)) {
                kept.push_back(&row);
            }
        }
        enqueue(snapshot_frame(subscription.id, subscription.spec.table, kept));
    }

    /// Queues a frame; past the queue's bounds the client is too slow: close with 4008.
    void enqueue(std::string frame) {
        if (closing_) {
            return;
        }
        if (!queue_.push(std::move(frame))) {
            close_with(kCloseSlowConsumer, "slow consumer: " + std::to_string(queue_.size()) + " frames (" +
                                               std::to_string(queue_.bytes()) + " bytes) waiting");
            return;
        }
        wake_.cancel();
    }

    /// Ends the session with `code`: frames not yet written are dropped (a 4008 client resumes
    /// with resumeFrom), and a client that does not even take the frame in flight is cut off.
    void close_with(uint16_t code, std::string reason) {
        if (closing_) {
            return;
        }
        closing_ = true;
        close_reason_ = websocket::close_reason(code);
        close_reason_.reason = reason.substr(0, 120); // a close frame holds 125 bytes
        queue_.clear();
        wake_.cancel();
        cut_.expires_after(kSlowCloseGrace);
        cut_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
            if (auto self = weak.lock(); self && !ec) {
                beast::get_lowest_layer(self->stream_).close();
            }
        });
    }

    awaitable<void> write_loop() {
        auto self = this->shared_from_this();
        writer_running_ = true;
        boost::system::error_code ec;
        while (!ec) {
            frame_backlogs();
            if (queue_.empty()) {
                if (closing_) {
                    break;
                }
                wake_.expires_at(std::chrono::steady_clock::time_point::max());
                co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                ec = {};
                continue;
            }
            std::string frame = queue_.pop();
            ws_.text(true);
            co_await ws_.async_write(asio::buffer(frame), asio::redirect_error(asio::use_awaitable, ec));
        }
        if (!ec && close_reason_.code != websocket::close_code::none && ws_.is_open()) {
            co_await ws_.async_close(close_reason_, asio::redirect_error(asio::use_awaitable, ec));
        }
        cut_.cancel();
        closing_ = true;
        writer_running_ = false;
        if (ec) {
            // The reader may be waiting on a dead peer: end it.
            beast::get_lowest_layer(stream_).close();
        }
    }

    Stream& stream_;
    websocket::stream<Stream&> ws_;
    RealtimeEndpoint& endpoint_;
    rest::HttpRequest request_;
    std::map<std::string, ActiveSubscription> subscriptions_;
    std::map<uint64_t, std::string> by_handle_;
    OutboundQueue queue_;
    std::mutex inbox_mutex_; ///< the one thing capture threads touch
    std::vector<std::pair<uint64_t, FeedMessage>> inbox_;
    bool closing_ = false;
    bool writer_running_ = false;
    websocket::close_reason close_reason_;
    asio::steady_timer wake_; ///< the writer sleeps on it; cancel() wakes it
    asio::steady_timer cut_;  ///< closing: cuts off a client that takes nothing
};

template <typename Stream>
awaitable<void> serve_session(Stream& stream, RealtimeEndpoint& endpoint, rest::WebSocketEndpoint::Upgrade upgrade,
                              rest::HttpRequest request) {
    auto session = std::make_shared<WsSession<Stream>>(stream, endpoint, std::move(request));
    co_await session->run(std::move(upgrade));
}

bool header_has_token(const std::string* value, std::string_view token) {
    if (value == nullptr) {
        return false;
    }
    std::string lower;
    for (char c : *value) {
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return lower.find(token) != std::string::npos;
}

} // namespace

RealtimeEndpoint::RealtimeEndpoint(Hub& hub, const rest::ExposureStore& exposures,
                                   std::function<bool(std::string_view)> native_capture, RealtimeOptions options)
    : hub_(hub)
    , exposures_(exposures)
    , native_capture_(std::move(native_capture))
    , options_(options) {}

awaitable<void> RealtimeEndpoint::serve(beast::tcp_stream& stream, Upgrade upgrade, rest::HttpRequest request) {
    return serve_session(stream, *this, std::move(upgrade), std::move(request));
}

awaitable<void> RealtimeEndpoint::serve(beast::ssl_stream<beast::tcp_stream>& stream, Upgrade upgrade,
                                        rest::HttpRequest request) {
    return serve_session(stream, *this, std::move(upgrade), std::move(request));
}

void add_realtime_route(rest::HttpRouter& router) {
    router.add("GET", "/api/v2/realtime", [](const rest::HttpRequest& request) -> awaitable<rest::HttpResponse> {
        if (header_has_token(request.header("upgrade"), "websocket") &&
            header_has_token(request.header("connection"), "upgrade")) {
            rest::HttpResponse accept;
            accept.status = 101; // the HTTP session hands the stream to the endpoint
            co_return accept;
        }
        auto refused = rest::HttpResponse::error(426, "08P01",
                                                 "GET /api/v2/realtime is a WebSocket endpoint: send "
                                                 "\"Connection: Upgrade\" and \"Upgrade: websocket\"");
        refused.headers.emplace_back("Upgrade", "websocket");
        co_return refused;
    });
}

} // namespace nectar::realtime
