#pragma once
// The parts of the OpenAPI document (rest/openapi.hpp) that one exposed table contributes: its
// component schemas, mapped from the discovered column types, and its `_table` paths.

#include "federation/catalog/catalog.hpp"
#include "rest/json_writer.hpp"

#include <string>
#include <string_view>

namespace nectar::rest {

/// Names the document uses for one table.
struct OpenApiTableNames {
    std::string service;
    std::string table;
    std::string kind;      ///< the service's database kind (mongodb adds `_aggregate`)
    std::string component; ///< "{service}.{table}" made safe for components/schemas keys
    std::string tag;       ///< groups the table's operations in the docs page
};

/// The JSON Schema (OpenAPI 3.0 dialect) of a column's values: integer/int64, number, string
/// with date-time/date/uuid/byte formats, boolean, object for json/jsonb, arrays for
/// PostgreSQL array types; `nullable` when the column is.
void write_column_schema(JsonWriter& w, const federation::ColumnInfo& column);

/// components/schemas entries for the table: the row ("{component}"), and the body of a
/// partial update ("{component}.patch", nothing required).
void write_table_schemas(JsonWriter& w, const OpenApiTableNames& names, const federation::TableInfo& table);

/// paths entries for the table: the list/insert/update-by-filter path, `/{id}`, `/_schema`,
/// `/_count`, `/_query` (and `/_aggregate` for MongoDB services).
void write_table_paths(JsonWriter& w, const OpenApiTableNames& names, const federation::TableInfo& table);

/// A path segment percent-encoded as RFC 3986 wants it (unreserved characters kept).
std::string encode_path_segment(std::string_view segment);

} // namespace nectar::rest
