#pragma once
// One connection from Nectar to a PostgreSQL server, spoken in the native v3 protocol on the
// worker's event loop. Sessions relay bytes through it; the pool keeps it between uses.

#include "federation/connectors/postgres/pg_target.hpp"
#include "protocol/error.hpp"
#include "protocol/input_buffer.hpp"

#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace nectar::protocol {
class ScramClient;
}

namespace nectar::federation {

namespace asio = boost::asio;

class PgConnection {
  public:
    using Socket = asio::generic::stream_protocol::socket;

    /// Connects, negotiates TLS per sslmode, logs in (trust, cleartext, md5, SCRAM-SHA-256) and
    /// reads until the first ReadyForQuery, all within `timeout`. `tls` may be null when
    /// sslmode is disable or prefer.
    static asio::awaitable<Result<std::unique_ptr<PgConnection>>>
    open(asio::any_io_executor executor, const PgTarget& target, asio::ssl::context* tls,
         std::chrono::milliseconds timeout);
    /// A connection object that never had a socket: for tests and bookkeeping only.
    static std::unique_ptr<PgConnection> unconnected(asio::any_io_executor executor, const PgTarget& target);
    ~PgConnection();
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

    /// Reads what is available into `into`; 0 with `ec` set on failure or end of stream.
    /// (Returns the socket's own operation: no coroutine frame of its own on the hot path.)
    asio::awaitable<size_t> read_some(asio::mutable_buffer into, boost::system::error_code& ec);
    /// Writes what the kernel takes at once and drops it from `data`; true when done (or `ec`
    /// holds an error), false when the rest needs write_all(). TLS always needs write_all().
    bool try_write(std::string_view& data, boost::system::error_code& ec);
    /// Writes all of `data` through the event loop (after try_write() on hot paths).
    asio::awaitable<void> write_all(std::string_view data, boost::system::error_code& ec);
    /// Runs Nectar's own simple query (no rows expected) to its ReadyForQuery: the first error
    /// if any. Only on a connection no session is relaying.
    asio::awaitable<Result<void>> run_simple_query(std::string_view sql);
    /// False when an idle connection has been closed by the server or has data waiting (which
    /// for an idle connection means the server is ending it). One non-blocking peek.
    bool looks_alive();
    /// Reads until one whole server message is buffered (for Nectar's own statements: the
    /// federation connector). `body` stays valid until consume_message(body) drops it.
    asio::awaitable<Result<void>> read_message(char& type, std::string_view& body);
    void consume_message(std::string_view body) { in_.consume(5 + body.size()); }
    void cancel();
    void close();
    bool is_open() const { return socket_.is_open(); }

    int32_t process_id() const { return process_id_; }
    int32_t secret_key() const { return secret_key_; }
    const PgTarget& target() const { return *target_; }
    /// ParameterStatus values as the server last reported them.
    std::map<std::string, std::string>& parameters() { return parameters_; }

    // Session-state bookkeeping, owned by whichever session holds the connection.

    /// Server-side names of prepared statements that exist on this connection.
    std::unordered_set<std::string> prepared;
    /// Settings applied with SET beyond the connection's startup values: key → the statement.
    std::map<std::string, std::string> applied_settings;
    /// SQL-level PREPARE statements in force: name → the PREPARE statement.
    std::map<std::string, std::string> sql_prepares;
    /// (session, state version) whose settings this connection was last brought to.
    std::pair<uint64_t, uint64_t> synced_state{0, 0};
    /// Which session's unnamed statement this connection holds: (session id, parse generation).
    std::pair<uint64_t, uint64_t> unnamed_owner{0, 0};
    std::chrono::steady_clock::time_point idle_since;
    uint64_t pool_generation = 0; ///< bumped whenever the pool hands the connection out

  private:
    PgConnection(Socket socket, const PgTarget& target);
    static asio::awaitable<Result<std::unique_ptr<PgConnection>>>
    open_within(asio::any_io_executor executor, const PgTarget& target, asio::ssl::context* tls,
                std::shared_ptr<std::function<void()>> abort);
    asio::awaitable<Result<void>> start_tls(asio::ssl::context& tls);
    asio::awaitable<Result<void>> login();
    /// Appends the answer to one AuthenticationXXX request to `out` (nothing for AuthenticationOk).
    Result<void> answer_authentication(std::string_view body, std::unique_ptr<protocol::ScramClient>& scram,
                                       std::string& out);

    Socket socket_;
    std::unique_ptr<asio::ssl::stream<Socket&>> tls_;
    const PgTarget* target_;
    protocol::InputBuffer in_{4096};
    int32_t process_id_ = 0;
    int32_t secret_key_ = 0;
    std::map<std::string, std::string> parameters_;
};

/// Sends a CancelRequest for (process_id, secret_key) to the server `target` names.
asio::awaitable<void> send_cancel_request(asio::any_io_executor executor, const PgTarget& target,
                                          int32_t process_id, int32_t secret_key);

} // namespace nectar::federation
