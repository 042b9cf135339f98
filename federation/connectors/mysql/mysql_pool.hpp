#pragma once
// The MySQL connections of one service on one worker. Like the PostgreSQL pool, each worker has
// its own, so a connection's socket never changes event loop; `config` is this worker's share
// of the service's maxConnections/minConnections (the server splits them).

#include "federation/connectors/mysql/mysql_connection.hpp"
#include "federation/connectors/pool_config.hpp"

#include <deque>
#include <list>
#include <memory>
#include <string>

namespace nectar::federation {

class MysqlPool {
  public:
    MysqlPool(asio::any_io_executor executor, std::string service, ServiceUrl url, PoolConfig config);
    ~MysqlPool();

    /// Starts the reaper (idle timeout, minConnections).
    void start();
    /// Closes idle connections and fails waiters; held connections are discarded on return.
    void stop();

    /// An idle connection, a new one, or one released within acquireTimeoutMillis; else 53300
    /// (pool stays full) or 08001 (server unreachable).
    asio::awaitable<Result<std::unique_ptr<MysqlConnection>>> acquire();
    /// Returns a connection with nothing in flight; a broken one is discarded instead.
    void release(std::unique_ptr<MysqlConnection> conn);
    /// Drops a connection that is broken or in an unknown state.
    void discard(std::unique_ptr<MysqlConnection> conn);

    const std::string& service() const { return service_; }
    const PoolConfig& config() const { return config_; }
    int total() const { return total_; }
    size_t idle() const { return idle_.size(); }
    /// Shared with streams and background work: false once the pool is gone.
    std::shared_ptr<bool> alive_token() const { return alive_; }

  private:
    struct Waiter {
        explicit Waiter(asio::any_io_executor ex)
            : timer(ex) {}
        asio::steady_timer timer;
        std::unique_ptr<MysqlConnection> conn;
        bool served = false;
    };
    using Clock = std::chrono::steady_clock;

    asio::awaitable<Result<std::unique_ptr<MysqlConnection>>> create(Clock::time_point deadline);
    std::unique_ptr<MysqlConnection> take_idle();
    void hand_over_slot();
    asio::awaitable<void> reap_loop();

    asio::any_io_executor executor_;
    std::string service_;
    ServiceUrl url_;
    PoolConfig config_;
    std::list<std::unique_ptr<MysqlConnection>> idle_; ///< most recently used at the back
    std::deque<Waiter*> waiters_;
    int total_ = 0; ///< idle + held + being created
    bool stopped_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    asio::steady_timer reaper_;
};

} // namespace nectar::federation
