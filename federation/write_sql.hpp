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

/// " RETURNING <every column>" when the statement has RETURNING (Nectar computes the items).
std::string returning_sql(const BoundWrite& w, const Dialect& dialect);
/// The types of returning_sql's columns (empty without RETURNING).
std::vector<Type> returning_types(const BoundWrite& w);

/// One row as a parenthesized list of literals: (1, 'a', NULL).
std::string values_row(const Row& row, const Dialect& dialect);
/// WHERE on the primary key: "k" IN (...) or ("a", "b") IN ((...), ...).
std::string key_match(const BoundWrite& w, const Dialect& dialect, const std::vector<int>& keys,
                      const std::vector<Row>& rows);

} // namespace nectar::federation
