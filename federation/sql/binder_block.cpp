// One SELECT query block: FROM → WHERE → GROUP BY/aggregates → HAVING → windows → select list
// → DISTINCT → ORDER BY → LIMIT, in PostgreSQL's order of evaluation.
#include "federation/sql/binder.hpp"

#include "federation/sql/binder_rewrite.hpp"

#include <algorithm>
#include <functional>
#include <optional>

namespace nectar::federation {

namespace {


/// ORDER BY 2 or ORDER BY name (an output column name): the select-list entry, else -1.
int order_by_target(JsonNode key, const std::vector<std::pair<ExprPtr, std::string>>& targets, Result<void>& error) {
    auto [kind, fields] = node_kind(key);
    if (kind == "A_Const" && (has_field(fields, "ival") || fields["ival"].error() == simdjson::SUCCESS)) {
        int64_t n = int_field(field(fields, "ival"), "ival");
        if (n < 1 || n > static_cast<int64_t>(targets.size())) {
            error = error_at("42P10", "ORDER BY position " + std::to_string(n) + " is not in select list",
                             location_of(key));
            return -1;
        }
        return static_cast<int>(n - 1);
    }
    if (kind == "ColumnRef") {
        auto names = name_list(fields, "fields");
        if (names.size() == 1) {
            for (size_t i = 0; i < targets.size(); i++) {
                if (targets[i].second == names[0]) {
                    return static_cast<int>(i);
                }
            }
        }
    }
    return -1;
}

} // namespace

namespace {

void split_and(JsonNode node, std::vector<JsonNode>& out) {
    auto [kind, f] = node_kind(node);
    if (kind == "BoolExpr" && string_field(f, "boolop") == "AND_EXPR") {
        for (JsonNode a : list_field(f, "args")) {
            split_and(a, out);
        }
    } else {
        out.push_back(node);
    }
}

/// PostgreSQL's rule (transformDistinctOnClause): ORDER BY items that are DISTINCT ON items must
/// come before any that are not, and a DISTINCT ON item missing from ORDER BY is allowed only when
/// no ORDER BY item was skipped. Columns index the block's projection.
Result<void> check_distinct_on_order(const std::vector<int>& on_columns, const std::vector<int>& locations,
                                     const std::vector<SortKey>& keys) {
    auto position_of = [&](int column) {
        return locations[std::find(on_columns.begin(), on_columns.end(), column) - on_columns.begin()];
    };
    const char* message = "SELECT DISTINCT ON expressions must match initial ORDER BY expressions";
    bool skipped = false;
    std::vector<int> matched;
    for (const SortKey& key : keys) {
        int column = key.expr->column;
        if (std::find(on_columns.begin(), on_columns.end(), column) == on_columns.end()) {
            skipped = true;
        } else if (skipped) {
            return error_at("42P10", message, position_of(column));
        } else {
            matched.push_back(column);
        }
    }
    for (size_t i = 0; i < on_columns.size(); i++) {
        if (skipped && std::find(matched.begin(), matched.end(), on_columns[i]) == matched.end()) {
            return error_at("42P10", message, locations[i]);
        }
    }
    return {};
}

/// DISTINCT ON: the first row of each group of equal `on_columns` (NULLs one group) in the order
/// of the ORDER BY keys that follow them: row_number() OVER (PARTITION BY on ORDER BY rest) = 1.
Result<PlanPtr> first_row_per_group(Binder& binder, PlanPtr plan, const std::vector<int>& on_columns,
                                    const std::vector<SortKey>& keys) {
    WindowCall call;
    call.name = "row_number";
    call.type = Type::Int8;
    for (int column : on_columns) {
        call.partition_by.push_back(Expr::column_ref(column, plan->columns[column].type));
    }
    for (const SortKey& key : keys) {
        if (std::find(on_columns.begin(), on_columns.end(), key.expr->column) == on_columns.end()) {
            call.order_by.push_back(key);
        }
    }
    auto window = PlanNode::make(PlanNode::Kind::Window);
    window->children = {plan};
    window->columns = plan->columns;
    window->columns.push_back({"row_number", Type::Int8});
    window->windows = {call};
    const int rn = static_cast<int>(plan->columns.size());
    auto first = binder.make_operator("=", Expr::column_ref(rn, Type::Int8), Expr::constant(Value::int8(1)), -1);
    if (!first) {
        return first.error();
    }
    auto filter = PlanNode::make(PlanNode::Kind::Filter);
    filter->columns = window->columns;
    filter->children = {window};
    filter->predicate = *first;
    std::vector<ExprPtr> keep;
    std::vector<std::string> names;
    for (int i = 0; i < rn; i++) {
        keep.push_back(Expr::column_ref(i, plan->columns[i].type));
        names.push_back(plan->columns[i].name);
    }
    return make_project(filter, keep, names);
}

/// The fields of an EXISTS SubLink, directly or under NOT.
std::optional<JsonNode> exists_sublink(JsonNode node, bool& negated) {
    auto [kind, f] = node_kind(node);
    negated = false;
    if (kind == "BoolExpr" && string_field(f, "boolop") == "NOT_EXPR") {
        auto args = list_field(f, "args");
        if (args.size() == 1) {
            auto [ak, af] = node_kind(args[0]);
            if (ak == "SubLink" && string_field(af, "subLinkType") == "EXISTS_SUBLINK") {
                negated = true;
                return af;
            }
        }
    }
    if (kind == "SubLink" && string_field(f, "subLinkType") == "EXISTS_SUBLINK") {
        return f;
    }
    return std::nullopt;
}

} // namespace

Result<PlanPtr> Binder::bind_where(JsonNode where, PlanPtr plan, Scope& scope) {
    std::vector<JsonNode> conjuncts;
    split_and(where, conjuncts);
    std::vector<ExprPtr> predicates;
    for (JsonNode c : conjuncts) {
        bool negated = false;
        auto sublink = exists_sublink(c, negated);
        if (sublink) {
            auto joined = decorrelate_exists(*sublink, negated, plan, scope);
            if (!joined) {
                return joined.error();
            }
            if (*joined) {
                plan = *joined;
                continue;
            }
        }
        ExprContext ctx{&scope, false, false, "WHERE"};
        // A correlated scalar subquery joins its rows to the plan below the filter (decorrelate_scalar).
        block_plan_ = &plan;
        block_scope_ = &scope;
        auto pred = bind_expr(c, ctx);
        block_plan_ = nullptr;
        block_scope_ = nullptr;
        if (!pred) {
            return pred.error();
        }
        if ((*pred)->type != Type::Bool && (*pred)->type != Type::Unknown) {
            return error_at("42804", "argument of WHERE must be type boolean, not type " +
                                         std::string(type_name((*pred)->type)),
                            location_of(c));
        }
        auto as_bool = coerce(*pred, Type::Bool, location_of(c));
        if (!as_bool) {
            return as_bool.error();
        }
        predicates.push_back(*as_bool);
    }
    if (predicates.empty()) {
        return plan;
    }
    auto filter = PlanNode::make(PlanNode::Kind::Filter);
    filter->columns = plan->columns;
    filter->children = {plan};
    filter->predicate = make_and(predicates);
    return filter;
}

Result<PlanPtr> Binder::bind_select_block(JsonNode fields, const Scope* outer) {
    Scope scope;
    scope.outer = outer;
    auto from = bind_from(fields, scope, outer);
    if (!from) {
        return from.error();
    }
    PlanPtr plan = *from;
    if (has_field(fields, "whereClause")) {
        auto filtered = bind_where(field(fields, "whereClause"), plan, scope);
        if (!filtered) {
            return filtered.error();
        }
        plan = *filtered;
    }

    aggregates.clear();
    windows.clear();
    window_clause_ = list_field(fields, "windowClause");
    std::vector<std::pair<ExprPtr, std::string>> targets;
    for (JsonNode item : list_field(fields, "targetList")) {
        auto [k, target] = node_kind(item);
        JsonNode val = field(target, "val");
        auto [vk, vf] = node_kind(val);
        if (vk == "ColumnRef") {
            auto parts = list_field(vf, "fields");
            if (!parts.empty() && node_kind(parts.back()).first == "A_Star") {
                std::string qualifier = parts.size() > 1 ? std::string(string_value(parts[parts.size() - 2])) : "";
                for (size_t i = 0; i < scope.columns.size(); i++) {
                    const ScopeColumn& c = scope.columns[i];
                    if (qualifier.empty() ? c.hidden_from_star : c.qualifier != qualifier) {
                        continue;
                    }
                    targets.emplace_back(Expr::column_ref(static_cast<int>(i), c.type, c.name), c.name);
                }
                if (targets.empty() && scope.columns.empty()) {
                    return error_at("42601", "SELECT * with no tables specified is not valid", location_of(val));
                }
                continue;
            }
        }
        ExprContext ctx{&scope, true, true, "SELECT"};
        block_plan_ = &plan;
        block_scope_ = &scope;
        auto bound = bind_expr(val, ctx);
        block_plan_ = nullptr;
        block_scope_ = nullptr;
        if (!bound) {
            return bound.error();
        }
        std::string name = has_field(target, "name") ? std::string(string_field(target, "name")) : default_label(val);
        targets.emplace_back(*bound, name);
    }

    std::vector<std::vector<int>> grouping_sets;
    auto groups = bind_group_by(fields, scope, targets, grouping_sets);
    if (!groups) {
        return groups.error();
    }
    ExprPtr having;
    if (has_field(fields, "havingClause")) {
        ExprContext ctx{&scope, true, false, "HAVING"};
        auto bound = bind_expr(field(fields, "havingClause"), ctx);
        if (!bound) {
            return bound.error();
        }
        auto as_bool = coerce(*bound, Type::Bool, location_of(field(fields, "havingClause")));
        if (!as_bool) {
            return as_bool.error();
        }
        having = *as_bool;
    }

    // ORDER BY keys: a select-list entry, or an extra (hidden) expression over the same input.
    struct OrderItem {
        int target = -1;
        ExprPtr expr;
        JsonNode sort_by;
    };
    std::vector<OrderItem> order;
    for (JsonNode item : list_field(fields, "sortClause")) {
        auto [k, sort_by] = node_kind(item);
        JsonNode key = field(sort_by, "node");
        Result<void> err;
        int t = order_by_target(key, targets, err);
        if (!err) {
            return err.error();
        }
        OrderItem oi{t, nullptr, sort_by};
        if (t < 0) {
            ExprContext ctx{&scope, true, true, "ORDER BY"};
            auto bound = bind_expr(key, ctx);
            if (!bound) {
                return bound.error();
            }
            for (size_t i = 0; i < targets.size(); i++) {
                if (same_expr(*targets[i].first, **bound)) {
                    oi.target = static_cast<int>(i);
                }
            }
            oi.expr = *bound;
        }
        order.push_back(oi);
    }

    // DISTINCT ON items resolve as ORDER BY items do (output name, position or expression).
    std::vector<OrderItem> distinct_on;
    if (has_field(fields, "distinctClause")) {
        auto items = list_field(fields, "distinctClause");
        if (!(items.size() == 1 && node_kind(items[0]).first.empty())) {
            for (JsonNode item : items) {
                Result<void> err;
                OrderItem oi{order_by_target(item, targets, err), nullptr, item};
                if (!err) {
                    return err.error();
                }
                if (oi.target < 0) {
                    ExprContext ctx{&scope, true, true, "DISTINCT ON"};
                    auto bound = bind_expr(item, ctx);
                    if (!bound) {
                        return bound.error();
                    }
                    oi.expr = *bound;
                }
                distinct_on.push_back(oi);
            }
        }
    }

    if (auto checked = check_window_clause(scope); !checked) {
        return checked.error();
    }
    // Aggregation: everything above it sees group columns then aggregate results.
    bool aggregated = !groups->empty() || !aggregates.empty() || having || !grouping_sets.empty();
    if (aggregated) {
        auto agg = PlanNode::make(PlanNode::Kind::Aggregate);
        agg->children = {plan};
        agg->group_by = *groups;
        agg->grouping_sets = grouping_sets;
        agg->aggregates = aggregates;
        if (auto resolved = resolve_grouping_calls(*agg); !resolved) {
            return resolved.error();
        }
        for (auto& g : *groups) {
            agg->columns.push_back({g->label.empty() ? "?column?" : g->label, g->type});
        }
        for (auto& a : aggregates) {
            agg->columns.push_back({a.impl.name, a.impl.result});
        }
        auto rewrite = [&](ExprPtr& e) -> Result<void> {
            auto r = rewrite_for_aggregate(e, *groups, scope);
            if (!r) {
                return r.error();
            }
            e = *r;
            return {};
        };
        for (auto& [e, name] : targets) {
            if (auto r = rewrite(e); !r) {
                return r.error();
            }
        }
        for (auto* items : {&order, &distinct_on}) {
            for (auto& oi : *items) {
                if (oi.expr) {
                    if (auto r = rewrite(oi.expr); !r) {
                        return r.error();
                    }
                }
            }
        }
        for (auto& w : windows) {
            for (auto* list : {&w.args, &w.partition_by}) {
                for (auto& e : *list) {
                    if (auto r = rewrite(e); !r) {
                        return r.error();
                    }
                }
            }
            for (auto& k : w.order_by) {
                if (auto r = rewrite(k.expr); !r) {
                    return r.error();
                }
            }
        }
        plan = agg;
        if (having) {
            if (auto r = rewrite(having); !r) {
                return r.error();
            }
            auto filter = PlanNode::make(PlanNode::Kind::Filter);
            filter->columns = plan->columns;
            filter->children = {plan};
            filter->predicate = having;
            plan = filter;
        }
    }
    if (!windows.empty()) {
        auto window = PlanNode::make(PlanNode::Kind::Window);
        window->children = {plan};
        window->columns = plan->columns;
        for (auto& w : windows) {
            window->columns.push_back({w.name, w.type});
        }
        window->windows = windows;
        int base = static_cast<int>(plan->columns.size());
        for (auto& [e, name] : targets) {
            e = rewrite_window_refs(e, base);
        }
        for (auto* items : {&order, &distinct_on}) {
            for (auto& oi : *items) {
                if (oi.expr) {
                    oi.expr = rewrite_window_refs(oi.expr, base);
                }
            }
        }
        plan = window;
    }

    // Select list plus hidden sort columns, then DISTINCT, ORDER BY, LIMIT, and the hidden ones dropped.
    std::vector<ExprPtr> exprs;
    std::vector<std::string> names;
    for (auto& [e, name] : targets) {
        exprs.push_back(e);
        names.push_back(name);
    }
    const size_t visible = exprs.size();
    std::vector<SortKey> keys;
    for (auto& oi : order) {
        int column = oi.target;
        if (column < 0) {
            column = static_cast<int>(exprs.size());
            exprs.push_back(oi.expr);
            names.push_back("?sort?");
        }
        keys.push_back(sort_key(Expr::column_ref(column, exprs[column]->type), oi.sort_by));
    }
    bool distinct = has_field(fields, "distinctClause") && distinct_on.empty();
    if (distinct && exprs.size() > visible) {
        return error_at("42P10", "for SELECT DISTINCT, ORDER BY expressions must appear in select list", -1);
    }
    std::vector<int> on_columns, on_locations;
    for (auto& oi : distinct_on) {
        on_locations.push_back(location_of(oi.sort_by));
        int column = oi.target;
        for (size_t i = 0; column < 0 && i < exprs.size(); i++) {
            column = same_expr(*exprs[i], *oi.expr) ? static_cast<int>(i) : -1;
        }
        if (column < 0) {
            column = static_cast<int>(exprs.size());
            exprs.push_back(oi.expr);
            names.push_back("?distinct?");
        }
        on_columns.push_back(column);
    }
    if (auto matched = check_distinct_on_order(on_columns, on_locations, keys); !matched) {
        return matched.error();
    }
    plan = make_project(plan, exprs, names);
    if (!on_columns.empty()) {
        auto first = first_row_per_group(*this, plan, on_columns, keys);
        if (!first) {
            return first.error();
        }
        plan = *first;
    }
    if (distinct) {
        auto d = PlanNode::make(PlanNode::Kind::Distinct);
        d->columns = plan->columns;
        d->children = {plan};
        plan = d;
    }
    if (!keys.empty()) {
        auto sort = PlanNode::make(PlanNode::Kind::Sort);
        sort->columns = plan->columns;
        sort->children = {plan};
        sort->sort_keys = keys;
        plan = sort;
    }
    auto limited = apply_limit(plan, fields);
    if (!limited) {
        return limited.error();
    }
    plan = *limited;
    if (exprs.size() > visible) {
        std::vector<ExprPtr> keep;
        std::vector<std::string> keep_names;
        for (size_t i = 0; i < visible; i++) {
            keep.push_back(Expr::column_ref(static_cast<int>(i), plan->columns[i].type));
            keep_names.push_back(names[i]);
        }
        plan = make_project(plan, keep, keep_names);
    }
    return plan;
}

} // namespace nectar::federation
