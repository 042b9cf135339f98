#pragma once
// The SQL text of INSERT / UPDATE / DELETE in a target service's dialect: expressions over the
// target table's columns, column lists, VALUES rows and primary-key matches.

#include "federation/connectors/dialect.hpp"
#include "federation/sql/binder_write.hpp"

#include <string>
#include <vector>

namespace nectar::federation {

/// An expression over the target table's columns in the target's SQL, columns named bare (as
/// UPDATE and DELETE need them). Mirrors sql_render's expressions, through the same Dialect calls.
std::string expr_sql(const Expr& e, const Dialect& d, const std::vector<ColumnInfo>& columns);

/// Whether the target computes every expression of the UPDATE/DELETE as PostgreSQL does.
bool pushable(const BoundWrite& w, const Dialect& dialect);

/// Indexes of the target table's primary-key columns (empty: no primary key).
std::vector<int> primary_key(const BoundWrite& w);
/// Indexes of every column of the target table, in table order.
std::vector<int> all_columns(const BoundWrite& w);
/// "a", "b", ... for the columns at `indexes`.
std::string quoted_columns(const BoundWrite& w, const Dialect& dialect, const std::vector<int>& indexes);
std::vector<Type> column_types(const BoundWrite& w, const std::vector<int>& indexes);

/// Every column of the target table as the engine's reads select it (Dialect::render_select_item),
/// so written rows read back exactly as a SELECT would show them.
std::string read_columns_sql(const BoundWrite& w, const Dialect& dialect);
/// " RETURNING <every column>" when the statement has RETURNING (Nectar computes the items).
std::string returning_sql(const BoundWrite& w, const Dialect& dialect);
/// The types of returning_sql's columns (empty without RETURNING).
std::vector<Type> returning_types(const BoundWrite& w);

/// The upsert clause after VALUES (BoundWrite::upsert_keys): ON CONFLICT (keys) DO UPDATE SET
/// c = EXCLUDED.c on PostgreSQL and SQLite, ON DUPLICATE KEY UPDATE c = VALUES(c) on MariaDB.
std::string upsert_sql(const BoundWrite& w, const Dialect& dialect);

/// SELECT of every column of the rows `w.where` selects (all rows when null), each column read
/// as the engine's reads render it, locked until the transaction ends (FOR UPDATE; SQLite's
/// BEGIN IMMEDIATE already locks the file). 0A000 when the service cannot compute the WHERE.
Result<std::string> lock_rows_sql(const BoundWrite& w, const Dialect& dialect);

/// One row as a parenthesized list of literals: (1, 'a', NULL).
std::string values_row(const Row& row, const Dialect& dialect);
/// WHERE on the primary key: "k" IN (...) or ("a", "b") IN ((...), ...).
std::string key_match(const BoundWrite& w, const Dialect& dialect, const std::vector<int>& keys,
                      const std::vector<Row>& rows);

} // namespace nectar::federation
