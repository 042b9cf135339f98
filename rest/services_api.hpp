#pragma once
// The services registry of SPEC §5: POST /api/v2/services registers a backend, GET lists them
// (GET /api/v2/services/{name} inspects one) with their health, PATCH changes one and DELETE
// removes it. Services from the config file or command line are listed with "source":"config"
// and change only there. Admin endpoints: callers need the role `admin`, or be the anonymous
// loopback caller SPEC §1 allows when no authentication is configured. Responses never hold a
// password: connection strings are shown with it as "****".

#include "rest/exposure_store.hpp"
#include "rest/http_message.hpp"
#include "rest/service_store.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::rest {

/// What the process (proxy/) does with services: the registry API decides, this carries out.
class ServiceRegistry {
  public:
    virtual ~ServiceRegistry() = default;

    struct ConfigService {
        std::string name;
        std::string database_type; ///< SPEC §5's name for its URL scheme
        std::string masked_url;
    };

    /// The name folded as --service folds it, or a 22023 Error saying why it cannot name a service.
    virtual Result<std::string> normalize_name(std::string_view raw) const = 0;
    /// Checks a service as --service would (URL, connector available, pool settings): 22023/0A000.
    virtual Result<void> check(const StoredService& service) const = 0;
    virtual std::vector<ConfigService> config_services() const = 0;
    /// Starts the service (or its new settings) on every worker; returns once all have it.
    /// `change` numbers the registry's changes in the order the store took them: a worker
    /// ignores a change older than the last it applied to that service (two requests racing).
    virtual boost::asio::awaitable<void> install(StoredService service, uint64_t change) = 0;
    /// Removes the service from every worker; returns once all have dropped it.
    virtual boost::asio::awaitable<void> uninstall(std::string name, uint64_t change) = 0;
};

/// `exposures`: a removed service's exposed tables are forgotten with it.
void add_services_routes(HttpRouter& router, ServiceStore& store, ServiceRegistry& registry,
                         ExposureStore& exposures);

} // namespace nectar::rest
