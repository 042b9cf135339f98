// The response cache: LRU bounds, TTL with an injected clock, invalidation by table; cache keys
// and X-Cache-* headers; the middleware's MISS/HIT/BYPASS, ETag, 304 and Cache-Control.

#include "rest/cache_middleware.hpp"
#include "rest/change_notice.hpp"
#include "rest/etag.hpp"
#include "rest/response_cache.hpp"

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <doctest.h>

using namespace nectar::rest;
using namespace std::chrono_literals;

namespace {

struct FakeClock {
    std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
    ResponseCache::Clock clock() {
        return [this] { return now; };
    }
};

HttpResponse body(std::string text) {
    HttpResponse r;
    r.body = std::move(text);
    return r;
}

const std::string* header_of(const HttpResponse& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
        if (n == name) {
            return &v;
        }
    }
    return nullptr;
}

std::string header_or_empty(const HttpResponse& r, std::string_view name) {
    const std::string* v = header_of(r, name);
    return v ? *v : std::string();
}

HttpRequest get(std::string path, std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest r;
    r.method = "GET";
    r.path = std::move(path);
    r.headers = std::move(headers);
    r.anonymous = true;
    return r;
}

} // namespace

TEST_CASE("response cache: bounded by entries, least recently used goes first") {
    ResponseCacheLimits limits;
    limits.max_entries = 3;
    ResponseCache cache(limits);
    for (std::string key : {"a", "b", "c"}) {
        CHECK(cache.store(key, body(key), "s", "t", 60s));
    }
    CHECK(cache.find("a", 60s)); // a is now the most recent: b is the oldest
    CHECK(cache.store("d", body("d"), "s", "t", 60s));
    CHECK_FALSE(cache.find("b", 60s));
    CHECK(cache.find("a", 60s)->response.body == "a");
    CHECK(cache.find("c", 60s));
    CHECK(cache.find("d", 60s));
    ResponseCacheStats stats = cache.stats();
    CHECK(stats.entries == 3);
    CHECK(stats.evictions == 1);
    CHECK(stats.hits == 4);
    CHECK(stats.misses == 1);
}

TEST_CASE("response cache: bounded by bytes; a response too big is not kept") {
    ResponseCacheLimits limits;
    limits.max_bytes = 4000;
    limits.max_entry_bytes = 2000;
    ResponseCache cache(limits);
    CHECK(cache.store("a", body(std::string(1500, 'a')), "s", "t", 60s));
    CHECK(cache.store("b", body(std::string(1500, 'b')), "s", "t", 60s));
    CHECK(cache.stats().bytes <= 4000);
    CHECK(cache.store("c", body(std::string(1500, 'c')), "s", "t", 60s)); // evicts a
    CHECK(cache.stats().bytes <= 4000);
    CHECK(cache.stats().entries == 2);
    CHECK_FALSE(cache.find("a", 60s));
    CHECK_FALSE(cache.store("huge", body(std::string(2500, 'h')), "s", "t", 60s));
    CHECK_FALSE(cache.find("huge", 60s));
    CHECK(cache.stats().entries == 2); // nothing was evicted for it
}

TEST_CASE("response cache: entries end with their TTL and with the caller's max age") {
    FakeClock time;
    ResponseCache cache({}, time.clock());
    CHECK(cache.store("k", body("x"), "s", "t", 10s));
    time.now += 4s;
    auto hit = cache.find("k", 60s);
    REQUIRE(hit);
    CHECK(hit->age == 4s);
    CHECK_FALSE(cache.find("k", 3s)); // this caller accepts 3 s at most
    CHECK(cache.find("k", 5s));
    time.now += 6s;
    CHECK_FALSE(cache.find("k", 60s)); // its own 10 s are over
    CHECK(cache.stats().entries == 0);
    CHECK(cache.store("k", body("y"), "s", "t", 10s)); // a fresh answer replaces it
    CHECK(cache.find("k", 60s)->response.body == "y");
}

TEST_CASE("response cache: invalidate drops exactly the entries that read the table") {
    ResponseCache cache;
    cache.store("users1", body("1"), "pg", "users", 60s);
    cache.store("users2", body("2"), "pg", "users", 60s);
    cache.store("orders", body("3"), "pg", "orders", 60s);
    cache.store("other-service", body("4"), "my", "users", 60s);
    cache.store("ttl-only", body("5"), "pg", "", 60s);
    CHECK(cache.invalidate("pg", "users") == 2);
    CHECK_FALSE(cache.find("users1", 60s));
    CHECK_FALSE(cache.find("users2", 60s));
    CHECK(cache.find("orders", 60s));
    CHECK(cache.find("other-service", 60s));
    CHECK(cache.find("ttl-only", 60s));
    CHECK(cache.invalidate("pg", "users") == 0);
    CHECK(cache.stats().invalidations == 2);
    // A replaced entry no longer answers to its old table.
    cache.store("orders", body("3b"), "pg", "", 60s);
    CHECK(cache.invalidate("pg", "orders") == 0);
    CHECK(cache.find("orders", 60s)->response.body == "3b");
}

TEST_CASE("response cache: an answer read before a write to its table is not kept after it") {
    ResponseCache cache;
    uint64_t before = cache.version("pg", "users");
    cache.invalidate("pg", "users"); // the write commits while the handler is still reading
    CHECK_FALSE(cache.store("k", body("old"), "pg", "users", 60s, before));
    CHECK_FALSE(cache.find("k", 60s));
    uint64_t now = cache.version("pg", "users");
    CHECK(now != before);
    CHECK(cache.store("k", body("new"), "pg", "users", 60s, now));
    CHECK(cache.store("other", body("x"), "pg", "orders", 60s, cache.version("pg", "orders")));
    CHECK(cache.find("k", 60s)->response.body == "new");
}

TEST_CASE("cache key: the caller, the strategy and the query parameters") {
    using Strategy = CachePolicy::Strategy;
    HttpRequest a = get("/api/v2/pg/_table/users");
    a.query = {{"limit", "5"}, {"sort", "id"}};
    HttpRequest b = a;
    b.query = {{"sort", "id"}, {"limit", "5"}};
    CHECK(cache_key(a, Strategy::ttl) == cache_key(b, Strategy::ttl)); // order of names does not matter
    CHECK(cache_key(a, Strategy::ttl) != cache_key(a, Strategy::smart));
    HttpRequest repeated = a;
    repeated.query = {{"sort", "id"}, {"sort", "name"}};
    HttpRequest swapped = a;
    swapped.query = {{"sort", "name"}, {"sort", "id"}};
    CHECK(cache_key(repeated, Strategy::ttl) != cache_key(swapped, Strategy::ttl));
    HttpRequest key1 = a;
    key1.anonymous = false;
    key1.principal = "key:0011";
    key1.role = "reader";
    HttpRequest key2 = key1;
    key2.principal = "key:2233";
    HttpRequest other_role = key1;
    other_role.role = "admin";
    CHECK(cache_key(key1, Strategy::ttl) != cache_key(a, Strategy::ttl));
    CHECK(cache_key(key1, Strategy::ttl) != cache_key(key2, Strategy::ttl));
    CHECK(cache_key(key1, Strategy::ttl) != cache_key(other_role, Strategy::ttl));
    HttpRequest glued = a; // no value may run into the next part
    glued.query = {{"a", "b=c"}};
    HttpRequest split = a;
    split.query = {{"a=b", "c"}};
    CHECK(cache_key(glued, Strategy::ttl) != cache_key(split, Strategy::ttl));
}

TEST_CASE("cache policy: X-Cache-Strategy and X-Cache-TTL, and clear errors") {
    using Strategy = CachePolicy::Strategy;
    CacheOptions options;
    auto none = read_cache_policy(get("/x"), options);
    REQUIRE(none);
    CHECK(none->strategy == Strategy::none);
    auto smart = read_cache_policy(get("/x", {{"x-cache-strategy", " Smart "}}), options);
    REQUIRE(smart);
    CHECK(smart->strategy == Strategy::smart);
    CHECK(smart->ttl == options.default_ttl);
    auto ttl_alone = read_cache_policy(get("/x", {{"x-cache-ttl", "5"}}), options);
    REQUIRE(ttl_alone);
    CHECK(ttl_alone->strategy == Strategy::ttl);
    CHECK(ttl_alone->ttl == 5s);
    auto max = read_cache_policy(get("/x", {{"x-cache-strategy", "ttl"}, {"x-cache-ttl", "3600"}}), options);
    REQUIRE(max);
    CHECK(max->ttl == 3600s);
    for (std::string bad : {"0", "-1", "3601", "abc", "5s", "1.5", "", "99999999999999999999"}) {
        auto refused = read_cache_policy(get("/x", {{"x-cache-ttl", bad}}), options);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().sqlstate == "22023");
        CHECK(refused.error().message.find("X-Cache-TTL") != std::string::npos);
    }
    auto unknown = read_cache_policy(get("/x", {{"x-cache-strategy", "forever"}}), options);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().message.find("\"forever\"") != std::string::npos);
}

namespace {

/// A router with the caching middleware and one table route whose handler counts its calls.
struct CachedRouter {
    std::shared_ptr<ResponseCache> cache = std::make_shared<ResponseCache>();
    HttpRouter router;
    int calls = 0;
    int status = 200;

    explicit CachedRouter(TableWatcher watch = {}) {
        router.add_middleware(caching_middleware(cache, {}, std::move(watch)));
        router.add("GET", "/api/v2/{service}/_table/{table}",
                   [this](const HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
                       calls++;
                       HttpResponse r = status == 200 ? body("{\"n\":" + std::to_string(calls) + "}")
                                                      : HttpResponse::error(status, "XX000", "broken");
                       co_return r;
                   });
    }

    HttpResponse run(HttpRequest request) {
        HttpResponse out;
        boost::asio::io_context io;
        boost::asio::co_spawn(
            io, [&]() -> boost::asio::awaitable<void> { out = co_await router.route(request); },
            boost::asio::detached);
        io.run();
        return out;
    }
};

} // namespace

TEST_CASE("caching middleware: ETag, no-cache and 304 without a cache strategy") {
    CachedRouter t;
    HttpResponse first = t.run(get("/api/v2/pg/_table/users"));
    CHECK(first.status == 200);
    CHECK(header_or_empty(first, "ETag") == etag_of(first.body));
    CHECK(header_or_empty(first, "Cache-Control") == "no-cache");
    CHECK(header_or_empty(first, "X-Cache-Status") == "BYPASS");
    // The handler answers {"n":2} now: the old tag no longer matches.
    HttpResponse changed =
        t.run(get("/api/v2/pg/_table/users", {{"if-none-match", header_or_empty(first, "ETag")}}));
    CHECK(changed.status == 200);
    CHECK(changed.body == "{\"n\":2}");
    HttpResponse same =
        t.run(get("/api/v2/pg/_table/users", {{"if-none-match", "\"zz\", " + etag_of("{\"n\":3}")}}));
    CHECK(same.status == 304);
    CHECK(same.body.empty());
    CHECK(header_or_empty(same, "ETag") == etag_of("{\"n\":3}"));
}

TEST_CASE("caching middleware: MISS then HIT with the same body, Age, max-age; writes drop smart entries") {
    CachedRouter t;
    auto request = get("/api/v2/pg/_table/users", {{"x-cache-strategy", "smart"}, {"x-cache-ttl", "30"}});
    HttpResponse miss = t.run(request);
    CHECK(header_or_empty(miss, "X-Cache-Status") == "MISS");
    CHECK(header_or_empty(miss, "Cache-Control") == "max-age=30");
    HttpResponse hit = t.run(request);
    CHECK(header_or_empty(hit, "X-Cache-Status") == "HIT");
    CHECK(hit.body == miss.body);
    CHECK(header_or_empty(hit, "ETag") == header_or_empty(miss, "ETag"));
    CHECK(header_or_empty(hit, "Age") == "0");
    CHECK(t.calls == 1);
    auto head = request;
    head.method = "HEAD";
    CHECK(header_or_empty(t.run(head), "X-Cache-Status") == "HIT");
    auto conditional = request;
    conditional.headers.emplace_back("if-none-match", header_or_empty(miss, "ETag"));
    HttpResponse not_modified = t.run(conditional);
    CHECK(not_modified.status == 304);
    CHECK(header_or_empty(not_modified, "X-Cache-Status") == "HIT");
    notify_written("pg", "orders");
    CHECK(header_or_empty(t.run(request), "X-Cache-Status") == "HIT");
    notify_written("pg", "users");
    HttpResponse after_write = t.run(request);
    CHECK(header_or_empty(after_write, "X-Cache-Status") == "MISS");
    CHECK(after_write.body == "{\"n\":2}");
    // "ttl" entries keep their answer whatever is written.
    auto ttl_request = get("/api/v2/pg/_table/users", {{"x-cache-strategy", "ttl"}});
    t.run(ttl_request);
    notify_written("pg", "users");
    CHECK(header_or_empty(t.run(ttl_request), "X-Cache-Status") == "HIT");
}

TEST_CASE("caching middleware: smart answers are kept only once their table's changes are followed") {
    bool followed = false;
    std::vector<std::string> asked;
    CachedRouter t([&](const std::string& service, const std::string& table) {
        asked.push_back(service + "." + table);
        return followed;
    });
    auto smart = get("/api/v2/pg/_table/users", {{"x-cache-strategy", "smart"}});
    CHECK(header_or_empty(t.run(smart), "X-Cache-Status") == "BYPASS");
    CHECK(header_or_empty(t.run(smart), "X-Cache-Status") == "BYPASS");
    followed = true;
    CHECK(header_or_empty(t.run(smart), "X-Cache-Status") == "MISS");
    CHECK(header_or_empty(t.run(smart), "X-Cache-Status") == "HIT");
    CHECK(asked == std::vector<std::string>{"pg.users", "pg.users", "pg.users"}); // a hit asks nothing
    // "ttl" entries do not depend on the table's changes.
    followed = false;
    auto ttl = get("/api/v2/pg/_table/orders", {{"x-cache-strategy", "ttl"}});
    CHECK(header_or_empty(t.run(ttl), "X-Cache-Status") == "MISS");
    CHECK(header_or_empty(t.run(ttl), "X-Cache-Status") == "HIT");
    CHECK(asked.size() == 3);
}

TEST_CASE("caching middleware: errors are never cached, bad headers are 400") {
    CachedRouter t;
    t.status = 503;
    auto request = get("/api/v2/pg/_table/users", {{"x-cache-strategy", "smart"}});
    HttpResponse first = t.run(request);
    CHECK(first.status == 503);
    CHECK(header_or_empty(first, "Cache-Control") == "no-store");
    CHECK(header_of(first, "ETag") == nullptr);
    CHECK(header_or_empty(first, "X-Cache-Status") == "BYPASS");
    t.run(request);
    CHECK(t.calls == 2);
    CHECK(t.cache->stats().entries == 0);
    HttpResponse bad = t.run(get("/api/v2/pg/_table/users", {{"x-cache-ttl", "soon"}}));
    CHECK(bad.status == 400);
    CHECK(bad.body.find("X-Cache-TTL") != std::string::npos);
    CHECK(t.calls == 2); // refused before the handler ran
}

TEST_CASE("caching middleware: an authenticated answer is private to its caller") {
    CachedRouter t;
    t.router.set_authentication([](HttpRequest& request) -> std::optional<HttpResponse> {
        request.principal = "key:" + *request.header("x-api-key");
        return std::nullopt;
    });
    auto alice = get("/api/v2/pg/_table/users", {{"x-cache-strategy", "ttl"}, {"x-api-key", "a"}});
    alice.anonymous = false;
    auto bob = alice;
    bob.headers[1].second = "b";
    HttpResponse first = t.run(alice);
    CHECK(header_or_empty(first, "Cache-Control") == "private, max-age=60");
    CHECK(header_or_empty(first, "Vary") == "X-API-Key, X-Role, Authorization");
    CHECK(header_or_empty(t.run(bob), "X-Cache-Status") == "MISS");
    CHECK(header_or_empty(t.run(alice), "X-Cache-Status") == "HIT");
    CHECK(t.calls == 2);
}
