#include "realtime/realtime_service.hpp"

#include "realtime/mysql_capture.hpp"
#include "realtime/pg_capture.hpp"
#include "realtime/poll_capture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace nectar::realtime {

namespace asio = boost::asio;

RealtimeService::RealtimeService(RealtimeSetup setup, const rest::ExposureStore& exposures)
    : setup_(std::move(setup))
    , hub_(setup_.limits,
           [this](const FeedSpec& spec, std::shared_ptr<CaptureSink> sink) { return make_capture(spec, std::move(sink)); })
    , endpoint_(hub_, exposures,
                [this](std::string_view service) { return native_capture(service); },
                setup_.options)
    , cache_feeds_(hub_, setup_.workers, [this](std::string_view service) { return native_capture(service); }) {}

RealtimeService::~RealtimeService() { stop(); }

bool RealtimeService::native_capture(std::string_view service) const {
    // Services of the configuration only: one registered at runtime polls (no capture set up for it).
    std::string name(service);
    return setup_.pg_services.count(name) > 0 || setup_.mysql_services.count(name) > 0;
}

const CaptureWorker& RealtimeService::next_worker() {
    // Feeds go round robin over the workers, so captures share the load.
    const CaptureWorker& worker = setup_.workers[next_worker_ % setup_.workers.size()];
    next_worker_++;
    return worker;
}

Result<std::unique_ptr<Capture>> RealtimeService::make_capture(const FeedSpec& spec, std::shared_ptr<CaptureSink> sink) {
    std::lock_guard lock(mutex_);
    if (spec.poll) {
        const CaptureWorker& worker = next_worker();
        return std::unique_ptr<Capture>(std::make_unique<PollCapture>(worker.executor, *worker.engine, spec, std::move(sink)));
    }
    if (auto mysql = setup_.mysql_services.find(spec.service); mysql != setup_.mysql_services.end()) {
        auto& stream = mysql_streams_[spec.service];
        if (!stream) {
            // One binlog dump (one replica server_id, one thread) per service, shared by its tables.
            stream = std::make_shared<MysqlBinlogStream>(spec.service, mysql->second,
                                                         binlog_server_id(setup_.data_dir, spec.service));
        }
        auto capture = std::make_unique<MysqlTableCapture>(stream, spec.table, std::move(sink));
        return std::unique_ptr<Capture>(std::move(capture));
    }
    auto target = setup_.pg_services.find(spec.service);
    if (target == setup_.pg_services.end()) {
        return Error::make("0A000", "service \"" + spec.service + "\" has no native change capture: use \"mode\":\"poll\"");
    }
    auto& stream = pg_streams_[spec.service];
    if (!stream) {
        // One replication stream (one slot) per service, shared by all its tables.
        stream = std::make_shared<PgReplicationStream>(next_worker().executor, spec.service, target->second,
                                                       replication_slot_name(setup_.data_dir, spec.service));
    }
    return std::unique_ptr<Capture>(std::make_unique<PgTableCapture>(stream, spec.table, std::move(sink)));
}

namespace {

asio::awaitable<void> sweep_loop(std::shared_ptr<asio::steady_timer> timer, std::shared_ptr<std::atomic<bool>> stopped,
                                 Hub* hub) {
    while (!stopped->load()) {
        timer->expires_after(std::chrono::seconds(1));
        boost::system::error_code ec;
        co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (stopped->load()) {
            co_return;
        }
        hub->sweep();
    }
}

} // namespace

void RealtimeService::start() {
    sweep_timer_ = std::make_shared<asio::steady_timer>(setup_.workers.front().executor);
    asio::co_spawn(sweep_timer_->get_executor(), sweep_loop(sweep_timer_, sweep_stopped_, &hub_), asio::detached);
}

void RealtimeService::stop() {
    sweep_stopped_->store(true);
    if (sweep_timer_) {
        asio::post(sweep_timer_->get_executor(), [timer = sweep_timer_] { timer->cancel(); });
    }
    cache_feeds_.stop();
    hub_.stop();
    // Binlog streams join their threads here, outside the lock (a connect ends within its timeout).
    std::map<std::string, std::shared_ptr<MysqlBinlogStream>> mysql_streams;
    {
        std::lock_guard lock(mutex_);
        pg_streams_.clear();
        mysql_streams.swap(mysql_streams_);
    }
}

} // namespace nectar::realtime
