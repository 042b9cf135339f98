#pragma once
// Services registered over HTTP (SPEC §5 /api/v2/services), kept in Nectar's catalog store
// (catalog.db in the data dir) so that they come back on every start. The connection string,
// which holds the backend password, is stored sealed with secret_box (AES-256-GCM, the service
// name as AAD); a masked copy (password as ****) is stored beside it for people reading the file.

#include "rest/secret_box.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace nectar::rest {

struct StoredService {
    std::string name;
    std::string database_type;       ///< as registered: postgresql, mysql, mariadb, sqlite...
    std::string connection_string;   ///< in clear, in memory only
    std::string pool_json = "{}";    ///< SPEC §4 pool settings as given (a JSON object)
    std::string ssl_json = "{}";     ///< {"mode", "rootCert"} as given
    std::string options_json = "{}"; ///< extra connection parameters as given
    std::string created_at;          ///< ISO 8601 UTC, set by the store
    std::string updated_at;
};

/// The connection string with its password replaced by "****" (also a password= parameter).
std::string masked_connection_string(const std::string& connection_string);

class ServiceStore {
  public:
    /// Opens `data_dir`/catalog.db (creating the table) and decrypts every stored service; a
    /// service that does not decrypt with `key` is an error that names it.
    static Result<std::unique_ptr<ServiceStore>> open(const std::string& data_dir, SecretKey key);
    ~ServiceStore();
    ServiceStore(const ServiceStore&) = delete;
    ServiceStore& operator=(const ServiceStore&) = delete;

    /// Every stored service, by name.
    std::vector<StoredService> list() const;
    std::optional<StoredService> find(const std::string& name) const;
    /// Adds a service; 23505 when the name is taken.
    Result<StoredService> insert(StoredService service);
    /// Replaces a stored service's settings (keeps created_at); 42704 when there is none.
    Result<StoredService> update(StoredService service);
    /// 42704 when there is none.
    Result<void> remove(const std::string& name);

  private:
    ServiceStore(sqlite3* db, SecretKey key)
        : db_(db)
        , key_(std::move(key)) {}
    Result<void> load();
    Result<void> write(const StoredService& service, bool insert);

    sqlite3* db_;
    SecretKey key_;
    mutable std::mutex mutex_; ///< guards the file and services_ (writes are rare and short)
    std::vector<StoredService> services_;
};

} // namespace nectar::rest
