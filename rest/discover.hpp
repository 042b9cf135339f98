#pragma once
// GET /api/v2/{service}/_discover (SPEC §5): everything the service admin needs to know about a
// service: every table and view (exposed or not) with columns, keys, indexes, foreign keys and
// relationships, and its procedures and functions.

#include "federation/catalog/catalog.hpp"
#include "rest/exposure_store.hpp"
#include "rest/http_message.hpp"
#include "rest/json_writer.hpp"

namespace nectar::rest {

/// Adds "columns", "primaryKey", "indexes", "foreignKeys" and "relationships" of `table` to the
/// object `w` is writing (shared by `_discover` and `_schema`).
void write_table_shape(JsonWriter& w, const federation::ServiceTables& service, const federation::TableInfo& table);

/// GET /api/v2/{service}/_discover. `exposures` outlives the router.
void add_discover_routes(HttpRouter& router, const ExposureStore& exposures);

} // namespace nectar::rest
