#include "rest/cache_middleware.hpp"

#include "rest/change_notice.hpp"
#include "rest/etag.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace nectar::rest {

using boost::asio::awaitable;
using Strategy = CachePolicy::Strategy;

namespace {

std::string trimmed_lower(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(),
                      [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

const std::string* response_header(const HttpResponse& response, std::string_view name) {
    for (const auto& [n, v] : response.headers) {
        if (same_name(n, name)) {
            return &v;
        }
    }
    return nullptr;
}

void set_header(HttpResponse& response, std::string_view name, std::string value) {
    for (auto& [n, v] : response.headers) {
        if (same_name(n, name)) {
            v = std::move(value);
            return;
        }
    }
    response.headers.emplace_back(std::string(name), std::move(value));
}

/// Appends one length-prefixed part, so no two different requests give the same key.
void append_part(std::string& key, std::string_view part) {
    key += std::to_string(part.size());
    key += ':';
    key += part;
}

bool is_json(const HttpResponse& response) {
    return response.content_type.rfind("application/json", 0) == 0;
}

/// An ETag on a 200 JSON answer whose handler did not set one.
void add_etag(HttpResponse& response) {
    if (response.status == 200 && is_json(response) && response_header(response, "ETag") == nullptr) {
        response.headers.emplace_back("ETag", etag_of(response.body));
    }
}

/// Only what the handler left to us: a 200 without a Cache-Control of its own.
bool cacheable(const HttpResponse& response) {
    return response.status == 200 && response_header(response, "Cache-Control") == nullptr;
}

void set_cache_control(HttpResponse& response, const HttpRequest& request, const CachePolicy& policy) {
    if (response_header(response, "Cache-Control") != nullptr) {
        return; // the handler knows better (/metrics says no-store)
    }
    if (response.status >= 300) {
        set_header(response, "Cache-Control", "no-store"); // errors are never cached
        return;
    }
    // Answers depend on who asks: shared caches (proxies, CDNs) must not keep an authenticated one.
    std::string value = request.anonymous ? "" : "private, ";
    value += policy.strategy == Strategy::none ? std::string("no-cache")
                                               : "max-age=" + std::to_string(policy.ttl.count());
    set_header(response, "Cache-Control", std::move(value));
    if (!request.anonymous) {
        set_header(response, "Vary",
                   "X-API-Key, X-Role, Authorization"); // a browser keeps one answer per caller
    }
}

/// A 304 with the validators and caching headers but no body when If-None-Match names the ETag.
HttpResponse not_modified_or(HttpResponse response, const HttpRequest& request) {
    const std::string* wanted = request.header("if-none-match");
    const std::string* etag = response_header(response, "ETag");
    if (response.status != 200 || wanted == nullptr || etag == nullptr || !etag_matches(*wanted, *etag)) {
        return response;
    }
    response.status = 304;
    response.body.clear();
    return response;
}

Result<std::chrono::seconds> read_ttl(const std::string& text, const CacheOptions& options) {
    std::string value = trimmed_lower(text);
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || seconds < 1 ||
        seconds > options.max_ttl.count()) {
        return Error::make("22023", "X-Cache-TTL must be a whole number of seconds from 1 to " +
                                        std::to_string(options.max_ttl.count()) + " (got \"" + text + "\")");
    }
    return std::chrono::seconds(seconds);
}

/// The cache's part of a GET: a hit, or the handler's answer kept when it may be.
awaitable<HttpResponse> cached_or_fresh(ResponseCache& cache, const CachePolicy& policy, const TableWatcher& watch,
                                        const HttpRequest& request, const HttpRouter::Handler& next) {
    std::string key = cache_key(request, policy.strategy);
    if (auto hit = cache.find(key, policy.ttl)) {
        set_header(hit->response, "X-Cache-Status", "HIT");
        set_header(hit->response, "Age", std::to_string(hit->age.count()));
        co_return std::move(hit->response);
    }
    // Only "smart" entries name their table, so only they are dropped when it is written.
    const std::string& service = request.path_param("service");
    std::string table = policy.strategy == Strategy::smart ? request.path_param("table") : std::string();
    // Followed before the read: every write after it reaches the cache.
    bool followed = table.empty() || !watch || watch(service, table);
    uint64_t read_version = cache.version(service, table);
    HttpResponse response = co_await next(request);
    add_etag(response);
    bool kept = followed && cacheable(response) &&
                cache.store(key, response, service, table, policy.ttl, read_version);
    set_header(response, "X-Cache-Status", kept ? "MISS" : "BYPASS");
    co_return response;
}

awaitable<HttpResponse> serve_get(std::shared_ptr<ResponseCache> cache, CacheOptions options, TableWatcher watch,
                                  const HttpRequest& request, const HttpRouter::Handler& next) {
    if (request.method != "GET" && request.method != "HEAD") {
        co_return co_await next(request);
    }
    auto policy = read_cache_policy(request, options);
    if (!policy) {
        HttpResponse refused = HttpResponse::error(400, policy.error().sqlstate, policy.error().message);
        set_header(refused, "Cache-Control", "no-store");
        co_return refused;
    }
    HttpResponse response;
    if (policy->strategy == Strategy::none) {
        response = co_await next(request);
        add_etag(response);
        set_header(response, "X-Cache-Status", "BYPASS");
    } else {
        response = co_await cached_or_fresh(*cache, *policy, watch, request, next);
    }
    set_cache_control(response, request, *policy);
    co_return not_modified_or(std::move(response), request);
}

} // namespace

Result<CachePolicy> read_cache_policy(const HttpRequest& request, const CacheOptions& options) {
    CachePolicy policy;
    const std::string* strategy = request.header("x-cache-strategy");
    const std::string* ttl = request.header("x-cache-ttl");
    if (strategy != nullptr) {
        std::string name = trimmed_lower(*strategy);
        if (name == "ttl") {
            policy.strategy = Strategy::ttl;
        } else if (name == "smart") {
            policy.strategy = Strategy::smart;
        } else if (name != "none") {
            return Error::make("22023",
                               "X-Cache-Strategy must be ttl, smart or none (got \"" + *strategy + "\")");
        }
    } else if (ttl != nullptr) {
        policy.strategy = Strategy::ttl;
    }
    policy.ttl = options.default_ttl;
    if (ttl != nullptr) {
        auto seconds = read_ttl(*ttl, options);
        if (!seconds) {
            return seconds.error();
        }
        policy.ttl = *seconds;
    }
    return policy;
}

std::string cache_key(const HttpRequest& request, Strategy strategy) {
    std::string key = strategy == Strategy::smart ? "smart\n" : "ttl\n";
    append_part(key, request.path);
    auto query = request.query;
    // Sorted by name only: a handler reads the first of repeated names, so their order matters.
    std::stable_sort(query.begin(), query.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    key += '?';
    for (const auto& [name, value] : query) {
        append_part(key, name);
        append_part(key, value);
    }
    key += '\n';
    if (request.anonymous) {
        key += "anonymous";
    } else {
        append_part(key, request.principal);
        append_part(key, request.role);
    }
    return key;
}

HttpRouter::Middleware caching_middleware(std::shared_ptr<ResponseCache> cache, CacheOptions options,
                                          TableWatcher watch) {
    std::weak_ptr<ResponseCache> weak = cache;
    auto subscription =
        std::make_shared<ChangeSubscription>([weak](std::string_view service, std::string_view table) {
            if (auto alive = weak.lock()) {
                alive->invalidate(service, table);
            }
        });
    // Not a lambda coroutine: serve_get's frame holds its own copies, whatever happens to this closure.
    return [cache = std::move(cache), options, watch = std::move(watch), subscription](const HttpRequest& request,
                                                                                     const HttpRouter::Handler& next) {
        return serve_get(cache, options, watch, request, next);
    };
}

} // namespace nectar::rest
