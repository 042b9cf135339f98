#pragma once
// GET /api/v2/openapi.json (SPEC §5): an OpenAPI 3.0.3 document generated from the live catalog
// and the exposure store, so that it lists exactly the tables `_table` answers for, with each
// column's JSON type, and the service endpoints (`services`, `_discover`, `_expose`).

#include "federation/catalog/catalog.hpp"
#include "rest/exposure_store.hpp"
#include "rest/http_message.hpp"

#include <string>

namespace nectar::rest {

struct OpenApiOptions {
    std::string version = "1";     ///< info.version
    int64_t default_limit = 50;    ///< the list's `limit` default and maximum, as TableApiOptions has them
    int64_t max_limit = 1000;
    /// Whether anonymous callers are served (loopback with no authentication configured): the
    /// document then marks security as optional.
    bool anonymous_allowed = false;
};

/// The document for every exposed table of every service in `catalog`.
std::string openapi_document(const federation::Catalog& catalog, const ExposureStore& exposures,
                             const OpenApiOptions& options);

/// GET /api/v2/openapi.json (authenticated like every /api/v2 route). `exposures` outlives the router.
void add_openapi_routes(HttpRouter& router, const ExposureStore& exposures, OpenApiOptions options);

} // namespace nectar::rest
