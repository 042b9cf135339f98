#include "proxy/server.hpp"

#include "proxy/pg_session.hpp"
#include "rest/cache_middleware.hpp"
#include "rest/change_notice.hpp"
#include "rest/discover.hpp"
#include "rest/routine_api.hpp"
#include "rest/docs_page.hpp"
#include "rest/observability.hpp"
#include "rest/openapi.hpp"
#include "rest/table_api.hpp"
#include "rest/table_write.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

namespace nectar::proxy {

namespace {

constexpr auto kDrainTimeout = std::chrono::seconds(10);

std::string der_of_certificate(SSL_CTX* context) {
    X509* cert = SSL_CTX_get0_certificate(context);
    if (cert == nullptr) {
        return {};
    }
    unsigned char* der = nullptr;
    int length = i2d_X509(cert, &der);
    if (length <= 0) {
        return {};
    }
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(length));
    OPENSSL_free(der);
    return out;
}

/// SCRAM secrets for the configured users (the passwords themselves only for cleartext auth).
std::shared_ptr<const UserMap> make_user_map(const Config& config) {
    auto users = std::make_shared<UserMap>();
    for (const UserConfig& user : config.users) {
        (*users)[user.name] = UserCredential{protocol::make_scram_secret(user.password), user.password, user.roles};
    }
    return users;
}

} // namespace

Server::Server(Config config, int argc, const char* const* argv)
    : argc_(argc)
    , argv_(argv) {
    shared_.config = std::move(config);
    setup_security();
    setup_workers();
}

Server::~Server() {
    for (auto& worker : workers_) {
        worker->io.stop();
    }
    for (auto& thread : threads_) {
        if (thread.joinable()) {
            thread.join();
        }
    }
}

void Server::setup_security() {
    const Config& config = shared_.config;
    shared_.set_users(make_user_map(config));
    std::string random_password(32, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(random_password.data()), static_cast<int>(random_password.size()));
    shared_.unknown_user_secret = protocol::make_scram_secret(random_password);
    if (!config.has_authentication()) {
        spdlog::warn("no users configured: accepting loopback clients without a password");
    }
    if (!config.tls_cert.empty()) {
        namespace ssl = asio::ssl;
        auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
        context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                             ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        boost::system::error_code ec;
        context->use_certificate_chain_file(config.tls_cert, ec);
        if (!ec) {
            context->use_private_key_file(config.tls_key, ssl::context::pem, ec);
        }
        if (ec) {
            throw ConfigError("--tls-cert/--tls-key: cannot load \"" + config.tls_cert + "\" / \"" + config.tls_key +
                              "\": " + ec.message());
        }
        shared_.tls_end_point = protocol::tls_server_end_point(der_of_certificate(context->native_handle()));
        shared_.tls = std::move(context);
    }
}

void Server::setup_workers() {
    const Config& config = shared_.config;
    int threads = std::max(1, config.threads);
    for (int i = 0; i < threads; ++i) {
        auto worker = std::make_unique<Worker>();
        worker->shared = &shared_;
        worker->engine = std::make_unique<federation::Engine>(shared_.catalog);
        for (const ServiceConfig& service : config.services) {
            asio::ssl::context* tls = nullptr;
            if (service.url.scheme == "postgresql") {
                tls = backend_tls(shared_, service.name, pg_target_from_url(service.url));
            }
            start_service(*worker, service, threads, tls, true);
        }
        if (!config.default_service.empty()) {
            worker->router.set_default_service(config.default_service);
        }
        workers_.push_back(std::move(worker));
    }
}

asio::awaitable<void> Server::accept_loop(std::shared_ptr<asio::ip::tcp::acceptor> acceptor, StartConnection start) {
    size_t next = 0;
    for (;;) {
        // Round robin: each client lives on the next worker, so the load is even whatever the
        // kernel's hashing would do.
        Worker& worker = *workers_[next];
        next = (next + 1) % workers_.size();
        boost::system::error_code ec;
        asio::ip::tcp::socket socket =
            co_await acceptor->async_accept(worker.io, asio::redirect_error(asio::use_awaitable, ec));
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) {
            co_return;
        }
        if (ec) {
            // Out of descriptors and the like: pause instead of spinning.
            spdlog::warn("accept failed: {}", ec.message());
            asio::steady_timer pause(acceptor->get_executor(), std::chrono::milliseconds(50));
            co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        start(std::move(socket), worker);
    }
}

std::shared_ptr<asio::ip::tcp::acceptor> Server::listen(const Endpoint& where, std::string_view what) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(where.host == "localhost" ? "127.0.0.1" : where.host, ec);
    asio::ip::tcp::endpoint endpoint(address, static_cast<unsigned short>(where.port));
    auto acceptor = std::make_shared<asio::ip::tcp::acceptor>(workers_.front()->io);
    if (!ec) {
        acceptor->open(endpoint.protocol(), ec);
    }
    if (!ec) {
        acceptor->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
        acceptor->bind(endpoint, ec);
    }
    if (!ec) {
        acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        spdlog::error("cannot listen for {} on {}:{}: {}", what, where.host, where.port, ec.message());
        return nullptr;
    }
    return acceptor;
}

bool Server::setup_http() {
    const Config& config = shared_.config;
    auto exposures = rest::ExposureStore::open(config.data_dir);
    if (!exposures) {
        spdlog::error("{}", exposures.error().message);
        return false;
    }
    exposures_ = std::move(*exposures);
    if (config.embedded_demo && !exposures_->is_exposed("demo", "*")) {
        // SPEC §1: `curl localhost:8080/api/v2/demo/_table/users` works on a fresh machine.
        auto exposed = exposures_->expose("demo", {"*"});
        if (!exposed) {
            spdlog::error("{}", exposed.error().message);
            return false;
        }
    }
    std::vector<rest::ApiKey> keys;
    for (const ApiKeyConfig& k : config.api_keys) {
        keys.push_back(rest::ApiKey{k.key, k.roles});
    }
    std::unique_ptr<rest::JwtVerifier> jwt;
    if (!config.jwt_secret.empty() || !config.jwt_public_key.empty()) {
        auto verifier = rest::JwtVerifier::create(rest::JwtSettings{
            *rest::parse_jwt_algorithm(config.jwt_algorithm), config.jwt_secret, config.jwt_public_key_pem,
            config.jwt_audience, config.jwt_issuer, config.jwt_leeway_seconds, config.jwt_roles_claim});
        if (!verifier) { // load_config checked these settings already
            spdlog::error("JWT settings: {}", verifier.error().message);
            return false;
        }
        jwt = std::move(*verifier);
    }
    http_auth_ = std::make_unique<rest::Authenticator>(keys, config.has_authentication(), std::move(jwt));
    http_router_.set_authentication(
        [auth = http_auth_.get()](rest::HttpRequest& request) { return auth->authenticate(request); });
    if (!setup_services_registry()) {
        return false;
    }
    rest::TableApiOptions table_options;
    table_options.default_limit = config.rest_default_limit;
    table_options.max_limit = config.rest_max_limit;
    table_options.json.numeric_as_string = config.rest_numeric_as_string;
    rest::add_table_routes(http_router_, *exposures_, table_options);
    rest::add_openapi_routes(http_router_, *exposures_,
                             {NECTAR_VERSION, table_options.default_limit, table_options.max_limit,
                              !config.has_authentication()});
    rest::add_write_routes(http_router_, *exposures_, table_options);
    rest::add_discover_routes(http_router_, *exposures_);
    rest::add_routine_routes(http_router_, *exposures_);
    rest::add_docs_routes(http_router_);
    http_rate_limiter_ = std::make_unique<rest::RateLimiter>(
        rest::RateLimitSettings{config.rate_limit_per_second, config.rate_limit_burst});
    if (http_rate_limiter_->enabled()) {
        http_router_.add_middleware(rest::rate_limit_middleware(*http_rate_limiter_));
    }
    auto response_cache = std::make_shared<rest::ResponseCache>();
    // Set up before any request: realtime_ exists by the time a smart entry asks for its feed.
    http_router_.add_middleware(rest::caching_middleware(
        response_cache, {}, [this](const std::string& service, const std::string& table) {
            return realtime_ != nullptr && realtime_->watch_for_cache(service, table);
        }));
    for (auto& worker : workers_) { // pg-wire writes through the engine drop the cached reads of their table
        worker->engine->set_write_listener(rest::notify_written);
    }
    rest::ObservabilitySources sources;
    sources.response_cache = response_cache;
    sources.http = &http_stats_;
    sources.draining = &shared_.draining;
    sources.pg_sessions = [this] { return static_cast<int64_t>(shared_.sessions.load()); };
    sources.worker_threads = static_cast<int>(workers_.size());
    sources.services = config.services.size();
    rest::add_observability_routes(http_router_, std::move(sources));
    setup_realtime();
    http_context_.router = &http_router_;
    http_context_.tls = shared_.tls.get(); // with --tls-cert the HTTP face is HTTPS only
    http_context_.draining = &shared_.draining;
    http_context_.stats = &http_stats_;
    return true;
}

bool Server::setup_services_registry() {
    const Config& config = shared_.config;
    bool generated = false;
    auto key = rest::resolve_secret_key(config.secret_key, config.data_dir, generated);
    if (!key) {
        spdlog::error("cannot start: {}", key.error().message);
        return false;
    }
    if (generated) {
        spdlog::info("generated a secret key for the catalog store's backend passwords in {} (mode 0600): keep "
                     "it with catalog.db, or set secret-key / NECTAR_SECRET_KEY",
                     key->origin);
    }
    auto store = rest::ServiceStore::open(config.data_dir, std::move(*key));
    if (!store) {
        spdlog::error("cannot start: {}", store.error().message);
        return false;
    }
    service_store_ = std::move(*store);
    runtime_services_ = std::make_unique<RuntimeServices>(shared_, workers_);
    // The workers are not running yet, so stored services start on them directly, before the
    // listeners accept anyone.
    runtime_services_->start_stored(service_store_->list());
    rest::add_services_routes(http_router_, *service_store_, *runtime_services_, *exposures_);
    return true;
}

void Server::setup_realtime() {
    const Config& config = shared_.config;
    realtime::RealtimeSetup setup;
    for (auto& worker : workers_) {
        setup.workers.push_back({worker->io.get_executor(), worker->engine.get()});
    }
    for (const ServiceConfig& service : config.services) {
        if (service.url.scheme == "postgresql") {
            setup.pg_services.emplace(service.name, pg_target_from_url(service.url));
        } else if (service.url.scheme == "mysql" || service.url.scheme == "mariadb") {
            setup.mysql_services.emplace(service.name, service.url);
        }
    }
    setup.data_dir = config.data_dir;
    realtime_ = std::make_unique<realtime::RealtimeService>(std::move(setup), *exposures_);
    realtime::add_realtime_route(http_router_);
    http_context_.websocket = &realtime_->endpoint();
    shared_.hub = &realtime_->hub();
    shared_.native_capture = [endpoint = &realtime_->endpoint()](std::string_view service) {
        return endpoint->native_capture(service);
    };
    realtime_->start();
}

int Server::run() {
    const Config& config = shared_.config;
    acceptor_ = listen(config.pg_listen, "PostgreSQL clients");
    http_acceptor_ = listen(config.http_listen, "HTTP clients");
    if (!acceptor_ || !http_acceptor_) {
        return 1;
    }
    if (!setup_http()) {
        return 1;
    }
    for (auto& worker : workers_) {
        worker->router.start();
    }
    asio::co_spawn(workers_.front()->io,
                   accept_loop(acceptor_,
                               [](asio::ip::tcp::socket socket, Worker& worker) {
                                   auto session = std::make_shared<PgSession>(std::move(socket), worker);
                                   // The lambda (and so the session) lives as long as its coroutine.
                                   asio::co_spawn(worker.io, [session] { return session->run(); }, asio::detached);
                               }),
                   asio::detached);
    asio::co_spawn(workers_.front()->io,
                   accept_loop(http_acceptor_,
                               [this](asio::ip::tcp::socket socket, Worker& worker) {
                                   asio::co_spawn(worker.io,
                                                  rest::serve_http_connection(std::move(socket), http_context_,
                                                                              worker.engine.get()),
                                                  asio::detached);
                               }),
                   asio::detached);
    for (auto& worker : workers_) {
        threads_.emplace_back([&io = worker->io] {
            auto guard = asio::make_work_guard(io);
            io.run();
        });
    }
    spdlog::info("nectar {} listening for PostgreSQL clients on {}:{} and HTTP{} on {}:{} with {} worker "
                 "thread(s), services: {}",
                 NECTAR_VERSION, config.pg_listen.host, config.pg_listen.port, shared_.tls ? "S" : "",
                 config.http_listen.host, config.http_listen.port, workers_.size(), config.services.size());

    asio::signal_set signals(signals_io_, SIGTERM, SIGINT, SIGHUP);
    bool stop = false;
    std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int signal) {
        if (ec) {
            return;
        }
        if (signal == SIGHUP) {
            reload();
            signals.async_wait(on_signal);
            return;
        }
        spdlog::info("received signal {}: draining", signal);
        stop = true;
    };
    signals.async_wait(on_signal);
    while (!stop) {
        signals_io_.run_one();
    }
    drain();
    return 0;
}

void Server::drain() {
    shared_.draining = true;
    asio::post(workers_.front()->io, [acceptors = std::vector{acceptor_, http_acceptor_}] {
        boost::system::error_code ec;
        for (const auto& acceptor : acceptors) {
            acceptor->close(ec);
        }
    });
    for (auto& worker_ptr : workers_) {
        Worker& worker = *worker_ptr;
        asio::post(worker.io, [&worker] {
            // Idle clients are told now; busy ones when their transaction ends.
            for (PgSession* session : std::vector<PgSession*>(worker.sessions.begin(), worker.sessions.end())) {
                session->drain();
            }
        });
    }
    auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
    while (shared_.sessions.load() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (shared_.sessions.load() > 0) {
        spdlog::warn("{} session(s) still busy after {} s: closing them", shared_.sessions.load(),
                     kDrainTimeout.count());
    }
    realtime_->stop();
    for (auto& worker : workers_) {
        asio::post(worker->io, [&worker] { worker->router.stop(); });
    }
    for (auto& worker : workers_) {
        worker->io.stop();
    }
    for (auto& thread : threads_) {
        thread.join();
    }
    threads_.clear();
    spdlog::info("stopped");
}

void Server::reload() {
    try {
        Config fresh = reload_config(shared_.config, argc_, argv_);
        spdlog::set_level(spdlog::level::from_str(fresh.log_level));
        // New sessions authenticate against the new users; connected ones are not dropped.
        shared_.set_users(make_user_map(fresh));
        spdlog::info("configuration reloaded: log level {}, {} user(s); listeners, TLS and services change "
                     "on restart",
                     fresh.log_level, fresh.users.size());
    } catch (const std::exception& e) {
        spdlog::error("configuration not reloaded: {}", e.what());
    }
}

} // namespace nectar::proxy
