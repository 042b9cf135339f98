#include "federation/sql/binder_rewrite.hpp"

namespace nectar::federation {

Error error_at(std::string sqlstate, std::string message, int location) {
    Error e = Error::make(std::move(sqlstate), std::move(message));
    e.position = location >= 0 ? location + 1 : 0;
    return e;
}

Error with_position(Error e, int location) {
    if (e.position == 0 && location >= 0) {
        e.position = location + 1;
    }
    return e;
}

std::shared_ptr<Expr> make_expr(Expr::Kind kind, Type type) {
    auto e = std::make_shared<Expr>();
    e->kind = kind;
    e->type = type;
    return e;
}

std::string last_name(const std::vector<std::string>& names) { return names.empty() ? "" : names.back(); }

ExprPtr make_and(std::vector<ExprPtr> predicates) {
    if (predicates.size() == 1) {
        return predicates[0];
    }
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::And;
    e->type = Type::Bool;
    for (auto& p : predicates) {
        if (p->kind == Expr::Kind::And) { // keep AND flat: pushdown splits conjuncts
            e->args.insert(e->args.end(), p->args.begin(), p->args.end());
        } else {
            e->args.push_back(p);
        }
    }
    return e;
}

SortKey sort_key(ExprPtr expr, JsonNode sort_by) {
    SortKey key;
    key.expr = std::move(expr);
    key.descending = string_field(sort_by, "sortby_dir") == "SORTBY_DESC";
    std::string_view nulls = string_field(sort_by, "sortby_nulls");
    key.nulls_first = nulls == "SORTBY_NULLS_FIRST" || (nulls != "SORTBY_NULLS_LAST" && key.descending);
    return key;
}

PlanPtr make_project(PlanPtr input, std::vector<ExprPtr> exprs, std::vector<std::string> names) {
    auto project = PlanNode::make(PlanNode::Kind::Project);
    for (size_t i = 0; i < exprs.size(); i++) {
        Type t = exprs[i]->type == Type::Unknown ? Type::Text : exprs[i]->type;
        project->columns.push_back({names[i], t});
    }
    project->exprs = std::move(exprs);
    project->children = {std::move(input)};
    return project;
}

Result<PlanPtr> set_operation(PlanPtr left, PlanPtr right, const char* op, bool all, Binder& binder) {
    if (left->columns.size() != right->columns.size()) {
        return Error::make("42601", std::string("each ") + op + " query must have the same number of columns");
    }
    std::vector<ExprPtr> left_exprs, right_exprs;
    std::vector<std::string> names;
    bool left_cast = false, right_cast = false;
    auto set = PlanNode::make(PlanNode::Kind::SetOp);
    for (size_t i = 0; i < left->columns.size(); i++) {
        auto l = Expr::column_ref(static_cast<int>(i), left->columns[i].type);
        auto r = Expr::column_ref(static_cast<int>(i), right->columns[i].type);
        auto unified = binder.unify({l, r}, op, -1);
        if (!unified) {
            return unified.error();
        }
        Type t = (*unified)[0]->type == Type::Unknown ? Type::Text : (*unified)[0]->type;
        left_cast |= t != left->columns[i].type;
        right_cast |= t != right->columns[i].type;
        auto lc = binder.coerce((*unified)[0], t);
        auto rc = binder.coerce((*unified)[1], t);
        if (!lc || !rc) {
            return lc ? rc.error() : lc.error();
        }
        left_exprs.push_back(*lc);
        right_exprs.push_back(*rc);
        names.push_back(left->columns[i].name);
        set->columns.push_back({left->columns[i].name, t});
    }
    if (left_cast) {
        left = make_project(left, left_exprs, names);
    }
    if (right_cast) {
        right = make_project(right, right_exprs, names);
    }
    set->set_op = op[0] == 'U' ? SetOpType::Union : op[0] == 'I' ? SetOpType::Intersect : SetOpType::Except;
    set->set_all = all;
    set->children = {left, right};
    return set;
}

bool contains_aggregate(const Expr& expr) {
    if (expr.kind == Expr::Kind::AggregateRef) {
        return true;
    }
    for (const auto& a : expr.args) {
        if (contains_aggregate(*a)) {
            return true;
        }
    }
    return false;
}

namespace {

std::shared_ptr<Expr> copy_with_args(const Expr& expr) { return std::make_shared<Expr>(expr); }

} // namespace

Result<ExprPtr> rewrite_for_aggregate(const ExprPtr& expr, const std::vector<ExprPtr>& groups, const Scope& scope) {
    for (size_t i = 0; i < groups.size(); i++) {
        if (same_expr(*expr, *groups[i])) {
            return Expr::column_ref(static_cast<int>(i), expr->type, expr->label);
        }
    }
    switch (expr->kind) {
    case Expr::Kind::AggregateRef:
        return Expr::column_ref(static_cast<int>(groups.size()) + expr->column, expr->type, expr->label);
    case Expr::Kind::Column: {
        const ScopeColumn& c = scope.columns[expr->column];
        return Error::make("42803", "column \"" + c.qualifier + (c.qualifier.empty() ? "" : ".") + c.name +
                                        "\" must appear in the GROUP BY clause or be used in an aggregate function");
    }
    case Expr::Kind::Const:
    case Expr::Kind::Param:
    case Expr::Kind::WindowRef:
        return expr;
    default:
        break;
    }
    auto copy = copy_with_args(*expr);
    for (auto& a : copy->args) {
        auto r = rewrite_for_aggregate(a, groups, scope);
        if (!r) {
            return r.error();
        }
        a = *r;
    }
    return ExprPtr(copy);
}

ExprPtr rewrite_window_refs(const ExprPtr& expr, int base) {
    if (expr->kind == Expr::Kind::WindowRef) {
        return Expr::column_ref(base + expr->column, expr->type, expr->label);
    }
    if (expr->args.empty()) {
        return expr;
    }
    auto copy = copy_with_args(*expr);
    for (auto& a : copy->args) {
        a = rewrite_window_refs(a, base);
    }
    return copy;
}

} // namespace nectar::federation
