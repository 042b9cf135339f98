#pragma once
// SPEC §5's rate limiting: a token bucket per caller (the API key or JWT subject that
// authenticated, else the client's IP address), shared by every worker thread. Buckets live in
// shards, each with its own mutex; a bucket that has refilled completely is the same as no bucket,
// so idle ones are dropped and memory stays bounded however many addresses call.

#include "rest/http_message.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace nectar::rest {

struct RateLimitSettings {
    int64_t per_second = 0; ///< tokens added per second; 0 turns rate limiting off
    int64_t burst = 0;      ///< bucket size, the most requests at once; 0: per_second
};

class RateLimiter {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    /// What one request's take() decided, and the X-RateLimit-* values that tell the caller.
    struct Decision {
        bool allowed = true;
        int64_t limit = 0;          ///< the bucket size
        int64_t remaining = 0;      ///< whole tokens left after this request
        int64_t reset_seconds = 0;  ///< until the bucket is full again (rounded up)
        int64_t retry_after_seconds = 0; ///< refused: until one token is back (rounded up, >= 1)
    };

    /// Buckets kept per shard before idle ones are swept; past it even active ones are dropped
    /// (their callers start again with a full bucket) so memory stays bounded.
    static constexpr size_t kMaxBucketsPerShard = 16384;
    static constexpr size_t kShards = 16;

    explicit RateLimiter(RateLimitSettings settings, Clock clock = &std::chrono::steady_clock::now);

    bool enabled() const { return settings_.per_second > 0; }
    /// Takes one token from `caller`'s bucket (made full on first sight).
    Decision take(std::string_view caller);
    /// Buckets held now, across shards (for tests and metrics).
    size_t bucket_count() const;

  private:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Bucket {
        double tokens = 0;
        TimePoint updated;
    };
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::string, Bucket> buckets;
        TimePoint last_sweep;
    };

    void sweep(Shard& shard, TimePoint now) const;

    RateLimitSettings settings_;
    double refill_seconds_; ///< time for an empty bucket to become full
    Clock clock_;
    std::array<Shard, kShards> shards_;
};

/// Who a request is limited as: its principal ("key:...", "user:..."), else "ip:<address>".
std::string rate_limit_caller(const HttpRequest& request);

/// The router middleware: a 429 (SQLSTATE 53400, Retry-After) over the limit, and
/// X-RateLimit-Limit/-Remaining/-Reset on every response it lets through.
HttpRouter::Middleware rate_limit_middleware(RateLimiter& limiter);

} // namespace nectar::rest
