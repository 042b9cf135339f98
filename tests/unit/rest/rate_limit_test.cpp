// Rate limiting: token-bucket arithmetic on an injected clock, callers kept apart, idle buckets
// forgotten, memory bounded under many callers, and the router middleware's 429 and headers.

#include "rest/rate_limit.hpp"

#include <utility>

#include <atomic>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <doctest.h>

using namespace nectar::rest;
using namespace std::chrono_literals;

namespace {

/// A clock the test moves by hand.
struct ManualClock {
    std::chrono::steady_clock::time_point now = std::chrono::steady_clock::time_point{} + 1000s;
    RateLimiter::Clock clock() {
        return [this] { return now; };
    }
};

const std::string* header_of(const HttpResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
        if (k == name) {
            return &v;
        }
    }
    return nullptr;
}

HttpResponse route(const HttpRouter& router, HttpRequest request) {
    HttpResponse out;
    boost::asio::io_context io;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { out = co_await router.route(request); }, boost::asio::detached);
    io.run();
    return out;
}

} // namespace

TEST_CASE("rate limit: a burst, then refill at the configured rate") {
    ManualClock t;
    RateLimiter limiter({2, 4}, t.clock()); // 2 per second, 4 at once
    for (int64_t expected_remaining : {3, 2, 1, 0}) {
        auto d = limiter.take("key:a");
        CHECK(d.allowed);
        CHECK(d.limit == 4);
        CHECK(d.remaining == expected_remaining);
    }
    auto refused = limiter.take("key:a");
    CHECK_FALSE(refused.allowed);
    CHECK(refused.remaining == 0);
    CHECK(refused.retry_after_seconds == 1); // half a second rounds up
    CHECK(refused.reset_seconds == 2);       // 4 tokens at 2/s

    t.now += 250ms; // half a token back: still refused
    CHECK_FALSE(limiter.take("key:a").allowed);
    t.now += 250ms; // one whole token
    auto again = limiter.take("key:a");
    CHECK(again.allowed);
    CHECK(again.remaining == 0);
    CHECK_FALSE(limiter.take("key:a").allowed);

    t.now += 1h; // never more than the bucket holds
    auto full = limiter.take("key:a");
    CHECK(full.remaining == 3);
    CHECK(full.reset_seconds == 1); // one token short: half a second, rounded up
}

TEST_CASE("rate limit: slow rates give Retry-After in whole seconds") {
    ManualClock t;
    RateLimiter limiter({1, 1}, t.clock());
    CHECK(limiter.take("ip:10.0.0.1").allowed);
    auto refused = limiter.take("ip:10.0.0.1");
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after_seconds == 1);
    t.now += 100ms;
    CHECK(limiter.take("ip:10.0.0.1").retry_after_seconds == 1);
    t.now += 900ms;
    CHECK(limiter.take("ip:10.0.0.1").allowed);
}

TEST_CASE("rate limit: burst defaults to the rate, and 0 is off") {
    ManualClock t;
    RateLimiter limiter({3, 0}, t.clock());
    CHECK(limiter.take("x").limit == 3);
    RateLimiter off({0, 0}, t.clock());
    CHECK_FALSE(off.enabled());
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(off.take("x").allowed);
    }
    CHECK(off.bucket_count() == 0);
}

TEST_CASE("rate limit: each caller has its own bucket") {
    ManualClock t;
    RateLimiter limiter({1, 2}, t.clock());
    CHECK(limiter.take("user:alice").allowed);
    CHECK(limiter.take("user:alice").allowed);
    CHECK_FALSE(limiter.take("user:alice").allowed);
    CHECK(limiter.take("user:bob").allowed);
    CHECK(limiter.take("ip:127.0.0.1").allowed);
    CHECK(limiter.bucket_count() == 3);
}

TEST_CASE("rate limit: one bucket shared by every worker thread") {
    ManualClock t; // frozen: no refill, so exactly the burst gets through
    RateLimiter limiter({1, 100}, t.clock());
    std::atomic<int> allowed{0};
    std::vector<std::thread> workers;
    for (int w = 0; w < 8; ++w) {
        workers.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                if (limiter.take("key:shared").allowed) {
                    allowed++;
                }
                limiter.take("ip:own-" + std::to_string(i % 50));
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    CHECK(allowed == 100);
    CHECK(limiter.bucket_count() == 51);
}

TEST_CASE("rate limit: idle buckets are forgotten, and memory stays bounded") {
    ManualClock t;
    RateLimiter limiter({10, 10}, t.clock());
    for (int i = 0; i < 500; ++i) {
        limiter.take("ip:10.1." + std::to_string(i));
    }
    CHECK(limiter.bucket_count() == 500);
    t.now += 2s; // every bucket has refilled: the next request in each shard sweeps it
    for (int i = 0; i < 200; ++i) {
        limiter.take("ip:10.2." + std::to_string(i));
    }
    CHECK(limiter.bucket_count() <= 200);

    // A flood of distinct addresses at one instant: no bucket is idle, yet the count is capped.
    const size_t cap = RateLimiter::kMaxBucketsPerShard * RateLimiter::kShards;
    for (size_t i = 0; i < cap + cap / 4; ++i) {
        limiter.take("ip:flood-" + std::to_string(i));
    }
    CHECK(limiter.bucket_count() <= cap);
    CHECK(limiter.bucket_count() > cap / 2);
}

TEST_CASE("rate limit: the middleware answers 429 with Retry-After and X-RateLimit-*") {
    ManualClock t;
    RateLimiter limiter({1, 2}, t.clock());
    HttpRouter router;
    int handled = 0;
    router.add("GET", "/api/v2/x", [&](const HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
        ++handled;
        co_return HttpResponse{};
    });
    router.add("GET", "/healthz", [](const HttpRequest&) -> boost::asio::awaitable<HttpResponse> { co_return HttpResponse{}; },
               true);
    router.add_middleware(rate_limit_middleware(limiter));
    HttpRequest request;
    request.method = "GET";
    request.path = "/api/v2/x";
    request.peer_address = "192.0.2.7";

    auto first = route(router, request);
    CHECK(first.status == 200);
    REQUIRE(header_of(first, "X-RateLimit-Limit"));
    CHECK(*header_of(first, "X-RateLimit-Limit") == "2");
    CHECK(*header_of(first, "X-RateLimit-Remaining") == "1");
    CHECK(*header_of(first, "X-RateLimit-Reset") == "1");
    CHECK(header_of(first, "Retry-After") == nullptr);
    CHECK(route(router, request).status == 200);
    auto refused = route(router, request);
    CHECK(refused.status == 429);
    CHECK(refused.body.find("\"sqlstate\":\"53400\"") != std::string::npos);
    REQUIRE(header_of(refused, "Retry-After"));
    CHECK(*header_of(refused, "Retry-After") == "1");
    CHECK(*header_of(refused, "X-RateLimit-Remaining") == "0");
    CHECK(handled == 2); // the refused request never reached the handler

    HttpRequest other = request; // another principal from the same address is limited apart
    other.principal = "user:bob";
    CHECK(route(router, other).status == 200);
    CHECK(rate_limit_caller(request) == "ip:192.0.2.7");
    CHECK(rate_limit_caller(other) == "user:bob");

    HttpRequest probe = request; // open routes are not limited
    probe.path = "/healthz";
    for (int i = 0; i < 5; ++i) {
        auto r = route(router, probe);
        CHECK(r.status == 200);
        CHECK(header_of(r, "X-RateLimit-Limit") == nullptr);
    }
    t.now += 1s;
    CHECK(route(router, request).status == 200);
}
