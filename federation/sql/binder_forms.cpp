// Expression forms with more structure: CASE, subqueries in expressions, the column names
// PostgreSQL gives unnamed expressions, and structural equality of bound expressions.
#include "federation/sql/binder.hpp"

#include "federation/sql/binder_rewrite.hpp"

#include <algorithm>

namespace nectar::federation {

Result<ExprPtr> Binder::bind_case(JsonNode f, ExprContext& ctx) {
    const int loc = static_cast<int>(int_field(f, "location", -1));
    ExprPtr subject;
    if (has_field(f, "arg")) {
        auto s = bind_expr(field(f, "arg"), ctx);
        if (!s) {
            return s.error();
        }
        subject = *s;
    }
    std::vector<ExprPtr> conditions, results;
    for (JsonNode w : list_field(f, "args")) {
        auto [k, wf] = node_kind(w);
        auto cond = bind_expr(field(wf, "expr"), ctx);
        if (!cond) {
            return cond.error();
        }
        ExprPtr c = *cond;
        if (subject) {
            auto eq = make_operator("=", subject, c, location_of(field(wf, "expr")));
            if (!eq) {
                return eq.error();
            }
            c = *eq;
        }
        auto as_bool = coerce(c, Type::Bool, location_of(field(wf, "expr")));
        if (!as_bool) {
            return error_at("42804", "argument of CASE/WHEN must be type boolean, not type " +
                                         std::string(type_name(c->type)),
                            location_of(field(wf, "expr")));
        }
        conditions.push_back(*as_bool);
        auto res = bind_expr(field(wf, "result"), ctx);
        if (!res) {
            return res.error();
        }
        results.push_back(*res);
    }
    if (has_field(f, "defresult")) {
        auto d = bind_expr(field(f, "defresult"), ctx);
        if (!d) {
            return d.error();
        }
        results.push_back(*d);
    } else {
        results.push_back(Expr::constant(Value::null()));
    }
    // PostgreSQL resolves the ELSE branch first (it decides varchar vs text, and the message's order).
    std::rotate(results.rbegin(), results.rbegin() + 1, results.rend());
    auto unified = unify(std::move(results), "CASE", loc);
    if (!unified) {
        return unified.error();
    }
    std::rotate(unified->begin(), unified->begin() + 1, unified->end());
    auto e = make_expr(Expr::Kind::Case, (*unified)[0]->type);
    for (size_t i = 0; i < conditions.size(); i++) {
        e->args.push_back(conditions[i]);
        e->args.push_back((*unified)[i]);
    }
    e->args.push_back(unified->back());
    e->label = "case";
    return ExprPtr(e);
}

Result<ExprPtr> Binder::bind_sublink(JsonNode f, ExprContext& ctx) {
    std::string_view type = string_field(f, "subLinkType");
    const int loc = static_cast<int>(int_field(f, "location", -1));
    Binder inner = nested();
    auto [sk, sub] = node_kind(field(f, "subselect"));
    auto plan = inner.bind_select(sub, ctx.scope);
    if (!plan && type == "EXPR_SUBLINK" && block_scope_ != nullptr && block_scope_ == ctx.scope &&
        plan.error().sqlstate == "0A000") {
        // Maybe a correlated aggregate subquery in the select list: try it as a LEFT JOIN.
        auto joined = decorrelate_scalar(f);
        if (!joined) {
            return joined.error();
        }
        if (*joined) {
            return *joined;
        }
    }
    if (!plan) {
        return plan.error();
    }
    absorb(inner);
    auto e = make_expr(Expr::Kind::Subquery, Type::Bool);
    e->subquery = *plan;
    if (type == "EXISTS_SUBLINK") {
        e->sub_kind = Expr::SubKind::Exists;
        e->label = "exists";
        return ExprPtr(e);
    }
    if ((*plan)->columns.size() != 1) {
        return error_at("42601", "subquery must return only one column", loc);
    }
    if (type == "EXPR_SUBLINK") {
        e->sub_kind = Expr::SubKind::Scalar;
        e->type = (*plan)->columns[0].type;
        e->label = (*plan)->columns[0].name;
        return ExprPtr(e);
    }
    return error_at("0A000", "subquery form " + std::string(type) + " is not supported by Nectar's federated engine yet",
                    loc);
}

std::string default_label(JsonNode node) {
    auto [kind, f] = node_kind(node);
    if (kind == "ColumnRef") {
        auto parts = list_field(f, "fields");
        return parts.empty() ? "?column?" : std::string(string_value(parts.back()));
    }
    if (kind == "FuncCall") {
        return last_name(name_list(f, "funcname"));
    }
    if (kind == "GroupingFunc") {
        return "grouping";
    }
    if (kind == "TypeCast") {
        std::string inner = default_label(field(f, "arg"));
        return inner != "?column?" ? inner : last_name(name_list(field(f, "typeName"), "names"));
    }
    if (kind == "CaseExpr") {
        return "case";
    }
    if (kind == "CoalesceExpr") {
        return "coalesce";
    }
    if (kind == "MinMaxExpr") {
        return string_field(f, "op") == "IS_GREATEST" ? "greatest" : "least";
    }
    if (kind == "A_Expr" && string_field(f, "kind") == "AEXPR_NULLIF") {
        return "nullif";
    }
    if (kind == "SubLink") {
        std::string_view t = string_field(f, "subLinkType");
        if (t == "EXISTS_SUBLINK") {
            return "exists";
        }
        if (t == "EXPR_SUBLINK") {
            auto [sk, sub] = node_kind(field(f, "subselect"));
            auto targets = list_field(sub, "targetList");
            if (targets.size() == 1) {
                auto [tk, tf] = node_kind(targets[0]);
                return has_field(tf, "name") ? std::string(string_field(tf, "name")) : default_label(field(tf, "val"));
            }
        }
    }
    if (kind == "SQLValueFunction") {
        std::string_view op = string_field(f, "op");
        return op == "SVFOP_CURRENT_DATE" ? "current_date" : op == "SVFOP_LOCALTIMESTAMP" ? "localtimestamp" : "current_timestamp";
    }
    return "?column?";
}

bool same_expr(const Expr& a, const Expr& b) {
    if (a.kind != b.kind || a.type != b.type || a.column != b.column || a.param != b.param ||
        a.negated != b.negated || a.args.size() != b.args.size() || a.subquery != b.subquery) {
        return false;
    }
    if (a.kind == Expr::Kind::Const) {
        if (a.value.is_null() != b.value.is_null()) {
            return false;
        }
        if (!a.value.is_null() && to_pg_text(a.value) != to_pg_text(b.value)) {
            return false;
        }
    }
    if ((a.fn == nullptr) != (b.fn == nullptr) || (a.fn && a.fn->name != b.fn->name)) {
        return false;
    }
    for (size_t i = 0; i < a.args.size(); i++) {
        if (!same_expr(*a.args[i], *b.args[i])) {
            return false;
        }
    }
    return true;
}

} // namespace nectar::federation
