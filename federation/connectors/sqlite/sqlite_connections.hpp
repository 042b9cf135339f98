#pragma once
// The SQLite handles of one database file: RAII wrappers, a small cache of open connections,
// SQLite errors as PostgreSQL SQLSTATEs, and run_blocking(), which runs a blocking call on the
// SQLite thread pool and resumes the awaiting coroutine on its own executor.

#include "protocol/error.hpp"

#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace nectar::federation {

struct ConnectionCloser {
    void operator()(sqlite3* db) const;
};
struct StatementFinalizer {
    void operator()(sqlite3_stmt* stmt) const;
};
using ConnectionPtr = std::unique_ptr<sqlite3, ConnectionCloser>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

/// The error SQLite reports for `rc` on `db` (which may be null), with its SQLSTATE:
/// constraint kinds → 23xxx, locks → 55P03, "no such table" → 42P01, "integer overflow" → 22003...
Error sqlite_error(sqlite3* db, int rc);

struct SqliteOptions {
    std::string path;
    bool read_only = false;
    int busy_timeout_ms = 5000;
    int max_connections = 20; ///< open at once (held by streams and statements, plus idle ones)
};

/// Open connections to one file. Every call but release() blocks: call them on the pool.
class SqliteConnections : public std::enable_shared_from_this<SqliteConnections> {
  public:
    explicit SqliteConnections(SqliteOptions options)
        : options_(std::move(options)) {}

    const SqliteOptions& options() const { return options_; }

    /// An idle connection or a new one (WAL, busy_timeout, foreign_keys and case_sensitive_like
    /// set); 08001 when the file cannot be opened, 53300 past max_connections.
    Result<ConnectionPtr> acquire();
    /// Keeps a healthy connection for reuse (a few at most); closes the rest.
    void release(ConnectionPtr conn);

  private:
    Result<ConnectionPtr> open() const;

    SqliteOptions options_;
    std::mutex mutex_;
    std::vector<ConnectionPtr> idle_;
    int open_ = 0; ///< idle + in use
};

/// A connection borrowed from SqliteConnections, given back when the lease ends.
class Lease {
  public:
    Lease(std::shared_ptr<SqliteConnections> owner, ConnectionPtr conn)
        : owner_(std::move(owner))
        , conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
        if (conn_) {
            owner_->release(std::move(conn_));
        }
    }
    sqlite3* get() const { return conn_.get(); }

  private:
    std::shared_ptr<SqliteConnections> owner_;
    ConnectionPtr conn_;
};

/// A prepared statement with the connection it belongs to (finalized first, then given back).
struct OpenStatement {
    Lease lease;
    StatementPtr stmt;
};

/// Borrows a connection and prepares `sql` on it (one statement: trailing SQL → 42601).
Result<OpenStatement> prepare_statement(const std::shared_ptr<SqliteConnections>& connections,
                                        std::string_view sql);

/// Prepares `sql` on a connection the caller holds (one statement: trailing SQL → 42601).
Result<StatementPtr> prepare_on(sqlite3* db, std::string_view sql);

/// Runs `work()` (returning Result<T>) on `pool`; the awaiting coroutine resumes on its own
/// executor, because the completion is posted to the handler's associated executor.
/// `work` is taken by reference: pass a named lambda, as g++ 12 may destroy a temporary
/// lambda (and its captures) twice when it is created inside a co_await expression.
template <typename T, typename Work>
boost::asio::awaitable<Result<T>> run_blocking(boost::asio::thread_pool& pool, Work& work) {
    std::optional<Result<T>> result;
    // The frame (and so `work` and `result`) stays alive until the handler resumes it.
    co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void()>(
        [&pool, &work, &result](auto handler) {
            boost::asio::post(pool, [&work, &result, handler = std::move(handler)]() mutable {
                try {
                    result.emplace(work());
                } catch (const std::exception& e) {
                    // Only bad_alloc and the like get here; a pool thread must not die of them.
                    result.emplace(Error::make("XX000", std::string("SQLite connector: ") + e.what()));
                }
                boost::asio::post(std::move(handler));
            });
        },
        boost::asio::use_awaitable);
    co_return std::move(*result);
}

} // namespace nectar::federation
