#pragma once
// A libpq connection driven from an Asio event loop: non-blocking connect, simple queries and
// COPY BOTH (streaming replication), with the socket watched by a stream_descriptor so the
// worker never blocks. Used by the PostgreSQL logical replication capture.

#include "protocol/error.hpp"

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct pg_conn;

namespace nectar::realtime {

class PqConnection {
  public:
    using Rows = std::vector<std::vector<std::optional<std::string>>>;
    using Params = std::vector<std::pair<std::string, std::string>>; ///< libpq keywords and values

    /// Connects within `timeout`; 08001 with libpq's message when it cannot.
    static boost::asio::awaitable<Result<std::unique_ptr<PqConnection>>>
    connect(boost::asio::any_io_executor executor, const Params& params, std::chrono::milliseconds timeout);
    ~PqConnection();
    PqConnection(const PqConnection&) = delete;
    PqConnection& operator=(const PqConnection&) = delete;

    /// Runs one statement; its rows as text (NULL as nullopt). Errors carry the server's SQLSTATE.
    boost::asio::awaitable<Result<Rows>> query(const std::string& sql);
    /// Sends a statement that enters COPY BOTH mode (START_REPLICATION).
    boost::asio::awaitable<Result<void>> start_copy_both(const std::string& sql);
    /// The next CopyData message; nullopt when none came before `deadline` (or interrupt()).
    boost::asio::awaitable<Result<std::optional<std::string>>> read_copy(std::chrono::steady_clock::time_point deadline);
    /// Sends one CopyData message.
    boost::asio::awaitable<Result<void>> write_copy(const std::string& data);
    /// Wakes a pending read_copy (it returns nullopt); call on the connection's executor.
    void interrupt();

    /// Quotes an identifier / a literal for this server.
    std::string quote_identifier(const std::string& name) const;
    std::string quote_literal(const std::string& text) const;

  private:
    PqConnection(boost::asio::any_io_executor executor, pg_conn* conn);
    enum class Wait { read, write };
    /// Waits until the socket is ready; false on timeout or interrupt.
    boost::asio::awaitable<bool> wait(Wait what, std::chrono::steady_clock::time_point deadline);
    boost::asio::awaitable<Result<void>> flush();
    Error last_error(const char* sqlstate = "08006") const;

    boost::asio::any_io_executor executor_;
    pg_conn* conn_;
    boost::asio::posix::stream_descriptor socket_;
};

} // namespace nectar::realtime
