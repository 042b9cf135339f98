// Expression binding: column references, literals, parameters, operators, IN lists, casts.
// Every expression leaves typed, with implicit casts made explicit. Subquery tests
// (IN / op ANY / op ALL) are in binder_subquery.cpp.
#include "federation/sql/binder.hpp"

#include "federation/sql/binder_rewrite.hpp"

#include <cctype>
#include <optional>
#include <span>

namespace nectar::federation {

/// The integer literal ("-12", "- 12", "0") starting at `location` in the statement text.
int64_t literal_integer_at(std::string_view sql, int location) {
    if (location < 0 || static_cast<size_t>(location) >= sql.size()) {
        return 0;
    }
    size_t i = location;
    bool negative = false;
    while (i < sql.size() && (sql[i] == '-' || sql[i] == '+' || std::isspace(static_cast<unsigned char>(sql[i])))) {
        negative ^= sql[i] == '-';
        i++;
    }
    int64_t value = 0;
    while (i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i]))) {
        value = value * 10 + (sql[i] - '0');
        i++;
    }
    return negative ? -value : value;
}

Binder Binder::nested() const {
    Binder inner(catalog_, default_service_, param_types_);
    inner.ctes_ = ctes_;
    inner.source_ = source_;
    return inner;
}

void Binder::absorb(const Binder& inner) {
    param_types_ = inner.param_types_;
    services_.insert(services_.end(), inner.services_.begin(), inner.services_.end());
}

Result<ExprPtr> Binder::bind_expr(JsonNode node, ExprContext& ctx) {
    auto [kind, f] = node_kind(node);
    const int loc = location_of(node);
    if (kind == "ColumnRef") {
        return bind_column_ref(f, ctx);
    }
    if (kind == "A_Const") {
        return bind_const(f);
    }
    if (kind == "ParamRef") {
        return bind_param(f);
    }
    if (kind == "TypeCast") {
        return bind_type_cast(f, ctx);
    }
    if (kind == "A_Expr") {
        return bind_a_expr(f, ctx);
    }
    if (kind == "BoolExpr") {
        std::string_view op = string_field(f, "boolop");
        auto e = make_expr(op == "AND_EXPR" ? Expr::Kind::And : op == "OR_EXPR" ? Expr::Kind::Or : Expr::Kind::Not,
                      Type::Bool);
        for (JsonNode a : list_field(f, "args")) {
            auto arg = bind_expr(a, ctx);
            if (!arg) {
                return arg.error();
            }
            auto as_bool = coerce(*arg, Type::Bool, location_of(a));
            if (!as_bool) {
                return error_at("42804", std::string("argument of ") + (op == "AND_EXPR" ? "AND" : op == "OR_EXPR" ? "OR" : "NOT") +
                                             " must be type boolean, not type " + std::string(type_name((*arg)->type)),
                                location_of(a));
            }
            e->args.push_back(*as_bool);
        }
        return ExprPtr(e);
    }
    if (kind == "NullTest") {
        auto arg = bind_expr(field(f, "arg"), ctx);
        if (!arg) {
            return arg.error();
        }
        auto e = make_expr(Expr::Kind::IsNull, Type::Bool);
        e->negated = string_field(f, "nulltesttype") == "IS_NOT_NULL";
        e->args = {*arg};
        return ExprPtr(e);
    }
    if (kind == "BooleanTest") {
        auto arg = bind_expr(field(f, "arg"), ctx);
        if (!arg) {
            return arg.error();
        }
        auto as_bool = coerce(*arg, Type::Bool, loc);
        if (!as_bool) {
            return as_bool.error();
        }
        std::string_view t = string_field(f, "booltesttype");
        // x IS [NOT] TRUE/FALSE/UNKNOWN is x IS [NOT] DISTINCT FROM true/false/NULL.
        auto e = make_expr(Expr::Kind::IsDistinct, Type::Bool);
        Value target = t == "IS_TRUE" || t == "IS_NOT_TRUE"     ? Value::boolean(true)
                       : t == "IS_FALSE" || t == "IS_NOT_FALSE" ? Value::boolean(false)
                                                                : Value::null(Type::Bool);
        e->negated = t == "IS_TRUE" || t == "IS_FALSE" || t == "IS_UNKNOWN";
        e->args = {*as_bool, Expr::constant(target)};
        return ExprPtr(e);
    }
    if (kind == "FuncCall") {
        return bind_func_call(f, ctx);
    }
    if (kind == "GroupingFunc") {
        return bind_grouping_func(f, ctx);
    }
    if (kind == "CaseExpr") {
        return bind_case(f, ctx);
    }
    if (kind == "CoalesceExpr" || kind == "MinMaxExpr") {
        std::vector<ExprPtr> args;
        for (JsonNode a : list_field(f, "args")) {
            auto arg = bind_expr(a, ctx);
            if (!arg) {
                return arg.error();
            }
            args.push_back(*arg);
        }
        const char* name = kind == "CoalesceExpr" ? "coalesce"
                           : string_field(f, "op") == "IS_GREATEST" ? "greatest"
                                                                    : "least";
        auto unified = unify(std::move(args), kind == "CoalesceExpr" ? "COALESCE" : name, loc);
        if (!unified) {
            return unified.error();
        }
        if (kind == "CoalesceExpr") {
            auto e = make_expr(Expr::Kind::Coalesce, (*unified)[0]->type);
            e->args = *unified;
            e->label = name;
            return ExprPtr(e);
        }
        std::vector<Type> types;
        for (auto& a : *unified) {
            types.push_back(a->type);
        }
        auto impl = resolve_function(name, types);
        if (!impl) {
            return with_position(impl.error(), loc);
        }
        auto e = make_expr(Expr::Kind::Call, impl->result);
        e->fn = std::make_shared<ScalarImpl>(std::move(*impl));
        e->args = *unified;
        e->label = name;
        return ExprPtr(e);
    }
    if (kind == "SubLink") {
        std::string_view type = string_field(f, "subLinkType");
        if (type == "ANY_SUBLINK" || type == "ALL_SUBLINK") {
            return bind_quantified_sublink(*this, f, ctx);
        }
        return bind_sublink(f, ctx);
    }
    if (kind == "SQLValueFunction") {
        std::string_view op = string_field(f, "op");
        const char* fname = op == "SVFOP_CURRENT_DATE"          ? "current_date"
                            : op == "SVFOP_CURRENT_TIMESTAMP"   ? "now"
                            : op == "SVFOP_CURRENT_TIMESTAMP_N" ? "now"
                            : op == "SVFOP_LOCALTIMESTAMP"      ? "localtimestamp"
                                                                : nullptr;
        if (fname == nullptr) {
            return error_at("0A000", "this SQL value function is not supported by Nectar's federated engine yet", loc);
        }
        auto impl = resolve_function(fname, {});
        if (!impl) {
            return with_position(impl.error(), loc);
        }
        auto e = make_expr(Expr::Kind::Call, impl->result);
        e->fn = std::make_shared<ScalarImpl>(std::move(*impl));
        e->label = op == "SVFOP_CURRENT_DATE" ? "current_date" : "current_timestamp";
        return ExprPtr(e);
    }
    return error_at("0A000", "expression " + std::string(kind) + " is not supported by Nectar's federated engine yet",
                    loc);
}

Result<ExprPtr> Binder::bind_column_ref(JsonNode f, ExprContext& ctx) {
    auto parts = list_field(f, "fields");
    const int loc = static_cast<int>(int_field(f, "location", -1));
    std::vector<std::string> names;
    for (JsonNode p : parts) {
        if (node_kind(p).first == "A_Star") {
            return error_at("0A000", "\"*\" is only supported at the top of a select list", loc);
        }
        names.emplace_back(string_value(p));
    }
    std::string column = names.back();
    std::string qualifier = names.size() >= 2 ? names[names.size() - 2] : "";
    std::string full;
    for (auto& n : names) {
        full += (full.empty() ? "" : ".") + n;
    }
    for (const Scope* scope = ctx.scope; scope != nullptr; scope = scope->outer) {
        int found = -1;
        for (size_t i = 0; i < scope->columns.size(); i++) {
            const ScopeColumn& c = scope->columns[i];
            if (c.name != column || (!qualifier.empty() && c.qualifier != qualifier)) {
                continue;
            }
            if (qualifier.empty() && c.hidden_from_star) {
                continue; // the right copy of a USING column: the left one answers
            }
            if (found >= 0) {
                return error_at("42702", "column reference \"" + full + "\" is ambiguous", loc);
            }
            found = static_cast<int>(i);
        }
        if (found >= 0) {
            if (scope != ctx.scope && allow_outer_refs_ && scope == ctx.scope->outer) {
                saw_outer_ref_ = true;
                auto e = make_expr(Expr::Kind::Param, scope->columns[found].type);
                e->param = -(found + 1);
                e->label = column;
                return ExprPtr(e);
            }
            if (scope != ctx.scope) {
                return error_at("0A000",
                                "correlated subqueries (reference to \"" + full +
                                    "\" of an outer query) are not supported by Nectar's federated engine yet",
                                loc);
            }
            return Expr::column_ref(found, scope->columns[found].type, column);
        }
    }
    if (!qualifier.empty()) {
        bool known = false;
        for (const auto& c : ctx.scope->columns) {
            known |= c.qualifier == qualifier;
        }
        if (!known) {
            return error_at("42P01", "missing FROM-clause entry for table \"" + qualifier + "\"", loc);
        }
    }
    return error_at("42703", "column \"" + full + "\" does not exist", loc);
}

Result<ExprPtr> Binder::bind_const(JsonNode f) {
    if (bool_field(f, "isnull")) {
        auto e = make_expr(Expr::Kind::Const, Type::Unknown);
        e->label = "?column?";
        return ExprPtr(e);
    }
    Value v;
    if (has_field(f, "ival") && has_field(field(f, "ival"), "ival")) {
        v = Value::int4(int_field(field(f, "ival"), "ival"));
    } else if (has_field(f, "fval")) {
        std::string text(string_field(field(f, "fval"), "fval"));
        // Integer literals too large for int4 arrive as fval: PostgreSQL makes them int8, else numeric.
        bool integral = text.find_first_not_of("0123456789-") == std::string::npos;
        auto as_int8 = integral ? from_pg_text(Type::Int8, text) : Result<Value>(Error{});
        if (integral && as_int8) {
            bool fits_int4 = as_int8->as_int() >= INT32_MIN && as_int8->as_int() <= INT32_MAX;
            v = fits_int4 ? Value::int4(as_int8->as_int()) : *as_int8; // -2147483648 is an integer
        } else {
            auto n = from_pg_text(Type::Numeric, text);
            if (!n) {
                return n.error();
            }
            v = *n;
        }
    } else if (has_field(f, "boolval")) {
        v = Value::boolean(bool_field(field(f, "boolval"), "boolval"));
    } else if (has_field(f, "sval")) {
        v = Value::string(Type::Unknown, std::string(string_field(field(f, "sval"), "sval")));
    } else if (has_field(f, "bsval")) {
        return error_at("0A000", "bit string literals are not supported by Nectar's federated engine",
                        static_cast<int>(int_field(f, "location", -1)));
    } else {
        // libpg_query 15-4.0's JSON writes {"ival": {}} for 0 and for every negative integer:
        // read the literal back from the statement text at its location.
        v = Value::int4(literal_integer_at(source_, static_cast<int>(int_field(f, "location", -1))));
    }
    auto e = Expr::constant(std::move(v));
    std::const_pointer_cast<Expr>(e)->label = "?column?";
    return e;
}

Result<ExprPtr> Binder::bind_param(JsonNode f) {
    int n = static_cast<int>(int_field(f, "number"));
    if (n < 1 || n > 65535) {
        return error_at("42P02", "there is no parameter $" + std::to_string(n),
                        static_cast<int>(int_field(f, "location", -1)));
    }
    if (param_types_.size() < static_cast<size_t>(n)) {
        param_types_.resize(n, Type::Unknown);
    }
    auto e = make_expr(Expr::Kind::Param, param_types_[n - 1]);
    e->param = n;
    e->label = "?column?";
    return ExprPtr(e);
}

Result<ExprPtr> Binder::coerce(ExprPtr expr, Type target, int location) {
    if (expr->type == target || target == Type::Unknown) {
        return expr;
    }
    if (expr->kind == Expr::Kind::Param && expr->type == Type::Unknown) {
        // An untyped parameter takes the type its context needs, as PostgreSQL infers it.
        param_types_[expr->param - 1] = target;
        auto e = std::make_shared<Expr>(*expr);
        e->type = target;
        return ExprPtr(e);
    }
    if (expr->kind == Expr::Kind::Const) {
        const Value& v = expr->value;
        Result<Value> converted = v.is_null()                  ? Result<Value>(Value::null(target))
                                  : v.type() == Type::Unknown ? from_pg_text(target, v.as_string())
                                                              : cast_value(v, target);
        if (!converted) {
            return with_position(converted.error(), location);
        }
        auto e = std::make_shared<Expr>(*expr);
        e->value = *converted;
        e->type = target;
        return ExprPtr(e);
    }
    auto e = make_expr(Expr::Kind::Cast, target);
    e->args = {expr};
    e->label = expr->label;
    return ExprPtr(e);
}

Result<std::vector<ExprPtr>> Binder::unify(std::vector<ExprPtr> exprs, std::string_view context, int location) {
    Type common = Type::Unknown;
    for (auto& e : exprs) {
        if (e->type == Type::Unknown) {
            continue;
        }
        if (common == Type::Unknown) {
            common = e->type;
            continue;
        }
        auto t = common_type(common, e->type, context);
        if (!t) {
            return with_position(t.error(), location);
        }
        common = *t;
    }
    if (common == Type::Unknown) {
        common = Type::Text; // all untyped: PostgreSQL resolves them as text
    }
    for (auto& e : exprs) {
        auto c = coerce(e, common, location);
        if (!c) {
            return c.error();
        }
        e = *c;
    }
    return exprs;
}

Result<ExprPtr> Binder::make_operator(std::string_view op, ExprPtr left, ExprPtr right, int location) {
    bool unary = left == nullptr;
    auto impl = resolve_operator(op, unary ? Type::Unknown : left->type, right->type, unary);
    if (!impl) {
        return with_position(impl.error(), location);
    }
    std::vector<ExprPtr> args = unary ? std::vector<ExprPtr>{right} : std::vector<ExprPtr>{left, right};
    for (size_t i = 0; i < args.size() && i < impl->params.size(); i++) {
        auto c = coerce(args[i], impl->params[i], location);
        if (!c) {
            return c.error();
        }
        args[i] = *c;
    }
    auto e = make_expr(Expr::Kind::Call, impl->result);
    e->fn = std::make_shared<ScalarImpl>(std::move(*impl));
    e->args = std::move(args);
    e->label = "?column?";
    return ExprPtr(e);
}

Result<ExprPtr> Binder::bind_a_expr(JsonNode f, ExprContext& ctx) {
    std::string_view kind = string_field(f, "kind");
    const int loc = static_cast<int>(int_field(f, "location", -1));
    std::string op = last_name(name_list(f, "name"));
    ExprPtr left;
    if (has_field(f, "lexpr")) {
        auto l = bind_expr(field(f, "lexpr"), ctx);
        if (!l) {
            return l.error();
        }
        left = *l;
    }
    if (kind == "AEXPR_IN") {
        return bind_in_list(left, field(f, "rexpr"), op == "<>", loc, ctx);
    }
    if (kind == "AEXPR_BETWEEN" || kind == "AEXPR_NOT_BETWEEN" || kind == "AEXPR_BETWEEN_SYM" ||
        kind == "AEXPR_NOT_BETWEEN_SYM") {
        auto bounds = list_field(node_kind(field(f, "rexpr")).second, "items");
        auto lo = bind_expr(bounds.at(0), ctx);
        auto hi = lo ? bind_expr(bounds.at(1), ctx) : lo;
        if (!lo || !hi) {
            return lo ? hi.error() : lo.error();
        }
        bool negated = kind == "AEXPR_NOT_BETWEEN" || kind == "AEXPR_NOT_BETWEEN_SYM";
        auto ge = make_operator(negated ? "<" : ">=", left, *lo, loc);
        auto le = ge ? make_operator(negated ? ">" : "<=", left, *hi, loc) : ge;
        if (!ge || !le) {
            return ge ? le.error() : ge.error();
        }
        auto e = make_expr(negated ? Expr::Kind::Or : Expr::Kind::And, Type::Bool);
        e->args = {*ge, *le};
        if (kind == "AEXPR_BETWEEN_SYM" || kind == "AEXPR_NOT_BETWEEN_SYM") {
            // BETWEEN SYMMETRIC: either order of the bounds.
            auto ge2 = make_operator(negated ? "<" : ">=", left, *hi, loc);
            auto le2 = make_operator(negated ? ">" : "<=", left, *lo, loc);
            auto e2 = make_expr(negated ? Expr::Kind::Or : Expr::Kind::And, Type::Bool);
            e2->args = {*ge2, *le2};
            auto both = make_expr(negated ? Expr::Kind::And : Expr::Kind::Or, Type::Bool);
            both->args = {e, e2};
            return ExprPtr(both);
        }
        return ExprPtr(e);
    }
    auto r = bind_expr(field(f, "rexpr"), ctx);
    if (!r) {
        return r.error();
    }
    ExprPtr right = *r;
    if (kind == "AEXPR_NULLIF") {
        auto eq = make_operator("=", left, right, loc);
        if (!eq) {
            return eq.error();
        }
        auto e = make_expr(Expr::Kind::NullIf, (*eq)->args[0]->type);
        e->fn = (*eq)->fn;
        e->args = (*eq)->args;
        e->label = "nullif";
        return ExprPtr(e);
    }
    if (kind == "AEXPR_DISTINCT" || kind == "AEXPR_NOT_DISTINCT") {
        auto unified = unify({left, right}, "IS DISTINCT FROM", loc);
        if (!unified) {
            return unified.error();
        }
        auto e = make_expr(Expr::Kind::IsDistinct, Type::Bool);
        e->negated = kind == "AEXPR_NOT_DISTINCT";
        e->args = *unified;
        e->label = "?column?";
        return ExprPtr(e);
    }
    if (kind == "AEXPR_OP" || kind == "AEXPR_LIKE" || kind == "AEXPR_ILIKE") {
        return make_operator(op, left, right, loc);
    }
    return error_at("0A000", "operator form " + std::string(kind) + " is not supported by Nectar's federated engine yet",
                    loc);
}

Result<ExprPtr> Binder::bind_in_list(ExprPtr left, JsonNode list, bool negated, int location, ExprContext& ctx) {
    std::vector<ExprPtr> items{left};
    for (JsonNode item : list_field(node_kind(list).second, "items")) {
        auto e = bind_expr(item, ctx);
        if (!e) {
            return e.error();
        }
        items.push_back(*e);
    }
    auto unified = unify(std::move(items), "IN", location);
    if (!unified) {
        return unified.error();
    }
    auto eq = resolve_operator("=", (*unified)[0]->type, (*unified)[0]->type);
    if (!eq) {
        return with_position(eq.error(), location);
    }
    auto e = make_expr(Expr::Kind::InList, Type::Bool);
    e->fn = std::make_shared<ScalarImpl>(std::move(*eq));
    e->args = *unified;
    e->negated = negated;
    e->label = "?column?";
    return ExprPtr(e);
}

Result<ExprPtr> Binder::bind_type_cast(JsonNode f, ExprContext& ctx) {
    JsonNode type_name_node = field(f, "typeName");
    auto names = name_list(type_name_node, "names");
    const int loc = static_cast<int>(int_field(f, "location", -1));
    if (has_field(type_name_node, "arrayBounds")) {
        return error_at("0A000", "array types are not supported by Nectar's federated engine yet", loc);
    }
    std::string tname = last_name(names);
    auto target = type_from_name(tname);
    if (!target) {
        return error_at("42704", "type \"" + tname + "\" does not exist", loc);
    }
    auto arg = bind_expr(field(f, "arg"), ctx);
    if (!arg) {
        return arg.error();
    }
    auto cast = coerce(*arg, *target, loc);
    if (!cast) {
        return cast.error();
    }
    ExprPtr result = *cast;
    // numeric(p, s): the value is rounded to s decimal places as PostgreSQL's typmod does.
    auto typmods = list_field(type_name_node, "typmods");
    if (*target == Type::Numeric && typmods.size() == 2) {
        int64_t scale = int_field(field(node_kind(typmods[1]).second, "ival"), "ival");
        Type int4 = Type::Int4;
        Type args[] = {Type::Numeric, int4};
        auto impl = resolve_function("round", args);
        if (!impl) {
            return impl.error();
        }
        auto e = make_expr(Expr::Kind::Call, Type::Numeric);
        e->fn = std::make_shared<ScalarImpl>(std::move(*impl));
        e->args = {result, Expr::constant(Value::int4(scale))};
        result = e;
    }
    // varchar(n): an explicit cast keeps the first n characters, as PostgreSQL's varchar() does.
    if (*target == Type::Varchar && typmods.size() == 1) {
        int64_t length = int_field(field(node_kind(typmods[0]).second, "ival"), "ival");
        if (length < 1 || length > 10485760) {
            return error_at("22023", length < 1 ? "length for type varchar must be at least 1"
                                                : "length for type varchar cannot exceed 10485760", loc);
        }
        Type args[] = {Type::Text, Type::Int4};
        auto impl = resolve_function("left", args);
        auto as_text = coerce(result, Type::Text, loc);
        if (!impl || !as_text) {
            return impl ? as_text.error() : impl.error();
        }
        auto e = make_expr(Expr::Kind::Call, Type::Text);
        e->fn = std::make_shared<ScalarImpl>(std::move(*impl));
        e->args = {*as_text, Expr::constant(Value::int4(length))};
        auto back = coerce(e, Type::Varchar, loc);
        if (!back) {
            return back.error();
        }
        result = *back;
    }
    auto labelled = std::make_shared<Expr>(*result);
    labelled->label = (*arg)->label.empty() || (*arg)->label == "?column?" ? tname : (*arg)->label;
    return ExprPtr(labelled);
}

} // namespace nectar::federation
