#pragma once
// POST /api/v2/{service}/_table/{table}/_query (SPEC §5): a JSON body with joins (also to other
// services' tables), filter, aggregate, select, sort and paging, bound to one logical plan for
// the federation engine.
//
//   {"joins": [{"table": "orders" | "service.orders", "as": "o", "type": "inner" | "left",
//               "on": {"users.id": "o.user_id"}}],
//    "filter": {...}, "select": ["users.name", "o.total"],
//    "aggregate": {"group": ["users.city"], "functions": {"n": {"$count": "*"}, "t": {"$sum": "o.total"}}},
//    "sort": "t:desc,users.city" (or an array of such items), "limit": 50, "page": 1 | "offset": 0,
//    "include": ["orders", ...] | "orders,tags", "exclude": ["password", ...] | "a,b"}
//
// With joins, columns are named table.column (alias.column); without, by their own names.
// `select` and `aggregate` exclude each other; `sort` names output columns. `include` embeds the
// path table's relationships as the list's include= does (not with `aggregate`); `exclude`
// drops output columns. Any other key is a 400 naming it.

#include "rest/exposure_store.hpp"
#include "rest/include_embed.hpp"
#include "rest/table_query.hpp"

namespace nectar::rest {

struct BodyQuery {
    federation::PlanPtr plan; ///< the page: limit + 1 rows, to tell whether more exist
    int64_t limit = 50;
    int64_t offset = 0;
    int64_t page = 1;
    /// With "include": the embeds, and what the plan's columns are: the path table's column
    /// index of each (-1 for a joined table's), their names, and how many are printed (the rest
    /// are key columns fetched only to stitch the embeds).
    std::vector<Embed> embeds;
    std::vector<int> table_columns;
    std::vector<std::string> names;
    size_t printed = 0;
};

/// `base` is the table the path names; joined tables must be exposed too. Errors name what is
/// wrong: 22P02 bad JSON, 22023 bad shape or value, 42703/42702 unknown or ambiguous column,
/// 42P01 unknown or unexposed table, 42883 no such operator or aggregate for those types.
Result<BodyQuery> plan_body_query(std::string_view body, const TableRef& base, const ExposureStore& exposures,
                                  int64_t default_limit, int64_t max_limit);

} // namespace nectar::rest
