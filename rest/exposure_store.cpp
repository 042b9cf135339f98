#include "rest/exposure_store.hpp"

#include <filesystem>
#include <sqlite3.h>

namespace nectar::rest {

namespace {

Error store_error(sqlite3* db, const std::string& what) {
    return Error::make("58030", "catalog store: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

} // namespace

Result<sqlite3*> open_catalog_db(const std::string& data_dir) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    std::string path = (std::filesystem::path(data_dir) / "catalog.db").string();
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        Error e = store_error(db, "cannot open " + path);
        sqlite3_close(db);
        return e;
    }
    sqlite3_busy_timeout(db, 5000); // the exposure and service stores write to the same file
    return db;
}

Result<std::unique_ptr<ExposureStore>> ExposureStore::open(const std::string& data_dir) {
    auto opened = open_catalog_db(data_dir);
    if (!opened) {
        return opened.error();
    }
    sqlite3* db = *opened;
    std::string path = (std::filesystem::path(data_dir) / "catalog.db").string();
    const char* schema = "CREATE TABLE IF NOT EXISTS exposed_tables (service TEXT NOT NULL, table_name TEXT NOT NULL, "
                         "PRIMARY KEY (service, table_name));"
                         "CREATE TABLE IF NOT EXISTS exposed_routines (service TEXT NOT NULL, routine_name TEXT NOT NULL, "
                         "PRIMARY KEY (service, routine_name))";
    if (sqlite3_exec(db, schema, nullptr, nullptr, nullptr) != SQLITE_OK) {
        Error e = store_error(db, "cannot create its tables in " + path);
        sqlite3_close(db);
        return e;
    }
    std::unique_ptr<ExposureStore> store(new ExposureStore(db));
    for (auto [sql, into] : {std::pair{"SELECT service, table_name FROM exposed_tables", &store->exposed_},
                             std::pair{"SELECT service, routine_name FROM exposed_routines", &store->routines_}}) {
        sqlite3_stmt* select = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &select, nullptr) != SQLITE_OK) {
            return store_error(db, "cannot read " + path);
        }
        while (sqlite3_step(select) == SQLITE_ROW) {
            into->emplace(reinterpret_cast<const char*>(sqlite3_column_text(select, 0)),
                          reinterpret_cast<const char*>(sqlite3_column_text(select, 1)));
        }
        sqlite3_finalize(select);
    }
    return store;
}

ExposureStore::~ExposureStore() { sqlite3_close(db_); }

Result<void> ExposureStore::expose(const std::string& service, const std::vector<std::string>& tables) {
    return store("INSERT OR IGNORE INTO exposed_tables (service, table_name) VALUES (?, ?)", service, tables, exposed_);
}

Result<void> ExposureStore::expose_routines(const std::string& service, const std::vector<std::string>& names) {
    return store("INSERT OR IGNORE INTO exposed_routines (service, routine_name) VALUES (?, ?)", service, names,
                 routines_);
}

Result<void> ExposureStore::store(const char* insert_sql, const std::string& service,
                                  const std::vector<std::string>& names, Names& into) {
    std::lock_guard write(write_mutex_);
    sqlite3_stmt* insert = nullptr;
    if (sqlite3_prepare_v2(db_, insert_sql, -1, &insert, nullptr) != SQLITE_OK) {
        return store_error(db_, "cannot prepare an insert");
    }
    sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
    for (const auto& name : names) {
        sqlite3_bind_text(insert, 1, service.c_str(), static_cast<int>(service.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 2, name.c_str(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
        if (sqlite3_step(insert) != SQLITE_DONE) {
            Error e = store_error(db_, "cannot record an exposure");
            sqlite3_finalize(insert);
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            return e;
        }
        sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
        Error e = store_error(db_, "cannot commit exposures");
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return e;
    }
    std::unique_lock lock(mutex_); // memory follows the file only once the file has them
    for (const auto& name : names) {
        into.emplace(service, name);
    }
    return {};
}

Result<void> ExposureStore::forget_service(const std::string& service) {
    std::lock_guard write(write_mutex_);
    sqlite3_stmt* remove = nullptr;
    if (sqlite3_prepare_v2(db_, "DELETE FROM exposed_tables WHERE service = ?", -1, &remove, nullptr) != SQLITE_OK) {
        return store_error(db_, "cannot prepare a delete");
    }
    sqlite3_bind_text(remove, 1, service.c_str(), static_cast<int>(service.size()), SQLITE_TRANSIENT);
    int rc = sqlite3_step(remove);
    sqlite3_finalize(remove);
    if (rc != SQLITE_DONE) {
        return store_error(db_, "cannot unexpose the tables of service \"" + service + "\"");
    }
    std::unique_lock lock(mutex_);
    std::erase_if(exposed_, [&](const auto& entry) { return entry.first == service; });
    return {};
}

bool ExposureStore::is_exposed(std::string_view service, std::string_view table) const {
    std::shared_lock lock(mutex_);
    return exposed_.count(std::pair<std::string, std::string>(service, "*")) > 0 ||
           exposed_.count(std::pair<std::string, std::string>(service, table)) > 0;
}

std::vector<std::string> ExposureStore::exposed(std::string_view service) const {
    std::shared_lock lock(mutex_);
    return names_of(exposed_, service);
}

bool ExposureStore::is_routine_exposed(std::string_view service, std::string_view routine) const {
    std::shared_lock lock(mutex_);
    return exposed_.count(std::pair<std::string, std::string>(service, "*")) > 0 ||
           routines_.count(std::pair<std::string, std::string>(service, routine)) > 0;
}

std::vector<std::string> ExposureStore::exposed_routines(std::string_view service) const {
    std::shared_lock lock(mutex_);
    return names_of(routines_, service);
}

std::vector<std::string> ExposureStore::names_of(const Names& names, std::string_view service) {
    std::vector<std::string> out;
    for (const auto& [s, name] : names) {
        if (s == service) {
            out.push_back(name);
        }
    }
    return out;
}

} // namespace nectar::rest
