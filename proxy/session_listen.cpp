// LISTEN "service.table" (SPEC §6): a session listening on a channel that names a table Nectar
// knows follows that table's changes through the realtime hub, and gets each change as a
// NotificationResponse at the next statement boundary outside a transaction block, as
// PostgreSQL delivers its own notifications. Other channels pass through to PostgreSQL.

#include "federation/engine.hpp"
#include "protocol/backend_messages.hpp"
#include "proxy/listen_statement.hpp"
#include "proxy/pg_session.hpp"
#include "realtime/frames.hpp"
#include "realtime/hub.hpp"
#include "realtime/posting_subscriber.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace nectar::proxy {

namespace {

/// A session whose client does not read its notifications is closed past these (as the
/// WebSocket endpoint closes a slow consumer): dropping some silently would leave the client
/// believing it follows the table.
constexpr size_t kMaxWaitingNotifications = 16384;
constexpr size_t kMaxWaitingNotificationBytes = 8 * 1024 * 1024;
/// How long LISTEN waits for a new feed's capture to run (a replication slot, a first poll).
constexpr auto kCaptureStartTimeout = std::chrono::seconds(10);
/// The table a "service.table" channel names in the catalog, or null.
const federation::TableInfo* find_channel_table(const federation::Catalog& catalog, const federation::Engine& engine,
                                                const std::string& service, const std::string& table) {
    const federation::ServiceTables* tables = catalog.service(service);
    if (tables == nullptr || !engine.has_service(service)) {
        return nullptr;
    }
    return tables->find_table(table);
}

} // namespace

asio::awaitable<bool> PgSession::try_table_listen(const protocol::Frame& frame) {
    if (shared_.hub == nullptr || worker_.engine == nullptr) {
        co_return false;
    }
    std::string_view sql = frame.body.substr(0, frame.body.empty() ? 0 : frame.body.size() - 1); // drop the NUL
    auto statement = parse_listen_statement(sql);
    if (!statement) {
        co_return false;
    }
    if (statement->all) {
        co_await settle_backend();
        if (!engine_only_ && engine_status() == 'E') {
            co_return false; // PostgreSQL refuses it: nothing changes
        }
        if (refuse_in_failed_block()) {
            co_return true;
        }
        unlisten_tables(engine_status() == 'T');
        if (!engine_only_) {
            co_return false; // PostgreSQL forgets the session's ordinary channels too
        }
        protocol::write_command_complete(client_out_, "UNLISTEN");
        deliver_before_ready(engine_status());
        protocol::write_ready_for_query(client_out_, engine_status());
        co_return true;
    }
    bool known = false;
    for (const TableListen& listen : table_listens_) {
        known = known || listen.channel == statement->channel;
    }
    if (statement->unlisten || known) {
        if (!known) {
            co_return false; // an ordinary channel
        }
        co_await settle_backend();
        if (refuse_in_failed_block()) {
            co_return true;
        }
        if (statement->unlisten) {
            unlisten_table(statement->channel, engine_status() == 'T');
        } else {
            for (TableListen& listen : table_listens_) {
                if (listen.channel == statement->channel && listen.pending == TableListen::Pending::unlisten) {
                    listen.pending = TableListen::Pending::none; // LISTEN again in the block: UNLISTEN undone
                }
            }
        }
        protocol::write_command_complete(client_out_, statement->unlisten ? "UNLISTEN" : "LISTEN");
        deliver_before_ready(engine_status());
        protocol::write_ready_for_query(client_out_, engine_status());
        co_return true;
    }
    size_t dot = statement->channel.find('.');
    if (dot == std::string::npos) {
        co_return false;
    }
    std::string service = statement->channel.substr(0, dot);
    std::string table = statement->channel.substr(dot + 1);
    auto catalog = co_await worker_.engine->catalog();
    if (!catalog || find_channel_table(**catalog, *worker_.engine, service, table) == nullptr) {
        co_return false; // not a table: an ordinary PostgreSQL channel that happens to hold a dot
    }
    co_await settle_backend();
    if (refuse_in_failed_block()) {
        co_return true;
    }
    co_await listen_table(engine_status() == 'T', statement->channel, service, table);
    co_return true;
}

bool PgSession::refuse_in_failed_block() {
    if (engine_status() != 'E') {
        return false;
    }
    protocol::write_error(client_out_, Error::make("25P02", "current transaction is aborted, commands ignored until "
                                                            "end of transaction block"));
    protocol::write_ready_for_query(client_out_, 'E');
    return true;
}

asio::awaitable<void> PgSession::listen_table(bool in_block, const std::string& channel, const std::string& service,
                                              const std::string& table) {
    auto catalog = co_await worker_.engine->catalog();
    const federation::TableInfo* found = catalog ? find_channel_table(**catalog, *worker_.engine, service, table) : nullptr;
    if (found == nullptr) {
        protocol::write_error(client_out_, Error::make("42P01", "table \"" + table + "\" does not exist in service \"" +
                                                                    service + "\""));
        protocol::write_ready_for_query(client_out_, engine_status());
        co_return;
    }
    realtime::FeedSpec spec;
    spec.service = service;
    spec.service_kind = worker_.engine->service_kind(service);
    spec.table = *found;
    spec.poll = !(shared_.native_capture && shared_.native_capture(spec.service));
    spec.poll_interval_ms = 1000;
    std::weak_ptr<PgSession> weak = weak_from_this();
    auto subscriber = std::make_shared<realtime::PostingSubscriber>(
        worker_.io.get_executor(), [weak](uint64_t handle, const realtime::FeedMessage& message) {
            if (auto self = weak.lock()) {
                self->on_feed_message(handle, message);
            }
        });
    std::optional<Error> failure;
    for (;;) {
        auto joined = shared_.hub->subscribe(spec, subscriber, std::nullopt);
        if (!joined) {
            failure = joined.error();
        } else {
            // Subscribed now even in a block, so that the feed runs by COMMIT; changes wait for it.
            table_listens_.push_back(TableListen{channel, joined->handle, spec.table,
                                                 in_block ? TableListen::Pending::listen : TableListen::Pending::none});
            if (!joined->live && joined->error) {
                failure = joined->error; // the feed's capture is already failing
            } else if (!joined->live) {
                auto waited = co_await await_capture_live(joined->handle);
                failure = std::move(waited);
            }
            if (failure) {
                unlisten_table(channel);
            }
        }
        if (!failure || spec.poll) {
            break;
        }
        // Native capture needs wal_level=logical and the REPLICATION privilege: poll instead.
        spdlog::info("session {}: LISTEN \"{}\": native capture failed ({}), polling instead", id_, channel,
                     failure->message);
        spec.poll = true;
        spec.poll_interval_ms = 1000;
    }
    if (failure) {
        protocol::write_error(client_out_, *failure);
    } else {
        protocol::write_command_complete(client_out_, "LISTEN");
    }
    deliver_before_ready(engine_status());
    protocol::write_ready_for_query(client_out_, engine_status());
}

asio::awaitable<std::optional<Error>> PgSession::await_capture_live(uint64_t handle) {
    capture_wait_ = std::make_unique<asio::steady_timer>(worker_.io, kCaptureStartTimeout);
    capture_wait_handle_ = handle;
    capture_wait_error_.reset();
    boost::system::error_code ec;
    co_await capture_wait_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    std::optional<Error> failure = std::move(capture_wait_error_);
    if (!failure && capture_wait_handle_ != 0) {
        failure = Error::make("58000", "the change capture did not start within " +
                                           std::to_string(kCaptureStartTimeout.count()) + " s");
    }
    capture_wait_handle_ = 0;
    capture_wait_error_.reset();
    co_return failure;
}

void PgSession::unlisten_table(const std::string& channel, bool in_block) {
    for (auto it = table_listens_.begin(); it != table_listens_.end(); ++it) {
        if (it->channel != channel) {
            continue;
        }
        if (in_block && it->pending != TableListen::Pending::listen) {
            it->pending = TableListen::Pending::unlisten; // takes effect at the block's COMMIT
        } else {
            shared_.hub->unsubscribe(it->handle); // (a LISTEN of this very block is simply undone)
            table_listens_.erase(it);
        }
        return;
    }
}

void PgSession::unlisten_tables(bool in_block) {
    if (in_block) {
        std::vector<std::string> channels;
        for (const TableListen& listen : table_listens_) {
            channels.push_back(listen.channel);
        }
        for (const std::string& channel : channels) {
            unlisten_table(channel, true);
        }
        return;
    }
    for (const TableListen& listen : table_listens_) {
        shared_.hub->unsubscribe(listen.handle);
    }
    table_listens_.clear();
    // Like PostgreSQL's UNLISTEN: notifications already waiting are still delivered.
}

void PgSession::settle_table_listens(bool committed) {
    using Pending = TableListen::Pending;
    for (auto it = table_listens_.begin(); it != table_listens_.end();) {
        bool undone = it->pending == (committed ? Pending::unlisten : Pending::listen);
        if (undone) {
            shared_.hub->unsubscribe(it->handle);
            // What the block heard on an UNLISTENed channel is not delivered after it either.
            uint64_t handle = it->handle;
            std::erase_if(notifications_, [&](const WaitingNotification& waiting) {
                bool drop = waiting.handle == handle;
                notification_bytes_ -= drop ? waiting.message.size() : 0;
                return drop;
            });
            it = table_listens_.erase(it);
        } else {
            it->pending = Pending::none;
            ++it;
        }
    }
}

void PgSession::on_feed_message(uint64_t handle, const realtime::FeedMessage& message) {
    using Type = realtime::FeedMessage::Type;
    if (handle == capture_wait_handle_ && capture_wait_ &&
        (message.type == Type::Live || message.type == Type::Error)) {
        if (message.type == Type::Error) {
            capture_wait_error_ = message.error;
        }
        capture_wait_handle_ = 0;
        capture_wait_->cancel();
        return;
    }
    if (message.type != Type::Change || !message.change) {
        if (message.type == Type::Error) {
            spdlog::warn("session {}: change capture failed: {}", id_, message.error.message);
        }
        return;
    }
    const TableListen* listen = nullptr;
    for (const TableListen& l : table_listens_) {
        if (l.handle == handle) {
            listen = &l;
        }
    }
    if (listen == nullptr || listen->pending == TableListen::Pending::listen) {
        return; // unlistened meanwhile, or listening only once its block commits
    }
    std::string notification;
    protocol::write_notification(notification, process_id_, listen->channel,
                                 realtime::notification_payload(listen->table, *message.change));
    notification_bytes_ += notification.size();
    notifications_.push_back(WaitingNotification{handle, std::move(notification)});
    if (notifications_.size() > kMaxWaitingNotifications ||
        notification_bytes_ + client_out_.size() > kMaxWaitingNotificationBytes) {
        close_for_notification_overflow();
        return;
    }
    if (awaiting_client_) {
        send_notifications_while_idle();
    }
}

void PgSession::send_notifications_while_idle() {
    if (notifications_.empty()) {
        return;
    }
    deliver_notifications();
    // A write in progress sends what was added; otherwise start one.
    if (!client_writing_ && !try_flush_now()) {
        asio::co_spawn(
            worker_.io, [self = shared_from_this()]() -> asio::awaitable<void> { co_await self->flush_client(); },
            asio::detached);
    }
}

void PgSession::deliver_notifications() {
    // Between statements only (never inside another message stream), and like PostgreSQL not
    // while the client is inside a transaction block: they wait for its end.
    if (notifications_.empty() || client_broken_ || !expected_.empty() || stream_remaining_ > 0 ||
        engine_status() != 'I') {
        return;
    }
    write_waiting_notifications();
}

void PgSession::write_waiting_notifications() {
    for (const WaitingNotification& notification : notifications_) {
        send(notification.message);
    }
    notifications_.clear();
    notification_bytes_ = 0;
}

void PgSession::deliver_before_ready(char status) {
    // PostgreSQL sends them before ReadyForQuery: libpq stops parsing there, so bytes after it
    // would wait unseen in its buffer while the client select()s on an empty socket.
    if (status != 'I' || notifications_.empty() || client_broken_ || stream_remaining_ > 0 ||
        engine_transaction_.status() != 'I') {
        return;
    }
    write_waiting_notifications();
}

void PgSession::close_for_notification_overflow() {
    spdlog::warn("session {}: client {} does not read its notifications ({} waiting): closing it", id_, client_.peer(),
                 notifications_.size());
    unlisten_tables();
    notifications_.clear();
    notification_bytes_ = 0;
    if (awaiting_client_ && expected_.empty() && stream_remaining_ == 0) {
        protocol::write_error(client_out_,
                              Error::make("54000",
                                          "too many notifications waiting for this client (more than " +
                                              std::to_string(kMaxWaitingNotifications) + " or 8 MiB): closing",
                                          "FATAL"));
        try_flush_now();
    }
    client_broken_ = true;
    client_.close(); // wakes serve(), which ends the session
}

} // namespace nectar::proxy
