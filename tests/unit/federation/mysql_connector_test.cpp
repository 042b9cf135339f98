// The MySQL connector against a real MariaDB (NECTAR_TEST_MYSQL_URL): discovery, conversions,
// streaming, pool hygiene, errors and writes. Without the variable the cases say so and skip.
// To run by hand: python3 tests/e2e/mariadb_server.py prints a mysql:// URL and serves until Enter.
#include "federation/types/datetime.hpp"
#include "mysql_test_util.hpp"

#include <doctest.h>

using namespace mysql_test;

TEST_CASE("mysql: discovery maps every column type") {
    REQUIRE_MYSQL();
    Mysql my;
    my.must("DROP TABLE IF EXISTS disc_all");
    my.must("DROP VIEW IF EXISTS disc_view");
    my.must(
        "CREATE TABLE disc_all (id int NOT NULL, k2 varchar(10) NOT NULL, b tinyint(1), ti tinyint, "
        "tiu tinyint unsigned, si smallint, siu smallint unsigned, mi mediumint, i int, iu int unsigned, "
        "bi bigint, biu bigint unsigned, de decimal(12,3), fl float, db double, ch char(3), vc varchar(20), "
        "tx text, en enum('x','y'), st set('p','q'), bn binary(4), vb varbinary(9), bl blob, d date, "
        "dt datetime(6), ts timestamp NULL, tm time, j json, yr year, bt1 bit(1), bt8 bit(8), "
        "PRIMARY KEY (id, k2))");
    my.must("CREATE VIEW disc_view AS SELECT id, vc FROM disc_all");
    my.must("INSERT INTO disc_all (id, k2) VALUES (1, 'a'), (2, 'b')");
    my.must("ANALYZE TABLE disc_all");
    auto tables = run(my.io, my.connector->discover());
    REQUIRE(tables.ok());
    const TableInfo* all = nullptr;
    const TableInfo* view = nullptr;
    for (const TableInfo& t : *tables) {
        all = t.name == "disc_all" ? &t : all;
        view = t.name == "disc_view" ? &t : view;
    }
    REQUIRE(all != nullptr);
    REQUIRE(view != nullptr);
    CHECK(view->is_view);
    CHECK_FALSE(all->is_view);
    CHECK(view->columns.size() == 2);
    CHECK(all->row_estimate >= 0);
    std::vector<std::pair<std::string, Type>> expected = {
        {"id", Type::Int4},      {"k2", Type::Text},        {"b", Type::Bool},    {"ti", Type::Int2},
        {"tiu", Type::Int2},     {"si", Type::Int2},        {"siu", Type::Int4},  {"mi", Type::Int4},
        {"i", Type::Int4},       {"iu", Type::Int8},        {"bi", Type::Int8},   {"biu", Type::Numeric},
        {"de", Type::Numeric},   {"fl", Type::Float4},      {"db", Type::Float8}, {"ch", Type::Text},
        {"vc", Type::Text},      {"tx", Type::Text},        {"en", Type::Text},   {"st", Type::Text},
        {"bn", Type::Bytea},     {"vb", Type::Bytea},       {"bl", Type::Bytea},  {"d", Type::Date},
        {"dt", Type::Timestamp}, {"ts", Type::TimestampTz}, {"tm", Type::Time},   {"j", Type::Jsonb},
        {"yr", Type::Int4},      {"bt1", Type::Bool},       {"bt8", Type::Int8},
    };
    REQUIRE(all->columns.size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        INFO("column " << all->columns[i].name << " (" << all->columns[i].remote_type << ")");
        CHECK(all->columns[i].name == expected[i].first);
        CHECK(all->columns[i].type == expected[i].second);
    }
    CHECK(all->columns[0].primary_key);
    CHECK(all->columns[1].primary_key);
    CHECK_FALSE(all->columns[2].primary_key);
    CHECK_FALSE(all->columns[0].nullable);
    CHECK(all->columns[2].nullable);
    CHECK(all->columns[2].remote_type == "tinyint(1)");
}

TEST_CASE("mysql: values of every mapped type convert to PostgreSQL's") {
    REQUIRE_MYSQL();
    Mysql my;
    my.must("DROP TABLE IF EXISTS conv");
    my.must("CREATE TABLE conv (b tinyint(1), b5 tinyint(1), i int, biu bigint unsigned, de decimal(12,3), "
            "db double, d date, dt datetime(6), ts timestamp(3) NULL, tm time(6), bt1 bit(1), bt8 bit(8), "
            "vb varbinary(9), tx text, yr year, j json)");
    my.must("INSERT INTO conv VALUES (1, 5, -42, 18446744073709551615, -12.5, 0.1, '2024-02-29', "
            "'1999-12-31 23:59:59.25', '2038-01-19 03:14:07.5', '23:59:59.999999', b'1', b'10000001', "
            "x'00ff41', 'héllo ''q''', 2024, '{\"a\": [1, 2]}')");
    std::vector<Type> types = {Type::Bool,        Type::Bool,   Type::Int4, Type::Numeric,
                               Type::Numeric,     Type::Float8, Type::Date, Type::Timestamp,
                               Type::TimestampTz, Type::Time,   Type::Bool, Type::Int8,
                               Type::Bytea,       Type::Text,   Type::Int4, Type::Jsonb};
    auto rows = my.rows("SELECT * FROM conv", types);
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    Row& r = (*rows)[0];
    CHECK(r[0].as_bool());
    CHECK(r[1].as_bool());
    CHECK(r[2].as_int() == -42);
    CHECK(r[3].as_string() == "18446744073709551615");
    CHECK(r[4].as_string() == "-12.500");
    CHECK(r[5].as_float() == 0.1);
    CHECK(r[6].as_int() == days_from_civil(2024, 2, 29));
    CHECK(r[7].as_int() == days_from_civil(1999, 12, 31) * kMicrosPerDay + 86399250000);
    CHECK(r[8].as_int() == days_from_civil(2038, 1, 19) * kMicrosPerDay +
                               (3 * 3600 + 14 * 60 + 7) * kMicrosPerSecond + 500000);
    CHECK(r[9].as_int() == kMicrosPerDay - 1);
    CHECK(r[10].as_bool());
    CHECK(r[11].as_int() == 129);
    CHECK(r[12].as_string() == std::string("\x00\xff\x41", 3));
    CHECK(r[13].as_string() == "héllo 'q'");
    CHECK(r[14].as_int() == 2024);
    CHECK(r[15].type() == Type::Jsonb);

    // FLOAT prints with 6 significant digits: selected through render_select_item it is exact.
    my.must("DROP TABLE IF EXISTS floats");
    my.must("CREATE TABLE floats (f float)");
    my.must("INSERT INTO floats VALUES (3.1415927), (16777216), (-1e30)");
    auto floats = my.rows("SELECT " + mysql_dialect().render_select_item("f", Type::Float4) + " FROM floats",
                          {Type::Float4});
    REQUIRE(floats.ok());
    REQUIRE(floats->size() == 3);
    CHECK((*floats)[0][0].as_float() == static_cast<double>(3.1415927f));
    CHECK((*floats)[1][0].as_float() == 16777216.0);
    CHECK((*floats)[2][0].as_float() == static_cast<double>(-1e30f));

    // MySQL-only values PostgreSQL cannot hold are errors, not made-up values.
    my.must("DROP TABLE IF EXISTS zero_dates");
    my.must("CREATE TABLE zero_dates (d date, t time)");
    my.must("SET STATEMENT sql_mode = '' FOR INSERT INTO zero_dates VALUES ('0000-00-00', '10:00:00')");
    auto zero = my.rows("SELECT d FROM zero_dates", {Type::Date});
    REQUIRE_FALSE(zero.ok());
    CHECK(zero.error().sqlstate == "22008");
    CHECK(zero.error().message.find("0000-00-00") != std::string::npos);
    auto long_time = my.rows("SELECT TIME'25:00:00'", {Type::Time});
    REQUIRE_FALSE(long_time.ok());
    CHECK(long_time.error().sqlstate == "22008");
    auto overflow = my.rows("SELECT 3000000000", {Type::Int4});
    REQUIRE_FALSE(overflow.ok());
    CHECK(overflow.error().sqlstate == "22003");
}

TEST_CASE("mysql: a 200k-row result streams, checked row by row") {
    REQUIRE_MYSQL();
    Mysql my;
    my.must("DROP TABLE IF EXISTS big");
    my.must("CREATE TABLE big (id int PRIMARY KEY, label varchar(20), amount decimal(12,2), at datetime)");
    my.must("INSERT INTO big SELECT seq, CONCAT('row-', seq), seq / 4, '2000-01-01' + INTERVAL seq SECOND "
            "FROM seq_1_to_200000");
    auto stream = my.open("SELECT id, label, amount, at FROM big ORDER BY id",
                          {Type::Int4, Type::Text, Type::Numeric, Type::Timestamp});
    REQUIRE(stream.ok());
    int64_t expected = 1;
    size_t max_batch = 0;
    bool all_good = true;
    for (;;) {
        Batch batch;
        auto more = my.next(**stream, batch);
        REQUIRE(more.ok());
        max_batch = std::max(max_batch, batch.rows.size());
        for (const Row& row : batch.rows) {
            std::string cents = std::to_string(expected * 25 % 100);
            std::string amount = std::to_string(expected / 4) + "." + (cents.size() == 1 ? "0" : "") + cents;
            bool good = row[0].as_int() == expected &&
                        row[1].as_string() == "row-" + std::to_string(expected) &&
                        row[2].as_string() == amount && row[3].as_int() == expected * kMicrosPerSecond;
            if (!good && all_good) {
                FAIL_CHECK("row " << expected << " is " << row_text(row));
            }
            all_good = all_good && good;
            expected++;
        }
        if (!*more) {
            break;
        }
    }
    CHECK(all_good);
    CHECK(expected == 200001);
    CHECK(max_batch == Batch::kBatchRows);
    CHECK(my.connector->pool().idle() == 1); // the connection went back once the result ended
}

TEST_CASE("mysql: errors carry PostgreSQL SQLSTATEs") {
    REQUIRE_MYSQL();
    Mysql my;
    my.must("DROP TABLE IF EXISTS child");
    my.must("DROP TABLE IF EXISTS parent");
    my.must("CREATE TABLE parent (id int PRIMARY KEY, name varchar(10) NOT NULL) ENGINE=InnoDB");
    my.must("CREATE TABLE child (id int PRIMARY KEY, parent_id int, "
            "FOREIGN KEY (parent_id) REFERENCES parent(id)) ENGINE=InnoDB");
    my.must("INSERT INTO parent VALUES (1, 'one')");
    my.must("INSERT INTO child VALUES (1, 1)");
    struct Case {
        std::string sql;
        std::string sqlstate;
    };
    for (const Case& c : std::vector<Case>{
             {"INSERT INTO parent VALUES (1, 'dup')", "23505"},
             {"INSERT INTO child VALUES (2, 99)", "23503"},
             {"DELETE FROM parent WHERE id = 1", "23503"},
             {"INSERT INTO parent VALUES (2, NULL)", "23502"},
             {"SELECT * FROM no_such_table", "42P01"},
             {"SELECT no_such_column FROM parent", "42703"},
             {"SELEC 1", "42601"},
         }) {
        INFO(c.sql);
        auto done = my.exec(c.sql);
        REQUIRE_FALSE(done.ok());
        CHECK(done.error().sqlstate == c.sqlstate);
        CHECK(done.error().message.rfind("mysql: ", 0) == 0);
    }
    auto missing = my.rows("SELECT * FROM no_such_table", {Type::Int4});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().sqlstate == "42P01");
    CHECK(missing.error().message.find("no_such_table") != std::string::npos);
    // The connection survives server-side errors and is reused.
    auto one = my.rows("SELECT 1", {Type::Int4});
    REQUIRE(one.ok());
    CHECK(my.connector->pool().total() == 1);

    // Unreachable server: 08001; wrong password: 28P01.
    ServiceUrl url = parse_service_url(env("NECTAR_TEST_MYSQL_URL")).value();
    PoolConfig fast;
    fast.acquire_timeout_ms = 500;
    fast.create_timeout_ms = 500;
    Mysql nowhere(fast, "mysql://u:p@127.0.0.1:1/x");
    auto refused = nowhere.rows("SELECT 1", {Type::Int4});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().sqlstate == "08001");
    Mysql wrong(fast, "mysql://" + url.user + ":wrong-password@127.0.0.1:" + std::to_string(url.port) + "/" +
                          url.database);
    auto denied = wrong.rows("SELECT 1", {Type::Int4});
    REQUIRE_FALSE(denied.ok());
    CHECK(denied.error().sqlstate == "28P01");
}

TEST_CASE("mysql: an abandoned stream never leaves a dirty connection in the pool") {
    REQUIRE_MYSQL();
    PoolConfig two;
    two.max_connections = 2;
    two.acquire_timeout_ms = 5000;
    Mysql my(two);
    my.must("CREATE TABLE IF NOT EXISTS big2 AS SELECT seq AS id FROM seq_1_to_100000");
    for (int round = 0; round < 6; ++round) {
        auto stream = my.open("SELECT id FROM big2", {Type::Int4});
        REQUIRE(stream.ok());
        Batch batch;
        auto more = my.next(**stream, batch);
        REQUIRE(more.ok());
        CHECK(*more);
        CHECK(batch.rows.size() == Batch::kBatchRows);
        stream.value().reset(); // abandoned after one batch
        CHECK(my.connector->pool().total() == 0);
        auto again = my.rows("SELECT COUNT(*) FROM big2", {Type::Int8});
        REQUIRE(again.ok());
        CHECK((*again)[0][0].as_int() == 100000);
    }
    CHECK(my.connector->pool().total() == 1);
}

TEST_CASE("mysql: execute counts rows and returns RETURNING rows") {
    REQUIRE_MYSQL();
    Mysql my;
    my.must("DROP TABLE IF EXISTS ret");
    my.must("CREATE TABLE ret (id int AUTO_INCREMENT PRIMARY KEY, name varchar(10), n int)");
    auto inserted =
        my.exec("INSERT INTO ret (name, n) VALUES ('a', 1), ('b', 2), (NULL, 3) RETURNING id, name",
                {Type::Int4, Type::Text});
    REQUIRE(inserted.ok());
    CHECK(inserted->rows_affected == 3);
    REQUIRE(inserted->returning.size() == 3);
    CHECK(row_text(inserted->returning[0]) == "1|a");
    CHECK(row_text(inserted->returning[2]) == "3|<NULL>");
    // UPDATE counts matched rows, as PostgreSQL does, even when nothing changes.
    auto updated = my.exec("UPDATE ret SET n = n WHERE id <= 2");
    REQUIRE(updated.ok());
    CHECK(updated->rows_affected == 2);
    auto update_returning = my.exec("UPDATE ret SET n = 0 RETURNING id", {Type::Int4});
    REQUIRE_FALSE(update_returning.ok());
    CHECK(update_returning.error().sqlstate == "0A000");
    auto deleted = my.exec("DELETE FROM ret WHERE n >= 2 RETURNING n, name", {Type::Int8, Type::Text});
    REQUIRE(deleted.ok());
    CHECK(deleted->rows_affected == 2);
    REQUIRE(deleted->returning.size() == 2);
    CHECK(deleted->returning[0][0].type() == Type::Int8);
    auto plain_delete = my.exec("DELETE FROM ret");
    REQUIRE(plain_delete.ok());
    CHECK(plain_delete->rows_affected == 1);
}

TEST_CASE("mysql: estimates rows from EXPLAIN FORMAT=JSON") {
    REQUIRE_MYSQL();
    Mysql my;
    my.must("DROP TABLE IF EXISTS est");
    my.must("CREATE TABLE est (id int PRIMARY KEY, n int)");
    my.must("INSERT INTO est SELECT seq, seq % 7 FROM seq_1_to_3000");
    my.must("ANALYZE TABLE est");
    auto rows = run(my.io, my.connector->estimate_rows("SELECT id, n FROM est WHERE n = 3"));
    REQUIRE(rows.ok());
    CHECK(*rows >= 1000); // InnoDB's estimate of the table's rows (the filter is not indexed)
    CHECK(*rows <= 6000);
    auto bad = run(my.io, my.connector->estimate_rows("SELECT * FROM no_such_table_here"));
    CHECK_FALSE(bad.ok());
    auto after = my.exec("DELETE FROM est WHERE id = 1");
    REQUIRE(after.ok()); // the connection is usable after both
    my.must("DROP TABLE est");
}
