#pragma once
// The federation engine of one worker: parses, binds, plans and runs statements that are not
// plain pass-through to the session's PostgreSQL service, and streams their rows to a sink.

#include "federation/catalog/catalog.hpp"
#include "federation/connectors/connector.hpp"
#include "federation/engine_write.hpp"
#include "federation/plan/logical_plan.hpp"

#include <utility>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::federation {

/// Where a statement's results go (the pg-wire session writes protocol messages).
class ResultSink {
  public:
    virtual ~ResultSink() = default;
    virtual void row_description(const std::vector<OutputColumn>& columns) = 0;
    virtual void data_row(const Row& row) = 0;
    virtual void command_complete(const std::string& tag) = 0;
    virtual void empty_query() = 0;
    /// Lets the sink send what it holds when it has a lot (results stream to the client).
    virtual boost::asio::awaitable<void> maybe_flush() = 0;
};

/// Per-session settings the engine answers SHOW with.
using SessionSettings = std::map<std::string, std::string, std::less<>>;

class Engine {
  public:
    explicit Engine(std::shared_ptr<CatalogCache> cache);
    ~Engine();

    /// Registers a service's connector on this worker; `kind` is its URL scheme. A connector
    /// already registered under that name is replaced (retired as remove_connector does).
    void add_connector(const std::string& service, const std::string& kind, std::shared_ptr<Connector> connector);
    /// Unregisters a service on this worker and drops its cached discovery. Statements already
    /// running may still hold the connector: it is destroyed once no statement runs here.
    void remove_connector(const std::string& service);
    /// The connector with shared ownership, for work that may outlive a statement (health pings).
    std::shared_ptr<Connector> shared_connector(std::string_view service) const;
    bool has_service(std::string_view service) const;
    const std::string& service_kind(std::string_view service) const;
    Connector* connector(std::string_view service) const;

    /// Cheap check on the raw text: does it name another service as `service.` (quoted or not)?
    /// Statements that do not go to the session's PostgreSQL service unchanged.
    bool mentions_other_service(std::string_view sql, std::string_view session_service) const;

    /// Runs every statement of a simple-protocol query string; stops at the first error and
    /// returns it (the caller reports it). `default_service` resolves unqualified names;
    /// `transaction` is the session's transaction block (engine_write.hpp).
    boost::asio::awaitable<Result<void>> run_simple(std::string sql, const std::string& default_service,
                                                    SessionSettings& settings, SessionTransaction& transaction,
                                                    ResultSink& sink);

    /// Hears every committed write through this engine: the service and table written (the REST
    /// face's cache drops what it holds of the table). Set before the worker starts.
    using WriteListener = std::function<void(const std::string& service, const std::string& table)>;
    void set_write_listener(WriteListener listener) { write_listener_ = std::move(listener); }
    void notify_written(const std::string& service, const std::string& table) const {
        if (write_listener_) {
            write_listener_(service, table);
        }
    }

    /// Drops the cached discovery of every service (after DDL through Nectar, or on demand).
    void refresh_catalog();

    /// Every service's discovered tables (discovered now where the cache has none).
    boost::asio::awaitable<Result<std::shared_ptr<Catalog>>> catalog();
    /// Plans and runs a logical plan built by another face (REST), outside any transaction.
    boost::asio::awaitable<Result<void>> run_plan(PlanPtr logical, ResultSink& sink);
    /// Runs a write built by another face (REST: a BoundWrite with RETURNING of every column when
    /// it wants the written rows) in a transaction of its own, committed before it returns;
    /// `precondition` (engine_write.hpp) is checked on the locked target rows first.
    boost::asio::awaitable<Result<CommandResult>> write(const BoundWrite& w, WritePrecondition precondition = {});
    /// The backend's estimate of the rows a plan returns, when the whole plan runs on one
    /// backend that gives estimates (Connector::estimate_rows); -1 otherwise.
    boost::asio::awaitable<Result<int64_t>> estimate_rows(PlanPtr logical);

  private:
    friend class WriteRunner; ///< writes and transaction blocks (engine_write.cpp)
    boost::asio::awaitable<Result<void>> run_statement(const struct ParsedStatementRef& st,
                                                       const std::string& default_service,
                                                       SessionSettings& settings, SessionTransaction& transaction,
                                                       ResultSink& sink);
    /// Reads go through the session's pinned transactions, so a block sees its own writes.
    boost::asio::awaitable<Result<void>> run_query(PlanPtr logical, bool explain, bool analyze,
                                                   const std::vector<Value>& params, SessionTransaction& transaction,
                                                   ResultSink& sink);

    struct Service {
        std::string kind;
        std::shared_ptr<Connector> connector;
    };
    /// Counts the engine's running entry points; retired connectors die when it drops to zero.
    class InFlight {
      public:
        explicit InFlight(Engine& engine);
        ~InFlight();
        InFlight(const InFlight&) = delete;
        InFlight& operator=(const InFlight&) = delete;

      private:
        Engine& engine_;
    };
    void retire(Service service);
    /// A failed discovery of `service` younger than kRetryDiscoveryAfter, or null.
    std::shared_ptr<const ServiceTables> recent_discovery_failure(const std::string& service, const std::string& kind);
    void rebuild_routed_names();

    std::shared_ptr<CatalogCache> cache_;
    int in_flight_ = 0; ///< only this worker's thread touches it
    /// A backend that is down is asked again only after this, not by every statement.
    static constexpr std::chrono::seconds kRetryDiscoveryAfter{30};
    struct FailedDiscovery {
        std::shared_ptr<const ServiceTables> tables; ///< `unavailable` set
        std::chrono::steady_clock::time_point when;
    };
    std::map<std::string, FailedDiscovery, std::less<>> failed_discovery_;
    /// The catalog catalog() built last and the snapshots it holds (reused while they are current).
    std::shared_ptr<Catalog> last_catalog_;
    std::vector<std::pair<std::string, std::shared_ptr<const ServiceTables>>> last_catalog_parts_;
    /// Replaced or removed connectors that a running statement may still use (RowStreams, pool
    /// connections and coroutine frames point into them); cleared when in_flight_ reaches zero.
    std::vector<std::shared_ptr<Connector>> retired_;
    std::map<std::string, Service, std::less<>> services_;
    std::vector<std::string> routed_names_; ///< services and "nectar": names that send a statement here
    WriteListener write_listener_;
};

} // namespace nectar::federation
