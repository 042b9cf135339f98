#include "proxy/session_state.hpp"

#include <cctype>

namespace nectar::proxy {

namespace {

const std::string kRole = "role";
const std::string kAuthorization = "session authorization";

} // namespace

std::shared_ptr<const StatementInfo> StatementRegistry::intern(std::string_view query,
                                                               const std::vector<uint32_t>& types) {
    std::string key(query);
    key.push_back('\0');
    for (uint32_t type : types) {
        key.append(std::to_string(type)).push_back(',');
    }
    std::lock_guard lock(mutex_);
    auto found = by_key_.find(key);
    if (found != by_key_.end()) {
        return found->second;
    }
    auto info = std::make_shared<StatementInfo>();
    info->server_name = "nectar_" + std::to_string(next_id_++);
    info->query = std::string(query);
    info->param_types = types;
    info->changes = find_state_statements(query);
    by_key_.emplace(std::move(key), info);
    return info;
}

void SessionState::add_startup_setting(const std::string& name, const std::string& value) {
    std::string key = name;
    for (char& c : key) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    startup_settings_[key] = set_statement(name, value);
    version_++;
}

std::map<std::string, std::string> SessionState::desired_settings() const {
    std::map<std::string, std::string> desired = startup_settings_;
    for (const auto& [key, statement] : set_settings_) {
        desired[key] = statement;
    }
    return desired;
}

std::string SessionState::sync_statements(federation::PgConnection& conn, uint64_t owner) const {
    std::pair<uint64_t, uint64_t> synced{owner, version_};
    if (conn.synced_state == synced) {
        return {};
    }
    conn.synced_state = synced;
    // Common case: another session with the same settings and no SETs of its own used it.
    if (set_settings_.empty() && conn.applied_settings == startup_settings_ && conn.sql_prepares == sql_prepares_) {
        return {};
    }
    std::string sql;
    auto append = [&sql](const std::string& statement) {
        sql += statement;
        sql += ";\n";
    };
    // Undo first: what the connection has that this session does not.
    for (const auto& [name, statement] : conn.sql_prepares) {
        auto mine = sql_prepares_.find(name);
        if (mine == sql_prepares_.end() || mine->second != statement) {
            append("DEALLOCATE " + quote_identifier(name));
        }
    }
    auto desired = desired_settings();
    auto differs = [&](const std::string& key) {
        auto want = desired.find(key);
        auto have = conn.applied_settings.find(key);
        if (want == desired.end()) {
            return have != conn.applied_settings.end();
        }
        return have == conn.applied_settings.end() || have->second != want->second;
    };
    for (const auto& [key, statement] : conn.applied_settings) {
        if (!desired.count(key)) {
            append(reset_statement_for(key));
        }
    }
    for (const auto& [key, statement] : desired) {
        if (key != kRole && differs(key)) {
            append(statement);
        }
    }
    // SET or RESET SESSION AUTHORIZATION also resets the role: the role comes after it.
    auto role = desired.find(kRole);
    if (role != desired.end() && (differs(kRole) || differs(kAuthorization))) {
        append(role->second);
    }
    for (const auto& [name, statement] : sql_prepares_) {
        auto present = conn.sql_prepares.find(name);
        if (present == conn.sql_prepares.end() || present->second != statement) {
            append(statement);
        }
    }
    if (!sql.empty()) {
        conn.applied_settings = std::move(desired);
        conn.sql_prepares = sql_prepares_;
    }
    return sql;
}

bool SessionState::apply(const std::vector<StateStatement>& changes, federation::PgConnection& conn) {
    using Kind = StateStatement::Kind;
    bool dropped_all_prepared = false;
    version_++;
    for (const StateStatement& change : changes) {
        switch (change.kind) {
        case Kind::set:
            if (change.key == kAuthorization) {
                reset_setting(kRole, conn); // the server resets the role with it
            }
            set_settings_[change.key] = change.text;
            conn.applied_settings[change.key] = change.text;
            break;
        case Kind::reset:
            if (change.key == kAuthorization) {
                reset_setting(kRole, conn);
            }
            reset_setting(change.key, conn);
            break;
        case Kind::reset_all: {
            // RESET ALL leaves the role and the session authorization as they are.
            auto kept = [](const std::string& key) { return key == kRole || key == kAuthorization; };
            std::erase_if(set_settings_, [&](const auto& setting) { return !kept(setting.first); });
            // The client's startup settings must be re-applied: mark them as not in force.
            for (const auto& [key, statement] : startup_settings_) {
                if (!kept(key)) {
                    conn.applied_settings[key] = "";
                }
            }
            std::erase_if(conn.applied_settings, [&](const auto& setting) {
                return !kept(setting.first) && !startup_settings_.count(setting.first);
            });
            break;
        }
        case Kind::prepare:
            sql_prepares_[change.key] = change.text;
            conn.sql_prepares[change.key] = change.text;
            break;
        case Kind::deallocate:
            sql_prepares_.erase(change.key);
            conn.sql_prepares.erase(change.key);
            break;
        case Kind::deallocate_all:
            sql_prepares_.clear();
            conn.sql_prepares.clear();
            conn.prepared.clear();
            dropped_all_prepared = true;
            break;
        case Kind::discard_all:
            set_settings_.clear();
            sql_prepares_.clear();
            listening_ = false;
            conn.sql_prepares.clear();
            conn.prepared.clear();
            conn.applied_settings.clear();
            for (const auto& [key, statement] : startup_settings_) {
                conn.applied_settings[key] = "";
            }
            dropped_all_prepared = true;
            break;
        case Kind::listen:
            listening_ = true;
            break;
        case Kind::unlisten_all:
            listening_ = false;
            break;
        }
    }
    return dropped_all_prepared;
}

void SessionState::reset_setting(const std::string& key, federation::PgConnection& conn) {
    set_settings_.erase(key);
    // RESET brings back the server connection's startup value, not the client's: mark the
    // client's startup setting as not in force so the next request re-applies it.
    if (startup_settings_.count(key)) {
        conn.applied_settings[key] = "";
    } else {
        conn.applied_settings.erase(key);
    }
}

} // namespace nectar::proxy
