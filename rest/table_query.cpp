#include "rest/table_query.hpp"

#include "federation/engine.hpp"
#include "federation/expr/functions.hpp"
#include "rest/expr_build.hpp"
#include "rest/filter.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace nectar::rest {

using namespace federation;

namespace {

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (;;) {
        size_t at = text.find(separator, start);
        parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos) {
            return parts;
        }
        start = at + 1;
    }
}

Error bad_parameter(std::string_view name, std::string_view why) {
    return Error::make("22023", "invalid " + std::string(name) + ": " + std::string(why));
}

/// A whole non-negative decimal number, nothing else.
std::optional<int64_t> whole_number(std::string_view text) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
        return std::nullopt;
    }
    return value;
}

Result<int> column_index(const TableInfo& table, std::string_view name, std::string_view parameter) {
    for (size_t i = 0; i < table.columns.size(); i++) {
        if (table.columns[i].name == name) {
            return static_cast<int>(i);
        }
    }
    return Error::make("42703", "column \"" + std::string(name) + "\" (in " + std::string(parameter) +
                                    ") does not exist in table \"" + table.name + "\"");
}

ExprPtr column_expr(const TableInfo& table, int i) {
    return Expr::column_ref(i, table.columns[i].type, table.columns[i].name);
}

Result<std::vector<SortKey>> read_sort(std::string_view text, const TableInfo& table) {
    auto items = parse_sort(text);
    if (!items) {
        return items.error();
    }
    std::vector<SortKey> keys;
    for (const SortItem& item : *items) {
        auto column = column_index(table, item.name, "sort");
        if (!column) {
            return column.error();
        }
        // PostgreSQL's NULL placement: first when descending.
        keys.push_back(SortKey{column_expr(table, *column), item.descending, item.descending});
    }
    return keys;
}

/// A query parameter that must be a whole number from 0, or nullopt when absent.
Result<std::optional<int64_t>> number_param(const HttpRequest& request, std::string_view name) {
    const std::string* text = request.param(name);
    if (text == nullptr) {
        return std::optional<int64_t>();
    }
    auto n = whole_number(*text);
    if (!n) {
        return bad_parameter(name, "\"" + *text + "\" is not a whole number");
    }
    return std::optional<int64_t>(*n);
}

/// The primary key's columns, ascending: the order pages follow when no sort is given.
std::vector<SortKey> primary_key_order(const TableInfo& table) {
    std::vector<SortKey> keys;
    for (size_t i = 0; i < table.columns.size(); i++) {
        if (table.columns[i].primary_key) {
            keys.push_back(SortKey{column_expr(table, static_cast<int>(i)), false, false});
        }
    }
    return keys;
}

PlanPtr on_top(PlanNode::Kind kind, PlanPtr child) {
    auto node = PlanNode::make(kind);
    node->columns = child->columns;
    node->children = {std::move(child)};
    return node;
}

} // namespace

Result<std::vector<SortItem>> parse_sort(std::string_view text) {
    std::vector<SortItem> items;
    for (std::string_view item : split(text, ',')) {
        auto parts = split(item, ':');
        if (parts.size() > 2 || parts[0].empty()) {
            return bad_parameter("sort", "\"" + std::string(item) + "\" is not column or column:asc|desc");
        }
        std::string direction(parts.size() == 2 ? parts[1] : "asc");
        std::transform(direction.begin(), direction.end(), direction.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (direction != "asc" && direction != "desc") {
            return bad_parameter("sort", "direction \"" + std::string(parts[1]) + "\" is not asc or desc");
        }
        items.push_back(SortItem{parts[0], direction == "desc"});
    }
    return items;
}

Result<PageWindow> page_window(std::optional<int64_t> limit, std::optional<int64_t> page, std::optional<int64_t> offset,
                               int64_t default_limit, int64_t max_limit) {
    PageWindow w;
    w.limit = limit.value_or(default_limit);
    if (w.limit <= 0) {
        return bad_parameter("limit", std::to_string(w.limit) + " is not a positive whole number");
    }
    if (w.limit > max_limit) {
        return bad_parameter("limit", std::to_string(w.limit) + " is over the maximum of " + std::to_string(max_limit) +
                                          " rows per page (use page or offset for more)");
    }
    if (page && offset) {
        return bad_parameter("page", "give page or offset, not both");
    }
    if (offset) {
        w.offset = *offset;
        w.page = *offset / w.limit + 1;
    } else if (page) {
        if (*page <= 0 || *page > (int64_t{1} << 40) / w.limit) {
            return bad_parameter("page", std::to_string(*page) + " is not a page number from 1");
        }
        w.page = *page;
        w.offset = (*page - 1) * w.limit;
    }
    return w;
}

Result<std::vector<int>> read_columns(const HttpRequest& request, const TableInfo& table) {
    std::vector<int> columns;
    if (const std::string* fields = request.param("fields"); fields != nullptr && !fields->empty()) {
        for (std::string_view name : split(*fields, ',')) {
            if (name.find('.') != std::string_view::npos) {
                continue; // relation.column: an embedded relation's (include_embed.hpp)
            }
            auto column = column_index(table, name, "fields");
            if (!column) {
                return column.error();
            }
            columns.push_back(*column);
        }
    }
    if (columns.empty()) { // no fields=, or only embedded relations' columns: every column
        for (size_t i = 0; i < table.columns.size(); i++) {
            columns.push_back(static_cast<int>(i));
        }
    }
    if (const std::string* exclude = request.param("exclude"); exclude != nullptr && !exclude->empty()) {
        for (std::string_view name : split(*exclude, ',')) {
            auto column = column_index(table, name, "exclude");
            if (!column) {
                return column.error();
            }
            columns.erase(std::remove(columns.begin(), columns.end(), *column), columns.end());
        }
    }
    if (columns.empty()) {
        return bad_parameter("fields/exclude", "no column is left to return");
    }
    return columns;
}

Result<PageRequest> read_page_request(const HttpRequest& request, const TableInfo& table, int64_t default_limit,
                                      int64_t max_limit) {
    PageRequest page;
    if (const std::string* filter = request.param("filter"); filter != nullptr && !filter->empty()) {
        auto bound = bind_filter(*filter, table.columns);
        if (!bound) {
            return bound.error();
        }
        page.filter = *bound;
    }
    auto sort = request.param("sort") ? read_sort(*request.param("sort"), table) : primary_key_order(table);
    if (!sort) {
        return sort.error();
    }
    page.sort = std::move(*sort);
    auto columns = read_columns(request, table);
    if (!columns) {
        return columns.error();
    }
    page.columns = std::move(*columns);
    auto limit = number_param(request, "limit");
    auto page_number = limit ? number_param(request, "page") : limit;
    auto offset = page_number ? number_param(request, "offset") : page_number;
    if (!offset) {
        return offset.error();
    }
    auto window = page_window(*limit, *page_number, *offset, default_limit, max_limit);
    if (!window) {
        return window.error();
    }
    page.limit = window->limit;
    page.offset = window->offset;
    page.page = window->page;
    if (const std::string* count = request.param("count")) {
        if (*count == "exact") {
            page.count = PageRequest::Count::exact;
        } else if (*count == "estimated") {
            page.count = PageRequest::Count::estimated;
        } else {
            return bad_parameter("count", "\"" + *count + "\" is not exact or estimated");
        }
    }
    return page;
}

PlanPtr scan_of(const TableRef& ref) {
    auto scan = PlanNode::make(PlanNode::Kind::Scan);
    scan->service = ref.service;
    scan->schema = ref.table->schema;
    scan->table = ref.table->name;
    scan->row_estimate = ref.table->row_estimate;
    for (const ColumnInfo& c : ref.table->columns) {
        scan->columns.push_back({c.name, c.type, !c.nullable});
    }
    return scan;
}

PlanPtr filtered_plan(const TableRef& ref, const ExprPtr& filter) {
    PlanPtr plan = scan_of(ref);
    if (filter) {
        plan = on_top(PlanNode::Kind::Filter, plan);
        plan->predicate = filter;
    }
    return plan;
}

PlanPtr page_plan(const TableRef& ref, const PageRequest& page) {
    PlanPtr plan = filtered_plan(ref, page.filter);
    if (!page.sort.empty()) {
        plan = on_top(PlanNode::Kind::Sort, plan);
        plan->sort_keys = page.sort;
    }
    plan = on_top(PlanNode::Kind::Limit, plan);
    plan->limit = page.limit + 1; // one more than asked: tells whether another page exists
    plan->offset = page.offset;
    auto project = PlanNode::make(PlanNode::Kind::Project);
    for (int i : page.columns) {
        project->exprs.push_back(column_expr(*ref.table, i));
        project->columns.push_back({ref.table->columns[i].name, ref.table->columns[i].type});
    }
    project->children = {plan};
    return project;
}

Result<PlanPtr> count_plan(const TableRef& ref, const ExprPtr& filter) {
    auto count = resolve_aggregate("count", {}, true);
    if (!count) {
        return count.error();
    }
    auto aggregate = PlanNode::make(PlanNode::Kind::Aggregate);
    aggregate->children = {filtered_plan(ref, filter)};
    AggregateCall call;
    call.impl = *count;
    call.star = true;
    aggregate->aggregates = {call};
    aggregate->columns = {{"count", count->result}};
    return aggregate;
}

Result<ExprPtr> primary_key_filter(const TableInfo& table, std::string_view id) {
    std::vector<int> key;
    for (size_t i = 0; i < table.columns.size(); i++) {
        if (table.columns[i].primary_key) {
            key.push_back(static_cast<int>(i));
        }
    }
    if (key.empty()) {
        return Error::make("42P10", "table \"" + table.name + "\" has no primary key: read it with a filter");
    }
    // A one-column key takes the id whole (it may hold commas); a composite key splits on them.
    std::vector<std::string_view> parts = key.size() == 1 ? std::vector<std::string_view>{id} : split(id, ',');
    if (parts.size() != key.size()) {
        return Error::make("22023", "id \"" + std::string(id) + "\" has " + std::to_string(parts.size()) +
                                        " part(s); the primary key of \"" + table.name + "\" has " +
                                        std::to_string(key.size()) + " (write them as a,b)");
    }
    std::vector<ExprPtr> terms;
    for (size_t k = 0; k < key.size(); k++) {
        auto value = from_pg_text(table.columns[key[k]].type, parts[k]);
        if (!value) {
            Error e = value.error();
            e.message = "id: " + e.message;
            return e;
        }
        auto eq = operator_call("=", column_expr(table, key[k]), Expr::constant(std::move(*value)));
        if (!eq) {
            return eq.error();
        }
        terms.push_back(*eq);
    }
    return all_of(std::move(terms));
}

boost::asio::awaitable<Result<TableRef>> find_exposed_table(const HttpRequest& request, const ExposureStore& exposures) {
    const std::string& service = request.path_param("service");
    const std::string& name = request.path_param("table");
    auto catalog = co_await request.engine->catalog();
    if (!catalog) {
        co_return catalog.error();
    }
    const ServiceTables* tables = (*catalog)->service(service);
    if (tables == nullptr) {
        co_return Error::make("3D000", "service \"" + service + "\" does not exist");
    }
    const TableInfo* found = tables->find_table(name);
    if (found == nullptr || !exposures.is_exposed(service, name)) {
        co_return Error::make("42P01", "table \"" + name + "\" " + (found ? "is not exposed" : "does not exist") +
                                           " in service \"" + service + "\"" +
                                           (found ? " (POST /api/v2/" + service + "/_expose to serve it)" : ""));
    }
    co_return TableRef{service, found, *catalog};
}

} // namespace nectar::rest
