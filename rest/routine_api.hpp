#pragma once
// POST /api/v2/{service}/_proc/{name} (SPEC §5): calls a stored procedure or function of a
// PostgreSQL or MySQL/MariaDB service.
//
//   {"params": {"arg": value, ...}}   named arguments (every IN/INOUT argument, none extra), or
//   {"params": [value, ...]}          positional, in declared order; no body: no arguments.
//
// The routine and each argument are checked against the service's discovered routines; values
// are coerced to the declared types by the filter language's rules (filter.hpp column_value)
// and reach the backend as typed literals (Connector::call_routine). Only exposed routines
// answer (ExposureStore::is_routine_exposed).
//
// Answer: {"data": [rows of the first result set], "resultSets": [[...], [...]] (every set, only
// when a MariaDB procedure produced more than one), "out": {"arg": value} (only when the routine
// has OUT/INOUT arguments)}. A function returning a set or table: its rows; a scalar function:
// [{"<name>": value}]; a procedure: its result sets (PostgreSQL procedures have none).
// Errors: 404 unknown service, unexposed or unknown routine, a SQLite service (none there);
// 400 bad body, missing/extra/unknown argument, a value that does not fit its type; a routine's
// own error keeps its SQLSTATE and message (400 for RAISE EXCEPTION's P0001 and SIGNAL's 45000).

#include "rest/exposure_store.hpp"
#include "rest/http_message.hpp"

namespace nectar::rest {

/// POST /api/v2/{service}/_proc/{name}. `exposures` outlives the router.
void add_routine_routes(HttpRouter& router, const ExposureStore& exposures);

} // namespace nectar::rest
