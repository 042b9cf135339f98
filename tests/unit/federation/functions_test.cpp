// Functions, operators, casts and aggregates against answers taken from PostgreSQL 15: every
// expected string below is what a real server printed for the SQL in the line's comment
// (TimeZone UTC, DateStyle ISO, IntervalStyle postgres), errors as "ERROR <sqlstate>: <message>".

#include "federation/expr/functions.hpp"

#include <doctest.h>

#include <optional>
#include <string>
#include <vector>

using namespace nectar::federation;

namespace {

constexpr Type U = Type::Unknown, BOOL = Type::Bool, I2 = Type::Int2, I4 = Type::Int4, I8 = Type::Int8,
               F4 = Type::Float4, F8 = Type::Float8, NUM = Type::Numeric, TXT = Type::Text, BYTEA = Type::Bytea,
               DATE = Type::Date, TIME = Type::Time, TS = Type::Timestamp, TSTZ = Type::TimestampTz,
               IV = Type::Interval, UUID = Type::Uuid, JSON = Type::Json, JSONB = Type::Jsonb;

/// A literal as SQL writes it: a type and its text (nullptr for NULL); Unknown is an untyped literal.
struct Lit {
    Type type;
    const char* text;
};

std::string err(const nectar::Error& e) { return "ERROR " + e.sqlstate + ": " + e.message; }

Value value_of(Lit l) {
    if (!l.text)
        return Value::null(l.type);
    if (l.type == U)
        return Value::string(U, l.text);
    auto v = from_pg_text(l.type, l.text);
    REQUIRE_MESSAGE(v.ok(), "bad test literal ", l.text);
    return *v;
}

std::string text_of(const Value& v) { return v.is_null() ? "NULL" : to_pg_text(v); }

/// What the executor does with a resolved function: cast the arguments, honour strictness, call.
std::string invoke(const nectar::Result<ScalarImpl>& impl, const std::vector<Lit>& lits) {
    if (!impl.ok())
        return err(impl.error());
    std::vector<Value> args;
    for (size_t i = 0; i < lits.size(); ++i) {
        auto v = cast_value(value_of(lits[i]), impl.value().params[i]);
        if (!v.ok())
            return err(v.error());
        if (v.value().is_null() && impl.value().strict)
            return "NULL";
        args.push_back(*v);
    }
    auto r = impl.value().fn(args);
    return r.ok() ? text_of(*r) : err(r.error());
}

std::string binary_op(const char* op, Lit l, Lit r) { return invoke(resolve_operator(op, l.type, r.type), {l, r}); }
std::string unary_op(const char* op, Lit v) { return invoke(resolve_operator(op, U, v.type, true), {v}); }

std::string call(const char* name, std::vector<Lit> args) {
    std::vector<Type> types;
    for (Lit l : args)
        types.push_back(l.type);
    return invoke(resolve_function(name, types), args);
}

std::string result_type(const nectar::Result<ScalarImpl>& impl) {
    return impl.ok() ? std::string(type_name(impl.value().result)) : err(impl.error());
}
std::string operator_type(const char* op, Type l, Type r) { return result_type(resolve_operator(op, l, r)); }
std::string function_type(const char* name, std::vector<Type> args) { return result_type(resolve_function(name, args)); }

std::string cast(Lit v, Type target) {
    auto r = cast_value(value_of(v), target);
    return r.ok() ? text_of(*r) : err(r.error());
}

std::string common(Type a, Type b) {
    auto t = common_type(a, b, "CASE");
    return t.ok() ? std::string(type_name(*t)) : err(t.error());
}

std::string run_aggregate(const char* name, Type type, std::vector<std::vector<Lit>> rows, size_t nargs) {
    std::vector<Type> types(nargs, type);
    auto impl = resolve_aggregate(name, types, false);
    if (!impl.ok())
        return err(impl.error());
    auto state = impl.value().make_state();
    for (const auto& row : rows) {
        std::vector<Value> args;
        for (size_t i = 0; i < row.size(); ++i) {
            auto v = cast_value(value_of(row[i]), impl.value().params[i]);
            REQUIRE(v.ok());
            args.push_back(*v);
        }
        auto ok = state->add(args);
        if (!ok.ok())
            return err(ok.error());
    }
    auto r = state->finish();
    return r.ok() ? text_of(*r) : err(r.error());
}

std::string aggregate(const char* name, Type type, std::vector<const char*> values) {
    std::vector<std::vector<Lit>> rows;
    for (const char* v : values)
        rows.push_back({Lit{type, v}});
    return run_aggregate(name, type, rows, 1);
}

std::string aggregate2(const char* name, Type type, std::vector<const char*> values, const char* second) {
    std::vector<std::vector<Lit>> rows;
    for (const char* v : values)
        rows.push_back({Lit{type, v}, Lit{type, second}});
    return run_aggregate(name, type, rows, 2);
}

} // namespace

TEST_CASE("operators: integer arithmetic and overflow") {
    CHECK(binary_op("+", {I4, "1"}, {I4, "2"}) == "3"); // select ('1'::int4) + ('2'::int4)
    CHECK(binary_op("+", {I4, "2147483647"}, {I4, "1"}) == "ERROR 22003: integer out of range"); // select ('2147483647'::int4) + ('1'::int4)
    CHECK(binary_op("+", {I2, "32767"}, {I2, "1"}) == "ERROR 22003: smallint out of range"); // select ('32767'::int2) + ('1'::int2)
    CHECK(binary_op("*", {I8, "9223372036854775807"}, {I8, "2"}) == "ERROR 22003: bigint out of range"); // select ('9223372036854775807'::int8) * ('2'::int8)
    CHECK(binary_op("+", {I2, "30000"}, {I4, "30000"}) == "60000"); // select ('30000'::int2) + ('30000'::int4)
    CHECK(binary_op("-", {I8, "5"}, {I2, "7"}) == "-2"); // select ('5'::int8) - ('7'::int2)
    CHECK(binary_op("/", {I4, "7"}, {I4, "2"}) == "3"); // select ('7'::int4) / ('2'::int4)
    CHECK(binary_op("/", {I4, "-7"}, {I4, "2"}) == "-3"); // select ('-7'::int4) / ('2'::int4)
    CHECK(binary_op("/", {I4, "1"}, {I4, "0"}) == "ERROR 22012: division by zero"); // select ('1'::int4) / ('0'::int4)
    CHECK(binary_op("%", {I4, "-7"}, {I4, "3"}) == "-1"); // select ('-7'::int4) % ('3'::int4)
    CHECK(binary_op("%", {I4, "7"}, {I4, "0"}) == "ERROR 22012: division by zero"); // select ('7'::int4) % ('0'::int4)
    CHECK(binary_op("/", {I4, "-2147483648"}, {I4, "-1"}) == "ERROR 22003: integer out of range"); // select ('-2147483648'::int4) / ('-1'::int4)
    CHECK(binary_op("%", {I8, "-9223372036854775808"}, {I8, "-1"}) == "0"); // select ('-9223372036854775808'::int8) % ('-1'::int8)
    CHECK(unary_op("-", {I4, "-2147483648"}) == "ERROR 22003: integer out of range"); // select - ('-2147483648'::int4)
    CHECK(unary_op("-", {I2, "5"}) == "-5"); // select - ('5'::int2)
    CHECK(unary_op("+", {NUM, "1.5"}) == "1.5"); // select + ('1.5'::numeric)
    CHECK(binary_op("+", {I4, "1"}, {BOOL, "true"}) == "ERROR 42883: operator does not exist: integer + boolean"); // select ('1'::int4) + ('true'::bool)
    CHECK(unary_op("-", {BOOL, "true"}) == "ERROR 42883: operator does not exist: - boolean"); // select - ('true'::bool)
    CHECK(binary_op("+", {I4, "1"}, {U, "41"}) == "42"); // select ('1'::int4) + ('41')
    CHECK(binary_op("+", {U, "1.5"}, {NUM, "1"}) == "2.5"); // select ('1.5') + ('1'::numeric)
    CHECK(binary_op("+", {I4, "1"}, {U, "abc"}) == "ERROR 22P02: invalid input syntax for type integer: \"abc\""); // select ('1'::int4) + ('abc')
    CHECK(binary_op("+", {U, "1"}, {U, "2"}) == "ERROR 42725: operator is not unique: unknown + unknown"); // select ('1') + ('2')
    CHECK(binary_op("+", {I4, "1"}, {I4, nullptr}) == "NULL"); // select ('1'::int4) + (NULL::int4)
}

TEST_CASE("operators: float and numeric arithmetic") {
    CHECK(binary_op("+", {F8, "0.1"}, {F8, "0.2"}) == "0.30000000000000004"); // select ('0.1'::float8) + ('0.2'::float8)
    CHECK(binary_op("*", {F8, "1e308"}, {F8, "10"}) == "ERROR 22003: value out of range: overflow"); // select ('1e308'::float8) * ('10'::float8)
    CHECK(binary_op("*", {F8, "1e-300"}, {F8, "1e-300"}) == "ERROR 22003: value out of range: underflow"); // select ('1e-300'::float8) * ('1e-300'::float8)
    CHECK(binary_op("/", {F8, "1"}, {F8, "0"}) == "ERROR 22012: division by zero"); // select ('1'::float8) / ('0'::float8)
    CHECK(binary_op("/", {F8, "1"}, {F8, "3"}) == "0.3333333333333333"); // select ('1'::float8) / ('3'::float8)
    CHECK(binary_op("+", {F4, "1.5"}, {F4, "2.25"}) == "3.75"); // select ('1.5'::float4) + ('2.25'::float4)
    CHECK(binary_op("+", {F4, "1.5"}, {I4, "1"}) == "2.5"); // select ('1.5'::float4) + ('1'::int4)
    CHECK(binary_op("*", {F4, "1.1"}, {F8, "2"}) == "2.200000047683716"); // select ('1.1'::float4) * ('2'::float8)
    CHECK(binary_op("+", {NUM, "1.50"}, {I4, "2"}) == "3.50"); // select ('1.50'::numeric) + ('2'::int4)
    CHECK(binary_op("*", {NUM, "1.25"}, {NUM, "0.5"}) == "0.625"); // select ('1.25'::numeric) * ('0.5'::numeric)
    CHECK(binary_op("/", {NUM, "1"}, {NUM, "3"}) == "0.33333333333333333333"); // select ('1'::numeric) / ('3'::numeric)
    CHECK(binary_op("/", {I4, "1"}, {NUM, "3"}) == "0.33333333333333333333"); // select ('1'::int4) / ('3'::numeric)
    CHECK(binary_op("/", {NUM, "1"}, {NUM, "0"}) == "ERROR 22012: division by zero"); // select ('1'::numeric) / ('0'::numeric)
    CHECK(binary_op("%", {NUM, "7.5"}, {NUM, "2"}) == "1.5"); // select ('7.5'::numeric) % ('2'::numeric)
    CHECK(binary_op("+", {NUM, "1.5"}, {F8, "1"}) == "2.5"); // select ('1.5'::numeric) + ('1'::float8)
    CHECK(binary_op("^", {I4, "2"}, {I4, "10"}) == "1024"); // select ('2'::int4) ^ ('10'::int4)
    CHECK(binary_op("^", {NUM, "2"}, {NUM, "10"}) == "1024.0000000000000000"); // select ('2'::numeric) ^ ('10'::numeric)
    CHECK(binary_op("^", {NUM, "2"}, {NUM, "0.5"}) == "1.4142135623730950"); // select ('2'::numeric) ^ ('0.5'::numeric)
    CHECK(binary_op("^", {NUM, "100"}, {NUM, "0.5"}) == "10.000000000000000"); // select ('100'::numeric) ^ ('0.5'::numeric)
    CHECK(binary_op("^", {NUM, "12345.678"}, {NUM, "2"}) == "152415765.2796840000000000"); // select ('12345.678'::numeric) ^ ('2'::numeric)
    CHECK(binary_op("^", {NUM, "2"}, {NUM, "-2"}) == "0.2500000000000000"); // select ('2'::numeric) ^ ('-2'::numeric)
    CHECK(binary_op("^", {NUM, "0"}, {NUM, "-1"}) == "ERROR 2201F: zero raised to a negative power is undefined"); // select ('0'::numeric) ^ ('-1'::numeric)
    CHECK(binary_op("^", {NUM, "-8"}, {NUM, "0.5"}) == "ERROR 2201F: a negative number raised to a non-integer power yields a complex result"); // select ('-8'::numeric) ^ ('0.5'::numeric)
    CHECK(binary_op("^", {F8, "0"}, {F8, "-1"}) == "ERROR 2201F: zero raised to a negative power is undefined"); // select ('0'::float8) ^ ('-1'::float8)
    CHECK(binary_op("^", {F8, "-8"}, {F8, "0.5"}) == "ERROR 2201F: a negative number raised to a non-integer power yields a complex result"); // select ('-8'::float8) ^ ('0.5'::float8)
    CHECK(unary_op("-", {NUM, "0.00"}) == "0.00"); // select - ('0.00'::numeric)
}

TEST_CASE("operators: comparisons") {
    CHECK(binary_op("=", {I4, "1"}, {I8, "1"}) == "t"); // select ('1'::int4) = ('1'::int8)
    CHECK(binary_op("<", {I2, "1"}, {NUM, "1.5"}) == "t"); // select ('1'::int2) < ('1.5'::numeric)
    CHECK(binary_op("=", {I4, "1"}, {F8, "1"}) == "t"); // select ('1'::int4) = ('1'::float8)
    CHECK(binary_op("=", {NUM, "1.0"}, {NUM, "1.00"}) == "t"); // select ('1.0'::numeric) = ('1.00'::numeric)
    CHECK(binary_op("<", {F8, "NaN"}, {F8, "1"}) == "f"); // select ('NaN'::float8) < ('1'::float8)
    CHECK(binary_op("=", {F8, "NaN"}, {F8, "NaN"}) == "t"); // select ('NaN'::float8) = ('NaN'::float8)
    CHECK(binary_op("<", {TXT, "B"}, {TXT, "a"}) == "t"); // select ('B'::text) < ('a'::text)
    CHECK(binary_op("<", {TXT, "abc"}, {TXT, "abd"}) == "t"); // select ('abc'::text) < ('abd'::text)
    CHECK(binary_op("<", {TXT, "é"}, {TXT, "z"}) == "f"); // select ('é'::text) < ('z'::text)
    CHECK(binary_op("<>", {TXT, "a"}, {U, "b"}) == "t"); // select ('a'::text) <> ('b')
    CHECK(binary_op("=", {U, "a"}, {U, "a"}) == "t"); // select ('a') = ('a')
    CHECK(binary_op("=", {I4, "1"}, {TXT, "1"}) == "ERROR 42883: operator does not exist: integer = text"); // select ('1'::int4) = ('1'::text)
    CHECK(binary_op("=", {I4, "1"}, {U, "1.5"}) == "ERROR 22P02: invalid input syntax for type integer: \"1.5\""); // select ('1'::int4) = ('1.5')
    CHECK(binary_op("=", {DATE, "2024-01-01"}, {TS, "2024-01-01 00:00:00"}) == "t"); // select ('2024-01-01'::date) = ('2024-01-01 00:00:00'::timestamp)
    CHECK(binary_op("<", {DATE, "2024-01-01"}, {TSTZ, "2024-01-01 00:00:01+00"}) == "t"); // select ('2024-01-01'::date) < ('2024-01-01 00:00:01+00'::timestamptz)
    CHECK(binary_op(">", {TS, "2024-01-02"}, {U, "2024-01-01"}) == "t"); // select ('2024-01-02'::timestamp) > ('2024-01-01')
    CHECK(binary_op("=", {IV, "1 month"}, {IV, "30 days"}) == "t"); // select ('1 month'::interval) = ('30 days'::interval)
    CHECK(binary_op("<", {IV, "1 day"}, {IV, "25 hours"}) == "t"); // select ('1 day'::interval) < ('25 hours'::interval)
    CHECK(binary_op("<", {BOOL, "false"}, {BOOL, "true"}) == "t"); // select ('false'::bool) < ('true'::bool)
    CHECK(binary_op("=", {UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, {UUID, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"}) == "t"); // select ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid) = ('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid)
    CHECK(binary_op("=", {JSON, "{}"}, {JSON, "{}"}) == "ERROR 42883: operator does not exist: json = json"); // select ('{}'::json) = ('{}'::json)
    CHECK(binary_op("=", {JSONB, "{\"a\": 1}"}, {JSONB, "{\"a\": 1}"}) == "t"); // select ('{"a": 1}'::jsonb) = ('{"a": 1}'::jsonb)
    CHECK(binary_op("<=", {TIME, "10:00"}, {TIME, "09:00"}) == "f"); // select ('10:00'::time) <= ('09:00'::time)
    CHECK(binary_op("=", {DATE, "2024-01-01"}, {I4, "1"}) == "ERROR 42883: operator does not exist: date = integer"); // select ('2024-01-01'::date) = ('1'::int4)
}

TEST_CASE("operators: text concatenation and LIKE") {
    CHECK(binary_op("||", {TXT, "a"}, {TXT, "b"}) == "ab"); // select ('a'::text) || ('b'::text)
    CHECK(binary_op("||", {U, "a"}, {I4, "1"}) == "a1"); // select ('a') || ('1'::int4)
    CHECK(binary_op("||", {I4, "1"}, {U, "a"}) == "1a"); // select ('1'::int4) || ('a')
    CHECK(binary_op("||", {TXT, "x"}, {BOOL, "true"}) == "xtrue"); // select ('x'::text) || ('true'::bool)
    CHECK(binary_op("||", {NUM, "1.50"}, {TXT, "!"}) == "1.50!"); // select ('1.50'::numeric) || ('!'::text)
    CHECK(binary_op("||", {DATE, "2024-03-01"}, {TXT, " day"}) == "2024-03-01 day"); // select ('2024-03-01'::date) || (' day'::text)
    CHECK(binary_op("||", {I4, "1"}, {I4, "2"}) == "ERROR 42883: operator does not exist: integer || integer"); // select ('1'::int4) || ('2'::int4)
    CHECK(binary_op("||", {TXT, "a"}, {TXT, nullptr}) == "NULL"); // select ('a'::text) || (NULL::text)
    CHECK(binary_op("~~", {TXT, "hello"}, {TXT, "h%o"}) == "t"); // select ('hello'::text) ~~ ('h%o'::text)
    CHECK(binary_op("~~", {TXT, "hello"}, {TXT, "h_llo"}) == "t"); // select ('hello'::text) ~~ ('h_llo'::text)
    CHECK(binary_op("~~", {TXT, "hello"}, {TXT, "H%"}) == "f"); // select ('hello'::text) ~~ ('H%'::text)
    CHECK(binary_op("~~*", {TXT, "hello"}, {TXT, "H%"}) == "t"); // select ('hello'::text) ~~* ('H%'::text)
    CHECK(binary_op("!~~", {TXT, "hello"}, {TXT, "%x%"}) == "t"); // select ('hello'::text) !~~ ('%x%'::text)
    CHECK(binary_op("!~~*", {TXT, "HELLO"}, {TXT, "%l%"}) == "f"); // select ('HELLO'::text) !~~* ('%l%'::text)
    CHECK(binary_op("~~", {TXT, "50%"}, {TXT, "50\\%"}) == "t"); // select ('50%'::text) ~~ ('50\%'::text)
    CHECK(binary_op("~~", {TXT, "500"}, {TXT, "50\\%"}) == "f"); // select ('500'::text) ~~ ('50\%'::text)
    CHECK(binary_op("~~", {TXT, "a_c"}, {TXT, "a\\_c"}) == "t"); // select ('a_c'::text) ~~ ('a\_c'::text)
    CHECK(binary_op("~~", {TXT, "abc"}, {TXT, "abc\\"}) == "f"); // select ('abc'::text) ~~ ('abc\'::text)
    CHECK(binary_op("~~", {TXT, "héllo"}, {TXT, "h_llo"}) == "t"); // select ('héllo'::text) ~~ ('h_llo'::text)
    CHECK(binary_op("~~", {TXT, ""}, {TXT, "%"}) == "t"); // select (''::text) ~~ ('%'::text)
    CHECK(binary_op("~~", {TXT, "aXbXc"}, {TXT, "%b%c"}) == "t"); // select ('aXbXc'::text) ~~ ('%b%c'::text)
    CHECK(binary_op("~~", {U, "abc"}, {U, "a%"}) == "t"); // select ('abc') ~~ ('a%')
    CHECK(binary_op("~~", {I4, "1"}, {TXT, "1"}) == "ERROR 42883: operator does not exist: integer ~~ text"); // select ('1'::int4) ~~ ('1'::text)
}

TEST_CASE("operators: date, time, timestamp and interval arithmetic") {
    CHECK(binary_op("+", {DATE, "2024-01-01"}, {I4, "30"}) == "2024-01-31"); // select ('2024-01-01'::date) + ('30'::int4)
    CHECK(binary_op("+", {I4, "30"}, {DATE, "2024-01-01"}) == "2024-01-31"); // select ('30'::int4) + ('2024-01-01'::date)
    CHECK(binary_op("-", {DATE, "2024-01-01"}, {I4, "1"}) == "2023-12-31"); // select ('2024-01-01'::date) - ('1'::int4)
    CHECK(binary_op("-", {DATE, "2024-03-01"}, {DATE, "2024-02-01"}) == "29"); // select ('2024-03-01'::date) - ('2024-02-01'::date)
    CHECK(binary_op("+", {DATE, "2024-01-31"}, {IV, "1 month"}) == "2024-02-29 00:00:00"); // select ('2024-01-31'::date) + ('1 month'::interval)
    CHECK(binary_op("-", {DATE, "2024-03-31"}, {IV, "1 month"}) == "2024-02-29 00:00:00"); // select ('2024-03-31'::date) - ('1 month'::interval)
    CHECK(binary_op("+", {DATE, "2024-01-01"}, {TIME, "10:30"}) == "2024-01-01 10:30:00"); // select ('2024-01-01'::date) + ('10:30'::time)
    CHECK(binary_op("+", {TS, "2024-01-31 10:00"}, {IV, "1 month 1 day 1 hour"}) == "2024-03-01 11:00:00"); // select ('2024-01-31 10:00'::timestamp) + ('1 month 1 day 1 hour'::interval)
    CHECK(binary_op("-", {TSTZ, "2024-03-01 00:00+00"}, {IV, "1 day"}) == "2024-02-29 00:00:00+00"); // select ('2024-03-01 00:00+00'::timestamptz) - ('1 day'::interval)
    CHECK(binary_op("+", {IV, "2 hours"}, {TS, "2024-01-01"}) == "2024-01-01 02:00:00"); // select ('2 hours'::interval) + ('2024-01-01'::timestamp)
    CHECK(binary_op("-", {TS, "2024-03-01 10:00"}, {TS, "2024-02-28 12:30"}) == "1 day 21:30:00"); // select ('2024-03-01 10:00'::timestamp) - ('2024-02-28 12:30'::timestamp)
    CHECK(binary_op("-", {TS, "2024-01-01"}, {TS, "2024-01-02 01:00"}) == "-1 days -01:00:00"); // select ('2024-01-01'::timestamp) - ('2024-01-02 01:00'::timestamp)
    CHECK(binary_op("-", {TSTZ, "2024-01-02 00:00+00"}, {TSTZ, "2024-01-01 12:00+00"}) == "12:00:00"); // select ('2024-01-02 00:00+00'::timestamptz) - ('2024-01-01 12:00+00'::timestamptz)
    CHECK(binary_op("+", {TIME, "23:00"}, {IV, "2 hours"}) == "01:00:00"); // select ('23:00'::time) + ('2 hours'::interval)
    CHECK(binary_op("-", {TIME, "10:00"}, {TIME, "12:30"}) == "-02:30:00"); // select ('10:00'::time) - ('12:30'::time)
    CHECK(binary_op("-", {TIME, "01:00"}, {IV, "2 hours"}) == "23:00:00"); // select ('01:00'::time) - ('2 hours'::interval)
    CHECK(binary_op("+", {IV, "1 day 2 hours"}, {IV, "1 month -3 hours"}) == "1 mon 1 day -01:00:00"); // select ('1 day 2 hours'::interval) + ('1 month -3 hours'::interval)
    CHECK(binary_op("-", {IV, "1 day"}, {IV, "1 hour"}) == "1 day -01:00:00"); // select ('1 day'::interval) - ('1 hour'::interval)
    CHECK(unary_op("-", {IV, "1 day 2 hours"}) == "-1 days -02:00:00"); // select - ('1 day 2 hours'::interval)
    CHECK(binary_op("*", {IV, "1 month 3 days 04:00"}, {F8, "1.5"}) == "1 mon 19 days 18:00:00"); // select ('1 month 3 days 04:00'::interval) * ('1.5'::float8)
    CHECK(binary_op("*", {IV, "1 month"}, {F8, "0.3"}) == "9 days"); // select ('1 month'::interval) * ('0.3'::float8)
    CHECK(binary_op("*", {F8, "2"}, {IV, "1 hour"}) == "02:00:00"); // select ('2'::float8) * ('1 hour'::interval)
    CHECK(binary_op("/", {IV, "1 day"}, {F8, "7"}) == "03:25:42.857143"); // select ('1 day'::interval) / ('7'::float8)
    CHECK(binary_op("/", {IV, "3 months"}, {F8, "7"}) == "12 days 20:34:17.1552"); // select ('3 months'::interval) / ('7'::float8)
    CHECK(binary_op("/", {IV, "1 day"}, {F8, "0"}) == "ERROR 22012: division by zero"); // select ('1 day'::interval) / ('0'::float8)
    CHECK(binary_op("+", {DATE, "2024-01-01"}, {U, "1 day"}) == "ERROR 42725: operator is not unique: date + unknown"); // select ('2024-01-01'::date) + ('1 day')
    CHECK(binary_op("-", {DATE, "2024-01-01"}, {U, "2023-12-01"}) == "31"); // select ('2024-01-01'::date) - ('2023-12-01')
    CHECK(binary_op("+", {DATE, "2024-01-01"}, {DATE, "2024-01-01"}) == "ERROR 42883: operator does not exist: date + date"); // select ('2024-01-01'::date) + ('2024-01-01'::date)
    CHECK(binary_op("+", {TS, "2024-01-01"}, {I4, "1"}) == "ERROR 42883: operator does not exist: timestamp without time zone + integer"); // select ('2024-01-01'::timestamp) + ('1'::int4)
}

TEST_CASE("operator result types") {
    CHECK(operator_type("+", I2, I2) == "smallint"); // select pg_typeof((NULL::int2) + (NULL::int2))::text
    CHECK(operator_type("+", I2, I4) == "integer"); // select pg_typeof((NULL::int2) + (NULL::int4))::text
    CHECK(operator_type("*", I4, I8) == "bigint"); // select pg_typeof((NULL::int4) * (NULL::int8))::text
    CHECK(operator_type("+", F4, I4) == "double precision"); // select pg_typeof((NULL::float4) + (NULL::int4))::text
    CHECK(operator_type("+", NUM, F4) == "double precision"); // select pg_typeof((NULL::numeric) + (NULL::float4))::text
    CHECK(operator_type("+", I8, NUM) == "numeric"); // select pg_typeof((NULL::int8) + (NULL::numeric))::text
    CHECK(operator_type("^", I4, I4) == "double precision"); // select pg_typeof((NULL::int4) ^ (NULL::int4))::text
    CHECK(operator_type("^", NUM, I4) == "numeric"); // select pg_typeof((NULL::numeric) ^ (NULL::int4))::text
    CHECK(operator_type("%", I2, I4) == "integer"); // select pg_typeof((NULL::int2) % (NULL::int4))::text
    CHECK(operator_type("/", F4, F4) == "real"); // select pg_typeof((NULL::float4) / (NULL::float4))::text
    CHECK(operator_type("-", DATE, DATE) == "integer"); // select pg_typeof((NULL::date) - (NULL::date))::text
    CHECK(operator_type("+", DATE, IV) == "timestamp without time zone"); // select pg_typeof((NULL::date) + (NULL::interval))::text
    CHECK(operator_type("-", TSTZ, TSTZ) == "interval"); // select pg_typeof((NULL::timestamptz) - (NULL::timestamptz))::text
    CHECK(operator_type("||", U, U) == "text"); // select pg_typeof((NULL) || (NULL))::text
    CHECK(operator_type("+", U, I8) == "bigint"); // select pg_typeof((NULL) + (NULL::int8))::text
}

TEST_CASE("casts") {
    CHECK(cast({NUM, "2.5"}, I4) == "3"); // select ('2.5'::numeric)::int4
    CHECK(cast({NUM, "-2.5"}, I4) == "-3"); // select ('-2.5'::numeric)::int4
    CHECK(cast({NUM, "3.5"}, I2) == "4"); // select ('3.5'::numeric)::int2
    CHECK(cast({F8, "2.5"}, I4) == "2"); // select ('2.5'::float8)::int4
    CHECK(cast({F8, "3.5"}, I4) == "4"); // select ('3.5'::float8)::int4
    CHECK(cast({F8, "-2.5"}, I8) == "-2"); // select ('-2.5'::float8)::int8
    CHECK(cast({F4, "1.5"}, I2) == "2"); // select ('1.5'::float4)::int2
    CHECK(cast({F8, "3e9"}, I4) == "ERROR 22003: integer out of range"); // select ('3e9'::float8)::int4
    CHECK(cast({F8, "NaN"}, I4) == "ERROR 22003: integer out of range"); // select ('NaN'::float8)::int4
    CHECK(cast({NUM, "NaN"}, I4) == "ERROR 0A000: cannot convert NaN to integer"); // select ('NaN'::numeric)::int4
    CHECK(cast({NUM, "99999"}, I2) == "ERROR 22003: smallint out of range"); // select ('99999'::numeric)::int2
    CHECK(cast({I8, "2147483648"}, I4) == "ERROR 22003: integer out of range"); // select ('2147483648'::int8)::int4
    CHECK(cast({I4, "70000"}, I2) == "ERROR 22003: smallint out of range"); // select ('70000'::int4)::int2
    CHECK(cast({I4, "7"}, NUM) == "7"); // select ('7'::int4)::numeric
    CHECK(cast({I4, "7"}, F4) == "7"); // select ('7'::int4)::float4
    CHECK(cast({F8, "0.1"}, NUM) == "0.1"); // select ('0.1'::float8)::numeric
    CHECK(cast({F8, "1e300"}, F4) == "ERROR 22003: value out of range: overflow"); // select ('1e300'::float8)::float4
    CHECK(cast({F8, "1e-300"}, F4) == "ERROR 22003: value out of range: underflow"); // select ('1e-300'::float8)::float4
    CHECK(cast({F4, "0.1"}, NUM) == "0.1"); // select ('0.1'::float4)::numeric
    CHECK(cast({F4, "0.1"}, F8) == "0.10000000149011612"); // select ('0.1'::float4)::float8
    CHECK(cast({NUM, "1.23456789012345678"}, F8) == "1.2345678901234567"); // select ('1.23456789012345678'::numeric)::float8
    CHECK(cast({NUM, "1.5"}, F4) == "1.5"); // select ('1.5'::numeric)::float4
    CHECK(cast({TXT, "42"}, I4) == "42"); // select ('42'::text)::int4
    CHECK(cast({TXT, "4x"}, I4) == "ERROR 22P02: invalid input syntax for type integer: \"4x\""); // select ('4x'::text)::int4
    CHECK(cast({U, "12.50"}, NUM) == "12.50"); // select ('12.50')::numeric
    CHECK(cast({I4, "42"}, TXT) == "42"); // select ('42'::int4)::text
    CHECK(cast({F8, "1.5"}, TXT) == "1.5"); // select ('1.5'::float8)::text
    CHECK(cast({BOOL, "true"}, TXT) == "true"); // select ('true'::bool)::text
    CHECK(cast({BOOL, "true"}, I4) == "1"); // select ('true'::bool)::int4
    CHECK(cast({I4, "0"}, BOOL) == "f"); // select ('0'::int4)::bool
    CHECK(cast({I4, "-5"}, BOOL) == "t"); // select ('-5'::int4)::bool
    CHECK(cast({I8, "1"}, BOOL) == "ERROR 42846: cannot cast type bigint to boolean"); // select ('1'::int8)::bool
    CHECK(cast({DATE, "2024-03-15"}, TS) == "2024-03-15 00:00:00"); // select ('2024-03-15'::date)::timestamp
    CHECK(cast({DATE, "2024-03-15"}, TSTZ) == "2024-03-15 00:00:00+00"); // select ('2024-03-15'::date)::timestamptz
    CHECK(cast({TS, "2024-03-15 10:30:00"}, DATE) == "2024-03-15"); // select ('2024-03-15 10:30:00'::timestamp)::date
    CHECK(cast({TS, "1999-12-31 23:59:59"}, DATE) == "1999-12-31"); // select ('1999-12-31 23:59:59'::timestamp)::date
    CHECK(cast({TSTZ, "2024-03-15 23:30:00+00"}, TS) == "2024-03-15 23:30:00"); // select ('2024-03-15 23:30:00+00'::timestamptz)::timestamp
    CHECK(cast({TS, "2024-03-15 10:30:00.5"}, TIME) == "10:30:00.5"); // select ('2024-03-15 10:30:00.5'::timestamp)::time
    CHECK(cast({TIME, "10:30"}, IV) == "10:30:00"); // select ('10:30'::time)::interval
    CHECK(cast({JSON, "{\"a\": 2, \"b\": 1}"}, JSONB) == "{\"a\": 2, \"b\": 1}"); // select ('{"a": 2, "b": 1}'::json)::jsonb
    CHECK(cast({JSONB, "{\"a\": 2}"}, JSON) == "{\"a\": 2}"); // select ('{"a": 2}'::jsonb)::json
    CHECK(cast({JSONB, "{\"a\": 2}"}, TXT) == "{\"a\": 2}"); // select ('{"a": 2}'::jsonb)::text
    CHECK(cast({TXT, "{\"a\":2}"}, JSON) == "{\"a\":2}"); // select ('{"a":2}'::text)::json
    CHECK(cast({DATE, "2024-03-15"}, I4) == "ERROR 42846: cannot cast type date to integer"); // select ('2024-03-15'::date)::int4
    CHECK(cast({I4, "1"}, DATE) == "ERROR 42846: cannot cast type integer to date"); // select ('1'::int4)::date
    CHECK(cast({BOOL, "true"}, NUM) == "ERROR 42846: cannot cast type boolean to numeric"); // select ('true'::bool)::numeric
    CHECK(cast({UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, TXT) == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"); // select ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid)::text
    CHECK(cast({TXT, "1 day"}, IV) == "1 day"); // select ('1 day'::text)::interval
    CHECK(cast({I4, nullptr}, TXT) == "NULL"); // select (NULL::int4)::text
}

TEST_CASE("common types") {
    CHECK(common(I4, I8) == "bigint"); // select pg_typeof(case when true then NULL::int8 else NULL::int4 end)::text
    CHECK(common(I8, I4) == "bigint"); // select pg_typeof(case when true then NULL::int4 else NULL::int8 end)::text
    CHECK(common(I4, NUM) == "numeric"); // select pg_typeof(case when true then NULL::numeric else NULL::int4 end)::text
    CHECK(common(NUM, F4) == "real"); // select pg_typeof(case when true then NULL::float4 else NULL::numeric end)::text
    CHECK(common(F8, I2) == "double precision"); // select pg_typeof(case when true then NULL::int2 else NULL::float8 end)::text
    CHECK(common(I4, U) == "integer"); // select pg_typeof(case when true then NULL else NULL::int4 end)::text
    CHECK(common(U, DATE) == "date"); // select pg_typeof(case when true then NULL::date else NULL end)::text
    CHECK(common(DATE, TS) == "timestamp without time zone"); // select pg_typeof(case when true then NULL::timestamp else NULL::date end)::text
    CHECK(common(TS, TSTZ) == "timestamp with time zone"); // select pg_typeof(case when true then NULL::timestamptz else NULL::timestamp end)::text
    CHECK(common(DATE, TSTZ) == "timestamp with time zone"); // select pg_typeof(case when true then NULL::timestamptz else NULL::date end)::text
    CHECK(common(TXT, U) == "text"); // select pg_typeof(case when true then NULL else NULL::text end)::text
    CHECK(common(I4, TXT) == "ERROR 42804: CASE types integer and text cannot be matched"); // select pg_typeof(case when true then NULL::text else NULL::int4 end)::text
    CHECK(common(TXT, I4) == "ERROR 42804: CASE types text and integer cannot be matched"); // select pg_typeof(case when true then NULL::int4 else NULL::text end)::text
    CHECK(common(BOOL, I4) == "ERROR 42804: CASE types boolean and integer cannot be matched"); // select pg_typeof(case when true then NULL::int4 else NULL::bool end)::text
    CHECK(common(DATE, TIME) == "ERROR 42846: CASE/WHEN could not convert type time without time zone to date"); // select pg_typeof(case when true then NULL::time else NULL::date end)::text
    CHECK(common(UUID, JSON) == "ERROR 42846: CASE/WHEN could not convert type json to uuid"); // select pg_typeof(case when true then NULL::json else NULL::uuid end)::text
    CHECK(common(IV, TIME) == "ERROR 42804: CASE types interval and time without time zone cannot be matched"); // select pg_typeof(case when true then NULL::time else NULL::interval end)::text
    CHECK(binary_op("~~", {TXT, "abcd"}, {TXT, "abc\\"}) == "ERROR 22025: LIKE pattern must not end with escape character"); // select ('abcd'::text) ~~ ('abc\'::text)
    CHECK(binary_op("~~", {TXT, "ab"}, {TXT, "%\\"}) == "ERROR 22025: LIKE pattern must not end with escape character"); // select ('ab'::text) ~~ ('%\'::text)
    CHECK(cast({BOOL, "false"}, TXT) == "false"); // select ('false'::bool)::text
    CHECK(binary_op("<", {DATE, "infinity"}, {TS, "2024-01-01"}) == "f"); // select ('infinity'::date) < ('2024-01-01'::timestamp)
    CHECK(binary_op(">", {DATE, "infinity"}, {TS, "2024-01-01"}) == "t"); // select ('infinity'::date) > ('2024-01-01'::timestamp)
    CHECK(cast({DATE, "infinity"}, TS) == "infinity"); // select ('infinity'::date)::timestamp
    CHECK(cast({TS, "-infinity"}, DATE) == "-infinity"); // select ('-infinity'::timestamp)::date
    CHECK(binary_op("-", {TS, "infinity"}, {TS, "2024-01-01"}) == "ERROR 22008: cannot subtract infinite timestamps"); // select ('infinity'::timestamp) - ('2024-01-01'::timestamp)
}

TEST_CASE("string functions") {
    CHECK(call("lower", {{TXT, "HeLLo"}}) == "hello"); // select lower('HeLLo'::text)
    CHECK(call("upper", {{U, "abc"}}) == "ABC"); // select upper('abc')
    CHECK(call("length", {{TXT, "héllo"}}) == "5"); // select length('héllo'::text)
    CHECK(call("char_length", {{TXT, "héllo"}}) == "5"); // select char_length('héllo'::text)
    CHECK(call("octet_length", {{TXT, "héllo"}}) == "6"); // select octet_length('héllo'::text)
    CHECK(call("substr", {{TXT, "hello"}, {I4, "2"}}) == "ello"); // select substr('hello'::text, '2'::int4)
    CHECK(call("substr", {{TXT, "hello"}, {I4, "2"}, {I4, "3"}}) == "ell"); // select substr('hello'::text, '2'::int4, '3'::int4)
    CHECK(call("substr", {{TXT, "hello"}, {I4, "0"}, {I4, "3"}}) == "he"); // select substr('hello'::text, '0'::int4, '3'::int4)
    CHECK(call("substr", {{TXT, "hello"}, {I4, "-1"}, {I4, "3"}}) == "h"); // select substr('hello'::text, '-1'::int4, '3'::int4)
    CHECK(call("substr", {{TXT, "hello"}, {I4, "2"}, {I4, "-1"}}) == "ERROR 22011: negative substring length not allowed"); // select substr('hello'::text, '2'::int4, '-1'::int4)
    CHECK(call("substring", {{TXT, "héllo"}, {I4, "2"}, {I4, "2"}}) == "él"); // select substring('héllo'::text, '2'::int4, '2'::int4)
    CHECK(call("strpos", {{TXT, "hello"}, {TXT, "ll"}}) == "3"); // select strpos('hello'::text, 'll'::text)
    CHECK(call("strpos", {{TXT, "héllo"}, {TXT, "l"}}) == "3"); // select strpos('héllo'::text, 'l'::text)
    CHECK(call("strpos", {{TXT, "hello"}, {TXT, "z"}}) == "0"); // select strpos('hello'::text, 'z'::text)
    CHECK(call("position", {{TXT, "hello"}, {TXT, "lo"}}) == "4"); // select position('lo'::text in 'hello'::text)
    CHECK(call("replace", {{TXT, "abcabc"}, {TXT, "b"}, {TXT, "XY"}}) == "aXYcaXYc"); // select replace('abcabc'::text, 'b'::text, 'XY'::text)
    CHECK(call("replace", {{TXT, "abc"}, {TXT, ""}, {TXT, "X"}}) == "abc"); // select replace('abc'::text, ''::text, 'X'::text)
    CHECK(call("btrim", {{TXT, "  hi  "}}) == "hi"); // select btrim('  hi  '::text)
    CHECK(call("btrim", {{TXT, "xxhixx"}, {TXT, "x"}}) == "hi"); // select btrim('xxhixx'::text, 'x'::text)
    CHECK(call("ltrim", {{TXT, "  hi  "}}) == "hi  "); // select ltrim('  hi  '::text)
    CHECK(call("rtrim", {{TXT, "  hi  "}}) == "  hi"); // select rtrim('  hi  '::text)
    CHECK(call("ltrim", {{TXT, "zzyhi"}, {TXT, "yz"}}) == "hi"); // select ltrim('zzyhi'::text, 'yz'::text)
    CHECK(call("lpad", {{TXT, "hi"}, {I4, "5"}}) == "   hi"); // select lpad('hi'::text, '5'::int4)
    CHECK(call("lpad", {{TXT, "hi"}, {I4, "5"}, {TXT, "xy"}}) == "xyxhi"); // select lpad('hi'::text, '5'::int4, 'xy'::text)
    CHECK(call("lpad", {{TXT, "hello"}, {I4, "3"}}) == "hel"); // select lpad('hello'::text, '3'::int4)
    CHECK(call("rpad", {{TXT, "hi"}, {I4, "5"}, {TXT, "xy"}}) == "hixyx"); // select rpad('hi'::text, '5'::int4, 'xy'::text)
    CHECK(call("rpad", {{TXT, "hi"}, {I4, "-1"}}) == ""); // select rpad('hi'::text, '-1'::int4)
    CHECK(call("left", {{TXT, "hello"}, {I4, "2"}}) == "he"); // select left('hello'::text, '2'::int4)
    CHECK(call("left", {{TXT, "hello"}, {I4, "-2"}}) == "hel"); // select left('hello'::text, '-2'::int4)
    CHECK(call("right", {{TXT, "hello"}, {I4, "2"}}) == "lo"); // select right('hello'::text, '2'::int4)
    CHECK(call("right", {{TXT, "hello"}, {I4, "-2"}}) == "llo"); // select right('hello'::text, '-2'::int4)
    CHECK(call("concat", {{TXT, "a"}, {I4, "1"}, {TXT, nullptr}, {BOOL, "true"}}) == "a1t"); // select concat('a'::text, '1'::int4, NULL::text, 'true'::bool)
    CHECK(call("concat", {{U, "x"}, {NUM, "1.50"}, {DATE, "2024-01-02"}}) == "x1.502024-01-02"); // select concat('x', '1.50'::numeric, '2024-01-02'::date)
    CHECK(call("concat_ws", {{TXT, ","}, {TXT, "a"}, {TXT, nullptr}, {I4, "2"}}) == "a,2"); // select concat_ws(','::text, 'a'::text, NULL::text, '2'::int4)
    CHECK(call("concat_ws", {{TXT, nullptr}, {TXT, "a"}}) == "NULL"); // select concat_ws(NULL::text, 'a'::text)
    CHECK(call("repeat", {{TXT, "ab"}, {I4, "3"}}) == "ababab"); // select repeat('ab'::text, '3'::int4)
    CHECK(call("repeat", {{TXT, "ab"}, {I4, "-1"}}) == ""); // select repeat('ab'::text, '-1'::int4)
    CHECK(call("reverse", {{TXT, "héllo"}}) == "olléh"); // select reverse('héllo'::text)
    CHECK(call("split_part", {{TXT, "a,b,c"}, {TXT, ","}, {I4, "2"}}) == "b"); // select split_part('a,b,c'::text, ','::text, '2'::int4)
    CHECK(call("split_part", {{TXT, "a,b,c"}, {TXT, ","}, {I4, "4"}}) == ""); // select split_part('a,b,c'::text, ','::text, '4'::int4)
    CHECK(call("split_part", {{TXT, "a,b,c"}, {TXT, ","}, {I4, "-1"}}) == "c"); // select split_part('a,b,c'::text, ','::text, '-1'::int4)
    CHECK(call("split_part", {{TXT, "a,b,c"}, {TXT, ","}, {I4, "0"}}) == "ERROR 22023: field position must not be zero"); // select split_part('a,b,c'::text, ','::text, '0'::int4)
    CHECK(call("split_part", {{TXT, "abc"}, {TXT, ""}, {I4, "1"}}) == "abc"); // select split_part('abc'::text, ''::text, '1'::int4)
    CHECK(call("initcap", {{TXT, "hello wORLD foo-bar 2nd"}}) == "Hello World Foo-Bar 2nd"); // select initcap('hello wORLD foo-bar 2nd'::text)
    CHECK(call("md5", {{TXT, "hello"}}) == "5d41402abc4b2a76b9719d911017c592"); // select md5('hello'::text)
    CHECK(call("starts_with", {{TXT, "hello"}, {TXT, "he"}}) == "t"); // select starts_with('hello'::text, 'he'::text)
    CHECK(call("starts_with", {{TXT, "hello"}, {TXT, "lo"}}) == "f"); // select starts_with('hello'::text, 'lo'::text)
    CHECK(call("lower", {{I4, "1"}}) == "ERROR 42883: function lower(integer) does not exist"); // select lower('1'::int4)
    CHECK(call("nosuchfn", {{I4, "1"}}) == "ERROR 42883: function nosuchfn(integer) does not exist"); // select nosuchfn('1'::int4)
    CHECK(call("length", {{U, "abc"}}) == "3"); // select length('abc')
}

TEST_CASE("math functions") {
    CHECK(call("abs", {{I4, "-3"}}) == "3"); // select abs('-3'::int4)
    CHECK(call("abs", {{I4, "-2147483648"}}) == "ERROR 22003: integer out of range"); // select abs('-2147483648'::int4)
    CHECK(call("abs", {{NUM, "-1.50"}}) == "1.50"); // select abs('-1.50'::numeric)
    CHECK(call("abs", {{F8, "-2.5"}}) == "2.5"); // select abs('-2.5'::float8)
    CHECK(call("round", {{I4, "1"}}) == "1"); // select round('1'::int4)
    CHECK(call("round", {{NUM, "2.5"}}) == "3"); // select round('2.5'::numeric)
    CHECK(call("round", {{NUM, "-2.5"}}) == "-3"); // select round('-2.5'::numeric)
    CHECK(call("round", {{F8, "2.5"}}) == "2"); // select round('2.5'::float8)
    CHECK(call("round", {{F8, "-3.5"}}) == "-4"); // select round('-3.5'::float8)
    CHECK(call("round", {{NUM, "2.567"}, {I4, "2"}}) == "2.57"); // select round('2.567'::numeric, '2'::int4)
    CHECK(call("round", {{NUM, "1234.5"}, {I4, "-2"}}) == "1200"); // select round('1234.5'::numeric, '-2'::int4)
    CHECK(call("round", {{U, "2.5"}}) == "2"); // select round('2.5')
    CHECK(call("trunc", {{NUM, "2.567"}, {I4, "2"}}) == "2.56"); // select trunc('2.567'::numeric, '2'::int4)
    CHECK(call("trunc", {{NUM, "-2.5"}}) == "-2"); // select trunc('-2.5'::numeric)
    CHECK(call("trunc", {{F8, "-2.7"}}) == "-2"); // select trunc('-2.7'::float8)
    CHECK(call("ceil", {{NUM, "-1.5"}}) == "-1"); // select ceil('-1.5'::numeric)
    CHECK(call("ceiling", {{F8, "1.2"}}) == "2"); // select ceiling('1.2'::float8)
    CHECK(call("floor", {{NUM, "-1.5"}}) == "-2"); // select floor('-1.5'::numeric)
    CHECK(call("floor", {{I4, "3"}}) == "3"); // select floor('3'::int4)
    CHECK(call("sign", {{NUM, "-3.2"}}) == "-1"); // select sign('-3.2'::numeric)
    CHECK(call("sign", {{F8, "0"}}) == "0"); // select sign('0'::float8)
    CHECK(call("sqrt", {{NUM, "2"}}) == "1.414213562373095"); // select sqrt('2'::numeric)
    CHECK(call("sqrt", {{NUM, "100"}}) == "10.000000000000000"); // select sqrt('100'::numeric)
    CHECK(call("sqrt", {{NUM, "12345678.9"}}) == "3513.6418286444622"); // select sqrt('12345678.9'::numeric)
    CHECK(call("sqrt", {{NUM, "0.0002"}}) == "0.01414213562373095"); // select sqrt('0.0002'::numeric)
    CHECK(call("sqrt", {{F8, "2"}}) == "1.4142135623730951"); // select sqrt('2'::float8)
    CHECK(call("sqrt", {{I4, "16"}}) == "4"); // select sqrt('16'::int4)
    CHECK(call("sqrt", {{NUM, "-1"}}) == "ERROR 2201F: cannot take square root of a negative number"); // select sqrt('-1'::numeric)
    CHECK(call("sqrt", {{F8, "-1"}}) == "ERROR 2201F: cannot take square root of a negative number"); // select sqrt('-1'::float8)
    CHECK(call("exp", {{NUM, "1"}}) == "2.7182818284590452"); // select exp('1'::numeric)
    CHECK(call("exp", {{NUM, "10"}}) == "22026.465794806717"); // select exp('10'::numeric)
    CHECK(call("exp", {{NUM, "-5"}}) == "0.006737946999085467"); // select exp('-5'::numeric)
    CHECK(call("exp", {{NUM, "50"}}) == "5184705528587072464087"); // select exp('50'::numeric)
    CHECK(call("exp", {{F8, "1"}}) == "2.718281828459045"); // select exp('1'::float8)
    CHECK(call("exp", {{F8, "1000"}}) == "ERROR 22003: value out of range: overflow"); // select exp('1000'::float8)
    CHECK(call("ln", {{NUM, "2"}}) == "0.6931471805599453"); // select ln('2'::numeric)
    CHECK(call("ln", {{NUM, "1.05"}}) == "0.048790164169432003"); // select ln('1.05'::numeric)
    CHECK(call("ln", {{NUM, "100000"}}) == "11.512925464970228"); // select ln('100000'::numeric)
    CHECK(call("ln", {{NUM, "1e-10"}}) == "-23.025850929940457"); // select ln('1e-10'::numeric)
    CHECK(call("ln", {{NUM, "0"}}) == "ERROR 2201E: cannot take logarithm of zero"); // select ln('0'::numeric)
    CHECK(call("ln", {{NUM, "-1"}}) == "ERROR 2201E: cannot take logarithm of a negative number"); // select ln('-1'::numeric)
    CHECK(call("ln", {{F8, "0"}}) == "ERROR 2201E: cannot take logarithm of zero"); // select ln('0'::float8)
    CHECK(call("ln", {{F8, "10"}}) == "2.302585092994046"); // select ln('10'::float8)
    CHECK(call("log", {{NUM, "100"}}) == "2.0000000000000000"); // select log('100'::numeric)
    CHECK(call("log", {{NUM, "2"}}) == "0.3010299956639812"); // select log('2'::numeric)
    CHECK(call("log", {{NUM, "0.001"}}) == "-3.0000000000000000"); // select log('0.001'::numeric)
    CHECK(call("log", {{F8, "1000"}}) == "3"); // select log('1000'::float8)
    CHECK(call("log", {{I4, "1000"}}) == "3"); // select log('1000'::int4)
    CHECK(call("power", {{NUM, "2"}, {NUM, "0.5"}}) == "1.4142135623730950"); // select power('2'::numeric, '0.5'::numeric)
    CHECK(call("power", {{F8, "2"}, {F8, "10"}}) == "1024"); // select power('2'::float8, '10'::float8)
    CHECK(call("power", {{I4, "2"}, {I4, "3"}}) == "8"); // select power('2'::int4, '3'::int4)
    CHECK(call("pow", {{NUM, "1.5"}, {NUM, "3"}}) == "3.3750000000000000"); // select pow('1.5'::numeric, '3'::numeric)
    CHECK(call("power", {{NUM, "0.5"}, {NUM, "2.5"}}) == "0.1767766952966369"); // select power('0.5'::numeric, '2.5'::numeric)
    CHECK(call("power", {{NUM, "3"}, {NUM, "0.5"}}) == "1.7320508075688773"); // select power('3'::numeric, '0.5'::numeric)
    CHECK(call("mod", {{I4, "7"}, {I4, "3"}}) == "1"); // select mod('7'::int4, '3'::int4)
    CHECK(call("mod", {{I4, "-7"}, {I4, "3"}}) == "-1"); // select mod('-7'::int4, '3'::int4)
    CHECK(call("mod", {{NUM, "-7.5"}, {NUM, "2"}}) == "-1.5"); // select mod('-7.5'::numeric, '2'::numeric)
    CHECK(call("mod", {{I2, "7"}, {I2, "0"}}) == "ERROR 22012: division by zero"); // select mod('7'::int2, '0'::int2)
    CHECK(call("mod", {{I4, "7"}, {NUM, "2.5"}}) == "2.0"); // select mod('7'::int4, '2.5'::numeric)
    CHECK(call("greatest", {{I4, "1"}, {I4, "3"}, {I4, "2"}}) == "3"); // select greatest('1'::int4, '3'::int4, '2'::int4)
    CHECK(call("greatest", {{I4, "1"}, {NUM, "2.5"}, {I4, nullptr}}) == "2.5"); // select greatest('1'::int4, '2.5'::numeric, NULL::int4)
    CHECK(call("least", {{TXT, "b"}, {U, "a"}, {TXT, "c"}}) == "a"); // select least('b'::text, 'a', 'c'::text)
    CHECK(call("least", {{I4, nullptr}, {I4, nullptr}}) == "NULL"); // select least(NULL::int4, NULL::int4)
    CHECK(call("greatest", {{I4, "1"}, {TXT, "a"}}) == "ERROR 42804: GREATEST types integer and text cannot be matched"); // select greatest('1'::int4, 'a'::text)
    CHECK(call("greatest", {{DATE, "2024-01-01"}, {TS, "2023-12-31 10:00"}}) == "2024-01-01 00:00:00"); // select greatest('2024-01-01'::date, '2023-12-31 10:00'::timestamp)
}

TEST_CASE("function result types") {
    CHECK(function_type("round", {I4}) == "double precision"); // select pg_typeof(round(NULL::int4))::text
    CHECK(function_type("round", {NUM, I4}) == "numeric"); // select pg_typeof(round(NULL::numeric, NULL::int4))::text
    CHECK(function_type("abs", {I2}) == "smallint"); // select pg_typeof(abs(NULL::int2))::text
    CHECK(function_type("sqrt", {I4}) == "double precision"); // select pg_typeof(sqrt(NULL::int4))::text
    CHECK(function_type("mod", {I2, I2}) == "smallint"); // select pg_typeof(mod(NULL::int2, NULL::int2))::text
    CHECK(function_type("mod", {I2, I4}) == "integer"); // select pg_typeof(mod(NULL::int2, NULL::int4))::text
    CHECK(function_type("floor", {NUM}) == "numeric"); // select pg_typeof(floor(NULL::numeric))::text
    CHECK(function_type("power", {I4, NUM}) == "numeric"); // select pg_typeof(power(NULL::int4, NULL::numeric))::text
    CHECK(function_type("date_trunc", {U, DATE}) == "timestamp with time zone"); // select pg_typeof(date_trunc(NULL, NULL::date))::text
    CHECK(function_type("date_part", {U, DATE}) == "double precision"); // select pg_typeof(date_part(NULL, NULL::date))::text
    CHECK(function_type("extract", {U, TS}) == "numeric"); // select pg_typeof(extract(year from NULL::timestamp))::text
    CHECK(function_type("length", {U}) == "integer"); // select pg_typeof(length(NULL))::text
    CHECK(function_type("greatest", {I4, I8}) == "bigint"); // select pg_typeof(greatest(NULL::int4, NULL::int8))::text
    CHECK(function_type("age", {TSTZ, TSTZ}) == "interval"); // select pg_typeof(age(NULL::timestamptz, NULL::timestamptz))::text
    CHECK(function_type("now", {}) == "timestamp with time zone"); // select pg_typeof(now())::text
}

TEST_CASE("date/time functions") {
    CHECK(call("date_trunc", {{TXT, "month"}, {TS, "2024-03-15 10:30:00"}}) == "2024-03-01 00:00:00"); // select date_trunc('month'::text, '2024-03-15 10:30:00'::timestamp)
    CHECK(call("date_trunc", {{TXT, "HOUR"}, {TSTZ, "2024-03-15 10:30:00+00"}}) == "2024-03-15 10:00:00+00"); // select date_trunc('HOUR'::text, '2024-03-15 10:30:00+00'::timestamptz)
    CHECK(call("date_trunc", {{U, "year"}, {DATE, "2024-03-15"}}) == "2024-01-01 00:00:00+00"); // select date_trunc('year', '2024-03-15'::date)
    CHECK(call("date_trunc", {{TXT, "week"}, {TS, "2024-03-15 10:30:00"}}) == "2024-03-11 00:00:00"); // select date_trunc('week'::text, '2024-03-15 10:30:00'::timestamp)
    CHECK(call("date_trunc", {{TXT, "fortnight"}, {TS, "2024-03-15 10:30:00"}}) == "ERROR 22023: unit \"fortnight\" not recognized for type timestamp without time zone"); // select date_trunc('fortnight'::text, '2024-03-15 10:30:00'::timestamp)
    CHECK(call("date_part", {{TXT, "year"}, {TS, "2024-03-15 10:30:00"}}) == "2024"); // select date_part('year'::text, '2024-03-15 10:30:00'::timestamp)
    CHECK(call("date_part", {{TXT, "second"}, {TS, "2024-03-15 10:30:12.5"}}) == "12.5"); // select date_part('second'::text, '2024-03-15 10:30:12.5'::timestamp)
    CHECK(call("date_part", {{TXT, "epoch"}, {TSTZ, "2024-03-15 10:30:00+00"}}) == "1710498600"); // select date_part('epoch'::text, '2024-03-15 10:30:00+00'::timestamptz)
    CHECK(call("date_part", {{TXT, "dow"}, {DATE, "2024-03-15"}}) == "5"); // select date_part('dow'::text, '2024-03-15'::date)
    CHECK(call("extract", {{TXT, "year"}, {TS, "2024-03-15 10:30:00"}}) == "2024"); // select extract(year from '2024-03-15 10:30:00'::timestamp)
    CHECK(call("extract", {{TXT, "second"}, {TS, "2024-03-15 10:30:12.5"}}) == "12.500000"); // select extract(second from '2024-03-15 10:30:12.5'::timestamp)
    CHECK(call("extract", {{TXT, "epoch"}, {TS, "2024-03-15 10:30:00"}}) == "1710498600.000000"); // select extract(epoch from '2024-03-15 10:30:00'::timestamp)
    CHECK(call("extract", {{TXT, "epoch"}, {DATE, "2024-03-15"}}) == "1710460800"); // select extract(epoch from '2024-03-15'::date)
    CHECK(call("extract", {{TXT, "month"}, {DATE, "2024-03-15"}}) == "3"); // select extract(month from '2024-03-15'::date)
    CHECK(call("extract", {{TXT, "hour"}, {DATE, "2024-03-15"}}) == "ERROR 0A000: unit \"hour\" not supported for type date"); // select extract(hour from '2024-03-15'::date)
    CHECK(call("extract", {{TXT, "quarter"}, {TSTZ, "2024-08-15 10:30:00+00"}}) == "3"); // select extract(quarter from '2024-08-15 10:30:00+00'::timestamptz)
    CHECK(call("age", {{TS, "2024-03-15 10:00"}, {TS, "2023-01-20 12:30"}}) == "1 year 1 mon 25 days 21:30:00"); // select age('2024-03-15 10:00'::timestamp, '2023-01-20 12:30'::timestamp)
    CHECK(call("age", {{TS, "2023-01-20 12:30"}, {TS, "2024-03-15 10:00"}}) == "-1 years -1 mons -25 days -21:30:00"); // select age('2023-01-20 12:30'::timestamp, '2024-03-15 10:00'::timestamp)
    CHECK(call("age", {{TS, "2024-03-01"}, {TS, "2024-01-31"}}) == "1 mon 1 day"); // select age('2024-03-01'::timestamp, '2024-01-31'::timestamp)
    CHECK(call("age", {{TSTZ, "2024-02-29 00:00+00"}, {TSTZ, "2023-02-28 00:00+00"}}) == "1 year 1 day"); // select age('2024-02-29 00:00+00'::timestamptz, '2023-02-28 00:00+00'::timestamptz)
}

TEST_CASE("aggregates") {
    CHECK(aggregate("count", I4, {"1", nullptr, "3"}) == "2"); // select count(x) from (values ('1'::int4), (NULL::int4), ('3'::int4)) t(x)
    CHECK(aggregate("count", I4, {}) == "0"); // select count(x) from (select '0'::int4 where false) t(x)
    CHECK(aggregate("sum", I4, {"1", "2", nullptr}) == "3"); // select sum(x) from (values ('1'::int4), ('2'::int4), (NULL::int4)) t(x)
    CHECK(aggregate("sum", I4, {"2147483647", "1"}) == "2147483648"); // select sum(x) from (values ('2147483647'::int4), ('1'::int4)) t(x)
    CHECK(aggregate("sum", I8, {"9223372036854775807", "1"}) == "9223372036854775808"); // select sum(x) from (values ('9223372036854775807'::int8), ('1'::int8)) t(x)
    CHECK(aggregate("sum", I2, {}) == "NULL"); // select sum(x) from (select '0'::int2 where false) t(x)
    CHECK(aggregate("sum", NUM, {"1.5", "2.25"}) == "3.75"); // select sum(x) from (values ('1.5'::numeric), ('2.25'::numeric)) t(x)
    CHECK(aggregate("sum", F8, {"0.1", "0.2"}) == "0.30000000000000004"); // select sum(x) from (values ('0.1'::float8), ('0.2'::float8)) t(x)
    CHECK(aggregate("sum", F4, {"1.5", "2"}) == "3.5"); // select sum(x) from (values ('1.5'::float4), ('2'::float4)) t(x)
    CHECK(aggregate("sum", IV, {"1 day", "2 hours", "1 month"}) == "1 mon 1 day 02:00:00"); // select sum(x) from (values ('1 day'::interval), ('2 hours'::interval), ('1 month'::interval)) t(x)
    CHECK(aggregate("sum", TXT, {"a"}) == "ERROR 42883: function sum(text) does not exist"); // select sum(x) from (values ('a'::text)) t(x)
    CHECK(aggregate("avg", I4, {"1", "2"}) == "1.5000000000000000"); // select avg(x) from (values ('1'::int4), ('2'::int4)) t(x)
    CHECK(aggregate("avg", I8, {"1", "2", "4"}) == "2.3333333333333333"); // select avg(x) from (values ('1'::int8), ('2'::int8), ('4'::int8)) t(x)
    CHECK(aggregate("avg", I2, {"1", nullptr, "3"}) == "2.0000000000000000"); // select avg(x) from (values ('1'::int2), (NULL::int2), ('3'::int2)) t(x)
    CHECK(aggregate("avg", NUM, {"1.5", "2.25"}) == "1.8750000000000000"); // select avg(x) from (values ('1.5'::numeric), ('2.25'::numeric)) t(x)
    CHECK(aggregate("avg", F8, {"1", "2"}) == "1.5"); // select avg(x) from (values ('1'::float8), ('2'::float8)) t(x)
    CHECK(aggregate("avg", F4, {"1.5", "2"}) == "1.75"); // select avg(x) from (values ('1.5'::float4), ('2'::float4)) t(x)
    CHECK(aggregate("avg", I4, {}) == "NULL"); // select avg(x) from (select '0'::int4 where false) t(x)
    CHECK(aggregate("min", I4, {"3", nullptr, "1", "2"}) == "1"); // select min(x) from (values ('3'::int4), (NULL::int4), ('1'::int4), ('2'::int4)) t(x)
    CHECK(aggregate("max", TXT, {"apple", "Banana", "cherry"}) == "cherry"); // select max(x) from (values ('apple'::text), ('Banana'::text), ('cherry'::text)) t(x)
    CHECK(aggregate("max", DATE, {"2024-01-01", "2023-05-05"}) == "2024-01-01"); // select max(x) from (values ('2024-01-01'::date), ('2023-05-05'::date)) t(x)
    CHECK(aggregate("min", NUM, {"1.50", "1.5", "-0.1"}) == "-0.1"); // select min(x) from (values ('1.50'::numeric), ('1.5'::numeric), ('-0.1'::numeric)) t(x)
    CHECK(aggregate("max", IV, {"1 day", "25 hours"}) == "25:00:00"); // select max(x) from (values ('1 day'::interval), ('25 hours'::interval)) t(x)
    CHECK(aggregate("min", BOOL, {"true"}) == "ERROR 42883: function min(boolean) does not exist"); // select min(x) from (values ('true'::bool)) t(x)
    CHECK(aggregate("min", I4, {}) == "NULL"); // select min(x) from (select '0'::int4 where false) t(x)
    CHECK(aggregate("bool_and", BOOL, {"true", nullptr, "false"}) == "f"); // select bool_and(x) from (values ('true'::bool), (NULL::bool), ('false'::bool)) t(x)
    CHECK(aggregate("bool_or", BOOL, {"false", nullptr, "true"}) == "t"); // select bool_or(x) from (values ('false'::bool), (NULL::bool), ('true'::bool)) t(x)
    CHECK(aggregate("every", BOOL, {"true", "true"}) == "t"); // select every(x) from (values ('true'::bool), ('true'::bool)) t(x)
    CHECK(aggregate("bool_and", BOOL, {nullptr}) == "NULL"); // select bool_and(x) from (values (NULL::bool)) t(x)
    CHECK(aggregate("array_agg", I4, {"1", "2", nullptr}) == "{1,2,NULL}"); // select array_agg(x) from (values ('1'::int4), ('2'::int4), (NULL::int4)) t(x)
    CHECK(aggregate("array_agg", TXT, {"a b", "NULL", "", "x\"y", "back\\slash", "plain"}) == "{\"a b\",\"NULL\",\"\",\"x\\\"y\",\"back\\\\slash\",plain}"); // select array_agg(x) from (values ('a b'::text), ('NULL'::text), (''::text), ('x"y'::text), ('back\slash'::text), ('plain'::text)) t(x)
    CHECK(aggregate("array_agg", TS, {"2024-01-01 10:00"}) == "{\"2024-01-01 10:00:00\"}"); // select array_agg(x) from (values ('2024-01-01 10:00'::timestamp)) t(x)
    CHECK(aggregate("array_agg", I4, {}) == "NULL"); // select array_agg(x) from (select '0'::int4 where false) t(x)
    CHECK(aggregate("stddev", I4, {"1", "2", "4"}) == "1.5275252316519467"); // select stddev(x) from (values ('1'::int4), ('2'::int4), ('4'::int4)) t(x)
    CHECK(aggregate("stddev_samp", I4, {"1", "2", "4"}) == "1.5275252316519467"); // select stddev_samp(x) from (values ('1'::int4), ('2'::int4), ('4'::int4)) t(x)
    CHECK(aggregate("variance", I4, {"1", "2", "4"}) == "2.3333333333333333"); // select variance(x) from (values ('1'::int4), ('2'::int4), ('4'::int4)) t(x)
    CHECK(aggregate("var_samp", I8, {"1", "2", "4"}) == "2.3333333333333333"); // select var_samp(x) from (values ('1'::int8), ('2'::int8), ('4'::int8)) t(x)
    CHECK(aggregate("var_pop", I4, {"1", "2", "4"}) == "1.5555555555555556"); // select var_pop(x) from (values ('1'::int4), ('2'::int4), ('4'::int4)) t(x)
    CHECK(aggregate("stddev_pop", I4, {"1", "2", "4"}) == "1.2472191289246471"); // select stddev_pop(x) from (values ('1'::int4), ('2'::int4), ('4'::int4)) t(x)
    CHECK(aggregate("stddev", NUM, {"1.5", "2.25", "3"}) == "0.75000000000000000000"); // select stddev(x) from (values ('1.5'::numeric), ('2.25'::numeric), ('3'::numeric)) t(x)
    CHECK(aggregate("variance", F8, {"1", "2", "4"}) == "2.3333333333333335"); // select variance(x) from (values ('1'::float8), ('2'::float8), ('4'::float8)) t(x)
    CHECK(aggregate("stddev", F8, {"1", "2", "4"}) == "1.5275252316519468"); // select stddev(x) from (values ('1'::float8), ('2'::float8), ('4'::float8)) t(x)
    CHECK(aggregate("stddev_pop", F4, {"1", "2", "4"}) == "1.247219128924647"); // select stddev_pop(x) from (values ('1'::float4), ('2'::float4), ('4'::float4)) t(x)
    CHECK(aggregate("stddev", I4, {"5"}) == "NULL"); // select stddev(x) from (values ('5'::int4)) t(x)
    CHECK(aggregate("stddev_pop", I4, {"5"}) == "0"); // select stddev_pop(x) from (values ('5'::int4)) t(x)
    CHECK(aggregate("var_samp", I4, {"1", "1"}) == "0"); // select var_samp(x) from (values ('1'::int4), ('1'::int4)) t(x)
    CHECK(aggregate2("string_agg", TXT, {"a", nullptr, "b", "c"}, ", ") == "a, b, c"); // select string_agg(x, y) from (values ('a'::text, ', '::text), (NULL::text, ', '::text), ('b'::text, ', '::text), ('c'::text, ', '::text)) t(x, y)
    CHECK(aggregate2("string_agg", TXT, {"a", "b"}, nullptr) == "ab"); // select string_agg(x, y) from (values ('a'::text, NULL::text), ('b'::text, NULL::text)) t(x, y)
    CHECK(aggregate2("string_agg", TXT, {nullptr}, ",") == "NULL"); // select string_agg(x, y) from (values (NULL::text, ','::text)) t(x, y)
}

TEST_CASE("case mapping beyond ASCII") {
    CHECK(call("lower", {{TXT, "ÀÉÎ Straße"}}) == "àéî straße"); // select lower('ÀÉÎ Straße'::text)
    CHECK(call("upper", {{TXT, "àéî"}}) == "ÀÉÎ"); // select upper('àéî'::text)
    CHECK(call("initcap", {{TXT, "élan VITAL ÉTÉ"}}) == "Élan Vital Été"); // select initcap('élan VITAL ÉTÉ'::text)
    CHECK(binary_op("^", {F8, "0.5"}, {F8, "2000"}) == "ERROR 22003: value out of range: underflow"); // select ('0.5'::float8) ^ ('2000'::float8)
}


TEST_CASE("errors carry PostgreSQL's hints") {
    // HINT lines as psql printed them for `select 1 + true` and `select sum('a'::text)`
    auto op = resolve_operator("+", I4, BOOL);
    REQUIRE_FALSE(op.ok());
    CHECK(op.error().hint == "No operator matches the given name and argument types. You might need to add explicit type casts.");
    auto fn = resolve_aggregate("sum", std::vector<Type>{TXT}, false);
    REQUIRE_FALSE(fn.ok());
    CHECK(fn.error().hint == "No function matches the given name and argument types. You might need to add explicit type casts.");
    auto scalar = resolve_function("nosuchfn", std::vector<Type>{I4});
    REQUIRE_FALSE(scalar.ok());
    CHECK(scalar.error().hint == fn.error().hint);
    auto ambiguous = resolve_operator("+", U, U);
    REQUIRE_FALSE(ambiguous.ok());
    CHECK(ambiguous.error().hint == "Could not choose a best candidate operator. You might need to add explicit type casts.");
}

TEST_CASE("volatile functions") {
    for (const char* name : {"now", "clock_timestamp", "current_date", "random", "gen_random_uuid"}) {
        auto f = resolve_function(name, {});
        REQUIRE(f.ok());
        CHECK(f.value().volatile_fn);
        auto v = f.value().fn({});
        REQUIRE(v.ok());
        CHECK_FALSE(v.value().is_null());
    }
    CHECK_FALSE(resolve_function("lower", std::vector<Type>{TXT}).value().volatile_fn);
    auto r = resolve_function("random", {}).value().fn({}).value().as_float();
    CHECK((r >= 0.0 && r < 1.0));
    std::string uuid = to_pg_text(resolve_function("gen_random_uuid", {}).value().fn({}).value());
    REQUIRE(uuid.size() == 36);
    CHECK(uuid[14] == '4');
    CHECK(uuid[8] == '-');
    // now() lies after 2024-01-01 and is a timestamptz
    auto now = resolve_function("now", {}).value().fn({}).value();
    CHECK(now.type() == TSTZ);
    CHECK(now.as_int() > from_pg_text(TSTZ, "2024-01-01 00:00:00+00").value().as_int());
}

TEST_CASE("aggregate catalog") {
    CHECK(is_aggregate_name("count"));
    CHECK(is_aggregate_name("string_agg"));
    CHECK(is_aggregate_name("var_pop"));
    CHECK_FALSE(is_aggregate_name("lower"));
    auto star = resolve_aggregate("count", {}, true);
    REQUIRE(star.ok());
    CHECK(star.value().result == I8);
    auto state = star.value().make_state();
    for (int i = 0; i < 3; ++i)
        REQUIRE(state->add({}).ok());
    CHECK(state->finish().value().as_int() == 3);
    CHECK(resolve_aggregate("sum", std::vector<Type>{I4}, false).value().result == I8);
    CHECK(resolve_aggregate("avg", std::vector<Type>{F4}, false).value().result == F8);
    CHECK(resolve_aggregate("min", std::vector<Type>{U}, false).value().result == TXT);
}

TEST_CASE("implicit casts") {
    CHECK(can_cast_implicitly(I2, I8));
    CHECK(can_cast_implicitly(I8, NUM));
    CHECK(can_cast_implicitly(NUM, F8));
    CHECK(can_cast_implicitly(U, DATE));
    CHECK(can_cast_implicitly(DATE, TSTZ));
    CHECK_FALSE(can_cast_implicitly(I8, I4));
    CHECK_FALSE(can_cast_implicitly(F8, NUM));
    CHECK_FALSE(can_cast_implicitly(TXT, I4));
    CHECK_FALSE(can_cast_implicitly(I4, TXT));
    auto two_unknowns = common_type(U, U, "UNION");
    REQUIRE(two_unknowns.ok());
    CHECK(*two_unknowns == U); // the caller settles a wholly unknown column on text, as PostgreSQL does
}
