#include "proxy/config_command_line.hpp"

#include "proxy/config.hpp"

#include <CLI/CLI.hpp>

#ifndef NECTAR_VERSION
#define NECTAR_VERSION "0.1.0"
#endif

namespace nectar::proxy {

/// Returns nothing when --help or --version was handled (and printed if `print` is set).
std::optional<CommandLine> parse_command_line(int argc, const char* const* argv, bool print) {
    CLI::App app{"Nectar: one PostgreSQL-speaking server and REST API in front of many databases.", "nectar"};
    app.set_version_flag("--version", "nectar " NECTAR_VERSION);
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

    struct Scalar {
        const char* key;
        const char* type;
        const char* help;
        std::string value;
        CLI::Option* option = nullptr;
    };
    std::vector<Scalar> scalars = {
        {"pg-listen", "HOST:PORT", "PostgreSQL wire protocol address (default 127.0.0.1:6432)", {}},
        {"http-listen", "HOST:PORT", "HTTP address (default 127.0.0.1:8080)", {}},
        {"data-dir", "DIR", "catalog store and demo data (default ./nectar-data)", {}},
        {"default-service", "NAME", "service for unqualified names (default: the first registered)", {}},
        {"threads", "N", "worker threads, 1..256 (default: one per core)", {}},
        {"jwt-secret", "SECRET", "HS256 secret for JWT bearer tokens", {}},
        {"jwt-algorithm", "ALG", "the one JWT algorithm accepted: HS256 (default), RS256 or ES256", {}},
        {"jwt-public-key", "FILE", "PEM public key verifying RS256/ES256 tokens", {}},
        {"jwt-audience", "AUD", "JWTs must name this audience in aud", {}},
        {"jwt-issuer", "ISS", "JWTs must have this iss", {}},
        {"jwt-leeway-seconds", "N", "clock skew allowed on exp/nbf, 0..86400 (default 30)", {}},
        {"jwt-roles-claim", "NAME", "JWT claim holding the roles (default roles; dotted for nested)", {}},
        {"rate-limit-per-second", "N", "REST requests per second per key, user or IP (default 0: off)", {}},
        {"rate-limit-burst", "N", "REST requests at once per caller (default: the per-second rate)", {}},
        {"rest-default-limit", "N", "rows per REST list page when ?limit= is absent (default 50)", {}},
        {"rest-max-limit", "N", "largest ?limit= a REST list accepts, 1..100000 (default 1000)", {}},
        {"rest-numeric", "number|string", "REST JSON for numeric columns: numbers (default) or strings", {}},
        {"tls-cert", "FILE", "TLS certificate chain (PEM), with --tls-key", {}},
        {"tls-key", "FILE", "TLS private key (PEM), with --tls-cert", {}},
        {"log-level", "LEVEL", "debug, info, warn or error (default info)", {}},
        {"max-message-bytes", "N", "longest client message accepted (default 1073741824)", {}},
        {"pg-auth", "METHOD", "scram-sha-256 (default) or password (cleartext, only over TLS)", {}},
    };
    std::string config_file;
    auto* config_option =
        app.add_option("--config", config_file, "TOML file; flags override it")->type_name("FILE");
    for (auto& s : scalars) {
        s.option = app.add_option(std::string("--") + s.key, s.value, s.help)->type_name(s.type);
    }
    CommandLine cl;
    auto* services = app.add_option("--service", cl.services, "register a service: NAME=URL (repeatable)");
    auto* users = app.add_option("--user", cl.users, "user NAME:PASSWORD[:ROLE,...] (repeatable)");
    auto* keys = app.add_option("--api-key", cl.api_keys, "API key KEY[:ROLE,...] (repeatable)");
    for (auto* option : {services, users, keys}) {
        option->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->allow_extra_args(false);
    }
    services->type_name("NAME=URL");
    users->type_name("NAME:PASSWORD[:ROLES]");
    keys->type_name("KEY[:ROLES]");
    bool demo = false;
    auto* demo_option = app.add_flag("--demo", demo, "also create the sample SQLite service 'demo'");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
            if (print) {
                app.exit(e);
            }
            return std::nullopt;
        }
        throw ConfigError(std::string(e.what()) + " (see nectar --help)");
    }
    for (const auto& s : scalars) {
        if (s.option->count() > 0) {
            cl.scalars[s.key] = s.value;
        }
    }
    if (config_option->count() > 0) {
        cl.config_file = config_file;
    }
    if (demo_option->count() > 0) {
        cl.demo = demo;
    }
    return cl;
}

} // namespace nectar::proxy
