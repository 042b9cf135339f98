#pragma once
// GET /healthz (liveness and readiness) and GET /metrics (Prometheus text format 0.0.4).

#include "rest/http_message.hpp"
#include "rest/http_server.hpp"
#include "rest/response_cache.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

namespace nectar::rest {

/// Where the figures come from; everything outlives the router.
struct ObservabilitySources {
    const HttpStats* http = nullptr;
    const std::atomic<bool>* draining = nullptr;
    std::function<int64_t()> pg_sessions; ///< PostgreSQL-protocol sessions open now
    int worker_threads = 1;
    size_t services = 0;
    std::shared_ptr<const ResponseCache> response_cache; ///< null: no cache figures
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

/// /healthz answers 200 {"status":"ok",...} while serving and 503 {"status":"draining"} once a
/// drain has begun (load balancers stop sending); /metrics the counters below.
void add_observability_routes(HttpRouter& router, ObservabilitySources sources);

} // namespace nectar::rest
