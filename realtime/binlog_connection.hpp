#pragma once
// One blocking binlog dump connection through MariaDB Connector/C's replication API
// (mariadb_rpl_*): connect, check that the server can feed a change capture, read the current
// position, then fetch events. Everything blocks: it runs on the stream's own thread. Another
// thread may interrupt() it at any time, which makes a blocked fetch or query fail at once.

#include "federation/connectors/service_url.hpp"
#include "protocol/error.hpp"

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

struct st_mysql;
struct st_mariadb_rpl;
struct st_mariadb_rpl_event;

namespace nectar::realtime {

/// A binlog file and the offset of an event boundary in it.
struct BinlogPosition {
    std::string file;
    uint64_t offset = 0;
    bool known() const { return !file.empty(); }
    std::string text() const { return file + ":" + std::to_string(offset); }
};

class BinlogConnection {
  public:
    BinlogConnection() = default;
    ~BinlogConnection();
    BinlogConnection(const BinlogConnection&) = delete;
    BinlogConnection& operator=(const BinlogConnection&) = delete;

    /// Connects (timeouts of a few seconds; the server's heartbeats keep an idle dump alive).
    Result<void> connect(const federation::ServiceUrl& url);
    /// Checks log_bin, binlog_format, binlog_row_metadata, binlog_row_image, log_bin_compress and
    /// the privileges; one error names everything missing (55000, or 42501 for privileges).
    Result<void> check_server(const std::string& service);
    /// The server's current end of binlog (SHOW MASTER STATUS).
    Result<BinlogPosition> current_position(const std::string& service);
    /// Starts the dump at `from` as replica `server_id`, with heartbeats every `heartbeat_ms`.
    Result<void> start_dump(const BinlogPosition& from, uint32_t server_id, int heartbeat_ms);
    /// The next event's bytes (common header first), valid until the next call.
    Result<std::string_view> fetch();

    /// From any thread: breaks the connection so that whatever it is blocked in returns.
    void interrupt();
    /// Whether the dumped events end with a CRC32 (known before the first format description,
    /// which the fake rotate event at the start of a dump precedes).
    bool checksums() const { return checksums_; }
    /// The server's MySQL error number of the last failure (0 when none).
    unsigned int last_errno() const { return last_errno_; }

  private:
    Error error_here(const std::string& what);
    Result<void> query(const std::string& sql);

    std::mutex mutex_; ///< guards mysql_ against interrupt() while it is closed
    st_mysql* mysql_ = nullptr;
    st_mariadb_rpl* rpl_ = nullptr;
    st_mariadb_rpl_event* event_ = nullptr;
    bool interrupted_ = false;
    bool checksums_ = false;
    unsigned int last_errno_ = 0;
};

} // namespace nectar::realtime
