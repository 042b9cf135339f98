#pragma once
// Service connection URLs (SPEC §1): postgresql://user:pass@host:port/db?key=value, and the
// other schemes later connectors take. Percent-decoding happens here, once.

#include "protocol/error.hpp"

#include <string>
#include <utility>
#include <vector>

namespace nectar::federation {

struct ServiceUrl {
    std::string scheme;   ///< lower-case: postgresql, mysql, mariadb, mongodb, mssql, odbc, sqlite
    std::string user;     ///< decoded
    std::string password; ///< decoded
    std::string host;     ///< decoded; an absolute path is a Unix socket directory; [v6] unbracketed
    int port = 0;         ///< 0 when absent
    std::string database; ///< decoded path without the leading '/'
    std::vector<std::pair<std::string, std::string>> params; ///< decoded query string, in order
    std::string raw;      ///< the text as given

    const std::string* param(const std::string& name) const;
    /// The URL with the password replaced by "***", for logs and error messages.
    std::string redacted() const;
};

/// Decodes %XX escapes into `out` (with `plus_is_space`, '+' as a space, as in an HTML form's
/// query string); false on a malformed escape or a NUL, raw or encoded.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space = false);

/// Parses a URL; "postgres://" is accepted as "postgresql://". Errors name what is wrong
/// (SQLSTATE 22023) and never echo the password.
Result<ServiceUrl> parse_service_url(const std::string& text);

} // namespace nectar::federation
