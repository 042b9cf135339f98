#include "rest/service_store.hpp"

#include "rest/exposure_store.hpp"

#include "federation/connectors/service_url.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <sqlite3.h>

namespace nectar::rest {

namespace {

Error store_error(sqlite3* db, const std::string& what) {
    return Error::make("58030",
                       "catalog store: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

std::string now_iso8601() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

std::string column_text(sqlite3_stmt* statement, int column) {
    const unsigned char* text = sqlite3_column_text(statement, column);
    return text == nullptr ? std::string() : reinterpret_cast<const char*>(text);
}

void bind(sqlite3_stmt* statement, int index, const std::string& text) {
    sqlite3_bind_text(statement, index, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

struct Statement {
    sqlite3_stmt* handle = nullptr;
    ~Statement() { sqlite3_finalize(handle); }
};

constexpr const char* kSchema = "CREATE TABLE IF NOT EXISTS services ("
                                "name TEXT PRIMARY KEY, database_type TEXT NOT NULL, "
                                "connection_masked TEXT NOT NULL, connection_sealed TEXT NOT NULL, "
                                "pool TEXT NOT NULL, ssl TEXT NOT NULL, options TEXT NOT NULL, "
                                "created_at TEXT NOT NULL, updated_at TEXT NOT NULL)";

} // namespace

std::string masked_connection_string(const std::string& connection_string) {
    auto url = federation::parse_service_url(connection_string);
    if (!url) {
        return "****"; // never shown unparsed: the text may hold a password anywhere
    }
    // redacted() writes "***" where a password was; SPEC's responses show "****". Everything
    // else in redacted() is percent-encoded, where '*' cannot appear unescaped.
    std::string text = url->redacted();
    for (size_t at = text.find("***"); at != std::string::npos; at = text.find("***", at + 4)) {
        text.insert(at, "*");
    }
    return text;
}

Result<std::unique_ptr<ServiceStore>> ServiceStore::open(const std::string& data_dir, SecretKey key) {
    auto opened = open_catalog_db(data_dir);
    if (!opened) {
        return opened.error();
    }
    sqlite3* db = *opened;
    std::string path = (std::filesystem::path(data_dir) / "catalog.db").string();
    if (sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
        Error e = store_error(db, "cannot create the services table in " + path);
        sqlite3_close(db);
        return e;
    }
    std::unique_ptr<ServiceStore> store(new ServiceStore(db, std::move(key)));
    auto loaded = store->load();
    if (!loaded) {
        return loaded.error();
    }
    return store;
}

ServiceStore::~ServiceStore() {
    sqlite3_close(db_);
}

Result<void> ServiceStore::load() {
    Statement select;
    if (sqlite3_prepare_v2(db_,
                           "SELECT name, database_type, connection_sealed, pool, ssl, options, created_at, "
                           "updated_at FROM services ORDER BY name",
                           -1, &select.handle, nullptr) != SQLITE_OK) {
        return store_error(db_, "cannot read the services table");
    }
    while (sqlite3_step(select.handle) == SQLITE_ROW) {
        StoredService s;
        s.name = column_text(select.handle, 0);
        s.database_type = column_text(select.handle, 1);
        auto connection = open_secret(key_, column_text(select.handle, 2), s.name);
        if (!connection) {
            return Error::make("F0000", "cannot decrypt the connection string of registered service \"" +
                                            s.name + "\" with the secret key from " + key_.origin + ": " +
                                            connection.error().message +
                                            ". Start with the key the service was registered with.");
        }
        s.connection_string = std::move(*connection);
        s.pool_json = column_text(select.handle, 3);
        s.ssl_json = column_text(select.handle, 4);
        s.options_json = column_text(select.handle, 5);
        s.created_at = column_text(select.handle, 6);
        s.updated_at = column_text(select.handle, 7);
        services_.push_back(std::move(s));
    }
    return {};
}

std::vector<StoredService> ServiceStore::list() const {
    std::lock_guard lock(mutex_);
    return services_;
}

std::optional<StoredService> ServiceStore::find(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(services_.begin(), services_.end(),
                           [&](const StoredService& s) { return s.name == name; });
    return it == services_.end() ? std::nullopt : std::optional<StoredService>(*it);
}

Result<void> ServiceStore::write(const StoredService& s, bool insert) {
    Statement statement;
    const char* sql =
        insert ? "INSERT INTO services (database_type, connection_masked, connection_sealed, pool, "
                 "ssl, options, created_at, updated_at, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
               : "UPDATE services SET database_type = ?, connection_masked = ?, "
                 "connection_sealed = ?, pool = ?, ssl = ?, options = ?, created_at = ?, "
                 "updated_at = ? WHERE name = ?";
    if (sqlite3_prepare_v2(db_, sql, -1, &statement.handle, nullptr) != SQLITE_OK) {
        return store_error(db_, "cannot prepare a write to the services table");
    }
    bind(statement.handle, 1, s.database_type);
    bind(statement.handle, 2, masked_connection_string(s.connection_string));
    bind(statement.handle, 3, seal_secret(key_, s.connection_string, s.name));
    bind(statement.handle, 4, s.pool_json);
    bind(statement.handle, 5, s.ssl_json);
    bind(statement.handle, 6, s.options_json);
    bind(statement.handle, 7, s.created_at);
    bind(statement.handle, 8, s.updated_at);
    bind(statement.handle, 9, s.name);
    int rc = sqlite3_step(statement.handle);
    if (rc == SQLITE_CONSTRAINT) {
        return Error::make("23505", "a service named \"" + s.name + "\" is already registered");
    }
    if (rc != SQLITE_DONE) {
        return store_error(db_, "cannot record service \"" + s.name + "\"");
    }
    if (!insert && sqlite3_changes(db_) == 0) {
        return Error::make("42704", "service \"" + s.name + "\" is not registered");
    }
    return {};
}

Result<StoredService> ServiceStore::insert(StoredService service) {
    std::lock_guard lock(mutex_);
    service.created_at = service.updated_at = now_iso8601();
    auto written = write(service, true);
    if (!written) {
        return written.error();
    }
    services_.push_back(service);
    std::sort(services_.begin(), services_.end(),
              [](const StoredService& a, const StoredService& b) { return a.name < b.name; });
    return service;
}

Result<StoredService> ServiceStore::update(StoredService service) {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(services_.begin(), services_.end(),
                           [&](const StoredService& s) { return s.name == service.name; });
    if (it == services_.end()) {
        return Error::make("42704", "service \"" + service.name + "\" is not registered");
    }
    service.created_at = it->created_at;
    service.updated_at = now_iso8601();
    auto written = write(service, false);
    if (!written) {
        return written.error();
    }
    *it = service;
    return service;
}

Result<void> ServiceStore::remove(const std::string& name) {
    std::lock_guard lock(mutex_);
    Statement statement;
    if (sqlite3_prepare_v2(db_, "DELETE FROM services WHERE name = ?", -1, &statement.handle, nullptr) !=
        SQLITE_OK) {
        return store_error(db_, "cannot prepare a delete from the services table");
    }
    bind(statement.handle, 1, name);
    if (sqlite3_step(statement.handle) != SQLITE_DONE) {
        return store_error(db_, "cannot remove service \"" + name + "\"");
    }
    if (sqlite3_changes(db_) == 0) {
        return Error::make("42704", "service \"" + name + "\" is not registered");
    }
    services_.erase(std::remove_if(services_.begin(), services_.end(),
                                   [&](const StoredService& s) { return s.name == name; }),
                    services_.end());
    return {};
}

} // namespace nectar::rest
