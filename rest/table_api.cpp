#include "rest/table_api.hpp"

#include "federation/engine.hpp"
#include "rest/auth.hpp"
#include "rest/discover.hpp"
#include "rest/etag.hpp"
#include "rest/include_embed.hpp"
#include "rest/query_body.hpp"
#include "rest/table_query.hpp"

#include <algorithm>
#include <memory>
#include <simdjson.h>

namespace nectar::rest {

using namespace federation;
using boost::asio::awaitable;

namespace {

HttpResponse error_response(const Error& error) {
    return HttpResponse::error(http_status_for(error), error.sqlstate, error.message);
}

/// Rows as JSON objects, up to `limit` of them; one more only sets `more`.
class JsonRowsSink final : public ResultSink {
  public:
    JsonRowsSink(JsonWriter& writer, int64_t limit)
        : writer_(writer)
        , limit_(limit) {}

    void row_description(const std::vector<OutputColumn>& columns) override { columns_ = columns; }
    void data_row(const Row& row) override {
        if (rows_ == limit_) {
            more_ = true;
            return;
        }
        rows_++;
        writer_.begin_object();
        for (size_t i = 0; i < row.size() && i < columns_.size(); i++) {
            writer_.key(columns_[i].name);
            writer_.value(row[i]);
        }
        writer_.end_object();
    }
    void command_complete(const std::string&) override {}
    void empty_query() override {}
    awaitable<void> maybe_flush() override { co_return; } // a page is bounded by max_limit

    int64_t rows() const { return rows_; }
    bool more() const { return more_; }

  private:
    JsonWriter& writer_;
    int64_t limit_;
    std::vector<OutputColumn> columns_;
    int64_t rows_ = 0;
    bool more_ = false;
};

/// Keeps the one value of a one-row, one-column result (a count).
class ValueSink final : public ResultSink {
  public:
    void row_description(const std::vector<OutputColumn>&) override {}
    void data_row(const Row& row) override {
        if (!row.empty()) {
            value = row[0];
        }
    }
    void command_complete(const std::string&) override {}
    void empty_query() override {}
    awaitable<void> maybe_flush() override { co_return; }

    Value value;
};

/// A page whose rows embed related rows (include=): the table columns fetched per row (the
/// asked ones first, then key columns only the embeds need) and the embeds.
struct Embedding {
    const TableInfo* table = nullptr;
    std::vector<int> columns;
    size_t printed = 0;
    std::vector<Embed> embeds;
    std::vector<std::string> names; ///< printed names when not the table's (a _query's output names)
};

/// include= and fields=rel.col of a request on `ref`; `asked` are the table columns it prints.
Result<Embedding> read_embedding(const HttpRequest& request, const TableRef& ref, const std::vector<int>& asked,
                                 const ExposureStore& exposures) {
    auto embeds = read_embeds(request, *ref.catalog->service(ref.service), *ref.table, exposures);
    if (!embeds) {
        return embeds.error();
    }
    Embedding e;
    e.table = ref.table;
    e.columns = asked;
    e.printed = asked.size();
    for (int c : embed_key_columns(*ref.table, *embeds)) {
        if (std::find(asked.begin(), asked.end(), c) == asked.end()) {
            e.columns.push_back(c); // fetched for stitching, not printed
        }
    }
    e.embeds = std::move(*embeds);
    return e;
}

class TableApi {
  public:
    TableApi(ExposureStore& exposures, TableApiOptions options)
        : exposures_(exposures)
        , options_(std::move(options)) {}

    awaitable<HttpResponse> list(const HttpRequest& request) const;
    awaitable<HttpResponse> one(const HttpRequest& request) const;
    awaitable<HttpResponse> count(const HttpRequest& request) const;
    awaitable<HttpResponse> schema(const HttpRequest& request) const;
    awaitable<HttpResponse> expose(const HttpRequest& request) const;
    awaitable<HttpResponse> query(const HttpRequest& request) const;

  private:
    /// The exposed table the path names; an Error (404) for unknown services and tables, and
    /// for tables that exist but are not exposed (they are not there as far as REST goes).
    awaitable<Result<TableRef>> exposed_table(const HttpRequest& request) const;
    awaitable<Result<int64_t>> run_count(const HttpRequest& request, const TableRef& ref, const ExprPtr& filter) const;
    /// {"data": [rows], "meta": {page, limit, offset, count, more, ... left open for the caller.
    /// With embeds (`embedding` not null and not empty), `plan` yields embedding->columns.
    awaitable<Result<void>> write_page(const HttpRequest& request, PlanPtr plan, int64_t limit, int64_t offset,
                                       int64_t page, JsonWriter& w, const Embedding* embedding = nullptr) const;
    /// The row `plan` finds as a JSON object (with its embeds); false when there is none.
    awaitable<Result<bool>> write_one(const HttpRequest& request, PlanPtr plan, const Embedding& embedding,
                                      JsonWriter& w) const;
    /// The exposed table and the page its query parameters ask for.
    awaitable<Result<std::pair<TableRef, PageRequest>>> table_and_page(const HttpRequest& request) const;

    ExposureStore& exposures_;
    TableApiOptions options_;
};

awaitable<Result<TableRef>> TableApi::exposed_table(const HttpRequest& request) const {
    co_return co_await find_exposed_table(request, exposures_);
}

awaitable<Result<int64_t>> TableApi::run_count(const HttpRequest& request, const TableRef& ref,
                                               const ExprPtr& filter) const {
    auto plan = count_plan(ref, filter);
    if (!plan) {
        co_return plan.error();
    }
    ValueSink sink;
    auto ran = co_await request.engine->run_plan(*plan, sink);
    if (!ran) {
        co_return ran.error();
    }
    co_return sink.value.is_null() ? int64_t{0} : sink.value.as_int();
}

awaitable<Result<std::pair<TableRef, PageRequest>>> TableApi::table_and_page(const HttpRequest& request) const {
    auto ref = co_await exposed_table(request);
    if (!ref) {
        co_return ref.error();
    }
    auto page = read_page_request(request, *ref->table, options_.default_limit, options_.max_limit);
    if (!page) {
        co_return page.error();
    }
    co_return std::pair{std::move(*ref), std::move(*page)};
}

awaitable<Result<void>> TableApi::write_page(const HttpRequest& request, PlanPtr plan, int64_t limit, int64_t offset,
                                             int64_t page, JsonWriter& w, const Embedding* embedding) const {
    w.begin_object();
    w.key("data");
    w.begin_array();
    int64_t count = 0;
    bool more = false;
    if (embedding != nullptr && !embedding->embeds.empty()) {
        // The page is held whole (at most max_limit rows) until its related rows are fetched.
        RowsCollector rows(limit);
        auto ran = co_await request.engine->run_plan(std::move(plan), rows);
        if (!ran) {
            co_return ran;
        }
        PageRows fetched{std::move(rows.rows), embedding->columns, embedding->printed, embedding->names};
        auto written = co_await write_with_embeds(*request.engine, request.path_param("service"), *embedding->table,
                                                  fetched, embedding->embeds, w);
        if (!written) {
            co_return written;
        }
        count = static_cast<int64_t>(fetched.rows.size());
        more = rows.more;
    } else {
        JsonRowsSink rows(w, limit);
        auto ran = co_await request.engine->run_plan(std::move(plan), rows);
        if (!ran) {
            co_return ran;
        }
        count = rows.rows();
        more = rows.more();
    }
    w.end_array();
    w.key("meta");
    w.begin_object();
    w.key("page");
    w.integer(page);
    w.key("limit");
    w.integer(limit);
    w.key("offset");
    w.integer(offset);
    w.key("count");
    w.integer(count);
    w.key("more"); // never a silent cap: true when rows past this page exist
    w.boolean(more);
    co_return Result<void>{};
}

awaitable<Result<bool>> TableApi::write_one(const HttpRequest& request, PlanPtr plan, const Embedding& embedding,
                                            JsonWriter& w) const {
    if (embedding.embeds.empty()) {
        JsonRowsSink row(w, 1);
        auto ran = co_await request.engine->run_plan(std::move(plan), row);
        if (!ran) {
            co_return ran.error();
        }
        co_return row.rows() > 0;
    }
    RowsCollector row(1);
    auto ran = co_await request.engine->run_plan(std::move(plan), row);
    if (!ran) {
        co_return ran.error();
    }
    if (row.rows.empty()) {
        co_return false;
    }
    PageRows fetched{std::move(row.rows), embedding.columns, embedding.printed};
    auto written = co_await write_with_embeds(*request.engine, request.path_param("service"), *embedding.table,
                                              fetched, embedding.embeds, w);
    if (!written) {
        co_return written.error();
    }
    co_return true;
}

awaitable<HttpResponse> TableApi::query(const HttpRequest& request) const {
    auto ref = co_await exposed_table(request);
    if (!ref) {
        co_return error_response(ref.error());
    }
    auto q = plan_body_query(request.body, *ref, exposures_, options_.default_limit, options_.max_limit);
    if (!q) {
        co_return error_response(q.error());
    }
    Embedding embedding{ref->table, q->table_columns, q->printed, std::move(q->embeds), std::move(q->names)};
    HttpResponse response;
    JsonWriter w(response.body, options_.json);
    auto ran = co_await write_page(request, q->plan, q->limit, q->offset, q->page, w, &embedding);
    if (!ran) {
        co_return error_response(ran.error());
    }
    w.end_object();
    w.end_object();
    co_return response;
}

awaitable<HttpResponse> TableApi::list(const HttpRequest& request) const {
    auto asked = co_await table_and_page(request);
    if (!asked) {
        co_return error_response(asked.error());
    }
    const TableRef* ref = &asked->first;
    const PageRequest* page = &asked->second;
    auto embedding = read_embedding(request, *ref, page->columns, exposures_);
    if (!embedding) {
        co_return error_response(embedding.error());
    }
    PageRequest fetched = *page;
    fetched.columns = embedding->columns;
    HttpResponse response;
    JsonWriter w(response.body, options_.json);
    auto ran = co_await write_page(request, page_plan(*ref, fetched), page->limit, page->offset, page->page, w,
                                   &*embedding);
    if (!ran) {
        co_return error_response(ran.error());
    }
    if (page->count != PageRequest::Count::none) {
        int64_t total = -1;
        if (page->count == PageRequest::Count::estimated) {
            auto estimate = co_await request.engine->estimate_rows(filtered_plan(*ref, page->filter));
            total = estimate ? *estimate : -1;
        }
        bool estimated = total >= 0;
        if (!estimated) { // exact asked, or no backend estimate to give
            auto exact = co_await run_count(request, *ref, page->filter);
            if (!exact) {
                co_return error_response(exact.error());
            }
            total = *exact;
        }
        w.key("total");
        w.integer(total);
        w.key("totalIsEstimate");
        w.boolean(estimated);
    }
    w.end_object();
    w.end_object();
    co_return response;
}

awaitable<HttpResponse> TableApi::one(const HttpRequest& request) const {
    auto ref = co_await exposed_table(request);
    if (!ref) {
        co_return error_response(ref.error());
    }
    auto key = primary_key_filter(*ref->table, request.path_param("id"));
    if (!key) {
        co_return error_response(key.error());
    }
    auto columns = read_columns(request, *ref->table);
    if (!columns) {
        co_return error_response(columns.error());
    }
    auto embedding = read_embedding(request, *ref, *columns, exposures_);
    if (!embedding) {
        co_return error_response(embedding.error());
    }
    PageRequest page;
    page.filter = *key;
    page.columns = embedding->columns;
    page.limit = 1;
    HttpResponse response;
    JsonWriter w(response.body, options_.json);
    auto found = co_await write_one(request, page_plan(*ref, page), *embedding, w);
    if (!found) {
        co_return error_response(found.error());
    }
    if (!*found) {
        co_return HttpResponse::error(404, "P0002", "no row of \"" + ref->table->name + "\" has id \"" +
                                                        request.path_param("id") + "\"");
    }
    response.headers.emplace_back("ETag", etag_of(response.body)); // what If-Match on PATCH/PUT/DELETE compares
    co_return response;
}

awaitable<HttpResponse> TableApi::count(const HttpRequest& request) const {
    auto asked = co_await table_and_page(request);
    if (!asked) {
        co_return error_response(asked.error());
    }
    auto n = co_await run_count(request, asked->first, asked->second.filter);
    if (!n) {
        co_return error_response(n.error());
    }
    HttpResponse response;
    JsonWriter w(response.body);
    w.begin_object();
    w.key("count");
    w.integer(*n);
    w.end_object();
    co_return response;
}

awaitable<HttpResponse> TableApi::schema(const HttpRequest& request) const {
    auto ref = co_await exposed_table(request);
    if (!ref) {
        co_return error_response(ref.error());
    }
    const TableInfo& t = *ref->table;
    HttpResponse response;
    JsonWriter w(response.body);
    w.begin_object();
    w.key("service");
    w.string(ref->service);
    w.key("schema");
    w.string(t.schema);
    w.key("name");
    w.string(t.name);
    w.key("view");
    w.boolean(t.is_view);
    write_table_shape(w, *ref->catalog->service(ref->service), t);
    w.end_object();
    co_return response;
}

/// The strings of the body's array `key`; none when absent.
Result<std::vector<std::string>> string_array(simdjson::dom::element body, const char* key) {
    std::vector<std::string> names;
    auto field = body[key];
    if (field.error() == simdjson::NO_SUCH_FIELD) {
        return names;
    }
    simdjson::dom::array items;
    if (field.get_array().get(items) != simdjson::SUCCESS) {
        return Error::make("22023", std::string("\"") + key + "\" must be an array of names");
    }
    for (simdjson::dom::element item : items) {
        std::string_view name;
        if (item.get_string().get(name) != simdjson::SUCCESS) {
            return Error::make("22023", std::string("every entry of \"") + key + "\" must be a string");
        }
        names.emplace_back(name);
    }
    return names;
}

awaitable<HttpResponse> TableApi::expose(const HttpRequest& request) const {
    // Exposing decides what every client may read and write.
    if (auto denied = require_admin(request, "exposing tables and routines")) {
        co_return std::move(*denied);
    }
    const std::string& service = request.path_param("service");
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    const char* shape = "expected {\"tables\": [\"name\", ...], \"procedures\": [\"name\", ...]} (either may be "
                        "left out; \"*\" in tables exposes every table and routine)";
    if (parser.parse(request.body).get(body) != simdjson::SUCCESS || !body.is_object()) {
        co_return HttpResponse::error(400, "22P02", std::string("the body is not a JSON object: ") + shape);
    }
    auto wanted = string_array(body, "tables");
    auto routines = wanted ? string_array(body, "procedures") : wanted;
    if (!routines) {
        co_return error_response(routines.error());
    }
    if (body["tables"].error() == simdjson::NO_SUCH_FIELD && body["procedures"].error() == simdjson::NO_SUCH_FIELD) {
        co_return HttpResponse::error(400, "22023", shape);
    }
    auto catalog = co_await request.engine->catalog();
    if (!catalog) {
        co_return error_response(catalog.error());
    }
    const ServiceTables* tables = (*catalog)->service(service);
    if (tables == nullptr) {
        co_return HttpResponse::error(404, "3D000", "service \"" + service + "\" does not exist");
    }
    for (const std::string& name : *wanted) {
        bool known = name == "*" || std::any_of(tables->tables.begin(), tables->tables.end(),
                                                [&](const TableInfo& t) { return t.name == name; });
        if (!known) {
            co_return HttpResponse::error(404, "42P01", "table \"" + name + "\" does not exist in service \"" +
                                                            service + "\"");
        }
    }
    Connector* connector = request.engine->connector(service);
    if (!routines->empty()) {
        Result<std::vector<RoutineInfo>> known = std::vector<RoutineInfo>{};
        if (connector != nullptr) {
            known = co_await connector->discover_routines();
        }
        if (!known) {
            co_return error_response(known.error());
        }
        for (const std::string& name : *routines) {
            if (std::none_of(known->begin(), known->end(), [&](const RoutineInfo& r) { return r.name == name; })) {
                co_return HttpResponse::error(404, "42883", "procedure or function \"" + name +
                                                                "\" does not exist in service \"" + service + "\"");
            }
        }
    }
    auto stored = exposures_.expose(service, *wanted);
    auto stored_routines = stored ? exposures_.expose_routines(service, *routines) : stored;
    if (!stored_routines) {
        co_return error_response(stored_routines.error());
    }
    HttpResponse response;
    JsonWriter w(response.body);
    w.begin_object();
    w.key("service");
    w.string(service);
    w.key("exposed");
    w.begin_array();
    for (const auto& name : exposures_.exposed(service)) {
        w.string(name);
    }
    w.end_array();
    if (auto named = exposures_.exposed_routines(service); !named.empty()) {
        w.key("procedures"); // routines exposed by name (with "*", every routine is callable)
        w.begin_array();
        for (const auto& name : named) {
            w.string(name);
        }
        w.end_array();
    }
    w.end_object();
    co_return response;
}

} // namespace

int http_status_for(const Error& error) {
    const std::string& s = error.sqlstate;
    if (s == "3D000" || s == "42P01" || s == "P0002") {
        return 404;
    }
    if (s.rfind("08", 0) == 0 || s == "57P03") {
        return 503;
    }
    if (s.rfind("22", 0) == 0 || s.rfind("42", 0) == 0 || s.rfind("0A", 0) == 0 || s.rfind("54", 0) == 0) {
        return 400;
    }
    return 500;
}

void add_table_routes(HttpRouter& router, ExposureStore& exposures, TableApiOptions options) {
    auto api = std::make_shared<const TableApi>(exposures, std::move(options));
    using Method = awaitable<HttpResponse> (TableApi::*)(const HttpRequest&) const;
    auto bind = [api](Method method) {
        return [api, method](const HttpRequest& request) { return ((*api).*method)(request); };
    };
    const std::string table = "/api/v2/{service}/_table/{table}";
    // _schema and _count before {id}: a row whose key is "_count" is read with a filter.
    router.add("GET", table + "/_schema", bind(&TableApi::schema));
    router.add("GET", table + "/_count", bind(&TableApi::count));
    router.add("POST", table + "/_query", bind(&TableApi::query));
    router.add("GET", table + "/{id}", bind(&TableApi::one));
    router.add("GET", table, bind(&TableApi::list));
    router.add("POST", "/api/v2/{service}/_expose", bind(&TableApi::expose));
}

} // namespace nectar::rest
