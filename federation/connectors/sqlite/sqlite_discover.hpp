#pragma once
// Discovery of a SQLite database: tables and views with their columns (defaults, the rowid
// key), indexes, foreign keys and row estimates.

#include "federation/connectors/connector.hpp"

#include <sqlite3.h>

#include <vector>

namespace nectar::federation {

/// Every table and view but SQLite's own; reads on the connection `db` the caller holds.
Result<std::vector<TableInfo>> discover_tables(sqlite3* db);

} // namespace nectar::federation
