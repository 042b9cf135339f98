// Calendar arithmetic, date_trunc and extract on µs-since-2000 timestamps, as PostgreSQL 15 does them.
#include "federation/types/datetime.hpp"

#include "federation/types/numeric.hpp"

#include <cstdlib>
#include <string>

namespace nectar::federation {

namespace {

constexpr int64_t kUnixEpochDays = 10'957; // 1970-01-01 is 10957 days before 2000-01-01

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool is_infinite(int64_t ts) { return ts == kTimestampMinusInfinity || ts == kTimestampInfinity; }

Error out_of_range() { return Error::make("22008", "timestamp out of range"); }

/// A timestamp split into its calendar fields.
struct Parts {
    CivilDate date;
    int64_t days;      ///< days since 2000-01-01
    int64_t time_us;   ///< µs since midnight
    int hour, minute, second, micros;
};

Parts split(int64_t ts) {
    Parts p;
    p.days = floor_div(ts, kMicrosPerDay);
    p.time_us = ts - p.days * kMicrosPerDay;
    p.date = civil_from_days(p.days);
    p.hour = int(p.time_us / (3600 * kMicrosPerSecond));
    p.minute = int(p.time_us / (60 * kMicrosPerSecond) % 60);
    p.second = int(p.time_us / kMicrosPerSecond % 60);
    p.micros = int(p.time_us % kMicrosPerSecond);
    return p;
}

/// 0 = Sunday .. 6 = Saturday (2000-01-01 was a Saturday).
int day_of_week(int64_t days) { return int(((days + 6) % 7 + 7) % 7); }

/// ISO 8601 week-numbering year and week of a day.
void iso_week(int64_t days, int* iso_year, int* week) {
    int year = civil_from_days(days).year;
    // The ISO year starts on the Monday of the week holding January 4th.
    auto iso_start = [](int y) {
        int64_t jan4 = days_from_civil(y, 1, 4);
        return jan4 - (day_of_week(jan4) + 6) % 7;
    };
    int64_t start = iso_start(year + 1);
    if (days >= start) {
        ++year;
    } else {
        start = iso_start(year);
        if (days < start) {
            --year;
            start = iso_start(year);
        }
    }
    *iso_year = year;
    *week = int((days - start) / 7 + 1);
}

} // namespace

std::string canonical_time_unit(std::string_view field) {
    std::string f;
    for (char c : field)
        f += char(c >= 'A' && c <= 'Z' ? c + 32 : c);
    struct Alias {
        std::string_view names[7];
        std::string_view unit;
    };
    static const Alias kAliases[] = {
        {{"microsecond", "microseconds", "microsecon", "us", "usec", "usecs"}, "microseconds"},
        {{"millisecond", "milliseconds", "millisecon", "ms", "msec", "msecs"}, "milliseconds"},
        {{"second", "seconds", "s", "sec", "secs"}, "second"},
        {{"minute", "minutes", "m", "min", "mins"}, "minute"},
        {{"hour", "hours", "h", "hr", "hrs"}, "hour"},
        {{"day", "days", "d"}, "day"},
        {{"week", "weeks", "w"}, "week"},
        {{"month", "months", "mon", "mons"}, "month"},
        {{"quarter", "qtr"}, "quarter"},
        {{"year", "years", "y", "yr", "yrs"}, "year"},
        {{"decade", "decades", "dec"}, "decade"},
        {{"century", "centuries", "c", "cent"}, "century"},
        {{"millennium", "millennia", "mil", "mils"}, "millennium"},
    };
    for (const auto& a : kAliases) {
        for (auto name : a.names) {
            if (!name.empty() && name == f)
                return std::string(a.unit);
        }
    }
    return f;
}

namespace {

Error unit_error(std::string_view field, bool known) {
    if (known)
        return Error::make("0A000", "unit \"" + std::string(field) +
                                        "\" not supported for type timestamp without time zone");
    return Error::make("22023",
                       "unit \"" + std::string(field) + "\" not recognized for type timestamp without time zone");
}

// Centuries and millennia start at year 1, and there is no year 0: BC years count the other way.
int decade_of(int y) { return y > 0 ? y / 10 : -((8 - (y - 1)) / 10); }
int century_of(int y) { return y > 0 ? (y + 99) / 100 : -((99 - (y - 1)) / 100); }
int millennium_of(int y) { return y > 0 ? (y + 999) / 1000 : -((999 - (y - 1)) / 1000); }

/// An integer count of µs (or ms...) as numeric text with `scale` decimals: 5500000, 6 → "5.500000".
std::string scaled_text(int64_t value, int scale) {
    bool negative = value < 0;
    uint64_t mag = negative ? uint64_t(0) - uint64_t(value) : uint64_t(value);
    std::string digits = std::to_string(mag);
    if (scale > 0) {
        if (int(digits.size()) <= scale)
            digits.insert(0, size_t(scale + 1) - digits.size(), '0');
        digits.insert(digits.size() - size_t(scale), ".");
    }
    return (negative ? "-" : "") + digits;
}

} // namespace

int64_t days_from_civil(int year, int month, int day) {
    // Count from 0000-03-01 so that the leap day ends each 4/100/400-year cycle.
    int64_t y = int64_t(year) - (month <= 2 ? 1 : 0);
    int64_t era = floor_div(y, 400);
    int64_t year_of_era = y - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    int64_t unix_days = era * 146'097 + day_of_era - 719'468;
    return unix_days - kUnixEpochDays;
}

CivilDate civil_from_days(int64_t days) {
    int64_t z = days + kUnixEpochDays + 719'468;
    int64_t era = floor_div(z, 146'097);
    int64_t day_of_era = z - era * 146'097;
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t mp = (5 * day_of_year + 2) / 153;
    int day = int(day_of_year - (153 * mp + 2) / 5 + 1);
    int month = int(mp < 10 ? mp + 3 : mp - 9);
    int year = int(year_of_era + era * 400 + (month <= 2 ? 1 : 0));
    return {year, month, day};
}

int days_in_month(int year, int month) {
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[month - 1];
}

bool timestamp_in_range(int64_t ts) { return ts >= kTimestampMin && ts < kTimestampEnd; }

Result<int64_t> add_interval(int64_t timestamp_us, const Interval& interval) {
    if (is_infinite(timestamp_us))
        return timestamp_us;
    int64_t ts = timestamp_us;
    if (interval.months != 0) {
        Parts p = split(ts);
        int64_t month_index = int64_t(p.date.year) * 12 + (p.date.month - 1) + interval.months;
        int year = int(floor_div(month_index, 12));
        int month = int(month_index - int64_t(year) * 12) + 1;
        int day = std::min(p.date.day, days_in_month(year, month)); // Jan 31 + 1 mon = Feb 29
        if (__builtin_mul_overflow(days_from_civil(year, month, day), kMicrosPerDay, &ts) ||
            __builtin_add_overflow(ts, p.time_us, &ts) || !timestamp_in_range(ts))
            return out_of_range();
    }
    if (__builtin_add_overflow(ts, int64_t(interval.days) * kMicrosPerDay, &ts) ||
        __builtin_add_overflow(ts, interval.micros, &ts) || !timestamp_in_range(ts))
        return out_of_range();
    return ts;
}

Result<int64_t> truncate_timestamp(std::string_view field, int64_t timestamp_us) {
    std::string unit = canonical_time_unit(field);
    if (is_infinite(timestamp_us))
        return timestamp_us;
    Parts p = split(timestamp_us);
    int y = p.date.year, m = p.date.month;
    auto at = [&](int year, int month, int day, int64_t time_us) {
        return days_from_civil(year, month, day) * kMicrosPerDay + time_us;
    };
    if (unit == "microseconds")
        return timestamp_us;
    if (unit == "milliseconds")
        return timestamp_us - p.micros % 1000;
    if (unit == "second")
        return timestamp_us - p.micros;
    if (unit == "minute")
        return timestamp_us - p.micros - int64_t(p.second) * kMicrosPerSecond;
    if (unit == "hour")
        return p.days * kMicrosPerDay + int64_t(p.hour) * 3600 * kMicrosPerSecond;
    if (unit == "day")
        return p.days * kMicrosPerDay;
    if (unit == "week")
        return (p.days - (day_of_week(p.days) + 6) % 7) * kMicrosPerDay; // back to Monday
    if (unit == "month")
        return at(y, m, 1, 0);
    if (unit == "quarter")
        return at(y, 3 * ((m - 1) / 3) + 1, 1, 0);
    if (unit == "year")
        return at(y, 1, 1, 0);
    if (unit == "decade")
        return at(y > 0 ? (y / 10) * 10 : -((8 - (y - 1)) / 10) * 10, 1, 1, 0);
    if (unit == "century")
        return at(y > 0 ? century_of(y) * 100 - 99 : century_of(y) * 100 + 1, 1, 1, 0);
    if (unit == "millennium")
        return at(y > 0 ? millennium_of(y) * 1000 - 999 : millennium_of(y) * 1000 + 1, 1, 1, 0);
    return unit_error(field, false);
}

Result<std::string> extract_field(std::string_view field, int64_t timestamp_us) {
    std::string unit = canonical_time_unit(field);
    if (is_infinite(timestamp_us)) {
        // Only fields that grow with time have an infinite value.
        const char* sign = timestamp_us > 0 ? "Infinity" : "-Infinity";
        if (unit == "epoch" || unit == "year" || unit == "decade" || unit == "century" ||
            unit == "millennium" || unit == "isoyear" || unit == "julian")
            return std::string(sign);
        return out_of_range();
    }
    Parts p = split(timestamp_us);
    int y = p.date.year;
    int64_t second_us = int64_t(p.second) * kMicrosPerSecond + p.micros;
    auto whole = [](int64_t v) -> Result<std::string> { return std::to_string(v); };
    if (unit == "microseconds")
        return whole(second_us);
    if (unit == "milliseconds")
        return scaled_text(second_us, 3);
    if (unit == "second")
        return scaled_text(second_us, 6);
    if (unit == "minute")
        return whole(p.minute);
    if (unit == "hour")
        return whole(p.hour);
    if (unit == "day")
        return whole(p.date.day);
    if (unit == "month")
        return whole(p.date.month);
    if (unit == "quarter")
        return whole((p.date.month - 1) / 3 + 1);
    if (unit == "year")
        return whole(y > 0 ? y : y - 1); // no year 0: 1 BC is -1
    if (unit == "decade")
        return whole(decade_of(y));
    if (unit == "century")
        return whole(century_of(y));
    if (unit == "millennium")
        return whole(millennium_of(y));
    if (unit == "dow")
        return whole(day_of_week(p.days));
    if (unit == "isodow")
        return whole((day_of_week(p.days) + 6) % 7 + 1);
    if (unit == "doy")
        return whole(p.days - days_from_civil(y, 1, 1) + 1);
    if (unit == "week" || unit == "isoyear") {
        int iso_year = 0, week = 0;
        iso_week(p.days, &iso_year, &week);
        if (unit == "week")
            return whole(week);
        return whole(iso_year > 0 ? iso_year : iso_year - 1);
    }
    if (unit == "epoch")
        return scaled_text(timestamp_us + kUnixEpochDays * kMicrosPerDay, 6);
    if (unit == "julian") {
        // Julian day number plus the fraction of the day, as numeric.
        Decimal jd = Decimal::from_int(p.days + kJulianDay2000);
        auto frac = Decimal::from_int(p.time_us).div(Decimal::from_int(kMicrosPerDay));
        if (!frac)
            return frac.error();
        return jd.add(*frac).to_string();
    }
    return unit_error(field, unit == "timezone" || unit == "timezone_hour" || unit == "timezone_minute");
}

} // namespace nectar::federation
