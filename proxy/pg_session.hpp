#pragma once
// One client on the PostgreSQL face: startup and authentication, then every message relayed
// to a pooled server connection of the session's service, with the session's prepared
// statements and settings carried across connections (transaction pooling).

#include "federation/engine.hpp"
#include "protocol/framing.hpp"
#include "protocol/frontend_messages.hpp"
#include "proxy/client_stream.hpp"
#include "proxy/expectation.hpp"
#include "proxy/proxy_context.hpp"
#include "realtime/change_event.hpp"

#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <optional>
#include <memory>
#include <string>
#include <unordered_map>

namespace nectar::proxy {

class PgSession : public std::enable_shared_from_this<PgSession> {
  public:
    PgSession(asio::ip::tcp::socket socket, Worker& worker);
    ~PgSession();

    /// The whole life of the session; spawn it on the worker's io_context.
    asio::awaitable<void> run();
    /// Nectar is stopping: end the session now if it is idle, else when its transaction ends.
    void drain();

  private:
    // Startup phase (session_startup.cpp).
    asio::awaitable<bool> startup();
    asio::awaitable<bool> read_startup_packet(protocol::StartupFrame& frame);
    asio::awaitable<bool> authenticate(const std::string& user);
    asio::awaitable<bool> authenticate_scram(const UserMap& users, const std::string& user);
    asio::awaitable<bool> authenticate_password(const UserMap& users, const std::string& user);
    asio::awaitable<bool> read_password_message(std::string_view& body);
    asio::awaitable<bool> open_server_session();
    asio::awaitable<void> cancel_request(std::string_view body);
    void end_for_shutdown();

    // Client → server (session_frontend.cpp).
    asio::awaitable<void> serve();
    asio::awaitable<bool> attach_backend();
    void adopt_backend(std::unique_ptr<federation::PgConnection> conn);
    void start_concurrent_relay();
    void forward(const protocol::Frame& frame);
    void forward_parse(const protocol::Frame& frame);
    // Auto-prepare (session_auto_prepare.cpp, auto_prepare.hpp).
    /// Sends the simple query `sql` as its shape's prepared statement when it has one; true if so.
    /// `alone`: nothing else is outstanding or buffered, so a retry cannot overtake anything.
    bool forward_auto_prepared(std::string_view sql, bool alone);
    /// An auto-prepared query failed before any answer reached the client: runs it as it came,
    /// so that the client sees exactly PostgreSQL's answer to it. False when the error must
    /// simply be relayed.
    bool retry_auto_prepared(const Expectation& head, const Error& error);
    /// Sends what retry_auto_prepared() queued (from the relay, which otherwise only reads).
    asio::awaitable<void> send_auto_retry();
    void forward_bind(const protocol::Frame& frame);
    void forward_describe_or_close(const protocol::Frame& frame);
    void forward_execute(const protocol::Frame& frame);
    std::shared_ptr<const StatementInfo> ensure_prepared(std::string_view client_name);
    void raise_error(Error error);
    void expect(Expectation expectation);
    /// The client sent Sync, Flush, Query...: the server will send what it owes so far.
    void mark_flush_point() { flush_through_ = next_seq_ - 1; }
    bool answers_due() const;
    void fail_batch(const Error& error);

    // Server → client (session_backend.cpp).
    /// Relays the answers to what was sent, until none is outstanding or the server waits
    /// for the client (COPY FROM STDIN).
    asio::awaitable<void> relay_answers();
    /// Reads the server concurrently with the client (a LISTENing session), until detach.
    asio::awaitable<void> relay_backend(std::shared_ptr<PgSession> self);
    /// One read from the server, its messages relayed and flushed; false once relaying must
    /// stop (detach, loss, closing).
    asio::awaitable<bool> read_and_relay();
    enum class RelayStep { need_read, more_buffered, done };
    RelayStep process_backend_input();
    void on_backend_message(char type, std::string_view body, std::string_view raw);
    void on_backend_error(Expectation& head, std::string_view body, std::string_view raw);
    void note_transaction_end(std::string_view command_tag);
    /// At a ReadyForQuery 'I': whether the transaction that just ended committed.
    bool block_committed() const;
    void on_ready_for_query(char status, bool swallowed);
    void on_statement_failed(const Expectation& expectation);
    void skip_until_sync();
    void emit_ready_locals();
    void on_backend_lost();
    void finish_detach();

    // Statements for the federation engine (session_engine.cpp).
    bool wants_engine(const protocol::Frame& frame) const;
    asio::awaitable<void> settle_backend();
    asio::awaitable<void> run_engine_frame(const protocol::Frame& frame);
    asio::awaitable<bool> open_engine_session();
    char engine_status() const;

    // LISTEN "service.table": realtime changes as notifications (session_listen.cpp).
    /// Answers a LISTEN / UNLISTEN that names a Nectar table; false: the statement goes on as usual.
    asio::awaitable<bool> try_table_listen(const protocol::Frame& frame);
    asio::awaitable<void> listen_table(bool in_block, const std::string& channel, const std::string& service,
                                       const std::string& table);
    /// Waits (bounded) for the capture of a new subscription to run; its error, if it failed.
    asio::awaitable<std::optional<Error>> await_capture_live(uint64_t handle);
    /// `in_block`: only marked, for the block's end to settle (unless the block's own LISTEN).
    void unlisten_table(const std::string& channel, bool in_block = false);
    /// UNLISTEN *; `in_block`: only marked, for the block's end to settle.
    void unlisten_tables(bool in_block = false);
    /// The transaction block ended: its table LISTENs and UNLISTENs stand or fall with it.
    void settle_table_listens(bool committed);
    /// Inside a failed block: answers 25P02 as PostgreSQL does, and true.
    bool refuse_in_failed_block();
    void on_feed_message(uint64_t handle, const realtime::FeedMessage& message);
    /// Sends waiting notifications if the session is between statements and outside a block.
    void deliver_notifications();
    /// Sends waiting notifications ahead of a ReadyForQuery(`status`) that ends the request.
    void deliver_before_ready(char status);
    /// The client waits for nothing: deliver now, and start a write if none is running.
    void send_notifications_while_idle();
    void write_waiting_notifications();
    void close_for_notification_overflow();

    // Client output.
    void send(std::string_view bytes) { client_out_.append(bytes); }
    asio::awaitable<void> flush_client();
    /// Sends the pending output at once if the kernel takes it all; false when flush_client()
    /// must finish the job.
    bool try_flush_now();
    asio::awaitable<void> send_fatal(const Error& error);
    void log_debug(std::string_view what) const;

    Worker& worker_;
    ProxyShared& shared_;
    ClientStream client_;
    protocol::InputBuffer client_in_;
    std::string client_out_;
    std::string client_inflight_;
    bool client_writing_ = false;
    bool client_broken_ = false;
    asio::steady_timer client_drained_;

    int32_t process_id_ = 0;
    std::shared_ptr<CancelTarget> cancel_target_;
    uint64_t id_ = 0;
    std::string user_;
    std::string application_name_;
    federation::PgPool* pool_ = nullptr;
    std::string service_;         ///< the session's service (SPEC §2)
    bool engine_only_ = false;    ///< the service is not PostgreSQL: the engine answers everything
    bool engine_skipping_ = false; ///< an unsupported extended batch failed: skip until Sync
    federation::SessionSettings engine_settings_;
    federation::SessionTransaction engine_transaction_; ///< BEGIN ... COMMIT through the engine
    bool session_pooling_ = false;

    // Session state carried across server connections.
    SessionState state_;
    std::unordered_map<std::string, std::shared_ptr<const StatementInfo>> statements_;
    std::shared_ptr<const StatementInfo> unnamed_;
    uint64_t unnamed_generation_ = 0;
    std::unordered_map<std::string, std::shared_ptr<const StatementInfo>> portal_statements_;
    std::vector<StateStatement> pending_changes_; ///< effects waiting for their transaction's end

    // The attached server connection.
    std::unique_ptr<federation::PgConnection> backend_;
    protocol::InputBuffer backend_in_{16384};
    std::string backend_out_;
    std::string auto_query_;      ///< the simple query an auto-prepared request stands for
    std::string auto_statement_;  ///< its server-side statement
    std::string auto_retry_out_;  ///< a retry of it, to send from the relay
    ExpectationQueue expected_;
    uint64_t next_seq_ = 1;
    uint64_t flush_through_ = 0; ///< the server sends answers up to this expectation now
    char backend_status_ = 'I';
    bool reader_running_ = false;
    int writes_in_flight_ = 0;
    bool detach_requested_ = false;
    bool backend_broken_ = false;
    bool closing_ = false;
    bool draining_ = false;
    bool skipping_ = false;          ///< the server skips messages until Sync after an error
    bool server_awaits_client_ = false; ///< COPY FROM STDIN in progress
    bool error_in_segment_ = false;  ///< an error reached the client since the last ReadyForQuery
    enum class TxEnd { none, commit, rollback } tx_end_ = TxEnd::none;
    // LISTEN "service.table" subscriptions and the notifications waiting for a statement boundary.
    struct TableListen {
        std::string channel; ///< as the client named it
        uint64_t handle = 0; ///< the hub's
        federation::TableInfo table;
        /// LISTEN/UNLISTEN inside a transaction block take effect at its COMMIT (as in PostgreSQL);
        /// until then a pending LISTEN's changes are not notified.
        enum class Pending { none, listen, unlisten } pending = Pending::none;
    };
    std::vector<TableListen> table_listens_;
    struct WaitingNotification {
        uint64_t handle = 0;  ///< the subscription's (TableListen::handle)
        std::string message;  ///< the whole NotificationResponse
    };
    std::deque<WaitingNotification> notifications_;
    size_t notification_bytes_ = 0;
    bool awaiting_client_ = false;        ///< serve() waits for the client's next message
    uint64_t capture_wait_handle_ = 0;    ///< a LISTEN waiting for its capture to run
    std::optional<Error> capture_wait_error_;
    std::unique_ptr<asio::steady_timer> capture_wait_;
    size_t stream_remaining_ = 0; ///< bytes of a large message still to pass through unparsed
    bool stream_swallowed_ = false;
};

} // namespace nectar::proxy
