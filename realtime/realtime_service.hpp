#pragma once
// Realtime as the server starts and stops it (Seastar-style start()/stop()): the hub, the
// capture factory that places each feed's capture on a worker, the WebSocket endpoint, the
// response cache's change feeds, and the once-a-second sweep of idle feeds.

#include "federation/connectors/postgres/pg_target.hpp"
#include "federation/connectors/service_url.hpp"
#include "realtime/cache_feeds.hpp"
#include "realtime/hub.hpp"
#include "realtime/ws_session.hpp"

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>

namespace nectar::federation {
class Engine;
}

namespace nectar::realtime {

class PgReplicationStream;
class MysqlBinlogStream;

/// One worker's loop and engine: where captures run.
struct CaptureWorker {
    boost::asio::any_io_executor executor;
    federation::Engine* engine = nullptr;
};

struct RealtimeSetup {
    std::vector<CaptureWorker> workers;                     ///< at least one
    std::map<std::string, federation::PgTarget> pg_services; ///< PostgreSQL services by name (native capture)
    std::map<std::string, federation::ServiceUrl> mysql_services; ///< MariaDB/MySQL services (binlog capture)
    std::string data_dir;                                   ///< names the replication slots
    HubLimits limits;
    RealtimeOptions options;
};

class RealtimeService {
  public:
    RealtimeService(RealtimeSetup setup, const rest::ExposureStore& exposures);
    ~RealtimeService();

    /// Starts the sweep on the first worker.
    void start();
    /// Stops every capture (drain); subscribers' sessions end with their connections.
    void stop();

    RealtimeEndpoint& endpoint() { return endpoint_; }
    Hub& hub() { return hub_; }
    /// CacheFeeds::watch: whether `service`.`table`'s changes are followed for the response cache.
    bool watch_for_cache(const std::string& service, const std::string& table) { return cache_feeds_.watch(service, table); }

  private:
    Result<std::unique_ptr<Capture>> make_capture(const FeedSpec& spec, std::shared_ptr<CaptureSink> sink);
    /// Whether `service` has native capture here.
    bool native_capture(std::string_view service) const;
    const CaptureWorker& next_worker();

    RealtimeSetup setup_;
    std::mutex mutex_; ///< guards next_worker_, pg_streams_ and mysql_streams_
    size_t next_worker_ = 0;
    std::map<std::string, std::shared_ptr<PgReplicationStream>> pg_streams_;
    std::map<std::string, std::shared_ptr<MysqlBinlogStream>> mysql_streams_;
    Hub hub_;
    RealtimeEndpoint endpoint_;
    CacheFeeds cache_feeds_;
    std::shared_ptr<boost::asio::steady_timer> sweep_timer_;
    std::shared_ptr<std::atomic<bool>> sweep_stopped_ = std::make_shared<std::atomic<bool>>(false);
};

} // namespace nectar::realtime
