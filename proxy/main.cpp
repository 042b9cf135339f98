// nectar: makes every database look like PostgreSQL.

#include "federation/connectors/sqlite/demo_data.hpp"
#include "proxy/config.hpp"
#include "proxy/server.hpp"

#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace {

/// Every client connection is a descriptor: the soft limit (often 1,024) goes up to the hard one,
/// so 10,000 WebSocket subscribers or pg-wire clients are accepted, as PgBouncer does.
void raise_open_files_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        rlim_t before = limit.rlim_cur;
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
            spdlog::warn("cannot raise the open files limit from {}: {}", before, std::strerror(errno));
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    using namespace nectar::proxy;
    // Signals are handled by the server's signal_set; block them in every thread it starts.
    std::signal(SIGPIPE, SIG_IGN);
    Config config;
    try {
        int exit_code = -1;
        config = load_config(argc, argv, &exit_code);
        if (exit_code >= 0) {
            return exit_code;
        }
        if (config.services.empty() || config.demo) {
            // SPEC §1: the embedded SQLite service `demo`, so a fresh machine has something to query.
            auto demo = nectar::federation::ensure_demo_database(config.data_dir);
            if (!demo) {
                throw ConfigError("cannot create the demo database in " + config.data_dir + ": " +
                                  demo.error().message);
            }
            if (config.find_service("demo") == nullptr) {
                ServiceConfig service;
                service.name = "demo";
                auto url = nectar::federation::parse_service_url("sqlite://" + std::filesystem::absolute(*demo).string());
                if (!url) {
                    throw ConfigError("demo database path: " + url.error().message);
                }
                service.url = *url;
                service.pool = config.pool_defaults;
                config.services.push_back(std::move(service));
                config.embedded_demo = true;
            }
        }
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "nectar: %s\n", e.what());
        return 2;
    }
    auto logger = spdlog::stderr_color_mt("nectar");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    raise_open_files_limit();
    try {
        Server server(std::move(config), argc, argv);
        return server.run();
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "nectar: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        spdlog::critical("cannot start: {}", e.what());
        return 1;
    }
}
