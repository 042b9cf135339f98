#include "realtime/binlog_connection.hpp"

#include <map>
#include <mysql.h>
#include <set>
#include <sys/socket.h>
#include <vector>
// mariadb_rpl.h uses mysql.h's types without including it.
#include <mariadb_rpl.h>

namespace nectar::realtime {

namespace {

constexpr unsigned int kConnectTimeoutSeconds = 5;
constexpr unsigned int kIoTimeoutSeconds = 10;
constexpr unsigned int kAccessDenied = 1227;       // ER_SPECIFIC_ACCESS_DENIED_ERROR
constexpr unsigned int kMasterFatalReading = 1236; // ER_MASTER_FATAL_ERROR_READING_BINLOG

using Rows = std::vector<std::vector<std::string>>;

/// Rows of a result as text (NULL as empty): for the few small setup queries.
Rows all_rows(MYSQL_RES* result) {
    Rows rows;
    if (result == nullptr) {
        return rows;
    }
    unsigned int fields = mysql_num_fields(result);
    while (MYSQL_ROW row = mysql_fetch_row(result)) {
        unsigned long* lengths = mysql_fetch_lengths(result);
        std::vector<std::string> out;
        for (unsigned int i = 0; i < fields; i++) {
            out.emplace_back(row[i] ? std::string(row[i], lengths[i]) : std::string());
        }
        rows.push_back(std::move(out));
    }
    mysql_free_result(result);
    return rows;
}

std::string upper(std::string s) {
    for (char& c : s) {
        c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return s;
}

} // namespace

BinlogConnection::~BinlogConnection() {
    std::lock_guard lock(mutex_);
    if (event_ != nullptr) {
        mariadb_free_rpl_event(event_);
    }
    if (rpl_ != nullptr) {
        mariadb_rpl_close(rpl_);
    }
    if (mysql_ != nullptr) {
        mysql_close(mysql_);
    }
}

Error BinlogConnection::error_here(const std::string& what) {
    last_errno_ = mysql_ ? mysql_errno(mysql_) : 0;
    std::string message = mysql_ ? mysql_error(mysql_) : "no connection";
    if (rpl_ != nullptr && message.empty() && rpl_->error_msg[0] != '\0') {
        message = rpl_->error_msg;
    }
    std::string sqlstate = last_errno_ >= 2000 && last_errno_ < 3000 ? "08006" : "58000";
    Error e =
        Error::make(sqlstate, "mysql: " + what + ": " + (message.empty() ? "the connection ended" : message));
    if (last_errno_ != 0) {
        e.detail = "MySQL error " + std::to_string(last_errno_);
    }
    return e;
}

Result<void> BinlogConnection::connect(const federation::ServiceUrl& url) {
    mysql_library_init(0, nullptr, nullptr); // once per process (the library guards it)
    MYSQL* mysql = mysql_init(nullptr);
    if (mysql == nullptr) {
        return Error::make("53200", "mysql: out of memory creating a connection");
    }
    unsigned int connect_timeout = kConnectTimeoutSeconds, io_timeout = kIoTimeoutSeconds;
    mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    // As the MySQL connector reads URLs: an absolute path is the server's unix socket.
    bool unix_socket = !url.host.empty() && url.host[0] == '/';
    std::string host = unix_socket ? "localhost" : (url.host.empty() ? "127.0.0.1" : url.host);
    unsigned int protocol = unix_socket ? MYSQL_PROTOCOL_SOCKET : MYSQL_PROTOCOL_TCP;
    mysql_options(mysql, MYSQL_OPT_PROTOCOL, &protocol);
    unsigned int port = url.port > 0 ? static_cast<unsigned int>(url.port) : 3306;
    if (mysql_real_connect(mysql, host.c_str(), url.user.c_str(), url.password.c_str(), nullptr, port,
                           unix_socket ? url.host.c_str() : nullptr, 0) == nullptr) {
        Error e =
            Error::make("08001", std::string("mysql: cannot connect for the binlog: ") + mysql_error(mysql));
        last_errno_ = mysql_errno(mysql);
        mysql_close(mysql);
        return e;
    }
    std::lock_guard lock(mutex_);
    mysql_ = mysql;
    if (interrupted_) {
        ::shutdown(static_cast<int>(mysql_get_socket(mysql_)), SHUT_RDWR);
    }
    return Result<void>();
}

Result<void> BinlogConnection::query(const std::string& sql) {
    if (mysql_real_query(mysql_, sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
        std::string what = "\"";
        what += sql.substr(0, 40);
        what += '"';
        return error_here(what);
    }
    return Result<void>();
}

Result<void> BinlogConnection::check_server(const std::string& service) {
    auto asked =
        query("SHOW GLOBAL VARIABLES WHERE Variable_name IN "
              "('log_bin', 'binlog_format', 'binlog_row_metadata', 'binlog_row_image', 'log_bin_compress')");
    if (!asked) {
        return asked.error();
    }
    std::map<std::string, std::string> settings;
    for (auto& row : all_rows(mysql_store_result(mysql_))) {
        settings[row[0]] = upper(row[1]);
    }
    std::vector<std::string> missing;
    auto need = [&](const std::string& name, const std::string& wanted) {
        auto found = settings.find(name);
        if (found != settings.end() && found->second != wanted) {
            missing.push_back(name + "=" + wanted + " (it is " + found->second + ")");
        }
    };
    need("log_bin", "ON");
    need("binlog_format", "ROW");
    need("binlog_row_metadata", "FULL");
    need("binlog_row_image", "FULL");
    need("log_bin_compress", "OFF");
    if (settings.count("binlog_row_metadata") == 0) {
        missing.push_back("binlog_row_metadata=FULL (the server has no such setting: MariaDB 10.5 or MySQL "
                          "8.0.1 or later is needed)");
    }
    // Global privileges of the account we logged in as (roles are not looked at).
    auto privileges_asked =
        query("SELECT PRIVILEGE_TYPE, CURRENT_USER() FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = "
              "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', "
              "SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')");
    bool privilege_missing = false;
    if (privileges_asked) {
        std::set<std::string> held;
        std::string account;
        for (auto& row : all_rows(mysql_store_result(mysql_))) {
            held.insert(upper(row[0]));
            account = row[1];
        }
        if (!held.empty()) {
            if (!held.count("REPLICATION SLAVE")) {
                missing.push_back("the REPLICATION SLAVE privilege for " + account);
                privilege_missing = true;
            }
            if (!held.count("BINLOG MONITOR") && !held.count("REPLICATION CLIENT") && !held.count("SUPER")) {
                missing.push_back("the BINLOG MONITOR privilege for " + account +
                                  " (to read the binlog position)");
                privilege_missing = true;
            }
        }
    }
    if (missing.empty()) {
        return Result<void>();
    }
    std::string list;
    for (size_t i = 0; i < missing.size(); i++) {
        list += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") + missing[i];
    }
    return Error::make(privilege_missing ? "42501" : "55000",
                       "realtime capture of service \"" + service +
                           "\" needs on its MariaDB server: " + list +
                           "; change the server's configuration (and restart it) or grant them, "
                           "or subscribe with \"mode\":\"poll\"");
}

Result<BinlogPosition> BinlogConnection::current_position(const std::string& service) {
    auto asked = query("SHOW MASTER STATUS");
    if (!asked) {
        if (last_errno_ == kAccessDenied) {
            return Error::make("42501",
                               "realtime capture of service \"" + service +
                                   "\" needs the BINLOG MONITOR privilege to read the binlog position: " +
                                   asked.error().message);
        }
        return asked.error();
    }
    Rows rows = all_rows(mysql_store_result(mysql_));
    if (rows.empty() || rows[0].size() < 2 || rows[0][0].empty()) {
        return Error::make("55000",
                           "realtime capture of service \"" + service +
                               "\" needs log_bin=ON on its MariaDB server (SHOW MASTER STATUS is empty)");
    }
    return BinlogPosition{rows[0][0], std::stoull(rows[0][1])};
}

Result<void> BinlogConnection::start_dump(const BinlogPosition& from, uint32_t server_id, int heartbeat_ms) {
    // Checksums as the server writes them (the library strips them), GTID events rather than
    // their pre-GTID rewrites (capability 4), and heartbeats while nothing happens.
    auto asked = query("SELECT @@global.binlog_checksum");
    if (!asked) {
        return asked.error();
    }
    Rows checksum = all_rows(mysql_store_result(mysql_));
    checksums_ = !checksum.empty() && upper(checksum[0][0]) != "NONE";
    auto set = query("SET @master_binlog_checksum = @@global.binlog_checksum, @mariadb_slave_capability = 4, "
                     "@master_heartbeat_period = " +
                     std::to_string(static_cast<int64_t>(heartbeat_ms) * 1000000));
    if (!set) {
        return set.error();
    }
    rpl_ = mariadb_rpl_init(mysql_);
    if (rpl_ == nullptr) {
        return error_here("replication handle");
    }
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FILENAME, from.file.c_str(), from.file.size());
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_START, static_cast<unsigned long>(from.offset));
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_SERVER_ID, static_cast<unsigned int>(server_id));
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FLAGS, 0u);
    if (mariadb_rpl_open(rpl_) != 0) {
        return error_here("binlog dump from " + from.text());
    }
    return Result<void>();
}

Result<std::string_view> BinlogConnection::fetch() {
    MARIADB_RPL_EVENT* event = mariadb_rpl_fetch(rpl_, event_);
    if (event == nullptr) {
        event_ = nullptr; // the library frees the event it was handed when it fails
        Error e = error_here("reading the binlog");
        if (last_errno_ == kAccessDenied) {
            e.sqlstate = "42501";
            e.message = "realtime capture needs the REPLICATION SLAVE privilege: " + e.message;
        } else if (last_errno_ == kMasterFatalReading) {
            e.sqlstate = "55000";
        }
        return e;
    }
    event_ = event;
    if (event->raw_data == nullptr || event->raw_data_size < 1) {
        return Error::make("XX001", "binlog: an empty event");
    }
    // The first byte is the packet's OK marker; the event (common header first) follows.
    return std::string_view(reinterpret_cast<const char*>(event->raw_data) + 1, event->raw_data_size - 1);
}

void BinlogConnection::interrupt() {
    std::lock_guard lock(mutex_);
    interrupted_ = true;
    if (mysql_ != nullptr) {
        ::shutdown(static_cast<int>(mysql_get_socket(mysql_)), SHUT_RDWR);
    }
}

} // namespace nectar::realtime
