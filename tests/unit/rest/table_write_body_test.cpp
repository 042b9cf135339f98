// The REST writes' JSON bodies: rows and column values checked against the table and coerced to
// the column types, every malformed body refused with the SQLSTATE and a message naming the spot.
#include "rest/table_write_body.hpp"

#include <doctest.h>

#include <string>

using nectar::federation::ColumnInfo;
using nectar::federation::TableInfo;
using nectar::federation::Type;
using namespace nectar::rest;

namespace {

TableInfo items() {
    TableInfo t;
    t.name = "items";
    t.columns = {{"id", Type::Int4, "int", false, true},
                 {"name", Type::Text, "text", false, false},
                 {"price", Type::Numeric, "numeric", true, false},
                 {"doc", Type::Jsonb, "jsonb", true, false}};
    return t;
}

/// The error's SQLSTATE, and whether its message holds `words`.
void check_error(const nectar::Error& e, const char* sqlstate, const std::string& words) {
    CHECK(e.sqlstate == sqlstate);
    CHECK_MESSAGE(e.message.find(words) != std::string::npos, e.message);
}

} // namespace

TEST_CASE("read_insert_body: one object, and a bulk array in the first object's column order") {
    auto one = read_insert_body(R"({"name":"a","id":"7","price":1.5})", items());
    REQUIRE(one);
    CHECK(one->single);
    CHECK(one->columns == std::vector<int>{1, 0, 2});
    REQUIRE(one->rows.size() == 1);
    CHECK(one->rows[0][1].as_int() == 7);
    auto bulk = read_insert_body(R"([{"id":1,"name":"a"},{"name":"b","id":2}])", items());
    REQUIRE(bulk);
    CHECK(!bulk->single);
    REQUIRE(bulk->rows.size() == 2);
    CHECK(bulk->rows[1][0].as_int() == 2); // reordered to the first object's columns
    auto json = read_insert_body(R"({"id":1,"doc":{"a":[1,{"b":null}]}})", items());
    REQUIRE(json);
    CHECK(json->rows[0][1].is_null() == false);
}

TEST_CASE("read_insert_body: malformed bodies") {
    struct Case {
        const char* body;
        const char* sqlstate;
        const char* words;
    };
    for (const Case& c : {Case{"", "22P02", "empty"}, Case{"{", "22P02", "JSON"}, Case{"\"x\"", "22P02", "object"},
                          Case{"[]", "22023", "empty array"}, Case{"{}", "22023", "empty object"},
                          Case{"[{\"id\":1},3]", "22P02", "row 2"},
                          Case{R"({"id":1,"zz":2})", "42703", "\"zz\""},
                          Case{R"({"id":1,"id":2})", "22023", "twice"},
                          Case{R"({"id":"x"})", "22P02", "\"id\""},
                          Case{R"({"id":2147483648})", "22003", "\"id\""},
                          Case{R"({"name":{"a":1}})", "22P02", "not an object"},
                          Case{R"({"name":"a\u0000"})", "22P02", "NUL"},
                          Case{R"([{"id":1,"name":"a"},{"id":2}])", "22023", "row 2: column \"name\" is missing"},
                          Case{R"([{"id":1},{"id":2,"name":"b"}])", "22023", "row 2: column \"name\" is not in"}}) {
        CAPTURE(c.body);
        auto r = read_insert_body(c.body, items());
        REQUIRE(!r);
        check_error(r.error(), c.sqlstate, c.words);
    }
}

TEST_CASE("read_update_body: PATCH takes any columns, PUT all but the key") {
    auto patch = read_update_body(R"({"price":null})", items(), false);
    REQUIRE(patch);
    CHECK(patch->size() == 1);
    CHECK((*patch)[0].second.is_null());
    auto put = read_update_body(R"({"price":"2.5"})", items(), true);
    REQUIRE(!put);
    check_error(put.error(), "23502", "missing: \"name\", \"doc\"");
    CHECK(read_update_body(R"({"name":"n","price":1,"doc":null})", items(), true));
    auto array = read_update_body("[1]", items(), false);
    REQUIRE(!array);
    check_error(array.error(), "22P02", "object");
}

TEST_CASE("read_conflict_columns") {
    auto keys = read_conflict_columns("name, id,name", items());
    REQUIRE(keys);
    CHECK(*keys == std::vector<int>{1, 0});
    REQUIRE(!read_conflict_columns("id,", items()));
    check_error(read_conflict_columns("id,nope", items()).error(), "42703", "\"nope\"");
    CHECK(quoted_name(std::string(300, 'x')).size() == 100 + 5);
}
