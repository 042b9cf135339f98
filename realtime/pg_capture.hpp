#pragma once
// PostgreSQL native capture (SPEC §6): logical replication with the built-in pgoutput plugin
// on one replication connection per service, shared by every captured table of that service.
//
// The slot is persistent and named from the data dir and the service (two Nectars never share
// one); its publication holds the captured tables. After a backend restart or a dropped
// connection the stream reconnects with backoff and resumes after the last commit it handed
// to the hub, so nothing is lost and nothing repeats; standby status updates confirm that
// position so the server can recycle WAL. Everything runs on one worker's io_context.

#include "federation/connectors/postgres/pg_target.hpp"
#include "realtime/capture.hpp"

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>

namespace nectar::realtime {

class PgReplicationStream;

/// Slot and publication name for `service` of the Nectar whose data dir is `data_dir`:
/// "nectar_<service>_<hash>", at most 63 characters of [a-z0-9_].
std::string replication_slot_name(const std::string& data_dir, const std::string& service);

/// One service's replication stream; tables join and leave it through PgTableCapture.
class PgReplicationStream : public std::enable_shared_from_this<PgReplicationStream> {
  public:
    PgReplicationStream(boost::asio::any_io_executor executor, std::string service, federation::PgTarget target,
                        std::string slot);
    ~PgReplicationStream();

    /// From any thread: starts following `table` (the stream starts with its first table).
    void add_table(const federation::TableInfo& table, std::shared_ptr<CaptureSink> sink);
    void remove_table(const federation::TableInfo& table);

  private:
    struct State;
    std::shared_ptr<State> state_;
};

/// One table's capture on its service's stream.
class PgTableCapture final : public Capture {
  public:
    PgTableCapture(std::shared_ptr<PgReplicationStream> stream, federation::TableInfo table,
                   std::shared_ptr<CaptureSink> sink)
        : stream_(std::move(stream))
        , table_(std::move(table))
        , sink_(std::move(sink)) {}
    void start() override { stream_->add_table(table_, sink_); }
    void stop() override { stream_->remove_table(table_); }

  private:
    std::shared_ptr<PgReplicationStream> stream_;
    federation::TableInfo table_;
    std::shared_ptr<CaptureSink> sink_;
};

} // namespace nectar::realtime
