#pragma once
// Calendar arithmetic for the engine's date/time representation (days and µs since 2000-01-01).

#include "federation/types/value.hpp"
#include "protocol/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace nectar::federation {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

/// PostgreSQL's 'infinity' and '-infinity' for timestamps (µs) and dates (days).
constexpr int64_t kTimestampInfinity = INT64_MAX;
constexpr int64_t kTimestampMinusInfinity = INT64_MIN;
constexpr int64_t kDateInfinity = INT32_MAX;
constexpr int64_t kDateMinusInfinity = INT32_MIN;
/// The valid timestamp range: [4714-11-24 BC 00:00, 294277-01-01 00:00).
constexpr int64_t kTimestampMin = -211'813'488'000'000'000;
constexpr int64_t kTimestampEnd = 9'223'371'331'200'000'000;
/// Julian day number of 2000-01-01.
constexpr int64_t kJulianDay2000 = 2'451'545;

struct CivilDate {
    int year; ///< astronomical: 0 is 1 BC
    int month; ///< 1..12
    int day; ///< 1..31
};

/// Days since 2000-01-01 (PostgreSQL's epoch) ↔ proleptic Gregorian date.
int64_t days_from_civil(int year, int month, int day);
CivilDate civil_from_days(int64_t days);
int days_in_month(int year, int month);

/// A unit as PostgreSQL spells it ("years", "hrs", "mon", "Day") reduced to one lower-case name:
/// microseconds, milliseconds, second, minute, hour, day, week, month, quarter, year, decade,
/// century, millennium; anything else comes back lower-cased.
std::string canonical_time_unit(std::string_view unit);

/// Whether a finite timestamp lies in PostgreSQL's range.
bool timestamp_in_range(int64_t timestamp_us);

/// timestamp + interval as PostgreSQL adds them (months first with day clamping, then days, then µs).
Result<int64_t> add_interval(int64_t timestamp_us, const Interval& interval);
/// date_trunc(field, timestamp): field is lower-case ("day", "month", "week", "hour"...); 22023 if unknown.
Result<int64_t> truncate_timestamp(std::string_view field, int64_t timestamp_us);
/// extract(field from timestamp) as numeric text semantics: returns the value as a double-free
/// Decimal text ("2024", "3.500000" for seconds); 22023 if the field is unknown.
Result<std::string> extract_field(std::string_view field, int64_t timestamp_us);

// --- Text forms (datetime_text.cpp): PostgreSQL's ISO DateStyle and postgres IntervalStyle ---

std::string format_date(int64_t days);                       ///< "2024-01-02", "0044-03-15 BC", "infinity"
std::string format_time(int64_t micros);                     ///< "03:04:05.123"
std::string format_timestamp(int64_t micros, bool with_tz);  ///< "2024-01-02 03:04:05.5" (+ "+00")
std::string format_interval(const Interval& interval);       ///< "1 year 2 mons 3 days 04:05:06"
Result<int64_t> parse_date(std::string_view text);
Result<int64_t> parse_time(std::string_view text);
/// with_tz: a zone offset in the text is applied (UTC otherwise); without it, it is ignored.
Result<int64_t> parse_timestamp(std::string_view text, bool with_tz);
Result<Interval> parse_interval(std::string_view text);

} // namespace nectar::federation
