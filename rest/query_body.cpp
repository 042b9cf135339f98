#include "rest/query_body.hpp"

#include "federation/expr/functions.hpp"
#include "rest/expr_build.hpp"
#include "rest/filter.hpp"

#include <algorithm>
#include <simdjson.h>

namespace nectar::rest {

using namespace federation;
using simdjson::dom::element;

namespace {

Error shape_error(std::string message) { return Error::make("22023", "_query: " + std::move(message)); }

/// The columns the query can name: every table's, in join order.
struct Scope {
    std::vector<ColumnInfo> columns; ///< named as the query names them (alias.column with joins)
    std::vector<int> owner;          ///< which table (0 = the path's) each column comes from

    Result<int> find(std::string_view name) const {
        for (size_t i = 0; i < columns.size(); i++) {
            if (columns[i].name == name) {
                return static_cast<int>(i);
            }
        }
        bool joined = !owner.empty() && owner.back() > 0;
        return Error::make("42703", "_query: column \"" + std::string(name) + "\" does not exist" +
                                        (joined ? " (with joins, name columns table.column)" : ""));
    }
    ExprPtr ref(int i) const { return Expr::column_ref(i, columns[i].type, columns[i].name); }
};

void add_table(Scope& scope, const TableInfo& table, const std::string& alias, int owner, bool qualified) {
    for (const ColumnInfo& c : table.columns) {
        ColumnInfo named = c;
        named.name = qualified ? alias + "." + c.name : c.name;
        scope.columns.push_back(std::move(named));
        scope.owner.push_back(owner);
    }
}

PlanPtr scan(const std::string& service, const TableInfo& table) { return scan_of(TableRef{service, &table, nullptr}); }

/// The exposed table a join names: "table" (the path's service) or "service.table".
Result<TableRef> joined_table(std::string_view name, const TableRef& base, const ExposureStore& exposures) {
    std::string service = base.service;
    std::string table(name);
    if (size_t dot = name.find('.'); dot != std::string_view::npos) {
        service = std::string(name.substr(0, dot));
        table = std::string(name.substr(dot + 1));
    }
    const ServiceTables* tables = base.catalog->service(service);
    const TableInfo* found = tables != nullptr ? tables->find_table(table) : nullptr;
    if (found == nullptr || !exposures.is_exposed(service, table)) {
        return Error::make("42P01", "_query: joined table \"" + std::string(name) + "\" " +
                                        (found ? "is not exposed" : "does not exist"));
    }
    return TableRef{service, found, base.catalog};
}

/// One join's ON: {"a.x": "b.y", ...}, every pair an equality.
Result<ExprPtr> join_condition(element on, const Scope& scope) {
    simdjson::dom::object pairs;
    if (on.get_object().get(pairs) != simdjson::SUCCESS || pairs.size() == 0) {
        return shape_error("a join's \"on\" must be an object of column pairs, {\"left.col\": \"right.col\"}");
    }
    std::vector<ExprPtr> terms;
    for (auto [left_name, right] : pairs) {
        std::string_view right_name;
        if (right.get_string().get(right_name) != simdjson::SUCCESS) {
            return shape_error("in \"on\", \"" + std::string(left_name) + "\" must map to a column name");
        }
        auto l = scope.find(left_name);
        auto r = l ? scope.find(right_name) : l;
        if (!l || !r) {
            return l ? r.error() : l.error();
        }
        auto eq = operator_call("=", scope.ref(*l), scope.ref(*r));
        if (!eq) {
            return Error::make("42883", "_query: cannot compare \"" + std::string(left_name) + "\" with \"" +
                                            std::string(right_name) + "\": " + eq.error().message);
        }
        terms.push_back(*eq);
    }
    return all_of(std::move(terms));
}

/// Scan(base) joined left-deep with every entry of "joins"; fills `scope`.
Result<PlanPtr> joined_plan(element joins, const TableRef& base, const ExposureStore& exposures, Scope& scope) {
    simdjson::dom::array list;
    if (joins.get_array().get(list) != simdjson::SUCCESS) {
        return shape_error("\"joins\" must be an array");
    }
    bool qualified = list.size() > 0;
    add_table(scope, *base.table, base.table->name, 0, qualified);
    std::vector<std::string> aliases{base.table->name};
    PlanPtr plan = scan(base.service, *base.table);
    int owner = 0;
    for (element join : list) {
        std::string_view name, alias, type = "inner";
        if (join["table"].get_string().get(name) != simdjson::SUCCESS) {
            return shape_error("every join needs \"table\": \"name\" or \"service.name\"");
        }
        auto ref = joined_table(name, base, exposures);
        if (!ref) {
            return ref.error();
        }
        if (join["as"].get_string().get(alias) != simdjson::SUCCESS) {
            alias = ref->table->name;
        }
        if (join["type"].error() != simdjson::NO_SUCH_FIELD && join["type"].get_string().get(type) != simdjson::SUCCESS) {
            return shape_error("a join's \"type\" must be \"inner\" or \"left\"");
        }
        if (type != "inner" && type != "left") {
            return shape_error("join type \"" + std::string(type) + "\" is not inner or left");
        }
        if (std::find(aliases.begin(), aliases.end(), alias) != aliases.end()) {
            return Error::make("42712", "_query: table name \"" + std::string(alias) +
                                            "\" is used twice: give the join an \"as\" alias");
        }
        aliases.emplace_back(alias);
        add_table(scope, *ref->table, std::string(alias), ++owner, true);
        element on;
        if (join["on"].get(on) != simdjson::SUCCESS) {
            return shape_error("every join needs \"on\": {\"left.col\": \"right.col\"}");
        }
        auto condition = join_condition(on, scope);
        if (!condition) {
            return condition.error();
        }
        auto node = PlanNode::make(PlanNode::Kind::Join);
        node->join_type = type == "left" ? JoinType::Left : JoinType::Inner;
        PlanPtr right = scan(ref->service, *ref->table);
        node->columns = plan->columns;
        node->columns.insert(node->columns.end(), right->columns.begin(), right->columns.end());
        node->children = {plan, right};
        node->condition = *condition;
        plan = node;
    }
    return plan;
}

/// "aggregate": group keys then one function per output name.
Result<PlanPtr> aggregate_plan(element spec, const Scope& scope, PlanPtr input) {
    auto node = PlanNode::make(PlanNode::Kind::Aggregate);
    node->children = {std::move(input)};
    simdjson::dom::array group;
    if (spec["group"].error() != simdjson::NO_SUCH_FIELD) {
        if (spec["group"].get_array().get(group) != simdjson::SUCCESS) {
            return shape_error("\"aggregate.group\" must be an array of column names");
        }
        for (element g : group) {
            std::string_view name;
            if (g.get_string().get(name) != simdjson::SUCCESS) {
                return shape_error("\"aggregate.group\" must be an array of column names");
            }
            auto column = scope.find(name);
            if (!column) {
                return column.error();
            }
            node->group_by.push_back(scope.ref(*column));
            node->columns.push_back({std::string(name), scope.columns[*column].type});
        }
    }
    simdjson::dom::object functions;
    if (spec["functions"].get_object().get(functions) != simdjson::SUCCESS || functions.size() == 0) {
        return shape_error("\"aggregate.functions\" must be an object: {\"out\": {\"$count\": \"*\"}, ...}");
    }
    for (auto [out, call] : functions) {
        simdjson::dom::object only;
        if (call.get_object().get(only) != simdjson::SUCCESS || only.size() != 1) {
            return shape_error("function \"" + std::string(out) + "\" must be one of {\"$count\"|\"$sum\"|\"$avg\"|"
                                                                  "\"$min\"|\"$max\": \"column\"}");
        }
        auto [op, argument] = *only.begin();
        std::string_view column_name;
        if (argument.get_string().get(column_name) != simdjson::SUCCESS) {
            return shape_error("the argument of " + std::string(op) + " must be a column name (or \"*\" for $count)");
        }
        static const std::vector<std::pair<std::string_view, std::string_view>> kFunctions = {
            {"$count", "count"}, {"$sum", "sum"}, {"$avg", "avg"}, {"$min", "min"}, {"$max", "max"}};
        auto known = std::find_if(kFunctions.begin(), kFunctions.end(), [&](const auto& f) { return f.first == op; });
        if (known == kFunctions.end()) {
            return Error::make("42883", "_query: unknown aggregate function \"" + std::string(op) +
                                            "\" (use $count, $sum, $avg, $min or $max)");
        }
        AggregateCall agg;
        agg.star = op == "$count" && column_name == "*";
        std::vector<Type> types;
        if (!agg.star) {
            auto column = scope.find(column_name);
            if (!column) {
                return column.error();
            }
            agg.args = {scope.ref(*column)};
            types = {scope.columns[*column].type};
        }
        auto impl = resolve_aggregate(known->second, types, agg.star);
        if (!impl) {
            return Error::make("42883", "_query: " + std::string(op) + " of \"" + std::string(column_name) +
                                            "\": " + impl.error().message);
        }
        for (size_t i = 0; i < agg.args.size() && i < impl->params.size(); i++) {
            auto arg = coerce(agg.args[i], impl->params[i]);
            if (!arg) {
                return arg.error();
            }
            agg.args[i] = *arg;
        }
        agg.impl = *impl;
        node->aggregates.push_back(std::move(agg));
        node->columns.push_back({std::string(out), impl->result});
    }
    return node;
}

/// A body key holding names: ["a", "b"] or "a,b"; empty when absent.
Result<std::vector<std::string>> name_list(element body, std::string_view key) {
    std::vector<std::string> names;
    auto field = body[key];
    if (field.error() == simdjson::NO_SUCH_FIELD) {
        return names;
    }
    std::string_view text;
    simdjson::dom::array list;
    if (field.get_string().get(text) == simdjson::SUCCESS) {
        for (size_t start = 0; start <= text.size();) {
            size_t comma = std::min(text.find(',', start), text.size());
            names.emplace_back(text.substr(start, comma - start));
            start = comma + 1;
        }
    } else if (field.get_array().get(list) == simdjson::SUCCESS) {
        for (element e : list) {
            if (e.get_string().get(text) != simdjson::SUCCESS) {
                return shape_error("\"" + std::string(key) + "\" items must be strings");
            }
            names.emplace_back(text);
        }
    } else {
        return shape_error("\"" + std::string(key) + "\" must be an array of names or \"a,b\"");
    }
    for (const std::string& n : names) {
        if (n.empty()) {
            return shape_error("\"" + std::string(key) + "\" has an empty name");
        }
    }
    return names;
}

/// The scope columns "select" names (every column when absent), less those "exclude" names.
Result<std::vector<int>> selected_columns(element body, const Scope& scope) {
    std::vector<int> chosen;
    simdjson::dom::array names;
    auto select = body["select"];
    if (select.error() == simdjson::NO_SUCH_FIELD) {
        for (size_t i = 0; i < scope.columns.size(); i++) {
            chosen.push_back(static_cast<int>(i));
        }
    } else {
        if (select.get_array().get(names) != simdjson::SUCCESS || names.size() == 0) {
            return shape_error("\"select\" must be a non-empty array of column names");
        }
        for (element n : names) {
            std::string_view name;
            if (n.get_string().get(name) != simdjson::SUCCESS) {
                return shape_error("\"select\" must be a non-empty array of column names");
            }
            auto column = scope.find(name);
            if (!column) {
                return column.error();
            }
            chosen.push_back(*column);
        }
    }
    auto excluded = name_list(body, "exclude");
    if (!excluded) {
        return excluded.error();
    }
    for (const std::string& name : *excluded) {
        auto column = scope.find(name);
        if (!column) {
            return column.error();
        }
        chosen.erase(std::remove(chosen.begin(), chosen.end(), *column), chosen.end());
    }
    if (chosen.empty()) {
        return shape_error("\"exclude\" leaves no column to return");
    }
    return chosen;
}

/// Project of the selected columns, then (unprinted) the path table's key columns `embeds`
/// need; fills q's table_columns, names and printed.
Result<PlanPtr> select_plan(element body, const Scope& scope, PlanPtr input, const TableInfo& base, BodyQuery& q) {
    auto chosen = selected_columns(body, scope);
    if (!chosen) {
        return chosen.error();
    }
    q.printed = chosen->size();
    for (int c : embed_key_columns(base, q.embeds)) {
        // The path table's columns come first in the scope: column c of the table is scope column c.
        if (std::find(chosen->begin(), chosen->end(), c) == chosen->end()) {
            chosen->push_back(c);
        }
    }
    auto project = PlanNode::make(PlanNode::Kind::Project);
    project->children = {std::move(input)};
    for (int c : *chosen) {
        project->exprs.push_back(scope.ref(c));
        project->columns.push_back({scope.columns[c].name, scope.columns[c].type});
        bool own = scope.owner[c] == 0;
        q.table_columns.push_back(own ? c : -1);
        q.names.push_back(scope.columns[c].name);
    }
    return project;
}

/// "sort" over the output columns: "a:desc,b" or ["a:desc", "b"].
Result<std::vector<SortKey>> sort_keys(element body, const std::vector<OutputColumn>& outputs) {
    std::vector<std::string_view> items;
    std::string_view text;
    simdjson::dom::array list;
    auto sort = body["sort"];
    if (sort.error() == simdjson::NO_SUCH_FIELD) {
        return std::vector<SortKey>{};
    }
    if (sort.get_string().get(text) == simdjson::SUCCESS) {
        items.push_back(text); // "a:desc,b": parse_sort splits it
    } else if (sort.get_array().get(list) == simdjson::SUCCESS) {
        for (element e : list) {
            if (e.get_string().get(text) != simdjson::SUCCESS) {
                return shape_error("\"sort\" items must be strings, \"column\" or \"column:desc\"");
            }
            items.push_back(text);
        }
    } else {
        return shape_error("\"sort\" must be \"col:desc,col2\" or an array of such items");
    }
    std::vector<SortKey> keys;
    for (std::string_view text_item : items) {
        auto parsed = parse_sort(text_item);
        if (!parsed) {
            return parsed.error();
        }
        for (const SortItem& item : *parsed) {
            auto column = std::find_if(outputs.begin(), outputs.end(),
                                       [&](const OutputColumn& c) { return c.name == item.name; });
            if (column == outputs.end()) {
                return Error::make("42703", "_query: sort column \"" + std::string(item.name) +
                                                "\" is not an output column");
            }
            int i = static_cast<int>(column - outputs.begin());
            keys.push_back(SortKey{Expr::column_ref(i, column->type, column->name), item.descending, item.descending});
        }
    }
    return keys;
}

/// The body's keys _query does not know, quoted and comma-separated ("" when none).
std::string unknown_keys(element body) {
    static const std::vector<std::string_view> kKnown = {"select", "joins", "filter", "where",   "aggregate", "sort",
                                                         "limit",  "page",  "offset", "include", "exclude"};
    std::string unknown;
    simdjson::dom::object object;
    if (body.get_object().get(object) != simdjson::SUCCESS) {
        return unknown;
    }
    for (auto [key, value] : object) {
        if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) {
            unknown += (unknown.empty() ? "\"" : ", \"") + std::string(key) + "\"";
        }
    }
    return unknown;
}

/// limit, page, offset as JSON numbers, with the list endpoint's rules (page_window).
Result<BodyQuery> paging(element body, int64_t default_limit, int64_t max_limit) {
    std::optional<int64_t> given[3];
    const char* names[3] = {"limit", "page", "offset"};
    for (int i = 0; i < 3; i++) {
        auto field = body[names[i]];
        if (field.error() == simdjson::NO_SUCH_FIELD) {
            continue;
        }
        int64_t n = 0;
        if (field.get_int64().get(n) != simdjson::SUCCESS || n < 0) {
            return shape_error("\"" + std::string(names[i]) + "\" must be a whole number from 0");
        }
        given[i] = n;
    }
    auto window = page_window(given[0], given[1], given[2], default_limit, max_limit);
    if (!window) {
        return window.error();
    }
    BodyQuery q;
    q.limit = window->limit;
    q.offset = window->offset;
    q.page = window->page;
    return q;
}

} // namespace

Result<BodyQuery> plan_body_query(std::string_view body_text, const TableRef& base, const ExposureStore& exposures,
                                  int64_t default_limit, int64_t max_limit) {
    simdjson::dom::parser parser;
    element body;
    if (auto error = parser.parse(body_text.data(), body_text.size()).get(body); error != simdjson::SUCCESS) {
        return Error::make("22P02", std::string("_query: the body is not valid JSON: ") + simdjson::error_message(error));
    }
    if (!body.is_object()) {
        return shape_error("the body must be a JSON object");
    }
    if (auto unknown = unknown_keys(body); !unknown.empty()) {
        return shape_error("unknown key" + std::string(unknown.find(',') == std::string::npos ? " " : "s ") + unknown +
                           " (known: select, joins, filter, where, aggregate, sort, limit, page, offset, include, "
                           "exclude)");
    }
    auto q = paging(body, default_limit, max_limit);
    if (!q) {
        return q.error();
    }
    auto included = name_list(body, "include");
    if (!included) {
        return included.error();
    }
    if (!included->empty()) {
        if (body["aggregate"].error() != simdjson::NO_SUCH_FIELD) {
            return shape_error("\"include\" does not apply with \"aggregate\" (an aggregate's rows are groups, "
                               "not rows of \"" + base.table->name + "\")");
        }
        std::vector<std::string_view> names(included->begin(), included->end());
        auto embeds = embeds_named(names, base.service, *base.catalog->service(base.service), *base.table, exposures);
        if (!embeds) {
            return embeds.error();
        }
        q->embeds = std::move(*embeds);
    }
    Scope scope;
    Result<PlanPtr> plan = scan(base.service, *base.table);
    if (element joins; body["joins"].get(joins) == simdjson::SUCCESS) {
        plan = joined_plan(joins, base, exposures, scope);
        if (!plan) {
            return plan.error();
        }
    } else {
        add_table(scope, *base.table, base.table->name, 0, false);
    }
    for (std::string_view name : {"filter", "where"}) {
        element filter;
        if (body[name].get(filter) != simdjson::SUCCESS) {
            continue;
        }
        auto bound = bind_filter(filter, scope.columns);
        if (!bound) {
            return bound.error();
        }
        if (*bound) {
            auto node = PlanNode::make(PlanNode::Kind::Filter);
            node->columns = (*plan)->columns;
            node->children = {*plan};
            node->predicate = *bound;
            plan = PlanPtr(node);
        }
    }
    element aggregate;
    bool aggregated = body["aggregate"].get(aggregate) == simdjson::SUCCESS;
    if (aggregated && body["select"].error() != simdjson::NO_SUCH_FIELD) {
        return shape_error("give \"select\" or \"aggregate\", not both (an aggregate's output is its groups and functions)");
    }
    if (aggregated && body["exclude"].error() != simdjson::NO_SUCH_FIELD) {
        return shape_error("\"exclude\" does not apply with \"aggregate\" (name the groups and functions wanted)");
    }
    plan = aggregated ? aggregate_plan(aggregate, scope, *plan) : select_plan(body, scope, *plan, *base.table, *q);
    if (!plan) {
        return plan.error();
    }
    auto keys = sort_keys(body, (*plan)->columns);
    if (!keys) {
        return keys.error();
    }
    PlanPtr top = *plan;
    if (!keys->empty()) {
        auto sort = PlanNode::make(PlanNode::Kind::Sort);
        sort->columns = top->columns;
        sort->children = {top};
        sort->sort_keys = std::move(*keys);
        top = sort;
    }
    auto limit = PlanNode::make(PlanNode::Kind::Limit);
    limit->columns = top->columns;
    limit->children = {top};
    limit->limit = q->limit + 1; // one more than asked: tells whether another page exists
    limit->offset = q->offset;
    q->plan = limit;
    return q;
}

} // namespace nectar::rest
