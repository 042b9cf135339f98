// Mathematical functions over float8 and numeric (integers reach them by implicit casts, as
// PostgreSQL's function resolution decides), plus abs and mod per integer width.

#include "federation/expr/numeric_math.hpp"
#include "federation/expr/overload.hpp"

#include <openssl/rand.h>

#include <cmath>
#include <cstring>

namespace nectar::federation::expr {

namespace {

using Catalog = std::vector<std::pair<std::string, Overload>>;
using Args = std::span<const Value>;
const Type F8 = Type::Float8, NUM = Type::Numeric, I4 = Type::Int4;

void add(Catalog& c, std::string name, std::vector<Type> params, Type result, ScalarFn fn) {
    c.push_back({std::move(name), Overload{std::move(params), result, std::move(fn)}});
}

Result<Value> from_decimal(Result<Decimal> d) {
    if (!d)
        return d.error();
    return numeric_value(*d);
}

/// A float8 function: checks its domain, computes, then applies PostgreSQL's range checks.
template <typename F> ScalarFn float_fn(F f) {
    return [f](Args a) -> Result<Value> {
        double x = a[0].as_float();
        return f(x);
    };
}

Result<Value> float_result(double r, double x) {
    return checked_float(Type::Float8, r, std::isinf(x), x != 0.0 && !std::isinf(x));
}

Result<Value> float_log(double x, bool ten) {
    if (x == 0.0)
        return Error::make("2201E", "cannot take logarithm of zero");
    if (x < 0.0)
        return Error::make("2201E", "cannot take logarithm of a negative number");
    double r = ten ? std::log10(x) : std::log(x);
    return checked_float(Type::Float8, r, std::isinf(x), false);
}

Result<Value> float_power(double a, double b) {
    if (a == 0.0 && b < 0.0)
        return Error::make("2201F", "zero raised to a negative power is undefined");
    if (a < 0.0 && std::floor(b) != b && !std::isinf(b))
        return Error::make("2201F", "a negative number raised to a non-integer power yields a complex result");
    double r = std::pow(a, b);
    return checked_float(Type::Float8, r, std::isinf(a) || std::isinf(b), r == 0.0 && a != 0.0 && !std::isinf(b) && b > 0 && std::fabs(a) < 1.0);
}

double random_double() {
    uint64_t bits = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&bits), sizeof bits);
    return static_cast<double>(bits >> 11) * 0x1.0p-53; // [0, 1)
}

void register_rounding(Catalog& c) {
    add(c, "round", {F8}, F8, [](Args a) -> Result<Value> { return Value::float8(std::nearbyint(a[0].as_float())); });
    add(c, "round", {NUM}, NUM, [](Args a) -> Result<Value> { return numeric_value(to_decimal(a[0]).round(0)); });
    add(c, "round", {NUM, I4}, NUM,
        [](Args a) -> Result<Value> { return numeric_value(to_decimal(a[0]).round(static_cast<int>(a[1].as_int()))); });
    add(c, "trunc", {F8}, F8, [](Args a) -> Result<Value> { return Value::float8(std::trunc(a[0].as_float())); });
    add(c, "trunc", {NUM}, NUM, [](Args a) -> Result<Value> { return numeric_value(to_decimal(a[0]).trunc(0)); });
    add(c, "trunc", {NUM, I4}, NUM,
        [](Args a) -> Result<Value> { return numeric_value(to_decimal(a[0]).trunc(static_cast<int>(a[1].as_int()))); });
    for (const char* name : {"ceil", "ceiling"}) {
        add(c, name, {F8}, F8, [](Args a) -> Result<Value> { return Value::float8(std::ceil(a[0].as_float())); });
        add(c, name, {NUM}, NUM, [](Args a) -> Result<Value> { return numeric_value(to_decimal(a[0]).ceil()); });
    }
    add(c, "floor", {F8}, F8, [](Args a) -> Result<Value> { return Value::float8(std::floor(a[0].as_float())); });
    add(c, "floor", {NUM}, NUM, [](Args a) -> Result<Value> { return numeric_value(to_decimal(a[0]).floor()); });
    add(c, "sign", {F8}, F8, [](Args a) -> Result<Value> {
        double x = a[0].as_float();
        return Value::float8(x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0);
    });
    add(c, "sign", {NUM}, NUM, [](Args a) -> Result<Value> {
        Decimal d = to_decimal(a[0]);
        return numeric_value(d.is_nan() ? d : Decimal::from_int(d.sign()));
    });
}

void register_transcendental(Catalog& c) {
    add(c, "sqrt", {F8}, F8, float_fn([](double x) -> Result<Value> {
            if (x < 0)
                return Error::make("2201F", "cannot take square root of a negative number");
            return Value::float8(std::sqrt(x));
        }));
    add(c, "sqrt", {NUM}, NUM, [](Args a) { return from_decimal(numeric_sqrt(to_decimal(a[0]))); });
    add(c, "exp", {F8}, F8, float_fn([](double x) { return float_result(std::exp(x), x); }));
    add(c, "exp", {NUM}, NUM, [](Args a) { return from_decimal(numeric_exp(to_decimal(a[0]))); });
    add(c, "ln", {F8}, F8, float_fn([](double x) { return float_log(x, false); }));
    add(c, "ln", {NUM}, NUM, [](Args a) { return from_decimal(numeric_ln(to_decimal(a[0]))); });
    add(c, "log", {F8}, F8, float_fn([](double x) { return float_log(x, true); }));
    add(c, "log", {NUM}, NUM, [](Args a) { return from_decimal(numeric_log10(to_decimal(a[0]))); });
    for (const char* name : {"power", "pow"}) {
        add(c, name, {F8, F8}, F8, [](Args a) { return float_power(a[0].as_float(), a[1].as_float()); });
        add(c, name, {NUM, NUM}, NUM,
            [](Args a) { return from_decimal(numeric_power(to_decimal(a[0]), to_decimal(a[1]))); });
    }
    add(c, "pi", {}, F8, [](Args) -> Result<Value> { return Value::float8(M_PI); });
    Overload rnd{{}, F8, [](Args) -> Result<Value> { return Value::float8(random_double()); }};
    rnd.volatile_fn = true;
    c.push_back({"random", rnd});
}

void register_integer_math(Catalog& c) {
    for (Type t : {Type::Int2, Type::Int4, Type::Int8}) {
        add(c, "abs", {t}, t, [t](Args a) { return checked_int(t, a[0].as_int() < 0 ? -static_cast<__int128>(a[0].as_int()) : a[0].as_int()); });
        add(c, "mod", {t, t}, t, [t](Args a) -> Result<Value> {
            int64_t y = a[1].as_int();
            if (y == 0)
                return division_by_zero();
            return Value::integer(t, y == -1 ? 0 : a[0].as_int() % y);
        });
    }
    for (Type t : {Type::Float4, Type::Float8})
        add(c, "abs", {t}, t, [t](Args a) -> Result<Value> { return Value::floating(t, std::fabs(a[0].as_float())); });
    add(c, "abs", {NUM}, NUM, [](Args a) -> Result<Value> { return numeric_value(to_decimal(a[0]).abs()); });
    add(c, "mod", {NUM, NUM}, NUM, [](Args a) { return from_decimal(to_decimal(a[0]).mod(to_decimal(a[1]))); });
}

} // namespace

void register_math_functions(Catalog& c) {
    register_rounding(c);
    register_transcendental(c);
    register_integer_math(c);
}

} // namespace nectar::federation::expr
