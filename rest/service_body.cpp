#include "rest/service_body.hpp"

#include <algorithm>
#include <array>
#include <simdjson.h>

namespace nectar::rest {

using simdjson::dom::element;

namespace {

constexpr std::array<std::string_view, 7> kDatabaseTypes = {"postgresql", "mysql", "mariadb", "mongodb",
                                                            "sqlserver",  "odbc",  "sqlite"};

/// The element's object by value: iterating `get_object().value_unsafe()` directly would walk a
/// temporary that the range-for has already destroyed.
simdjson::dom::object object_of(element value) {
    simdjson::dom::object object;
    if (value.get(object) != simdjson::SUCCESS) {
        return {}; // callers check is_object() first
    }
    return object;
}

Error body_error(std::string message) {
    return Error::make("22023", std::move(message));
}

std::string type_list() {
    std::string out;
    for (std::string_view t : kDatabaseTypes) {
        out += (out.empty() ? "" : ", ") + std::string(t);
    }
    return out;
}

/// A scalar JSON value as URL/pool text; nullopt for objects, arrays and null.
std::optional<std::string> scalar_text(element value) {
    switch (value.type()) {
    case simdjson::dom::element_type::STRING:
        return std::string(std::string_view(value.get_string().value_unsafe()));
    case simdjson::dom::element_type::INT64:
        return std::to_string(int64_t(value.get_int64().value_unsafe()));
    case simdjson::dom::element_type::UINT64:
        return std::to_string(uint64_t(value.get_uint64().value_unsafe()));
    case simdjson::dom::element_type::BOOL:
        return value.get_bool().value_unsafe() ? "true" : "false";
    default:
        return std::nullopt;
    }
}

Result<std::string> string_member(element value, std::string_view member) {
    if (!value.is_string()) {
        return body_error("\"" + std::string(member) + "\" must be a string");
    }
    std::string text(std::string_view(value.get_string().value_unsafe()));
    if (text.empty()) {
        return body_error("\"" + std::string(member) + "\" must not be empty");
    }
    return text;
}

/// pool and options: an object of scalars, kept minified.
Result<std::string> scalar_object_member(element value, std::string_view member) {
    if (!value.is_object()) {
        return body_error("\"" + std::string(member) + "\" must be an object");
    }
    for (auto [key, v] : object_of(value)) {
        if (!scalar_text(v)) {
            return body_error("\"" + std::string(member) + "." + std::string(key) +
                              "\" must be a string, a number or a boolean");
        }
    }
    return simdjson::minify(value);
}

/// ssl: true/false, or {"mode": "...", "rootCert": "..."}.
Result<std::string> ssl_member(element value) {
    if (value.is_bool()) {
        return simdjson::minify(value);
    }
    if (!value.is_object()) {
        return body_error("\"ssl\" must be true, false or an object {\"mode\", \"rootCert\"}");
    }
    for (auto [key, v] : object_of(value)) {
        if (key != "mode" && key != "rootCert") {
            return body_error("\"ssl." + std::string(key) + "\" is not an ssl setting (mode, rootCert)");
        }
        if (!v.is_string()) {
            return body_error("\"ssl." + std::string(key) + "\" must be a string");
        }
    }
    return simdjson::minify(value);
}

/// Reads the members present into `service`; `seen_name` gets the name member when there is one.
Result<void> read_members(element root, StoredService& service, std::optional<std::string>& seen_name) {
    if (!root.is_object()) {
        return body_error(
            "the body must be a JSON object {name, databaseType, connectionString, pool?, ssl?, "
            "options?}");
    }
    for (auto [key, value] : object_of(root)) {
        Result<std::string> text = std::string();
        if (key == "name") {
            text = string_member(value, key);
            if (text) {
                seen_name = *text;
            }
        } else if (key == "databaseType") {
            text = string_member(value, key);
            if (text && !is_database_type(*text)) {
                return body_error("databaseType \"" + *text + "\" is not one of " + type_list());
            }
            if (text) {
                service.database_type = *text;
            }
        } else if (key == "connectionString") {
            text = string_member(value, key);
            if (text) {
                service.connection_string = *text;
            }
        } else if (key == "pool" || key == "options") {
            text = scalar_object_member(value, key);
            if (text) {
                (key == "pool" ? service.pool_json : service.options_json) = *text;
            }
        } else if (key == "ssl") {
            text = ssl_member(value);
            if (text) {
                service.ssl_json = *text;
            }
        } else {
            return body_error("unknown member \"" + std::string(key) +
                              "\" (expected name, databaseType, connectionString, pool, ssl, options)");
        }
        if (!text) {
            return text.error();
        }
    }
    return {};
}

Result<element> parse_json(simdjson::dom::parser& parser, std::string_view body) {
    element root;
    if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
        return body_error("the body is not valid JSON");
    }
    return root;
}

} // namespace

bool is_database_type(std::string_view type) {
    return std::find(kDatabaseTypes.begin(), kDatabaseTypes.end(), type) != kDatabaseTypes.end();
}

bool scheme_fits_type(std::string_view scheme, std::string_view type) {
    if (type == "mysql" || type == "mariadb") {
        return scheme == "mysql" || scheme == "mariadb";
    }
    if (type == "mongodb") {
        return scheme == "mongodb" || scheme == "mongodb+srv";
    }
    if (type == "sqlserver") {
        return scheme == "mssql";
    }
    return scheme == type; // postgresql, odbc, sqlite
}

Result<StoredService> parse_service_body(std::string_view body) {
    simdjson::dom::parser parser;
    auto root = parse_json(parser, body);
    if (!root) {
        return root.error();
    }
    StoredService service;
    std::optional<std::string> name;
    auto read = read_members(*root, service, name);
    if (!read) {
        return read.error();
    }
    for (auto [member, present] :
         {std::pair{"name", name.has_value()}, std::pair{"databaseType", !service.database_type.empty()},
          std::pair{"connectionString", !service.connection_string.empty()}}) {
        if (!present) {
            return body_error(std::string("missing required member \"") + member + "\"");
        }
    }
    service.name = *name;
    return service;
}

Result<StoredService> merge_service_patch(std::string_view body, StoredService current) {
    simdjson::dom::parser parser;
    auto root = parse_json(parser, body);
    if (!root) {
        return root.error();
    }
    std::optional<std::string> name;
    auto read = read_members(*root, current, name);
    if (!read) {
        return read.error();
    }
    if (name && *name != current.name) {
        return body_error("a service cannot be renamed (\"name\" is \"" + *name + "\", the service is \"" +
                          current.name + "\"): register it under the new name and delete this one");
    }
    return current;
}

Result<ServiceSettings> service_settings(const StoredService& service) {
    simdjson::dom::parser parser;
    ServiceSettings settings;
    for (const std::string* json : {&service.pool_json, &service.options_json}) {
        element root;
        if (parser.parse(*json).get(root) != simdjson::SUCCESS || !root.is_object()) {
            return body_error("stored settings of service \"" + service.name + "\" are not a JSON object");
        }
        auto& out = json == &service.pool_json ? settings.pool : settings.url_params;
        for (auto [key, value] : object_of(root)) {
            out.emplace_back(std::string(key), scalar_text(value).value_or(""));
        }
    }
    element ssl;
    if (parser.parse(service.ssl_json).get(ssl) != simdjson::SUCCESS) {
        return body_error("stored ssl settings of service \"" + service.name + "\" are not JSON");
    }
    bool any_ssl = ssl.is_bool() || (ssl.is_object() && object_of(ssl).size() > 0);
    if (any_ssl && service.database_type != "postgresql") {
        return body_error(
            "\"ssl\" is supported for postgresql services only (put the driver's TLS options in "
            "the connection string)");
    }
    if (ssl.is_bool()) {
        settings.url_params.emplace_back("sslmode", ssl.get_bool().value_unsafe() ? "require" : "disable");
    } else if (ssl.is_object()) {
        for (auto [key, value] : object_of(ssl)) {
            settings.url_params.emplace_back(
                key == "mode" ? "sslmode" : "sslrootcert",
                std::string(std::string_view(value.get_string().value_unsafe())));
        }
    }
    return settings;
}

} // namespace nectar::rest
