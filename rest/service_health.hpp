#pragma once
// Health of services as GET /api/v2/services reports it: a `SELECT 1` through this worker's
// connector of each service, all at once, each bounded by a timeout.

#include <utility>
// Boost.Asio after <utility>: Boost 1.74 uses std::exchange without including it.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace nectar::federation {
class Engine;
}

namespace nectar::rest {

struct ServiceHealth {
    bool up = false;
    std::string error; ///< why it is down
    double latency_ms = 0;
};

/// Pings every service in `services` through `engine`'s connectors concurrently; one that has
/// not answered within `timeout` is down. A ping that outlives the timeout finishes in the
/// background (it holds its connector, so removing the service meanwhile is safe).
boost::asio::awaitable<std::vector<ServiceHealth>> probe_health(federation::Engine& engine,
                                                                std::vector<std::string> services,
                                                                std::chrono::milliseconds timeout);

} // namespace nectar::rest
