#include "rest/discover.hpp"

#include "federation/engine.hpp"
#include "rest/auth.hpp"
#include "rest/relationships.hpp"
#include "rest/table_api.hpp"

namespace nectar::rest {

using namespace federation;
using boost::asio::awaitable;

namespace {

HttpResponse error_response(const Error& error) {
    return HttpResponse::error(http_status_for(error), error.sqlstate, error.message);
}

void write_names(JsonWriter& w, const std::vector<std::string>& names) {
    w.begin_array();
    for (const std::string& n : names) {
        w.string(n);
    }
    w.end_array();
}

void write_column(JsonWriter& w, const ColumnInfo& c) {
    w.begin_object();
    w.key("name");
    w.string(c.name);
    w.key("type");
    w.string(type_name(c.type));
    w.key("nativeType");
    w.string(c.remote_type);
    w.key("primaryKey");
    w.boolean(c.primary_key);
    w.key("autoIncrement");
    w.boolean(c.auto_increment);
    w.key("nullable");
    w.boolean(c.nullable);
    w.key("unique");
    w.boolean(c.unique);
    w.key("defaultValue");
    c.default_value ? w.string(*c.default_value) : w.null();
    w.end_object();
}

void write_indexes(JsonWriter& w, const std::vector<IndexInfo>& indexes) {
    w.begin_array();
    for (const IndexInfo& index : indexes) {
        w.begin_object();
        w.key("name");
        w.string(index.name);
        w.key("columns"); // "" stands for an expression
        write_names(w, index.columns);
        w.key("unique");
        w.boolean(index.unique);
        w.key("primary");
        w.boolean(index.primary);
        w.key("partial");
        w.boolean(index.partial);
        w.end_object();
    }
    w.end_array();
}

void write_foreign_keys(JsonWriter& w, const std::vector<ForeignKeyInfo>& keys) {
    w.begin_array();
    for (const ForeignKeyInfo& key : keys) {
        w.begin_object();
        w.key("name");
        w.string(key.name);
        w.key("columns");
        write_names(w, key.columns);
        w.key("referencedSchema");
        w.string(key.referenced_schema);
        w.key("referencedTable");
        w.string(key.referenced_table);
        w.key("referencedColumns");
        write_names(w, key.referenced_columns);
        w.end_object();
    }
    w.end_array();
}

/// "procedures" or "functions": the routines of that kind.
void write_routines(JsonWriter& w, const std::vector<RoutineInfo>& routines, bool procedures) {
    w.begin_array();
    for (const RoutineInfo& r : routines) {
        if (r.procedure != procedures) {
            continue;
        }
        w.begin_object();
        w.key("schema");
        w.string(r.schema);
        w.key("name");
        w.string(r.name);
        w.key("arguments");
        w.begin_array();
        for (const RoutineArgument& a : r.arguments) {
            w.begin_object();
            w.key("name");
            w.string(a.name);
            w.key("type");
            w.string(a.type);
            w.key("mode");
            w.string(a.mode);
            w.end_object();
        }
        w.end_array();
        if (!procedures) {
            w.key("returnType");
            w.string(r.return_type);
        }
        w.end_object();
    }
    w.end_array();
}

awaitable<HttpResponse> discover(const HttpRequest& request, const ExposureStore& exposures) {
    // The whole schema, unexposed tables included: for whoever decides what to expose.
    if (auto denied = require_admin(request, "_discover")) {
        co_return std::move(*denied);
    }
    const std::string& name = request.path_param("service");
    auto catalog = co_await request.engine->catalog();
    if (!catalog) {
        co_return error_response(catalog.error());
    }
    const ServiceTables* service = (*catalog)->service(name);
    Connector* connector = request.engine->connector(name);
    if (service == nullptr || connector == nullptr) {
        co_return HttpResponse::error(404, "3D000", "service \"" + name + "\" does not exist");
    }
    auto routines = co_await connector->discover_routines();
    if (!routines) {
        co_return error_response(routines.error());
    }
    HttpResponse response;
    JsonWriter w(response.body);
    w.begin_object();
    w.key("service");
    w.string(name);
    w.key("databaseType");
    w.string(service->kind);
    w.key("tables");
    w.begin_array();
    for (const TableInfo& t : service->tables) {
        w.begin_object();
        w.key("name");
        w.string(t.name);
        w.key("schema");
        w.string(t.schema);
        w.key("type");
        w.string(t.is_view ? "view" : "table");
        w.key("exposed");
        w.boolean(exposures.is_exposed(name, t.name));
        write_table_shape(w, *service, t);
        w.end_object();
    }
    w.end_array();
    w.key("procedures");
    write_routines(w, *routines, true);
    w.key("functions");
    write_routines(w, *routines, false);
    w.end_object();
    co_return response;
}

} // namespace

void write_table_shape(JsonWriter& w, const ServiceTables& service, const TableInfo& table) {
    w.key("columns");
    w.begin_array();
    for (const ColumnInfo& c : table.columns) {
        write_column(w, c);
    }
    w.end_array();
    w.key("primaryKey");
    w.begin_array();
    for (const ColumnInfo& c : table.columns) {
        if (c.primary_key) {
            w.string(c.name);
        }
    }
    w.end_array();
    w.key("indexes");
    write_indexes(w, table.indexes);
    w.key("foreignKeys");
    write_foreign_keys(w, table.foreign_keys);
    w.key("relationships");
    write_relationships(w, relationships_of(service, table));
}

void add_discover_routes(HttpRouter& router, const ExposureStore& exposures) {
    router.add("GET", "/api/v2/{service}/_discover",
               [&exposures](const HttpRequest& request) { return discover(request, exposures); });
}

} // namespace nectar::rest
