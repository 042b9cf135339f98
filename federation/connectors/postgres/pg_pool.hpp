#pragma once
// The connections of one PostgreSQL service on one worker. Each worker has its own pool so a
// connection's socket never changes event loop; the service's maxConnections is split
// between workers.

#include "federation/connectors/pool_config.hpp"
#include "federation/connectors/postgres/pg_connection.hpp"

#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <list>
#include <memory>
#include <string>

namespace nectar::federation {

class PgPool {
  public:
    /// `config.max_connections` and `min_connections` are this worker's share.
    PgPool(asio::any_io_executor executor, std::string service, PgTarget target, PoolConfig config,
           asio::ssl::context* tls);
    ~PgPool();

    /// Starts the reaper (idle timeout, minConnections). Call on the pool's worker.
    void start();
    /// Closes idle connections and fails waiters; held connections are discarded on return.
    void stop();

    /// An idle connection, a new one, or one released within acquireTimeoutMillis; else an
    /// Error (53300 when the pool stays full, 08001 when the server cannot be reached).
    asio::awaitable<Result<std::unique_ptr<PgConnection>>> acquire();
    /// An idle connection right away, or null (then acquire() waits or connects).
    std::unique_ptr<PgConnection> try_acquire_idle();
    /// Returns an idle, healthy connection (status 'I', nothing in flight).
    void release(std::unique_ptr<PgConnection> conn);
    /// Drops a connection that is broken or in an unknown state.
    void discard(std::unique_ptr<PgConnection> conn);
    /// Returns a connection whose session state must go first (session pooling, LISTEN): runs
    /// DISCARD ALL on it in the background, then releases it, or discards it if that fails.
    void reset_and_release(std::unique_ptr<PgConnection> conn);

    const std::string& service() const { return service_; }
    const PgTarget& target() const { return target_; }
    const PoolConfig& config() const { return config_; }
    int total() const { return total_; }
    size_t idle() const { return idle_.size(); }
    size_t waiting() const { return waiters_.size(); }

  private:
    struct Waiter {
        explicit Waiter(asio::any_io_executor ex) : timer(ex) {}
        asio::steady_timer timer;
        std::unique_ptr<PgConnection> conn;
        bool served = false;
    };

    asio::awaitable<Result<std::unique_ptr<PgConnection>>> create(std::chrono::steady_clock::time_point deadline);
    void park(std::unique_ptr<PgConnection> conn);
    asio::awaitable<void> reap_loop();

    asio::any_io_executor executor_;
    std::string service_;
    PgTarget target_;
    PoolConfig config_;
    asio::ssl::context* tls_;
    std::list<std::unique_ptr<PgConnection>> idle_; ///< most recently used at the back
    std::deque<Waiter*> waiters_;
    int total_ = 0; ///< idle + held + being created
    bool stopped_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    asio::steady_timer reaper_;
};

} // namespace nectar::federation
