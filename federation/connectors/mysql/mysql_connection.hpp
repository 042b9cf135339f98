#pragma once
// One MariaDB Connector/C connection driven without blocking: every *_start/_cont call of the
// non-blocking API waits on the connection's socket (a posix::stream_descriptor that never owns
// the fd) and on a timer for MYSQL_WAIT_TIMEOUT, on the worker's event loop.

#include "federation/connectors/service_url.hpp"
#include "protocol/error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <mysql.h>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nectar::federation {

namespace asio = boost::asio;

/// A MySQL error (client or server) as PostgreSQL would report it: mapped SQLSTATE, "mysql: ..." message.
Error mysql_error_of(MYSQL* mysql);
/// The SQLSTATE for a MySQL error number (`fallback` is mysql_sqlstate()'s answer).
std::string mysql_sqlstate_for(unsigned int errnum, std::string_view message, std::string_view fallback);

class MysqlConnection {
  public:
    using Clock = std::chrono::steady_clock;
    using TextRow = std::vector<std::optional<std::string>>;

    /// Connects (within `timeout`) and runs the session setup the MySQL dialect relies on.
    static asio::awaitable<Result<std::unique_ptr<MysqlConnection>>>
    open(asio::any_io_executor executor, const ServiceUrl& url, std::chrono::milliseconds timeout);
    ~MysqlConnection();
    MysqlConnection(const MysqlConnection&) = delete;
    MysqlConnection& operator=(const MysqlConnection&) = delete;

    MYSQL* handle() { return mysql_; }

    /// Sends one statement and reads its result header (mysql_real_query_start/_cont).
    asio::awaitable<Result<void>> real_query(std::string_view sql);
    /// The next row of an unbuffered result, or null at the end (then check mysql_errno).
    asio::awaitable<MYSQL_ROW> fetch_row(MYSQL_RES* result);
    /// Frees a result whose rows have all been read (no I/O left) without blocking.
    asio::awaitable<void> free_result(MYSQL_RES* result);
    /// Moves to the statement's next result (a CALL's next result set): true when there is one,
    /// false at the end; an error raised there (a SIGNAL after a SELECT) is returned.
    asio::awaitable<Result<bool>> next_result();
    /// Runs a statement and returns all its rows as text: for small metadata queries only.
    asio::awaitable<Result<std::vector<TextRow>>> query_all(std::string_view sql);

    /// Makes the connection unusable at once (socket shut down) so that a half-read result can
    /// be freed without waiting for the rest of it; the pool then discards it.
    void abort_socket();
    /// False when the server has closed the connection or sent something unasked.
    bool looks_alive() const;

    bool broken = false; ///< set on any I/O error: never reuse
    Clock::time_point idle_since = Clock::now();

  private:
    MysqlConnection(asio::any_io_executor executor, MYSQL* mysql);
    /// Waits for what a *_start/_cont call asked (MYSQL_WAIT_*); returns what became ready.
    asio::awaitable<int> wait(int status);
    /// Points the descriptor at the connection's current socket, releasing (not closing) the old one.
    void track_socket();

    MYSQL* mysql_;
    asio::posix::stream_descriptor socket_;
    asio::steady_timer timer_;
};

} // namespace nectar::federation
