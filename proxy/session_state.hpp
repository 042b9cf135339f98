#pragma once
// What a client session has changed about its server session (settings, SQL PREPAREs, LISTEN),
// kept by Nectar so that any pooled server connection can be brought to that state.

#include "federation/connectors/postgres/pg_connection.hpp"
#include "proxy/state_statement.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace nectar::proxy {

/// A statement a client prepared through the extended protocol.
struct StatementInfo {
    std::string server_name; ///< the name Nectar gives it on server connections ("" if unnamed)
    std::string query;
    std::vector<uint32_t> param_types;
    std::vector<StateStatement> changes; ///< session-state effects of executing it
};

/// Gives the same server-side name to the same (query, parameter types) across all sessions,
/// so that server connections prepare each statement shape once whoever asks.
class StatementRegistry {
  public:
    std::shared_ptr<const StatementInfo> intern(std::string_view query, const std::vector<uint32_t>& types);

  private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<const StatementInfo>> by_key_;
    uint64_t next_id_ = 1;
};

class SessionState {
  public:
    /// Startup-packet settings (application_name, DateStyle, options' -c pairs, ...).
    void add_startup_setting(const std::string& name, const std::string& value);

    /// SQL that brings `conn` to this session's settings and SQL PREPAREs; "" when it is
    /// already there. Records the new state on `conn` (run it before any other statement).
    /// `owner` identifies the session (a connection remembers whose state it was synced to).
    std::string sync_statements(federation::PgConnection& conn, uint64_t owner) const;
    /// True when `conn` was last brought to exactly this state: no sync_statements() needed.
    bool in_sync(const federation::PgConnection& conn, uint64_t owner) const {
        return conn.synced_state == std::pair<uint64_t, uint64_t>{owner, version_};
    }

    /// Applies statements that completed (and committed) on `conn`. Returns true when the
    /// statements dropped every prepared statement (DEALLOCATE ALL, DISCARD ALL).
    bool apply(const std::vector<StateStatement>& changes, federation::PgConnection& conn);

    bool listening() const { return listening_; }

  private:
    std::map<std::string, std::string> desired_settings() const;
    /// Records that `key` is back at the server connection's startup value on `conn`.
    void reset_setting(const std::string& key, federation::PgConnection& conn);

    std::map<std::string, std::string> startup_settings_; ///< key → SET statement
    std::map<std::string, std::string> set_settings_;     ///< SETs the client ran, by key
    std::map<std::string, std::string> sql_prepares_;     ///< PREPAREs the client ran, by name
    bool listening_ = false;
    uint64_t version_ = 1; ///< bumped by every change, so an unchanged state costs no diff
};

} // namespace nectar::proxy
