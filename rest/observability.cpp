#include "rest/observability.hpp"

#include "rest/json_writer.hpp"

#include <memory>

namespace nectar::rest {

namespace {

int64_t uptime_seconds(const ObservabilitySources& s) {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - s.started).count();
}

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help, int64_t value,
            std::string_view labels = {}) {
    if (!help.empty()) {
        out.append("# HELP ").append(name).append(" ").append(help).append("\n");
        out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    }
    out.append(name);
    if (!labels.empty()) {
        out.append("{").append(labels).append("}");
    }
    out.append(" ").append(std::to_string(value)).append("\n");
}

HttpResponse health(const ObservabilitySources& s) {
    HttpResponse r;
    bool draining = s.draining != nullptr && s.draining->load();
    r.status = draining ? 503 : 200;
    r.headers.emplace_back("Cache-Control", "no-store");
    JsonWriter w(r.body);
    w.begin_object();
    w.key("status");
    w.string(draining ? "draining" : "ok");
    w.key("uptimeSeconds");
    w.integer(uptime_seconds(s));
    w.key("services");
    w.integer(static_cast<int64_t>(s.services));
    w.end_object();
    return r;
}

void cache_metrics(std::string& out, const ResponseCacheStats& c) {
    auto count = [](uint64_t n) { return static_cast<int64_t>(n); };
    metric(out, "nectar_http_cache_lookups_total", "counter",
           "Response cache lookups (X-Cache-Strategy requests) by result; hit ratio = hit / (hit + miss).",
           count(c.hits), "result=\"hit\"");
    metric(out, "nectar_http_cache_lookups_total", "counter", {}, count(c.misses), "result=\"miss\"");
    metric(out, "nectar_http_cache_entries", "gauge", "Responses held by the response cache.",
           static_cast<int64_t>(c.entries));
    metric(out, "nectar_http_cache_bytes", "gauge", "Bytes held by the response cache.",
           static_cast<int64_t>(c.bytes));
    metric(out, "nectar_http_cache_evictions_total", "counter",
           "Responses dropped to keep the cache within its bounds.", count(c.evictions));
    metric(out, "nectar_http_cache_invalidations_total", "counter",
           "Responses dropped because a table they read was written.", count(c.invalidations));
}

HttpResponse metrics(const ObservabilitySources& s) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.headers.emplace_back("Cache-Control", "no-store");
    std::string& out = r.body;
    metric(out, "nectar_up", "gauge", "1 while Nectar serves, 0 once it drains.",
           s.draining != nullptr && s.draining->load() ? 0 : 1);
    metric(out, "nectar_uptime_seconds", "counter", "Seconds since Nectar started.", uptime_seconds(s));
    metric(out, "nectar_worker_threads", "gauge", "Worker threads (event loops).", s.worker_threads);
    metric(out, "nectar_services", "gauge", "Registered services.", static_cast<int64_t>(s.services));
    metric(out, "nectar_pg_sessions", "gauge", "Open PostgreSQL-protocol client sessions.",
           s.pg_sessions ? s.pg_sessions() : 0);
    if (s.http != nullptr) {
        metric(out, "nectar_http_connections", "gauge", "Open HTTP connections.", s.http->connections.load());
        metric(out, "nectar_http_requests_total", "counter", "HTTP requests answered.", s.http->requests.load());
        metric(out, "nectar_http_responses_total", "counter", "HTTP responses by status class.",
               s.http->responses_2xx.load(), "class=\"2xx\"");
        metric(out, "nectar_http_responses_total", "counter", {}, s.http->responses_4xx.load(), "class=\"4xx\"");
        metric(out, "nectar_http_responses_total", "counter", {}, s.http->responses_5xx.load(), "class=\"5xx\"");
    }
    if (s.response_cache) {
        cache_metrics(out, s.response_cache->stats());
    }
    return r;
}

} // namespace

void add_observability_routes(HttpRouter& router, ObservabilitySources sources) {
    auto shared = std::make_shared<const ObservabilitySources>(std::move(sources));
    router.add(
        "GET", "/healthz",
        [shared](const HttpRequest&) -> boost::asio::awaitable<HttpResponse> { co_return health(*shared); },
        true);
    router.add("GET", "/metrics", [shared](const HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
        co_return metrics(*shared);
    });
}

} // namespace nectar::rest
