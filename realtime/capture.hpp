#pragma once
// A change capture: the source of one feed's events (PostgreSQL logical replication, the
// MariaDB binlog, polling). Each capture reports through its CaptureSink from one thread, in
// order: a worker's io_context, or (MariaDB) its stream's own thread; the hub takes it from
// there (hub.hpp). start() is called under the hub's lock: it must not call the sink itself.

#include "realtime/change_event.hpp"

#include <string>
#include <vector>

namespace nectar::realtime {

/// Which rows a feed follows and how.
struct FeedSpec {
    std::string service;
    std::string service_kind;        ///< postgresql, mysql, sqlite...
    federation::TableInfo table;     ///< as discovered when the feed started
    bool poll = false;               ///< polling mode; otherwise the service's native capture
    int poll_interval_ms = 1000;

    /// Feeds are shared by subscribers asking for the same thing.
    bool same_feed(const FeedSpec& other) const {
        return service == other.service && table.schema == other.table.schema && table.name == other.table.name &&
               poll == other.poll && (!poll || poll_interval_ms == other.poll_interval_ms);
    }
};

/// Where a capture reports. Implemented by the hub; thread-safe.
class CaptureSink {
  public:
    virtual ~CaptureSink() = default;
    /// The capture is running: every change committed from now on will be reported.
    virtual void live() = 0;
    /// Changes of one transaction (or one poll round), in commit order.
    virtual void changes(std::vector<ChangeEvent> events) = 0;
    /// Polling feeds: the whole current result, after a round that found changes (and the first).
    virtual void snapshot(std::vector<federation::Row> rows) = 0;
    /// The capture cannot run (it retries with backoff); subscribers get an `error` frame.
    virtual void failed(const Error& error) = 0;
};

class Capture {
  public:
    virtual ~Capture() = default;
    /// Starts capturing on the capture's worker (returns at once).
    virtual void start() = 0;
    /// Stops, from any thread, asynchronously: a sink call may still arrive after it returns
    /// (the hub ignores calls for a feed it has dropped).
    virtual void stop() = 0;
};

} // namespace nectar::realtime
