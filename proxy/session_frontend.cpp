// Client → server: reading the client's messages, attaching a pooled server connection when a
// request starts, and forwarding each message with prepared statement names mapped to the
// names they have on that connection.

#include "protocol/backend_messages.hpp"
#include "proxy/pg_session.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

namespace nectar::proxy {

namespace {

std::atomic<uint64_t> next_session_id{1};

/// The whole message as it came: type byte, length, body.
std::string_view raw_bytes(const protocol::Frame& frame) {
    return {frame.body.data() - 5, frame.size};
}

/// A statement text the server cannot parse: sending it makes the server fail the current
/// extended-query batch exactly as an error of its own would.
constexpr std::string_view kFailingStatement = "nectar: raise error";

/// Message types a client may send once the session has started.
bool is_forwardable(char type) {
    namespace fe = protocol::fe;
    switch (type) {
    case fe::kQuery:
    case fe::kParse:
    case fe::kBind:
    case fe::kDescribe:
    case fe::kExecute:
    case fe::kClose:
    case fe::kSync:
    case fe::kFlush:
    case fe::kCopyData:
    case fe::kCopyDone:
    case fe::kCopyFail:
    case fe::kFunctionCall:
        return true;
    default:
        return false;
    }
}

} // namespace

PgSession::PgSession(asio::ip::tcp::socket socket, Worker& worker)
    : worker_(worker)
    , shared_(*worker.shared)
    , client_(std::move(socket))
    , client_drained_(worker.io.get_executor())
    , id_(next_session_id++) {}

PgSession::~PgSession() = default;

asio::awaitable<void> PgSession::serve() {
    const uint32_t max_length = shared_.config.max_message_bytes;
    for (;;) {
        boost::system::error_code ec;
        auto [where, room] = client_in_.writable(8192, 65536);
        awaiting_client_ = true; // notifications may go out while the client is idle
        send_notifications_while_idle(); // those that came while the last answers were written
        size_t n = co_await client_.read_some(asio::buffer(where, room), ec);
        awaiting_client_ = false;
        client_in_.commit(n);
        char unknown_type = 0;
        if (ec || n == 0 || client_broken_) {
            co_return;
        }
        for (;;) {
            auto frame = protocol::next_frame(client_in_.view(), max_length);
            if (frame.status == protocol::FrameStatus::need_more) {
                break;
            }
            if (frame.status == protocol::FrameStatus::error) {
                co_await send_fatal(Error::make("08P01", "invalid message length", "FATAL"));
                co_return;
            }
            if (frame.type == protocol::fe::kTerminate) {
                co_return;
            }
            if (!is_forwardable(frame.type)) {
                unknown_type = frame.type;
                break;
            }
            if (frame.type == protocol::fe::kQuery) {
                bool answered = co_await try_table_listen(frame);
                if (answered) {
                    client_in_.consume(frame.size);
                    if (client_broken_) {
                        co_return;
                    }
                    continue;
                }
            }
            if (wants_engine(frame)) {
                co_await run_engine_frame(frame);
                client_in_.consume(frame.size);
                if (client_broken_) {
                    co_return;
                }
                continue;
            }
            if (!backend_) {
                if (auto idle = pool_->try_acquire_idle()) {
                    adopt_backend(std::move(idle));
                } else {
                    bool attached = co_await attach_backend();
                    if (!attached) {
                        continue; // the batch was answered with an error and consumed
                    }
                }
            }
            forward(frame);
            client_in_.consume(frame.size);
            if (client_broken_) {
                co_return;
            }
        }
        if (unknown_type != 0 && backend_) {
            // PostgreSQL answers what came before, then ends the session.
            protocol::write_flush(backend_out_);
            mark_flush_point();
        }
        if (backend_ && !backend_out_.empty()) {
            // With a concurrent reader, it may finish (and want to detach) while we write.
            std::string_view pending = backend_out_;
            if (!backend_->try_write(pending, ec)) {
                writes_in_flight_++;
                co_await backend_->write_all(pending, ec);
                writes_in_flight_--;
            }
            backend_out_.clear();
            if (ec) {
                backend_broken_ = true;
                backend_->cancel(); // a concurrent reader reports the loss to the client
            }
        }
        if (backend_ && !reader_running_ && answers_due()) {
            // The client now waits for the answers: relay them here, as PostgreSQL would
            // answer before reading further (no second coroutine, no extra wakeups).
            co_await relay_answers();
        }
        finish_detach();
        emit_ready_locals();
        deliver_notifications();
        if (!try_flush_now()) {
            co_await flush_client();
        }
        if (unknown_type != 0) {
            co_await send_fatal(Error::make("08P01",
                                            "invalid frontend message type " +
                                                std::to_string(static_cast<unsigned char>(unknown_type)),
                                            "FATAL"));
            co_return;
        }
        if (backend_ && !reader_running_ && state_.listening() && expected_.empty()) {
            // Notifications come while the client is idle: read the server concurrently.
            start_concurrent_relay();
        }
    }
}

asio::awaitable<bool> PgSession::attach_backend() {
    auto acquired = co_await pool_->acquire();
    if (!acquired) {
        fail_batch(acquired.error());
        co_await flush_client();
        co_return false;
    }
    adopt_backend(std::move(acquired.value()));
    co_return true;
}

void PgSession::adopt_backend(std::unique_ptr<federation::PgConnection> conn) {
    backend_ = std::move(conn);
    backend_broken_ = false;
    detach_requested_ = false;
    backend_status_ = 'I';
    cancel_target_->set(&backend_->target(), backend_->process_id(), backend_->secret_key());
}

void PgSession::start_concurrent_relay() {
    reader_running_ = true;
    asio::co_spawn(worker_.io, relay_backend(shared_from_this()), asio::detached);
}

void PgSession::fail_batch(const Error& error) {
    // Answer what is buffered as PostgreSQL answers a failed request: the error once per
    // request, skipping to Sync; a ReadyForQuery for each Query and Sync.
    bool segment_failed = false;
    for (;;) {
        auto frame = protocol::next_frame(client_in_.view(), shared_.config.max_message_bytes);
        if (frame.status != protocol::FrameStatus::ready) {
            return;
        }
        char type = frame.type;
        client_in_.consume(frame.size);
        if (type == protocol::fe::kQuery || type == protocol::fe::kFunctionCall) {
            protocol::write_error(client_out_, error);
            protocol::write_ready_for_query(client_out_, 'I');
        } else if (type == protocol::fe::kSync) {
            if (!segment_failed) {
                protocol::write_error(client_out_, error);
            }
            protocol::write_ready_for_query(client_out_, 'I');
            segment_failed = false;
        } else if (type == protocol::fe::kTerminate) {
            client_broken_ = true;
            return;
        } else if (type != protocol::fe::kFlush && !segment_failed) {
            protocol::write_error(client_out_, error);
            segment_failed = true;
        }
    }
}

void PgSession::expect(Expectation expectation) {
    if (skipping_) {
        // The server is discarding messages until Sync: so is the client's view of them.
        if (expectation.kind != Expectation::Kind::sync) {
            on_statement_failed(expectation);
            return;
        }
        skipping_ = false;
    }
    expectation.seq = next_seq_++;
    expected_.push_back(std::move(expectation));
}

bool PgSession::answers_due() const {
    return !expected_.empty() && expected_.front().seq <= flush_through_;
}

void PgSession::forward(const protocol::Frame& frame) {
    using Kind = Expectation::Kind;
    // Nothing outstanding and nothing more from the client yet (auto-prepare's condition).
    const bool alone = expected_.empty() && client_in_.view().size() == frame.size;
    // Bring the server connection to this session's state before the first statement of a
    // request (and after RESET), unless it is inside a transaction the client controls.
    if (backend_status_ == 'I' && expected_.empty() && !state_.in_sync(*backend_, id_)) {
        std::string sync = state_.sync_statements(*backend_, id_);
        if (!sync.empty()) {
            protocol::write_query(backend_out_, sync);
            expect(Expectation{.kind = Kind::query, .swallow = true});
        }
    }
    switch (frame.type) {
    case protocol::fe::kQuery: {
        auto sql = protocol::parse_query(frame.body);
        if (sql && forward_auto_prepared(*sql, alone)) {
            return;
        }
        Expectation expectation{.kind = Kind::query};
        if (sql) {
            expectation.query_changes = find_state_statements(*sql);
        }
        backend_out_.append(raw_bytes(frame));
        expect(std::move(expectation));
        mark_flush_point();
        return;
    }
    case protocol::fe::kParse:
        forward_parse(frame);
        return;
    case protocol::fe::kBind:
        forward_bind(frame);
        return;
    case protocol::fe::kDescribe:
    case protocol::fe::kClose:
        forward_describe_or_close(frame);
        return;
    case protocol::fe::kExecute:
        forward_execute(frame);
        return;
    case protocol::fe::kSync:
        backend_out_.append(raw_bytes(frame));
        expect(Expectation{.kind = Kind::sync});
        mark_flush_point();
        return;
    case protocol::fe::kFunctionCall:
        backend_out_.append(raw_bytes(frame));
        expect(Expectation{.kind = Kind::query});
        mark_flush_point();
        return;
    case protocol::fe::kCopyDone:
    case protocol::fe::kCopyFail:
        server_awaits_client_ = false;
        [[fallthrough]];
    case protocol::fe::kFlush:
        backend_out_.append(raw_bytes(frame));
        mark_flush_point();
        return;
    case protocol::fe::kCopyData:
        backend_out_.append(raw_bytes(frame));
        return;
    default:
        return; // serve() only forwards what is_forwardable() accepts
    }
}

void PgSession::forward_parse(const protocol::Frame& frame) {
    auto parse = protocol::parse_parse(frame.body);
    if (!parse) {
        raise_error(parse.error());
        return;
    }
    Expectation expectation{.kind = Expectation::Kind::parse};
    if (parse->statement.empty()) {
        auto info = std::make_shared<StatementInfo>();
        info->query = std::string(parse->query);
        info->param_types = parse->param_types;
        info->changes = find_state_statements(parse->query);
        unnamed_ = info;
        backend_->unnamed_owner = {id_, ++unnamed_generation_};
        expectation.statement = std::move(info);
        backend_out_.append(raw_bytes(frame));
        expect(std::move(expectation));
        return;
    }
    std::string name(parse->statement);
    if (statements_.count(name)) {
        raise_error(Error::make("42P05", "prepared statement \"" + name + "\" already exists"));
        return;
    }
    auto info = shared_.statements.intern(parse->query, parse->param_types);
    statements_[name] = info;
    expectation.client_statement = name;
    expectation.statement = info;
    if (backend_->prepared.count(info->server_name)) {
        // Already prepared on this connection: answer ourselves, in order.
        expectation.kind = Expectation::Kind::local;
        expectation.local_message = protocol::be::kParseComplete;
        expect(std::move(expectation));
        return;
    }
    protocol::write_parse(backend_out_, info->server_name, parse->query, parse->param_types);
    backend_->prepared.insert(info->server_name); // assumed until the server says otherwise
    expect(std::move(expectation));
}

std::shared_ptr<const StatementInfo> PgSession::ensure_prepared(std::string_view client_name) {
    Expectation injected{.kind = Expectation::Kind::parse, .swallow = true};
    if (client_name.empty()) {
        if (!unnamed_) {
            raise_error(Error::make("26000", "unnamed prepared statement does not exist"));
            return nullptr;
        }
        std::pair<uint64_t, uint64_t> owner{id_, unnamed_generation_};
        if (backend_->unnamed_owner != owner) {
            protocol::write_parse(backend_out_, "", unnamed_->query, unnamed_->param_types);
            backend_->unnamed_owner = owner;
            injected.statement = unnamed_;
            expect(std::move(injected));
        }
        return unnamed_;
    }
    auto found = statements_.find(std::string(client_name));
    if (found == statements_.end()) {
        raise_error(Error::make("26000", "prepared statement \"" + std::string(client_name) + "\" does not exist"));
        return nullptr;
    }
    const auto& info = found->second;
    if (!backend_->prepared.count(info->server_name)) {
        protocol::write_parse(backend_out_, info->server_name, info->query, info->param_types);
        backend_->prepared.insert(info->server_name);
        injected.statement = info;
        expect(std::move(injected));
    }
    return info;
}

void PgSession::forward_bind(const protocol::Frame& frame) {
    auto bind = protocol::parse_bind(frame.body);
    if (!bind) {
        raise_error(bind.error());
        return;
    }
    auto info = ensure_prepared(bind->statement);
    if (!info) {
        return;
    }
    if (bind->statement.empty()) {
        backend_out_.append(raw_bytes(frame));
    } else {
        protocol::write_bind(backend_out_, bind->portal, info->server_name, bind->rest);
    }
    if (!info->changes.empty()) {
        portal_statements_[std::string(bind->portal)] = info;
    } else if (!portal_statements_.empty()) {
        portal_statements_.erase(std::string(bind->portal));
    }
    Expectation expectation{.kind = Expectation::Kind::bind};
    if (!bind->statement.empty()) {
        expectation.statement = info;
        expectation.client_statement = std::string(bind->statement);
    }
    expect(std::move(expectation));
}

void PgSession::forward_describe_or_close(const protocol::Frame& frame) {
    bool describe = frame.type == protocol::fe::kDescribe;
    auto target = protocol::parse_describe_or_close(frame.body);
    if (!target) {
        raise_error(target.error());
        return;
    }
    Expectation expectation{.kind = describe ? Expectation::Kind::describe : Expectation::Kind::close};
    if (target->kind == 'P') {
        if (!describe) {
            portal_statements_.erase(std::string(target->name));
        }
        backend_out_.append(raw_bytes(frame));
        expect(std::move(expectation));
        return;
    }
    if (describe) {
        auto info = ensure_prepared(target->name);
        if (!info) {
            return;
        }
        protocol::write_describe(backend_out_, 'S', target->name.empty() ? "" : info->server_name);
        if (!target->name.empty()) {
            expectation.statement = info;
            expectation.client_statement = std::string(target->name);
        }
        expect(std::move(expectation));
        return;
    }
    // Closing a statement: forget the client's name; the server keeps its copy for others.
    if (target->name.empty()) {
        unnamed_.reset();
        backend_->unnamed_owner = {0, 0};
        backend_out_.append(raw_bytes(frame));
        expect(std::move(expectation));
        return;
    }
    statements_.erase(std::string(target->name));
    expectation.kind = Expectation::Kind::local;
    expectation.local_message = protocol::be::kCloseComplete;
    expect(std::move(expectation));
}

void PgSession::forward_execute(const protocol::Frame& frame) {
    auto execute = protocol::parse_execute(frame.body);
    if (!execute) {
        raise_error(execute.error());
        return;
    }
    Expectation expectation{.kind = Expectation::Kind::execute};
    if (!portal_statements_.empty()) {
        auto found = portal_statements_.find(std::string(execute->portal));
        if (found != portal_statements_.end()) {
            expectation.statement = found->second;
        }
    }
    backend_out_.append(raw_bytes(frame));
    expect(std::move(expectation));
}

void PgSession::raise_error(Error error) {
    // The server fails the batch on a statement it cannot parse; the client sees our error.
    protocol::write_parse(backend_out_, "", kFailingStatement, {});
    backend_->unnamed_owner = {0, 0};
    expect(Expectation{.kind = Expectation::Kind::parse, .replace_error = std::make_unique<Error>(std::move(error))});
}

} // namespace nectar::proxy
