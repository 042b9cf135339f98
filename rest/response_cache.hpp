#pragma once
// The REST face's response cache (SPEC §5 caching): GET answers kept in process, shared by the
// worker threads, bounded by entries and bytes (least recently used goes first), each entry
// alive until its TTL ends or until the table it read is written (invalidate).

#include "rest/http_message.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace nectar::rest {

struct ResponseCacheLimits {
    size_t max_entries = 10'000;
    size_t max_bytes = size_t{64} << 20;
    size_t max_entry_bytes = size_t{4} << 20; ///< a larger response is not kept (it would evict many)
};

/// Counters for /metrics.
struct ResponseCacheStats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;     ///< dropped to stay within the bounds
    uint64_t invalidations = 0; ///< dropped because their table was written
    size_t entries = 0;
    size_t bytes = 0;
};

class ResponseCache {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    /// `clock` is injectable so tests can move time.
    explicit ResponseCache(ResponseCacheLimits limits = {}, Clock clock = &std::chrono::steady_clock::now);

    struct Hit {
        HttpResponse response;
        std::chrono::seconds age; ///< whole seconds since it was stored
    };
    /// The entry under `key` when it is younger than both its own TTL and `max_age` (what this
    /// caller accepts); counts a hit or a miss.
    std::optional<Hit> find(const std::string& key, std::chrono::seconds max_age);
    /// How many times `service`.`table` has been invalidated: read it before running the handler
    /// and pass it to store(), so an answer read before a write is not kept after it.
    uint64_t version(std::string_view service, std::string_view table) const;
    /// Keeps `response` under `key` for `ttl`, replacing what the key held. `service`/`table` name
    /// what it read; an empty table means only the TTL ends it. False when it is too big to keep,
    /// or when the table was written since `read_version` (version()).
    bool store(const std::string& key, const HttpResponse& response, std::string_view service,
               std::string_view table, std::chrono::seconds ttl, uint64_t read_version = 0);
    /// Drops every entry that read `service`.`table`; returns how many.
    size_t invalidate(std::string_view service, std::string_view table);

    ResponseCacheStats stats() const;

  private:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Entry {
        std::string key;
        HttpResponse response;
        std::string table_key; ///< service and table, "" when no table
        TimePoint stored;
        TimePoint expires;
        size_t bytes = 0;
    };
    using Lru = std::list<Entry>; ///< most recently used first

    static std::string table_key(std::string_view service, std::string_view table);
    static size_t size_of(const std::string& key, const HttpResponse& response);
    /// Unlinks an entry from the list and both indexes (the mutex is held).
    void erase(Lru::iterator it);

    ResponseCacheLimits limits_;
    Clock clock_;
    mutable std::mutex mutex_;
    Lru lru_;
    std::unordered_map<std::string, Lru::iterator> by_key_;
    std::unordered_map<std::string, std::unordered_set<const Entry*>> by_table_;
    std::unordered_map<std::string, uint64_t> versions_; ///< per table written at least once
    ResponseCacheStats stats_;
};

} // namespace nectar::rest
