#include "federation/connectors/service_url.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <string_view>

namespace nectar::federation {

namespace {

constexpr std::string_view kEncodeHint =
    "percent-encode '@', '/' and '?' inside the user name and password (%40, %2F, %3F)";

Error url_error(std::string message, std::string hint = {}) {
    Error e = Error::make("22023", "invalid service URL: " + std::move(message));
    e.hint = std::move(hint);
    return e;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string percent_encode(std::string_view in, std::string_view keep = {}) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : in) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
            keep.find(static_cast<char>(c)) != std::string_view::npos) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

bool is_secret_param(std::string_view key) {
    std::string k = lower(key);
    return k == "password" || k == "pwd";
}

/// Parses "1".."65535"; 0 when the text is not such a number.
int parse_port(std::string_view text) {
    int port = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty() || text[0] == '+' || port < 1 ||
        port > 65535) {
        return 0;
    }
    return port;
}

std::string canonical_scheme(std::string_view scheme) {
    std::string s = lower(scheme);
    if (s == "postgres") {
        return "postgresql";
    }
    static const std::array<std::string_view, 8> kKnown = {"postgresql",  "mysql", "mariadb", "mongodb",
                                                           "mongodb+srv", "mssql", "odbc",    "sqlite"};
    return std::find(kKnown.begin(), kKnown.end(), s) != kKnown.end() ? s : std::string();
}

bool is_hostname(std::string_view host) {
    return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '-' || c == '_';
    });
}

/// An IPv6 literal, optionally with a zone ("fe80::1%eth0").
bool is_ipv6(const std::string& host) {
    std::string address = host.substr(0, host.find('%'));
    in6_addr a;
    return inet_pton(AF_INET6, address.c_str(), &a) == 1;
}

Result<void> parse_query(std::string_view query, ServiceUrl& url) {
    size_t pos = 0;
    while (pos <= query.size()) {
        size_t amp = query.find('&', pos);
        std::string_view item = query.substr(pos, amp == std::string_view::npos ? amp : amp - pos);
        pos = amp == std::string_view::npos ? query.size() + 1 : amp + 1;
        if (item.empty()) {
            continue;
        }
        size_t eq = item.find('=');
        std::string key;
        std::string value;
        if (item.substr(0, eq).find('@') != std::string_view::npos) {
            return url_error("'@' in the query string", std::string(kEncodeHint));
        }
        if (!percent_decode(item.substr(0, eq), key) || key.empty()) {
            return url_error("malformed parameter name in the query string");
        }
        if (eq == std::string_view::npos) {
            return url_error("parameter '" + key + "' has no value (expected " + key + "=value)");
        }
        if (!percent_decode(item.substr(eq + 1), value)) {
            return url_error("malformed percent-escape in the value of parameter '" + key + "'");
        }
        url.params.emplace_back(std::move(key), std::move(value));
    }
    return {};
}

/// `quiet`: the text may hold a badly encoded password, so errors do not quote it.
Result<void> parse_host_port(std::string_view hostport, ServiceUrl& url, bool quiet) {
    std::string_view port_text;
    bool has_port = false;
    if (!hostport.empty() && hostport[0] == '[') {
        size_t close = hostport.find(']');
        if (close == std::string_view::npos) {
            return url_error("missing ']' after the IPv6 address");
        }
        if (!percent_decode(hostport.substr(1, close - 1), url.host) || !is_ipv6(url.host)) {
            return url_error("'" + std::string(hostport.substr(0, close + 1)) + "' is not an IPv6 address");
        }
        std::string_view rest = hostport.substr(close + 1);
        if (!rest.empty() && rest[0] != ':') {
            return url_error("unexpected text after the IPv6 address");
        }
        has_port = !rest.empty();
        port_text = has_port ? rest.substr(1) : rest;
    } else if (hostport.find(',') != std::string_view::npos) {
        // A MongoDB seed list "h1:27017,h2:27018" stays one string for the driver.
        if (url.scheme != "mongodb" && url.scheme != "mongodb+srv") {
            return url_error("several hosts are only supported in mongodb:// URLs");
        }
        if (!percent_decode(hostport, url.host)) {
            return url_error("malformed percent-escape in the host list");
        }
        return {};
    } else {
        size_t colon = hostport.find(':');
        if (colon != std::string_view::npos && hostport.find(':', colon + 1) != std::string_view::npos) {
            return url_error("an IPv6 address must be written in brackets, e.g. postgresql://[::1]:5432/db");
        }
        has_port = colon != std::string_view::npos;
        port_text = has_port ? hostport.substr(colon + 1) : std::string_view();
        if (!percent_decode(hostport.substr(0, colon), url.host)) {
            return url_error("malformed percent-escape in the host");
        }
        // A decoded absolute path is a Unix socket directory, as in libpq.
        if (!url.host.empty() && url.host[0] != '/' && !is_hostname(url.host)) {
            return quiet ? url_error("malformed host", std::string(kEncodeHint))
                         : url_error("'" + url.host + "' is not a valid host name");
        }
    }
    if (has_port) {
        if (port_text.empty()) {
            return url_error("empty port after ':'");
        }
        url.port = parse_port(port_text);
        if (url.port == 0) {
            return quiet ? url_error("malformed port", std::string(kEncodeHint))
                         : url_error("port '" + std::string(port_text) +
                                     "' is not a number between 1 and 65535");
        }
        if (url.scheme == "mongodb+srv") {
            return url_error("mongodb+srv:// URLs take no port");
        }
    }
    return {};
}

Result<void> parse_authority(std::string_view authority, ServiceUrl& url) {
    size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
        std::string_view userinfo = authority.substr(0, at);
        size_t colon = userinfo.find(':');
        if (!percent_decode(userinfo.substr(0, colon), url.user)) {
            return url_error("malformed percent-escape in the user name");
        }
        if (colon != std::string_view::npos && !percent_decode(userinfo.substr(colon + 1), url.password)) {
            return url_error("malformed percent-escape in the password");
        }
        authority = authority.substr(at + 1);
    }
    // An '@' elsewhere (a query value) may mean a password with an unencoded '?' cut the authority short.
    bool quiet = at == std::string_view::npos && url.raw.find('@') != std::string::npos;
    return parse_host_port(authority, url, quiet);
}

/// Replaces the values of PWD= / Password= in an ODBC connection string with "***".
std::string redact_odbc(std::string_view conn) {
    std::string out;
    size_t pos = 0;
    while (pos < conn.size()) {
        size_t eq = conn.find('=', pos);
        size_t semi = conn.find(';', pos);
        if (eq == std::string_view::npos || (semi != std::string_view::npos && semi < eq)) {
            size_t end = semi == std::string_view::npos ? conn.size() : semi + 1;
            out += conn.substr(pos, end - pos);
            pos = end;
            continue;
        }
        std::string_view key = conn.substr(pos, eq - pos);
        size_t end = eq + 1;
        if (end < conn.size() && conn[end] == '{') {
            // {braced} values may hold ';'; "}}" is an escaped '}'.
            ++end;
            while (end < conn.size()) {
                if (conn[end] == '}' && end + 1 < conn.size() && conn[end + 1] == '}') {
                    end += 2;
                } else if (conn[end] == '}') {
                    ++end;
                    break;
                } else {
                    ++end;
                }
            }
        }
        end = std::min(conn.find(';', end), conn.size());
        std::string trimmed(key);
        trimmed.erase(0, trimmed.find_first_not_of(' '));
        trimmed.erase(trimmed.find_last_not_of(' ') + 1);
        out += conn.substr(pos, eq + 1 - pos);
        out += is_secret_param(trimmed) ? std::string("***") : std::string(conn.substr(eq + 1, end - eq - 1));
        if (end < conn.size()) {
            out += ';';
        }
        pos = end + 1;
    }
    return out;
}

} // namespace

const std::string* ServiceUrl::param(const std::string& name) const {
    for (const auto& [key, value] : params) {
        if (key == name) {
            return &value;
        }
    }
    return nullptr;
}

std::string ServiceUrl::redacted() const {
    if (scheme == "odbc") {
        return "odbc:" + redact_odbc(database);
    }
    std::string out = scheme + "://";
    if (scheme == "sqlite") {
        out += percent_encode(database, "/");
    } else {
        if (!user.empty() || !password.empty()) {
            out += percent_encode(user);
            out += password.empty() ? "@" : ":***@";
        }
        if (host.find(',') != std::string::npos) {
            out += percent_encode(host, ",:");
        } else if (host.find(':') != std::string::npos) {
            out += "[" + percent_encode(host, ":") + "]";
        } else {
            out += percent_encode(host);
        }
        if (port != 0) {
            out += ":" + std::to_string(port);
        }
        if (!database.empty()) {
            out += "/" + percent_encode(database);
        }
    }
    char separator = '?';
    for (const auto& [key, value] : params) {
        out += separator;
        out += percent_encode(key) + "=" + (is_secret_param(key) ? "***" : percent_encode(value));
        separator = '&';
    }
    return out;
}

Result<ServiceUrl> parse_service_url(const std::string& text) {
    ServiceUrl url;
    url.raw = text;
    size_t colon = text.find(':');
    std::string_view scheme_text = std::string_view(text).substr(0, colon);
    bool scheme_ok = colon != std::string::npos && !scheme_text.empty() && std::isalpha(scheme_text[0]) &&
                     std::all_of(scheme_text.begin(), scheme_text.end(), [](unsigned char c) {
                         return std::isalnum(c) || c == '+' || c == '-' || c == '.';
                     });
    if (!scheme_ok) {
        return url_error("missing scheme, expected e.g. postgresql://user:password@host:5432/database");
    }
    url.scheme = canonical_scheme(scheme_text);
    if (url.scheme.empty()) {
        return url_error("unknown scheme '" + lower(scheme_text) +
                         "' (expected postgresql, mysql, mariadb, mongodb, mssql, odbc or sqlite)");
    }
    std::string_view rest = std::string_view(text).substr(colon + 1);
    if (url.scheme == "odbc") {
        // Everything after "odbc:" is the driver's connection string, kept verbatim.
        if (rest.empty() || rest.substr(0, 2) == "//") {
            return url_error("odbc: takes a connection string, e.g. odbc:DSN=name;UID=user;PWD=secret");
        }
        url.database = std::string(rest);
        return url;
    }
    if (rest.substr(0, 2) != "//") {
        return url_error("expected '//' after '" + url.scheme + ":'");
    }
    rest.remove_prefix(2);
    size_t question = rest.find('?');
    std::string_view before_query = rest.substr(0, question);
    if (question != std::string_view::npos) {
        if (auto r = parse_query(rest.substr(question + 1), url); !r) {
            return r.error();
        }
    }
    if (url.scheme == "sqlite") {
        if (before_query.empty() || before_query[0] != '/' || before_query.size() == 1) {
            return url_error("sqlite URLs name an absolute file path: sqlite:///path/to/file.db");
        }
        if (!percent_decode(before_query, url.database)) {
            return url_error("malformed percent-escape in the file path");
        }
        return url;
    }
    size_t slash = before_query.find('/');
    std::string_view path =
        slash == std::string_view::npos ? std::string_view() : before_query.substr(slash + 1);
    if (path.find('@') != std::string_view::npos) {
        return url_error("'@' after the host", std::string(kEncodeHint));
    }
    if (auto r = parse_authority(before_query.substr(0, slash), url); !r) {
        return r.error();
    }
    if (!percent_decode(path, url.database)) {
        return url_error("malformed percent-escape in the database name");
    }
    return url;
}

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
    out.clear();
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size()) {
                return false;
            }
            int hi = hex_value(in[i + 1]);
            int lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) {
                return false;
            }
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0') {
            return false; // a NUL would cut the name short wherever it goes next
        }
        out += c;
    }
    return true;
}

} // namespace nectar::federation
