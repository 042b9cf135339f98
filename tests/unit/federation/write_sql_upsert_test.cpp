// The SQL of REST's upserts and If-Match reads in each dialect: ON CONFLICT ... DO UPDATE on
// PostgreSQL and SQLite, ON DUPLICATE KEY UPDATE on MariaDB; the locked read of the target rows.
#include "federation/connectors/mysql/mysql_dialect.hpp"
#include "federation/connectors/sqlite/sqlite_dialect.hpp"
#include "federation/write_sql.hpp"

#include <doctest.h>

using namespace nectar::federation;

namespace {

BoundWrite items() {
    BoundWrite w;
    w.service = "s";
    w.table = "items";
    w.columns = {{"id", Type::Int4, "int", false, true}, {"na\"me", Type::Text, "text", false, false},
                 {"qty", Type::Int4, "int", false, false}};
    w.insert_columns = {0, 1, 2};
    w.upsert_keys = {0};
    return w;
}

} // namespace

TEST_CASE("upsert_sql: every inserted column but the conflict keys is updated") {
    BoundWrite w = items();
    CHECK(upsert_sql(w, postgres_dialect()) ==
          R"( ON CONFLICT ("id") DO UPDATE SET "na""me" = EXCLUDED."na""me", "qty" = EXCLUDED."qty")");
    CHECK(upsert_sql(w, sqlite_dialect()) ==
          R"( ON CONFLICT ("id") DO UPDATE SET "na""me" = EXCLUDED."na""me", "qty" = EXCLUDED."qty")");
    CHECK(upsert_sql(w, mysql_dialect()) == " ON DUPLICATE KEY UPDATE `na\"me` = VALUES(`na\"me`), `qty` = VALUES(`qty`)");
}

TEST_CASE("upsert_sql: only key columns inserted still returns the existing row (a no-op update)") {
    BoundWrite w = items();
    w.insert_columns = {0};
    CHECK(upsert_sql(w, postgres_dialect()) == R"( ON CONFLICT ("id") DO UPDATE SET "id" = EXCLUDED."id")");
    w.insert_columns = {0, 1};
    w.upsert_keys = {0, 1};
    CHECK(upsert_sql(w, postgres_dialect()) ==
          R"( ON CONFLICT ("id", "na""me") DO UPDATE SET "id" = EXCLUDED."id", "na""me" = EXCLUDED."na""me")");
}

TEST_CASE("lock_rows_sql: the target rows read and locked, where the dialect locks rows") {
    BoundWrite w = items();
    w.where = Expr::constant(Value::boolean(true));
    auto pg = lock_rows_sql(w, postgres_dialect());
    REQUIRE(pg);
    CHECK(pg->find(R"(SELECT "id", "na""me", "qty" FROM "items" WHERE )") == 0);
    CHECK(pg->ends_with(" FOR UPDATE"));
    auto lite = lock_rows_sql(w, sqlite_dialect());
    REQUIRE(lite);
    CHECK(!lite->ends_with(" FOR UPDATE")); // BEGIN IMMEDIATE already holds the database's write lock
    auto my = lock_rows_sql(w, mysql_dialect());
    REQUIRE(my);
    CHECK(my->find("SELECT `id`, `na\"me`, `qty` FROM `items` WHERE ") == 0);
}
