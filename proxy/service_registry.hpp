#pragma once
// Services on the workers: the one place that turns a service's URL and pool settings into a
// connector on a worker, for services given in the config, services stored in the catalog
// store, and services registered, changed or removed over HTTP while Nectar runs.

#include "proxy/proxy_context.hpp"
#include "rest/services_api.hpp"

#include <utility>
// Boost.Asio after <utility>: Boost 1.74 uses std::exchange without including it.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace nectar::proxy {

/// Where a service's connections go, from its URL (libpq's defaults where the URL is silent).
federation::PgTarget pg_target_from_url(const ServiceUrl& url);

/// Creates `service`'s connector on `worker` with the worker's share of its pool
/// (`worker_count` workers), and registers it with the worker's engine. `pass_through`: a
/// PostgreSQL service's pool also joins the worker's router, so sessions whose database names
/// the service relay to it; such services live as long as the worker. Otherwise the connector
/// owns its pool, so the service can be replaced or removed at run time. Call on the worker's
/// thread, or before the workers run.
void start_service(Worker& worker, const ServiceConfig& service, int worker_count,
                   boost::asio::ssl::context* tls, bool pass_through);

/// The client TLS context for a PostgreSQL service's connections (null when its sslmode needs
/// none), kept in `shared` under `key` for the life of the process.
boost::asio::ssl::context* backend_tls(ProxyShared& shared, const std::string& key,
                                       const federation::PgTarget& target);

/// The services registry's hands (rest/services_api.hpp): checks services as --service does and
/// applies registrations to every worker by posting to its event loop.
class RuntimeServices : public rest::ServiceRegistry {
  public:
    RuntimeServices(ProxyShared& shared, const std::vector<std::unique_ptr<Worker>>& workers)
        : shared_(shared)
        , workers_(workers)
        , applied_(workers.size()) {}

    /// A stored service as a ServiceConfig: URL with ssl/options parameters, pool settings
    /// over the config's [pool] defaults. 22023 (0A000 for a connector this build lacks).
    Result<ServiceConfig> to_service_config(const rest::StoredService& service) const;
    /// Starts stored services before the workers run (no posting); a service that no longer
    /// passes the checks, or whose name the config now uses, is logged and skipped.
    void start_stored(const std::vector<rest::StoredService>& services);

    Result<std::string> normalize_name(std::string_view raw) const override;
    Result<void> check(const rest::StoredService& service) const override;
    std::vector<ConfigService> config_services() const override;
    boost::asio::awaitable<void> install(rest::StoredService service, uint64_t change) override;
    boost::asio::awaitable<void> uninstall(std::string name, uint64_t change) override;

  private:
    /// Runs `apply` on every worker's thread unless that worker has applied a later change to
    /// `service`; resumes the caller once all workers are done.
    boost::asio::awaitable<void> on_every_worker(const std::string& service, uint64_t change,
                                                 std::function<void(Worker&)> apply);
    boost::asio::ssl::context* tls_for(const ServiceConfig& service);

    ProxyShared& shared_;
    const std::vector<std::unique_ptr<Worker>>& workers_;
    /// Per worker (same index as workers_; touched only on that worker's thread): the last
    /// change applied to each service.
    std::vector<std::map<std::string, uint64_t>> applied_;
    std::mutex generation_mutex_;
    int generation_ = 0; ///< new TLS contexts per change: old pools keep the one they were made with
};

} // namespace nectar::proxy
