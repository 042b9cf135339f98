#pragma once
// SPEC §5's filter language bound to an engine expression: a JSON filter such as
// {"age":{"$gte":18},"$or":[{"status":"active"},{"vip":true}]} becomes the boolean Expr the
// equivalent PostgreSQL WHERE clause would bind to, with typed constants (never pasted text).
//
// Meaning of each form (three-valued, as in SQL; "matches" = the WHERE clause keeps the row):
//   {"c": v}                      c = v            ({"c": null} is c IS NULL)
//   {"c": {"$eq": v}}             c = v            ($eq null is IS NULL, $ne null is IS NOT NULL)
//   $ne $gt $gte $lt $lte          <> > >= < <=     (NULL columns never match, as in SQL)
//   {"c": {"$in": [..]}}          c IN (..)        [] matches no row (c = ANY('{}') is false)
//   {"c": {"$nin": [..]}}         c NOT IN (..)    [] matches every row, NULL c included
//                                                  (c <> ALL('{}') is true); a null item makes
//                                                  NOT IN match nothing, as in SQL
//   {"c": {"$between": [a, b]}}   c >= a AND c <= b
//   $like / $ilike "p"             c LIKE / ILIKE 'p' (pattern as given, backslash escapes)
//   $null true|false               c IS NULL / IS NOT NULL
//   $exists true|false             c IS NOT NULL / IS NULL
//   $contains "s" (text columns)   c LIKE '%s%' with s's % _ \ escaped: a plain substring test
//   several operators on a column, several top-level members: AND
//   {"$and": [f, ..]} {"$or": [f, ..]} {"$not": f}; an empty filter {} inside them is TRUE
// Values take the column's type: a JSON string is read by the type's PostgreSQL input function
// ('42' and ' 42 ' fit integer, '4.2' does not); a JSON number fits numeric-family columns only
// (integral and in range for integer columns); a JSON boolean fits boolean columns only; on
// json/jsonb columns the operand's own JSON text is the value.

#include "federation/connectors/connector.hpp"
#include "federation/plan/expr.hpp"
#include "protocol/error.hpp"

#include <simdjson.h>

#include <string_view>
#include <vector>

namespace nectar::rest {

/// Filter objects nest at most this deep ($and/$or members and $not operands add a level).
inline constexpr int kMaxFilterDepth = 32;

/// The filter as a boolean expression over a table whose columns are `columns` (Expr column i
/// is columns[i]); nullptr for an empty filter {}. Errors (nectar::Error, protocol/error.hpp)
/// say exactly what was wrong: 42703 unknown column, 42883 unknown operator (or one the column's
/// type lacks), 22P02 a value that does not fit the column's type or invalid JSON, 42601 a
/// malformed filter (not an object, wrong operand shape), 54001 nesting deeper than
/// kMaxFilterDepth, 0A000 dotted paths into json columns and $contains on json (the engine has
/// no -> or @> operators yet).
Result<federation::ExprPtr> bind_filter(std::string_view filter_json,
                                        const std::vector<federation::ColumnInfo>& columns);
Result<federation::ExprPtr> bind_filter(simdjson::dom::element filter,
                                        const std::vector<federation::ColumnInfo>& columns);

/// One JSON value as a value of a column of `type`, by the rules above (the filter's operands and
/// the REST writes' values coerce alike); 22P02/22003 with the input function's message.
Result<federation::Value> column_value(simdjson::dom::element value, federation::Type type);

} // namespace nectar::rest
