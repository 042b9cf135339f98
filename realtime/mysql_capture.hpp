#pragma once
// MariaDB/MySQL native capture (SPEC §6): the binlog, read as a replica through MariaDB
// Connector/C's replication API, one dump per service shared by every captured table.
//
// Connector/C's API blocks, so each service's stream runs on its own thread, never on an Asio
// worker; every sink call of its tables is made from that thread, in binlog order. The stream
// starts at the server's current position when its first table subscribes, buffers row events
// per transaction and hands them over at the commit (XID or COMMIT), then remembers the position
// after it. A dropped connection (a backend restart) is retried with backoff from that position,
// so no committed change is lost or repeated while Nectar runs.

#include "federation/connectors/service_url.hpp"
#include "realtime/capture.hpp"

#include <memory>
#include <string>
#include <thread>

namespace nectar::realtime {

/// A replica server_id for `service` of the Nectar whose data dir is `data_dir`: stable, and
/// in [2^31, 2^32) where hand-configured server ids rarely are.
uint32_t binlog_server_id(const std::string& data_dir, const std::string& service);

class MysqlBinlogStream {
  public:
    MysqlBinlogStream(std::string service, federation::ServiceUrl url, uint32_t server_id);
    /// Stops the thread and waits for it (a blocked read is interrupted; a connect in progress
    /// ends within its 5 s timeout).
    ~MysqlBinlogStream();
    MysqlBinlogStream(const MysqlBinlogStream&) = delete;
    MysqlBinlogStream& operator=(const MysqlBinlogStream&) = delete;

    /// From any thread, never blocking on I/O (the hub calls it under its lock).
    void add_table(const federation::TableInfo& table, std::shared_ptr<CaptureSink> sink);
    /// Stops reporting `table` to `sink` (a newer sink of the same table stays).
    void remove_table(const federation::TableInfo& table, const std::shared_ptr<CaptureSink>& sink);

  private:
    struct State;
    std::shared_ptr<State> state_;
    std::thread thread_;
};

/// One table's capture on its service's binlog stream.
class MysqlTableCapture final : public Capture {
  public:
    MysqlTableCapture(std::shared_ptr<MysqlBinlogStream> stream, federation::TableInfo table,
                      std::shared_ptr<CaptureSink> sink)
        : stream_(std::move(stream))
        , table_(std::move(table))
        , sink_(std::move(sink)) {}
    void start() override { stream_->add_table(table_, sink_); }
    void stop() override { stream_->remove_table(table_, sink_); }

  private:
    std::shared_ptr<MysqlBinlogStream> stream_;
    federation::TableInfo table_;
    std::shared_ptr<CaptureSink> sink_;
};

} // namespace nectar::realtime
