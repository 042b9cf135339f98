#pragma once
// Where and how Nectar connects to one PostgreSQL service, as its URL says.

#include <string>
#include <utility>
#include <vector>

namespace nectar::federation {

struct PgTarget {
    std::string host = "/var/run/postgresql"; ///< host name, IP address, or Unix socket directory
    int port = 5432;
    std::string user;
    std::string password;
    std::string database;
    std::string sslmode = "prefer"; ///< disable, allow, prefer, require, verify-ca, verify-full
    std::string sslrootcert;        ///< CA file for verify-ca / verify-full
    /// Extra startup parameters sent to the server (application_name, options, ...).
    std::vector<std::pair<std::string, std::string>> startup_params;

    bool is_unix_socket() const { return !host.empty() && host[0] == '/'; }
    std::string describe() const; ///< "host:port/database" for logs (no password)
};

} // namespace nectar::federation
