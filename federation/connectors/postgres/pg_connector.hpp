#pragma once
// The federation engine's connector to a PostgreSQL service: discovery from pg_catalog, and
// statements sent with the extended protocol over the worker's pooled native connections
// (the same pool the proxy relays through), results streamed a batch at a time.

#include "federation/connectors/connector.hpp"
#include "federation/connectors/postgres/pg_pool.hpp"

#include <memory>
#include <string>
#include <vector>

namespace nectar::federation {

class PgConnector : public Connector {
  public:
    /// `pool` is the service's pool on this worker; it must outlive the connector.
    PgConnector(PgPool& pool, std::string service);
    ~PgConnector() override;
    PgConnector(const PgConnector&) = delete;
    PgConnector& operator=(const PgConnector&) = delete;

    const std::string& service() const override { return service_; }
    const Dialect& dialect() const override { return postgres_dialect(); }

    /// Tables, partitioned tables, views, materialized views and foreign tables of every
    /// schema but pg_* and information_schema: one catalog query for tables and columns, one
    /// for indexes, one for foreign keys.
    boost::asio::awaitable<Result<std::vector<TableInfo>>> discover() override;
    /// Functions and procedures of the same schemas, in one information_schema query.
    boost::asio::awaitable<Result<std::vector<RoutineInfo>>> discover_routines() override;
    /// Functions as SELECT * FROM fn(args) AS fn, procedures as CALL proc(args) (its one row
    /// holds the OUT/INOUT values); columns from the statement's RowDescription.
    boost::asio::awaitable<Result<RoutineResult>> call_routine(const RoutineInfo& routine,
                                                               std::vector<Value> arguments) override;
    /// Rows are read from the server as the stream is asked for them. A stream dropped before
    /// its end cancels the statement and drains the connection in the background.
    boost::asio::awaitable<Result<std::unique_ptr<RowStream>>> query(std::string sql,
                                                                     std::vector<Type> types) override;
    /// A bound statement is prepared once per pooled connection and then only bound: PostgreSQL
    /// parses and plans a REST lookup once, as for a driver's prepared statement.
    boost::asio::awaitable<Result<std::unique_ptr<RowStream>>> query_bound(const BoundSql& bound,
                                                                           std::string inline_sql,
                                                                           std::vector<Type> types) override;
    boost::asio::awaitable<Result<CommandResult>> execute(std::string sql,
                                                          std::vector<Type> returning_types) override;
    /// BEGIN on a pooled connection; prepare() is PREPARE TRANSACTION (max_prepared_transactions > 0).
    boost::asio::awaitable<Result<std::unique_ptr<Transaction>>> begin_transaction(bool two_phase) override;
    /// The rows estimate of EXPLAIN's top plan node.
    boost::asio::awaitable<Result<int64_t>> estimate_rows(std::string sql) override;

  private:
    PgPool& pool_;
    std::string service_;
    /// False once the connector is gone: background drains then close their connection
    /// instead of returning it to the pool.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace nectar::federation
