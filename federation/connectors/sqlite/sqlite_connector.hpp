#pragma once
// The federation engine's connector to a SQLite file (sqlite:///absolute/path.db). SQLite's API
// blocks, so every call runs on a small thread pool shared by all SQLite connectors and the
// caller resumes on its own worker. A query keeps its statement open between next() calls, so
// results stream a batch at a time and a table is never loaded whole.
//
// URL parameters: mode=ro opens the file read-only; busy_timeout=<ms> (default 5000) is how
// long a statement waits for another writer's lock.

#include "federation/connectors/connector.hpp"

#include <utility>

#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <string>
#include <vector>

namespace nectar::federation {

/// The blocking pool every SQLite connector runs on by default (two threads: SQLite calls are
/// short, a batch or a statement at a time).
boost::asio::thread_pool& sqlite_blocking_pool();

class SqliteConnections;

class SqliteConnector : public Connector {
  public:
    /// Opens nothing yet: connections open on first use (08001 then if the file is missing).
    /// `pool`: where SQLite calls run, which must outlive the connector; null for sqlite_blocking_pool().
    explicit SqliteConnector(const ServiceSpec& spec, boost::asio::thread_pool* pool = nullptr);
    ~SqliteConnector() override;
    SqliteConnector(const SqliteConnector&) = delete;
    SqliteConnector& operator=(const SqliteConnector&) = delete;

    const std::string& service() const override { return service_; }
    const Dialect& dialect() const override;
    /// The database file.
    const std::string& path() const;

    /// Tables and views of the "main" schema (sqlite_* internals left out), columns from
    /// PRAGMA table_xinfo, row estimates from sqlite_stat1 or a bounded count.
    boost::asio::awaitable<Result<std::vector<TableInfo>>> discover() override;
    boost::asio::awaitable<Result<std::unique_ptr<RowStream>>> query(std::string sql,
                                                                     std::vector<Type> types) override;
    /// One statement (a second one in `sql` is refused with 42601); rows_affected counts the
    /// rows the INSERT/UPDATE/DELETE itself changed (not its triggers'), as PostgreSQL does.
    boost::asio::awaitable<Result<CommandResult>> execute(std::string sql,
                                                          std::vector<Type> returning_types) override;
    /// BEGIN IMMEDIATE on a connection of its own; no two-phase commit (prepare() is 0A000).
    boost::asio::awaitable<Result<std::unique_ptr<Transaction>>> begin_transaction(bool two_phase) override;

  private:
    std::string service_;
    boost::asio::thread_pool& pool_;
    /// Shared with open streams, which may outlive a call but not the connector's file.
    std::shared_ptr<SqliteConnections> connections_;
};

} // namespace nectar::federation
