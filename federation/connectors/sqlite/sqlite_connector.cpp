#include "federation/connectors/sqlite/sqlite_connector.hpp"

#include "federation/connectors/sqlite/sqlite_connections.hpp"
#include "federation/connectors/sqlite/sqlite_discover.hpp"
#include "federation/connectors/sqlite/sqlite_dialect.hpp"
#include "federation/connectors/sqlite/sqlite_types.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <chrono>

namespace nectar::federation {

namespace asio = boost::asio;

namespace {

/// One query's result columns: names for error messages, declared scales for numerics.
struct ResultColumns {
    std::vector<std::string> names;
    std::vector<int> scales;
};

Result<ResultColumns> describe_columns(sqlite3_stmt* stmt, const std::vector<Type>& types) {
    int count = sqlite3_column_count(stmt);
    if (count != static_cast<int>(types.size())) {
        return Error::make("XX000", "SQLite statement returns " + std::to_string(count) + " columns where " +
                                        std::to_string(types.size()) + " were expected");
    }
    ResultColumns columns;
    for (int i = 0; i < count; ++i) {
        const char* name = sqlite3_column_name(stmt, i);
        columns.names.emplace_back(name != nullptr ? name : "?column?");
        // A column read straight from a table keeps its declared type, hence its scale.
        const char* declared = sqlite3_column_decltype(stmt, i);
        columns.scales.push_back(types[i] == Type::Numeric && declared != nullptr ? declared_scale(declared)
                                                                                  : -1);
    }
    return columns;
}

Result<Row> read_row(sqlite3_stmt* stmt, const std::vector<Type>& types, const ResultColumns& columns) {
    Row row;
    row.reserve(types.size());
    for (size_t i = 0; i < types.size(); ++i) {
        auto value = column_value(stmt, static_cast<int>(i), types[i], columns.scales[i], columns.names[i]);
        if (!value) {
            return value.error();
        }
        row.push_back(std::move(*value));
    }
    return row;
}

/// A SELECT's rows, read a batch per next() on the pool; the statement stays open in between.
class SqliteRowStream final : public RowStream {
  public:
    SqliteRowStream(asio::thread_pool& pool, OpenStatement open, std::vector<Type> types,
                    ResultColumns columns)
        : pool_(pool)
        , open_(std::move(open))
        , types_(std::move(types))
        , columns_(std::move(columns)) {}

    // No next() is in flight when the stream is dropped (its caller awaits each one), so the
    // statement is finalized here; that and giving back the connection do not block.
    ~SqliteRowStream() override = default;

    asio::awaitable<Result<bool>> next(Batch& batch) override {
        if (!open_) {
            co_return false;
        }
        auto work = [this, &batch] { return fetch(batch); };
        auto more = co_await run_blocking<bool>(pool_, work);
        co_return more;
    }

  private:
    Result<bool> fetch(Batch& batch) {
        sqlite3_stmt* stmt = open_->stmt.get();
        for (size_t n = 0; n < Batch::kBatchRows; ++n) {
            int rc = sqlite3_step(stmt);
            if (rc == SQLITE_DONE) {
                open_.reset(); // gives the connection back as soon as the result ends
                return false;
            }
            if (rc != SQLITE_ROW) {
                Error e = sqlite_error(open_->lease.get(), rc);
                open_.reset();
                return e;
            }
            auto row = read_row(stmt, types_, columns_);
            if (!row) {
                open_.reset();
                return row.error();
            }
            batch.rows.push_back(std::move(*row));
        }
        return true;
    }

    asio::thread_pool& pool_;
    std::optional<OpenStatement> open_; ///< empty once the result is exhausted or failed
    std::vector<Type> types_;
    ResultColumns columns_;
};

/// One statement on a connection the caller holds: its row count and RETURNING rows.
Result<CommandResult> run_command_on(sqlite3* db, const std::string& sql, const std::vector<Type>& returning_types) {
    auto prepared = prepare_on(db, sql);
    if (!prepared) {
        return prepared.error();
    }
    StatementPtr owned = std::move(*prepared);
    sqlite3_stmt* stmt = owned.get();
    ResultColumns columns;
    if (!returning_types.empty()) {
        auto described = describe_columns(stmt, returning_types);
        if (!described) {
            return described.error();
        }
        columns = std::move(*described);
    }
    // Converting RETURNING rows can fail after the write happened: a transaction around the
    // statement undoes it then, so a failed statement changes nothing, as in PostgreSQL.
    bool guarded = !returning_types.empty() && !sqlite3_stmt_readonly(stmt) && sqlite3_get_autocommit(db);
    if (guarded) {
        int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) {
            return sqlite_error(db, rc);
        }
    }
    auto fail = [&](Error e) {
        owned.reset();
        if (guarded) {
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        }
        return e;
    };
    CommandResult result;
    int64_t rows_seen = 0;
    int64_t total_before = sqlite3_total_changes64(db);
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        ++rows_seen;
        if (!returning_types.empty()) {
            auto row = read_row(stmt, returning_types, columns);
            if (!row) {
                return fail(row.error());
            }
            result.returning.push_back(std::move(*row));
        }
    }
    if (rc != SQLITE_DONE) {
        return fail(sqlite_error(db, rc));
    }
    if (sqlite3_stmt_readonly(stmt)) {
        result.rows_affected = rows_seen; // a SELECT reports its rows, as PostgreSQL's tag does
    } else if (sqlite3_total_changes64(db) != total_before) {
        // sqlite3_changes64 counts the statement's own rows; total changes also count triggers'.
        result.rows_affected = sqlite3_changes64(db);
    }
    if (guarded) {
        owned.reset();
        rc = sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) {
            return fail(sqlite_error(db, rc));
        }
    }
    return result;
}

Result<CommandResult> run_command(const std::shared_ptr<SqliteConnections>& connections,
                                  const std::string& sql, const std::vector<Type>& returning_types) {
    auto conn = connections->acquire();
    if (!conn) {
        return conn.error();
    }
    Lease lease(connections, std::move(*conn));
    return run_command_on(lease.get(), sql, returning_types);
}

/// Runs a transaction-control statement (BEGIN IMMEDIATE, COMMIT, ROLLBACK).
Result<void> exec_on(sqlite3* db, const char* sql) {
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        return sqlite_error(db, rc);
    }
    return Result<void>();
}

/// BEGIN IMMEDIATE ... COMMIT on one held connection. SQLite has no two-phase commit.
class SqliteTransaction final : public Transaction {
  public:
    SqliteTransaction(asio::thread_pool& pool, std::string service, Lease lease)
        : pool_(pool)
        , service_(std::move(service))
        , lease_(std::move(lease)) {}

    ~SqliteTransaction() override {
        if (!lease_) {
            return;
        }
        // Still open: roll back on the pool (it may wait for the file lock), then give it back.
        asio::post(pool_, [lease = std::move(*lease_)]() { exec_on(lease.get(), "ROLLBACK"); });
    }

    const std::string& service() const override { return service_; }

    asio::awaitable<Result<std::vector<Row>>> query(std::string sql, std::vector<Type> types) override {
        auto work = [&]() -> Result<std::vector<Row>> {
            if (!lease_) {
                return ended();
            }
            auto stmt = prepare_on(lease_->get(), sql);
            if (!stmt) {
                return stmt.error();
            }
            auto columns = describe_columns(stmt->get(), types);
            if (!columns) {
                return columns.error();
            }
            std::vector<Row> rows;
            int rc = SQLITE_OK;
            while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
                auto row = read_row(stmt->get(), types, *columns);
                if (!row) {
                    return row.error();
                }
                rows.push_back(std::move(*row));
            }
            if (rc != SQLITE_DONE) {
                return sqlite_error(lease_->get(), rc);
            }
            return rows;
        };
        auto rows = co_await run_blocking<std::vector<Row>>(pool_, work);
        co_return rows;
    }

    asio::awaitable<Result<CommandResult>> execute(std::string sql, std::vector<Type> returning_types) override {
        auto work = [&]() -> Result<CommandResult> {
            if (!lease_) {
                return ended();
            }
            return run_command_on(lease_->get(), sql, returning_types);
        };
        auto result = co_await run_blocking<CommandResult>(pool_, work);
        co_return result;
    }

    bool can_prepare() const override { return false; }

    asio::awaitable<Result<void>> prepare() override {
        co_return Error::make("0A000", "SQLite service \"" + service_ + "\" cannot take part in a two-phase commit");
    }

    asio::awaitable<Result<void>> commit() override { co_return co_await end("COMMIT"); }
    asio::awaitable<Result<void>> rollback() override { co_return co_await end("ROLLBACK"); }

  private:
    Error ended() const {
        return Error::make("25000", "the transaction on service \"" + service_ + "\" has already ended");
    }

    asio::awaitable<Result<void>> end(const char* sql) {
        auto work = [&]() -> Result<void> {
            if (!lease_) {
                return ended();
            }
            auto done = exec_on(lease_->get(), sql);
            if (!done && sqlite3_get_autocommit(lease_->get()) == 0) {
                exec_on(lease_->get(), "ROLLBACK"); // a COMMIT that failed (busy) leaves nothing open
            }
            lease_.reset(); // gives the connection back
            return done;
        };
        auto done = co_await run_blocking<void>(pool_, work);
        co_return done;
    }

    asio::thread_pool& pool_;
    std::string service_;
    std::optional<Lease> lease_; ///< empty once committed or rolled back
};

SqliteOptions options_from(const ServiceSpec& spec) {
    SqliteOptions options;
    options.path = spec.url.database;
    // sqlite:///abs/path keeps the leading '/' in database; add it if a parser ever drops it.
    if (options.path.empty() || options.path[0] != '/') {
        options.path.insert(options.path.begin(), '/');
    }
    if (const std::string* mode = spec.url.param("mode")) {
        options.read_only = *mode == "ro";
    }
    if (const std::string* timeout = spec.url.param("busy_timeout")) {
        int ms = 0;
        auto [end, ec] = std::from_chars(timeout->data(), timeout->data() + timeout->size(), ms);
        if (ec == std::errc() && ms >= 0) {
            options.busy_timeout_ms = ms;
        }
    }
    options.max_connections = spec.pool.max_connections > 0 ? spec.pool.max_connections : 20;
    return options;
}

} // namespace

asio::thread_pool& sqlite_blocking_pool() {
    static asio::thread_pool pool(2);
    return pool;
}

SqliteConnector::SqliteConnector(const ServiceSpec& spec, asio::thread_pool* pool)
    : service_(spec.name)
    , pool_(pool != nullptr ? *pool : sqlite_blocking_pool())
    , connections_(std::make_shared<SqliteConnections>(options_from(spec))) {}

SqliteConnector::~SqliteConnector() = default;

const Dialect& SqliteConnector::dialect() const {
    return sqlite_dialect();
}

const std::string& SqliteConnector::path() const {
    return connections_->options().path;
}

asio::awaitable<Result<std::vector<TableInfo>>> SqliteConnector::discover() {
    auto connections = connections_;
    auto work = [&connections]() -> Result<std::vector<TableInfo>> {
        auto conn = connections->acquire();
        if (!conn) {
            return conn.error();
        }
        Lease lease(connections, std::move(*conn));
        return discover_tables(lease.get());
    };
    auto tables = co_await run_blocking<std::vector<TableInfo>>(pool_, work);
    co_return tables;
}

asio::awaitable<Result<std::unique_ptr<RowStream>>> SqliteConnector::query(std::string sql,
                                                                           std::vector<Type> types) {
    auto connections = connections_;
    struct Started {
        OpenStatement open;
        ResultColumns columns;
    };
    auto work = [&]() -> Result<Started> {
        auto open = prepare_statement(connections, sql);
        if (!open) {
            return open.error();
        }
        auto columns = describe_columns(open->stmt.get(), types);
        if (!columns) {
            return columns.error();
        }
        return Started{std::move(*open), std::move(*columns)};
    };
    auto started = co_await run_blocking<Started>(pool_, work);
    if (!started) {
        co_return started.error();
    }
    std::unique_ptr<RowStream> stream = std::make_unique<SqliteRowStream>(
        pool_, std::move(started->open), std::move(types), std::move(started->columns));
    co_return stream;
}

asio::awaitable<Result<std::unique_ptr<Transaction>>> SqliteConnector::begin_transaction(bool) {
    auto connections = connections_;
    bool busy = false;
    // One try at the write lock without SQLite's busy wait: a transaction holds the lock across
    // several jobs of the small blocking pool, so waiters parked on pool threads would starve it.
    auto work = [&]() -> Result<std::optional<Lease>> {
        auto conn = connections->acquire();
        if (!conn) {
            return conn.error();
        }
        std::optional<Lease> lease;
        lease.emplace(connections, std::move(*conn));
        sqlite3_busy_timeout(lease->get(), 0);
        // IMMEDIATE takes the write lock now, so a later statement cannot fail on a lock upgrade.
        int rc = sqlite3_exec(lease->get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        sqlite3_busy_timeout(lease->get(), connections->options().busy_timeout_ms);
        busy = (rc & 0xFF) == SQLITE_BUSY;
        if (rc != SQLITE_OK) {
            return sqlite_error(lease->get(), rc);
        }
        return lease;
    };
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(connections->options().busy_timeout_ms);
    auto backoff = std::chrono::milliseconds(1);
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        auto lease = co_await run_blocking<std::optional<Lease>>(pool_, work);
        if (lease) {
            co_return std::unique_ptr<Transaction>(
                std::make_unique<SqliteTransaction>(pool_, service_, std::move(**lease)));
        }
        if (!busy || std::chrono::steady_clock::now() + backoff > deadline) {
            co_return lease.error(); // 55P03 once busy_timeout has passed, as SQLite's own wait says
        }
        timer.expires_after(backoff); // waits on the worker, not on a pool thread
        co_await timer.async_wait(asio::use_awaitable);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(50));
    }
}

asio::awaitable<Result<CommandResult>> SqliteConnector::execute(std::string sql,
                                                                std::vector<Type> returning_types) {
    auto connections = connections_;
    auto work = [&]() { return run_command(connections, sql, returning_types); };
    auto result = co_await run_blocking<CommandResult>(pool_, work);
    co_return result;
}

} // namespace nectar::federation
