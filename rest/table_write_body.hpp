#pragma once
// The JSON bodies of the REST writes (SPEC §5), checked against the target table: the rows of an
// insert and the column values of an update, each value coerced to its column's type by the
// filter language's rules (filter.hpp), so `{"age":"42"}` means what `{"age":{"$eq":"42"}}` does.

#include "federation/connectors/connector.hpp"
#include "protocol/error.hpp"

#include <string_view>
#include <utility>
#include <vector>

namespace nectar::rest {

/// The rows of POST .../_table/{table}: one object or a non-empty array of objects.
struct InsertRows {
    std::vector<int> columns;                          ///< table column indexes, in the first object's order
    std::vector<std::vector<federation::Value>> rows;  ///< one value per column of `columns`
    bool single = false;                               ///< the body was one object, not an array
};

/// Column values to write: table column index → value.
using ColumnValues = std::vector<std::pair<int, federation::Value>>;

/// Errors say what was wrong and where ("row 3: ..."): 22P02 not JSON, not an object or array,
/// a value that does not fit its column; 42703 an unknown column; 22023 an empty array, an empty
/// object, objects of a bulk insert naming different columns, a column given twice.
Result<InsertRows> read_insert_body(std::string_view body, const federation::TableInfo& table);

/// The body of PATCH / PUT: one object of column values. `replace` (PUT): every column that is
/// not part of the primary key must be given (23502 naming the missing ones).
Result<ColumnValues> read_update_body(std::string_view body, const federation::TableInfo& table, bool replace);

/// The columns of ?onConflict=a,b (42703 for an unknown one, 22023 for an empty list).
Result<std::vector<int>> read_conflict_columns(std::string_view text, const federation::TableInfo& table);

/// A name from a request as error messages quote it: cut short when long.
std::string quoted_name(std::string_view name);

} // namespace nectar::rest
