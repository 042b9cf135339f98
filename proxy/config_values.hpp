#pragma once
// Parsers and checks for single configuration values, shared by the command line and the TOML file
// (and usable by whatever registers services at run time). Failures throw ConfigError("<where>: ...").

#include "proxy/config.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::proxy {

constexpr int kMaxThreads = 256;
constexpr int64_t kMinMessageBytes = 4096;
constexpr int64_t kMaxMessageBytes = 0x7fffffff; ///< the protocol's length field is an int32
constexpr int64_t kMaxJwtLeewaySeconds = 86400;
constexpr int64_t kMaxRateLimit = 1000000;
constexpr int64_t kMaxRestLimit = 100000; ///< rows in one REST page

[[noreturn]] void throw_config_error(const std::string& where, const std::string& problem);
std::string ascii_lower(std::string_view s);
std::string in_quotes(std::string_view s);

/// A strict decimal integer (no sign, spaces or suffix) within [min, max].
bool parse_integer(std::string_view text, int64_t min, int64_t max, int64_t& out);

/// Service names are SQL catalogs: [a-z_][a-z0-9_]* after folding to lower case, not reserved.
std::string service_name(std::string_view raw, const std::string& where);

bool is_role_name(std::string_view role);
/// ROLE,ROLE,...
std::vector<std::string> parse_roles(std::string_view text, const std::string& where);
void validate_user(const UserConfig& user, const std::string& where);
/// NAME:PASSWORD[:ROLE,...]; inside PASSWORD, "\:" is a ':' and "\\" a '\'.
UserConfig parse_user(std::string_view text, const std::string& where);
/// KEY[:ROLE,...]; the key is a secret, so errors never quote it.
ApiKeyConfig parse_api_key(std::string_view text, const std::string& where);

/// HOST:PORT or [IPV6]:PORT, port 1..65535.
Endpoint parse_endpoint(std::string_view text, const std::string& where);
/// The inverse of parse_endpoint, for messages.
std::string endpoint_text(const Endpoint& endpoint);

/// True for SPEC §4's pool setting names spelt exactly (minConnections, ..., poolMode).
bool is_pool_setting(std::string_view name);
/// Every pool setting's name, comma-separated, for messages.
std::string pool_setting_names();
/// Sets one pool setting from text; false when `name` is none (case-insensitive, as URL parameters).
bool set_pool_value(PoolConfig& pool, std::string_view name, std::string_view value,
                    const std::string& where);
/// maxConnections >= 1 and minConnections <= maxConnections.
void validate_pool(const PoolConfig& pool, const std::string& where);

/// The JWT settings as a whole: the algorithm has its key (a secret for HS256, a readable PEM public
/// key of the right type for RS256/ES256, whose text lands in jwt_public_key_pem), and no JWT
/// setting is given without a key. `origin` names where a key was set, for messages.
void check_jwt_settings(Config& config, const std::function<std::string(const std::string&)>& origin);

/// Refuses URL schemes whose connector does not exist yet.
void require_connector(const ServiceUrl& url, const std::string& where);

} // namespace nectar::proxy
