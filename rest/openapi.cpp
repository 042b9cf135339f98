#include "rest/openapi.hpp"

#include "federation/engine.hpp"
#include "rest/openapi_components.hpp"
#include "rest/openapi_table.hpp"
#include "rest/table_api.hpp"

#include <cctype>
#include <memory>
#include <set>

namespace nectar::rest {

using namespace federation;

namespace {

/// One exposed table, named for the document.
struct DocumentedTable {
    OpenApiTableNames names;
    const TableInfo* table = nullptr;
};

/// A components key: the characters OpenAPI allows ([A-Za-z0-9._-]), others as '_', and a
/// numbered suffix when two tables would otherwise share one (or collide with a ".patch").
std::string component_name(const std::string& service, const std::string& table, std::set<std::string>& used) {
    std::string base;
    for (unsigned char c : service + "." + table) {
        base += std::isalnum(c) || c == '.' || c == '-' || c == '_' ? static_cast<char>(c) : '_';
    }
    std::string name = base;
    for (int n = 2; used.count(name) || used.count(name + ".patch"); n++) {
        name = base + "-" + std::to_string(n);
    }
    used.insert(name);
    used.insert(name + ".patch");
    return name;
}

/// Every exposed table of every service, by service then table name.
std::vector<DocumentedTable> exposed_tables(const Catalog& catalog, const ExposureStore& exposures) {
    std::vector<DocumentedTable> out;
    std::set<std::string> used_components = {"Error", "ListMeta", "Count", "TableSchema", "QueryBody",
                                             "ServiceInput", "Service", "Discovery", "ExposeInput", "Exposed"};
    for (const auto& [service, tables] : catalog.services()) {
        std::set<std::string> names; // sorted, each once, whatever schemas hold it
        for (const TableInfo& t : tables->tables) {
            if (exposures.is_exposed(service, t.name)) {
                names.insert(t.name);
            }
        }
        for (const std::string& name : names) {
            DocumentedTable d;
            d.names.service = service;
            d.names.table = name;
            d.names.kind = tables->kind;
            d.names.component = component_name(service, name, used_components);
            d.names.tag = service + "." + name;
            d.table = tables->find_table(name);
            out.push_back(std::move(d));
        }
    }
    return out;
}

void write_info(JsonWriter& w, const OpenApiOptions& options) {
    w.key("openapi");
    w.string("3.0.3");
    w.key("info");
    w.begin_object();
    w.key("title");
    w.string("Nectar REST API");
    w.key("version");
    w.string(options.version);
    w.key("description");
    w.string("Every exposed table of every service Nectar federates, under /api/v2/{service}/_table/{table}. "
             "Errors are {\"error\":{\"code\",\"sqlstate\",\"message\",\"details\"}}.");
    w.end_object();
    w.key("servers");
    w.raw(R"([{"url":"/","description":"This Nectar"}])");
    w.key("security");
    w.raw(options.anonymous_allowed ? R"([{"ApiKeyAuth":[]},{"BearerAuth":[]},{}])"
                                    : R"([{"ApiKeyAuth":[]},{"BearerAuth":[]}])");
}

void write_tags(JsonWriter& w, const std::vector<DocumentedTable>& tables) {
    w.key("tags");
    w.begin_array();
    w.raw(R"({"name":"services","description":"Register, inspect, discover and expose services"})");
    for (const DocumentedTable& d : tables) {
        w.begin_object();
        w.key("name");
        w.string(d.names.tag);
        w.key("description");
        w.string(std::string(d.table->is_view ? "View " : "Table ") + d.table->schema + "." + d.names.table +
                 " of service " + d.names.service + " (" + d.names.kind + ")");
        w.end_object();
    }
    w.end_array();
}

void write_components(JsonWriter& w, const std::vector<DocumentedTable>& tables, const OpenApiOptions& options) {
    w.key("components");
    w.begin_object();
    w.key("schemas");
    w.begin_object();
    write_shared_schemas(w);
    for (const DocumentedTable& d : tables) {
        write_table_schemas(w, d.names, *d.table);
    }
    w.end_object();
    w.key("parameters");
    w.begin_object();
    write_shared_parameters(w, options.default_limit, options.max_limit);
    w.end_object();
    w.key("responses");
    w.begin_object();
    write_shared_responses(w);
    w.end_object();
    write_headers_and_security(w);
    w.end_object();
}

} // namespace

std::string openapi_document(const Catalog& catalog, const ExposureStore& exposures, const OpenApiOptions& options) {
    std::vector<DocumentedTable> tables = exposed_tables(catalog, exposures);
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    write_info(w, options);
    write_tags(w, tables);
    w.key("paths");
    w.begin_object();
    write_service_paths(w);
    for (const DocumentedTable& d : tables) {
        write_table_paths(w, d.names, *d.table);
    }
    w.end_object();
    write_components(w, tables, options);
    w.end_object();
    return out;
}

void add_openapi_routes(HttpRouter& router, const ExposureStore& exposures, OpenApiOptions options) {
    auto shared = std::make_shared<const OpenApiOptions>(std::move(options));
    router.add("GET", "/api/v2/openapi.json",
               [&exposures, shared](const HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
                   auto catalog = co_await request.engine->catalog();
                   if (!catalog) {
                       co_return HttpResponse::error(http_status_for(catalog.error()), catalog.error().sqlstate,
                                                     catalog.error().message);
                   }
                   HttpResponse response;
                   response.body = openapi_document(**catalog, exposures, *shared);
                   // The document follows exposures and the catalog: always revalidate.
                   response.headers.emplace_back("Cache-Control", "no-cache");
                   co_return response;
               });
}

} // namespace nectar::rest
