// What every connector shares: row estimates read from the backend's EXPLAIN, unique columns
// from discovered indexes.
#include "federation/connectors/connector.hpp"

#include <charconv>

namespace nectar::federation {

boost::asio::awaitable<Result<int64_t>> Connector::estimate_rows(std::string) {
    co_return int64_t{-1};
}

boost::asio::awaitable<Result<std::unique_ptr<RowStream>>> Connector::query_bound(const BoundSql&,
                                                                                   std::string inline_sql,
                                                                                   std::vector<Type> types) {
    co_return co_await query(std::move(inline_sql), std::move(types));
}

boost::asio::awaitable<Result<std::vector<RoutineInfo>>> Connector::discover_routines() {
    co_return std::vector<RoutineInfo>{};
}

boost::asio::awaitable<Result<RoutineResult>> Connector::call_routine(const RoutineInfo& routine,
                                                                      std::vector<Value>) {
    co_return Error::make("0A000", "service \"" + service() + "\" cannot call routine \"" + routine.name +
                                       "\": its backend has no stored procedures or functions");
}

void mark_unique_columns(TableInfo& table) {
    for (const IndexInfo& index : table.indexes) {
        if (!index.unique || index.partial || index.columns.size() != 1) {
            continue;
        }
        for (ColumnInfo& column : table.columns) {
            column.unique = column.unique || column.name == index.columns[0];
        }
    }
    int key_columns = 0;
    for (const ColumnInfo& column : table.columns) {
        key_columns += column.primary_key ? 1 : 0;
    }
    for (ColumnInfo& column : table.columns) {
        // SQLite's rowid key has no index: a one-column primary key is unique by itself.
        column.unique = column.unique || (column.primary_key && key_columns == 1);
    }
}

boost::asio::awaitable<Result<int64_t>> rows_from_explain(Connector& connector, std::string explain_sql,
                                                          std::string_view marker) {
    std::vector<Type> types{Type::Text}; // (g++ 12: no braced temporaries in a co_await call)
    auto stream = co_await connector.query(std::move(explain_sql), std::move(types));
    if (!stream) {
        co_return stream.error();
    }
    std::string first;
    bool more = true;
    while (more) { // read to the end, so the connection goes back to its pool clean
        Batch batch;
        auto r = co_await (*stream)->next(batch);
        if (!r) {
            co_return r.error();
        }
        more = *r;
        if (first.empty() && !batch.rows.empty() && !batch.rows[0].empty() && !batch.rows[0][0].is_null()) {
            first = batch.rows[0][0].as_string();
        }
    }
    size_t at = first.find(marker);
    int64_t rows = -1;
    if (at != std::string::npos) {
        const char* begin = first.data() + at + marker.size();
        std::from_chars(begin, first.data() + first.size(), rows);
    }
    co_return rows;
}

} // namespace nectar::federation
