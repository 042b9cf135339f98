#pragma once
// The `_table` endpoints of SPEC §5 that read (list, one row by primary key, `_count`,
// `_schema`) and `_expose`. Every request becomes a logical plan (Scan, Filter, Sort, Limit,
// Project) for the worker's federation engine, like SQL does; no SQL text is assembled here.

#include "rest/exposure_store.hpp"
#include "rest/http_message.hpp"
#include "rest/json_writer.hpp"

namespace nectar::rest {

struct TableApiOptions {
    int64_t default_limit = 50;
    int64_t max_limit = 1000; ///< a larger ?limit= is a 400, never a silent cap
    JsonOptions json;
};

/// GET /api/v2/{service}/_table/{table}[/{id}|/_schema|/_count], POST /api/v2/{service}/_expose.
/// `exposures` outlives the router.
void add_table_routes(HttpRouter& router, ExposureStore& exposures, TableApiOptions options);

/// The HTTP status for an engine error: 404 for unknown services and tables, 400 for what the
/// request got wrong (classes 22, 42, 0A, 54), 503 when a backend cannot be reached, else 500.
int http_status_for(const Error& error);

} // namespace nectar::rest
