// CAST with PostgreSQL's rules (pg_cast among the engine's types), implicit castability and
// the common type of UNION / CASE / COALESCE branches (parse_coerce.c's select_common_type).

#include "federation/expr/functions.hpp"
#include "federation/expr/overload.hpp"
#include "federation/types/datetime.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace nectar::federation {

using expr::checked_int;
using expr::int_out_of_range;

namespace {

Error cannot_cast(Type from, Type to) {
    return Error::make("42846", "cannot cast type " + std::string(type_name(from)) + " to " +
                                    std::string(type_name(to)));
}

/// Position in the implicit widening chain int2 < int4 < int8 < numeric < float4 < float8.
int numeric_rank(Type t) {
    switch (t) {
    case Type::Int2:
        return 0;
    case Type::Int4:
        return 1;
    case Type::Int8:
        return 2;
    case Type::Numeric:
        return 3;
    case Type::Float4:
        return 4;
    default:
        return 5;
    }
}

Result<Value> float_to_float4(double d) {
    float f = static_cast<float>(d);
    if (std::isinf(f) && !std::isinf(d))
        return Error::make("22003", "value out of range: overflow");
    if (f == 0.0f && d != 0.0)
        return Error::make("22003", "value out of range: underflow");
    return Value::floating(Type::Float4, f);
}

Result<Value> numeric_to_int(const Value& v, Type target) {
    auto d = expr::to_decimal(v);
    if (d.is_nan()) {
        std::string name = target == Type::Int2 ? "smallint" : target == Type::Int8 ? "bigint" : "integer";
        return Error::make("0A000", "cannot convert NaN to " + name);
    }
    auto i = d.to_int64();
    if (!i)
        return int_out_of_range(target);
    return checked_int(target, *i);
}

Result<Value> numeric_family_cast(const Value& v, Type target) {
    Type from = v.type();
    if (is_integer(from)) {
        if (is_integer(target))
            return checked_int(target, v.as_int());
        if (target == Type::Numeric)
            return expr::numeric_value(Decimal::from_int(v.as_int()));
        return Value::floating(target, target == Type::Float4 ? static_cast<float>(v.as_int())
                                                              : static_cast<double>(v.as_int()));
    }
    if (from == Type::Float4 || from == Type::Float8) {
        double d = v.as_float();
        if (is_integer(target)) {
            double r = std::nearbyint(d); // PostgreSQL's rint: half to even
            if (std::isnan(r) || r >= 9223372036854775808.0 || r < -9223372036854775808.0)
                return int_out_of_range(target);
            return checked_int(target, static_cast<int64_t>(r));
        }
        if (target == Type::Numeric) {
            if (from == Type::Float8) {
                auto dec = Decimal::from_double(d);
                if (!dec)
                    return dec.error();
                return expr::numeric_value(*dec);
            }
            if (std::isnan(d))
                return expr::numeric_value(Decimal::nan());
            if (std::isinf(d))
                return Error::make("22003", "cannot convert infinity to numeric");
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.*g", 6, d); // float4 keeps FLT_DIG digits
            auto dec = Decimal::parse(buf);
            if (!dec)
                return dec.error();
            return expr::numeric_value(*dec);
        }
        if (target == Type::Float4)
            return float_to_float4(d);
        return Value::float8(d);
    }
    // numeric source
    if (is_integer(target))
        return numeric_to_int(v, target);
    if (target == Type::Float8)
        return Value::float8(std::strtod(v.as_string().c_str(), nullptr));
    double d = std::strtod(v.as_string().c_str(), nullptr);
    if (std::isinf(static_cast<float>(d)) || std::isinf(d))
        return Error::make("22003", "\"" + v.as_string() + "\" is out of range for type real");
    return float_to_float4(d);
}

/// date / timestamp / timestamptz / time conversions; nullopt when the pair has no cast.
std::optional<Result<Value>> temporal_cast(const Value& v, Type target) {
    Type from = v.type();
    auto floor_div = [](int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); };
    bool ts_from = from == Type::Timestamp || from == Type::TimestampTz;
    bool ts_to = target == Type::Timestamp || target == Type::TimestampTz;
    if (from == Type::Date && ts_to) {
        int64_t ts = expr::date_to_timestamp(v.as_int());
        bool infinite = ts == kTimestampInfinity || ts == kTimestampMinusInfinity;
        if (!infinite && !timestamp_in_range(ts))
            return Result<Value>(Error::make("22008", "date out of range for timestamp"));
        return Result<Value>(Value::temporal(target, ts));
    }
    if (ts_from && target == Type::Date) {
        if (v.as_int() == kTimestampInfinity || v.as_int() == kTimestampMinusInfinity)
            return Result<Value>(Value::temporal(target, v.as_int() > 0 ? kDateInfinity : kDateMinusInfinity));
        return Result<Value>(Value::temporal(target, floor_div(v.as_int(), kMicrosPerDay)));
    }
    if (ts_from && ts_to)
        return Result<Value>(v.relabel(target)); // the session time zone is UTC
    if (ts_from && target == Type::Time) {
        int64_t t = v.as_int() - floor_div(v.as_int(), kMicrosPerDay) * kMicrosPerDay;
        return Result<Value>(Value::temporal(target, t));
    }
    if (from == Type::Time && target == Type::Interval)
        return Result<Value>(Value::interval(Interval{.micros = v.as_int(), .days = 0, .months = 0}));
    if (from == Type::Interval && target == Type::Time) {
        int64_t t = v.as_interval().micros % kMicrosPerDay;
        return Result<Value>(Value::temporal(target, t < 0 ? t + kMicrosPerDay : t));
    }
    return std::nullopt;
}

} // namespace

Result<Value> cast_value(const Value& value, Type target) {
    Type from = value.type();
    if (value.is_null())
        return Value::null(target);
    if (from == target || target == Type::Unknown)
        return value;
    if (from == Type::Unknown || is_text_type(from))
        return from_pg_text(target, value.as_string()); // varchar → text is a relabel
    if (target == Type::Bool && from == Type::Bool)
        return value;
    if (is_text_type(target) && from == Type::Bool)
        return Value::string(target, value.as_bool() ? "true" : "false"); // booltext, unlike boolout's t/f
    if (is_text_type(target))
        return Value::string(target, to_pg_text(value));
    if (is_numeric_family(from) && is_numeric_family(target))
        return numeric_family_cast(value, target);
    if (from == Type::Bool && target == Type::Int4)
        return Value::int4(value.as_bool() ? 1 : 0);
    if (from == Type::Int4 && target == Type::Bool)
        return Value::boolean(value.as_int() != 0);
    if (from == Type::Json && target == Type::Jsonb)
        return from_pg_text(Type::Jsonb, value.as_string());
    if (from == Type::Jsonb && target == Type::Json)
        return Value::string(Type::Json, to_pg_text(value));
    if (auto t = temporal_cast(value, target))
        return std::move(*t);
    return cannot_cast(from, target);
}

bool can_cast_implicitly(Type from, Type to) {
    if (from == to || from == Type::Unknown)
        return true;
    // pg_cast: text ↔ varchar both implicit (binary coercible), so UNION/COALESCE of varchar then
    // text stays varchar while text first stays text, as select_common_type decides.
    if (is_text_type(from) && is_text_type(to))
        return true;
    if (is_numeric_family(from) && is_numeric_family(to))
        return numeric_rank(from) < numeric_rank(to);
    switch (from) {
    case Type::Date:
        return to == Type::Timestamp || to == Type::TimestampTz;
    case Type::Timestamp:
        return to == Type::TimestampTz;
    case Type::Time:
        return to == Type::Interval;
    default:
        return false;
    }
}

Result<Type> common_type(Type a, Type b, std::string_view context) {
    if (a == Type::Unknown)
        return b; // unknown yields; two unknowns stay unknown until the caller settles on text
    if (b == Type::Unknown || a == b)
        return a;
    if (expr::type_category(a) != expr::type_category(b)) {
        return Error::make("42804", std::string(context) + " types " + std::string(type_name(a)) + " and " +
                                        std::string(type_name(b)) + " cannot be matched");
    }
    Type chosen = a;
    if (!expr::is_preferred_type(a) && can_cast_implicitly(a, b) && !can_cast_implicitly(b, a))
        chosen = b;
    Type other = chosen == a ? b : a;
    if (!can_cast_implicitly(other, chosen)) {
        std::string where = context == "CASE" ? "CASE/WHEN" : std::string(context);
        return Error::make("42846", where + " could not convert type " +
                                        std::string(type_name(other)) + " to " + std::string(type_name(chosen)));
    }
    return chosen;
}

} // namespace nectar::federation
