// sum()/avg() over numeric and bigint: the 128-bit fast path must give exactly what the Decimal
// path (and PostgreSQL) gives, including the display scale and values it cannot hold.

#include "federation/expr/functions.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace nectar::federation;

namespace {

/// sum or avg of `values` (NULL for std::nullopt) through the aggregate as the executor runs it.
std::string aggregate_text(const char* name, Type type, const std::vector<std::optional<std::string>>& values) {
    Type types[] = {type};
    auto impl = resolve_aggregate(name, types, false);
    REQUIRE(impl.ok());
    auto state = impl->make_state();
    for (const auto& v : values) {
        Value arg = !v ? Value::null(type) : type == Type::Numeric ? Value::numeric(*v) : Value::int8(std::stoll(*v));
        REQUIRE(state->add(std::span<const Value>(&arg, 1)).ok());
    }
    auto out = state->finish();
    REQUIRE(out.ok());
    return out->is_null() ? "NULL" : to_pg_text(*out);
}

} // namespace

TEST_CASE("sum(numeric) keeps the largest display scale and exact digits") {
    CHECK(aggregate_text("sum", Type::Numeric, {"1.5", "2.25", "-0.75", std::nullopt}) == "3.00");
    CHECK(aggregate_text("sum", Type::Numeric, {"10", "0.000"}) == "10.000");
    CHECK(aggregate_text("sum", Type::Numeric, {"-3.10", "1.05"}) == "-2.05");
    CHECK(aggregate_text("sum", Type::Numeric, {"0.01", "-0.01"}) == "0.00");
    CHECK(aggregate_text("sum", Type::Numeric, {std::nullopt}) == "NULL");
}

TEST_CASE("sum(numeric) past 18 digits, past 128 bits, and NaN fall back to exact decimals") {
    CHECK(aggregate_text("sum", Type::Numeric, {"123456789012345678901234567890.5", "0.5"}) ==
          "123456789012345678901234567891.0");
    std::vector<std::optional<std::string>> big(200, std::string("999999999999999999"));
    big.push_back(std::string("0.000000000000000001")); // rescaling by 10^18 overflows 128 bits
    CHECK(aggregate_text("sum", Type::Numeric, big) == "199999999999999999800.000000000000000001");
    CHECK(aggregate_text("sum", Type::Numeric, {"1.5", "NaN", "2"}) == "NaN");
}

TEST_CASE("sum(bigint) is numeric and exact past int64; avg divides the exact sum") {
    CHECK(aggregate_text("sum", Type::Int8, {"9223372036854775807", "9223372036854775807"}) ==
          "18446744073709551614");
    CHECK(aggregate_text("avg", Type::Numeric, {"1.00", "2.00", "4.00"}) == "2.3333333333333333");
    CHECK(aggregate_text("avg", Type::Int8, {"1", "2"}) == "1.5000000000000000");
}
