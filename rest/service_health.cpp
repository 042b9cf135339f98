#include "rest/service_health.hpp"

#include "federation/engine.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace nectar::rest {

namespace asio = boost::asio;

namespace {

using Clock = std::chrono::steady_clock;

/// Shared by the waiting request and its pings, which may finish after it has answered.
struct Probe {
    explicit Probe(asio::any_io_executor executor, size_t count)
        : all_done(std::move(executor))
        , results(count)
        , finished(count, false)
        , remaining(count) {}
    asio::steady_timer all_done; ///< cancelled when the last ping finishes
    std::vector<ServiceHealth> results;
    std::vector<bool> finished;
    size_t remaining;
};

asio::awaitable<Result<void>> select_one(std::shared_ptr<federation::Connector> connector) {
    std::vector<federation::Type> types{federation::Type::Int4};
    auto stream = co_await connector->query("SELECT 1", std::move(types));
    if (!stream) {
        co_return stream.error();
    }
    federation::Batch batch;
    auto more = co_await (*stream)->next(batch);
    if (!more) {
        co_return more.error();
    }
    co_return Result<void>{};
}

asio::awaitable<void> ping(std::shared_ptr<Probe> probe, size_t index,
                           std::shared_ptr<federation::Connector> connector) {
    auto started = Clock::now();
    auto answered = co_await select_one(std::move(connector));
    ServiceHealth& health = probe->results[index];
    health.up = answered.ok();
    health.error = answered ? std::string() : answered.error().message;
    health.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    probe->finished[index] = true;
    if (--probe->remaining == 0) {
        probe->all_done.cancel();
    }
}

} // namespace

asio::awaitable<std::vector<ServiceHealth>> probe_health(federation::Engine& engine,
                                                         std::vector<std::string> services,
                                                         std::chrono::milliseconds timeout) {
    auto executor = co_await asio::this_coro::executor;
    auto probe = std::make_shared<Probe>(executor, services.size());
    for (size_t i = 0; i < services.size(); ++i) {
        std::shared_ptr<federation::Connector> connector = engine.shared_connector(services[i]);
        if (!connector) {
            probe->results[i].error = "the service is not running on this worker";
            probe->finished[i] = true;
            --probe->remaining;
            continue;
        }
        asio::co_spawn(executor, ping(probe, i, std::move(connector)), asio::detached);
    }
    if (probe->remaining > 0) {
        // Pings run on this same worker, so none can finish between this check and the wait.
        probe->all_done.expires_after(timeout);
        boost::system::error_code ec;
        co_await probe->all_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    std::vector<ServiceHealth> out = probe->results;
    for (size_t i = 0; i < out.size(); ++i) {
        if (!probe->finished[i]) {
            out[i] = ServiceHealth{false, "no answer within " + std::to_string(timeout.count()) + " ms", 0};
        }
    }
    co_return out;
}

} // namespace nectar::rest
