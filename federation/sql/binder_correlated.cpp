// Correlated subqueries the binder turns into joins: [NOT] EXISTS correlated through its WHERE
// conjuncts (semi/anti join), and a scalar subquery in a select list correlated by equalities
// (LEFT JOIN to the subquery grouped by its correlation keys; without an aggregate, each group's
// single value, with PostgreSQL's 21000 error when a group the outer row meets has several rows).
#include "federation/sql/binder.hpp"

#include "federation/sql/binder_rewrite.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <optional>

namespace nectar::federation {

namespace {


bool has_outer_ref(const Expr& e) {
    if (e.kind == Expr::Kind::Param && e.param < 0) {
        return true;
    }
    for (auto& a : e.args) {
        if (has_outer_ref(*a)) {
            return true;
        }
    }
    return false;
}

bool plan_has_outer_ref(const PlanNode& n) {
    auto check = [](const ExprPtr& e) { return e && has_outer_ref(*e); };
    if (check(n.predicate) || check(n.condition)) {
        return true;
    }
    for (auto* list : {&n.exprs, &n.group_by}) {
        for (auto& e : *list) {
            if (check(e)) {
                return true;
            }
        }
    }
    for (auto& a : n.aggregates) {
        for (auto& x : a.args) {
            if (check(x)) {
                return true;
            }
        }
        if (check(a.filter)) {
            return true;
        }
    }
    for (auto& k : n.sort_keys) {
        if (check(k.expr)) {
            return true;
        }
    }
    for (auto& c : n.children) {
        if (plan_has_outer_ref(*c)) {
            return true;
        }
    }
    return false;
}

/// Inner column i → i + shift; outer reference −(k+1) → column k.
ExprPtr join_side_columns(const ExprPtr& e, int shift) {
    auto copy = std::make_shared<Expr>(*e);
    if (copy->kind == Expr::Kind::Column) {
        copy->column += shift;
    } else if (copy->kind == Expr::Kind::Param && copy->param < 0) {
        copy->kind = Expr::Kind::Column;
        copy->column = -copy->param - 1;
        copy->param = 0;
    }
    for (auto& a : copy->args) {
        a = join_side_columns(a, shift);
    }
    return copy;
}

/// The conjuncts of a correlated subquery's WHERE: inner_expr = outer_expr pairs (join keys)
/// and the conditions that read only the subquery's own columns.
/// The AND-ed parts of a predicate (the predicate itself when it is not an AND).
std::vector<ExprPtr> conjuncts_of(const ExprPtr& predicate) {
    std::vector<ExprPtr> out;
    std::function<void(const ExprPtr&)> split = [&](const ExprPtr& e) {
        if (e->kind == Expr::Kind::And) {
            for (auto& a : e->args) {
                split(a);
            }
        } else {
            out.push_back(e);
        }
    };
    split(predicate);
    return out;
}

struct CorrelationKeys {
    std::vector<ExprPtr> inner, outer, local;
};

/// Whether an expression reads only the outer query (its columns, constants, functions of them).
bool only_outer(const Expr& e) {
    if (e.kind == Expr::Kind::Column || e.kind == Expr::Kind::Subquery) {
        return false;
    }
    return std::all_of(e.args.begin(), e.args.end(), [](const ExprPtr& a) { return only_outer(*a); });
}

/// nullopt when a conjunct reads the outer query other than as inner_expr = outer_expr.
std::optional<CorrelationKeys> correlation_keys(const ExprPtr& predicate) {
    std::vector<ExprPtr> conjuncts = conjuncts_of(predicate);
    CorrelationKeys keys;
    for (auto& c : conjuncts) {
        bool eq = c->kind == Expr::Kind::Call && c->fn && c->fn->name == "=" && c->args.size() == 2;
        if (!has_outer_ref(*c)) {
            keys.local.push_back(c);
        } else if (eq && only_outer(*c->args[1]) && !has_outer_ref(*c->args[0])) {
            keys.inner.push_back(c->args[0]);
            keys.outer.push_back(c->args[1]);
        } else if (eq && only_outer(*c->args[0]) && !has_outer_ref(*c->args[1])) {
            keys.inner.push_back(c->args[1]);
            keys.outer.push_back(c->args[0]);
        } else {
            return std::nullopt;
        }
    }
    if (keys.inner.empty()) {
        return std::nullopt;
    }
    return keys;
}

/// count(*) and the value of `e` per key group: min(e), which is the value itself whenever the
/// count is 1 (the only case that uses it); bool_and for booleans. nullopt for types with neither.
std::optional<std::vector<AggregateCall>> single_value_aggregates(const ExprPtr& e) {
    auto count = resolve_aggregate("count", {}, true);
    std::array<Type, 1> type{e->type};
    auto value = resolve_aggregate(e->type == Type::Bool ? "bool_and" : "min", type, false);
    if (!count || !value) {
        return std::nullopt;
    }
    AggregateCall rows{*count, {}, false, true, nullptr, {}};
    AggregateCall only{*value, {e}, false, false, nullptr, {}};
    return std::vector<AggregateCall>{rows, only};
}

/// `value` unless `rows` > 1: PostgreSQL's 21000 for a scalar subquery that returns several rows
/// for one outer row. Marked volatile so that it runs in Nectar, never rendered into remote SQL.
ExprPtr single_value(ExprPtr rows, ExprPtr value) {
    auto impl = std::make_shared<ScalarImpl>();
    impl->name = "scalar_subquery_value";
    impl->params = {Type::Int8, value->type};
    impl->result = value->type;
    impl->strict = false;
    impl->volatile_fn = true;
    impl->fn = [](std::span<const Value> args) -> Result<Value> {
        if (!args[0].is_null() && args[0].as_int() > 1) {
            return Error::make("21000", "more than one row returned by a subquery used as an expression");
        }
        return args[1];
    };
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::Call;
    e->type = value->type;
    e->fn = impl;
    e->args = {std::move(rows), std::move(value)};
    return e;
}

/// The aggregate subquery's select expression over the join: aggregate j, which it read as
/// column j, is column first + j; a count over no rows is 0 where the LEFT JOIN gives NULL.
ExprPtr aggregate_result(const ExprPtr& e, const std::vector<AggregateCall>& aggregates, int first) {
    if (e->kind == Expr::Kind::Column) {
        auto col = Expr::column_ref(first + e->column, e->type, e->label);
        if (aggregates[e->column].impl.name != "count") {
            return col;
        }
        auto coalesce = std::make_shared<Expr>();
        coalesce->kind = Expr::Kind::Coalesce;
        coalesce->type = e->type;
        coalesce->args = {col, Expr::constant(Value::int8(0))};
        coalesce->label = e->label;
        return coalesce;
    }
    if (e->args.empty()) {
        return e;
    }
    auto copy = std::make_shared<Expr>(*e);
    for (auto& a : copy->args) {
        a = aggregate_result(a, aggregates, first);
    }
    return copy;
}

} // namespace

Result<PlanPtr> Binder::decorrelate_exists(JsonNode sublink, bool negated, PlanPtr plan, const Scope& scope) {
    Binder inner = nested();
    inner.allow_outer_refs_ = true;
    auto [sk, sub] = node_kind(field(sublink, "subselect"));
    auto bound = inner.bind_select(sub, &scope);
    if (!bound) {
        return bound.error();
    }
    if (!inner.saw_outer_ref_) {
        return PlanPtr{};
    }
    absorb(inner);
    auto unsupported = [&] {
        return error_at("0A000", "this correlated subquery is not supported by Nectar's federated engine yet "
                                 "(only [NOT] EXISTS correlated through its WHERE conditions is)",
                        location_of(field(sublink, "subselect")));
    };
    PlanPtr p = *bound;
    if (p->kind == PlanNode::Kind::Project) { // EXISTS ignores the select list
        for (auto& e : p->exprs) {
            if (has_outer_ref(*e)) {
                return unsupported();
            }
        }
        p = p->children[0];
    }
    std::vector<ExprPtr> correlated, local;
    if (p->kind == PlanNode::Kind::Filter) {
        for (auto& c : conjuncts_of(p->predicate)) {
            (has_outer_ref(*c) ? correlated : local).push_back(c);
        }
        p = p->children[0];
        if (!local.empty()) {
            auto filter = PlanNode::make(PlanNode::Kind::Filter);
            filter->columns = p->columns;
            filter->children = {p};
            filter->predicate = make_and(local);
            p = filter;
        }
    }
    if (correlated.empty() || plan_has_outer_ref(*p)) {
        return unsupported();
    }
    const int shift = static_cast<int>(plan->columns.size());
    std::vector<ExprPtr> condition;
    for (auto& c : correlated) {
        condition.push_back(join_side_columns(c, shift));
    }
    auto join = PlanNode::make(PlanNode::Kind::Join);
    join->join_type = negated ? JoinType::Anti : JoinType::Semi;
    join->columns = plan->columns;
    join->children = {plan, p};
    join->condition = make_and(condition);
    return join;
}

Result<ExprPtr> Binder::decorrelate_scalar(JsonNode sublink) {
    Binder inner = nested();
    inner.allow_outer_refs_ = true;
    auto [sk, sub] = node_kind(field(sublink, "subselect"));
    auto bound = inner.bind_select(sub, block_scope_);
    if (!bound || !inner.saw_outer_ref_) {
        return ExprPtr{};
    }
    // Expected shape: Project([e]) → [Aggregate(no GROUP BY) →] Filter(correlated AND local) → X.
    PlanPtr project = *bound;
    if (project->kind != PlanNode::Kind::Project || project->exprs.size() != 1 || has_outer_ref(*project->exprs[0])) {
        return ExprPtr{};
    }
    PlanPtr agg = project->children[0]->kind == PlanNode::Kind::Aggregate ? project->children[0] : nullptr;
    PlanPtr filter = agg ? agg->children[0] : project->children[0];
    if ((agg && (!agg->group_by.empty() || !agg->grouping_sets.empty())) || filter->kind != PlanNode::Kind::Filter) {
        return ExprPtr{};
    }
    PlanPtr input = filter->children[0];
    if (plan_has_outer_ref(*input)) {
        return ExprPtr{};
    }
    for (auto& a : agg ? agg->aggregates : std::vector<AggregateCall>{}) {
        if (std::any_of(a.args.begin(), a.args.end(), [](const ExprPtr& x) { return has_outer_ref(*x); }) ||
            (a.filter && has_outer_ref(*a.filter))) {
            return ExprPtr{};
        }
    }
    auto keys = correlation_keys(filter->predicate);
    if (!keys) {
        return ExprPtr{};
    }
    // Without an aggregate: the single value of each key group, and its row count for 21000.
    std::vector<AggregateCall> aggregates = agg ? agg->aggregates : std::vector<AggregateCall>{};
    if (!agg) {
        auto one = single_value_aggregates(project->exprs[0]);
        if (!one) {
            return ExprPtr{};
        }
        aggregates = std::move(*one);
    }
    absorb(inner);
    if (!keys->local.empty()) {
        auto f = PlanNode::make(PlanNode::Kind::Filter);
        f->columns = input->columns;
        f->children = {input};
        f->predicate = make_and(keys->local);
        input = f;
    }
    // The subquery grouped by its correlation keys: keys first, then the aggregates.
    auto grouped = PlanNode::make(PlanNode::Kind::Aggregate);
    grouped->children = {input};
    grouped->group_by = keys->inner;
    for (auto& k : keys->inner) {
        grouped->columns.push_back({"?key?", k->type});
    }
    for (auto& a : aggregates) {
        grouped->columns.push_back({a.impl.name, a.impl.result});
    }
    grouped->aggregates = std::move(aggregates);
    const int nk = static_cast<int>(keys->inner.size());
    const int width = static_cast<int>((*block_plan_)->columns.size());
    std::vector<ExprPtr> condition;
    for (int i = 0; i < nk; i++) {
        auto outer = join_side_columns(keys->outer[i], 0); // outer references become block columns
        auto eq = make_operator("=", outer, Expr::column_ref(width + i, keys->inner[i]->type), -1);
        if (!eq) {
            return eq.error();
        }
        condition.push_back(*eq);
    }
    auto join = PlanNode::make(PlanNode::Kind::Join);
    join->join_type = JoinType::Left;
    join->children = {*block_plan_, grouped};
    join->columns = (*block_plan_)->columns;
    join->columns.insert(join->columns.end(), grouped->columns.begin(), grouped->columns.end());
    join->condition = make_and(condition);
    *block_plan_ = join;
    for (auto& c : grouped->columns) {
        block_scope_->columns.push_back({"", c.name, c.type, true});
    }
    const int first = width + nk; // the first aggregate column of the join
    ExprPtr result = agg ? aggregate_result(project->exprs[0], agg->aggregates, first)
                         : single_value(Expr::column_ref(first, Type::Int8),
                                        Expr::column_ref(first + 1, project->exprs[0]->type));
    auto labelled = std::make_shared<Expr>(*result);
    labelled->label = project->columns[0].name;
    return ExprPtr(labelled);
}

} // namespace nectar::federation
