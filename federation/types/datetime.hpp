#pragma once
// Calendar arithmetic for the engine's date/time representation (days and µs since 2000-01-01).

#include "federation/types/value.hpp"
#include "protocol/error.hpp"

#include <cstdint>

namespace nectar::federation {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

struct CivilDate {
    int year; ///< astronomical: 0 is 1 BC
    int month; ///< 1..12
    int day; ///< 1..31
};

/// Days since 2000-01-01 (PostgreSQL's epoch) ↔ proleptic Gregorian date.
int64_t days_from_civil(int year, int month, int day);
CivilDate civil_from_days(int64_t days);
int days_in_month(int year, int month);

/// timestamp + interval as PostgreSQL adds them (months first with day clamping, then days, then µs).
Result<int64_t> add_interval(int64_t timestamp_us, const Interval& interval);
/// date_trunc(field, timestamp): field is lower-case ("day", "month", "week", "hour"...); 22023 if unknown.
Result<int64_t> truncate_timestamp(std::string_view field, int64_t timestamp_us);
/// extract(field from timestamp) as numeric text semantics: returns the value as a double-free
/// Decimal text ("2024", "3.500000" for seconds); 22023 if the field is unknown.
Result<std::string> extract_field(std::string_view field, int64_t timestamp_us);

} // namespace nectar::federation
