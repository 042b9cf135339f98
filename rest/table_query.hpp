#pragma once
// A `_table` request's query parameters, checked against the table, and the logical plans they
// make: Scan → Filter → Sort → Limit → Project for a page, Aggregate count(*) for a total.

#include "federation/catalog/catalog.hpp"
#include "federation/plan/logical_plan.hpp"
#include "rest/exposure_store.hpp"
#include "rest/http_message.hpp"

#include <optional>

namespace nectar::rest {

/// The table a request names, as discovered.
struct TableRef {
    std::string service;
    const federation::TableInfo* table = nullptr;
    std::shared_ptr<const federation::Catalog> catalog; ///< keeps `table` alive
};

/// The exposed table the path's {service} and {table} name; 3D000 / 42P01 (404) for unknown
/// services and tables, and for tables that exist but are not exposed (not there as far as REST goes).
boost::asio::awaitable<Result<TableRef>> find_exposed_table(const HttpRequest& request, const ExposureStore& exposures);

struct PageRequest {
    federation::ExprPtr filter;          ///< over the table's columns; null: every row
    std::vector<federation::SortKey> sort;
    std::vector<int> columns;            ///< the table columns to return, in order
    int64_t limit = 50;
    int64_t offset = 0;
    int64_t page = 1;                    ///< the page number the offset falls on
    enum class Count { none, exact, estimated } count = Count::none;
};

/// One item of a sort parameter: "column" or "column:asc|desc" (direction in any case).
struct SortItem {
    std::string_view name;
    bool descending = false;
};
/// "a:desc,b" (the list's ?sort= and _query's "sort"); 22023 naming the bad item or direction.
Result<std::vector<SortItem>> parse_sort(std::string_view text);

/// Which rows a page holds.
struct PageWindow {
    int64_t limit = 50;
    int64_t offset = 0;
    int64_t page = 1; ///< the page number the offset falls on
};
/// limit, page and offset as given (nullopt when absent), checked with the same rules for the
/// list and _query: 1 <= limit <= max_limit (never a silent cap), page from 1, not both page and offset.
Result<PageWindow> page_window(std::optional<int64_t> limit, std::optional<int64_t> page, std::optional<int64_t> offset,
                               int64_t default_limit, int64_t max_limit);

/// Reads filter, sort, limit, offset, page, fields, exclude and count; a bad one is an Error
/// (22023 bad value, 42703 unknown column, 22P02 malformed filter...) naming the parameter.
Result<PageRequest> read_page_request(const HttpRequest& request, const federation::TableInfo& table,
                                      int64_t default_limit, int64_t max_limit);
/// The fields/exclude selection alone (for the one-row endpoint).
Result<std::vector<int>> read_columns(const HttpRequest& request, const federation::TableInfo& table);

/// Scan of the whole table (every column, as the binder makes it).
federation::PlanPtr scan_of(const TableRef& ref);
/// The page: limit + 1 rows, so that the caller knows whether more exist.
federation::PlanPtr page_plan(const TableRef& ref, const PageRequest& page);
/// count(*) of the rows the filter keeps.
Result<federation::PlanPtr> count_plan(const TableRef& ref, const federation::ExprPtr& filter);
/// The filter alone (for an estimated count).
federation::PlanPtr filtered_plan(const TableRef& ref, const federation::ExprPtr& filter);
/// primary key = the id's parts ("a,b" for a composite key); 22P02/400 errors on a bad id.
Result<federation::ExprPtr> primary_key_filter(const federation::TableInfo& table, std::string_view id);

} // namespace nectar::rest
