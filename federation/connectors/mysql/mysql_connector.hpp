#pragma once
// A MySQL/MariaDB service on one worker: MariaDB Connector/C's non-blocking API driven by the
// worker's io_context, a pool of connections, discovery from information_schema, streamed
// queries (mysql_use_result: never a whole result in memory) and writes.

#include "federation/connectors/connector.hpp"
#include "federation/connectors/mysql/mysql_dialect.hpp"
#include "federation/connectors/mysql/mysql_pool.hpp"

#include <memory>
#include <string>
#include <vector>

namespace nectar::federation {

class MysqlConnector : public Connector {
  public:
    /// `spec.pool` is this worker's share of the service's pool, as for PostgreSQL services.
    MysqlConnector(boost::asio::io_context& io, ServiceSpec spec);
    ~MysqlConnector() override;

    const std::string& service() const override { return spec_.name; }
    const Dialect& dialect() const override { return mysql_dialect(); }

    /// Tables and views of the URL's database, with columns, keys, indexes and TABLE_ROWS
    /// (mysql_discover.cpp).
    boost::asio::awaitable<Result<std::vector<TableInfo>>> discover() override;
    /// Stored procedures and functions of the URL's database, in one query.
    boost::asio::awaitable<Result<std::vector<RoutineInfo>>> discover_routines() override;
    /// Functions as SELECT fn(args), procedures as CALL proc(args) with every result set it
    /// produces (mysql_next_result) and OUT/INOUT arguments through session variables
    /// (mysql_routine.cpp).
    boost::asio::awaitable<Result<RoutineResult>> call_routine(const RoutineInfo& routine,
                                                               std::vector<Value> arguments) override;
    boost::asio::awaitable<Result<std::unique_ptr<RowStream>>> query(std::string sql,
                                                                     std::vector<Type> types) override;
    /// INSERT/DELETE ... RETURNING need MariaDB 10.5+; UPDATE ... RETURNING does not exist (0A000).
    boost::asio::awaitable<Result<CommandResult>> execute(std::string sql,
                                                          std::vector<Type> returning_types) override;
    /// START TRANSACTION, or XA START with a generated xid when `two_phase`.
    boost::asio::awaitable<Result<std::unique_ptr<Transaction>>> begin_transaction(bool two_phase) override;
    /// The rows estimate of EXPLAIN FORMAT=JSON's first table.
    boost::asio::awaitable<Result<int64_t>> estimate_rows(std::string sql) override;

    MysqlPool& pool() { return pool_; }

  private:
    ServiceSpec spec_;
    MysqlPool pool_;
};

} // namespace nectar::federation
