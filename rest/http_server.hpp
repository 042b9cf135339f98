#pragma once
// The HTTP face's connections: HTTP/1.1 with keep-alive, limits and timeouts, over TCP or TLS,
// on the worker that accepted them. Requests are answered by an HttpRouter; every error is
// SPEC §5's JSON. Boost.Beast stays inside http_session.cpp (it is heavy to compile).

#include "rest/http_message.hpp"

#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace nectar::rest {

class WebSocketEndpoint;

struct HttpLimits {
    size_t header_bytes = 16 * 1024;      ///< request line and headers; past it: 431
    size_t body_bytes = 1024 * 1024;      ///< request body; past it: 413
    std::chrono::seconds read_timeout{30}; ///< to receive one whole request once it has started
    std::chrono::seconds idle_timeout{60}; ///< a keep-alive connection waiting for its next request
};

/// Counters the HTTP face keeps for /metrics (process-wide, updated from every worker).
struct HttpStats {
    std::atomic<int64_t> connections{0};   ///< open now
    std::atomic<int64_t> requests{0};      ///< answered since start
    std::atomic<int64_t> responses_2xx{0};
    std::atomic<int64_t> responses_4xx{0};
    std::atomic<int64_t> responses_5xx{0};
};

/// What every HTTP connection shares; owned by the server, outlives the connections.
struct HttpContext {
    HttpLimits limits;
    const HttpRouter* router = nullptr;
    boost::asio::ssl::context* tls = nullptr; ///< set: the listener speaks HTTPS only
    const std::atomic<bool>* draining = nullptr; ///< set: finish the request, then close
    HttpStats* stats = nullptr;
    WebSocketEndpoint* websocket = nullptr; ///< set: a route answering 101 hands the connection to it
};

/// Serves one accepted connection until the client closes it, a limit or timeout ends it, or
/// Nectar drains. Spawn it on the io_context that owns the socket; `engine` is that worker's.
boost::asio::awaitable<void> serve_http_connection(boost::asio::ip::tcp::socket socket, const HttpContext& context,
                                                   federation::Engine* engine);

} // namespace nectar::rest
