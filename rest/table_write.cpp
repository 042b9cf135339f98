// The REST writes (table_write.hpp): request → checked body → federation::BoundWrite → Engine::write.
#include "rest/table_write.hpp"

#include "federation/engine.hpp"
#include "federation/sql/binder_write.hpp"
#include "rest/etag.hpp"
#include "rest/filter.hpp"
#include "rest/table_query.hpp"
#include "rest/table_write_body.hpp"

#include <algorithm>
#include <memory>
#include <optional>

namespace nectar::rest {

using namespace federation;
using boost::asio::awaitable;

namespace {

HttpResponse error_response(const Error& error) {
    return HttpResponse::error(write_status_for(error), error.sqlstate, error.message);
}

/// One row as GET .../{id} writes it: its ETag is this text's.
std::string row_json(const std::vector<ColumnInfo>& columns, const Row& row, const JsonOptions& options) {
    std::string out;
    JsonWriter w(out, options);
    w.begin_object();
    for (size_t i = 0; i < row.size() && i < columns.size(); i++) {
        w.key(columns[i].name);
        w.value(row[i]);
    }
    w.end_object();
    return out;
}

/// A write on the request's table; RETURNING every column, so the written rows come back whole.
BoundWrite write_on(const TableRef& ref, BoundWrite::Kind kind) {
    BoundWrite w;
    w.kind = kind;
    w.service = ref.service;
    w.schema = ref.table->schema;
    w.table = ref.table->name;
    w.columns = ref.table->columns;
    for (size_t i = 0; i < w.columns.size(); ++i) {
        w.returning.push_back(Expr::column_ref(static_cast<int>(i), w.columns[i].type, w.columns[i].name));
        w.returning_columns.push_back({w.columns[i].name, w.columns[i].type});
    }
    return w;
}

/// The insert's rows as the engine's VALUES plan (typed constants, never text).
PlanPtr values_plan(const TableInfo& table, const InsertRows& rows) {
    auto values = PlanNode::make(PlanNode::Kind::Values);
    for (int c : rows.columns) {
        values->columns.push_back({table.columns[c].name, table.columns[c].type});
    }
    for (const auto& row : rows.rows) {
        std::vector<ExprPtr> constants;
        for (const Value& v : row) {
            constants.push_back(Expr::constant(v));
        }
        values->rows.push_back(std::move(constants));
    }
    return values;
}

/// ?upsert=true[&onConflict=a,b] as the insert's conflict columns (empty: a plain insert).
Result<std::vector<int>> upsert_keys(const HttpRequest& request, const TableInfo& table, const InsertRows& rows) {
    const std::string* upsert = request.param("upsert");
    const std::string* on_conflict = request.param("onConflict");
    if (upsert != nullptr && *upsert != "true" && *upsert != "false") {
        return Error::make("22023", "upsert must be true or false, not " + quoted_name(*upsert));
    }
    if (upsert == nullptr || *upsert == "false") {
        if (on_conflict != nullptr) {
            return Error::make("22023", "onConflict needs upsert=true");
        }
        return std::vector<int>{};
    }
    std::vector<int> keys;
    if (on_conflict != nullptr) {
        auto named = read_conflict_columns(*on_conflict, table);
        if (!named) {
            return named.error();
        }
        keys = std::move(*named);
    } else {
        for (size_t i = 0; i < table.columns.size(); ++i) {
            if (table.columns[i].primary_key) {
                keys.push_back(static_cast<int>(i));
            }
        }
        if (keys.empty()) {
            return Error::make("42P10", "table " + quoted_name(table.name) +
                                            " has no primary key: name the conflict columns with onConflict=a,b");
        }
    }
    for (int k : keys) {
        if (std::find(rows.columns.begin(), rows.columns.end(), k) == rows.columns.end()) {
            return Error::make("22023", "upsert on conflict of column " + quoted_name(table.columns[k].name) +
                                            ": every row must give it");
        }
    }
    return keys;
}

/// The check a write by id makes on its row, locked in the write's transaction: it exists, and
/// an If-Match names its current ETag.
WritePrecondition row_check(const HttpRequest& request, const TableRef& ref, const JsonOptions& json) {
    const std::string* header = request.header("if-match");
    std::optional<std::string> if_match = header ? std::optional<std::string>(*header) : std::nullopt;
    std::string missing = "no row of " + quoted_name(ref.table->name) + " has id " + quoted_name(request.path_param("id"));
    const std::vector<ColumnInfo>* columns = &ref.table->columns; // the catalog outlives the write
    return [if_match, missing, columns, json](const std::vector<Row>& current) -> Result<void> {
        if (current.empty()) {
            return Error::make("P0002", missing);
        }
        if (if_match && !etag_matches(*if_match, etag_of(row_json(*columns, current[0], json)))) {
            return Error::make("55000", "If-Match " + quoted_name(*if_match) +
                                            " does not match the row's current ETag: it changed since it was read "
                                            "(nothing was written; GET it again)");
        }
        return Result<void>();
    };
}

class TableWrites {
  public:
    TableWrites(ExposureStore& exposures, TableApiOptions options)
        : exposures_(exposures)
        , options_(std::move(options)) {}

    awaitable<HttpResponse> insert(const HttpRequest& request) const;
    awaitable<HttpResponse> update_one(const HttpRequest& request) const { return write_one(request, Action::update); }
    awaitable<HttpResponse> replace_one(const HttpRequest& request) const { return write_one(request, Action::replace); }
    awaitable<HttpResponse> delete_one(const HttpRequest& request) const { return write_one(request, Action::remove); }
    awaitable<HttpResponse> update_where(const HttpRequest& request) const { return write_where(request, false); }
    awaitable<HttpResponse> delete_where(const HttpRequest& request) const { return write_where(request, true); }

  private:
    enum class Action { update, replace, remove };
    awaitable<HttpResponse> write_one(const HttpRequest& request, Action action) const;
    awaitable<HttpResponse> write_where(const HttpRequest& request, bool remove) const;
    /// {"data":[rows]} (and "meta":{"count":n} when `with_count`).
    std::string rows_body(const TableRef& ref, const std::vector<Row>& rows, bool with_count) const;

    ExposureStore& exposures_;
    TableApiOptions options_;
};

std::string TableWrites::rows_body(const TableRef& ref, const std::vector<Row>& rows, bool with_count) const {
    std::string out = "{\"data\":[";
    for (size_t r = 0; r < rows.size(); ++r) {
        out += r ? "," : "";
        out += row_json(ref.table->columns, rows[r], options_.json);
    }
    out += "]";
    if (with_count) {
        out += ",\"meta\":{\"count\":";
        out += std::to_string(rows.size());
        out += "}";
    }
    return out + "}";
}

awaitable<HttpResponse> TableWrites::insert(const HttpRequest& request) const {
    auto ref = co_await find_exposed_table(request, exposures_);
    if (!ref) {
        co_return error_response(ref.error());
    }
    auto rows = read_insert_body(request.body, *ref->table);
    if (!rows) {
        co_return error_response(rows.error());
    }
    auto keys = upsert_keys(request, *ref->table, *rows);
    if (!keys) {
        co_return error_response(keys.error());
    }
    BoundWrite w = write_on(*ref, BoundWrite::Kind::Insert);
    w.insert_columns = rows->columns;
    w.source = values_plan(*ref->table, *rows);
    w.upsert_keys = std::move(*keys);
    // The rows as stored come back through RETURNING (PostgreSQL, SQLite 3.35+, MariaDB 10.5+).
    auto written = co_await request.engine->write(w);
    if (!written) {
        co_return error_response(written.error());
    }
    HttpResponse response;
    response.status = 201;
    response.body = rows_body(*ref, written->returning, false);
    if (rows->single && written->returning.size() == 1) {
        response.headers.emplace_back("ETag",
                                      etag_of(row_json(ref->table->columns, written->returning[0], options_.json)));
    }
    co_return response;
}

awaitable<HttpResponse> TableWrites::write_one(const HttpRequest& request, Action action) const {
    auto ref = co_await find_exposed_table(request, exposures_);
    if (!ref) {
        co_return error_response(ref.error());
    }
    auto key = primary_key_filter(*ref->table, request.path_param("id"));
    if (!key) {
        co_return error_response(key.error());
    }
    BoundWrite w = write_on(*ref, action == Action::remove ? BoundWrite::Kind::Delete : BoundWrite::Kind::Update);
    w.where = *key;
    if (action != Action::remove) {
        auto values = read_update_body(request.body, *ref->table, action == Action::replace);
        if (!values) {
            co_return error_response(values.error());
        }
        for (auto& [column, value] : *values) {
            w.assignments.emplace_back(column, Expr::constant(std::move(value)));
        }
    }
    auto written = co_await request.engine->write(w, row_check(request, *ref, options_.json));
    if (!written) {
        co_return error_response(written.error());
    }
    if (written->returning.empty()) { // the row went between the check and the write: never, it is locked
        co_return HttpResponse::error(404, "P0002", "no row of " + quoted_name(ref->table->name) + " has id " +
                                                        quoted_name(request.path_param("id")));
    }
    HttpResponse response;
    response.body = row_json(ref->table->columns, written->returning[0], options_.json);
    if (action != Action::remove) {
        response.headers.emplace_back("ETag", etag_of(response.body));
    }
    co_return response;
}

awaitable<HttpResponse> TableWrites::write_where(const HttpRequest& request, bool remove) const {
    auto ref = co_await find_exposed_table(request, exposures_);
    if (!ref) {
        co_return error_response(ref.error());
    }
    const std::string* filter_text = request.param("filter");
    if (filter_text == nullptr || filter_text->find_first_not_of(" \t\r\n") == std::string::npos) {
        co_return HttpResponse::error(400, "22023", std::string(remove ? "DELETE" : "PATCH") +
                                                        " of a table needs ?filter= naming the rows (a whole-table "
                                                        "write is never done by accident), or an id in the path");
    }
    if (request.header("if-match") != nullptr) {
        co_return HttpResponse::error(400, "22023", "If-Match applies to one row: write it by id (.../{id})");
    }
    auto filter = bind_filter(*filter_text, ref->table->columns);
    if (!filter) {
        Error e = filter.error();
        e.message = "filter: " + e.message;
        co_return error_response(e);
    }
    if (*filter == nullptr) {
        co_return HttpResponse::error(400, "22023", "an empty filter {} selects every row: a whole-table write "
                                                    "is never done by accident");
    }
    BoundWrite w = write_on(*ref, remove ? BoundWrite::Kind::Delete : BoundWrite::Kind::Update);
    w.where = *filter;
    if (!remove) {
        auto values = read_update_body(request.body, *ref->table, false);
        if (!values) {
            co_return error_response(values.error());
        }
        for (auto& [column, value] : *values) {
            w.assignments.emplace_back(column, Expr::constant(std::move(value)));
        }
    }
    auto written = co_await request.engine->write(w);
    if (!written) {
        co_return error_response(written.error());
    }
    HttpResponse response;
    response.body = rows_body(*ref, written->returning, true);
    co_return response;
}

} // namespace

int write_status_for(const Error& error) {
    const std::string& s = error.sqlstate;
    if (s == "55000") {
        return 412;
    }
    if (s == "23505" || s == "23503" || s == "40001" || s == "40P01") {
        return 409;
    }
    if (s.rfind("23", 0) == 0) {
        return 400;
    }
    return http_status_for(error);
}

void add_write_routes(HttpRouter& router, ExposureStore& exposures, TableApiOptions options) {
    auto api = std::make_shared<const TableWrites>(exposures, std::move(options));
    using Method = awaitable<HttpResponse> (TableWrites::*)(const HttpRequest&) const;
    auto bind = [api](Method method) {
        return [api, method](const HttpRequest& request) { return ((*api).*method)(request); };
    };
    const std::string table = "/api/v2/{service}/_table/{table}";
    router.add("POST", table, bind(&TableWrites::insert));
    router.add("PATCH", table, bind(&TableWrites::update_where));
    router.add("DELETE", table, bind(&TableWrites::delete_where));
    router.add("PATCH", table + "/{id}", bind(&TableWrites::update_one));
    router.add("PUT", table + "/{id}", bind(&TableWrites::replace_one));
    router.add("DELETE", table + "/{id}", bind(&TableWrites::delete_one));
}

} // namespace nectar::rest
