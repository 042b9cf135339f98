#include "realtime/cache_feeds.hpp"

#include "federation/engine.hpp"
#include "realtime/posting_subscriber.hpp"
#include "realtime/realtime_service.hpp"
#include "rest/change_notice.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace nectar::realtime {

namespace asio = boost::asio;

namespace {

constexpr int kPollIntervalMs = 1000;

} // namespace

struct CacheFeeds::State : std::enable_shared_from_this<State> {
    struct Watch {
        FeedSpec spec;
        uint64_t handle = 0; ///< 0 while the catalog is read
        CaptureWorker worker;
        bool live = false;
    };

    Hub& hub;
    std::vector<CaptureWorker> workers;
    std::function<bool(std::string_view)> native_capture;
    mutable std::mutex mutex; ///< guards everything below
    std::map<std::pair<std::string, std::string>, Watch> watches;
    size_t next_worker = 0;
    bool stopped = false;

    State(Hub& h, std::vector<CaptureWorker> w, std::function<bool(std::string_view)> native)
        : hub(h)
        , workers(std::move(w))
        , native_capture(std::move(native)) {}

    /// Reads the table from the catalog on `worker` and subscribes; a table that is not (or no
    /// longer) there is forgotten, so that a later watch() tries again.
    asio::awaitable<void> start(std::pair<std::string, std::string> key, CaptureWorker worker) {
        auto self = shared_from_this();
        auto catalog = co_await worker.engine->catalog();
        const federation::ServiceTables* tables = catalog ? (*catalog)->service(key.first) : nullptr;
        const federation::TableInfo* table = tables ? tables->find_table(key.second) : nullptr;
        std::lock_guard lock(mutex);
        if (stopped) {
            co_return;
        }
        if (table == nullptr) {
            watches.erase(key);
            co_return;
        }
        FeedSpec spec;
        spec.service = key.first;
        spec.service_kind = worker.engine->service_kind(key.first);
        spec.table = *table;
        spec.poll = !native_capture(key.first);
        spec.poll_interval_ms = kPollIntervalMs;
        subscribe(key, spec, worker);
    }

    /// Under the lock.
    void subscribe(const std::pair<std::string, std::string>& key, FeedSpec spec, const CaptureWorker& worker) {
        std::weak_ptr<State> weak = weak_from_this();
        auto subscriber = std::make_shared<PostingSubscriber>(
            worker.executor, [weak, key](uint64_t handle, const FeedMessage& message) {
                if (auto self = weak.lock()) {
                    self->on_message(key, handle, message);
                }
            });
        auto joined = hub.subscribe(spec, subscriber, std::nullopt);
        if (!joined) {
            spdlog::warn("response cache: cannot follow {}.{}: {}", key.first, key.second, joined.error().message);
            watches.erase(key);
            return;
        }
        watches[key] = Watch{std::move(spec), joined->handle, worker, joined->live};
    }

    /// On the watch's worker.
    void on_message(const std::pair<std::string, std::string>& key, uint64_t handle, const FeedMessage& message) {
        switch (message.type) {
        case FeedMessage::Type::Change:
            rest::notify_written(key.first, key.second);
            break;
        case FeedMessage::Type::Live:
            set_live(key, handle);
            break;
        case FeedMessage::Type::Error:
            fall_back_to_polling(key, handle, message.error);
            break;
        case FeedMessage::Type::Snapshot:
            break;
        }
    }

    void set_live(const std::pair<std::string, std::string>& key, uint64_t handle) {
        std::lock_guard lock(mutex);
        auto found = watches.find(key);
        if (found != watches.end() && found->second.handle == handle) {
            found->second.live = true;
        }
    }

    /// Native capture that cannot start (wal_level, binlog, privileges): poll instead, as LISTEN
    /// does. A live native feed that fails is left alone: its capture reconnects and resumes from
    /// its position, so no change is lost, and the cached answers stay followed meanwhile.
    void fall_back_to_polling(const std::pair<std::string, std::string>& key, uint64_t handle, const Error& error) {
        std::lock_guard lock(mutex);
        auto found = watches.find(key);
        if (stopped || found == watches.end() || found->second.handle != handle || found->second.spec.poll) {
            return;
        }
        if (found->second.live) {
            spdlog::info("response cache: the change feed of {}.{} reports: {} (it resumes by itself)", key.first,
                         key.second, error.message);
            return;
        }
        spdlog::info("response cache: following {}.{} by polling: {}", key.first, key.second, error.message);
        hub.unsubscribe(handle);
        FeedSpec spec = found->second.spec;
        spec.poll = true;
        spec.poll_interval_ms = kPollIntervalMs;
        CaptureWorker worker = found->second.worker;
        subscribe(key, std::move(spec), worker);
    }
};

CacheFeeds::CacheFeeds(Hub& hub, std::vector<CaptureWorker> workers,
                       std::function<bool(std::string_view)> native_capture)
    : state_(std::make_shared<State>(hub, std::move(workers), std::move(native_capture))) {}

CacheFeeds::~CacheFeeds() { stop(); }

bool CacheFeeds::watch(const std::string& service, const std::string& table) {
    std::pair<std::string, std::string> key{service, table};
    CaptureWorker worker;
    {
        std::lock_guard lock(state_->mutex);
        if (state_->stopped || state_->workers.empty()) {
            return false;
        }
        if (auto found = state_->watches.find(key); found != state_->watches.end()) {
            return found->second.live;
        }
        worker = state_->workers[state_->next_worker++ % state_->workers.size()];
        state_->watches.emplace(key, State::Watch{{}, 0, worker, false});
    }
    auto state = state_;
    asio::co_spawn(worker.executor, [state, key, worker] { return state->start(key, worker); }, asio::detached);
    return false;
}

void CacheFeeds::stop() {
    std::map<std::pair<std::string, std::string>, State::Watch> watches;
    {
        std::lock_guard lock(state_->mutex);
        state_->stopped = true;
        watches.swap(state_->watches);
    }
    for (const auto& [key, watch] : watches) {
        if (watch.handle != 0) {
            state_->hub.unsubscribe(watch.handle);
        }
    }
}

size_t CacheFeeds::watched() const {
    std::lock_guard lock(state_->mutex);
    return state_->watches.size();
}

} // namespace nectar::realtime
