#include "proxy/service_registry.hpp"

#include "federation/connectors/mysql/mysql_connector.hpp"
#include "federation/connectors/postgres/pg_connector.hpp"
#include "federation/connectors/sqlite/sqlite_connector.hpp"
#include "proxy/config_values.hpp"
#include "rest/service_body.hpp"

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace nectar::proxy {

namespace asio = boost::asio;

namespace {

/// Holds the pool of a run-time service; a base class so that it is built before, and
/// destroyed after, the PgConnector that refers to it.
struct PoolHolder {
    std::unique_ptr<federation::PgPool> pool;
};

/// A PostgreSQL connector that owns its worker's pool: the engine's shared ownership of the
/// connector then covers the pool too (removal waits for the statements using either).
class OwnedPgConnector : private PoolHolder, public federation::PgConnector {
  public:
    OwnedPgConnector(std::unique_ptr<federation::PgPool> pool, std::string service)
        : PoolHolder{std::move(pool)}
        , PgConnector(*PoolHolder::pool, std::move(service)) {}
    ~OwnedPgConnector() override { PoolHolder::pool->stop(); }
};

Error settings_error(std::string message) {
    return Error::make("22023", std::move(message));
}

std::string database_type_of(const std::string& scheme) {
    if (scheme == "mssql") {
        return "sqlserver";
    }
    return scheme == "mongodb+srv" ? "mongodb" : scheme;
}

/// URL parameters from ssl/options replace the URL's own of the same name.
void set_url_param(ServiceUrl& url, const std::string& key, const std::string& value) {
    auto same = [&](const auto& p) { return ascii_lower(p.first) == ascii_lower(key); };
    url.params.erase(std::remove_if(url.params.begin(), url.params.end(), same), url.params.end());
    url.params.emplace_back(key, value);
}

} // namespace

federation::PgTarget pg_target_from_url(const ServiceUrl& url) {
    federation::PgTarget target;
    if (!url.host.empty()) {
        target.host = url.host;
    }
    if (const std::string* host = url.param("host")) {
        target.host = *host;
    }
    target.port = url.port != 0 ? url.port : 5432;
    if (const std::string* port = url.param("port")) {
        target.port = std::atoi(port->c_str());
    }
    target.user = url.user.empty() ? "postgres" : url.user;
    if (const std::string* user = url.param("user")) {
        target.user = *user;
    }
    target.password = url.password;
    if (const std::string* password = url.param("password")) {
        target.password = *password;
    }
    target.database = url.database.empty() ? target.user : url.database;
    if (const std::string* sslmode = url.param("sslmode")) {
        target.sslmode = *sslmode;
    }
    if (const std::string* root = url.param("sslrootcert")) {
        target.sslrootcert = *root;
    }
    // Server settings the URL carries; libpq-only parameters stay with us.
    for (const char* name : {"options", "application_name"}) {
        if (const std::string* value = url.param(name)) {
            target.startup_params.emplace_back(name, *value);
        }
    }
    return target;
}

asio::ssl::context* backend_tls(ProxyShared& shared, const std::string& key,
                                const federation::PgTarget& target) {
    if (target.sslmode == "disable" || target.sslmode == "allow") {
        return nullptr;
    }
    static std::mutex mutex; // HTTP handlers on several workers may add services at once
    std::lock_guard lock(mutex);
    auto& context = shared.backend_tls[key];
    if (!context) {
        context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
        boost::system::error_code ec;
        if (!target.sslrootcert.empty()) {
            context->load_verify_file(target.sslrootcert, ec);
        } else {
            context->set_default_verify_paths(ec);
        }
        if (ec) {
            shared.backend_tls.erase(key);
            throw ConfigError("sslrootcert \"" + target.sslrootcert + "\": " + ec.message());
        }
    }
    return context.get();
}

void start_service(Worker& worker, const ServiceConfig& service, int worker_count, asio::ssl::context* tls,
                   bool pass_through) {
    federation::PoolConfig pool = service.pool;
    // Each worker gets its share of the service's connections.
    pool.max_connections = std::max(1, (pool.max_connections + worker_count - 1) / worker_count);
    pool.min_connections = (pool.min_connections + worker_count - 1) / worker_count;
    if (service.url.scheme != "postgresql") {
        federation::ServiceSpec spec{service.name, service.url, pool, worker.shared->config.data_dir};
        std::shared_ptr<federation::Connector> connector;
        if (service.url.scheme == "sqlite") {
            connector = std::make_shared<federation::SqliteConnector>(spec);
        } else {
            connector = std::make_shared<federation::MysqlConnector>(worker.io, spec);
        }
        worker.engine->add_connector(service.name, service.url.scheme, std::move(connector));
        return;
    }
    auto pg_pool = std::make_unique<federation::PgPool>(worker.io.get_executor(), service.name,
                                                        pg_target_from_url(service.url), pool, tls);
    if (pass_through) {
        worker.engine->add_connector(service.name, "postgresql",
                                     std::make_shared<federation::PgConnector>(*pg_pool, service.name));
        worker.router.add_service(std::move(pg_pool)); // started with the router
        return;
    }
    pg_pool->start();
    worker.engine->add_connector(service.name, "postgresql",
                                 std::make_shared<OwnedPgConnector>(std::move(pg_pool), service.name));
}

Result<ServiceConfig> RuntimeServices::to_service_config(const rest::StoredService& service) const {
    auto parsed = parse_service_url(service.connection_string);
    if (!parsed) {
        Error e = parsed.error();
        e.message = "connectionString: " + e.message + (e.hint.empty() ? "" : " (" + e.hint + ")");
        return e;
    }
    ServiceUrl url = std::move(*parsed);
    if (!rest::scheme_fits_type(url.scheme, service.database_type)) {
        return settings_error("connectionString is a " + url.scheme + ": URL but databaseType is " +
                              service.database_type);
    }
    try {
        require_connector(url, "connectionString");
    } catch (const ConfigError&) {
        return Error::make("0A000", "this build of Nectar cannot serve " + service.database_type +
                                        " services yet (available: postgresql, mysql, mariadb, sqlite)");
    }
    auto settings = rest::service_settings(service);
    if (!settings) {
        return settings.error();
    }
    for (const auto& [key, value] : settings->url_params) {
        set_url_param(url, key, value);
    }
    if (const std::string* root = url.param("sslrootcert");
        root != nullptr && ::access(root->c_str(), R_OK) != 0) {
        return settings_error("sslrootcert \"" + *root + "\" cannot be read by Nectar");
    }
    PoolConfig pool = shared_.config.pool_defaults;
    try {
        for (const auto& [key, value] : settings->pool) {
            if (!is_pool_setting(key)) {
                return settings_error("pool: unknown setting \"" + key + "\" (expected " + pool_setting_names() + ")");
            }
            set_pool_value(pool, key, value, "pool");
        }
        // As --service does: pool settings given as URL parameters are the pool's, not the driver's.
        for (auto it = url.params.begin(); it != url.params.end();) {
            it = set_pool_value(pool, it->first, it->second, "connectionString") ? url.params.erase(it)
                                                                                 : it + 1;
        }
        validate_pool(pool, "pool");
    } catch (const ConfigError& e) {
        return settings_error(e.what());
    }
    return ServiceConfig{service.name, std::move(url), pool};
}

Result<std::string> RuntimeServices::normalize_name(std::string_view raw) const {
    try {
        std::string name = service_name(raw, "name");
        if (name == "services") {
            return settings_error("name: service name 'services' is reserved (it is the registry's path, "
                                  "/api/v2/services)");
        }
        return name;
    } catch (const ConfigError& e) {
        return settings_error(e.what());
    }
}

Result<void> RuntimeServices::check(const rest::StoredService& service) const {
    auto config = to_service_config(service);
    if (!config) {
        return config.error();
    }
    return {};
}

std::vector<rest::ServiceRegistry::ConfigService> RuntimeServices::config_services() const {
    std::vector<ConfigService> out;
    for (const ServiceConfig& s : shared_.config.services) {
        out.push_back(
            ConfigService{s.name, database_type_of(s.url.scheme), rest::masked_connection_string(s.url.raw)});
    }
    return out;
}

asio::ssl::context* RuntimeServices::tls_for(const ServiceConfig& service) {
    if (service.url.scheme != "postgresql") {
        return nullptr;
    }
    std::lock_guard lock(generation_mutex_);
    std::string key = service.name + "#" + std::to_string(++generation_);
    try {
        return backend_tls(shared_, key, pg_target_from_url(service.url));
    } catch (const ConfigError& e) {
        // check() has read the file already; one that is no CA bundle ends here, and the pool
        // then reports every connection attempt as failed (shown as health "down").
        spdlog::error("service \"{}\": {}", service.name, e.what());
        return nullptr;
    }
}

void RuntimeServices::start_stored(const std::vector<rest::StoredService>& services) {
    for (const rest::StoredService& stored : services) {
        if (shared_.config.find_service(stored.name) != nullptr) {
            spdlog::warn(
                "registered service \"{}\" is not started: the configuration defines a service of that "
                "name, which wins (DELETE /api/v2/services/{} is refused while it does)",
                stored.name, stored.name);
            continue;
        }
        auto config = to_service_config(stored);
        if (!config) {
            spdlog::error("registered service \"{}\" is not started: {}", stored.name,
                          config.error().message);
            continue;
        }
        asio::ssl::context* tls = tls_for(*config);
        for (const auto& worker : workers_) {
            start_service(*worker, *config, static_cast<int>(workers_.size()), tls, false);
        }
        spdlog::info("registered service \"{}\" ({}) started", stored.name, config->url.redacted());
    }
}

asio::awaitable<void> RuntimeServices::on_every_worker(const std::string& service, uint64_t change,
                                                       std::function<void(Worker&)> apply) {
    struct Pending {
        explicit Pending(asio::any_io_executor ex, size_t n)
            : executor(ex)
            , done(ex)
            , remaining(n) {}
        asio::any_io_executor executor;
        asio::steady_timer done; ///< cancelled (on the caller's worker) when the last worker is done
        std::atomic<size_t> remaining;
    };
    auto executor = co_await asio::this_coro::executor;
    auto pending = std::make_shared<Pending>(executor, workers_.size());
    auto shared_apply = std::make_shared<std::function<void(Worker&)>>(std::move(apply));
    for (size_t i = 0; i < workers_.size(); ++i) {
        Worker* worker = workers_[i].get();
        auto* applied = &applied_[i];
        asio::post(worker->io, [pending, shared_apply, worker, applied, service, change] {
            uint64_t& last = (*applied)[service];
            if (change > last) {
                last = change;
                (*shared_apply)(*worker);
            }
            if (--pending->remaining == 0) {
                asio::post(pending->executor, [pending] { pending->done.cancel(); });
            }
        });
    }
    // The cancel is posted to this coroutine's own worker, so it runs only after the wait below
    // has started: no wake-up is lost even when the last worker finishes before we wait.
    if (pending->remaining.load() > 0) {
        pending->done.expires_at(asio::steady_timer::time_point::max());
        boost::system::error_code ec;
        co_await pending->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

asio::awaitable<void> RuntimeServices::install(rest::StoredService service, uint64_t change) {
    auto config = to_service_config(service);
    if (!config) {
        spdlog::error("registered service \"{}\" is not started: {}", service.name, config.error().message);
        co_return;
    }
    asio::ssl::context* tls = tls_for(*config);
    int worker_count = static_cast<int>(workers_.size());
    std::function<void(Worker&)> start = [config = *config, tls, worker_count](Worker& worker) {
        start_service(worker, config, worker_count, tls, false);
    };
    co_await on_every_worker(service.name, change, std::move(start));
    // Workers that discovered through the old connector meanwhile may have cached its tables.
    shared_.catalog->invalidate(service.name);
    spdlog::info("service \"{}\" ({}) registered over HTTP: running on {} worker(s)", service.name,
                 config->url.redacted(), worker_count);
}

asio::awaitable<void> RuntimeServices::uninstall(std::string name, uint64_t change) {
    std::function<void(Worker&)> remove = [name](Worker& worker) { worker.engine->remove_connector(name); };
    co_await on_every_worker(name, change, std::move(remove));
    shared_.catalog->invalidate(name);
    spdlog::info("service \"{}\" removed over HTTP", name);
}

} // namespace nectar::proxy
