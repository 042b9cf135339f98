#pragma once
// The federated catalog (SPEC §2): services are catalogs holding their discovered tables.
// Snapshots are immutable and shared between workers; a refresh swaps in a new snapshot.

#include "federation/connectors/connector.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace nectar::federation {

struct ServiceTables {
    std::string kind;           ///< postgresql, mysql, sqlite...
    std::string default_schema; ///< where `service.table` looks: public, the MySQL database, main
    std::vector<TableInfo> tables;
    /// Set when the service could not be discovered (backend down): why, for the statements
    /// that name it; the other services' statements run on.
    std::optional<Error> unavailable;

    /// The table `name` names in this service (`service.table`, `_table/{name}`): the one in the
    /// default schema when several schemas hold that name; null when none does.
    const TableInfo* find_table(std::string_view name) const;
};

/// A table found by name.
struct ResolvedTable {
    std::string service;
    const TableInfo* table = nullptr;
};

class Catalog {
  public:
    void add_service(std::string name, std::shared_ptr<const ServiceTables> tables);
    bool has_service(std::string_view name) const;
    const ServiceTables* service(std::string_view name) const;
    const std::map<std::string, std::shared_ptr<const ServiceTables>, std::less<>>& services() const {
        return services_;
    }

    /// Resolves [service.][schema.]table: with two parts the first is a service when one has that
    /// name, else a schema of `default_service`. 42P01 "relation \"x\" does not exist" otherwise.
    Result<ResolvedTable> resolve(const std::vector<std::string>& names, std::string_view default_service) const;

  private:
    std::map<std::string, std::shared_ptr<const ServiceTables>, std::less<>> services_;
};

/// Shared between workers: the latest discovered tables per service. An entry older than
/// max_age is rediscovered, so tables created straight in a backend appear without a restart;
/// meanwhile its old tables keep serving (one caller refreshes, the rest do not wait).
class CatalogCache {
  public:
    explicit CatalogCache(std::chrono::seconds max_age = std::chrono::seconds(60))
        : max_age_(max_age) {}
    std::shared_ptr<const ServiceTables> get(const std::string& service) const;
    /// The service's tables, old or not (null when never discovered or invalidated). Past
    /// max_age exactly one caller, across workers, gets `refresh`: it rediscovers and put()s.
    struct Lookup {
        std::shared_ptr<const ServiceTables> tables;
        bool refresh = false;
    };
    Lookup lookup(const std::string& service);
    /// The refresh lookup() handed out failed: the old tables serve for another max_age.
    void refresh_failed(const std::string& service);
    void put(const std::string& service, ServiceTables tables);
    void invalidate(const std::string& service);
    void invalidate_all();

  private:
    struct Entry {
        std::shared_ptr<const ServiceTables> tables;
        std::chrono::steady_clock::time_point discovered;
        bool refreshing = false; ///< a caller was told to rediscover and has not put() yet
        std::chrono::steady_clock::time_point refresh_started;
    };
    std::chrono::seconds max_age_;
    mutable std::mutex mutex_;
    std::map<std::string, Entry> entries_;
};

} // namespace nectar::federation
