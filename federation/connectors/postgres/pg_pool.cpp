#include "federation/connectors/postgres/pg_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace nectar::federation {

namespace {
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
/// Connections idle longer than this are checked for life before they are handed out.
constexpr auto kCheckIdleAfter = std::chrono::milliseconds(50);
} // namespace

PgPool::PgPool(asio::any_io_executor executor, std::string service, PgTarget target, PoolConfig config,
               asio::ssl::context* tls)
    : executor_(executor)
    , service_(std::move(service))
    , target_(std::move(target))
    , config_(config)
    , tls_(tls)
    , reaper_(executor) {}

PgPool::~PgPool() {
    *alive_ = false;
    stopped_ = true;
    idle_.clear();
}

void PgPool::start() {
    asio::co_spawn(executor_, reap_loop(), asio::detached);
}

void PgPool::stop() {
    stopped_ = true;
    reaper_.cancel();
    total_ -= static_cast<int>(idle_.size());
    idle_.clear();
    for (Waiter* waiter : waiters_) {
        waiter->timer.cancel();
    }
    waiters_.clear();
}

asio::awaitable<Result<std::unique_ptr<PgConnection>>> PgPool::acquire() {
    if (stopped_) {
        co_return Error::make("57P01", "Nectar is shutting down");
    }
    auto deadline = Clock::now() + std::chrono::milliseconds(config_.acquire_timeout_ms);
    if (auto conn = try_acquire_idle()) {
        co_return std::move(conn);
    }
    if (total_ < config_.max_connections) {
        co_return co_await create(deadline);
    }
    Waiter waiter(executor_);
    waiter.timer.expires_at(deadline);
    waiters_.push_back(&waiter);
    error_code ec;
    co_await waiter.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (waiter.served) {
        if (waiter.conn) {
            co_return std::move(waiter.conn);
        }
        // A slot freed up (a connection was discarded): make a new connection in it.
        co_return co_await create(deadline);
    }
    std::erase(waiters_, &waiter);
    if (stopped_) {
        co_return Error::make("57P01", "Nectar is shutting down");
    }
    co_return Error::make("53300", "timed out after " + std::to_string(config_.acquire_timeout_ms) +
                                       " ms waiting for a connection to service \"" + service_ + "\"");
}

std::unique_ptr<PgConnection> PgPool::try_acquire_idle() {
    while (!idle_.empty()) {
        std::unique_ptr<PgConnection> conn = std::move(idle_.back());
        idle_.pop_back();
        conn->pool_generation++;
        // A connection idle for a while may have been ended by the server (restart,
        // idle_session_timeout): check before use. A busy pool's connections skip the check.
        if (Clock::now() - conn->idle_since < kCheckIdleAfter || conn->looks_alive()) {
            return conn;
        }
        spdlog::info("service {}: idle server connection was closed by the server", service_);
        total_--;
    }
    return nullptr;
}

asio::awaitable<Result<std::unique_ptr<PgConnection>>> PgPool::create(Clock::time_point deadline) {
    total_++;
    auto alive = alive_;
    for (;;) {
        Result<std::unique_ptr<PgConnection>> opened = co_await PgConnection::open(
            executor_, target_, tls_, std::chrono::milliseconds(config_.create_timeout_ms));
        if (!*alive) {
            co_return Error::make("57P01", "Nectar is shutting down");
        }
        if (opened) {
            opened.value()->pool_generation++;
            co_return opened;
        }
        bool server_said_no = opened.error().sqlstate.rfind("08", 0) != 0 && opened.error().sqlstate != "57P03";
        if (server_said_no || stopped_ ||
            Clock::now() + std::chrono::milliseconds(config_.create_retry_interval_ms) >= deadline) {
            total_--;
            spdlog::warn("service {}: cannot open a connection: {}", service_, opened.error().message);
            co_return opened.error();
        }
        asio::steady_timer pause(executor_);
        pause.expires_after(std::chrono::milliseconds(config_.create_retry_interval_ms));
        error_code ec;
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void PgPool::release(std::unique_ptr<PgConnection> conn) {
    if (stopped_ || !conn->is_open()) {
        discard(std::move(conn));
        return;
    }
    if (!waiters_.empty()) {
        Waiter* waiter = waiters_.front();
        waiters_.pop_front();
        conn->pool_generation++;
        waiter->conn = std::move(conn);
        waiter->served = true;
        waiter->timer.cancel();
        return;
    }
    park(std::move(conn));
}

void PgPool::discard(std::unique_ptr<PgConnection> conn) {
    conn.reset();
    total_--;
    if (!waiters_.empty() && !stopped_) {
        Waiter* waiter = waiters_.front();
        waiters_.pop_front();
        waiter->served = true;
        waiter->timer.cancel();
    }
}

void PgPool::reset_and_release(std::unique_ptr<PgConnection> conn) {
    auto alive = alive_;
    asio::co_spawn(
        executor_,
        [this, alive, conn = std::move(conn)]() mutable -> asio::awaitable<void> {
            auto reset = co_await conn->run_simple_query("DISCARD ALL");
            if (!*alive) {
                co_return;
            }
            if (!reset) {
                discard(std::move(conn));
                co_return;
            }
            // DISCARD ALL dropped prepared statements, settings and LISTENs: so does our record.
            conn->prepared.clear();
            conn->applied_settings.clear();
            conn->sql_prepares.clear();
            conn->unnamed_owner = {0, 0};
            conn->synced_state = {0, 0};
            release(std::move(conn));
        },
        asio::detached);
}

void PgPool::park(std::unique_ptr<PgConnection> conn) {
    conn->idle_since = Clock::now();
    idle_.push_back(std::move(conn));
}

asio::awaitable<void> PgPool::reap_loop() {
    auto alive = alive_;
    while (*alive && !stopped_) {
        reaper_.expires_after(std::chrono::milliseconds(std::max(config_.reap_interval_ms, 10)));
        error_code ec;
        co_await reaper_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!*alive || stopped_) {
            co_return;
        }
        auto now = Clock::now();
        auto idle_limit = std::chrono::milliseconds(config_.idle_timeout_ms);
        // Oldest idle connections are at the front.
        while (!idle_.empty() && total_ > config_.min_connections && now - idle_.front()->idle_since > idle_limit) {
            idle_.pop_front();
            total_--;
        }
        // Drop idle connections the server has ended, so a restart does not leave dead ones.
        for (auto it = idle_.begin(); it != idle_.end();) {
            if (now - (*it)->idle_since >= kCheckIdleAfter && !(*it)->looks_alive()) {
                it = idle_.erase(it);
                total_--;
            } else {
                ++it;
            }
        }
        while (total_ < config_.min_connections && !stopped_) {
            auto made = co_await create(now + std::chrono::milliseconds(config_.create_timeout_ms));
            if (!*alive) {
                co_return;
            }
            if (!made) {
                break;
            }
            release(std::move(made.value()));
        }
    }
}

} // namespace nectar::federation
