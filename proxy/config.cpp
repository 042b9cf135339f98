#include "proxy/config.hpp"

#include "proxy/config_command_line.hpp"
#include "proxy/config_values.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <thread>
#include <toml++/toml.h>
#include <unistd.h>

namespace nectar::proxy {

namespace {

/// Builds a Config from the file, then the command line, remembering where each value came from.
class Loader {
  public:
    void read_file(const std::string& path);
    void apply(const CommandLine& cl);
    Config finish();

  private:
    void set(const std::string& key, const std::string& value, const std::string& where);
    void read_pool(PoolConfig& pool, const toml::table& table, const std::string& prefix);
    void read_services(const toml::table& table);
    void read_users(const toml::array& array);
    void read_api_keys(const toml::array& array);
    void add_service(const std::string& name, const std::string& url, PoolConfig pool,
                     const std::string& where, bool from_file);
    void add_user(UserConfig user, const std::string& where, bool from_file);
    void add_api_key(ApiKeyConfig key, const std::string& where, bool from_file);
    std::string at(const toml::node& node, const std::string& key) const;
    std::string text(const toml::node& node, const std::string& key) const;
    std::vector<std::string> roles(const toml::array& array, const std::string& key) const;
    const std::string& origin(const std::string& key);

    Config config_;
    std::string file_;
    std::map<std::string, std::string> origin_;    ///< key -> "--flag" or "file:line: key"
    std::map<std::string, PoolConfig> file_pools_; ///< service -> [pool] + [services.NAME.pool]
    std::set<std::string> flag_names_;             ///< service/user names and keys given as flags
};

std::string Loader::at(const toml::node& node, const std::string& key) const {
    return file_ + ":" + std::to_string(node.source().begin.line) + ": " + key;
}

std::string Loader::text(const toml::node& node, const std::string& key) const {
    if (!node.is_string()) {
        throw_config_error(at(node, key), "must be a string");
    }
    return node.as_string()->get();
}

std::vector<std::string> Loader::roles(const toml::array& array, const std::string& key) const {
    std::vector<std::string> out;
    for (const auto& node : array) {
        out.push_back(text(node, key));
        if (!is_role_name(out.back())) {
            throw_config_error(at(node, key), "role " + in_quotes(out.back()) +
                                                  " is not a role name (letters, digits, '_' and '-')");
        }
    }
    return out;
}

const std::string& Loader::origin(const std::string& key) {
    auto it = origin_.find(key);
    if (it == origin_.end()) {
        it = origin_.emplace(key, key + " (default)").first;
    }
    return it->second;
}

void Loader::set(const std::string& key, const std::string& value, const std::string& where) {
    Config& c = config_;
    origin_[key] = where;
    int64_t n = 0;
    if (key == "pg-listen") {
        c.pg_listen = parse_endpoint(value, where);
    } else if (key == "http-listen") {
        c.http_listen = parse_endpoint(value, where);
    } else if (key == "threads") {
        if (!parse_integer(value, 0, kMaxThreads, n)) {
            throw_config_error(where,
                               in_quotes(value) + " is not a thread count in 1..256 (0: one per core)");
        }
        c.threads = static_cast<int>(n);
    } else if (key == "max-message-bytes") {
        if (!parse_integer(value, kMinMessageBytes, kMaxMessageBytes, n)) {
            throw_config_error(where, in_quotes(value) + " is not a byte count in 4096..2147483647");
        }
        c.max_message_bytes = static_cast<uint32_t>(n);
    } else if (key == "log-level") {
        std::string level = ascii_lower(value) == "warning" ? "warn" : ascii_lower(value);
        if (level != "debug" && level != "info" && level != "warn" && level != "error") {
            throw_config_error(where, in_quotes(value) + " is not one of debug, info, warn, error");
        }
        c.log_level = level;
    } else if (key == "pg-auth") {
        if (value != "scram-sha-256" && value != "password") {
            throw_config_error(where, in_quotes(value) + " is not one of scram-sha-256, password");
        }
        c.pg_auth_method = value;
    } else if (key == "default-service") {
        c.default_service = service_name(value, where);
    } else if (key == "jwt-leeway-seconds") {
        if (!parse_integer(value, 0, kMaxJwtLeewaySeconds, n)) {
            throw_config_error(where, in_quotes(value) + " is not a number of seconds in 0..86400");
        }
        c.jwt_leeway_seconds = n;
    } else if (key == "rate-limit-per-second" || key == "rate-limit-burst") {
        if (!parse_integer(value, 0, kMaxRateLimit, n)) {
            throw_config_error(where, in_quotes(value) + " is not a request count in 0..1000000 (0: off)");
        }
        (key == "rate-limit-burst" ? c.rate_limit_burst : c.rate_limit_per_second) = n;
    } else if (key == "rest-default-limit" || key == "rest-max-limit") {
        if (!parse_integer(value, 1, kMaxRestLimit, n)) {
            throw_config_error(where, in_quotes(value) + " is not a row count in 1..100000");
        }
        (key == "rest-max-limit" ? c.rest_max_limit : c.rest_default_limit) = n;
    } else if (key == "rest-numeric") {
        if (value != "number" && value != "string") {
            throw_config_error(where, in_quotes(value) + " is not one of number, string");
        }
        c.rest_numeric_as_string = value == "string";
    } else if (value.empty()) {
        throw_config_error(where, "must not be empty");
    } else if (key == "data-dir") {
        c.data_dir = value;
    } else if (key == "jwt-secret") {
        c.jwt_secret = value;
    } else if (key == "jwt-algorithm") {
        if (value != "HS256" && value != "RS256" && value != "ES256") {
            throw_config_error(where, in_quotes(value) + " is not one of HS256, RS256, ES256");
        }
        c.jwt_algorithm = value;
    } else if (key == "jwt-public-key") {
        c.jwt_public_key = value;
    } else if (key == "jwt-audience") {
        c.jwt_audience = value;
    } else if (key == "jwt-issuer") {
        c.jwt_issuer = value;
    } else if (key == "jwt-roles-claim") {
        c.jwt_roles_claim = value;
    } else if (key == "secret-key") {
        c.secret_key = value;
    } else if (key == "tls-cert") {
        c.tls_cert = value;
    } else if (key == "tls-key") {
        c.tls_key = value;
    } else {
        throw_config_error(where, "unknown key");
    }
}

void Loader::read_pool(PoolConfig& pool, const toml::table& table, const std::string& prefix) {
    for (const auto& [k, node] : table) {
        std::string key(k.str());
        std::string where = at(node, prefix + key);
        if (!is_pool_setting(key)) {
            throw_config_error(where, "unknown pool setting (expected " + pool_setting_names() + ")");
        }
        if (key == "poolMode") {
            set_pool_value(pool, key, text(node, prefix + key), where);
        } else if (key == "autoPrepare") {
            if (!node.is_boolean()) {
                throw_config_error(where, "must be true or false");
            }
            set_pool_value(pool, key, node.as_boolean()->get() ? "true" : "false", where);
        } else if (node.is_integer()) {
            set_pool_value(pool, key, std::to_string(node.as_integer()->get()), where);
        } else {
            throw_config_error(where, "must be an integer");
        }
    }
    validate_pool(pool, file_ + ": [" + prefix.substr(0, prefix.size() - 1) + "]");
}

void Loader::read_services(const toml::table& table) {
    // toml++ iterates keys in sorted order; the first registered service is the one written first.
    std::vector<std::pair<std::string, const toml::node*>> entries;
    for (const auto& [k, node] : table) {
        entries.emplace_back(std::string(k.str()), &node);
    }
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.second->source().begin.line < b.second->source().begin.line;
    });
    for (const auto& [raw_name, node] : entries) {
        std::string where = at(*node, "services." + raw_name);
        std::string name = service_name(raw_name, where);
        if (!node->is_table()) {
            throw_config_error(where,
                               "must be a table: [services." + raw_name + "] url = \"postgresql://...\"");
        }
        PoolConfig pool = config_.pool_defaults;
        const toml::node* url = nullptr;
        for (const auto& [k, value] : *node->as_table()) {
            std::string key(k.str());
            if (key == "url") {
                url = &value;
            } else if (key == "pool" && value.is_table()) {
                read_pool(pool, *value.as_table(), "services." + raw_name + ".pool.");
            } else {
                throw_config_error(at(value, "services." + raw_name + "." + key),
                                   "unknown key (expected url and [pool])");
            }
        }
        if (url == nullptr) {
            throw_config_error(where, "missing url");
        }
        file_pools_[name] = pool;
        add_service(name, text(*url, "services." + raw_name + ".url"), pool, at(*url, "services." + raw_name),
                    true);
    }
}

void Loader::read_users(const toml::array& array) {
    for (const auto& node : array) {
        std::string where = at(node, "users");
        if (!node.is_table()) {
            throw_config_error(
                where, "must be an array of tables: [[users]] name = ..., password = ..., roles = [...]");
        }
        UserConfig user;
        bool has_password = false;
        for (const auto& [k, value] : *node.as_table()) {
            std::string key(k.str());
            if (key == "name") {
                user.name = text(value, "users.name");
            } else if (key == "password") {
                user.password = text(value, "users.password");
                has_password = true;
            } else if (key == "roles" && value.is_array()) {
                user.roles = roles(*value.as_array(), "users.roles");
            } else {
                throw_config_error(at(value, "users." + key),
                                   "unknown key or wrong type (expected name, password, roles)");
            }
        }
        if (!has_password) {
            throw_config_error(where, "user " + in_quotes(user.name) + " has no password");
        }
        validate_user(user, where);
        add_user(std::move(user), where, true);
    }
}

void Loader::read_api_keys(const toml::array& array) {
    int index = 0;
    for (const auto& node : array) {
        std::string where = at(node, "api-keys[" + std::to_string(++index) + "]");
        if (!node.is_table()) {
            throw_config_error(where, "must be an array of tables: [[api-keys]] key = ..., roles = [...]");
        }
        ApiKeyConfig key;
        for (const auto& [k, value] : *node.as_table()) {
            std::string name(k.str());
            if (name == "key") {
                key.key = text(value, "api-keys.key");
            } else if (name == "roles" && value.is_array()) {
                key.roles = roles(*value.as_array(), "api-keys.roles");
            } else {
                throw_config_error(at(value, "api-keys." + name),
                                   "unknown key or wrong type (expected key, roles)");
            }
        }
        if (key.key.empty()) {
            throw_config_error(where, "missing or empty key");
        }
        add_api_key(std::move(key), where, true);
    }
}

void Loader::read_file(const std::string& path) {
    file_ = path;
    config_.config_file = path;
    if (::access(path.c_str(), R_OK) != 0) {
        throw_config_error("--config", "cannot read " + in_quotes(path) + ": " + std::strerror(errno));
    }
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        throw_config_error(path + ":" + std::to_string(e.source().begin.line), std::string(e.description()));
    }
    // [pool] first: it is the base of every service's pool.
    if (const toml::node* pool = root.get("pool")) {
        if (!pool->is_table()) {
            throw_config_error(at(*pool, "pool"), "must be a table");
        }
        read_pool(config_.pool_defaults, *pool->as_table(), "pool.");
    }
    for (const auto& [k, node] : root) {
        std::string key(k.str());
        if (key == "pool") {
            continue;
        } else if (key == "services" && node.is_table()) {
            read_services(*node.as_table());
        } else if (key == "users" && node.is_array()) {
            read_users(*node.as_array());
        } else if (key == "api-keys" && node.is_array()) {
            read_api_keys(*node.as_array());
        } else if (key == "services" || key == "users" || key == "api-keys") {
            throw_config_error(at(node, key),
                               key == "services" ? "must be a table" : "must be an array of tables");
        } else if (key == "demo") {
            if (!node.is_boolean()) {
                throw_config_error(at(node, key), "must be true or false");
            }
            config_.demo = node.as_boolean()->get();
            origin_[key] = at(node, key);
        } else if (key == "threads" || key == "max-message-bytes" || key == "jwt-leeway-seconds" ||
                   key == "rate-limit-per-second" || key == "rate-limit-burst" || key == "rest-default-limit" ||
                   key == "rest-max-limit") {
            if (!node.is_integer()) {
                throw_config_error(at(node, key), "must be an integer");
            }
            set(key, std::to_string(node.as_integer()->get()), at(node, key));
        } else if (key == "pg-listen" || key == "http-listen" || key == "data-dir" ||
                   key == "default-service" || key == "log-level" || key == "tls-cert" || key == "tls-key" ||
                   key == "jwt-secret" || key == "pg-auth" || key == "jwt-algorithm" || key == "jwt-public-key" ||
                   key == "jwt-audience" || key == "jwt-issuer" || key == "jwt-roles-claim" ||
                   key == "rest-numeric") {
            set(key, text(node, key), at(node, key));
        } else if (key == "secret-key" || key == "secret_key") {
            // The catalog store's encryption key (rest/secret_box.hpp); file only, never a flag,
            // so it does not show in `ps`.
            set("secret-key", text(node, key), at(node, key));
        } else {
            throw_config_error(at(node, key), "unknown key");
        }
    }
}

void Loader::add_service(const std::string& name, const std::string& url_text, PoolConfig pool,
                         const std::string& where, bool from_file) {
    if (!from_file && flag_names_.count("service " + name) > 0) {
        throw_config_error(where, "service " + in_quotes(name) + " is given twice");
    }
    auto parsed = parse_service_url(url_text);
    if (!parsed) {
        throw_config_error(where, parsed.error().message +
                                      (parsed.error().hint.empty() ? "" : " (" + parsed.error().hint + ")"));
    }
    ServiceUrl url = std::move(parsed.value());
    require_connector(url, where);
    for (auto it = url.params.begin(); it != url.params.end();) {
        if (set_pool_value(pool, it->first, it->second, where)) {
            it = url.params.erase(it);
        } else {
            ++it;
        }
    }
    validate_pool(pool, where);
    origin_["services." + name] = where;
    ServiceConfig service{name, std::move(url), pool};
    auto existing = std::find_if(config_.services.begin(), config_.services.end(),
                                 [&](const ServiceConfig& s) { return s.name == name; });
    if (from_file && existing != config_.services.end()) {
        throw_config_error(where, "service " + in_quotes(name) + " is defined twice (names ignore case)");
    } else if (existing != config_.services.end()) {
        *existing = std::move(service);
    } else {
        config_.services.push_back(std::move(service));
    }
    if (!from_file) {
        flag_names_.insert("service " + name);
    }
}

void Loader::add_user(UserConfig user, const std::string& where, bool from_file) {
    auto existing = std::find_if(config_.users.begin(), config_.users.end(),
                                 [&](const UserConfig& u) { return u.name == user.name; });
    bool duplicate = from_file ? existing != config_.users.end() : flag_names_.count("user " + user.name) > 0;
    if (duplicate) {
        throw_config_error(where, "user " + in_quotes(user.name) + " is given twice");
    }
    if (!from_file) {
        flag_names_.insert("user " + user.name);
    }
    if (existing != config_.users.end()) {
        *existing = std::move(user);
    } else {
        config_.users.push_back(std::move(user));
    }
}

void Loader::add_api_key(ApiKeyConfig key, const std::string& where, bool from_file) {
    auto existing = std::find_if(config_.api_keys.begin(), config_.api_keys.end(),
                                 [&](const ApiKeyConfig& k) { return k.key == key.key; });
    bool duplicate = from_file ? existing != config_.api_keys.end() : flag_names_.count("key " + key.key) > 0;
    if (duplicate) {
        throw_config_error(where, "the same API key is given twice");
    }
    if (!from_file) {
        flag_names_.insert("key " + key.key);
    }
    if (existing != config_.api_keys.end()) {
        *existing = std::move(key);
    } else {
        config_.api_keys.push_back(std::move(key));
    }
}

void Loader::apply(const CommandLine& cl) {
    for (const auto& [key, value] : cl.scalars) {
        set(key, value, "--" + key);
    }
    if (cl.demo) {
        config_.demo = *cl.demo;
        origin_["demo"] = "--demo";
    }
    for (const auto& spec : cl.services) {
        size_t eq = spec.find('=');
        if (eq == std::string::npos) {
            throw_config_error("--service", in_quotes(spec.substr(0, spec.find(':'))) + " is not NAME=URL");
        }
        std::string where = "--service " + spec.substr(0, eq);
        std::string name = service_name(spec.substr(0, eq), where);
        auto base = file_pools_.find(name);
        add_service(name, spec.substr(eq + 1),
                    base != file_pools_.end() ? base->second : config_.pool_defaults, where, false);
    }
    for (const auto& spec : cl.users) {
        UserConfig user = parse_user(spec, "--user");
        add_user(std::move(user), "--user", false);
    }
    for (size_t i = 0; i < cl.api_keys.size(); ++i) {
        std::string where = "--api-key #" + std::to_string(i + 1);
        add_api_key(parse_api_key(cl.api_keys[i], where), where, false);
    }
}

Config Loader::finish() {
    Config& c = config_;
    if (c.threads == 0) {
        c.threads = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, kMaxThreads);
    }
    if (c.tls_cert.empty() != c.tls_key.empty()) {
        throw_config_error(origin(c.tls_cert.empty() ? "tls-key" : "tls-cert"),
                           "--tls-cert and --tls-key go together: give both or neither");
    }
    for (const auto& [key, path] : {std::pair{"tls-cert", c.tls_cert}, std::pair{"tls-key", c.tls_key}}) {
        if (path.empty()) {
            continue;
        }
        if (::access(path.c_str(), R_OK) != 0) {
            throw_config_error(origin(key), "cannot read " + in_quotes(path) + ": " + std::strerror(errno));
        }
        if (!std::filesystem::is_regular_file(path)) {
            throw_config_error(origin(key), in_quotes(path) + " is not a file");
        }
    }
    check_jwt_settings(c, [this](const std::string& key) { return origin(key); });
    if (c.rest_default_limit > c.rest_max_limit) {
        throw_config_error(origin("rest-default-limit"), std::to_string(c.rest_default_limit) +
                                                             " is over rest-max-limit (" +
                                                             std::to_string(c.rest_max_limit) + ")");
    }
    if (c.rate_limit_burst > 0 && c.rate_limit_per_second == 0) {
        throw_config_error(origin("rate-limit-burst"), "needs rate-limit-per-second (the refill rate) too");
    }
    // With --demo or no service at all, the server adds the sample SQLite service "demo" itself.
    bool demo_service = c.demo || c.services.empty();
    if (c.demo && c.find_service("demo") != nullptr) {
        throw_config_error(origin("services.demo"),
                           "the name 'demo' is taken by the sample service of --demo");
    }
    if (!c.default_service.empty() && c.find_service(c.default_service) == nullptr &&
        !(demo_service && c.default_service == "demo")) {
        std::string known;
        for (const auto& s : c.services) {
            known += (known.empty() ? "" : ", ") + s.name;
        }
        throw_config_error(origin("default-service"), in_quotes(c.default_service) +
                                                          " is not a registered service (services: " +
                                                          (known.empty() ? "none" : known) + ")");
    }
    for (const auto& [key, endpoint] :
         {std::pair{"pg-listen", c.pg_listen}, std::pair{"http-listen", c.http_listen}}) {
        if (!endpoint.is_loopback() && !c.has_authentication()) {
            throw_config_error(origin(key),
                               "refusing to listen on " + endpoint_text(endpoint) +
                                   ", which is not a loopback address, without authentication: add "
                                   "--user NAME:PASSWORD, --api-key KEY, --jwt-secret SECRET or --jwt-public-key FILE (or listen on "
                                   "127.0.0.1)");
        }
    }
    return std::move(config_);
}

Config build(const CommandLine& cl, const std::optional<std::string>& file) {
    Loader loader;
    if (file) {
        loader.read_file(*file);
    }
    loader.apply(cl);
    return loader.finish();
}

} // namespace

const ServiceConfig* Config::find_service(const std::string& name) const {
    std::string key = ascii_lower(name);
    for (const auto& s : services) {
        if (s.name == key) {
            return &s;
        }
    }
    return nullptr;
}

Config load_config(int argc, const char* const* argv, int* exit_code) {
    auto cl = parse_command_line(argc, argv, true);
    if (!cl) {
        if (exit_code != nullptr) {
            *exit_code = 0;
        }
        return Config{};
    }
    return build(*cl, cl->config_file);
}

Config reload_config(const Config& current, int argc, const char* const* argv) {
    auto cl = parse_command_line(argc, argv, false);
    if (!cl) {
        throw ConfigError("reload: the command line asks for --help or --version");
    }
    return build(*cl, cl->config_file ? cl->config_file : current.config_file);
}

} // namespace nectar::proxy
