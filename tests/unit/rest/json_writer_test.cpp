// The REST face's JSON writer. Expected texts marked "PostgreSQL" are what a PostgreSQL 15 server
// printed for `select to_json(<literal>::<type>)` with TimeZone UTC; every document is also parsed
// back with simdjson, which rejects invalid JSON and invalid UTF-8.
#include "rest/json_writer.hpp"

#include "federation/types/datetime.hpp"
#include "federation/types/type.hpp"
#include "federation/types/value.hpp"

#include <doctest.h>
#include <simdjson.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

using nectar::federation::Interval;
using nectar::federation::Type;
using nectar::federation::Value;
using nectar::rest::JsonOptions;
using nectar::rest::JsonWriter;

namespace {

/// Whether simdjson accepts `json` as one complete document (structure, numbers and UTF-8).
bool parses(const std::string& json) {
    simdjson::dom::parser parser;
    return parser.parse(json).error() == simdjson::SUCCESS;
}

/// One value written as a whole document; checked to parse.
std::string json_of(const Value& v, JsonOptions options = {}) {
    std::string out;
    JsonWriter w(out, options);
    w.value(v);
    CHECK(w.complete());
    CHECK_MESSAGE(parses(out), out);
    return out;
}

std::string json_string(std::string_view text) {
    std::string out;
    JsonWriter w(out);
    w.string(text);
    CHECK_MESSAGE(parses(out), out);
    return out;
}

/// The string simdjson reads back from a written JSON string.
std::string read_back(const std::string& json) {
    simdjson::dom::parser parser;
    std::string_view s;
    REQUIRE(parser.parse(json).get_string().get(s) == simdjson::SUCCESS);
    return std::string(s);
}

Value parsed(Type type, const char* pg_literal) { return nectar::federation::from_pg_text(type, pg_literal).value(); }

Value float4(float f) { return Value::floating(Type::Float4, f); }
Value bytea(std::string bytes) { return Value::string(Type::Bytea, std::move(bytes)); }

const std::string kFFFD = "\xEF\xBF\xBD";

} // namespace

TEST_CASE("json writer: nesting and commas") {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key("data");
    w.begin_array();
    w.begin_object();
    w.key("id");
    w.integer(1);
    w.key("ok");
    w.boolean(true);
    w.key("none");
    w.null();
    w.end_object();
    w.begin_object();
    w.end_object();
    w.begin_array();
    w.end_array();
    w.begin_array();
    w.integer(-2);
    w.string("x");
    w.raw("{\"a\":[1,2]}");
    w.end_array();
    w.end_array();
    CHECK_FALSE(w.complete());
    w.key("meta");
    w.begin_object();
    w.key("page");
    w.integer(1);
    w.end_object();
    w.end_object();
    CHECK(w.complete());
    CHECK(out == R"({"data":[{"id":1,"ok":true,"none":null},{},[],[-2,"x",{"a":[1,2]}]],"meta":{"page":1}})");
    CHECK(parses(out));
}

TEST_CASE("json writer: appends to the caller's string and writes scalars at top level") {
    std::string out = "prefix:";
    JsonWriter w(out);
    w.integer(std::numeric_limits<int64_t>::min());
    CHECK(out == "prefix:-9223372036854775808");
    CHECK(w.complete());

    std::string empty_array, empty_object;
    JsonWriter a(empty_array);
    a.begin_array();
    a.end_array();
    JsonWriter o(empty_object);
    o.begin_object();
    o.end_object();
    CHECK(empty_array == "[]");
    CHECK(empty_object == "{}");
}

TEST_CASE("json writer: escapes") {
    CHECK(json_string("") == R"("")");
    CHECK(json_string("plain / text") == R"("plain / text")"); // '/' needs no escape
    CHECK(json_string("\"") == R"("\"")");
    CHECK(json_string("\\") == R"("\\")");
    CHECK(json_string("\n\r\t\b\f") == R"("\n\r\t\b\f")");
    CHECK(json_string(std::string_view("\0", 1)) == R"("\u0000")");
    CHECK(json_string("\x1f\x0b\x7f") == "\"\\u001f\\u000b\x7f\""); // DEL is not escaped

    // PostgreSQL: to_json(E'a"b\\c\n\r\t\b\f\x01\x1f\x7f é'::text)
    CHECK(json_string("a\"b\\c\n\r\t\b\f\x01\x1f\x7f \xC3\xA9") ==
          "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\x7f \xC3\xA9\"");

    // Every byte below 0x20 and every escaped character reads back as itself.
    std::string all;
    for (int c = 0; c < 0x80; ++c)
        all += char(c);
    CHECK(read_back(json_string(all)) == all);

    // Keys are escaped the same way.
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key("a\"b\n");
    w.integer(1);
    w.end_object();
    CHECK(out == R"({"a\"b\n":1})");
}

TEST_CASE("json writer: valid UTF-8 is copied as is") {
    // 2, 3 and 4 byte sequences at the edges of their ranges: U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF,
    // and U+D7FF / U+E000 either side of the surrogates.
    const std::string text = "\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF"
                             "\xED\x9F\xBF\xEE\x80\x80 caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
    CHECK(json_string(text) == "\"" + text + "\"");
    CHECK(read_back(json_string(text)) == text);
}

TEST_CASE("json writer: invalid UTF-8 becomes U+FFFD") {
    // Truncated sequences: at the end, and followed by ASCII (one U+FFFD for the partial sequence).
    CHECK(json_string("a\xE2\x82") == "\"a" + kFFFD + "\"");
    CHECK(json_string("\xE2\x82z") == "\"" + kFFFD + "z\"");
    CHECK(json_string("\xF0\x9F\x98") == "\"" + kFFFD + "\"");
    CHECK(json_string("\xC3") == "\"" + kFFFD + "\"");
    // Overlong encodings of '/': C0 and C1 never start a sequence; E0 80 and F0 80 are too small.
    CHECK(json_string("\xC0\xAF") == "\"" + kFFFD + kFFFD + "\"");
    CHECK(json_string("\xE0\x80\xAF") == "\"" + kFFFD + kFFFD + kFFFD + "\"");
    CHECK(json_string("\xF0\x80\x80\xAF") == "\"" + kFFFD + kFFFD + kFFFD + kFFFD + "\"");
    // Lone continuation bytes.
    CHECK(json_string("\x80") == "\"" + kFFFD + "\"");
    CHECK(json_string("x\xBF\xBFy") == "\"x" + kFFFD + kFFFD + "y\"");
    // UTF-16 surrogates encoded in UTF-8 (U+D800, U+DFFF), and past U+10FFFF.
    CHECK(json_string("\xED\xA0\x80") == "\"" + kFFFD + kFFFD + kFFFD + "\"");
    CHECK(json_string("\xED\xBF\xBF") == "\"" + kFFFD + kFFFD + kFFFD + "\"");
    CHECK(json_string("\xF4\x90\x80\x80") == "\"" + kFFFD + kFFFD + kFFFD + kFFFD + "\"");
    CHECK(json_string("\xF5\xFE\xFF") == "\"" + kFFFD + kFFFD + kFFFD + "\"");
    // Invalid bytes next to escapes and valid characters.
    CHECK(json_string("\n\xFF\xC3\xA9\"") == "\"\\n" + kFFFD + "\xC3\xA9\\\"\"");

    // Every single byte, and random byte strings, still give a document simdjson accepts.
    for (int c = 0; c < 256; ++c)
        json_string(std::string(1, char(c)));
    std::mt19937 rng(20240101);
    for (int round = 0; round < 2000; ++round) {
        std::string bytes(size_t(rng() % 24), '\0');
        for (char& b : bytes)
            b = char(rng() % 4 == 0 ? 0x80 | rng() % 0x80 : rng() % 256);
        json_string(bytes);
    }
}

TEST_CASE("json writer: NULL of every type is null") {
    for (Type t : {Type::Unknown, Type::Bool, Type::Int2, Type::Int4, Type::Int8, Type::Float4, Type::Float8,
                   Type::Numeric, Type::Text, Type::Bytea, Type::Date, Type::Time, Type::Timestamp,
                   Type::TimestampTz, Type::Interval, Type::Uuid, Type::Json, Type::Jsonb, Type::Varchar}) {
        CHECK(json_of(Value::null(t)) == "null");
    }
}

TEST_CASE("json writer: booleans and integers") {
    CHECK(json_of(Value::boolean(true)) == "true");
    CHECK(json_of(Value::boolean(false)) == "false");
    CHECK(json_of(Value::integer(Type::Int2, 1)) == "1");
    CHECK(json_of(Value::int4(-2147483648LL)) == "-2147483648");
    CHECK(json_of(Value::int8(std::numeric_limits<int64_t>::min())) == "-9223372036854775808"); // PostgreSQL
    CHECK(json_of(Value::int8(std::numeric_limits<int64_t>::max())) == "9223372036854775807");
}

TEST_CASE("json writer: floats in PostgreSQL's shortest form, non-finite as strings") {
    // PostgreSQL: to_json(x::float8) and json_build_array(...) of the same values.
    CHECK(json_of(Value::float8(1e-300)) == "1e-300");
    CHECK(json_of(Value::float8(1.5e300)) == "1.5e+300");
    CHECK(json_of(Value::float8(-0.0)) == "-0");
    CHECK(json_of(Value::float8(std::nan(""))) == R"("NaN")");
    CHECK(json_of(Value::float8(HUGE_VAL)) == R"("Infinity")");
    CHECK(json_of(Value::float8(-HUGE_VAL)) == R"("-Infinity")");
    CHECK(json_of(Value::float8(1e20)) == "1e+20");
    CHECK(json_of(Value::float8(0.0001)) == "0.0001");
    CHECK(json_of(Value::float8(0.00001)) == "1e-05");
    CHECK(json_of(Value::float8(1e15)) == "1e+15");
    CHECK(json_of(Value::float8(1e16)) == "1e+16");
    CHECK(json_of(float4(0.1f)) == "0.1");
    CHECK(json_of(float4(1.5f)) == "1.5");
    CHECK(json_of(float4(3.4e38f)) == "3.4e+38");
    CHECK(json_of(float4(123456789.123f)) == "1.2345679e+08");
    CHECK(json_of(float4(std::numeric_limits<float>::quiet_NaN())) == R"("NaN")");
    // PostgreSQL: the extremes of double ('4.9e-324', '1.7976931348623157e308') are still numbers.
    CHECK(json_of(Value::float8(std::numeric_limits<double>::denorm_min())) == "5e-324");
    CHECK(json_of(Value::float8(std::numeric_limits<double>::max())) == "1.7976931348623157e+308");
}

TEST_CASE("json writer: numeric as number, or as string by option") {
    const std::string many = "123456789012345678901234567890.123456789012345678901234567890";
    // PostgreSQL: to_json(<x>::numeric)
    CHECK(json_of(Value::numeric(many)) == many);
    CHECK(json_of(Value::numeric("12.50")) == "12.50");
    CHECK(json_of(Value::numeric("0.000")) == "0.000");
    CHECK(json_of(Value::numeric("-0.5")) == "-0.5");
    CHECK(json_of(Value::numeric("0.00000000000000000001")) == "0.00000000000000000001");
    CHECK(json_of(Value::numeric("NaN")) == R"("NaN")");
    CHECK(json_of(Value::numeric("Infinity")) == R"("Infinity")");
    CHECK(json_of(Value::numeric("-Infinity")) == R"("-Infinity")");

    JsonOptions as_string;
    as_string.numeric_as_string = true;
    CHECK(json_of(Value::numeric(many), as_string) == "\"" + many + "\"");
    CHECK(json_of(Value::numeric("12.50"), as_string) == R"("12.50")");
    CHECK(json_of(Value::numeric("NaN"), as_string) == R"("NaN")");
    CHECK(json_of(Value::numeric("-Infinity"), as_string) == R"("-Infinity")");
    // The option is about numeric only: integers and floats stay numbers.
    CHECK(json_of(Value::int8(5), as_string) == "5");
    CHECK(json_of(Value::float8(2.5), as_string) == "2.5");
}

TEST_CASE("json writer: JSON number grammar") {
    using nectar::rest::is_json_number;
    for (const char* good : {"0", "-0", "12", "12.50", "1e5", "1E+5", "1.5e-300", "-0.0"})
        CHECK_MESSAGE(is_json_number(good), good);
    for (const char* bad : {"", "-", "+1", "01", ".5", "5.", "1e", "1e+", "NaN", "Infinity", "-Infinity", "0x10", "1 "})
        CHECK_MESSAGE(!is_json_number(bad), bad);
}

TEST_CASE("json writer: text, varchar, uuid, unknown, json, jsonb, interval") {
    CHECK(json_of(Value::text("a\"b")) == R"("a\"b")");
    CHECK(json_of(Value::string(Type::Varchar, "v")) == R"("v")");
    CHECK(json_of(Value::string(Type::Unknown, "lit")) == R"("lit")");
    // PostgreSQL: to_json('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid)
    CHECK(json_of(Value::string(Type::Uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")) ==
          R"("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")");
    // PostgreSQL: to_json('{"a": [1, 2]}'::json) and ::jsonb both print the text unquoted.
    CHECK(json_of(Value::string(Type::Json, R"({"a": [1, 2]})")) == R"({"a": [1, 2]})");
    CHECK(json_of(Value::string(Type::Jsonb, R"({"a": [1, 2]})")) == R"({"a": [1, 2]})");
    // PostgreSQL: to_json('1 year 2 mons -3 days 04:05:06.5'::interval)
    CHECK(json_of(parsed(Type::Interval, "1 year 2 mons -3 days 04:05:06.5")) ==
          R"("1 year 2 mons -3 days +04:05:06.5")");
    CHECK(json_of(Value::interval(Interval{})) == R"("00:00:00")"); // PostgreSQL: '0'::interval
}

TEST_CASE("json writer: bytea as base64") {
    // PostgreSQL's encode(<bytes>, 'base64') for the same bytes (its to_json() prints hex instead).
    CHECK(json_of(bytea("")) == R"("")");
    CHECK(json_of(bytea("f")) == R"("Zg==")");
    CHECK(json_of(bytea("fo")) == R"("Zm8=")");
    CHECK(json_of(bytea("foo")) == R"("Zm9v")");
    CHECK(json_of(bytea("foob")) == R"("Zm9vYg==")");
    CHECK(json_of(bytea("fooba")) == R"("Zm9vYmE=")");
    CHECK(json_of(bytea("foobar")) == R"("Zm9vYmFy")");
    CHECK(json_of(bytea(std::string("\x00\xff", 2))) == R"("AP8=")");
    CHECK(json_of(bytea(std::string("\x00\x00\x00", 3))) == R"("AAAA")");
    CHECK(json_of(bytea(std::string("\xff\xff\xff\xff", 4))) == R"("/////w==")");
    CHECK(json_of(bytea(std::string("\xfb\xff\x00\xff\x00", 5))) == R"("+/8A/wA=")");
}

TEST_CASE("json writer: dates") {
    // PostgreSQL: to_json('<literal>'::date)
    CHECK(json_of(parsed(Type::Date, "2024-01-02")) == R"("2024-01-02")");
    CHECK(json_of(parsed(Type::Date, "2000-01-01")) == R"("2000-01-01")");
    CHECK(json_of(parsed(Type::Date, "0044-03-15 BC")) == R"("0044-03-15 BC")");
    CHECK(json_of(parsed(Type::Date, "0001-12-31 BC")) == R"("0001-12-31 BC")");
    CHECK(json_of(parsed(Type::Date, "0001-01-01")) == R"("0001-01-01")");
    CHECK(json_of(parsed(Type::Date, "4714-11-24 BC")) == R"("4714-11-24 BC")");
    CHECK(json_of(parsed(Type::Date, "10000-01-01")) == R"("10000-01-01")");
    CHECK(json_of(parsed(Type::Date, "5874897-12-31")) == R"("5874897-12-31")");
    CHECK(json_of(parsed(Type::Date, "infinity")) == R"("infinity")");
    CHECK(json_of(parsed(Type::Date, "-infinity")) == R"("-infinity")");
}

TEST_CASE("json writer: times") {
    // PostgreSQL: to_json('<literal>'::time)
    CHECK(json_of(parsed(Type::Time, "03:04:05.500")) == R"("03:04:05.5")");
    CHECK(json_of(parsed(Type::Time, "00:00:00")) == R"("00:00:00")");
    CHECK(json_of(parsed(Type::Time, "24:00:00")) == R"("24:00:00")");
    CHECK(json_of(parsed(Type::Time, "23:59:59.999999")) == R"("23:59:59.999999")");
    CHECK(json_of(parsed(Type::Time, "12:00:00.000001")) == R"("12:00:00.000001")");
}

TEST_CASE("json writer: timestamps in ISO 8601") {
    // PostgreSQL: to_json('<literal>'::timestamp)
    CHECK(json_of(parsed(Type::Timestamp, "2024-01-02 03:04:05.120")) == R"("2024-01-02T03:04:05.12")");
    CHECK(json_of(parsed(Type::Timestamp, "2024-01-02 03:04:05")) == R"("2024-01-02T03:04:05")");
    CHECK(json_of(parsed(Type::Timestamp, "1999-12-31 23:59:59.5")) == R"("1999-12-31T23:59:59.5")");
    CHECK(json_of(parsed(Type::Timestamp, "0044-03-15 10:00:00 BC")) == R"("0044-03-15T10:00:00 BC")");
    CHECK(json_of(parsed(Type::Timestamp, "2000-01-01 00:00:00 BC")) == R"("2000-01-01T00:00:00 BC")");
    CHECK(json_of(parsed(Type::Timestamp, "4714-11-24 00:00:00 BC")) == R"("4714-11-24T00:00:00 BC")");
    CHECK(json_of(parsed(Type::Timestamp, "10000-01-01 00:00:00.000001")) == R"("10000-01-01T00:00:00.000001")");
    CHECK(json_of(parsed(Type::Timestamp, "infinity")) == R"("infinity")");
    CHECK(json_of(parsed(Type::Timestamp, "-infinity")) == R"("-infinity")");
}

TEST_CASE("json writer: timestamptz in ISO 8601 with +00:00") {
    // PostgreSQL: to_json('<literal>'::timestamptz) with TimeZone UTC
    CHECK(json_of(parsed(Type::TimestampTz, "2024-01-02 03:04:05.120+00")) == R"("2024-01-02T03:04:05.12+00:00")");
    CHECK(json_of(parsed(Type::TimestampTz, "2024-01-02 05:04:05+02")) == R"("2024-01-02T03:04:05+00:00")");
    CHECK(json_of(parsed(Type::TimestampTz, "0044-03-15 10:00:00+00 BC")) == R"("0044-03-15T10:00:00+00:00 BC")");
    CHECK(json_of(parsed(Type::TimestampTz, "10000-01-01 00:00:00.5+00")) == R"("10000-01-01T00:00:00.5+00:00")");
    CHECK(json_of(parsed(Type::TimestampTz, "294276-12-31 23:59:59.999999+00")) ==
          R"("294276-12-31T23:59:59.999999+00:00")");
    CHECK(json_of(parsed(Type::TimestampTz, "infinity")) == R"("infinity")");
    CHECK(json_of(parsed(Type::TimestampTz, "-infinity")) == R"("-infinity")");
}

TEST_CASE("json writer: a list response with every type parses with simdjson") {
    const std::vector<Value> row = {
        Value::boolean(true), Value::integer(Type::Int2, 7), Value::int8(-1), float4(0.25f),
        Value::float8(std::nan("")), Value::numeric("3.14"), Value::text("t\xFF\n"), Value::string(Type::Varchar, "v"),
        bytea(std::string("\x00\xff", 2)), parsed(Type::Date, "0044-03-15 BC"), parsed(Type::Time, "01:02:03.4"),
        parsed(Type::Timestamp, "infinity"), parsed(Type::TimestampTz, "2024-01-02 03:04:05+00"),
        parsed(Type::Interval, "1 day"), Value::string(Type::Uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        Value::string(Type::Json, "[1,\"x\"]"), Value::string(Type::Jsonb, "{\"k\": null}"), Value::null(Type::Date),
    };
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key("data");
    w.begin_array();
    for (int r = 0; r < 3; ++r) {
        w.begin_object();
        for (size_t c = 0; c < row.size(); ++c) {
            std::string name = "c";
            name += std::to_string(c);
            w.key(name);
            w.value(row[c]);
        }
        w.end_object();
    }
    w.end_array();
    w.key("meta");
    w.begin_object();
    w.key("count");
    w.integer(3);
    w.end_object();
    w.end_object();
    REQUIRE(w.complete());

    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    REQUIRE_MESSAGE(parser.parse(out).get(doc) == simdjson::SUCCESS, out);
    simdjson::dom::array data;
    REQUIRE(doc["data"].get_array().get(data) == simdjson::SUCCESS);
    CHECK(data.size() == 3);
    std::string_view date, text;
    REQUIRE(data.at(0)["c9"].get_string().get(date) == simdjson::SUCCESS);
    CHECK(date == "0044-03-15 BC");
    REQUIRE(data.at(2)["c6"].get_string().get(text) == simdjson::SUCCESS);
    CHECK(text == "t" + kFFFD + "\n");
    double pi = 0;
    REQUIRE(data.at(1)["c5"].get_double().get(pi) == simdjson::SUCCESS);
    CHECK(pi == doctest::Approx(3.14));
    CHECK(data.at(0)["c17"].is_null());
}
