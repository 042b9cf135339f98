#include "rest/services_api.hpp"

#include "federation/engine.hpp"
#include "rest/auth.hpp"
#include "rest/json_writer.hpp"
#include "rest/service_body.hpp"
#include "rest/service_health.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <simdjson.h>

namespace nectar::rest {

namespace {

constexpr std::chrono::milliseconds kHealthTimeout{3000};

struct ServicesApi {
    ServicesApi(ServiceStore& s, ServiceRegistry& r, ExposureStore& e)
        : store(s)
        , registry(r)
        , exposures(e) {}
    ServiceStore& store;
    ServiceRegistry& registry;
    ExposureStore& exposures;
    /// Numbers store writes in the order they happen (held only around the write, never across
    /// a suspension), so workers apply racing changes in the store's order.
    std::mutex change_mutex;
    uint64_t last_change = 0;

    /// Runs one store write and numbers it when it succeeds.
    template <typename Write> auto numbered(Write write, uint64_t& change) {
        std::lock_guard lock(change_mutex);
        auto written = write();
        change = ++last_change;
        return written;
    }
};

/// SPEC §5: the registry changes what every client can reach, so it is for administrators.
constexpr std::string_view kRegistry = "the services registry";

HttpResponse error_response(const Error& e) {
    int status = 400;
    if (e.sqlstate == "23505") {
        status = 409;
    } else if (e.sqlstate == "42704") {
        status = 404;
    } else if (e.sqlstate.rfind("58", 0) == 0 || e.sqlstate == "XX000") {
        status = 500;
    }
    return HttpResponse::error(status, e.sqlstate, e.message);
}

std::optional<ServiceRegistry::ConfigService> config_service(const ServiceRegistry& registry,
                                                             const std::string& name) {
    for (auto& s : registry.config_services()) {
        if (s.name == name) {
            return s;
        }
    }
    return std::nullopt;
}

void write_health(JsonWriter& w, const ServiceHealth& health) {
    w.key("health");
    w.begin_object();
    w.key("status");
    w.string(health.up ? "up" : "down");
    if (health.up) {
        w.key("latencyMs");
        w.integer(static_cast<int64_t>(health.latency_ms + 0.5));
    } else {
        w.key("error");
        w.string(health.error);
    }
    w.end_object();
}

void write_config_service(JsonWriter& w, const ServiceRegistry::ConfigService& s,
                          const ServiceHealth* health) {
    w.begin_object();
    w.key("name");
    w.string(s.name);
    w.key("databaseType");
    w.string(s.database_type);
    w.key("connectionString");
    w.string(s.masked_url);
    w.key("source");
    w.string("config");
    if (health) {
        write_health(w, *health);
    }
    w.end_object();
}

void write_stored_service(JsonWriter& w, const StoredService& s, const ServiceHealth* health) {
    w.begin_object();
    w.key("name");
    w.string(s.name);
    w.key("databaseType");
    w.string(s.database_type);
    w.key("connectionString");
    w.string(masked_connection_string(s.connection_string));
    w.key("source");
    w.string("api");
    w.key("pool");
    w.raw(s.pool_json);
    w.key("ssl");
    w.raw(s.ssl_json);
    w.key("options");
    w.raw(s.options_json);
    w.key("createdAt");
    w.string(s.created_at);
    w.key("updatedAt");
    w.string(s.updated_at);
    if (health) {
        write_health(w, *health);
    }
    w.end_object();
}

HttpResponse stored_response(int status, const StoredService& s, const ServiceHealth* health = nullptr) {
    HttpResponse response;
    response.status = status;
    JsonWriter w(response.body);
    write_stored_service(w, s, health);
    return response;
}

/// The {name} of the path, folded; a name that cannot be a service's is simply not there.
std::optional<std::string> path_service(const ServiceRegistry& registry, const HttpRequest& request) {
    auto name = registry.normalize_name(request.path_param("name"));
    return name ? std::optional<std::string>(*name) : std::nullopt;
}

HttpResponse not_found(std::string_view name) {
    return HttpResponse::error(404, "42704", "service \"" + std::string(name) + "\" is not registered");
}

HttpResponse config_conflict(std::string_view name, std::string_view verb) {
    return HttpResponse::error(409, "55000",
                               "service \"" + std::string(name) +
                                   "\" comes from the configuration file or the "
                                   "command line and cannot be " +
                                   std::string(verb) + " over HTTP: change it there and restart");
}

boost::asio::awaitable<HttpResponse> register_service(ServicesApi& api, const HttpRequest& request) {
    if (auto denied = require_admin(request, kRegistry)) {
        co_return *denied;
    }
    auto service = parse_service_body(request.body);
    if (!service) {
        co_return error_response(service.error());
    }
    auto name = api.registry.normalize_name(service->name);
    if (!name) {
        co_return error_response(name.error());
    }
    service->name = *name;
    if (config_service(api.registry, *name) ||
        (request.engine->has_service(*name) && !api.store.find(*name))) {
        co_return HttpResponse::error(409, "42710",
                                      "service \"" + *name + "\" already exists in the configuration");
    }
    auto checked = api.registry.check(*service);
    if (!checked) {
        co_return error_response(checked.error());
    }
    uint64_t change = 0;
    auto stored = api.numbered([&] { return api.store.insert(std::move(*service)); }, change);
    if (!stored) {
        co_return error_response(stored.error());
    }
    co_await api.registry.install(*stored, change);
    HttpResponse response = stored_response(201, *stored);
    response.headers.emplace_back("Location", "/api/v2/services/" + stored->name);
    co_return response;
}

boost::asio::awaitable<HttpResponse> list_services(ServicesApi& api, const HttpRequest& request) {
    if (auto denied = require_admin(request, kRegistry)) {
        co_return *denied;
    }
    auto configured = api.registry.config_services();
    auto stored = api.store.list();
    std::vector<std::string> names;
    for (const auto& s : configured) {
        names.push_back(s.name);
    }
    for (const auto& s : stored) {
        names.push_back(s.name);
    }
    auto health = co_await probe_health(*request.engine, names, kHealthTimeout);
    HttpResponse response;
    JsonWriter w(response.body);
    w.begin_object();
    w.key("data");
    w.begin_array();
    size_t i = 0;
    for (const auto& s : configured) {
        write_config_service(w, s, &health[i++]);
    }
    for (const auto& s : stored) {
        write_stored_service(w, s, &health[i++]);
    }
    w.end_array();
    w.key("meta");
    w.begin_object();
    w.key("count");
    w.integer(static_cast<int64_t>(names.size()));
    w.end_object();
    w.end_object();
    co_return response;
}

boost::asio::awaitable<HttpResponse> get_service(ServicesApi& api, const HttpRequest& request) {
    if (auto denied = require_admin(request, kRegistry)) {
        co_return *denied;
    }
    auto name = path_service(api.registry, request);
    auto configured = name ? config_service(api.registry, *name) : std::nullopt;
    auto stored = name && !configured ? api.store.find(*name) : std::nullopt;
    if (!configured && !stored) {
        co_return not_found(request.path_param("name"));
    }
    std::vector<std::string> names{*name};
    auto health = co_await probe_health(*request.engine, names, kHealthTimeout);
    if (configured) {
        HttpResponse response;
        JsonWriter w(response.body);
        write_config_service(w, *configured, &health.front());
        co_return response;
    }
    co_return stored_response(200, *stored, &health.front());
}

boost::asio::awaitable<HttpResponse> patch_service(ServicesApi& api, const HttpRequest& request) {
    if (auto denied = require_admin(request, kRegistry)) {
        co_return *denied;
    }
    auto name = path_service(api.registry, request);
    if (name && config_service(api.registry, *name)) {
        co_return config_conflict(*name, "changed");
    }
    auto current = name ? api.store.find(*name) : std::nullopt;
    if (!current) {
        co_return not_found(request.path_param("name"));
    }
    auto changed = merge_service_patch(request.body, *current);
    if (!changed) {
        co_return error_response(changed.error());
    }
    auto checked = api.registry.check(*changed);
    if (!checked) {
        co_return error_response(checked.error());
    }
    uint64_t change = 0;
    auto stored = api.numbered([&] { return api.store.update(std::move(*changed)); }, change);
    if (!stored) {
        co_return error_response(stored.error());
    }
    co_await api.registry.install(*stored, change);
    co_return stored_response(200, *stored);
}

boost::asio::awaitable<HttpResponse> delete_service(ServicesApi& api, const HttpRequest& request) {
    if (auto denied = require_admin(request, kRegistry)) {
        co_return *denied;
    }
    auto name = path_service(api.registry, request);
    if (name && config_service(api.registry, *name)) {
        co_return config_conflict(*name, "deleted");
    }
    auto current = name ? api.store.find(*name) : std::nullopt;
    if (!current) {
        co_return not_found(request.path_param("name"));
    }
    uint64_t change = 0;
    auto removed = api.numbered([&] { return api.store.remove(*name); }, change);
    if (!removed) {
        co_return error_response(removed.error());
    }
    co_await api.registry.uninstall(*name, change);
    auto unexposed = api.exposures.forget_service(*name);
    if (!unexposed) {
        co_return error_response(unexposed.error());
    }
    co_return stored_response(200, *current);
}

} // namespace

void add_services_routes(HttpRouter& router, ServiceStore& store, ServiceRegistry& registry,
                         ExposureStore& exposures) {
    // The router keeps handlers for the life of the server, and so does the server keep these.
    auto api = std::make_shared<ServicesApi>(store, registry, exposures);
    router.add("POST", "/api/v2/services", [api](const HttpRequest& r) { return register_service(*api, r); });
    router.add("GET", "/api/v2/services", [api](const HttpRequest& r) { return list_services(*api, r); });
    router.add("GET", "/api/v2/services/{name}",
               [api](const HttpRequest& r) { return get_service(*api, r); });
    router.add("PATCH", "/api/v2/services/{name}",
               [api](const HttpRequest& r) { return patch_service(*api, r); });
    router.add("DELETE", "/api/v2/services/{name}",
               [api](const HttpRequest& r) { return delete_service(*api, r); });
}

} // namespace nectar::rest
