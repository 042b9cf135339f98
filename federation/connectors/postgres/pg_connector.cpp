#include "federation/connectors/postgres/pg_connector.hpp"

#include "federation/connectors/postgres/pg_transaction.hpp"

#include <boost/asio/this_coro.hpp>
#include <charconv>
#include <functional>
#include <map>
#include <string_view>

namespace nectar::federation {

namespace {

/// "prepared statement ... does not exist" (26000) or "cached plan must not change result type"
/// (0A000): a kept statement that no longer fits, worth one fresh Parse.
bool is_stale_statement(const Error& error) {
    return error.sqlstate == "26000" ||
           (error.sqlstate == "0A000" && error.message.find("cached plan") != std::string::npos);
}


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
               WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY (i.indkey)),
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,
       a.attidentity::text
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
ORDER BY n.nspname, c.relname, a.attnum)";

/// One row per index column, in index order; an expression's column has a NULL name.
constexpr std::string_view kIndexesSql =
    R"(SELECT n.nspname, c.relname, ic.relname, i.indisunique, i.indisprimary, i.indpred IS NOT NULL, a.attname
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum AND k.attnum > 0
WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
  AND k.ord <= i.indnkeyatts
ORDER BY n.nspname, c.relname, ic.relname, k.ord)";

/// One row per foreign key column pair, in key order.
constexpr std::string_view kForeignKeysSql =
    R"(SELECT n.nspname, c.relname, con.conname, rn.nspname, rc.relname, a.attname, ra.attname
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(col, refcol, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.col
JOIN pg_catalog.pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refcol
WHERE con.contype = 'f' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
ORDER BY n.nspname, c.relname, con.conname, k.ord)";

/// One row per routine argument (one with NULL argument fields for a routine without any);
/// ordinal 0 does not occur: the return type is the routine's own.
constexpr std::string_view kRoutinesSql =
    R"(SELECT r.routine_schema, r.routine_name, r.specific_name, r.routine_type,
       CASE WHEN r.data_type = 'USER-DEFINED' OR r.data_type = 'ARRAY' THEN r.type_udt_name ELSE r.data_type END,
       p.parameter_mode, p.parameter_name,
       CASE WHEN p.data_type = 'USER-DEFINED' OR p.data_type = 'ARRAY' THEN p.udt_name ELSE p.data_type END
FROM information_schema.routines r
LEFT JOIN information_schema.parameters p
  ON p.specific_schema = r.specific_schema AND p.specific_name = r.specific_name
WHERE r.routine_schema <> 'information_schema' AND r.routine_schema NOT LIKE 'pg\_%'
ORDER BY r.routine_schema, r.routine_name, r.specific_name, p.ordinal_position)";

std::string text_of(const std::optional<std::string_view>& field) {
    return field ? std::string(*field) : std::string();
}

/// Adds one row of kDiscoverSql to `tables`; false when the row is not what the query returns.
bool add_discovered(const PgFields& f, std::vector<TableInfo>& tables) {
    if (f.size() != 11 || !f[0] || !f[1] || !f[2]) {
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
    if (f[9]) {
        column.default_value = std::string(*f[9]);
    }
    // serial columns default to nextval() of the sequence they own; identity columns say so.
    bool identity = f[10] && !f[10]->empty();
    column.auto_increment = identity || (f[9] && f[9]->rfind("nextval(", 0) == 0);
    tables.back().columns.push_back(std::move(column));
    return true;
}

using TableIndex = std::map<std::pair<std::string, std::string>, TableInfo*>;

/// Adds one row of kIndexesSql to its table; false when the row is not what the query returns.
bool add_index_column(const PgFields& f, const TableIndex& tables) {
    if (f.size() != 7 || !f[0] || !f[1] || !f[2]) {
        return false;
    }
    auto it = tables.find({std::string(*f[0]), std::string(*f[1])});
    if (it == tables.end()) {
        return true; // an index of a sequence or of a table created since
    }
    std::vector<IndexInfo>& indexes = it->second->indexes;
    if (indexes.empty() || indexes.back().name != *f[2]) {
        IndexInfo index;
        index.name = std::string(*f[2]);
        index.unique = f[3] && *f[3] == "t";
        index.primary = f[4] && *f[4] == "t";
        index.partial = f[5] && *f[5] == "t";
        indexes.push_back(std::move(index));
    }
    indexes.back().columns.push_back(text_of(f[6]));
    return true;
}

/// Adds one row of kForeignKeysSql to its table; false when the row is not what the query returns.
bool add_foreign_key_column(const PgFields& f, const TableIndex& tables) {
    if (f.size() != 7 || !f[0] || !f[1] || !f[2] || !f[5] || !f[6]) {
        return false;
    }
    auto it = tables.find({std::string(*f[0]), std::string(*f[1])});
    if (it == tables.end()) {
        return true;
    }
    std::vector<ForeignKeyInfo>& keys = it->second->foreign_keys;
    if (keys.empty() || keys.back().name != *f[2]) {
        ForeignKeyInfo key;
        key.name = std::string(*f[2]);
        key.referenced_schema = text_of(f[3]);
        key.referenced_table = text_of(f[4]);
        keys.push_back(std::move(key));
    }
    keys.back().columns.emplace_back(*f[5]);
    keys.back().referenced_columns.emplace_back(*f[6]);
    return true;
}

/// Adds one row of kRoutinesSql; `specific` is the specific name of the routine last added.
bool add_routine_row(const PgFields& f, std::vector<RoutineInfo>& routines, std::string& specific) {
    if (f.size() != 8 || !f[0] || !f[1] || !f[2] || !f[3]) {
        return false;
    }
    if (routines.empty() || specific != *f[2]) {
        RoutineInfo routine;
        routine.schema = std::string(*f[0]);
        routine.name = std::string(*f[1]);
        routine.procedure = *f[3] == "PROCEDURE";
        routine.return_type = routine.procedure ? std::string() : text_of(f[4]);
        routines.push_back(std::move(routine));
        specific = std::string(*f[2]);
    }
    if (f[5] || f[7]) {
        routines.back().arguments.push_back(RoutineArgument{text_of(f[6]), text_of(f[7]), text_of(f[5])});
    }
    return true;
}

/// Runs one catalog query and hands each row to `add`; a row it refuses is an XX000 error.
asio::awaitable<Result<void>> for_each_catalog_row(PgPool& pool, std::shared_ptr<bool> alive,
                                                   const std::string& service, std::string_view sql,
                                                   std::function<bool(const PgFields&)> add) {
    auto executor = co_await asio::this_coro::executor;
    PgStatement statement(pool, alive, executor);
    auto started = co_await statement.start(sql);
    if (!started) {
        co_return started.error();
    }
    PgFields fields;
    for (;;) {
        auto more = co_await statement.next_row(fields);
        if (!more) {
            co_return more.error();
        }
        if (!more.value()) {
            co_return Result<void>{};
        }
        if (!add(fields)) {
            co_return Error::make("XX000",
                                  "unexpected catalog row while discovering service \"" + service + "\"");
        }
    }
}

/// The argument list of a call: IN/INOUT values cast to their declared types; a procedure's
/// OUT arguments as NULL (CALL wants a placeholder for them, a function call none).
std::string call_arguments(const Dialect& dialect, const RoutineInfo& routine, const std::vector<Value>& values) {
    std::string sql;
    size_t next = 0;
    for (const RoutineArgument& argument : routine.arguments) {
        bool out_only = argument.mode == "OUT";
        if (out_only && !routine.procedure) {
            continue;
        }
        sql += sql.empty() ? "" : ", ";
        if (out_only) {
            sql += "NULL";
            continue;
        }
        const Value& value = next < values.size() ? values[next] : Value();
        next++;
        // The type name comes from the catalog (information_schema), never from the caller.
        sql += "CAST(" + (value.is_null() ? std::string("NULL") : dialect.literal(value)) + " AS " + argument.type + ")";
    }
    return sql;
}

/// Reads a described statement to its end: its columns, and its rows typed from their OIDs.
asio::awaitable<Result<RoutineResultSet>> read_described(PgStatement& statement) {
    RoutineResultSet set;
    PgFields fields;
    for (;;) {
        auto more = co_await statement.next_row(fields);
        if (!more) {
            co_return more.error();
        }
        if (set.columns.empty()) {
            for (const auto& [name, oid] : statement.columns()) {
                set.columns.push_back(name);
                set.types.push_back(type_from_oid(oid));
            }
        }
        if (!more.value()) {
            co_return set;
        }
        auto row = convert_row(fields, set.types);
        if (!row) {
            co_return row.error();
        }
        set.rows.push_back(std::move(row.value()));
    }
}

} // namespace

PgConnector::PgConnector(PgPool& pool, std::string service)
    : pool_(pool)
    , service_(std::move(service)) {}

PgConnector::~PgConnector() {
    *alive_ = false;
}

asio::awaitable<Result<std::vector<TableInfo>>> PgConnector::discover() {
    std::vector<TableInfo> tables;
    std::function<bool(const PgFields&)> add_table = [&tables](const PgFields& f) {
        return add_discovered(f, tables);
    };
    auto read = co_await for_each_catalog_row(pool_, alive_, service_, kDiscoverSql, add_table);
    if (!read) {
        co_return read.error();
    }
    TableIndex by_name;
    for (TableInfo& t : tables) {
        by_name[{t.schema, t.name}] = &t;
    }
    std::function<bool(const PgFields&)> add_index = [&by_name](const PgFields& f) {
        return add_index_column(f, by_name);
    };
    read = co_await for_each_catalog_row(pool_, alive_, service_, kIndexesSql, add_index);
    if (!read) {
        co_return read.error();
    }
    std::function<bool(const PgFields&)> add_key = [&by_name](const PgFields& f) {
        return add_foreign_key_column(f, by_name);
    };
    read = co_await for_each_catalog_row(pool_, alive_, service_, kForeignKeysSql, add_key);
    if (!read) {
        co_return read.error();
    }
    for (TableInfo& t : tables) {
        mark_unique_columns(t);
    }
    co_return tables;
}

asio::awaitable<Result<std::vector<RoutineInfo>>> PgConnector::discover_routines() {
    std::vector<RoutineInfo> routines;
    std::string specific;
    std::function<bool(const PgFields&)> add = [&](const PgFields& f) {
        return add_routine_row(f, routines, specific);
    };
    auto read = co_await for_each_catalog_row(pool_, alive_, service_, kRoutinesSql, add);
    if (!read) {
        co_return read.error();
    }
    co_return routines;
}

asio::awaitable<Result<RoutineResult>> PgConnector::call_routine(const RoutineInfo& routine,
                                                                 std::vector<Value> arguments) {
    const Dialect& d = dialect();
    std::string callee = d.quote_identifier(routine.schema) + "." + d.quote_identifier(routine.name);
    std::string args = call_arguments(d, routine, arguments);
    bool returns_nothing = !routine.procedure && routine.return_type == "void";
    // FROM fn(...) AS fn: a set or composite result keeps its column names; a scalar is named fn.
    std::string sql = routine.procedure ? "CALL " + callee + "(" + args + ")"
                      : returns_nothing ? "SELECT " + callee + "(" + args + ")"
                                        : "SELECT * FROM " + callee + "(" + args + ") AS " + d.quote_identifier(routine.name);
    auto executor = co_await asio::this_coro::executor;
    PgStatement statement(pool_, alive_, executor);
    statement.describe_columns();
    auto started = co_await statement.start(sql);
    if (!started) {
        co_return started.error();
    }
    auto set = co_await read_described(statement);
    if (!set) {
        co_return set.error();
    }
    RoutineResult result;
    if (routine.procedure) {
        // CALL's one row holds the OUT and INOUT arguments.
        result.out_names = set->columns;
        if (!set->rows.empty()) {
            result.out_values = std::move(set->rows.front());
        }
    } else if (!returns_nothing) {
        result.sets.push_back(std::move(*set));
    } else {
        result.sets.emplace_back(); // a void function: no rows
    }
    co_return result;
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

asio::awaitable<Result<std::unique_ptr<RowStream>>> PgConnector::query_bound(const BoundSql& bound,
                                                                             std::string inline_sql,
                                                                             std::vector<Type> types) {
    if (bound.sql.empty()) {
        co_return co_await query(std::move(inline_sql), std::move(types));
    }
    auto executor = co_await asio::this_coro::executor;
    auto statement = std::make_unique<PgStatement>(pool_, alive_, executor);
    auto started = co_await statement->start_bound(bound);
    if (!started && is_stale_statement(started.error())) {
        // A prepared statement dropped behind our back, or planned for a table since altered:
        // the failed use forgot it, so this one parses it afresh.
        statement = std::make_unique<PgStatement>(pool_, alive_, executor);
        started = co_await statement->start_bound(bound);
    }
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
