// nectar: makes every database look like PostgreSQL.

#include "proxy/config.hpp"
#include "proxy/server.hpp"

#include <csignal>
#include <cstdio>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

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
        if (config.services.empty()) {
            throw ConfigError("no service configured: add --service NAME=postgresql://... "
                              "(the embedded SQLite demo service arrives with the federation engine)");
        }
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "nectar: %s\n", e.what());
        return 2;
    }
    auto logger = spdlog::stderr_color_mt("nectar");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    spdlog::set_level(spdlog::level::from_str(config.log_level));
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
