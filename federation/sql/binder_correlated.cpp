// Correlated subqueries the binder turns into joins: [NOT] EXISTS correlated through its WHERE
// conjuncts (semi/anti join), and an aggregate subquery in a select list correlated by
// equalities (LEFT JOIN to the subquery grouped by its correlation keys).
#include "federation/sql/binder.hpp"

#include "federation/sql/binder_rewrite.hpp"

#include <functional>

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
        std::vector<ExprPtr> conjuncts;
        std::function<void(const ExprPtr&)> split = [&](const ExprPtr& e) {
            if (e->kind == Expr::Kind::And) {
                for (auto& a : e->args) {
                    split(a);
                }
            } else {
                conjuncts.push_back(e);
            }
        };
        split(p->predicate);
        for (auto& c : conjuncts) {
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
    // Expected shape: Project([e]) → Aggregate(no GROUP BY) → Filter(correlated AND local) → X.
    PlanPtr project = *bound;
    if (project->kind != PlanNode::Kind::Project || project->exprs.size() != 1 || has_outer_ref(*project->exprs[0])) {
        return ExprPtr{};
    }
    PlanPtr agg = project->children[0];
    if (agg->kind != PlanNode::Kind::Aggregate || !agg->group_by.empty() || !agg->grouping_sets.empty() ||
        agg->children[0]->kind != PlanNode::Kind::Filter) {
        return ExprPtr{};
    }
    PlanPtr filter = agg->children[0];
    PlanPtr input = filter->children[0];
    if (plan_has_outer_ref(*input)) {
        return ExprPtr{};
    }
    for (auto& a : agg->aggregates) {
        for (auto& x : a.args) {
            if (has_outer_ref(*x)) {
                return ExprPtr{};
            }
        }
    }
    std::vector<ExprPtr> conjuncts, local, inner_keys, outer_keys;
    std::function<void(const ExprPtr&)> split = [&](const ExprPtr& e) {
        if (e->kind == Expr::Kind::And) {
            for (auto& a : e->args) {
                split(a);
            }
        } else {
            conjuncts.push_back(e);
        }
    };
    split(filter->predicate);
    for (auto& c : conjuncts) {
        if (!has_outer_ref(*c)) {
            local.push_back(c);
            continue;
        }
        // Only inner_expr = outer.column (either order) can become a join key.
        bool eq = c->kind == Expr::Kind::Call && c->fn && c->fn->name == "=" && c->args.size() == 2;
        auto is_outer = [](const ExprPtr& e) { return e->kind == Expr::Kind::Param && e->param < 0; };
        if (eq && is_outer(c->args[1]) && !has_outer_ref(*c->args[0])) {
            inner_keys.push_back(c->args[0]);
            outer_keys.push_back(c->args[1]);
        } else if (eq && is_outer(c->args[0]) && !has_outer_ref(*c->args[1])) {
            inner_keys.push_back(c->args[1]);
            outer_keys.push_back(c->args[0]);
        } else {
            return ExprPtr{};
        }
    }
    absorb(inner);
    if (!local.empty()) {
        auto f = PlanNode::make(PlanNode::Kind::Filter);
        f->columns = input->columns;
        f->children = {input};
        f->predicate = make_and(local);
        input = f;
    }
    // The subquery grouped by its correlation keys: keys first, then the same aggregates.
    auto grouped = PlanNode::make(PlanNode::Kind::Aggregate);
    grouped->children = {input};
    grouped->group_by = inner_keys;
    grouped->aggregates = agg->aggregates;
    for (auto& k : inner_keys) {
        grouped->columns.push_back({"?key?", k->type});
    }
    for (auto& a : agg->aggregates) {
        grouped->columns.push_back({a.impl.name, a.impl.result});
    }
    const int nk = static_cast<int>(inner_keys.size());
    const int width = static_cast<int>((*block_plan_)->columns.size());
    std::vector<ExprPtr> condition;
    for (int i = 0; i < nk; i++) {
        auto outer = Expr::column_ref(-outer_keys[i]->param - 1, outer_keys[i]->type);
        auto key = Expr::column_ref(width + i, inner_keys[i]->type);
        auto eq = make_operator("=", outer, key, -1);
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
    // e read aggregate j as column j; now it is column width + nk + j, and a count over no
    // rows is 0 where the LEFT JOIN gives NULL.
    std::function<ExprPtr(const ExprPtr&)> move_up = [&](const ExprPtr& e) -> ExprPtr {
        if (e->kind == Expr::Kind::Column) {
            auto col = Expr::column_ref(width + nk + e->column, e->type, e->label);
            if (agg->aggregates[e->column].impl.name != "count") {
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
            a = move_up(a);
        }
        return copy;
    };
    auto result = std::make_shared<Expr>(*move_up(project->exprs[0]));
    result->label = project->columns[0].name;
    return ExprPtr(result);
}

} // namespace nectar::federation
