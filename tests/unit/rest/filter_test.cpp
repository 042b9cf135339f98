// SPEC §5's filter language: each filter is bound over a small in-memory table and evaluated on
// every row; the ids it keeps must be the ids the equivalent PostgreSQL WHERE clause keeps.
// Every expectation was worked out by hand from SQL's three-valued logic (noted where NULLs matter),
// then cross-checked on PostgreSQL 15.20 with the same rows and the equivalent WHERE clauses.
#include "rest/filter.hpp"

#include "federation/exec/executor.hpp"

#include <doctest.h>
#include <simdjson.h>

#include <set>
#include <string>
#include <vector>

using nectar::Error;
using nectar::federation::ColumnInfo;
using nectar::federation::ExecContext;
using nectar::federation::Expr;
using nectar::federation::Row;
using nectar::federation::Type;
using nectar::federation::Value;
using nectar::rest::bind_filter;
using nectar::rest::kMaxFilterDepth;

namespace {

using Ids = std::set<int>;

const std::vector<ColumnInfo>& columns() {
    static const std::vector<ColumnInfo> cols = {
        {"id", Type::Int4},       {"age", Type::Int4},   {"big", Type::Int8},  {"price", Type::Numeric},
        {"name", Type::Text},     {"active", Type::Bool}, {"born", Type::Date}, {"seen", Type::Timestamp},
        {"code", Type::Varchar},  {"meta", Type::Jsonb},
    };
    return cols;
}

/// Rows as PostgreSQL text (nullptr is NULL), read with each column type's input function.
const std::vector<Row>& rows() {
    static const std::vector<Row> table = [] {
        const std::vector<std::vector<const char*>> text = {
            {"1", "25", "10000000000", "9.99", "alice", "t", "1999-01-01", "2024-01-01 10:00:00", "A-1",
             R"({"color":"red"})"},
            {"2", "40", "-5", "100.00", "bob", "f", "1984-06-15", "2024-03-01 00:00:00", "B_2", nullptr},
            {"3", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
            {"4", "18", "0", "0.5", "100% pure_", "t", "2006-02-28", "2023-12-31 23:59:59", "A%3", "[1,2]"},
            {"5", "65", "3000000000", "12.50", "Alice", nullptr, "1959-07-04", nullptr, nullptr, nullptr},
            {"6", "30", nullptr, "9.99", "x\\y", "f", nullptr, "2024-01-01 10:00:00", "b-4", nullptr},
        };
        std::vector<Row> out;
        for (const auto& line : text) {
            Row row;
            for (size_t i = 0; i < line.size(); i++) {
                Type type = columns()[i].type;
                row.push_back(line[i] ? nectar::federation::from_pg_text(type, line[i]).value() : Value::null(type));
            }
            out.push_back(std::move(row));
        }
        return out;
    }();
    return table;
}

const Ids kAll = {1, 2, 3, 4, 5, 6};

/// The ids of the rows `filter` keeps (WHERE semantics: NULL drops the row).
Ids matching(std::string_view filter) {
    auto bound = bind_filter(filter, columns());
    std::string why = bound ? "" : bound.error().sqlstate + " " + bound.error().message;
    INFO(filter, " -> ", why);
    REQUIRE(bound.ok());
    Ids out;
    ExecContext ctx;
    for (const Row& row : rows()) {
        bool keep = true;
        if (*bound) {
            auto r = nectar::federation::evaluate_predicate(**bound, row, ctx);
            REQUIRE(r.ok());
            keep = *r;
        }
        if (keep) {
            out.insert(static_cast<int>(row[0].as_int()));
        }
    }
    return out;
}

/// The filter's value on one row: "t", "f" or "NULL".
std::string truth_on(std::string_view filter, int id) {
    auto bound = bind_filter(filter, columns());
    REQUIRE(bound.ok());
    ExecContext ctx;
    auto v = nectar::federation::evaluate(**bound, rows()[id - 1], ctx);
    REQUIRE(v.ok());
    return v->is_null() ? "NULL" : (v->as_bool() ? "t" : "f");
}

/// The error binding `filter` gives; checks its SQLSTATE and that its message names `mentions`.
Error check_error(std::string_view filter, const std::string& sqlstate, const std::string& mentions) {
    auto bound = bind_filter(filter, columns());
    INFO(filter);
    REQUIRE_FALSE(bound.ok());
    const Error& e = bound.error();
    INFO(e.sqlstate, " ", e.message);
    CHECK(e.sqlstate == sqlstate);
    CHECK(e.message.find(mentions) != std::string::npos);
    CHECK(e.message.find('\0') == std::string::npos);
    return e;
}

/// `inner` wrapped in `levels` $not objects: levels + 1 filter objects deep.
std::string nested_not(int levels, const std::string& inner) {
    std::string s = inner;
    for (int i = 0; i < levels; i++) {
        s = R"({"$not":)" + s + "}";
    }
    return s;
}

} // namespace

TEST_CASE("filter: empty filter binds to nothing and keeps every row") {
    auto bound = bind_filter("{}", columns());
    REQUIRE(bound.ok());
    CHECK(*bound == nullptr);
    CHECK(matching("{}") == kAll);
    CHECK(matching("  { }  ") == kAll);
}

TEST_CASE("filter: equality per column type, null is IS NULL") {
    CHECK(matching(R"({"id":3})") == Ids{3});
    CHECK(matching(R"({"age":25})") == Ids{1});
    CHECK(matching(R"({"age":"25"})") == Ids{1});   // '25' is valid integer input
    CHECK(matching(R"({"age":" 25 "})") == Ids{1}); // int4in allows surrounding spaces
    CHECK(matching(R"({"age":25.0})") == Ids{1});   // integral JSON number
    CHECK(matching(R"({"big":10000000000})") == Ids{1});
    CHECK(matching(R"({"big":"-5"})") == Ids{2});
    CHECK(matching(R"({"price":9.99})") == Ids{1, 6});
    CHECK(matching(R"({"price":"12.5"})") == Ids{5}); // numeric 12.50 = 12.5
    CHECK(matching(R"({"price":100})") == Ids{2});
    CHECK(matching(R"({"name":"alice"})") == Ids{1}); // text compares case-sensitively
    CHECK(matching(R"({"name":"x\\y"})") == Ids{6});
    CHECK(matching(R"({"active":true})") == Ids{1, 4});
    CHECK(matching(R"({"active":false})") == Ids{2, 6});
    CHECK(matching(R"({"active":"yes"})") == Ids{1, 4}); // boolean input accepts 'yes'
    CHECK(matching(R"({"born":"1999-01-01"})") == Ids{1});
    CHECK(matching(R"({"seen":"2024-01-01 10:00:00"})") == Ids{1, 6});
    CHECK(matching(R"({"seen":"2024-01-01T10:00:00"})") == Ids{1, 6});
    CHECK(matching(R"({"code":"A-1"})") == Ids{1});
    // {"c": null} is c IS NULL: the rows where each column is NULL
    const std::vector<std::pair<std::string, Ids>> nulls = {
        {"age", {3}},     {"big", {3, 6}},  {"price", {3}}, {"name", {3}},           {"active", {3, 5}},
        {"born", {3, 6}}, {"seen", {3, 5}}, {"code", {3, 5}}, {"meta", {2, 3, 5, 6}},
    };
    for (const auto& [column, ids] : nulls) {
        CHECK(matching(R"({")" + column + R"(":null})") == ids);
    }
}

TEST_CASE("filter: values are typed constants of the column's type") {
    auto bound = bind_filter(R"({"born":"1999-01-01"})", columns());
    REQUIRE(bound.ok());
    const Expr& call = **bound;
    REQUIRE(call.kind == Expr::Kind::Call);
    CHECK(call.fn->name == "=");
    REQUIRE(call.args.size() == 2);
    CHECK(call.args[0]->kind == Expr::Kind::Column);
    CHECK(call.args[0]->column == 6);
    CHECK(call.args[1]->kind == Expr::Kind::Const);
    CHECK(call.args[1]->type == Type::Date);
    auto price = bind_filter(R"({"price":0.1})", columns());
    REQUIRE(price.ok());
    CHECK((*price)->args[1]->type == Type::Numeric);
    CHECK((*price)->args[1]->value.as_string() == "0.1"); // the shortest text of the double
    auto age = bind_filter(R"({"age":"42"})", columns());
    REQUIRE(age.ok());
    CHECK((*age)->args[1]->type == Type::Int4);
    CHECK((*age)->args[1]->value.as_int() == 42);
}

TEST_CASE("filter: comparison operators leave NULLs out") {
    CHECK(matching(R"({"age":{"$eq":40}})") == Ids{2});
    CHECK(matching(R"({"age":{"$ne":25}})") == Ids{2, 4, 5, 6}); // NULL <> 25 is NULL: row 3 out
    CHECK(matching(R"({"age":{"$gt":25}})") == Ids{2, 5, 6});
    CHECK(matching(R"({"age":{"$gte":25}})") == Ids{1, 2, 5, 6});
    CHECK(matching(R"({"age":{"$lt":30}})") == Ids{1, 4});
    CHECK(matching(R"({"age":{"$lte":30}})") == Ids{1, 4, 6});
    CHECK(matching(R"({"age":{"$gte":18,"$lt":65}})") == Ids{1, 2, 4, 6});
    CHECK(matching(R"({"big":{"$gt":5000000000}})") == Ids{1});
    CHECK(matching(R"({"big":{"$lt":0}})") == Ids{2});
    CHECK(matching(R"({"price":{"$lt":1}})") == Ids{4});
    CHECK(matching(R"({"price":{"$gte":"12.5"}})") == Ids{2, 5});
    CHECK(matching(R"({"name":{"$gt":"b"}})") == Ids{2, 6}); // bytewise: "bob" > "b", "alice" < "b"
    CHECK(matching(R"({"active":{"$ne":true}})") == Ids{2, 6}); // NULLs are not "not true"
    CHECK(matching(R"({"born":{"$lt":"1990-01-01"}})") == Ids{2, 5});
    CHECK(matching(R"({"seen":{"$gte":"2024-01-01"}})") == Ids{1, 2, 6});
    CHECK(matching(R"({"seen":{"$lt":"2024-01-01 10:00:00"}})") == Ids{4});
    CHECK(matching(R"({"code":{"$ne":"A-1"}})") == Ids{2, 4, 6});
    // $eq / $ne null read as IS NULL / IS NOT NULL (= NULL would match nothing)
    CHECK(matching(R"({"age":{"$eq":null}})") == Ids{3});
    CHECK(matching(R"({"age":{"$ne":null}})") == Ids{1, 2, 4, 5, 6});
}

TEST_CASE("filter: $in and $nin are IN and NOT IN lists") {
    CHECK(matching(R"({"age":{"$in":[25,40,99]}})") == Ids{1, 2});
    CHECK(matching(R"({"age":{"$in":[25,null]}})") == Ids{1}); // 40 IN (25, NULL) is NULL
    CHECK(matching(R"({"age":{"$nin":[25,40]}})") == Ids{4, 5, 6}); // NULL NOT IN (...) is NULL
    CHECK(matching(R"({"age":{"$nin":[25,null]}})") == Ids{});      // x NOT IN (25, NULL) is never true
    CHECK(matching(R"({"age":{"$in":[]}})") == Ids{});               // x = ANY('{}') is false
    CHECK(matching(R"({"age":{"$nin":[]}})") == kAll);               // x <> ALL('{}') is true, NULL x too
    CHECK(matching(R"({"name":{"$in":["alice","bob"]}})") == Ids{1, 2});
    CHECK(matching(R"({"born":{"$in":["1999-01-01","1959-07-04"]}})") == Ids{1, 5});
    CHECK(matching(R"({"price":{"$in":[9.99,"0.50"]}})") == Ids{1, 4, 6});
    CHECK(matching(R"({"code":{"$nin":["A-1","B_2"]}})") == Ids{4, 6});
    CHECK(matching(R"({"active":{"$in":[false]}})") == Ids{2, 6});
}

TEST_CASE("filter: $between is >= low AND <= high") {
    CHECK(matching(R"({"age":{"$between":[18,30]}})") == Ids{1, 4, 6});
    CHECK(matching(R"({"age":{"$between":[30,18]}})") == Ids{}); // not SYMMETRIC
    CHECK(matching(R"({"born":{"$between":["1980-01-01","2000-12-31"]}})") == Ids{1, 2});
    CHECK(matching(R"({"price":{"$between":["9.99",100]}})") == Ids{1, 2, 5, 6});
    CHECK(matching(R"({"seen":{"$between":["2024-01-01","2024-01-01 10:00:00"]}})") == Ids{1, 6});
}

TEST_CASE("filter: $like and $ilike take the pattern as given") {
    CHECK(matching(R"({"name":{"$like":"a%"}})") == Ids{1});
    CHECK(matching(R"({"name":{"$ilike":"a%"}})") == Ids{1, 5});
    CHECK(matching(R"({"name":{"$like":"%pure_"}})") == Ids{4}); // _ is a wildcard here
    CHECK(matching(R"({"name":{"$like":"%pure"}})") == Ids{});
    CHECK(matching(R"({"name":{"$like":"100\\%%"}})") == Ids{4}); // backslash escapes
    CHECK(matching(R"({"name":{"$like":"_o_"}})") == Ids{2});
    CHECK(matching(R"({"code":{"$ilike":"a%"}})") == Ids{1, 4});
}

TEST_CASE("filter: $contains on text is a plain substring test") {
    CHECK(matching(R"({"name":{"$contains":"li"}})") == Ids{1, 5});
    CHECK(matching(R"({"name":{"$contains":"%"}})") == Ids{4});  // % is literal
    CHECK(matching(R"({"name":{"$contains":"_"}})") == Ids{4});  // _ is literal
    CHECK(matching(R"({"name":{"$contains":"0% p"}})") == Ids{4});
    CHECK(matching(R"({"name":{"$contains":"\\"}})") == Ids{6}); // backslash is literal
    CHECK(matching(R"({"name":{"$contains":""}})") == Ids{1, 2, 4, 5, 6}); // every non-NULL text
    CHECK(matching(R"({"code":{"$contains":"%"}})") == Ids{4});
    CHECK(matching(R"({"code":{"$contains":"_"}})") == Ids{2});
}

TEST_CASE("filter: $null and $exists") {
    CHECK(matching(R"({"age":{"$null":true}})") == Ids{3});
    CHECK(matching(R"({"age":{"$null":false}})") == Ids{1, 2, 4, 5, 6});
    CHECK(matching(R"({"active":{"$exists":true}})") == Ids{1, 2, 4, 6});
    CHECK(matching(R"({"active":{"$exists":false}})") == Ids{3, 5});
    CHECK(matching(R"({"meta":{"$null":false}})") == Ids{1, 4});
    CHECK(matching(R"({"seen":{"$null":true},"born":{"$exists":true}})") == Ids{5});
}

TEST_CASE("filter: several members and operators AND together") {
    CHECK(matching(R"({"active":true,"age":{"$lt":20}})") == Ids{4});
    CHECK(matching(R"({"price":9.99,"active":false})") == Ids{6});
    CHECK(matching(R"({"age":{"$gt":20},"age":{"$lt":50}})") == Ids{1, 2, 6}); // repeated key: both apply
}

TEST_CASE("filter: $or, $and, $not with three-valued logic") {
    CHECK(matching(R"({"$or":[{"age":{"$lt":20}},{"name":"bob"}]})") == Ids{2, 4});
    CHECK(matching(R"({"$and":[{"age":{"$gt":20}},{"active":true}]})") == Ids{1});
    CHECK(matching(R"({"$or":[{"age":25}]})") == Ids{1});
    // NOT (age > 30): NULL age gives NULL, not true
    CHECK(matching(R"({"$not":{"age":{"$gt":30}}})") == Ids{1, 4, 6});
    CHECK(truth_on(R"({"$not":{"age":{"$gt":30}}})", 3) == "NULL");
    // NOT (active OR age > 50): row 3 NULL OR NULL; row 5 NULL OR true = true
    CHECK(matching(R"({"$not":{"$or":[{"active":true},{"age":{"$gt":50}}]}})") == Ids{2, 6});
    // NOT (active AND age < 50): row 5 NULL AND false = false, so NOT keeps it; row 3 stays NULL
    CHECK(matching(R"({"$not":{"$and":[{"active":true},{"age":{"$lt":50}}]}})") == Ids{2, 5, 6});
    CHECK(truth_on(R"({"$not":{"$and":[{"active":true},{"age":{"$lt":50}}]}})", 3) == "NULL");
    // NOT of $nin with a NULL item: NOT (x NOT IN (25, NULL)) is true only for x = 25
    CHECK(matching(R"({"$not":{"age":{"$nin":[25,null]}}})") == Ids{1});
    CHECK(matching(R"({"$or":[{"$and":[{"active":true},{"age":{"$gt":20}}]},{"$not":{"active":{"$null":false}}}]})") ==
          Ids{1, 3, 5});
    CHECK(matching(R"({"age":{"$gte":18},"$or":[{"name":{"$ilike":"A%"}},{"price":{"$gt":50}}]})") == Ids{1, 2, 5});
    // {} inside logic is TRUE
    CHECK(matching(R"({"$or":[{},{"age":1}]})") == kAll);
    CHECK(matching(R"({"$and":[{},{"age":25}]})") == Ids{1});
    CHECK(matching(R"({"$not":{}})") == Ids{});
}

TEST_CASE("filter: json columns take JSON values") {
    // The engine compares jsonb as its text here; PostgreSQL compares documents.
    CHECK(matching(R"({"meta":{"$eq":{"color":"red"}}})") == Ids{1});
    CHECK(matching(R"({"meta":[1,2]})") == Ids{4});
    CHECK(matching(R"({"meta":{"$in":[[1,2],{"color":"blue"}]}})") == Ids{4});
}

TEST_CASE("filter: the element overload binds a parsed document") {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    REQUIRE(parser.parse(std::string_view(R"({"age":{"$lte":25}})")).get(doc) == simdjson::SUCCESS);
    auto bound = bind_filter(doc, columns());
    REQUIRE(bound.ok());
    CHECK(*bound != nullptr);
}

TEST_CASE("filter: nesting up to kMaxFilterDepth binds, deeper is 54001") {
    REQUIRE(kMaxFilterDepth == 32);
    // 31 $not around one condition: 32 filter objects; an odd count of NOTs is age <> 25
    CHECK(matching(nested_not(31, R"({"age":25})")) == Ids{2, 4, 5, 6});
    check_error(nested_not(32, R"({"age":25})"), "54001", "32");
    check_error(nested_not(40, R"({"age":25})"), "54001", "deeper");
    std::string deep_or = R"({"age":25})";
    for (int i = 0; i < 40; i++) {
        deep_or = R"({"$or":[)" + deep_or + "]}";
    }
    check_error(deep_or, "54001", "deeper");
    // deeper than the JSON parser itself goes: still 54001, not a crash
    check_error(nested_not(5000, "{}"), "54001", "deeper");
}

TEST_CASE("filter: unknown columns are 42703, matched exactly") {
    check_error(R"({"nope":1})", "42703", "\"nope\"");
    check_error(R"({"Name":"alice"})", "42703", "\"Name\"");
    check_error(R"({"name ":"alice"})", "42703", "\"name \"");
    check_error(R"({"$or":[{"age":1},{"ghost":{"$gt":1}}]})", "42703", "\"ghost\"");
    check_error(R"({"name.first":"x"})", "42703", "\"name.first\""); // name is text, not json
    check_error(R"({"nothing.x":1})", "42703", "\"nothing.x\"");
}

TEST_CASE("filter: hostile identifiers are just names that do not exist") {
    check_error(R"({"name\"; DROP TABLE t; --":1})", "42703", "DROP TABLE t");
    check_error(R"({"\"name\"":"alice"})", "42703", "does not exist");
    check_error(R"({"name'":1})", "42703", "name'");
    check_error(R"({"a;b":1})", "42703", "a;b");
    auto nul = check_error(R"({"name\u0000":"alice"})", "42703", "name\\x00");
    check_error(R"({"名前":1})", "42703", "名前");
    check_error(R"({"":1})", "42703", "\"\"");
    check_error(R"({"age\n":1})", "42703", "age\\x0A");
    std::string long_name(5000, 'x');
    auto e = check_error(R"({")" + long_name + R"(":1})", "42703", "xxx...");
    CHECK(e.message.size() < 200);
}

TEST_CASE("filter: unknown operators are 42883") {
    check_error(R"({"age":{"$foo":1}})", "42883", "$foo");
    check_error(R"({"age":{"gt":1}})", "42883", "\"gt\"");
    check_error(R"({"age":{"$GT":1}})", "42883", "$GT");
    check_error(R"({"$nor":[{"age":1}]})", "42883", "$nor");
    check_error(R"({"age":{"$not":{"$gt":1}}})", "42883", "$not");
    check_error(R"({"age":{"$or":[]}})", "42883", "$or");
    // operators the column's type lacks: PostgreSQL's own "operator does not exist"
    check_error(R"({"age":{"$like":"1%"}})", "42883", "integer ~~ text");
    check_error(R"({"born":{"$ilike":"1999%"}})", "42883", "\"born\"");
    check_error(R"({"age":{"$contains":"1"}})", "42883", "$contains");
}

TEST_CASE("filter: values that do not fit the column's type are 22P02") {
    check_error(R"({"age":"abc"})", "22P02", "\"age\"");
    check_error(R"({"age":"abc"})", "22P02", "abc");
    check_error(R"({"age":"4.2"})", "22P02", "4.2");   // integer input takes no fraction
    check_error(R"({"age":4.5})", "22P02", "4.5");
    check_error(R"({"age":3000000000})", "22P02", "3000000000"); // out of integer's range
    check_error(R"({"age":18446744073709551615})", "22P02", "\"age\"");
    check_error(R"({"big":"1e3"})", "22P02", "1e3");
    check_error(R"({"age":true})", "22P02", "boolean");
    check_error(R"({"active":1})", "22P02", "\"active\"");
    check_error(R"({"name":5})", "22P02", "\"name\"");
    check_error(R"({"born":"2024-13-45"})", "22P02", "2024-13-45");
    check_error(R"({"born":20240101})", "22P02", "\"born\"");
    check_error(R"({"seen":"not a time"})", "22P02", "not a time");
    check_error(R"({"price":"x"})", "22P02", "\"price\"");
    check_error(R"({"age":{"$in":[1,"two"]}})", "22P02", "two");
    check_error(R"({"age":{"$between":[1,"z"]}})", "22P02", "\"z\"");
    check_error(R"({"name":"a\u0000b"})", "22P02", "NUL");
    check_error(R"({"name":{"$like":"a\u0000%"}})", "22P02", "NUL");
    check_error(R"({"name":{"$contains":"\u0000"}})", "22P02", "NUL");
}

TEST_CASE("filter: invalid JSON is 22P02") {
    auto e = check_error(R"({"age":)", "22P02", "invalid JSON in filter");
    CHECK(e.message.size() > std::string("invalid JSON in filter: ").size());
    check_error("", "22P02", "invalid JSON in filter");
    check_error(R"({"age":1} x)", "22P02", "invalid JSON in filter");
    check_error("{'age':1}", "22P02", "invalid JSON in filter");
    auto big = check_error(R"({"price":123456789012345678901234567890})", "22P02", "invalid JSON in filter");
    CHECK(big.hint.find("JSON strings") != std::string::npos);
    CHECK(matching(R"({"price":{"$lt":"123456789012345678901234567890"}})") == Ids{1, 2, 4, 5, 6});
}

TEST_CASE("filter: malformed filters are 42601") {
    check_error("[1]", "42601", "array");
    check_error("5", "42601", "number");
    check_error(R"("age")", "42601", "string");
    check_error("null", "42601", "null");
    check_error(R"({"age":{}})", "42601", "\"age\"");
    check_error(R"({"age":[1,2]})", "42601", "\"age\"");
    check_error(R"({"age":{"$eq":[1]}})", "42601", "$eq");
    check_error(R"({"age":{"$gt":null}})", "42601", "$gt");
    check_error(R"({"age":{"$in":5}})", "42601", "$in");
    check_error(R"({"age":{"$nin":{"a":1}}})", "42601", "$nin");
    check_error(R"({"age":{"$in":[[1]]}})", "42601", "$in");
    check_error(R"({"age":{"$between":[1]}})", "42601", "$between");
    check_error(R"({"age":{"$between":[1,2,3]}})", "42601", "$between");
    check_error(R"({"age":{"$between":[null,2]}})", "42601", "non-null");
    check_error(R"({"age":{"$null":"yes"}})", "42601", "$null");
    check_error(R"({"age":{"$exists":1}})", "42601", "$exists");
    check_error(R"({"name":{"$like":5}})", "42601", "$like");
    check_error(R"({"name":{"$contains":["a"]}})", "42601", "$contains");
    check_error(R"({"$or":{"age":1}})", "42601", "$or");
    check_error(R"({"$or":[]})", "42601", "empty");
    check_error(R"({"$and":[5]})", "42601", "member of $and");
    check_error(R"({"$not":[{"age":1}]})", "42601", "$not");
}

TEST_CASE("filter: json paths and containment are refused with 0A000") {
    check_error(R"({"meta.color":"red"})", "0A000", "meta.color");
    check_error(R"({"meta.a.b":{"$gt":1}})", "0A000", "not supported yet");
    check_error(R"({"meta":{"$contains":{"color":"red"}}})", "0A000", "$contains");
}
