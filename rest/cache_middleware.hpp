#pragma once
// HTTP caching of the protected GET routes (SPEC §5): an ETag on every 200 JSON answer and 304
// for a matching If-None-Match, Cache-Control on every GET answer, and the response cache a
// caller asks for with `X-Cache-Strategy: ttl|smart` and `X-Cache-TTL: n` (X-Cache-Status
// tells HIT, MISS or BYPASS; hits carry Age). "smart" entries are dropped when their table is
// written (change_notice.hpp); "ttl" entries live their TTL whatever happens.

#include "protocol/error.hpp"
#include "rest/http_message.hpp"
#include "rest/response_cache.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace nectar::rest {

struct CacheOptions {
    std::chrono::seconds default_ttl{60};
    std::chrono::seconds max_ttl{3600}; ///< a larger X-Cache-TTL is a 400, never a silent cap
};

/// What a request asked of the cache.
struct CachePolicy {
    enum class Strategy { none, ttl, smart };
    Strategy strategy = Strategy::none;
    std::chrono::seconds ttl{0};
};

/// Reads X-Cache-Strategy (ttl, smart, none; any case) and X-Cache-TTL (whole seconds from 1 to
/// max_ttl; alone it means "ttl"). An Error (22023) says which header is wrong and why.
Result<CachePolicy> read_cache_policy(const HttpRequest& request, const CacheOptions& options);

/// The cache key: strategy, path, query parameters sorted by name (repeats keep their order) and
/// the caller (principal and role, or anonymous), since callers may see different rows.
std::string cache_key(const HttpRequest& request, CachePolicy::Strategy strategy);

/// Asked, before a "smart" read of a table, whether the table's changes are followed (realtime's
/// CacheFeeds, which calls notify_written for each change); it starts following when not yet.
/// Until it does, smart answers of that table are not kept (X-Cache-Status: BYPASS): a write
/// straight in the backend would go unseen.
using TableWatcher = std::function<bool(const std::string& service, const std::string& table)>;

/// The middleware; it listens for table writes (ChangeListeners) as long as it exists. Add it
/// inside rate limiting, so cached answers still count against a caller's limit.
HttpRouter::Middleware caching_middleware(std::shared_ptr<ResponseCache> cache, CacheOptions options = {},
                                          TableWatcher watch = {});

} // namespace nectar::rest
