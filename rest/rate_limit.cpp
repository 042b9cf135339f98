#include "rest/rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace nectar::rest {

namespace {

int64_t seconds_up(double seconds) { return static_cast<int64_t>(std::ceil(std::max(0.0, seconds) - 1e-9)); }

void add_limit_headers(HttpResponse& response, const RateLimiter::Decision& d) {
    response.headers.emplace_back("X-RateLimit-Limit", std::to_string(d.limit));
    response.headers.emplace_back("X-RateLimit-Remaining", std::to_string(d.remaining));
    response.headers.emplace_back("X-RateLimit-Reset", std::to_string(d.reset_seconds));
}

boost::asio::awaitable<HttpResponse> limit_request(RateLimiter& limiter, const HttpRequest& request,
                                                   const HttpRouter::Handler& next) {
    const RateLimiter::Decision decision = limiter.take(rate_limit_caller(request));
    if (!decision.allowed) {
        HttpResponse refused = HttpResponse::error(
            429, "53400",
            "rate limit exceeded: at most " + std::to_string(decision.limit) + " requests at once; retry in " +
                std::to_string(decision.retry_after_seconds) + " s");
        refused.headers.emplace_back("Retry-After", std::to_string(decision.retry_after_seconds));
        add_limit_headers(refused, decision);
        co_return refused;
    }
    HttpResponse response = co_await next(request);
    add_limit_headers(response, decision);
    co_return response;
}

} // namespace

RateLimiter::RateLimiter(RateLimitSettings settings, Clock clock)
    : settings_(settings), clock_(std::move(clock)) {
    if (settings_.burst <= 0) {
        settings_.burst = std::max<int64_t>(settings_.per_second, 1);
    }
    refill_seconds_ = settings_.per_second > 0
                          ? static_cast<double>(settings_.burst) / static_cast<double>(settings_.per_second)
                          : 0;
}

RateLimiter::Decision RateLimiter::take(std::string_view caller) {
    Decision d;
    d.limit = settings_.burst;
    if (!enabled()) {
        d.remaining = settings_.burst;
        return d;
    }
    const TimePoint now = clock_();
    const double rate = static_cast<double>(settings_.per_second);
    const double capacity = static_cast<double>(settings_.burst);
    Shard& shard = shards_[std::hash<std::string_view>{}(caller) % kShards];
    std::lock_guard lock(shard.mutex);
    // Whatever was idle for a refill period is full, i.e. forgettable; sweeping at most once a
    // second (or per refill period, if longer) keeps the scan's cost small at high rates.
    if (now - shard.last_sweep >= std::chrono::duration<double>(std::max(refill_seconds_, 1.0))) {
        sweep(shard, now);
    }
    auto it = shard.buckets.find(std::string(caller));
    if (it == shard.buckets.end()) {
        if (shard.buckets.size() >= kMaxBucketsPerShard) {
            sweep(shard, now);
        }
        it = shard.buckets.emplace(std::string(caller), Bucket{capacity, now}).first;
    } else {
        const double elapsed = std::chrono::duration<double>(now - it->second.updated).count();
        it->second.tokens = std::min(capacity, it->second.tokens + std::max(0.0, elapsed) * rate);
        it->second.updated = now;
    }
    Bucket& bucket = it->second;
    d.allowed = bucket.tokens >= 1.0;
    if (d.allowed) {
        bucket.tokens -= 1.0;
    } else {
        d.retry_after_seconds = std::max<int64_t>(1, seconds_up((1.0 - bucket.tokens) / rate));
    }
    d.remaining = static_cast<int64_t>(std::floor(bucket.tokens));
    d.reset_seconds = seconds_up((capacity - bucket.tokens) / rate);
    return d;
}

void RateLimiter::sweep(Shard& shard, TimePoint now) const {
    shard.last_sweep = now;
    const double rate = static_cast<double>(settings_.per_second);
    const double capacity = static_cast<double>(settings_.burst);
    std::erase_if(shard.buckets, [&](const auto& entry) {
        const double elapsed = std::chrono::duration<double>(now - entry.second.updated).count();
        return entry.second.tokens + elapsed * rate >= capacity;
    });
    if (shard.buckets.size() < kMaxBucketsPerShard) {
        return;
    }
    // More distinct active callers than the cap: forget a quarter of them (they start again
    // full) rather than grow without bound or lock new callers out.
    size_t drop = kMaxBucketsPerShard / 4;
    for (auto it = shard.buckets.begin(); it != shard.buckets.end() && drop > 0; --drop) {
        it = shard.buckets.erase(it);
    }
}

size_t RateLimiter::bucket_count() const {
    size_t n = 0;
    for (const Shard& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        n += shard.buckets.size();
    }
    return n;
}

std::string rate_limit_caller(const HttpRequest& request) {
    return request.principal.empty() ? "ip:" + request.peer_address : request.principal;
}

HttpRouter::Middleware rate_limit_middleware(RateLimiter& limiter) {
    // A plain lambda returning the free coroutine: no coroutine frame refers to the closure.
    return [&limiter](const HttpRequest& request, const HttpRouter::Handler& next) {
        return limit_request(limiter, request, next);
    };
}

} // namespace nectar::rest
