// INSERT / UPDATE / DELETE rendered into the target service's dialect and run inside a pinned
// backend transaction; RETURNING is computed by Nectar over the written rows, which the backend
// returns whole (MariaDB's UPDATE, which cannot, is emulated by primary key).
#include "federation/engine_write.hpp"

#include "federation/engine.hpp"
#include "federation/exec/executor.hpp"
#include "federation/plan/planner.hpp"
#include "federation/plan/sql_render.hpp"
#include "federation/sql/binder_write.hpp"
#include "federation/sql/parse_tree.hpp"
#include "federation/write_sql.hpp"

#include <algorithm>
#include <chrono>

namespace nectar::federation {

namespace {

/// Rows per INSERT statement when rows come from a query or a long VALUES list.
constexpr size_t kInsertBatchRows = 500;

int64_t now_micros_since_2000() {
    using namespace std::chrono;
    constexpr int64_t kUnixTo2000 = 946'684'800LL * 1'000'000LL;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count() - kUnixTo2000;
}

/// The RETURNING items computed over the written rows (every column of the table).
boost::asio::awaitable<Result<std::vector<Row>>> evaluate_returning(const BoundWrite& w, const std::vector<Row>& rows,
                                                                    ExecContext& ctx) {
    auto holder = PlanNode::make(PlanNode::Kind::Project); // lets run_subqueries find RETURNING's subqueries
    holder->exprs = w.returning;
    auto subqueries = co_await run_subqueries(holder, ctx);
    if (!subqueries) {
        co_return subqueries.error();
    }
    std::vector<Row> out;
    for (const Row& row : rows) {
        Row result;
        for (const ExprPtr& e : w.returning) {
            auto v = evaluate(*e, row, ctx);
            if (!v) {
                co_return v.error();
            }
            result.push_back(std::move(*v));
        }
        out.push_back(std::move(result));
    }
    co_return out;
}

/// One multi-row INSERT: `head` up to VALUES, the rows as literals, then `tail`; adds to `total`.
boost::asio::awaitable<Result<void>> insert_rows(const BoundWrite& w, const Dialect& dialect, Transaction& txn,
                                                 const std::string& head, const std::string& tail,
                                                 const std::vector<Row>& rows, CommandResult& total) {
    std::string sql = head;
    for (size_t r = 0; r < rows.size(); ++r) {
        sql += (r ? ", " : "") + values_row(rows[r], dialect);
    }
    sql += tail;
    auto done = co_await txn.execute(sql, returning_types(w));
    if (!done) {
        co_return done.error();
    }
    total.rows_affected += done->rows_affected;
    for (Row& row : done->returning) {
        total.returning.push_back(std::move(row));
    }
    co_return Result<void>();
}

} // namespace

boost::asio::awaitable<Result<void>> WriteRunner::run_write(std::string_view kind, const simdjson::dom::element& fields,
                                                            std::string_view whole_sql,
                                                            const std::string& default_service, ResultSink& sink) {
    auto catalog = co_await engine_.catalog();
    if (!catalog) {
        co_return catalog.error();
    }
    Binder binder(**catalog, default_service);
    binder.set_source(whole_sql);
    auto bound = bind_write(binder, **catalog, kind, fields, default_service);
    if (!bound) {
        co_return bound.error();
    }
    std::unique_ptr<Transaction> autocommit;
    auto txn = co_await transaction_for(bound->service, autocommit);
    if (!txn) {
        co_return txn.error();
    }
    auto result = co_await execute(*bound, **txn);
    if (autocommit) {
        if (!result) {
            co_await autocommit->rollback();
            co_return result.error();
        }
        auto committed = co_await autocommit->commit();
        if (!committed) {
            co_return committed.error();
        }
        engine_.notify_written(bound->service, bound->table);
    }
    if (!result) {
        co_return result.error();
    }
    std::pair<std::string, std::string> written{bound->service, bound->table};
    if (!autocommit && std::find(transaction_.written_.begin(), transaction_.written_.end(), written) ==
                           transaction_.written_.end()) {
        transaction_.written_.push_back(std::move(written));
    }
    if (bound->has_returning()) {
        ExecContext ctx;
        ctx.connector = [this](std::string_view service) {
            return transaction_.connector_for(service, engine_.connector(service));
        };
        ctx.statement_timestamp_us = now_micros_since_2000();
        auto rows = co_await evaluate_returning(*bound, result->returning, ctx);
        if (!rows) {
            co_return rows.error();
        }
        sink.row_description(bound->returning_columns);
        for (const Row& row : *rows) {
            sink.data_row(row);
        }
    }
    std::string count = std::to_string(result->rows_affected);
    sink.command_complete(bound->kind == BoundWrite::Kind::Insert   ? "INSERT 0 " + count
                          : bound->kind == BoundWrite::Kind::Update ? "UPDATE " + count
                                                                    : "DELETE " + count);
    co_return Result<void>();
}

boost::asio::awaitable<Result<CommandResult>> WriteRunner::run_bound(const BoundWrite& w,
                                                                     const WritePrecondition& precondition) {
    std::unique_ptr<Transaction> autocommit;
    auto txn = co_await transaction_for(w.service, autocommit);
    if (!txn) {
        co_return txn.error();
    }
    auto result = co_await checked_execute(w, **txn, precondition);
    if (!autocommit) { // never: run_bound's SessionTransaction is idle, so each write is its own
        co_return result;
    }
    if (!result) {
        co_await autocommit->rollback();
        co_return result.error();
    }
    auto committed = co_await autocommit->commit();
    if (!committed) {
        co_return committed.error();
    }
    engine_.notify_written(w.service, w.table); // REST writes drop the smart cache entries too
    co_return result;
}

boost::asio::awaitable<Result<CommandResult>> WriteRunner::checked_execute(const BoundWrite& w, Transaction& txn,
                                                                           const WritePrecondition& precondition) {
    if (precondition) {
        auto sql = lock_rows_sql(w, engine_.connector(w.service)->dialect());
        if (!sql) {
            co_return sql.error();
        }
        auto current = co_await txn.query(*sql, column_types(w, all_columns(w)));
        if (!current) {
            co_return current.error();
        }
        auto accepted = precondition(*current);
        if (!accepted) {
            co_return accepted.error();
        }
    }
    co_return co_await execute(w, txn);
}

boost::asio::awaitable<Result<CommandResult>> WriteRunner::execute(const BoundWrite& w, Transaction& txn) {
    if (w.kind == BoundWrite::Kind::Insert) {
        co_return co_await run_insert(w, txn);
    }
    co_return co_await run_update_delete(w, txn);
}

boost::asio::awaitable<Result<CommandResult>> WriteRunner::run_insert(const BoundWrite& w, Transaction& txn) {
    const Dialect& dialect = engine_.connector(w.service)->dialect();
    bool mysql = dialect.name() == "mysql";
    std::string head = std::string(mysql && w.on_conflict_do_nothing ? "INSERT IGNORE INTO " : "INSERT INTO ") +
                       dialect.qualified_table(w.schema, w.table);
    std::string conflict = !w.upsert_keys.empty()                  ? upsert_sql(w, dialect)
                           : w.on_conflict_do_nothing && !mysql ? " ON CONFLICT DO NOTHING"
                                                                : "";
    std::string tail = conflict + returning_sql(w, dialect);
    CommandResult total;
    if (!w.source || w.insert_columns.empty()) {
        std::string sql = head + (mysql ? " () VALUES ()" : " DEFAULT VALUES") + tail;
        co_return co_await txn.execute(sql, returning_types(w));
    }
    // The rows come from Nectar's executor (VALUES evaluated, or a query over any services).
    DialectLookup dialects = [this](std::string_view service) -> const Dialect* {
        Connector* c = engine_.connector(service);
        return c ? &c->dialect() : nullptr;
    };
    auto planned = plan_query(w.source, dialects, {});
    if (!planned) {
        co_return planned.error();
    }
    ExecContext ctx;
    ctx.connector = [this](std::string_view service) {
        return transaction_.connector_for(service, engine_.connector(service));
    };
    ctx.statement_timestamp_us = now_micros_since_2000();
    auto subqueries = co_await run_subqueries(*planned, ctx);
    if (!subqueries) {
        co_return subqueries.error();
    }
    auto op = build_operator(*planned, ctx);
    if (!op) {
        co_return op.error();
    }
    std::string values_head = head + " (" + quoted_columns(w, dialect, w.insert_columns) + ") VALUES ";
    std::vector<Row> pending;
    for (;;) {
        Batch batch;
        auto more = co_await (*op)->next(batch);
        if (!more) {
            co_return more.error();
        }
        for (Row& row : batch.rows) {
            pending.push_back(std::move(row));
            if (pending.size() == kInsertBatchRows) {
                auto flushed = co_await insert_rows(w, dialect, txn, values_head, tail, pending, total);
                if (!flushed) {
                    co_return flushed.error();
                }
                pending.clear();
            }
        }
        if (!*more) {
            break;
        }
    }
    if (!pending.empty()) {
        auto flushed = co_await insert_rows(w, dialect, txn, values_head, tail, pending, total);
        if (!flushed) {
            co_return flushed.error();
        }
    }
    co_return total;
}

boost::asio::awaitable<Result<CommandResult>> WriteRunner::run_update_delete(const BoundWrite& w, Transaction& txn) {
    const Dialect& dialect = engine_.connector(w.service)->dialect();
    if (!pushable(w, dialect)) {
        co_return co_await compute_locally(w, txn);
    }
    std::string where_sql = w.where ? " WHERE " + expr_sql(*w.where, dialect, w.columns) : std::string();
    std::string table = dialect.qualified_table(w.schema, w.table);
    if (w.kind == BoundWrite::Kind::Delete) {
        std::string sql = "DELETE FROM " + table + where_sql + returning_sql(w, dialect);
        co_return co_await txn.execute(sql, returning_types(w));
    }
    std::string set_sql;
    for (const auto& [column, value] : w.assignments) {
        set_sql += (set_sql.empty() ? " SET " : ", ") + dialect.quote_identifier(w.columns[column].name) + " = " +
                   expr_sql(*value, dialect, w.columns);
    }
    if (w.has_returning() && dialect.name() == "mysql") {
        co_return co_await emulate_update_returning(w, txn, set_sql, where_sql);
    }
    std::string sql = "UPDATE " + table + set_sql + where_sql + returning_sql(w, dialect);
    co_return co_await txn.execute(sql, returning_types(w));
}

boost::asio::awaitable<Result<CommandResult>> WriteRunner::emulate_update_returning(const BoundWrite& w,
                                                                                    Transaction& txn,
                                                                                    const std::string& set_sql,
                                                                                    const std::string& where_sql) {
    // MariaDB has no UPDATE ... RETURNING: lock the target rows by primary key, update them,
    // read them back, all inside the statement's transaction.
    const Dialect& dialect = engine_.connector(w.service)->dialect();
    std::vector<int> keys = primary_key(w);
    if (keys.empty()) {
        co_return Error::make("0A000", "UPDATE ... RETURNING on MySQL/MariaDB service \"" + w.service +
                                           "\" needs a primary key on table \"" + w.table + "\"");
    }
    for (const auto& [column, value] : w.assignments) {
        if (w.columns[column].primary_key) {
            co_return Error::make("0A000", "UPDATE ... RETURNING on MySQL/MariaDB service \"" + w.service +
                                               "\" cannot change primary key column \"" + w.columns[column].name + "\"");
        }
    }
    std::string table = dialect.qualified_table(w.schema, w.table);
    std::string lock_sql = "SELECT " + quoted_columns(w, dialect, keys) + " FROM " + table + where_sql + " FOR UPDATE";
    auto locked = co_await txn.query(lock_sql, column_types(w, keys));
    if (!locked) {
        co_return locked.error();
    }
    CommandResult result;
    if (locked->empty()) {
        co_return result;
    }
    std::string match = " WHERE " + key_match(w, dialect, keys, *locked);
    std::string update_sql = "UPDATE " + table + set_sql + match;
    auto updated = co_await txn.execute(update_sql, {});
    if (!updated) {
        co_return updated.error();
    }
    std::string read_sql = "SELECT " + read_columns_sql(w, dialect) + " FROM " + table + match;
    auto rows = co_await txn.query(read_sql, returning_types(w));
    if (!rows) {
        co_return rows.error();
    }
    result.rows_affected = updated->rows_affected;
    result.returning = std::move(*rows);
    co_return result;
}

boost::asio::awaitable<Result<CommandResult>> WriteRunner::compute_locally(const BoundWrite& w, Transaction& txn) {
    const Dialect& dialect = engine_.connector(w.service)->dialect();
    std::vector<int> keys = primary_key(w);
    if (keys.empty()) {
        co_return Error::make("0A000", "service \"" + w.service + "\" cannot compute this statement's expressions "
                                       "exactly as PostgreSQL does, and table \"" + w.table +
                                       "\" has no primary key for Nectar to compute them row by row");
    }
    static const std::vector<Value> no_params;
    bool where_pushed = w.where && can_render(*w.where, dialect, &no_params);
    std::string table = dialect.qualified_table(w.schema, w.table);
    // The rows stay locked until the transaction ends (SQLite's BEGIN IMMEDIATE locks the file).
    std::string read_sql = "SELECT " + quoted_columns(w, dialect, all_columns(w)) + " FROM " + table +
                           (where_pushed ? " WHERE " + expr_sql(*w.where, dialect, w.columns) : std::string()) +
                           (dialect.name() == "sqlite" ? "" : " FOR UPDATE");
    auto rows = co_await txn.query(read_sql, column_types(w, all_columns(w)));
    if (!rows) {
        co_return rows.error();
    }
    ExecContext ctx;
    ctx.connector = [this](std::string_view service) {
        return transaction_.connector_for(service, engine_.connector(service));
    };
    ctx.statement_timestamp_us = now_micros_since_2000();
    auto holder = PlanNode::make(PlanNode::Kind::Project); // lets run_subqueries find the statement's subqueries
    for (const auto& [column, value] : w.assignments) {
        holder->exprs.push_back(value);
    }
    if (w.where) {
        holder->exprs.push_back(w.where);
    }
    auto subqueries = co_await run_subqueries(holder, ctx);
    if (!subqueries) {
        co_return subqueries.error();
    }
    CommandResult result;
    std::vector<Row> deleted_keys;
    for (const Row& row : *rows) {
        if (w.where && !where_pushed) {
            auto keep = evaluate_predicate(*w.where, row, ctx);
            if (!keep) {
                co_return keep.error();
            }
            if (!*keep) {
                continue;
            }
        }
        Row key;
        for (int k : keys) {
            key.push_back(row[k]);
        }
        if (w.kind == BoundWrite::Kind::Delete) {
            deleted_keys.push_back(std::move(key));
            result.returning.push_back(row);
            continue;
        }
        Row updated = row; // every SET expression reads the old row, as in SQL
        std::string set_sql;
        for (const auto& [column, value] : w.assignments) {
            auto v = evaluate(*value, row, ctx);
            if (!v) {
                co_return v.error();
            }
            set_sql += (set_sql.empty() ? " SET " : ", ") + dialect.quote_identifier(w.columns[column].name) +
                       " = " + dialect.literal(*v);
            updated[column] = std::move(*v);
        }
        std::string update_sql = "UPDATE " + table + set_sql + " WHERE " + key_match(w, dialect, keys, {key});
        auto done = co_await txn.execute(update_sql, {});
        if (!done) {
            co_return done.error();
        }
        result.rows_affected += done->rows_affected;
        result.returning.push_back(std::move(updated));
    }
    for (size_t from = 0; from < deleted_keys.size(); from += kInsertBatchRows) {
        size_t to = std::min(deleted_keys.size(), from + kInsertBatchRows);
        std::vector<Row> batch(deleted_keys.begin() + from, deleted_keys.begin() + to);
        std::string delete_sql = "DELETE FROM " + table + " WHERE " + key_match(w, dialect, keys, batch);
        auto done = co_await txn.execute(delete_sql, {});
        if (!done) {
            co_return done.error();
        }
        result.rows_affected += done->rows_affected;
    }
    if (!w.has_returning()) {
        result.returning.clear();
    }
    co_return result;
}

} // namespace nectar::federation
