#pragma once
// SQLite's declared column types and stored values, seen as PostgreSQL types and values.
// SQLite stores each value as integer, float, text, blob or NULL whatever the column says;
// these functions turn a stored value into the engine type the caller expects, or refuse it.

#include "federation/types/value.hpp"
#include "protocol/error.hpp"

#include <string_view>

struct sqlite3_stmt;

namespace nectar::federation {

/// The engine type for a declared column type ("VARCHAR(20)", "DECIMAL(10,2)", "" ...): common
/// names first (BOOLEAN, DATE, DATETIME, JSON, UUID...), then SQLite's affinity rules.
/// Every integer affinity is int8: SQLite stores 64-bit integers whatever width is declared.
Type type_from_declared(std::string_view declared);

/// The scale of "NUMERIC(10,2)" (2) or "DECIMAL(8)" (0); -1 when the declared type has none.
int declared_scale(std::string_view declared);

/// Column `col` of `stmt`'s current row as a `type` value; numeric values are rounded to
/// `scale` when it is >= 0 (the column's declared scale, as PostgreSQL stores them). A value
/// that cannot convert gives 22P02 (or the SQLSTATE PostgreSQL's input function raises for
/// that text), with the column's name in the message.
Result<Value> column_value(sqlite3_stmt* stmt, int col, Type type, int scale, std::string_view column_name);

/// Whether `bytes` is valid UTF-8 without NUL (what PostgreSQL accepts as text).
bool is_valid_text(std::string_view bytes);

} // namespace nectar::federation
