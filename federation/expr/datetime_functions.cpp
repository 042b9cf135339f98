// Date/time functions: the current time, date_trunc, date_part/extract, age, gen_random_uuid.
// The session time zone is UTC, so timestamptz computes like timestamp.

#include "federation/expr/overload.hpp"
#include "federation/types/datetime.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>

namespace nectar::federation::expr {

namespace {

using Catalog = std::vector<std::pair<std::string, Overload>>;
using Args = std::span<const Value>;
const Type TXT = Type::Text, TS = Type::Timestamp, TSTZ = Type::TimestampTz, DATE = Type::Date;

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
constexpr int64_t kPgEpochOffsetMicros = 946'684'800LL * kMicrosPerSecond;

int64_t now_micros() {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    return us.count() - kPgEpochOffsetMicros;
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

int64_t micros_of(const Value& v) { return v.type() == DATE ? v.as_int() * kMicrosPerDay : v.as_int(); }

/// extract(field from date): time-of-day fields are refused and the result has no fraction.
Result<Value> extract_date(const std::string& field, int64_t days) {
    static const char* time_fields[] = {"hour", "minute", "second", "milliseconds", "microseconds",
                                        "timezone", "timezone_hour", "timezone_minute"};
    for (const char* f : time_fields) {
        if (field == f)
            return Error::make("0A000", "unit \"" + field + "\" not supported for type date");
    }
    auto text = extract_field(field, days * kMicrosPerDay);
    if (!text)
        return text.error();
    auto d = Decimal::parse(*text);
    if (!d)
        return d.error();
    return numeric_value(d->trunc(0));
}

Result<Value> extract_numeric(const std::string& field, const Value& v) {
    if (v.type() == DATE)
        return extract_date(field, v.as_int());
    auto text = extract_field(field, v.as_int());
    if (!text)
        return text.error();
    auto d = Decimal::parse(*text);
    if (!d)
        return d.error();
    return numeric_value(*d);
}

Result<Value> date_part(const std::string& field, const Value& v) {
    auto text = extract_field(field, micros_of(v));
    if (!text)
        return text.error();
    return Value::float8(std::strtod(text->c_str(), nullptr));
}

/// age(): field-by-field difference with borrows, as PostgreSQL's timestamp_age computes it.
Result<Value> age(int64_t t1, int64_t t2) {
    auto split = [](int64_t t, CivilDate& d, int64_t& tod) {
        int64_t days = t / kMicrosPerDay - (t % kMicrosPerDay < 0);
        tod = t - days * kMicrosPerDay;
        d = civil_from_days(days);
    };
    CivilDate d1{}, d2{};
    int64_t tod1 = 0, tod2 = 0;
    split(t1, d1, tod1);
    split(t2, d2, tod2);
    int sign = t1 < t2 ? -1 : 1;
    int64_t micros = sign * (tod1 - tod2);
    int64_t mday = sign * (d1.day - d2.day);
    int64_t mon = sign * (d1.month - d2.month);
    int64_t year = sign * (d1.year - d2.year);
    if (micros < 0) {
        micros += kMicrosPerDay;
        --mday;
    }
    while (mday < 0) {
        const CivilDate& ref = t1 < t2 ? d1 : d2;
        mday += days_in_month(ref.year, ref.month);
        --mon;
    }
    while (mon < 0) {
        mon += 12;
        --year;
    }
    return Value::interval(Interval{.micros = sign * micros,
                                    .days = static_cast<int32_t>(sign * mday),
                                    .months = static_cast<int32_t>(sign * (year * 12 + mon))});
}

std::string random_uuid() {
    unsigned char b[16];
    RAND_bytes(b, sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40); // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80); // RFC 4122 variant
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out += '-';
        out += hex[b[i] >> 4];
        out += hex[b[i] & 15];
    }
    return out;
}

void add(Catalog& c, std::string name, std::vector<Type> params, Type result, ScalarFn fn, bool volatile_fn = false) {
    Overload o{std::move(params), result, std::move(fn)};
    o.volatile_fn = volatile_fn;
    c.push_back({std::move(name), std::move(o)});
}

} // namespace

void register_datetime_functions(Catalog& c) {
    for (const char* name : {"now", "current_timestamp", "transaction_timestamp", "statement_timestamp",
                             "clock_timestamp"}) {
        add(c, name, {}, TSTZ, [](Args) -> Result<Value> { return Value::temporal(TSTZ, now_micros()); }, true);
    }
    add(c, "localtimestamp", {}, TS, [](Args) -> Result<Value> { return Value::temporal(TS, now_micros()); }, true);
    add(c, "current_date", {}, DATE, [](Args) -> Result<Value> {
        int64_t t = now_micros();
        return Value::temporal(DATE, t / kMicrosPerDay - (t % kMicrosPerDay < 0));
    }, true);
    for (Type t : {TS, TSTZ}) {
        add(c, "date_trunc", {TXT, t}, t, [t](Args a) -> Result<Value> {
            auto r = truncate_timestamp(lower(a[0].as_string()), a[1].as_int());
            if (!r)
                return r.error();
            return Value::temporal(t, *r);
        });
        add(c, "age", {t, t}, Type::Interval, [](Args a) { return age(a[0].as_int(), a[1].as_int()); });
    }
    add(c, "age", {TS}, Type::Interval, [](Args a) {
        int64_t today = now_micros();
        today -= today % kMicrosPerDay + (today % kMicrosPerDay < 0 ? kMicrosPerDay : 0);
        return age(today, a[0].as_int());
    }, true);
    for (Type t : {TS, TSTZ, DATE}) {
        add(c, "date_part", {TXT, t}, Type::Float8, [](Args a) { return date_part(lower(a[0].as_string()), a[1]); });
        add(c, "extract", {TXT, t}, Type::Numeric,
            [](Args a) { return extract_numeric(lower(a[0].as_string()), a[1]); });
    }
    add(c, "gen_random_uuid", {}, Type::Uuid,
        [](Args) -> Result<Value> { return Value::string(Type::Uuid, random_uuid()); }, true);
}

} // namespace nectar::federation::expr
