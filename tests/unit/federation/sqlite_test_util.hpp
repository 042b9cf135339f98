#pragma once
// Helpers for the SQLite connector tests: temp database files, running a coroutine to
// completion on a fresh io_context, reading whole results.

#include "federation/connectors/sqlite/demo_data.hpp"
#include "federation/connectors/sqlite/sqlite_connector.hpp"
#include "federation/connectors/sqlite/sqlite_dialect.hpp"

#include <sqlite3.h>
#include <stdlib.h>

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <doctest.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sqlite_test {

namespace asio = boost::asio;
using namespace nectar;
using namespace nectar::federation;

/// A directory under /tmp removed with everything in it at the end of the test.
struct TempDir {
    TempDir() {
        char pattern[] = "/tmp/nectar-sqlite-XXXXXX";
        path = ::mkdtemp(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string path;
};

/// An empty database file (the connector never creates files itself).
inline std::string create_db(const TempDir& dir, const std::string& name = "test.db") {
    std::string path = dir.path + "/" + name;
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) ==
            SQLITE_OK);
    sqlite3_close(db);
    return path;
}

inline ServiceSpec spec_for(const std::string& path, int max_connections = 20) {
    ServiceSpec spec;
    spec.name = "lite";
    auto url = parse_service_url("sqlite://" + path);
    REQUIRE(url.ok());
    spec.url = *url;
    spec.pool.max_connections = max_connections;
    return spec;
}

/// Runs a coroutine to completion on this thread's io_context and returns its value. The
/// io_context lives on: a pool thread may still be leaving post() when run() returns, so
/// destroying the io_context right away would race with it.
template <typename T> T run(std::function<asio::awaitable<T>()> body) {
    static asio::io_context io;
    io.restart();
    std::optional<T> out;
    std::exception_ptr failure;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { out.emplace(co_await body()); },
        [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return std::move(*out);
}

inline CommandResult exec_ok(SqliteConnector& c, const std::string& sql, std::vector<Type> returning = {}) {
    auto r = run<Result<CommandResult>>([&]() { return c.execute(sql, returning); });
    INFO(sql, " → ", r.ok() ? "" : r.error().message);
    REQUIRE(r.ok());
    return *r;
}

/// Every row of a query, read through the stream.
inline Result<std::vector<Row>> query_all(SqliteConnector& c, const std::string& sql,
                                          std::vector<Type> types) {
    return run<Result<std::vector<Row>>>([&]() -> asio::awaitable<Result<std::vector<Row>>> {
        auto stream = co_await c.query(sql, types);
        if (!stream) {
            co_return stream.error();
        }
        std::vector<Row> rows;
        for (;;) {
            Batch batch;
            auto more = co_await (*stream)->next(batch);
            if (!more) {
                co_return more.error();
            }
            for (Row& row : batch.rows) {
                rows.push_back(std::move(row));
            }
            if (!*more) {
                co_return rows;
            }
        }
    });
}

inline std::vector<std::string> texts(const std::vector<Row>& rows, size_t col = 0) {
    std::vector<std::string> out;
    for (const Row& row : rows) {
        out.push_back(row[col].is_null() ? "NULL" : to_pg_text(row[col]));
    }
    return out;
}

/// "1,3,5": the first column of each row, as PostgreSQL's string_agg printed the answers below.
inline std::string joined(const std::vector<Row>& rows) {
    std::string out;
    for (const std::string& t : texts(rows)) {
        out += out.empty() ? "" : ",";
        out += t;
    }
    return out;
}

inline const ColumnInfo& column(const TableInfo& table, const std::string& name) {
    for (const ColumnInfo& c : table.columns) {
        if (c.name == name) {
            return c;
        }
    }
    FAIL("no column " << name);
    throw;
}

inline const TableInfo& table(const std::vector<TableInfo>& tables, const std::string& name) {
    for (const TableInfo& t : tables) {
        if (t.name == name) {
            return t;
        }
    }
    FAIL("no table " << name);
    throw;
}

} // namespace sqlite_test
