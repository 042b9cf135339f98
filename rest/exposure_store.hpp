#pragma once
// Which tables each service serves over REST (SPEC §5 `_expose`), kept in Nectar's catalog
// store: the SQLite file catalog.db in the data dir. Read on every request from memory; written
// through to the file, so exposures survive a restart.

#include "protocol/error.hpp"

#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct sqlite3;

namespace nectar::rest {

class ExposureStore {
  public:
    /// Opens (creating if needed) `data_dir`/catalog.db and loads the exposures.
    static Result<std::unique_ptr<ExposureStore>> open(const std::string& data_dir);
    ~ExposureStore();
    ExposureStore(const ExposureStore&) = delete;
    ExposureStore& operator=(const ExposureStore&) = delete;

    /// Exposes `tables` of `service` ("*" = every table, now and later); already exposed ones stay.
    Result<void> expose(const std::string& service, const std::vector<std::string>& tables);
    bool is_exposed(std::string_view service, std::string_view table) const;
    /// Unexposes every table of `service` (the service was removed: a later service of that name
    /// starts with nothing exposed).
    Result<void> forget_service(const std::string& service);
    /// The service's exposed names ("*" when everything is), sorted.
    std::vector<std::string> exposed(std::string_view service) const;

  private:
    explicit ExposureStore(sqlite3* db)
        : db_(db) {}

    sqlite3* db_;
    std::mutex write_mutex_;            ///< one writer at a time on the file
    mutable std::shared_mutex mutex_;   ///< guards exposed_
    std::set<std::pair<std::string, std::string>, std::less<>> exposed_; ///< (service, table or "*")
};

} // namespace nectar::rest
