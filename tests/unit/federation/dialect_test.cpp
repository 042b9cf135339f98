#include "federation/connectors/dialect.hpp"
#include "federation/types/datetime.hpp"

#include <cmath>
#include <cstdlib>
#include <doctest.h>
#include <limits>
#include <string>
#include <vector>

using namespace nectar::federation;

namespace {

const Dialect& pg() {
    return postgres_dialect();
}

std::string lit(const Value& v) {
    return pg().literal(v);
}

/// The number in a float literal ("1.5::float8", "(-2.5)::float8"), read back with strtod.
double read_back(const std::string& literal) {
    std::string number = literal.substr(0, literal.find("::"));
    if (number.front() == '(') {
        number = number.substr(1, number.size() - 2);
    }
    return std::strtod(number.c_str(), nullptr);
}

} // namespace

TEST_CASE("postgres dialect: identifiers are double-quoted with quotes doubled") {
    CHECK(pg().name() == "postgresql");
    CHECK(pg().quote_identifier("customers") == "\"customers\"");
    CHECK(pg().quote_identifier("Mixed Case") == "\"Mixed Case\"");
    CHECK(pg().quote_identifier("a\"b") == "\"a\"\"b\"");
    CHECK(pg().qualified_table("", "t") == "\"t\"");
    CHECK(pg().qualified_table("sales", "order") == "\"sales\".\"order\"");
}

TEST_CASE("postgres dialect: NULLs and booleans") {
    CHECK(lit(Value::null()) == "NULL");
    CHECK(lit(Value::null(Type::Int4)) == "NULL::int4");
    CHECK(lit(Value::null(Type::TimestampTz)) == "NULL::timestamptz");
    CHECK(lit(Value::boolean(true)) == "true");
    CHECK(lit(Value::boolean(false)) == "false");
}

TEST_CASE("postgres dialect: integers keep their type") {
    CHECK(lit(Value::integer(Type::Int2, 5)) == "5::int2");
    CHECK(lit(Value::integer(Type::Int2, -32768)) == "(-32768)::int2");
    CHECK(lit(Value::int4(42)) == "42");
    CHECK(lit(Value::int4(-7)) == "(-7)");
    // 2147483648 is an int8 constant, so its negation would be int8 too.
    CHECK(lit(Value::int4(std::numeric_limits<int32_t>::min())) == "(-2147483648)::int4");
    CHECK(lit(Value::int8(5)) == "5::int8");
    CHECK(lit(Value::int8(-5)) == "(-5)::int8");
    CHECK(lit(Value::int8(3000000000)) == "3000000000");
    CHECK(lit(Value::int8(-3000000000)) == "(-3000000000)");
    CHECK(lit(Value::int8(std::numeric_limits<int64_t>::max())) == "9223372036854775807");
    CHECK(lit(Value::int8(std::numeric_limits<int64_t>::min())) == "(-9223372036854775808)::int8");
}

TEST_CASE("postgres dialect: floats read back exactly") {
    CHECK(lit(Value::float8(1.5)) == "1.5::float8");
    CHECK(lit(Value::float8(0.1)) == "0.1::float8");
    CHECK(lit(Value::float8(-2.5)) == "(-2.5)::float8");
    CHECK(lit(Value::float8(1e100)) == "1e+100::float8");
    CHECK(lit(Value::float8(std::nan(""))) == "'NaN'::float8");
    CHECK(lit(Value::float8(std::numeric_limits<double>::infinity())) == "'Infinity'::float8");
    CHECK(lit(Value::float8(-std::numeric_limits<double>::infinity())) == "'-Infinity'::float8");
    CHECK(lit(Value::float8(-0.0)) == "'-0'::float8");
    CHECK(lit(Value::floating(Type::Float4, 0.1f)) == "0.1::float4");
    CHECK(lit(Value::floating(Type::Float4, std::nanf(""))) == "'NaN'::float4");
    for (double d : {1.0 / 3, 2.0 / 3 * 1e-300, 123456789.123456789, 5e-324, 1.7976931348623157e308, -0.3}) {
        std::string text = lit(Value::float8(d));
        INFO(text);
        CHECK(read_back(text) == d);
    }
}

TEST_CASE("postgres dialect: strings, numerics, bytea and other text types") {
    CHECK(lit(Value::text("plain")) == "'plain'");
    CHECK(lit(Value::text("it's")) == "'it''s'");
    // Standard-conforming strings: a backslash is itself, no E'' escapes.
    CHECK(lit(Value::text("C:\\dir\\n")) == "'C:\\dir\\n'");
    CHECK(lit(Value::text("")) == "''");
    CHECK(lit(Value::string(Type::Unknown, "x")) == "'x'");
    CHECK(lit(Value::numeric("12.50")) == "'12.50'::numeric");
    CHECK(lit(Value::numeric("NaN")) == "'NaN'::numeric");
    CHECK(lit(Value::string(Type::Bytea, std::string("\x01\xff\x00z", 4))) == "'\\x01ff007a'::bytea");
    CHECK(lit(Value::string(Type::Bytea, "")) == "'\\x'::bytea");
    CHECK(lit(Value::string(Type::Uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")) ==
          "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid");
    CHECK(lit(Value::string(Type::Jsonb, "{\"a\": \"it's\"}")) == "'{\"a\": \"it''s\"}'::jsonb");
    CHECK(lit(Value::string(Type::Json, "[1, 2]")) == "'[1, 2]'::json");
}

TEST_CASE("postgres dialect: dates and times as typed ISO strings") {
    CHECK(lit(Value::temporal(Type::Date, days_from_civil(2024, 1, 2))) == "'2024-01-02'::date");
    int64_t micros = days_from_civil(2024, 1, 2) * kMicrosPerDay + ((3 * 60 + 4) * 60 + 5) * kMicrosPerSecond;
    CHECK(lit(Value::temporal(Type::Timestamp, micros)) == "'2024-01-02 03:04:05'::timestamp");
    CHECK(lit(Value::temporal(Type::Timestamp, micros + 250000)) == "'2024-01-02 03:04:05.25'::timestamp");
    CHECK(lit(Value::temporal(Type::TimestampTz, micros)) == "'2024-01-02 03:04:05+00'::timestamptz");
    CHECK(lit(Value::temporal(Type::Time, ((13 * 60 + 30) * 60) * kMicrosPerSecond)) == "'13:30:00'::time");
    CHECK(lit(Value::interval(Interval{0, 3, 14})) == "'1 year 2 mons 3 days'::interval");
}

TEST_CASE("postgres dialect: LIMIT and OFFSET") {
    CHECK(pg().limit_offset(std::nullopt, 0) == "");
    CHECK(pg().limit_offset(10, 0) == " LIMIT 10");
    CHECK(pg().limit_offset(10, 20) == " LIMIT 10 OFFSET 20");
    CHECK(pg().limit_offset(std::nullopt, 5) == " OFFSET 5");
    CHECK(pg().limit_offset(0, 0) == " LIMIT 0");
}

TEST_CASE("postgres dialect: PostgreSQL computes everything the engine models") {
    std::vector<Type> args{Type::Text, Type::Int4};
    CHECK(pg().supports_operator("+", Type::Int4, Type::Int8));
    CHECK(pg().supports_operator("~~*", Type::Text, Type::Text));
    CHECK(pg().supports_operator("||", Type::Text, Type::Text));
    CHECK_FALSE(pg().supports_operator("@@", Type::Text, Type::Text));
    CHECK(pg().supports_function("substring", args));
    CHECK(pg().supports_aggregate("count", {}, true));
    CHECK(pg().supports_cast(Type::Text, Type::Date));
    CHECK(pg().supports_order_by(Type::Text));
    CHECK(pg().supports_join("full"));
    CHECK(pg().supports_join("left"));
    CHECK_FALSE(pg().supports_join("lateral-sideways"));
    std::vector<Type> keys{Type::Text, Type::Bool, Type::Json};
    CHECK(pg().supports_group_by(keys));
    CHECK(pg().supports_limit());
    CHECK(pg().supports_literal(Value::float8(std::nan(""))));
}

TEST_CASE("postgres dialect: operators are parenthesized, LIKE family spelled out") {
    auto op = [](std::string_view o) { return pg().render_operator(o, "a", "b", Type::Text, Type::Text); };
    CHECK(op("=") == "(a = b)");
    CHECK(op("||") == "(a || b)");
    CHECK(op("!=") == "(a <> b)");
    CHECK(op("~~") == "(a LIKE b)");
    CHECK(op("~~*") == "(a ILIKE b)");
    CHECK(op("!~~") == "(a NOT LIKE b)");
    CHECK(op("!~~*") == "(a NOT ILIKE b)");
    CHECK(op("AND") == "(a AND b)");
    CHECK(pg().render_unary("-", "(-1)", Type::Int4) == "(- (-1))");
    CHECK(pg().render_unary("-", "-1", Type::Int4) == "(- -1)"); // never the comment "--1"
    CHECK(pg().render_unary("NOT", "x", Type::Bool) == "(NOT x)");
    CHECK(pg().render_unary("IS NULL", "x", Type::Int4) == "(x IS NULL)");
    CHECK(pg().render_unary("IS NOT TRUE", "x", Type::Bool) == "(x IS NOT TRUE)");
}

TEST_CASE("postgres dialect: functions, including the grammar's special forms") {
    std::vector<std::string> one{"\"name\""};
    std::vector<Type> text1{Type::Text};
    CHECK(pg().render_function("lower", one, text1) == "lower(\"name\")");
    std::vector<std::string> two{"x", "2"};
    std::vector<Type> text_int{Type::Text, Type::Int4};
    CHECK(pg().render_function("substring", two, text_int) == "substring(x FROM 2)");
    std::vector<std::string> three{"x", "2", "3"};
    std::vector<Type> text_int_int{Type::Text, Type::Int4, Type::Int4};
    CHECK(pg().render_function("substring", three, text_int_int) == "substring(x FROM 2 FOR 3)");
    std::vector<std::string> hay_needle{"haystack", "'b'"};
    std::vector<Type> text2{Type::Text, Type::Text};
    CHECK(pg().render_function("position", hay_needle, text2) == "strpos(haystack, 'b')");
    std::vector<Type> bytea2{Type::Bytea, Type::Bytea};
    CHECK(pg().render_function("position", hay_needle, bytea2) == "position('b' IN haystack)");
    std::vector<std::string> field_source{"'YEAR'", "ts"};
    std::vector<Type> text_ts{Type::Text, Type::Timestamp};
    CHECK(pg().render_function("extract", field_source, text_ts) == "EXTRACT(year FROM ts)");
    std::vector<std::string> computed_field{"f", "ts"};
    CHECK(pg().render_function("extract", computed_field, text_ts) == "pg_catalog.extract(f, ts)");
    CHECK(pg().render_function("date_part", field_source, text_ts) == "date_part('YEAR', ts)");
    CHECK(pg().render_function("current_date", {}, {}) == "current_date");
    CHECK(pg().render_function("now", {}, {}) == "now()");
    std::vector<std::string> coalesce{"a", "b", "0"};
    std::vector<Type> ints{Type::Int4, Type::Int4, Type::Int4};
    CHECK(pg().render_function("coalesce", coalesce, ints) == "coalesce(a, b, 0)");
}

TEST_CASE("postgres dialect: aggregates, casts and ORDER BY items") {
    CHECK(pg().render_aggregate("count", {}, {}, false, true) == "count(*)");
    std::vector<std::string> x{"x"};
    std::vector<Type> int1{Type::Int4};
    CHECK(pg().render_aggregate("count", x, int1, true, false) == "count(DISTINCT x)");
    CHECK(pg().render_aggregate("sum", x, int1, false, false) == "sum(x)");
    std::vector<std::string> agg{"name", "', '"};
    std::vector<Type> text2{Type::Text, Type::Text};
    CHECK(pg().render_aggregate("string_agg", agg, text2, false, false) == "string_agg(name, ', ')");
    CHECK(pg().render_cast("x", Type::Text, Type::Int4) == "CAST(x AS integer)");
    CHECK(pg().render_cast("x", Type::Text, Type::Timestamp) == "CAST(x AS timestamp without time zone)");
    CHECK(pg().render_cast("x", Type::Int4, Type::Float8) == "CAST(x AS double precision)");
    CHECK(pg().render_order_item("x", false, false, Type::Text, true) == "x ASC NULLS LAST");
    CHECK(pg().render_order_item("x", true, true, Type::Int4, true) == "x DESC NULLS FIRST");
    CHECK(pg().render_order_item("x", false, true, Type::Bool, true) == "x ASC NULLS FIRST");
    CHECK(pg().render_order_item("x", true, false, Type::Date, true) == "x DESC NULLS LAST");
}

TEST_CASE("postgres dialect: group keys, select items, IN lists and NULLIF are PostgreSQL's own") {
    CHECK(pg().render_group_key("x", Type::Text) == "x");
    CHECK(pg().render_select_item("x", Type::Float4) == "x");
    std::vector<std::string> items{"'a'", "'b'"};
    std::vector<Type> types{Type::Text, Type::Text};
    CHECK(pg().render_in_list("x", items, Type::Text, types, false) == "(x IN ('a', 'b'))");
    CHECK(pg().render_in_list("x", items, Type::Text, types, true) == "(x NOT IN ('a', 'b'))");
    CHECK(pg().render_nullif("x", "'a'", Type::Text, Type::Text) == "NULLIF(x, 'a')");
}
