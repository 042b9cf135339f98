// Date, time, timestamp and interval arithmetic with PostgreSQL's operator catalog entries.

#include "federation/expr/overload.hpp"
#include "federation/types/datetime.hpp"

#include <cmath>
#include <limits>

namespace nectar::federation::expr {

namespace {

using Catalog = std::vector<std::pair<std::string, Overload>>;
using Args = std::span<const Value>;

constexpr double kSecsPerDay = 86400.0;
constexpr double kDaysPerMonth = 30.0;

Error interval_out_of_range() { return Error::make("22008", "interval out of range"); }

/// Rounds to whole microseconds of a second-valued double, as timestamp.h's TSROUND does.
double ts_round(double v) { return std::rint(v * 1e6) / 1e6; }

bool fits_int32(double v) { return !std::isnan(v) && v >= -2147483648.0 && v < 2147483648.0; }

Result<Value> make_interval(__int128 months, __int128 days, __int128 micros) {
    if (months < std::numeric_limits<int32_t>::min() || months > std::numeric_limits<int32_t>::max() ||
        days < std::numeric_limits<int32_t>::min() || days > std::numeric_limits<int32_t>::max() ||
        micros < std::numeric_limits<int64_t>::min() || micros > std::numeric_limits<int64_t>::max())
        return interval_out_of_range();
    return Value::interval(Interval{.micros = static_cast<int64_t>(micros),
                                    .days = static_cast<int32_t>(days),
                                    .months = static_cast<int32_t>(months)});
}

/// interval * factor (or / divisor when `divide`): whole months and days keep their units and
/// the fractions cascade down to days and seconds.
Result<Value> scale_interval(const Interval& iv, double factor, bool divide) {
    if (divide && factor == 0.0)
        return division_by_zero();
    auto apply = [&](double v) { return divide ? v / factor : v * factor; };
    double months = apply(iv.months), days = apply(iv.days);
    if (!fits_int32(months) || !fits_int32(days))
        return interval_out_of_range();
    int32_t whole_months = static_cast<int32_t>(months), whole_days = static_cast<int32_t>(days);
    double month_rem_days = ts_round((months - whole_months) * kDaysPerMonth);
    double sec_rem = ts_round((days - whole_days + month_rem_days - static_cast<int>(month_rem_days)) * kSecsPerDay);
    int64_t day_total = whole_days;
    if (std::fabs(sec_rem) >= kSecsPerDay) {
        int carry = static_cast<int>(sec_rem / kSecsPerDay);
        day_total += carry;
        sec_rem -= carry * kSecsPerDay;
    }
    day_total += static_cast<int32_t>(month_rem_days);
    double micros = std::rint(apply(static_cast<double>(iv.micros)) + sec_rem * 1e6);
    if (std::isnan(micros) || std::fabs(micros) >= 9.2e18)
        return interval_out_of_range();
    return make_interval(whole_months, day_total, static_cast<int64_t>(micros));
}

Interval negate(const Interval& iv) {
    return Interval{.micros = -iv.micros, .days = -iv.days, .months = -iv.months};
}

/// timestamp - timestamp: whole days split off the microseconds with matching signs (justify_hours).
Result<Value> timestamp_diff(int64_t a, int64_t b) {
    for (int64_t t : {a, b}) {
        if (t == kTimestampInfinity || t == kTimestampMinusInfinity)
            return Error::make("22008", "cannot subtract infinite timestamps");
    }
    __int128 diff = static_cast<__int128>(a) - b;
    __int128 days = diff / kMicrosPerDay, micros = diff % kMicrosPerDay;
    if (days > 0 && micros < 0) {
        micros += kMicrosPerDay;
        --days;
    } else if (days < 0 && micros > 0) {
        micros -= kMicrosPerDay;
        ++days;
    }
    return make_interval(0, days, micros);
}

Result<Value> shift(Type result, int64_t ts, const Interval& iv) {
    auto r = add_interval(ts, iv);
    if (!r)
        return r.error();
    return Value::temporal(result, *r);
}

Result<Value> time_shift(int64_t t, int64_t micros) {
    int64_t r = (t + micros % kMicrosPerDay) % kMicrosPerDay;
    return Value::temporal(Type::Time, r < 0 ? r + kMicrosPerDay : r);
}

Result<Value> date_plus_days(int64_t date, int64_t days) {
    int64_t r = date + days;
    if (r < -2451545 || r > 2147483647 - 2451545)
        return Error::make("22008", "date out of range");
    return Value::temporal(Type::Date, r);
}

void add(Catalog& c, std::string name, std::vector<Type> params, Type result, ScalarFn fn) {
    c.push_back({std::move(name), Overload{std::move(params), result, std::move(fn)}});
}

void register_date_ops(Catalog& c) {
    const Type D = Type::Date, I4 = Type::Int4, IV = Type::Interval, TS = Type::Timestamp, T = Type::Time;
    add(c, "+", {D, I4}, D, [](Args a) { return date_plus_days(a[0].as_int(), a[1].as_int()); });
    add(c, "+", {I4, D}, D, [](Args a) { return date_plus_days(a[1].as_int(), a[0].as_int()); });
    add(c, "-", {D, I4}, D, [](Args a) { return date_plus_days(a[0].as_int(), -a[1].as_int()); });
    add(c, "-", {D, D}, I4, [](Args a) -> Result<Value> { return Value::int4(a[0].as_int() - a[1].as_int()); });
    add(c, "+", {D, IV}, TS,
        [](Args a) { return shift(Type::Timestamp, date_to_timestamp(a[0].as_int()), a[1].as_interval()); });
    add(c, "+", {IV, D}, TS,
        [](Args a) { return shift(Type::Timestamp, date_to_timestamp(a[1].as_int()), a[0].as_interval()); });
    add(c, "-", {D, IV}, TS, [](Args a) {
        return shift(Type::Timestamp, date_to_timestamp(a[0].as_int()), negate(a[1].as_interval()));
    });
    add(c, "+", {D, T}, TS, [](Args a) -> Result<Value> {
        return Value::temporal(Type::Timestamp, a[0].as_int() * kMicrosPerDay + a[1].as_int());
    });
    add(c, "+", {T, D}, TS, [](Args a) -> Result<Value> {
        return Value::temporal(Type::Timestamp, a[1].as_int() * kMicrosPerDay + a[0].as_int());
    });
}

void register_timestamp_ops(Catalog& c) {
    const Type IV = Type::Interval;
    for (Type ts : {Type::Timestamp, Type::TimestampTz}) {
        add(c, "+", {ts, IV}, ts, [ts](Args a) { return shift(ts, a[0].as_int(), a[1].as_interval()); });
        add(c, "+", {IV, ts}, ts, [ts](Args a) { return shift(ts, a[1].as_int(), a[0].as_interval()); });
        add(c, "-", {ts, IV}, ts, [ts](Args a) { return shift(ts, a[0].as_int(), negate(a[1].as_interval())); });
        add(c, "-", {ts, ts}, IV, [](Args a) { return timestamp_diff(a[0].as_int(), a[1].as_int()); });
    }
    const Type T = Type::Time;
    add(c, "+", {T, IV}, T, [](Args a) { return time_shift(a[0].as_int(), a[1].as_interval().micros); });
    add(c, "+", {IV, T}, T, [](Args a) { return time_shift(a[1].as_int(), a[0].as_interval().micros); });
    add(c, "-", {T, IV}, T, [](Args a) { return time_shift(a[0].as_int(), -a[1].as_interval().micros); });
    add(c, "-", {T, T}, IV, [](Args a) { return make_interval(0, 0, a[0].as_int() - a[1].as_int()); });
}

void register_interval_ops(Catalog& c) {
    const Type IV = Type::Interval, F8 = Type::Float8;
    add(c, "+", {IV, IV}, IV, [](Args a) {
        const Interval &x = a[0].as_interval(), &y = a[1].as_interval();
        return make_interval(__int128(x.months) + y.months, __int128(x.days) + y.days, __int128(x.micros) + y.micros);
    });
    add(c, "-", {IV, IV}, IV, [](Args a) {
        const Interval &x = a[0].as_interval(), &y = a[1].as_interval();
        return make_interval(__int128(x.months) - y.months, __int128(x.days) - y.days, __int128(x.micros) - y.micros);
    });
    add(c, "-", {IV}, IV, [](Args a) {
        const Interval& x = a[0].as_interval();
        return make_interval(-__int128(x.months), -__int128(x.days), -__int128(x.micros));
    });
    add(c, "+", {IV}, IV, [](Args a) -> Result<Value> { return a[0]; });
    add(c, "*", {IV, F8}, IV, [](Args a) { return scale_interval(a[0].as_interval(), a[1].as_float(), false); });
    add(c, "*", {F8, IV}, IV, [](Args a) { return scale_interval(a[1].as_interval(), a[0].as_float(), false); });
    add(c, "/", {IV, F8}, IV, [](Args a) { return scale_interval(a[0].as_interval(), a[1].as_float(), true); });
}

} // namespace

void register_temporal_operators(Catalog& c) {
    register_date_ops(c);
    register_timestamp_ops(c);
    register_interval_ops(c);
}

} // namespace nectar::federation::expr
