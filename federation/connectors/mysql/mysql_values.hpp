#pragma once
// MySQL column types → engine types (discovery), and MySQL's text values → engine Values.

#include "federation/types/value.hpp"
#include "protocol/error.hpp"

#include <mysql.h>
#include <string_view>

namespace nectar::federation {

/// The engine type for a column from information_schema.COLUMNS (DATA_TYPE, COLUMN_TYPE);
/// `json` when MariaDB's JSON alias (a longtext with a json_valid check) declared it.
Type mysql_column_type(std::string_view data_type, std::string_view column_type, bool json);

/// One non-NULL value of the text protocol, `field` describing its column, as `type`.
/// MySQL-only values PostgreSQL cannot hold (zero dates, TIME past 24:00:00) are 22008.
Result<Value> mysql_value(std::string_view text, const MYSQL_FIELD& field, Type type);

} // namespace nectar::federation
