#include "federation/connectors/postgres/pg_connector.hpp"

#include "federation/connectors/postgres/pg_transaction.hpp"

#include <boost/asio/this_coro.hpp>
#include <charconv>
#include <string_view>

namespace nectar::federation {

namespace {

/// A query's rows, read from the server a batch at a time as the engine asks.
class PgRowStream : public RowStream {
  public:
    PgRowStream(std::unique_ptr<PgStatement> statement, std::vector<Type> types)
        : statement_(std::move(statement))
        , types_(std::move(types)) {}

    asio::awaitable<Result<bool>> next(Batch& batch) override {
        size_t added = 0;
        while (!done_ && added < Batch::kBatchRows) {
            auto more = co_await statement_->next_row(fields_);
            if (!more) {
                done_ = true;
                co_return more.error();
            }
            if (!more.value()) {
                done_ = true;
                break;
            }
            auto row = convert_row(fields_, types_);
            if (!row) {
                co_return row.error();
            }
            batch.rows.push_back(std::move(row.value()));
            ++added;
        }
        // The last rows come with true; the call after them returns false.
        co_return added > 0;
    }

  private:
    std::unique_ptr<PgStatement> statement_;
    std::vector<Type> types_;
    PgFields fields_;
    bool done_ = false;
};

/// One row per column (one with NULL columns for a table without any), in table order.
constexpr std::string_view kDiscoverSql =
    R"(SELECT n.nspname, c.relname, c.relkind::text, c.reltuples::float8,
       a.attname,
       (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END)::int8,
       pg_catalog.format_type(a.atttypid, a.atttypmod),
       a.attnotnull,
       EXISTS (SELECT 1 FROM pg_catalog.pg_index i
               WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY (i.indkey))
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
ORDER BY n.nspname, c.relname, a.attnum)";

/// Adds one row of kDiscoverSql to `tables`; false when the row is not what the query returns.
bool add_discovered(const PgFields& f, std::vector<TableInfo>& tables) {
    if (f.size() != 9 || !f[0] || !f[1] || !f[2]) {
        return false;
    }
    if (tables.empty() || tables.back().schema != *f[0] || tables.back().name != *f[1]) {
        TableInfo table;
        table.schema = std::string(*f[0]);
        table.name = std::string(*f[1]);
        table.is_view = *f[2] == "v" || *f[2] == "m";
        double tuples = -1;
        if (f[3]) {
            std::from_chars(f[3]->data(), f[3]->data() + f[3]->size(), tuples);
        }
        // Plain views have no count (materialized ones do); a table never analyzed says -1.
        table.row_estimate = *f[2] == "v" || tuples < 0 ? -1 : static_cast<int64_t>(tuples);
        tables.push_back(std::move(table));
    }
    if (!f[4] || !f[5] || !f[6]) {
        return true; // a table without columns
    }
    ColumnInfo column;
    column.name = std::string(*f[4]);
    uint32_t oid = 0;
    std::from_chars(f[5]->data(), f[5]->data() + f[5]->size(), oid);
    column.type = type_from_oid(oid);
    column.remote_type = std::string(*f[6]);
    column.nullable = !(f[7] && *f[7] == "t");
    column.primary_key = f[8] && *f[8] == "t";
    tables.back().columns.push_back(std::move(column));
    return true;
}

} // namespace

PgConnector::PgConnector(PgPool& pool, std::string service)
    : pool_(pool)
    , service_(std::move(service)) {}

PgConnector::~PgConnector() {
    *alive_ = false;
}

asio::awaitable<Result<std::vector<TableInfo>>> PgConnector::discover() {
    auto executor = co_await asio::this_coro::executor;
    PgStatement statement(pool_, alive_, executor);
    auto started = co_await statement.start(kDiscoverSql);
    if (!started) {
        co_return started.error();
    }
    std::vector<TableInfo> tables;
    PgFields fields;
    for (;;) {
        auto more = co_await statement.next_row(fields);
        if (!more) {
            co_return more.error();
        }
        if (!more.value()) {
            break;
        }
        if (!add_discovered(fields, tables)) {
            co_return Error::make("XX000",
                                  "unexpected catalog row while discovering service \"" + service_ + "\"");
        }
    }
    co_return tables;
}

asio::awaitable<Result<std::unique_ptr<RowStream>>> PgConnector::query(std::string sql,
                                                                       std::vector<Type> types) {
    auto executor = co_await asio::this_coro::executor;
    auto statement = std::make_unique<PgStatement>(pool_, alive_, executor);
    auto started = co_await statement->start(sql);
    if (!started) {
        co_return started.error();
    }
    co_return std::unique_ptr<RowStream>(
        std::make_unique<PgRowStream>(std::move(statement), std::move(types)));
}

asio::awaitable<Result<CommandResult>> PgConnector::execute(std::string sql,
                                                            std::vector<Type> returning_types) {
    auto executor = co_await asio::this_coro::executor;
    PgStatement statement(pool_, alive_, executor);
    co_return co_await run_command(statement, sql, returning_types);
}

asio::awaitable<Result<std::unique_ptr<Transaction>>> PgConnector::begin_transaction(bool) {
    auto executor = co_await asio::this_coro::executor;
    auto acquired = co_await pool_.acquire();
    if (!acquired) {
        co_return acquired.error();
    }
    std::unique_ptr<PgConnection> conn = std::move(acquired.value());
    // Settings first: SET inside the block would be undone by a rollback.
    auto synced = co_await sync_settings(pool_, conn);
    if (!synced) {
        co_return synced.error();
    }
    auto begun = co_await conn->run_simple_query("BEGIN");
    if (!begun) {
        Error e = begun.error().sqlstate.rfind("08", 0) == 0 ? connection_lost(*conn, begun.error()) : begun.error();
        pool_.discard(std::move(conn));
        co_return e;
    }
    co_return make_pg_transaction(pool_, alive_, executor, service_, std::move(conn));
}

asio::awaitable<Result<int64_t>> PgConnector::estimate_rows(std::string sql) {
    // "Seq Scan on customers t1  (cost=0.00..18334.00 rows=1000000 width=19)"
    return rows_from_explain(*this, "EXPLAIN " + sql, "rows=");
}

} // namespace nectar::federation
