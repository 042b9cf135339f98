// Aggregate states: NULL inputs are skipped (except by array_agg), and an empty input gives
// NULL (count gives 0), as PostgreSQL's aggregates do.

#include "federation/expr/aggregate_states.hpp"

#include "federation/expr/compare.hpp"
#include "federation/expr/numeric_math.hpp"
#include "federation/expr/overload.hpp"

#include <cmath>
#include <limits>

namespace nectar::federation::expr {

Result<void> CountState::add(std::span<const Value> args) {
    if (star_ || !args[0].is_null())
        ++n_;
    return {};
}

Result<void> SumIntState::add(std::span<const Value> args) {
    if (args[0].is_null())
        return {};
    if (__builtin_add_overflow(sum_, args[0].as_int(), &sum_))
        return int_out_of_range(Type::Int8);
    any_ = true;
    return {};
}

Result<Value> SumIntState::finish() { return any_ ? Value::int8(sum_) : Value::null(Type::Int8); }

namespace {

constexpr int kMaxSmallDigits = 18; // any 18-digit integer fits in int64

__int128 power_of_ten(int n) {
    __int128 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

} // namespace

bool SmallDecimalSum::add_text(std::string_view text) {
    size_t i = 0;
    bool negative = !text.empty() && text[0] == '-';
    if (negative)
        ++i;
    int64_t units = 0;
    int digits = 0, scale = 0;
    bool point = false;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c == '.' && !point) {
            point = true;
            continue;
        }
        if (c < '0' || c > '9' || ++digits > kMaxSmallDigits)
            return false; // NaN, Infinity or too long: the Decimal path takes it
        units = units * 10 + (c - '0');
        scale += point ? 1 : 0;
    }
    if (digits == 0)
        return false;
    return add_units(negative ? -units : units, scale);
}

bool SmallDecimalSum::add_units(int64_t units, int scale) {
    __int128 value = units;
    if (scale > scale_) { // the sum takes the larger display scale, as numeric addition does
        if (__builtin_mul_overflow(units_, power_of_ten(scale - scale_), &units_))
            return false;
        scale_ = scale;
    } else if (scale < scale_) {
        value *= power_of_ten(scale_ - scale); // |value| < 10^18 * 10^18 fits in 127 bits
    }
    if (__builtin_add_overflow(units_, value, &units_))
        return false;
    any_ = true;
    return true;
}

Decimal SmallDecimalSum::to_decimal() const {
    unsigned __int128 magnitude = units_ < 0 ? -static_cast<unsigned __int128>(units_) : units_;
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
        magnitude /= 10;
    } while (magnitude != 0);
    if (static_cast<int>(digits.size()) <= scale_)
        digits.insert(0, static_cast<size_t>(scale_ + 1 - static_cast<int>(digits.size())), '0');
    if (scale_ > 0)
        digits.insert(digits.size() - static_cast<size_t>(scale_), 1, '.');
    if (units_ < 0)
        digits.insert(0, 1, '-');
    return *Decimal::parse(digits); // well-formed by construction
}

Result<void> DecimalSumState::add(std::span<const Value> args) {
    const Value& v = args[0];
    if (v.is_null())
        return {};
    bool added = v.type() == Type::Numeric ? fast_.add_text(v.as_string())
                 : is_integer(v.type())         ? fast_.add_int(v.as_int())
                                                : false;
    if (!added)
        sum_ = sum_.add(to_decimal(v));
    ++n_;
    return {};
}

Result<Value> DecimalSumState::finish() {
    if (n_ == 0)
        return Value::null(Type::Numeric);
    if (!fast_.empty())
        sum_ = sum_.add(fast_.to_decimal());
    if (mode_ == Sum)
        return numeric_value(sum_);
    auto avg = sum_.div(Decimal::from_int(n_));
    if (!avg)
        return avg.error();
    return numeric_value(*avg);
}

Result<void> FloatSumState::add(std::span<const Value> args) {
    if (args[0].is_null())
        return {};
    double x = args[0].as_float();
    double next = result_ == Type::Float4 ? static_cast<float>(static_cast<float>(sum_) + static_cast<float>(x))
                                          : sum_ + x;
    if (std::isinf(next) && !std::isinf(sum_) && !std::isinf(x))
        return Error::make("22003", "value out of range: overflow");
    sum_ = next;
    ++n_;
    return {};
}

Result<Value> FloatSumState::finish() {
    if (n_ == 0)
        return Value::null(result_);
    return Value::floating(result_, avg_ ? sum_ / static_cast<double>(n_) : sum_);
}

Result<void> IntervalSumState::add(std::span<const Value> args) {
    if (args[0].is_null())
        return {};
    const Interval& iv = args[0].as_interval();
    months_ += iv.months;
    days_ += iv.days;
    micros_ += iv.micros;
    any_ = true;
    return {};
}

Result<Value> IntervalSumState::finish() {
    if (!any_)
        return Value::null(Type::Interval);
    if (months_ < std::numeric_limits<int32_t>::min() || months_ > std::numeric_limits<int32_t>::max() ||
        days_ < std::numeric_limits<int32_t>::min() || days_ > std::numeric_limits<int32_t>::max() ||
        micros_ < std::numeric_limits<int64_t>::min() || micros_ > std::numeric_limits<int64_t>::max())
        return Error::make("22008", "interval out of range");
    return Value::interval(Interval{.micros = static_cast<int64_t>(micros_),
                                    .days = static_cast<int32_t>(days_),
                                    .months = static_cast<int32_t>(months_)});
}

Result<void> DecimalVarianceState::add(std::span<const Value> args) {
    if (args[0].is_null())
        return {};
    Decimal x = to_decimal(args[0]);
    sum_ = sum_.add(x);
    sum_sq_ = sum_sq_.add(x.mul(x));
    ++n_;
    return {};
}

Result<Value> DecimalVarianceState::finish() {
    if (n_ == 0 || (sample_ && n_ == 1))
        return Value::null(Type::Numeric);
    Decimal n = Decimal::from_int(n_);
    Decimal numerator = n.mul(sum_sq_).sub(sum_.mul(sum_));
    if (numerator.sign() <= 0)
        return numeric_value(Decimal::from_int(0)); // rounding can make it negative: report 0
    Decimal denominator = n.mul(sample_ ? Decimal::from_int(n_ - 1) : n);
    auto variance = numerator.div(denominator);
    if (!variance)
        return variance.error();
    if (!stddev_)
        return numeric_value(*variance);
    return numeric_value(numeric_sqrt_scaled(*variance, variance->scale()));
}

Result<void> FloatVarianceState::add(std::span<const Value> args) {
    if (args[0].is_null())
        return {};
    double x = args[0].as_float();
    n_ += 1;
    sx_ += x;
    if (n_ > 1) {
        double tmp = x * n_ - sx_;
        sxx_ += tmp * tmp / (n_ * (n_ - 1));
    }
    return {};
}

Result<Value> FloatVarianceState::finish() {
    if (n_ == 0 || (sample_ && n_ == 1))
        return Value::null(Type::Float8);
    double variance = sxx_ / (sample_ ? n_ - 1 : n_);
    return Value::float8(stddev_ ? std::sqrt(variance) : variance);
}

Result<void> ExtremumState::add(std::span<const Value> args) {
    const Value& v = args[0];
    if (v.is_null())
        return {};
    if (best_.is_null()) {
        best_ = v;
        return {};
    }
    int c = compare_same_family(v, best_);
    if (max_ ? c > 0 : c < 0)
        best_ = v;
    return {};
}

Result<void> BoolState::add(std::span<const Value> args) {
    if (args[0].is_null())
        return {};
    bool b = args[0].as_bool();
    acc_ = any_ ? (all_ ? acc_ && b : acc_ || b) : b;
    any_ = true;
    return {};
}

Result<void> StringAggState::add(std::span<const Value> args) {
    if (args[0].is_null())
        return {};
    if (any_ && !args[1].is_null())
        out_ += args[1].as_string();
    out_ += args[0].as_string();
    any_ = true;
    return {};
}

namespace {

/// An array element as array_out writes it: quoted when empty, NULL-like or holding specials.
std::string array_element(const std::string& s) {
    bool quote = s.empty() || (s.size() == 4 && (s[0] | 0x20) == 'n' && (s[1] | 0x20) == 'u' &&
                               (s[2] | 0x20) == 'l' && (s[3] | 0x20) == 'l');
    for (char c : s) {
        if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || c == ' ' || c == '\t' || c == '\n' ||
            c == '\r' || c == '\v' || c == '\f')
            quote = true;
    }
    if (!quote)
        return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

} // namespace

Result<void> ArrayAggState::add(std::span<const Value> args) {
    out_ += any_ ? "," : "{";
    out_ += args[0].is_null() ? "NULL" : array_element(to_pg_text(args[0]));
    any_ = true;
    return {};
}

Result<Value> ArrayAggState::finish() { return any_ ? Value::text(out_ + "}") : Value::null(Type::Text); }

} // namespace nectar::federation::expr
