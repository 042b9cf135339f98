#pragma once
// The fixed parts of the OpenAPI document (rest/openapi.hpp): shared parameters, responses,
// schemas and security schemes, and the service-level paths (`services`, `_discover`, `_expose`).

#include "rest/json_writer.hpp"

#include <cstdint>

namespace nectar::rest {

/// components/parameters (the list's query parameters, `rowId`, `ifMatch`, `X-Role`...).
void write_shared_parameters(JsonWriter& w, int64_t default_limit, int64_t max_limit);
/// components/responses: SPEC §5's error body under each error status ("400", "401"...).
void write_shared_responses(JsonWriter& w);
/// components/schemas entries that every table shares: Error, ListMeta, Count, TableSchema, QueryBody...
void write_shared_schemas(JsonWriter& w);
/// components/headers and components/securitySchemes (ApiKeyAuth, BearerAuth).
void write_headers_and_security(JsonWriter& w);
/// paths entries for /api/v2/services, /api/v2/services/{name}, /api/v2/{service}/_discover
/// and /api/v2/{service}/_expose.
void write_service_paths(JsonWriter& w);

} // namespace nectar::rest
