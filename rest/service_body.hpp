#pragma once
// The JSON bodies of POST and PATCH /api/v2/services (SPEC §5), read into a StoredService, and
// what a stored service's pool/ssl/options JSON means for its URL and pool.

#include "rest/service_store.hpp"

#include <string>
#include <utility>
#include <vector>

namespace nectar::rest {

/// Every databaseType SPEC §5 names.
bool is_database_type(std::string_view type);
/// Whether a connection URL's scheme (ServiceUrl::scheme) is one `database_type` connects with.
bool scheme_fits_type(std::string_view scheme, std::string_view database_type);

/// POST: {name, databaseType, connectionString, pool?, ssl?, options?}. The name is returned as
/// written (the registry folds and checks it). 22023 errors say which member is wrong.
Result<StoredService> parse_service_body(std::string_view body);

/// PATCH: the members present replace `current`'s; `name`, when given, must be the same service.
Result<StoredService> merge_service_patch(std::string_view body, StoredService current);

/// A stored service's settings as text: ssl and options become URL parameters; pool settings
/// keep SPEC §4's names.
struct ServiceSettings {
    std::vector<std::pair<std::string, std::string>> url_params;
    std::vector<std::pair<std::string, std::string>> pool;
};
Result<ServiceSettings> service_settings(const StoredService& service);

} // namespace nectar::rest
