#pragma once
// The process: worker threads with their event loops and pools, the pg-wire listeners,
// signals (SIGTERM/SIGINT drain, SIGHUP reload).

#include "proxy/proxy_context.hpp"

#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
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
    void setup_security();
    void setup_workers();
    asio::awaitable<void> accept_loop(std::shared_ptr<asio::ip::tcp::acceptor> acceptor);
    void drain();
    void reload();

    ProxyShared shared_;
    int argc_;
    const char* const* argv_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::shared_ptr<asio::ip::tcp::acceptor> acceptor_; ///< on the first worker; hands clients round robin
    std::vector<std::thread> threads_;
    asio::io_context signals_io_{1};
};

/// Where a service's connections go, from its URL (libpq's defaults where the URL is silent).
federation::PgTarget pg_target_from_url(const ServiceUrl& url);

} // namespace nectar::proxy
