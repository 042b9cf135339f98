#pragma once
// The `_table` endpoints of SPEC §5 that write: POST (insert one or many, upsert), PATCH / PUT /
// DELETE of one row by primary key with ETag / If-Match, PATCH / DELETE by filter. Each request
// becomes the engine's bound write (federation::BoundWrite) run by federation::Engine::write on
// the same path as SQL's INSERT / UPDATE / DELETE; no SQL text is assembled here.
//
// Responses: POST → 201 {"data":[rows as stored]} (one object: with the row's ETag); by id → 200 and the row as GET .../{id}
// shows it (DELETE too: the row as it was, like DreamFactory's and PostgREST's
// return=representation), with its ETag on PATCH and PUT; by filter → 200 {"data":[rows written],
// "meta":{"count":n}}. Errors: 404 no such row, 412 (SQLSTATE 55000) an If-Match that does not
// match the row now, 409 unique / foreign-key violations, 400 for the rest of what the request
// got wrong; nothing is written when any of them is returned.

#include "rest/exposure_store.hpp"
#include "rest/http_message.hpp"
#include "rest/table_api.hpp"

namespace nectar::rest {

/// POST /api/v2/{service}/_table/{table}, PATCH / DELETE of it with ?filter=, and PATCH / PUT /
/// DELETE of .../{id}. `exposures` outlives the router.
void add_write_routes(HttpRouter& router, ExposureStore& exposures, TableApiOptions options);

/// The HTTP status of a write's error: 412 for 55000 (If-Match), 409 for unique and foreign-key
/// violations and serialization failures, 400 for the other integrity violations, else as reads.
int write_status_for(const Error& error);

} // namespace nectar::rest
