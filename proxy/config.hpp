#pragma once
// Nectar's configuration: SPEC §1 flags and the TOML file they override.

#include "federation/connectors/pool_config.hpp"
#include "federation/connectors/service_url.hpp"

#include <stdexcept>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace nectar::proxy {

struct Endpoint {
    std::string host = "127.0.0.1";
    int port = 0;
    bool is_loopback() const; ///< 127.0.0.0/8, ::1 or "localhost"
};

/// SPEC §4's pool settings live with the connectors that use them.
using PoolConfig = federation::PoolConfig;
using ServiceUrl = federation::ServiceUrl;
using federation::parse_service_url;

struct ServiceConfig {
    std::string name;
    ServiceUrl url; ///< pool settings given as URL parameters are removed from url.params
    PoolConfig pool;
};

struct UserConfig {
    std::string name;
    std::string password;
    std::vector<std::string> roles;
};

struct ApiKeyConfig {
    std::string key;
    std::vector<std::string> roles;
};

struct Config {
    std::optional<std::string> config_file;
    Endpoint pg_listen{"127.0.0.1", 6432};
    Endpoint http_listen{"127.0.0.1", 8080};
    std::string data_dir = "./nectar-data";
    std::vector<ServiceConfig> services;
    std::string default_service; ///< empty: the first registered
    int threads = 0;             ///< 0: number of cores (load_config resolves it to that number)
    std::vector<UserConfig> users;
    std::vector<ApiKeyConfig> api_keys;
    std::string jwt_secret;                ///< HS256's shared secret
    std::string jwt_algorithm = "HS256";   ///< the one JWS algorithm accepted: HS256, RS256 or ES256
    std::string jwt_public_key;            ///< RS256/ES256: path of the PEM public key
    std::string jwt_public_key_pem;        ///< its contents, read and checked by load_config
    std::string jwt_audience;              ///< when set, a token's aud must hold it
    std::string jwt_issuer;                ///< when set, a token's iss must equal it
    int64_t jwt_leeway_seconds = 30;       ///< clock skew allowed on exp and nbf
    std::string jwt_roles_claim = "roles"; ///< claim holding the caller's roles (dotted for nested)
    int64_t rate_limit_per_second = 0;     ///< REST requests per second per caller; 0: no limit
    int64_t rate_limit_burst = 0;          ///< requests at once per caller; 0: rate_limit_per_second
    int64_t rest_default_limit = 50;       ///< REST list rows when ?limit= is absent
    int64_t rest_max_limit = 1000;         ///< a larger ?limit= is a 400, never a silent cap
    bool rest_numeric_as_string = false;   ///< numeric columns as JSON strings ("12.50")
    /// secret-key (or secret_key): encrypts backend passwords in the catalog store; empty: the
    /// environment's NECTAR_SECRET_KEY, else <data_dir>/secret.key (rest/secret_box.hpp).
    std::string secret_key;
    std::string tls_cert;
    std::string tls_key;
    std::string log_level = "info";
    /// pg-auth: "scram-sha-256", or "password" (cleartext, offered only over TLS; SCRAM otherwise)
    std::string pg_auth_method = "scram-sha-256";
    bool demo = false;
    bool embedded_demo = false; ///< set at start when Nectar added the SQLite service `demo` itself
    PoolConfig pool_defaults; ///< [pool] in TOML: defaults for every service
    uint32_t max_message_bytes = 1u << 30; ///< max-message-bytes: longest client message accepted

    bool has_authentication() const {
        return !users.empty() || !api_keys.empty() || !jwt_secret.empty() || !jwt_public_key.empty();
    }
    const ServiceConfig* find_service(const std::string& name) const;
};

/// Thrown for bad flags, files or values; main prints what() and exits with status 2.
struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Reads flags (and the TOML file named by --config), validates everything, applies the
/// security defaults of SPEC §1. Throws ConfigError. `--help` and `--version` are reported
/// through `exit_code` set to 0 with text already printed.
Config load_config(int argc, const char* const* argv, int* exit_code);

/// Re-reads the TOML file for SIGHUP, keeping the command line's overrides.
Config reload_config(const Config& current, int argc, const char* const* argv);

} // namespace nectar::proxy
