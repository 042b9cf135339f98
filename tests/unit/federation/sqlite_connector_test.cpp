// The SQLite connector against real database files: discovery, streaming, conversions, writes
// and the demo database.

#include "sqlite_test_util.hpp"

#include <thread>

using namespace sqlite_test;

TEST_CASE("sqlite discovery maps declared types, keys and nullability") {
    TempDir dir;
    SqliteConnector c(spec_for(create_db(dir)));
    exec_ok(c, "CREATE TABLE kinds (id INTEGER PRIMARY KEY, small SMALLINT NOT NULL, big BIGINT, r REAL, "
               "d DOUBLE PRECISION, fl FLOAT, price DECIMAL(10,2), num NUMERIC, t TEXT, vc VARCHAR(20), "
               "ch CHAR(3), cl CLOB, bl BLOB, flag BOOLEAN, day DATE, ts DATETIME, ts2 TIMESTAMP, "
               "doc JSON, uid UUID, untyped, cash MONEY)");
    exec_ok(c, "CREATE TABLE pair (a TEXT, b INTEGER, c TEXT NOT NULL, PRIMARY KEY (a, b))");
    exec_ok(c, "CREATE VIEW cheap AS SELECT id, price FROM kinds WHERE price < 10");
    exec_ok(c, "INSERT INTO pair VALUES ('x', 1, 'y'), ('x', 2, 'z')");

    auto tables = run<Result<std::vector<TableInfo>>>([&]() { return c.discover(); });
    REQUIRE(tables.ok());
    CHECK(tables->size() == 3);
    const TableInfo& kinds = table(*tables, "kinds");
    CHECK(kinds.schema == "main");
    CHECK_FALSE(kinds.is_view);
    CHECK(kinds.row_estimate == 0);
    std::vector<std::pair<std::string, Type>> expected = {
        {"id", Type::Int8},       {"small", Type::Int8}, {"big", Type::Int8},      {"r", Type::Float8},
        {"d", Type::Float8},      {"fl", Type::Float8},  {"price", Type::Numeric}, {"num", Type::Numeric},
        {"t", Type::Text},        {"vc", Type::Text},    {"ch", Type::Text},       {"cl", Type::Text},
        {"bl", Type::Bytea},      {"flag", Type::Bool},  {"day", Type::Date},      {"ts", Type::Timestamp},
        {"ts2", Type::Timestamp}, {"doc", Type::Jsonb},  {"uid", Type::Uuid},      {"untyped", Type::Text},
        {"cash", Type::Numeric}};
    REQUIRE(kinds.columns.size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        CAPTURE(expected[i].first);
        CHECK(kinds.columns[i].name == expected[i].first);
        CHECK(kinds.columns[i].type == expected[i].second);
    }
    CHECK(column(kinds, "price").remote_type == "DECIMAL(10,2)");
    CHECK(column(kinds, "id").primary_key);
    CHECK_FALSE(column(kinds, "id").nullable); // INTEGER PRIMARY KEY is the rowid
    CHECK_FALSE(column(kinds, "small").nullable);
    CHECK(column(kinds, "big").nullable);

    const TableInfo& pair = table(*tables, "pair");
    CHECK(column(pair, "a").primary_key);
    CHECK(column(pair, "b").primary_key);
    CHECK(column(pair, "a").nullable); // SQLite lets composite rowid-table keys hold NULL
    CHECK_FALSE(column(pair, "c").primary_key);
    CHECK(pair.row_estimate == 2);

    const TableInfo& cheap = table(*tables, "cheap");
    CHECK(cheap.is_view);
    CHECK(cheap.row_estimate == -1);
    CHECK(column(cheap, "price").type == Type::Numeric);
}

TEST_CASE("sqlite queries stream batch by batch and resume on the caller's thread") {
    TempDir dir;
    SqliteConnector c(spec_for(create_db(dir), 1));
    auto inserted =
        exec_ok(c, "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 100000) "
                   "SELECT 1"); // a SELECT through execute() reports its row count
    CHECK(inserted.rows_affected == 1);
    exec_ok(c, "CREATE TABLE big (id INTEGER PRIMARY KEY, label TEXT NOT NULL, half REAL NOT NULL)");
    auto filled =
        exec_ok(c, "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 100000) "
                   "INSERT INTO big SELECT n, 'row ' || n, n * 0.5 FROM k");
    CHECK(filled.rows_affected == 100000);

    auto caller = std::this_thread::get_id();
    bool same_thread = true;
    size_t batches = 0;
    size_t largest = 0;
    int64_t rows = 0;
    bool values_ok = true;
    // Inside coroutines g++ 12 rejects doctest's macros and braced lists: both stay outside.
    std::string second_state;
    const std::vector<Type> big_types = {Type::Int8, Type::Text, Type::Float8};
    const std::vector<Type> one_int = {Type::Int8};
    auto result = run<Result<bool>>([&]() -> asio::awaitable<Result<bool>> {
        auto stream = co_await c.query("SELECT id, label, half FROM big ORDER BY id", big_types);
        same_thread = same_thread && std::this_thread::get_id() == caller;
        if (!stream) {
            co_return stream.error();
        }
        // With maxConnections = 1 the open stream holds the only connection.
        auto second = co_await c.query("SELECT 1", one_int);
        second_state = second.ok() ? "ok" : second.error().sqlstate;
        for (;;) {
            Batch batch;
            auto more = co_await (*stream)->next(batch);
            same_thread = same_thread && std::this_thread::get_id() == caller;
            if (!more) {
                co_return more.error();
            }
            ++batches;
            largest = std::max(largest, batch.rows.size());
            for (const Row& row : batch.rows) {
                ++rows;
                values_ok = values_ok && row[0].as_int() == rows &&
                            row[1].as_string() == "row " + std::to_string(rows) &&
                            row[2].as_float() == rows * 0.5;
            }
            if (!*more) {
                co_return true;
            }
        }
    });
    REQUIRE(result.ok());
    CHECK(second_state == "53300");
    CHECK(same_thread);
    CHECK(rows == 100000);
    CHECK(values_ok);
    CHECK(largest == Batch::kBatchRows);
    CHECK(batches >= 100000 / Batch::kBatchRows);

    // A stream dropped half-way gives its connection back.
    size_t first_batch = 0;
    auto dropped = run<Result<bool>>([&]() -> asio::awaitable<Result<bool>> {
        {
            auto stream = co_await c.query("SELECT id FROM big", one_int);
            if (!stream) {
                co_return stream.error();
            }
            Batch batch;
            auto more = co_await (*stream)->next(batch);
            if (!more) {
                co_return more.error();
            }
            first_batch = batch.rows.size();
        }
        auto again = co_await c.query("SELECT count(*) FROM big", one_int);
        if (!again) {
            co_return again.error();
        }
        co_return true;
    });
    CHECK(dropped.ok());
    CHECK(first_batch == Batch::kBatchRows);
}

TEST_CASE("sqlite values convert to the requested types, or fail naming the column") {
    TempDir dir;
    SqliteConnector c(spec_for(create_db(dir)));
    exec_ok(c, "CREATE TABLE conv (id INTEGER PRIMARY KEY, x, price NUMERIC(10,2))");
    exec_ok(c,
            "INSERT INTO conv VALUES (1, 1, 12.5), (2, 0, 12.345), (3, '2024-02-29 13:45:00', 1), "
            "(4, '2024-02-29T13:45:00Z', 0.3), (5, '2024-02-29 13:45:00.250', NULL), (6, 1700000000, 100), "
            "(7, 'abc', -5.55), (8, 2.5, 3.1), (9, x'00ff', 7), (10, 'f', 0), (11, 70000, 0), "
            "(12, x'0123456789abcdef0123456789abcdef', 0), (13, 'not a date', 0), (14, 'héllo', 0)");
    auto value = [&](int id, Type type) {
        return query_all(c, "SELECT x FROM conv WHERE id = " + std::to_string(id), {type});
    };
    auto text_of = [&](int id, Type type) {
        auto rows = value(id, type);
        REQUIRE(rows.ok());
        return texts(*rows)[0];
    };
    CHECK(text_of(1, Type::Bool) == "t");
    CHECK(text_of(2, Type::Bool) == "f");
    // Expected texts are PostgreSQL 15's output for the same inputs.
    CHECK(text_of(3, Type::Timestamp) == "2024-02-29 13:45:00");
    CHECK(text_of(4, Type::Timestamp) == "2024-02-29 13:45:00");
    CHECK(text_of(5, Type::Timestamp) == "2024-02-29 13:45:00.25");
    CHECK(text_of(3, Type::Date) == "2024-02-29");
    CHECK(text_of(6, Type::Timestamp) == "2023-11-14 22:13:20"); // to_timestamp(1700000000) at UTC
    CHECK(text_of(6, Type::Text) == "1700000000");
    CHECK(text_of(9, Type::Bytea) == "\\x00ff");
    CHECK(text_of(12, Type::Uuid) == "01234567-89ab-cdef-0123-456789abcdef");
    CHECK(text_of(14, Type::Text) == "héllo");
    CHECK(text_of(8, Type::Float8) == "2.5");
    CHECK(text_of(1, Type::Numeric) == "1");

    // numeric(10,2) values print with the column's scale, as PostgreSQL stores them.
    auto prices = query_all(c, "SELECT price FROM conv ORDER BY id", {Type::Numeric});
    REQUIRE(prices.ok());
    std::vector<std::string> expected = {"12.50", "12.35", "1.00", "0.30", "NULL", "100.00", "-5.55",
                                         "3.10",  "7.00",  "0.00", "0.00", "0.00", "0.00",   "0.00"};
    CHECK(texts(*prices) == expected);

    auto failure = [&](int id, Type type) {
        auto rows = value(id, type);
        REQUIRE_FALSE(rows.ok());
        CHECK(rows.error().message.find("column \"x\"") != std::string::npos);
        return rows.error();
    };
    CHECK(failure(7, Type::Int8).sqlstate == "22P02");
    CHECK(failure(7, Type::Int8).message.find("invalid input syntax for type bigint: \"abc\"") !=
          std::string::npos);
    CHECK(failure(8, Type::Int8).sqlstate == "22P02");  // 2.5 is no integer
    CHECK(failure(13, Type::Date).sqlstate == "22007"); // PostgreSQL's code for 'not a date'::date
    CHECK(failure(11, Type::Int2).sqlstate == "22003"); // smallint out of range
    CHECK(failure(10, Type::Bool).sqlstate == "22P02"); // text in a boolean column
    CHECK(failure(9, Type::Text).sqlstate == "22021");  // NUL is not text
    CHECK(failure(6, Type::Date).sqlstate == "22P02");
    CHECK(failure(8, Type::Bytea).sqlstate == "22P02");

    // A query with the wrong number of columns for its types is refused before any row.
    auto mismatch = query_all(c, "SELECT id, x FROM conv", {Type::Int8});
    CHECK_FALSE(mismatch.ok());
    auto missing = query_all(c, "SELECT * FROM nope", {Type::Int8});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().sqlstate == "42P01");
}

TEST_CASE("sqlite execute: RETURNING, rows affected, constraint SQLSTATEs") {
    TempDir dir;
    SqliteConnector c(spec_for(create_db(dir)));
    exec_ok(c, "CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
    exec_ok(c, "CREATE TABLE items (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners (id), "
               "name TEXT NOT NULL, price NUMERIC(10,2))");
    exec_ok(c, "CREATE TABLE log (item_id INTEGER)");
    exec_ok(c, "CREATE TRIGGER items_log AFTER UPDATE ON items BEGIN INSERT INTO log VALUES (new.id); "
               "INSERT INTO log VALUES (new.id); END");
    exec_ok(c, "INSERT INTO owners (name) VALUES ('ann')");

    auto inserted = exec_ok(c,
                            "INSERT INTO items (owner_id, name, price) VALUES (1, 'a', 1.5), (1, 'b', 2.25) "
                            "RETURNING id, name, price",
                            {Type::Int8, Type::Text, Type::Numeric});
    CHECK(inserted.rows_affected == 2);
    REQUIRE(inserted.returning.size() == 2);
    CHECK(inserted.returning[0][0].as_int() == 1);
    CHECK(inserted.returning[1][1].as_string() == "b");
    CHECK(to_pg_text(inserted.returning[0][2]) == "1.50"); // PostgreSQL: 1.5::numeric(10,2)
    CHECK(to_pg_text(inserted.returning[1][2]) == "2.25");

    // The trigger's two log rows are not the UPDATE's rows.
    CHECK(exec_ok(c, "UPDATE items SET price = price + 1").rows_affected == 2);
    CHECK(exec_ok(c, "UPDATE items SET price = 0 WHERE id = 99").rows_affected == 0);
    CHECK(exec_ok(c, "DELETE FROM items WHERE id = 2 RETURNING id", {Type::Int8}).returning.size() == 1);

    auto error_of = [&](const std::string& sql, std::vector<Type> types = {}) {
        auto r = run<Result<CommandResult>>([&]() { return c.execute(sql, types); });
        REQUIRE_FALSE(r.ok());
        return r.error();
    };
    CHECK(error_of("INSERT INTO owners (name) VALUES ('ann')").sqlstate == "23505");
    CHECK(error_of("INSERT INTO items (owner_id, name) VALUES (42, 'x')").sqlstate == "23503");
    CHECK(error_of("INSERT INTO items (owner_id) VALUES (1)").sqlstate == "23502");
    CHECK(error_of("INSERT INTO items (name) VALUES ('x'); DELETE FROM items").sqlstate == "42601");
    CHECK(error_of("INSRT INTO items").sqlstate == "42601");
    // A RETURNING row that cannot convert undoes the whole statement.
    CHECK(error_of("INSERT INTO items (owner_id, name) VALUES (1, 'x') RETURNING name", {Type::Int8})
              .sqlstate == "22P02");
    auto count = query_all(c, "SELECT count(*) FROM items", {Type::Int8});
    REQUIRE(count.ok());
    CHECK((*count)[0][0].as_int() == 1);

    // Trailing blanks and comments are not a second statement.
    CHECK(exec_ok(c, "DELETE FROM items; -- done\n").rows_affected == 1);
}

TEST_CASE("sqlite connector reports a missing file as unreachable") {
    TempDir dir;
    SqliteConnector c(spec_for(dir.path + "/absent.db"));
    auto r = run<Result<std::vector<TableInfo>>>([&]() { return c.discover(); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().sqlstate == "08001");
    CHECK_FALSE(std::filesystem::exists(dir.path + "/absent.db"));
}

TEST_CASE("sqlite demo database: contents, foreign keys, determinism, idempotence") {
    TempDir dir;
    auto path = ensure_demo_database(dir.path + "/data");
    REQUIRE(path.ok());
    CHECK(*path == dir.path + "/data/demo.db");
    SqliteConnector c(spec_for(*path));
    auto count = [&](const std::string& sql) {
        auto rows = query_all(c, sql, {Type::Int8});
        REQUIRE(rows.ok());
        return (*rows)[0][0].as_int();
    };
    CHECK(count("SELECT count(*) FROM users") == 50);
    CHECK(count("SELECT count(*) FROM products") == 30);
    CHECK(count("SELECT count(*) FROM orders") == 500);
    CHECK(count("SELECT count(*) FROM pragma_foreign_key_list('orders')") == 2);
    CHECK(count("SELECT count(*) FROM pragma_foreign_key_check") == 0);
    CHECK(count("SELECT count(*) FROM orders o JOIN products p ON p.id = o.product_id "
                "WHERE abs(o.total - p.price * o.quantity) > 0.001") == 0);
    CHECK(count("SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id WHERE o.ordered_at <= "
                "u.created_at") == 0);
    CHECK(count("SELECT count(DISTINCT email) FROM users") == 50);
    CHECK(count("SELECT count(DISTINCT status) FROM orders") == 4);
    CHECK(count("SELECT count(*) FROM users WHERE is_active NOT IN (0, 1)") == 0);

    auto tables = run<Result<std::vector<TableInfo>>>([&]() { return c.discover(); });
    REQUIRE(tables.ok());
    CHECK(tables->size() == 3);
    const TableInfo& users = table(*tables, "users");
    CHECK(users.row_estimate == 50);
    CHECK(column(users, "created_at").type == Type::Timestamp);
    CHECK(column(users, "is_active").type == Type::Bool);
    CHECK(column(table(*tables, "products"), "price").type == Type::Numeric);
    CHECK(table(*tables, "orders").row_estimate == 500);

    // Every value converts to its discovered type.
    for (const TableInfo& t : *tables) {
        std::vector<Type> types;
        for (const ColumnInfo& col : t.columns) {
            types.push_back(col.type);
        }
        auto rows =
            query_all(c, "SELECT * FROM " + sqlite_dialect().qualified_table(t.schema, t.name), types);
        CAPTURE(t.name);
        CHECK_MESSAGE(rows.ok(), (rows.ok() ? "" : rows.error().message));
    }
    auto prices = query_all(c, "SELECT price FROM products ORDER BY id", {Type::Numeric});
    REQUIRE(prices.ok());
    for (const std::string& price : texts(*prices)) {
        CAPTURE(price);
        CHECK(price.size() > 3);
        CHECK(price[price.size() - 3] == '.');
    }

    // The same rows everywhere: a second directory gets an identical demo.
    TempDir other;
    auto other_path = ensure_demo_database(other.path);
    REQUIRE(other_path.ok());
    SqliteConnector o(spec_for(*other_path));
    const std::string digest =
        "SELECT group_concat(id || name || email || coalesce(city, '-') || created_at || is_active, '|') "
        "FROM (SELECT * FROM users ORDER BY id)";
    const std::string order_digest =
        "SELECT group_concat(id || user_id || product_id || quantity || total || status "
        "|| ordered_at, '|') FROM (SELECT * FROM orders ORDER BY id)";
    for (const std::string& sql : {digest, order_digest}) {
        auto a = query_all(c, sql, {Type::Text});
        auto b = query_all(o, sql, {Type::Text});
        REQUIRE(a.ok());
        REQUIRE(b.ok());
        CHECK((*a)[0][0].as_string() == (*b)[0][0].as_string());
    }

    // A second call leaves the file (and a change made to it) alone.
    exec_ok(c, "DELETE FROM orders WHERE id = 1");
    auto again = ensure_demo_database(dir.path + "/data");
    REQUIRE(again.ok());
    CHECK(*again == *path);
    CHECK(count("SELECT count(*) FROM orders") == 499);
}
