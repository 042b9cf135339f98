// Server → client: reading the server connection's messages, matching each to what the
// session expects, hiding answers to Nectar's own messages, tracking transaction status and
// session-state effects, and handing the connection back to the pool when the transaction ends.

#include "protocol/backend_messages.hpp"
#include "proxy/pg_session.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace nectar::proxy {

namespace {

/// Messages this big are passed on as they arrive instead of being buffered whole.
constexpr size_t kStreamAbove = 256 * 1024;
/// Past this much unsent output, the server's data waits for the client to read.
constexpr size_t kClientHighWater = 1 << 20;

} // namespace

asio::awaitable<bool> PgSession::read_and_relay() {
    boost::system::error_code ec;
    auto [where, room] = backend_in_.writable(16384, 1 << 20);
    size_t n = co_await backend_->read_some(asio::buffer(where, room), ec);
    backend_in_.commit(n);
    if (ec || n == 0) {
        if (!closing_) {
            on_backend_lost();
        }
        co_return false;
    }
    for (;;) {
        RelayStep step = process_backend_input();
        if (!auto_retry_out_.empty() && backend_ && !backend_broken_) {
            co_await send_auto_retry();
        }
        if (!try_flush_now()) {
            co_await flush_client();
        }
        if (step == RelayStep::done) {
            co_return false;
        }
        if (step == RelayStep::need_read) {
            co_return !closing_ && !client_broken_ && !backend_broken_;
        }
    }
}

asio::awaitable<void> PgSession::relay_backend(std::shared_ptr<PgSession> /*keeps the session alive*/) {
    // (g++ 12 miscompiles co_await inside a condition: keep it in a statement of its own.)
    bool more = true;
    while (more) {
        more = co_await read_and_relay();
    }
    reader_running_ = false;
    finish_detach();
    if (client_broken_ && !closing_) {
        client_.close(); // wakes the client reader, which ends the session
    }
}

asio::awaitable<void> PgSession::relay_answers() {
    while (backend_ && answers_due() && !server_awaits_client_ && !backend_broken_ && !client_broken_) {
        bool more = co_await read_and_relay();
        if (!more) {
            co_return;
        }
    }
}

PgSession::RelayStep PgSession::process_backend_input() {
    for (;;) {
        if (stream_remaining_ > 0) {
            size_t take = std::min(stream_remaining_, backend_in_.size());
            if (!stream_swallowed_) {
                send(backend_in_.view().substr(0, take));
            }
            backend_in_.consume(take);
            stream_remaining_ -= take;
            if (stream_remaining_ > 0) {
                return RelayStep::need_read;
            }
        }
        auto frame = protocol::next_frame(backend_in_.view());
        if (frame.status == protocol::FrameStatus::need_more) {
            bool passable = frame.type == protocol::be::kDataRow || frame.type == protocol::be::kCopyData;
            if (frame.declared_size > kStreamAbove && passable && !expected_.empty()) {
                // A large row: pass it on piece by piece rather than holding it all.
                emit_ready_locals();
                stream_swallowed_ = !expected_.empty() && expected_.front().swallow;
                stream_remaining_ = frame.declared_size;
                continue;
            }
            return RelayStep::need_read;
        }
        if (frame.status == protocol::FrameStatus::error) {
            spdlog::error("session {}: invalid message from server {}", id_, backend_->target().describe());
            on_backend_lost();
            return RelayStep::done;
        }
        std::string_view raw(backend_in_.view().data(), frame.size);
        on_backend_message(frame.type, frame.body, raw);
        backend_in_.consume(frame.size);
        if (detach_requested_ || backend_broken_) {
            return RelayStep::done;
        }
        if (client_out_.size() > kClientHighWater) {
            return RelayStep::more_buffered; // send what we have before going on
        }
    }
}

void PgSession::emit_ready_locals() {
    while (!expected_.empty() && expected_.front().kind == Expectation::Kind::local) {
        if (expected_.front().local_message == protocol::be::kParseComplete) {
            protocol::write_parse_complete(client_out_);
        } else {
            protocol::write_close_complete(client_out_);
        }
        expected_.pop_front();
    }
}

void PgSession::on_backend_message(char type, std::string_view body, std::string_view raw) {
    using Kind = Expectation::Kind;
    namespace be = protocol::be;
    emit_ready_locals();
    // Asynchronous messages may come at any time and always reach the client.
    if (type == be::kParameterStatus) {
        if (auto status = protocol::parse_parameter_status(body)) {
            backend_->parameters()[std::string(status->name)] = std::string(status->value);
        }
        send(raw);
        return;
    }
    if (type == be::kNotificationResponse || type == be::kNoticeResponse) {
        send(raw);
        return;
    }
    if (type == be::kCopyInResponse || type == be::kCopyBothResponse) {
        server_awaits_client_ = true; // COPY FROM STDIN: the client's data comes next
    }
    if (expected_.empty()) {
        // Only an error can come unasked: the server ending the connection (shutdown).
        if (type == be::kErrorResponse) {
            send(raw);
            spdlog::info("session {}: server connection ended while idle", id_);
        } else {
            spdlog::error("session {}: unexpected message '{}' from server", id_, type);
        }
        backend_broken_ = true;
        client_broken_ = true; // a pinned session cannot go on without its server session
        return;
    }

    Expectation& head = expected_.front();
    if (type == be::kErrorResponse) {
        on_backend_error(head, body, raw);
        return;
    }

    const bool pass = !head.swallow;
    switch (head.kind) {
    case Kind::parse:
    case Kind::bind:
    case Kind::close:
        if (pass) {
            send(raw);
        }
        expected_.pop_front();
        return;
    case Kind::describe:
        if (pass && !(head.hide_no_data && type == be::kNoData)) {
            send(raw);
        }
        if (type != be::kParameterDescription) {
            expected_.pop_front();
        }
        return;
    case Kind::execute:
        if (pass) {
            send(raw);
        }
        if (type == be::kCommandComplete || type == be::kEmptyQueryResponse || type == be::kPortalSuspended) {
            if (type == be::kCommandComplete && head.statement && !head.statement->changes.empty()) {
                pending_changes_.insert(pending_changes_.end(), head.statement->changes.begin(),
                                        head.statement->changes.end());
            }
            expected_.pop_front();
        }
        if (type == be::kCommandComplete) {
            note_transaction_end(body);
        }
        return;
    case Kind::sync:
    case Kind::query:
        if (type == be::kReadyForQuery) {
            if (head.kind == Kind::query && !head.failed && !head.query_changes.empty()) {
                pending_changes_.insert(pending_changes_.end(), std::make_move_iterator(head.query_changes.begin()),
                                        std::make_move_iterator(head.query_changes.end()));
            }
            if (pass && body == "I" && engine_transaction_.status() == 'I') {
                // Before the waiting notifications go out: an UNLISTEN committed now drops its own.
                // (A block of the engine's own ends in run_engine_frame.)
                settle_table_listens(block_committed());
            }
            if (pass) {
                if (std::next(expected_.begin()) == expected_.end()) {
                    deliver_before_ready(body.empty() ? 'I' : body[0]); // the last answer owed
                }
                send(raw);
            }
            expected_.pop_front();
            on_ready_for_query(body.empty() ? 'I' : body[0], !pass);
            return;
        }
        if (type == be::kCommandComplete) {
            note_transaction_end(body);
        }
        if (pass) {
            send(raw);
        }
        return;
    case Kind::local:
        return; // emitted above
    }
}

void PgSession::on_backend_error(Expectation& head, std::string_view body, std::string_view raw) {
    using Kind = Expectation::Kind;
    error_in_segment_ = true;
    auto error = protocol::parse_error_response(body);
    bool fatal = error && (error->severity == "FATAL" || error->severity == "PANIC");
    if (fatal) {
        // The server connection is going away; the client's session is not: what it was
        // waiting for ends with this error.
        Error relayed = error.value();
        relayed.severity = "ERROR";
        protocol::write_error(client_out_, relayed);
        on_backend_lost();
        return;
    } else if (head.auto_prepared && error && retry_auto_prepared(head, error.value())) {
        return; // the query runs again as it came; its own answer is what the client gets
    } else if (head.replace_error) {
        protocol::write_error(client_out_, *head.replace_error);
    } else if (error && head.statement && !head.client_statement.empty() &&
               (head.kind == Kind::bind || head.kind == Kind::describe)) {
        // The server named the statement by our name for it: show the client's.
        Error renamed = error.value();
        std::string ours = "\"" + head.statement->server_name + "\"";
        if (size_t at = renamed.message.find(ours); at != std::string::npos) {
            renamed.message.replace(at, ours.size(), "\"" + head.client_statement + "\"");
        }
        protocol::write_error(client_out_, renamed);
    } else if (head.swallow && head.kind == Kind::query) {
        // Restoring session state failed: tell the client without breaking its protocol.
        Error warning = error ? error.value() : error.error();
        warning.severity = "WARNING";
        warning.message = "Nectar could not restore session state: " + warning.message;
        protocol::write_error(client_out_, warning, protocol::be::kNoticeResponse);
    } else {
        send(raw);
    }
    if (head.kind == Kind::query || head.kind == Kind::sync) {
        head.failed = true;
        return;
    }
    on_statement_failed(head);
    expected_.pop_front();
    skip_until_sync();
}

void PgSession::note_transaction_end(std::string_view command_tag) {
    if (command_tag.rfind("COMMIT", 0) == 0) {
        tx_end_ = TxEnd::commit;
    } else if (command_tag.rfind("ROLLBACK", 0) == 0) {
        tx_end_ = TxEnd::rollback; // also what COMMIT of a failed transaction answers
    }
}

bool PgSession::block_committed() const {
    return tx_end_ == TxEnd::commit || (tx_end_ == TxEnd::none && !error_in_segment_);
}

void PgSession::on_ready_for_query(char status, bool swallowed) {
    backend_status_ = status;
    server_awaits_client_ = false;
    if (swallowed) {
        return;
    }
    if (status == 'I') {
        // The transaction ended: its session-state effects stand or fall with it.
        bool committed = block_committed();
        if (committed && !pending_changes_.empty()) {
            if (state_.apply(pending_changes_, *backend_)) {
                statements_.clear();
                unnamed_.reset();
            }
        }
        pending_changes_.clear();
    }
    tx_end_ = TxEnd::none;
    error_in_segment_ = false;
    bool pinned = session_pooling_ || state_.listening();
    if (status == 'I' && expected_.empty() && !pinned) {
        detach_requested_ = true;
    }
}

void PgSession::on_statement_failed(const Expectation& expectation) {
    if (expectation.kind != Expectation::Kind::parse && expectation.kind != Expectation::Kind::local) {
        return;
    }
    if (expectation.statement && backend_) {
        if (expectation.statement->server_name.empty()) {
            backend_->unnamed_owner = {0, 0};
            if (unnamed_ == expectation.statement) {
                unnamed_.reset();
            }
        } else if (expectation.kind == Expectation::Kind::parse) {
            backend_->prepared.erase(expectation.statement->server_name);
        }
    }
    if (!expectation.client_statement.empty()) {
        auto found = statements_.find(expectation.client_statement);
        if (found != statements_.end() && found->second == expectation.statement) {
            statements_.erase(found);
        }
    }
}

void PgSession::skip_until_sync() {
    while (!expected_.empty() && expected_.front().kind != Expectation::Kind::sync) {
        on_statement_failed(expected_.front());
        expected_.pop_front();
    }
    skipping_ = expected_.empty();
}

void PgSession::on_backend_lost() {
    backend_broken_ = true;
    if (expected_.empty()) {
        if (session_pooling_ || state_.listening() || backend_status_ != 'I') {
            // PostgreSQL would have ended this session; so must we.
            protocol::write_error(client_out_, Error::make("08006", "server connection lost", "FATAL"));
            client_broken_ = true;
        }
        return;
    }
    spdlog::warn("session {}: server connection to {} lost during a request", id_, backend_->target().describe());
    Error lost = Error::make("08006", "server connection to service \"" + pool_->service() + "\" was lost");
    bool error_sent = error_in_segment_;
    for (const Expectation& expectation : expected_) {
        if (expectation.kind == Expectation::Kind::sync || expectation.kind == Expectation::Kind::query) {
            if (!error_sent && !expectation.swallow) {
                protocol::write_error(client_out_, lost);
            }
            if (!expectation.swallow) {
                protocol::write_ready_for_query(client_out_, 'I');
            }
            error_sent = false;
        }
    }
    expected_.clear();
    pending_changes_.clear();
    skipping_ = false;
    server_awaits_client_ = false;
    stream_remaining_ = 0;
    backend_status_ = 'I';
    error_in_segment_ = false;
    tx_end_ = TxEnd::none;
}

void PgSession::finish_detach() {
    if (!backend_ || reader_running_ || writes_in_flight_ > 0) {
        return; // whoever finishes last hands the connection back
    }
    if (!detach_requested_ && !closing_ && !backend_broken_ && !client_broken_) {
        return;
    }
    cancel_target_->set(nullptr, 0, 0);
    bool idle = !backend_broken_ && expected_.empty() && backend_status_ == 'I' && stream_remaining_ == 0 &&
                backend_in_.empty();
    backend_in_.consume(backend_in_.size());
    if (!idle) {
        pool_->discard(std::move(backend_));
    } else if (session_pooling_ || state_.listening()) {
        pool_->reset_and_release(std::move(backend_)); // its session state must not reach the next client
    } else {
        pool_->release(std::move(backend_));
    }
    detach_requested_ = false;
    if (draining_ && !closing_) {
        end_for_shutdown();
    }
}

asio::awaitable<void> PgSession::flush_client() {
    if (client_writing_) {
        // Another coroutine is writing and will send what we added; hold back a fast server.
        while (client_writing_ && client_out_.size() > kClientHighWater && !client_broken_) {
            boost::system::error_code ec;
            client_drained_.expires_at(asio::steady_timer::time_point::max());
            co_await client_drained_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        co_return;
    }
    client_writing_ = true;
    while (!client_out_.empty() && !client_broken_) {
        std::swap(client_out_, client_inflight_);
        client_out_.clear();
        boost::system::error_code ec;
        std::string_view pending = client_inflight_;
        if (!client_.try_write(pending, ec)) {
            co_await client_.write_all(pending, ec);
        }
        if (ec) {
            client_broken_ = true;
        }
    }
    client_inflight_.clear();
    if (client_inflight_.capacity() > (1 << 20)) {
        client_inflight_ = std::string();
    }
    client_writing_ = false;
    client_drained_.cancel();
}

bool PgSession::try_flush_now() {
    if (client_writing_ || client_out_.empty()) {
        return client_out_.empty();
    }
    boost::system::error_code ec;
    std::string_view pending = client_out_;
    bool done = client_.try_write(pending, ec);
    if (ec) {
        client_broken_ = true;
        client_out_.clear();
        return true;
    }
    client_out_.erase(0, client_out_.size() - pending.size());
    return done;
}

asio::awaitable<void> PgSession::send_fatal(const Error& error) {
    protocol::write_error(client_out_, error);
    co_await flush_client();
}

} // namespace nectar::proxy
