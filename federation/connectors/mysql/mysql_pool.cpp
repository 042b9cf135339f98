#include "federation/connectors/mysql/mysql_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace nectar::federation {

namespace {
using boost::system::error_code;
/// Connections idle longer than this are checked for life before they are handed out.
constexpr auto kCheckIdleAfter = std::chrono::milliseconds(50);

Error shutting_down() {
    return Error::make("57P01", "Nectar is shutting down");
}
} // namespace

MysqlPool::MysqlPool(asio::any_io_executor executor, std::string service, ServiceUrl url, PoolConfig config)
    : executor_(executor)
    , service_(std::move(service))
    , url_(std::move(url))
    , config_(config)
    , reaper_(executor) {}

MysqlPool::~MysqlPool() {
    *alive_ = false;
    stopped_ = true;
    idle_.clear();
}

void MysqlPool::start() {
    asio::co_spawn(executor_, reap_loop(), asio::detached);
}

void MysqlPool::stop() {
    stopped_ = true;
    reaper_.cancel();
    total_ -= static_cast<int>(idle_.size());
    idle_.clear();
    for (Waiter* waiter : waiters_) {
        waiter->timer.cancel();
    }
    waiters_.clear();
}

std::unique_ptr<MysqlConnection> MysqlPool::take_idle() {
    while (!idle_.empty()) {
        std::unique_ptr<MysqlConnection> conn = std::move(idle_.back());
        idle_.pop_back();
        // The server may have ended a connection that sat idle (restart, wait_timeout).
        if (Clock::now() - conn->idle_since < kCheckIdleAfter || conn->looks_alive()) {
            return conn;
        }
        spdlog::info("service {}: idle MySQL connection was closed by the server", service_);
        total_--;
    }
    return nullptr;
}

asio::awaitable<Result<std::unique_ptr<MysqlConnection>>> MysqlPool::acquire() {
    if (stopped_) {
        co_return shutting_down();
    }
    auto deadline = Clock::now() + std::chrono::milliseconds(config_.acquire_timeout_ms);
    if (auto conn = take_idle()) {
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
        co_return co_await create(deadline); // a slot freed up: fill it with a new connection
    }
    std::erase(waiters_, &waiter);
    if (stopped_) {
        co_return shutting_down();
    }
    co_return Error::make("53300", "timed out after " + std::to_string(config_.acquire_timeout_ms) +
                                       " ms waiting for a connection to service \"" + service_ + "\"");
}

asio::awaitable<Result<std::unique_ptr<MysqlConnection>>> MysqlPool::create(Clock::time_point deadline) {
    total_++;
    auto alive = alive_;
    for (;;) {
        auto opened = co_await MysqlConnection::open(executor_, url_,
                                                     std::chrono::milliseconds(config_.create_timeout_ms));
        if (!*alive) {
            co_return shutting_down();
        }
        if (opened) {
            co_return opened;
        }
        // Retry only when the server could not be reached; a refusal (password...) is final.
        bool unreachable = opened.error().sqlstate.rfind("08", 0) == 0;
        auto retry_at = Clock::now() + std::chrono::milliseconds(config_.create_retry_interval_ms);
        if (!unreachable || stopped_ || retry_at >= deadline) {
            hand_over_slot();
            spdlog::warn("service {}: cannot open a MySQL connection: {}", service_, opened.error().message);
            co_return opened.error();
        }
        asio::steady_timer pause(executor_);
        pause.expires_at(retry_at);
        error_code ec;
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void MysqlPool::release(std::unique_ptr<MysqlConnection> conn) {
    if (stopped_ || conn->broken) {
        discard(std::move(conn));
        return;
    }
    if (!waiters_.empty()) {
        Waiter* waiter = waiters_.front();
        waiters_.pop_front();
        waiter->conn = std::move(conn);
        waiter->served = true;
        waiter->timer.cancel();
        return;
    }
    conn->idle_since = Clock::now();
    idle_.push_back(std::move(conn));
}

void MysqlPool::discard(std::unique_ptr<MysqlConnection> conn) {
    conn.reset();
    hand_over_slot();
}

void MysqlPool::hand_over_slot() {
    total_--;
    if (!waiters_.empty() && !stopped_) {
        Waiter* waiter = waiters_.front();
        waiters_.pop_front();
        waiter->served = true;
        waiter->timer.cancel();
    }
}

asio::awaitable<void> MysqlPool::reap_loop() {
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
        while (!idle_.empty() && total_ > config_.min_connections &&
               now - idle_.front()->idle_since > idle_limit) {
            idle_.pop_front();
            total_--;
        }
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
