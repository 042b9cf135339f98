#pragma once
// Shared by the MySQL connector and dialect tests: a MysqlConnector on its own io_context for
// the MariaDB of NECTAR_TEST_MYSQL_URL, and a way to run its coroutines to completion.

#include "federation/connectors/mysql/mysql_connector.hpp"

#include <boost/asio/co_spawn.hpp>
#include <cstdlib>
#include <doctest.h>
#include <optional>
#include <utility>

namespace mysql_test {

using namespace nectar;
using namespace nectar::federation;
namespace asio = boost::asio;

inline const char* env(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : nullptr;
}

#define SKIP_WITHOUT(var, why)                                                                               \
    if (env(var) == nullptr) {                                                                               \
        MESSAGE("skipped: " var " is not set (" why ")");                                                    \
        return;                                                                                              \
    }
#define REQUIRE_MYSQL()                                                                                      \
    SKIP_WITHOUT("NECTAR_TEST_MYSQL_URL", "mysql://user:pass@host:port/db of a MariaDB 10.5+")

/// Runs one operation on `io` to completion (the pool's reaper keeps io busy, so not io.run()).
template <typename T> T run(asio::io_context& io, asio::awaitable<T> op) {
    std::optional<T> out;
    asio::co_spawn(
        io,
        [&out, op = std::move(op)]() mutable -> asio::awaitable<void> {
            out.emplace(co_await std::move(op));
        },
        [](std::exception_ptr e) {
            if (e) {
                std::rethrow_exception(e);
            }
        });
    while (!out) {
        io.run_one();
    }
    return std::move(*out);
}

inline std::string row_text(const Row& row) {
    std::string out;
    for (size_t i = 0; i < row.size(); ++i) {
        out += (i ? "|" : "") + (row[i].is_null() ? std::string("<NULL>") : to_pg_text(row[i]));
    }
    return out;
}

struct Mysql {
    asio::io_context io;
    std::unique_ptr<MysqlConnector> connector;

    explicit Mysql(PoolConfig pool = {}, std::string url = env("NECTAR_TEST_MYSQL_URL")) {
        ServiceSpec spec;
        spec.name = "my";
        spec.url = parse_service_url(url).value();
        spec.pool = pool;
        connector = std::make_unique<MysqlConnector>(io, spec);
    }
    Result<CommandResult> exec(const std::string& sql, std::vector<Type> returning = {}) {
        return run(io, connector->execute(sql, std::move(returning)));
    }
    Result<std::unique_ptr<RowStream>> open(const std::string& sql, std::vector<Type> types) {
        return run(io, connector->query(sql, std::move(types)));
    }
    Result<bool> next(RowStream& stream, Batch& batch) { return run(io, stream.next(batch)); }
    /// Every row of a query, or its error.
    Result<std::vector<Row>> rows(const std::string& sql, std::vector<Type> types) {
        auto stream = open(sql, std::move(types));
        if (!stream) {
            return stream.error();
        }
        std::vector<Row> out;
        for (;;) {
            Batch batch;
            auto more = next(**stream, batch);
            if (!more) {
                return more.error();
            }
            for (Row& r : batch.rows) {
                out.push_back(std::move(r));
            }
            if (!*more) {
                return out;
            }
        }
    }
    void must(const std::string& sql) {
        auto done = exec(sql);
        INFO(sql);
        REQUIRE_MESSAGE(done.ok(), (done.ok() ? "" : done.error().message));
    }
};

} // namespace mysql_test
