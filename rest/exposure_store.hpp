#pragma once
// Which tables each service serves over REST (SPEC §5 `_expose`), and which of its stored
// procedures and functions `_proc` may call, kept in Nectar's catalog store: the SQLite file
// catalog.db in the data dir. Read on every request from memory; written through to the file,
// so exposures survive a restart. A routine is callable when exposed by name
// (`_expose {"procedures": [...]}`) or when the service exposes "*" (everything, as PostgREST
// serves every function of its exposed schema).

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

/// Opens (creating if needed) `data_dir`/catalog.db, shared by the exposure and service stores.
Result<sqlite3*> open_catalog_db(const std::string& data_dir);

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

    /// Makes the routines `names` of `service` callable through _proc; already exposed ones stay.
    Result<void> expose_routines(const std::string& service, const std::vector<std::string>& names);
    /// Whether _proc may call `routine`: exposed by name, or the service exposes "*".
    bool is_routine_exposed(std::string_view service, std::string_view routine) const;
    /// The service's routines exposed by name, sorted.
    std::vector<std::string> exposed_routines(std::string_view service) const;

  private:
    explicit ExposureStore(sqlite3* db)
        : db_(db) {}

    using Names = std::set<std::pair<std::string, std::string>, std::less<>>; ///< (service, name)

    /// Records (service, name) pairs with `insert_sql`, then in `names` once the file has them.
    Result<void> store(const char* insert_sql, const std::string& service, const std::vector<std::string>& names,
                       Names& into);
    static std::vector<std::string> names_of(const Names& names, std::string_view service);

    sqlite3* db_;
    std::mutex write_mutex_;            ///< one writer at a time on the file
    mutable std::shared_mutex mutex_;   ///< guards exposed_
    Names exposed_;  ///< (service, table or "*")
    Names routines_; ///< (service, routine), guarded by mutex_ too
};

} // namespace nectar::rest
