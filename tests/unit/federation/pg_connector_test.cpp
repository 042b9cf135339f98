// PgConnector against a real PostgreSQL: runs only when NECTAR_TEST_PG_URL names one
// (postgresql://user@127.0.0.1:port/db, a throwaway database the tests may write to).

#include "federation/connectors/postgres/pg_connector.hpp"
#include "federation/connectors/service_url.hpp"
#include "federation/types/datetime.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <doctest.h>
#include <exception>
#include <functional>
#include <limits>
#include <optional>
#include <utility>

using namespace nectar::federation;
namespace asio = boost::asio;

namespace {

/// Column types for a call inside a coroutine: g++ 12 cannot keep an initializer list's array
/// alive across co_await ("array used as initializer").
template <typename... Types> std::vector<Type> types_of(Types... types) {
    return {types...};
}

const char* pg_url() {
    return std::getenv("NECTAR_TEST_PG_URL");
}

/// True (and says why, once) when there is no server to test against.
bool no_server() {
    static const bool missing = [] {
        if (pg_url() == nullptr) {
            std::fprintf(stderr, "pg_connector_test: skipped, NECTAR_TEST_PG_URL is not set "
                                 "(postgresql://user@127.0.0.1:port/db of a throwaway server)\n");
            return true;
        }
        return false;
    }();
    return missing;
}

/// A worker's pool (one connection by default, so that reuse is certain) and the connector.
struct Fixture {
    explicit Fixture(int max_connections = 1) {
        auto url = parse_service_url(pg_url());
        REQUIRE_MESSAGE(url.ok(), (url.ok() ? "" : url.error().message));
        PgTarget target;
        target.host = url->host;
        target.port = url->port != 0 ? url->port : 5432;
        target.user = url->user;
        target.password = url->password;
        target.database = url->database;
        target.sslmode = "disable";
        PoolConfig config;
        config.max_connections = max_connections;
        config.acquire_timeout_ms = 10000;
        pool = std::make_unique<PgPool>(io.get_executor(), "pg", target, config, nullptr);
        connector = std::make_unique<PgConnector>(*pool, "pg");
    }

    /// Runs `body` on the event loop until it and everything it started (drains) are done.
    void run(std::function<asio::awaitable<void>()> body) {
        bool finished = false;
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                co_await body();
                finished = true;
            },
            [](std::exception_ptr e) {
                if (e) {
                    std::rethrow_exception(e);
                }
            });
        io.restart();
        io.run();
        REQUIRE(finished);
    }

    asio::awaitable<void> exec(std::string sql) {
        auto done = co_await connector->execute(sql, {});
        REQUIRE_MESSAGE(done.ok(), sql << ": " << (done.ok() ? "" : done.error().message));
    }

    /// All rows of a query, checking that no batch is over the limit.
    asio::awaitable<std::vector<Row>> all_rows(std::string sql, std::vector<Type> types) {
        auto stream = co_await connector->query(sql, types);
        REQUIRE_MESSAGE(stream.ok(), sql << ": " << (stream.ok() ? "" : stream.error().message));
        std::vector<Row> rows;
        for (;;) {
            Batch batch;
            auto more = co_await stream.value()->next(batch);
            REQUIRE_MESSAGE(more.ok(), (more.ok() ? "" : more.error().message));
            CHECK(batch.rows.size() <= Batch::kBatchRows);
            rows.insert(rows.end(), batch.rows.begin(), batch.rows.end());
            if (!more.value()) {
                break;
            }
        }
        co_return rows;
    }

    asio::io_context io;
    std::unique_ptr<PgPool> pool;
    std::unique_ptr<PgConnector> connector;
};

const TableInfo* find_table(const std::vector<TableInfo>& tables, const std::string& schema,
                            const std::string& name) {
    for (const TableInfo& table : tables) {
        if (table.schema == schema && table.name == name) {
            return &table;
        }
    }
    return nullptr;
}

} // namespace

TEST_CASE("PgConnector discovers tables and views with engine types" * doctest::skip(no_server())) {
    Fixture f;
    f.run([&]() -> asio::awaitable<void> {
        co_await f.exec("DROP SCHEMA IF EXISTS nectar_pgc CASCADE");
        co_await f.exec("CREATE SCHEMA nectar_pgc");
        co_await f.exec("CREATE TABLE nectar_pgc.items (id bigint PRIMARY KEY, name varchar(40) NOT NULL, "
                        "price numeric(10,2), created timestamptz, flag boolean, tags text[])");
        co_await f.exec("INSERT INTO nectar_pgc.items SELECT g, 'item ' || g, g * 1.25, now(), g % 2 = 0, "
                        "ARRAY['a'] FROM generate_series(1, 500) g");
        co_await f.exec("ANALYZE nectar_pgc.items");
        co_await f.exec(
            "CREATE VIEW nectar_pgc.cheap AS SELECT id, price FROM nectar_pgc.items WHERE price < 10");
        co_await f.exec("CREATE TABLE nectar_pgc.\"Empty \"\"One\"\"\" ()");
        co_await f.exec(
            "CREATE MATERIALIZED VIEW nectar_pgc.totals AS SELECT id % 3 AS k, sum(price) AS total "
            "FROM nectar_pgc.items GROUP BY 1");
        co_await f.exec("ANALYZE nectar_pgc.totals");

        auto tables = co_await f.connector->discover();
        REQUIRE_MESSAGE(tables.ok(), (tables.ok() ? "" : tables.error().message));
        CHECK(find_table(tables.value(), "pg_catalog", "pg_class") == nullptr);
        CHECK(find_table(tables.value(), "information_schema", "tables") == nullptr);

        const TableInfo* items = find_table(tables.value(), "nectar_pgc", "items");
        REQUIRE(items != nullptr);
        CHECK_FALSE(items->is_view);
        CHECK(items->row_estimate == 500);
        REQUIRE(items->columns.size() == 6);
        CHECK(items->columns[0].name == "id");
        CHECK(items->columns[0].type == Type::Int8);
        CHECK(items->columns[0].primary_key);
        CHECK_FALSE(items->columns[0].nullable);
        CHECK(items->columns[1].type == Type::Varchar); // varchar(n) is a type of its own (OID 1043)
        CHECK(items->columns[1].remote_type == "character varying(40)");
        CHECK_FALSE(items->columns[1].nullable);
        CHECK_FALSE(items->columns[1].primary_key);
        CHECK(items->columns[2].type == Type::Numeric);
        CHECK(items->columns[2].remote_type == "numeric(10,2)");
        CHECK(items->columns[2].nullable);
        CHECK(items->columns[3].type == Type::TimestampTz);
        CHECK(items->columns[4].type == Type::Bool);
        CHECK(items->columns[5].type == Type::Text); // arrays are not modelled: text
        CHECK(items->columns[5].remote_type == "text[]");

        const TableInfo* view = find_table(tables.value(), "nectar_pgc", "cheap");
        REQUIRE(view != nullptr);
        CHECK(view->is_view);
        CHECK(view->row_estimate == -1);
        REQUIRE(view->columns.size() == 2);
        CHECK(view->columns[1].type == Type::Numeric);

        const TableInfo* totals = find_table(tables.value(), "nectar_pgc", "totals");
        REQUIRE(totals != nullptr);
        CHECK(totals->is_view);
        CHECK(totals->row_estimate == 3);
        REQUIRE(totals->columns.size() == 2);
        CHECK(totals->columns[0].type == Type::Int8);

        const TableInfo* empty = find_table(tables.value(), "nectar_pgc", "Empty \"One\"");
        REQUIRE(empty != nullptr);
        CHECK(empty->columns.empty());
        co_await f.exec("DROP SCHEMA nectar_pgc CASCADE");
    });
}

TEST_CASE("PgConnector streams 100k rows in batches, each row converted" * doctest::skip(no_server())) {
    Fixture f;
    f.run([&]() -> asio::awaitable<void> {
        std::vector<Type> types{Type::Int4, Type::Text, Type::Float8, Type::Int4, Type::Date, Type::Numeric};
        auto stream = co_await f.connector->query(
            "SELECT g, 'row ' || g, g / 3.0::float8, NULLIF(g % 7, 0), DATE '2000-01-01' + g, "
            "(g / 4.0)::numeric(12,2) FROM generate_series(1, 100000) g ORDER BY g",
            types);
        REQUIRE_MESSAGE(stream.ok(), (stream.ok() ? "" : stream.error().message));
        int64_t expected = 1;
        size_t batches = 0;
        for (;;) {
            Batch batch;
            auto more = co_await stream.value()->next(batch);
            REQUIRE_MESSAGE(more.ok(), (more.ok() ? "" : more.error().message));
            REQUIRE(batch.rows.size() <= Batch::kBatchRows);
            batches += batch.rows.empty() ? 0 : 1;
            for (const Row& row : batch.rows) {
                REQUIRE(row.size() == 6);
                REQUIRE(row[0].as_int() == expected);
                REQUIRE(row[1].as_string() == "row " + std::to_string(expected));
                REQUIRE(row[2].as_float() == static_cast<double>(expected) / 3.0);
                REQUIRE(row[3].is_null() == (expected % 7 == 0));
                if (!row[3].is_null()) {
                    REQUIRE(row[3].as_int() == expected % 7);
                }
                REQUIRE(row[4].type() == Type::Date);
                REQUIRE(row[4].as_int() == expected);
                char cents[32];
                std::snprintf(cents, sizeof cents, "%.2f", static_cast<double>(expected) / 4.0);
                REQUIRE(row[5].as_string() == cents);
                expected++;
            }
            if (!more.value()) {
                break;
            }
        }
        CHECK(expected == 100001);
        CHECK(batches == (100000 + Batch::kBatchRows - 1) / Batch::kBatchRows);
        // The exhausted stream keeps saying so.
        Batch after;
        auto again = co_await stream.value()->next(after);
        CHECK((again.ok() && !again.value() && after.rows.empty()));
    });
    CHECK(f.pool->idle() == 1);
}

TEST_CASE("PgConnector reports backend errors with their SQLSTATE" * doctest::skip(no_server())) {
    Fixture f;
    f.run([&]() -> asio::awaitable<void> {
        // Found when the statement is parsed: query() itself fails.
        auto missing =
            co_await f.connector->query("SELECT * FROM nectar_no_such_table", types_of(Type::Int4));
        REQUIRE_FALSE(missing.ok());
        CHECK(missing.error().sqlstate == "42P01");
        CHECK(missing.error().message == "relation \"nectar_no_such_table\" does not exist");
        CHECK(missing.error().position == 0); // it pointed into Nectar's SQL, not the user's

        // Found while rows are produced: next() fails, after the rows before it.
        auto stream = co_await f.connector->query("SELECT 10 / (3 - g) FROM generate_series(1, 5) g",
                                                  types_of(Type::Int4));
        REQUIRE(stream.ok());
        Batch batch;
        auto more = co_await stream.value()->next(batch);
        REQUIRE_FALSE(more.ok());
        CHECK(more.error().sqlstate == "22012");
        CHECK(more.error().message == "division by zero");

        auto bad_cast = co_await f.connector->execute("SELECT 'x'::int", types_of(Type::Int4));
        REQUIRE_FALSE(bad_cast.ok());
        CHECK(bad_cast.error().sqlstate == "22P02");

        auto detail = co_await f.connector->execute(
            "DO $$ BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'the detail', HINT = 'the hint', "
            "ERRCODE = 'P0042'; END $$",
            {});
        REQUIRE_FALSE(detail.ok());
        CHECK(detail.error().sqlstate == "P0042");
        CHECK(detail.error().message == "boom");
        CHECK(detail.error().detail == "the detail");
        CHECK(detail.error().hint == "the hint");

        // The connection is clean after all that.
        auto rows = co_await f.all_rows("SELECT 7", types_of(Type::Int4));
        REQUIRE(rows.size() == 1);
        CHECK(rows[0][0].as_int() == 7);
    });
    CHECK(f.pool->total() == 1);
    CHECK(f.pool->idle() == 1);
}

TEST_CASE("PgConnector: a stream dropped halfway leaves the pooled connection usable" *
          doctest::skip(no_server())) {
    Fixture f; // one connection: the next query must get the drained one back
    f.run([&]() -> asio::awaitable<void> {
        {
            auto stream =
                co_await f.connector->query("SELECT g, repeat('x', 100) FROM generate_series(1, 5000000) g",
                                            types_of(Type::Int4, Type::Text));
            REQUIRE(stream.ok());
            Batch batch;
            auto more = co_await stream.value()->next(batch);
            REQUIRE(more.ok());
            CHECK(batch.rows.size() == Batch::kBatchRows);
        } // dropped with millions of rows still to come
        auto rows = co_await f.all_rows("SELECT 'after', 42", types_of(Type::Text, Type::Int4));
        REQUIRE(rows.size() == 1);
        CHECK(rows[0][0].as_string() == "after");
        CHECK(rows[0][1].as_int() == 42);

        // Dropped after its last row but before the end was read: nothing to cancel.
        {
            auto stream = co_await f.connector->query("SELECT 1", types_of(Type::Int4));
            REQUIRE(stream.ok());
            Batch batch;
            auto more = co_await stream.value()->next(batch);
            REQUIRE(more.ok());
        }
        auto again = co_await f.all_rows("SELECT 2", types_of(Type::Int4));
        REQUIRE(again.size() == 1);
        CHECK(again[0][0].as_int() == 2);
    });
    CHECK(f.pool->total() == 1);
    CHECK(f.pool->idle() == 1);
}

TEST_CASE("PgConnector executes writes with RETURNING" * doctest::skip(no_server())) {
    Fixture f;
    f.run([&]() -> asio::awaitable<void> {
        co_await f.exec("DROP TABLE IF EXISTS nectar_pgc_writes");
        co_await f.exec("CREATE TABLE nectar_pgc_writes (id serial PRIMARY KEY, name text, at date)");
        auto inserted = co_await f.connector->execute("INSERT INTO nectar_pgc_writes (name, at) VALUES ('a', "
                                                      "'2024-01-02'), ('b', NULL) RETURNING id, name, at",
                                                      types_of(Type::Int4, Type::Text, Type::Date));
        REQUIRE_MESSAGE(inserted.ok(), (inserted.ok() ? "" : inserted.error().message));
        CHECK(inserted->rows_affected == 2);
        REQUIRE(inserted->returning.size() == 2);
        CHECK(inserted->returning[0][0].as_int() == 1);
        CHECK(inserted->returning[0][1].as_string() == "a");
        CHECK(inserted->returning[0][2].as_int() == days_from_civil(2024, 1, 2));
        CHECK(inserted->returning[1][0].as_int() == 2);
        CHECK(inserted->returning[1][2].is_null());

        auto updated = co_await f.connector->execute("UPDATE nectar_pgc_writes SET name = name || '!'", {});
        REQUIRE(updated.ok());
        CHECK(updated->rows_affected == 2);
        CHECK(updated->returning.empty());

        auto deleted = co_await f.connector->execute(
            "DELETE FROM nectar_pgc_writes WHERE id = 2 RETURNING name", types_of(Type::Text));
        REQUIRE(deleted.ok());
        CHECK(deleted->rows_affected == 1);
        REQUIRE(deleted->returning.size() == 1);
        CHECK(deleted->returning[0][0].as_string() == "b!");
        co_await f.exec("DROP TABLE nectar_pgc_writes");
    });
}

TEST_CASE("PgConnector undoes a proxy session's settings before its own statements" *
          doctest::skip(no_server())) {
    Fixture f;
    f.run([&]() -> asio::awaitable<void> {
        // A proxy session left its DateStyle, TimeZone and search_path on the pooled connection.
        auto conn = co_await f.pool->acquire();
        REQUIRE(conn.ok());
        auto set = co_await conn.value()->run_simple_query(
            "SET DateStyle = 'SQL, DMY'; SET TimeZone = 'America/New_York'; SET search_path = nowhere");
        REQUIRE(set.ok());
        conn.value()->applied_settings = {{"datestyle", "SET DateStyle = 'SQL, DMY'"},
                                          {"timezone", "SET TimeZone = 'America/New_York'"},
                                          {"search_path", "SET search_path = nowhere"}};
        conn.value()->synced_state = {7, 3};
        f.pool->release(std::move(conn.value()));

        auto rows = co_await f.all_rows(
            "SELECT DATE '2024-03-04', TIMESTAMPTZ '2024-03-04 05:06:07+00', current_setting('search_path')",
            types_of(Type::Date, Type::TimestampTz, Type::Text));
        REQUIRE(rows.size() == 1);
        CHECK(rows[0][0].as_int() == days_from_civil(2024, 3, 4));
        CHECK(rows[0][1].as_int() ==
              days_from_civil(2024, 3, 4) * kMicrosPerDay + ((5 * 60 + 6) * 60 + 7) * kMicrosPerSecond);
        CHECK(rows[0][2].as_string() == "\"$user\", public");

        // What it set is recorded, so the next proxy session undoes it in turn.
        auto back = f.pool->try_acquire_idle();
        REQUIRE(back != nullptr);
        CHECK(back->applied_settings.count("timezone") == 1);
        CHECK(back->applied_settings.count("search_path") == 0);
        f.pool->release(std::move(back));
    });
}

TEST_CASE("postgres dialect literals read back as the same typed value" * doctest::skip(no_server())) {
    Fixture f;
    int64_t micros = days_from_civil(1999, 12, 31) * kMicrosPerDay + 86399999999;
    std::vector<Value> values{
        Value::boolean(true),
        Value::integer(Type::Int2, -32768),
        Value::int4(std::numeric_limits<int32_t>::min()),
        Value::int4(2147483647),
        Value::int8(7),
        Value::int8(std::numeric_limits<int64_t>::min()),
        Value::int8(-3000000000),
        Value::float8(0.1),
        Value::float8(-1.0 / 3),
        Value::float8(5e-324),
        Value::float8(-0.0),
        Value::float8(std::numeric_limits<double>::infinity()),
        Value::floating(Type::Float4, 0.1f),
        Value::numeric("-12.50"),
        Value::text("it's a \\ backslash"),
        Value::string(Type::Bytea, std::string("\0\x01\xfe'", 4)),
        Value::temporal(Type::Date, days_from_civil(-43, 3, 15)),
        Value::temporal(Type::Timestamp, micros),
        Value::temporal(Type::TimestampTz, micros + 1),
        Value::temporal(Type::Time, 12345678901),
        Value::interval(Interval{-5, -3, 14}),
        Value::string(Type::Uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        Value::string(Type::Jsonb, "{\"a\": [1, 2.5]}"),
        Value::null(Type::Date),
    };
    f.run([&]() -> asio::awaitable<void> {
        for (const Value& value : values) {
            std::string literal = postgres_dialect().literal(value);
            INFO(literal);
            auto rows = co_await f.all_rows("SELECT " + literal + ", pg_typeof(" + literal + ")::text",
                                            types_of(value.type(), Type::Text));
            REQUIRE(rows.size() == 1);
            // Text stays an untyped literal (so it also compares with enum, citext... columns).
            std::string expected_type(value.type() == Type::Text ? "unknown" : type_name(value.type()));
            CHECK(rows[0][1].as_string() == expected_type);
            const Value& got = rows[0][0];
            CHECK(got.is_null() == value.is_null());
            if (value.is_null()) {
                continue;
            }
            CHECK(to_pg_text(got) == to_pg_text(value));
            if (value.type() == Type::Float8) {
                CHECK(std::signbit(got.as_float()) == std::signbit(value.as_float()));
                CHECK((got.as_float() == value.as_float() || std::isnan(value.as_float())));
            }
        }
    });
}

TEST_CASE("PgConnector: an unreachable service fails with SQLSTATE class 08") {
    asio::io_context io;
    PgTarget target;
    target.host = "127.0.0.1";
    target.port = 1; // nothing listens there: the connection is refused at once
    target.user = "nobody";
    target.database = "nothing";
    target.sslmode = "disable";
    PoolConfig config;
    config.acquire_timeout_ms = 300;
    config.create_retry_interval_ms = 100;
    PgPool pool(io.get_executor(), "down", target, config, nullptr);
    PgConnector connector(pool, "down");
    std::optional<nectar::Error> error;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto stream = co_await connector.query("SELECT 1", types_of(Type::Int4));
            if (!stream) {
                error = stream.error();
            }
        },
        [](std::exception_ptr e) {
            if (e) {
                std::rethrow_exception(e);
            }
        });
    io.run();
    REQUIRE(error.has_value());
    CHECK(error->sqlstate.substr(0, 2) == "08");
    CHECK(connector.service() == "down");
    CHECK(&connector.dialect() == &postgres_dialect());
}

TEST_CASE("PgConnector estimates rows from EXPLAIN" * doctest::skip(no_server())) {
    Fixture f;
    f.run([&]() -> asio::awaitable<void> {
        auto rows = co_await f.connector->estimate_rows("SELECT g FROM generate_series(1, 5000) g");
        REQUIRE(rows.ok());
        CHECK(*rows == 5000); // PostgreSQL knows generate_series' row count from its arguments
        auto bad = co_await f.connector->estimate_rows("SELECT * FROM no_such_table_here");
        CHECK_FALSE(bad.ok());
        auto after = co_await f.all_rows("SELECT 3", types_of(Type::Int4));
        REQUIRE(after.size() == 1); // the connection is usable after both
    });
}
