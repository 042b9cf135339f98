#pragma once
// Transaction blocks on one pooled PostgreSQL connection, for PgConnector: a transaction pinned
// to one connection (with PREPARE TRANSACTION for two-phase commit), its statements PgStatements.

#include "federation/connectors/postgres/pg_statement.hpp"
#include "federation/connectors/transaction.hpp"

#include <memory>
#include <string>

namespace nectar::federation {

/// A transaction block on `conn`, on which BEGIN has run: COMMIT, or PREPARE TRANSACTION then
/// COMMIT PREPARED for two-phase commit. `alive` is the connector's (see PgConnector).
std::unique_ptr<Transaction> make_pg_transaction(PgPool& pool, std::shared_ptr<bool> alive,
                                                 asio::any_io_executor executor, std::string service,
                                                 std::unique_ptr<PgConnection> conn);

} // namespace nectar::federation
