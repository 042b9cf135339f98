#pragma once
// Comparison and pattern matching shared by operators, functions and aggregates.

#include "federation/types/value.hpp"
#include "protocol/error.hpp"

#include <string_view>

namespace nectar::federation::expr {

/// <0, 0, >0 for two non-NULL values of one comparison family: integers across widths, floats
/// (NaN equal to NaN and above everything), numeric, date/timestamp/timestamptz across types,
/// text/bytea/uuid bytewise, intervals by their 30-day-month span; anything else via compare_values.
int compare_same_family(const Value& a, const Value& b);

/// SQL LIKE with % and _ over UTF-8 characters and backslash as the escape character;
/// 22025 when the pattern ends with the escape character.
Result<bool> like_match(std::string_view text, std::string_view pattern, bool case_insensitive);

} // namespace nectar::federation::expr
