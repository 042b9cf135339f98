#include "proxy/config_values.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>

namespace nectar::proxy {

void throw_config_error(const std::string& where, const std::string& problem) {
    throw ConfigError(where + ": " + problem);
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string in_quotes(std::string_view s) {
    std::string quoted;
    quoted.reserve(s.size() + 2);
    quoted.append("'").append(s).append("'"); // (not `"'" + ...`: g++ 12 warns falsely there)
    return quoted;
}

bool parse_integer(std::string_view text, int64_t min, int64_t max, int64_t& out) {
    if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) {
        return false;
    }
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && out >= min && out <= max;
}

bool is_role_name(std::string_view role) {
    return !role.empty() && std::all_of(role.begin(), role.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-';
    });
}

std::string service_name(std::string_view raw, const std::string& where) {
    std::string name = ascii_lower(raw);
    bool ok = !name.empty() && name.size() <= 63 &&
              (std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_');
    ok = ok && std::all_of(name.begin(), name.end(),
                           [](unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '_'; });
    if (!ok) {
        throw_config_error(where, "service name " + in_quotes(raw) +
                                      " is not an identifier ([a-z_][a-z0-9_]*, at most 63 characters)");
    }
    if (name == "nectar" || name == "pg_catalog" || name == "information_schema") {
        throw_config_error(where, "service name " + in_quotes(name) + " is reserved");
    }
    return name;
}

std::vector<std::string> parse_roles(std::string_view text, const std::string& where) {
    std::vector<std::string> roles;
    size_t pos = 0;
    while (true) {
        size_t comma = text.find(',', pos);
        std::string_view role = text.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
        if (!is_role_name(role)) {
            throw_config_error(where, "role " + in_quotes(role) +
                                          " is not a role name (letters, digits, '_' and '-')");
        }
        roles.emplace_back(role);
        if (comma == std::string_view::npos) {
            return roles;
        }
        pos = comma + 1;
    }
}

void validate_user(const UserConfig& user, const std::string& where) {
    if (user.name.empty() || std::any_of(user.name.begin(), user.name.end(),
                                         [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
        throw_config_error(where,
                           "user name " + in_quotes(user.name) + " is empty or holds control characters");
    }
    if (user.password.empty()) {
        throw_config_error(where, "user " + in_quotes(user.name) + " has an empty password");
    }
}

UserConfig parse_user(std::string_view text, const std::string& where) {
    UserConfig user;
    size_t colon = text.find(':');
    user.name = std::string(text.substr(0, colon));
    if (colon == std::string_view::npos) {
        throw_config_error(where, "user " + in_quotes(user.name) + ": expected NAME:PASSWORD[:ROLE,...]");
    }
    size_t i = colon + 1;
    for (; i < text.size() && text[i] != ':'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == ':' || text[i + 1] == '\\')) {
            ++i;
        }
        user.password += text[i];
    }
    validate_user(user, where);
    if (i < text.size()) {
        user.roles = parse_roles(text.substr(i + 1), where + " (user " + in_quotes(user.name) + ")");
    }
    return user;
}

ApiKeyConfig parse_api_key(std::string_view text, const std::string& where) {
    ApiKeyConfig key;
    size_t colon = text.find(':');
    key.key = std::string(text.substr(0, colon));
    if (key.key.empty()) {
        throw_config_error(where, "the API key is empty (expected KEY[:ROLE,...])");
    }
    if (colon != std::string_view::npos) {
        key.roles = parse_roles(text.substr(colon + 1), where);
    }
    return key;
}

namespace {

bool is_host_name(std::string_view host) {
    return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '-' || c == '_';
    });
}

} // namespace

Endpoint parse_endpoint(std::string_view text, const std::string& where) {
    const std::string usage =
        in_quotes(text) + " is not HOST:PORT (IPv6 as [::1]:PORT) with a port in 1..65535";
    Endpoint endpoint;
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        throw_config_error(where, usage);
    }
    std::string_view host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        endpoint.host = std::string(host.substr(1, host.size() - 2));
        in6_addr address;
        if (inet_pton(AF_INET6, endpoint.host.c_str(), &address) != 1) {
            throw_config_error(where, usage);
        }
    } else if (is_host_name(host)) {
        endpoint.host = std::string(host);
    } else {
        throw_config_error(where, usage);
    }
    int64_t port = 0;
    if (!parse_integer(text.substr(colon + 1), 1, 65535, port)) {
        throw_config_error(where, usage);
    }
    endpoint.port = static_cast<int>(port);
    return endpoint;
}

std::string endpoint_text(const Endpoint& e) {
    return (e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host) + ":" +
           std::to_string(e.port);
}

namespace {

struct PoolField {
    std::string_view name;
    int PoolConfig::*member;
};

constexpr PoolField kPoolFields[] = {
    {"minConnections", &PoolConfig::min_connections},
    {"maxConnections", &PoolConfig::max_connections},
    {"acquireTimeoutMillis", &PoolConfig::acquire_timeout_ms},
    {"createTimeoutMillis", &PoolConfig::create_timeout_ms},
    {"idleTimeoutMillis", &PoolConfig::idle_timeout_ms},
    {"reapIntervalMillis", &PoolConfig::reap_interval_ms},
    {"createRetryIntervalMillis", &PoolConfig::create_retry_interval_ms},
};

} // namespace

bool is_pool_setting(std::string_view name) {
    return name == "poolMode" || name == "autoPrepare" ||
           std::any_of(std::begin(kPoolFields), std::end(kPoolFields),
                       [&](const PoolField& f) { return f.name == name; });
}

std::string pool_setting_names() {
    std::string names;
    for (const auto& field : kPoolFields) {
        names.append(field.name).append(", ");
    }
    return names + "poolMode, autoPrepare";
}

bool set_pool_value(PoolConfig& pool, std::string_view name, std::string_view value,
                    const std::string& where) {
    std::string key = ascii_lower(name);
    if (key == "poolmode") {
        std::string mode = ascii_lower(value);
        if (mode != "transaction" && mode != "session") {
            throw_config_error(where,
                               "poolMode " + in_quotes(value) + " is neither 'transaction' nor 'session'");
        }
        pool.transaction_pooling = mode == "transaction";
        return true;
    }
    if (key == "autoprepare") {
        std::string flag = ascii_lower(value);
        if (flag != "true" && flag != "false") {
            throw_config_error(where, "autoPrepare " + in_quotes(value) + " is neither true nor false");
        }
        pool.auto_prepare = flag == "true";
        return true;
    }
    for (const auto& field : kPoolFields) {
        if (ascii_lower(field.name) == key) {
            int64_t n = 0;
            if (!parse_integer(value, 0, INT32_MAX, n)) {
                throw_config_error(where, std::string(field.name) + " " + in_quotes(value) +
                                              " is not a non-negative integer");
            }
            pool.*field.member = static_cast<int>(n);
            return true;
        }
    }
    return false;
}

void validate_pool(const PoolConfig& pool, const std::string& where) {
    if (pool.max_connections < 1) {
        throw_config_error(where, "maxConnections must be at least 1");
    }
    if (pool.min_connections > pool.max_connections) {
        throw_config_error(where, "minConnections (" + std::to_string(pool.min_connections) +
                                      ") exceeds maxConnections (" + std::to_string(pool.max_connections) +
                                      ")");
    }
}

// The connectors that exist so far: each connector's issue adds its scheme here, the one place that
// refuses schemes parse_service_url accepts.
void require_connector(const ServiceUrl& url, const std::string& where) {
    if (url.scheme != "postgresql" && url.scheme != "mysql" && url.scheme != "mariadb" && url.scheme != "sqlite") {
        throw_config_error(where, "connector for " + url.scheme + " is not available yet");
    }
}

bool Endpoint::is_loopback() const {
    std::string h = ascii_lower(host);
    if (h == "localhost") {
        return true;
    }
    in_addr v4;
    if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24) == 127;
    }
    in6_addr v6;
    if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
        return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
    }
    return false;
}

} // namespace nectar::proxy
