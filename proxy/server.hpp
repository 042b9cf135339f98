#pragma once
// The process: worker threads with their event loops and pools, the pg-wire listeners,
// signals (SIGTERM/SIGINT drain, SIGHUP reload).

#include "proxy/proxy_context.hpp"
#include "proxy/service_registry.hpp"
#include "realtime/realtime_service.hpp"
#include "rest/auth.hpp"
#include "rest/exposure_store.hpp"
#include "rest/http_server.hpp"
#include "rest/rate_limit.hpp"
#include "rest/service_store.hpp"

#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <set>
#include <thread>
#include <vector>

namespace nectar::proxy {

namespace asio = boost::asio;

class PgSession;

class Server {
  public:
    Server(Config config, int argc, const char* const* argv);
    ~Server();

    /// Serves until SIGTERM/SIGINT and the drain that follows; returns the exit status.
    int run();

  private:
    using StartConnection = std::function<void(asio::ip::tcp::socket, Worker&)>;

    void setup_security();
    void setup_workers();
    /// Routes and shared state of the HTTP face; false (logged) when the catalog store cannot open.
    bool setup_http();
    /// The catalog store's secret key, the registered services (started on every worker) and
    /// /api/v2/services; false (logged) when the key or the store cannot be used.
    bool setup_services_registry();
    /// The hub, captures and GET /api/v2/realtime (part of setup_http).
    void setup_realtime();
    /// A listening acceptor on the first worker, or null (logged) when the address cannot be bound.
    std::shared_ptr<asio::ip::tcp::acceptor> listen(const Endpoint& where, std::string_view what);
    /// Accepts until the acceptor closes; each connection starts on the next worker (round robin).
    asio::awaitable<void> accept_loop(std::shared_ptr<asio::ip::tcp::acceptor> acceptor, StartConnection start);
    void drain();
    void reload();

    ProxyShared shared_;
    int argc_;
    const char* const* argv_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::shared_ptr<asio::ip::tcp::acceptor> acceptor_;      ///< pg-wire, on the first worker
    std::shared_ptr<asio::ip::tcp::acceptor> http_acceptor_; ///< HTTP, on the first worker
    rest::HttpRouter http_router_;
    std::unique_ptr<rest::ExposureStore> exposures_;
    std::unique_ptr<rest::Authenticator> http_auth_;
    std::unique_ptr<rest::RateLimiter> http_rate_limiter_;
    std::unique_ptr<rest::ServiceStore> service_store_;
    std::unique_ptr<RuntimeServices> runtime_services_;
    std::unique_ptr<realtime::RealtimeService> realtime_;
    rest::HttpStats http_stats_;
    rest::HttpContext http_context_;
    std::vector<std::thread> threads_;
    asio::io_context signals_io_{1};
};

} // namespace nectar::proxy
