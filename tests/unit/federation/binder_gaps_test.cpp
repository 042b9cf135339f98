// SELECT DISTINCT ON, USING/NATURAL join columns of a common type, and varchar: bound plans
// and, over VALUES, the rows they produce, as PostgreSQL 15 gives them.

#include "catalog_fixture.hpp"
#include "executor_test_util.hpp"

using namespace catalog_fixture;
using executor_test::rows_of;
using executor_test::sorted;
using Strings = std::vector<std::string>;

namespace {

const std::string kRows = "(VALUES (1, 10, 'a'), (1, 30, 'b'), (2, 20, 'c'), (NULL, 5, 'd'), (NULL, 7, 'e'), "
                          "(2, NULL, 'f'), (3, 1, 'g')) v(k, x, t)";

} // namespace

TEST_CASE("DISTINCT ON keeps the first row of each group in ORDER BY order; NULLs are one group") {
    auto plan = bind_ok("SELECT DISTINCT ON (k) k, x, t FROM " + kRows + " ORDER BY k, x DESC NULLS LAST, t");
    CHECK(column_names(plan) == Strings{"k", "x", "t"});
    CHECK(rows_of(plan) == Strings{"1|30|b", "2|20|c", "3|1|g", "NULL|7|e"});
    // NULLS FIRST puts the NULL x of group 2 first.
    CHECK(rows_of(bind_ok("SELECT DISTINCT ON (k) k, x FROM " + kRows + " ORDER BY k, x DESC")) ==
          Strings{"1|30", "2|NULL", "3|1", "NULL|7"});
    // An ordinal, an output name, and an expression that is not selected.
    CHECK(rows_of(bind_ok("SELECT DISTINCT ON (1) k, t FROM " + kRows + " ORDER BY 1, x")) ==
          Strings{"1|a", "2|c", "3|g", "NULL|d"});
    CHECK(rows_of(bind_ok("SELECT DISTINCT ON (kk) k AS kk, t FROM " + kRows + " ORDER BY kk, t DESC")) ==
          Strings{"1|b", "2|f", "3|g", "NULL|e"});
    CHECK(rows_of(bind_ok("SELECT DISTINCT ON (k % 2) t FROM " + kRows + " ORDER BY k % 2, x")) ==
          Strings{"c", "g", "d"});
    // Without ORDER BY: one row per group, any of them.
    auto any = rows_of(bind_ok("SELECT DISTINCT ON (k) k FROM " + kRows));
    CHECK(sorted(any) == Strings{"1", "2", "3", "NULL"});
    // Several DISTINCT ON expressions, in another order than ORDER BY's; LIMIT and OFFSET after.
    CHECK(rows_of(bind_ok("SELECT DISTINCT ON (x > 8, k) k, x FROM " + kRows +
                          " ORDER BY k, x > 8, x LIMIT 3 OFFSET 1")) == Strings{"2|20", "2|NULL", "3|1"});
    // DISTINCT ON items missing from ORDER BY are fine while no ORDER BY item was skipped.
    CHECK(rows_of(bind_ok("SELECT DISTINCT ON (k, t) k FROM " + kRows + " WHERE k = 1 ORDER BY k")).size() == 2);
}

TEST_CASE("DISTINCT ON expressions must match the initial ORDER BY expressions (42P10)") {
    const std::string msg = "SELECT DISTINCT ON expressions must match initial ORDER BY expressions";
    check_error("SELECT DISTINCT ON (name) id FROM pg.users ORDER BY id", "42P10", 21, msg);
    check_error("SELECT DISTINCT ON (name) id FROM pg.users ORDER BY id, name", "42P10", 21, msg);
    check_error("SELECT DISTINCT ON (id, age) id FROM pg.users ORDER BY id, name, age", "42P10", 25, msg);
    bind_ok("SELECT DISTINCT ON (id, age) id FROM pg.users ORDER BY age, id, name");
    bind_ok("SELECT DISTINCT ON (id, age) id FROM pg.users ORDER BY id");
    // Plain DISTINCT keeps its own rule.
    CHECK(bind_error("SELECT DISTINCT id FROM pg.users ORDER BY age").sqlstate == "42P10");
}

TEST_CASE("USING/NATURAL join columns: common type, side per join kind, USING columns first") {
    // int4 ⋈ int8: the merged column is bigint (the right column, which needs no cast).
    auto plan = bind_ok("SELECT * FROM pg.users u JOIN lite.events USING (id)");
    CHECK(column_names(plan) == Strings{"id", "name", "age", "big", "user_id", "kind", "ts"});
    CHECK(types_of(plan)[0] == Type::Int8);
    // USING columns come first even when they are not the left table's first column.
    plan = bind_ok("SELECT * FROM pg.orders o JOIN lite.events e USING (user_id)");
    CHECK(column_names(plan) == Strings{"user_id", "id", "amount", "status", "id", "kind", "ts"});
    plan = bind_ok("SELECT * FROM pg.users NATURAL JOIN lite.events");
    CHECK(column_names(plan) == Strings{"id", "name", "age", "big", "user_id", "kind", "ts"});
    // Qualified references still reach each side's own column and type.
    plan = bind_ok("SELECT id, u.id, e.id FROM pg.users u JOIN lite.events e USING (id)");
    CHECK(types_of(plan) == std::vector<Type>{Type::Int8, Type::Int4, Type::Int8});
    // numeric ⋈ int: numeric; text ⋈ varchar: text.
    CHECK(types_of(bind_ok("SELECT x FROM (SELECT 1.5 AS x) a JOIN (SELECT 2 AS x) b USING (x)")) ==
          std::vector<Type>{Type::Numeric});
    CHECK(types_of(bind_ok("SELECT x FROM (SELECT 'a'::text AS x) a JOIN (SELECT 'a'::varchar AS x) b USING (x)")) ==
          std::vector<Type>{Type::Text});
    check_error("SELECT * FROM pg.users JOIN lite.events USING (id, id)", "42701", 0,
                "column name \"id\" appears more than once in USING clause");
    check_error("SELECT * FROM pg.users JOIN lite.events USING (nope)", "42703", 0,
                "column \"nope\" specified in USING clause does not exist in left table");
    check_error("SELECT * FROM pg.users u JOIN lite.events e USING (id), pg.orders o JOIN lite.events USING (kind)",
                "42703", 0, "column \"kind\" specified in USING clause does not exist in left table");
}

TEST_CASE("USING columns take the left side for LEFT, the right for RIGHT, COALESCE for FULL") {
    const std::string l = "(VALUES (1, 'l1'), (2, 'l2'), (NULL, 'l3')) a(id, lv)";
    const std::string r = "(VALUES (1::int8, 'r1'), (3, 'r3'), (NULL, 'r4')) b(id, rv)";
    CHECK(sorted(rows_of(bind_ok("SELECT * FROM " + l + " JOIN " + r + " USING (id)"))) == Strings{"1|l1|r1"});
    CHECK(sorted(rows_of(bind_ok("SELECT * FROM " + l + " LEFT JOIN " + r + " USING (id)"))) ==
          Strings{"1|l1|r1", "2|l2|NULL", "NULL|l3|NULL"});
    CHECK(sorted(rows_of(bind_ok("SELECT * FROM " + l + " RIGHT JOIN " + r + " USING (id)"))) ==
          Strings{"1|l1|r1", "3|NULL|r3", "NULL|NULL|r4"});
    CHECK(sorted(rows_of(bind_ok("SELECT * FROM " + l + " FULL JOIN " + r + " USING (id)"))) ==
          Strings{"1|l1|r1", "2|l2|NULL", "3|NULL|r3", "NULL|NULL|r4", "NULL|l3|NULL"});
    auto plan = bind_ok("SELECT id FROM " + l + " FULL JOIN " + r + " USING (id)");
    CHECK(types_of(plan) == std::vector<Type>{Type::Int8});
    // A USING column of an inner join is usable again by the next USING join.
    plan = bind_ok("SELECT * FROM " + l + " JOIN " + r + " USING (id) JOIN (VALUES (1, 'x')) c(id, cv) USING (id)");
    CHECK(column_names(plan) == Strings{"id", "lv", "rv", "cv"});
    CHECK(rows_of(plan) == Strings{"1|l1|r1|x"});
}

TEST_CASE("varchar: its own type on the wire, text in every operation") {
    CHECK(type_from_name("varchar(3)") == Type::Varchar);
    CHECK(type_from_name("character varying") == Type::Varchar);
    CHECK(type_from_oid(1043) == Type::Varchar);
    CHECK(type_oid(Type::Varchar) == 1043);
    CHECK(type_name(Type::Varchar) == "character varying");
    CHECK(varchar_typmod(3) == 7);
    CHECK(can_cast_implicitly(Type::Varchar, Type::Text));
    CHECK(can_cast_implicitly(Type::Text, Type::Varchar));
    // select_common_type keeps the first of two mutually implicit types unless it is the preferred text.
    CHECK(*common_type(Type::Varchar, Type::Text, "UNION") == Type::Varchar);
    CHECK(*common_type(Type::Text, Type::Varchar, "UNION") == Type::Text);

    auto plan = bind_ok("SELECT 'x'::varchar(3) AS g, 'x'::varchar || 'y'::varchar AS c, 'a'::varchar = 'a' AS eq, "
                        "upper('a'::varchar) AS u, true::varchar AS b, 12::varchar AS i");
    CHECK(types_of(plan) ==
          std::vector<Type>{Type::Varchar, Type::Text, Type::Bool, Type::Text, Type::Varchar, Type::Varchar});
    CHECK(rows_of(plan) == Strings{"x|xy|t|A|true|12"});
    // CASE resolves its ELSE branch first, as PostgreSQL does.
    CHECK(types_of(bind_ok("SELECT CASE WHEN true THEN 'a'::varchar ELSE 'b'::text END")) ==
          std::vector<Type>{Type::Text});
    CHECK(types_of(bind_ok("SELECT CASE WHEN true THEN 'a'::text ELSE 'b'::varchar END")) ==
          std::vector<Type>{Type::Varchar});
    CHECK(types_of(bind_ok("SELECT COALESCE('a'::varchar, 'b'::text)")) == std::vector<Type>{Type::Varchar});
    auto bad = cast_value(Value::string(Type::Varchar, "abc"), Type::Int4);
    REQUIRE(!bad.ok());
    CHECK(bad.error().sqlstate == "22P02");
    CHECK(cast_value(Value::string(Type::Varchar, "42"), Type::Int4)->as_int() == 42);
    CHECK(cast_value(Value::string(Type::Varchar, "42"), Type::Text)->type() == Type::Text);
}
