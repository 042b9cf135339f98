// Bound expression evaluation with PostgreSQL semantics: three-valued logic, strict
// functions, CASE/COALESCE/NULLIF, IN lists and uncorrelated subquery results.

#include "federation/exec/operators.hpp"

#include <algorithm>
#include <optional>
#include <string>

namespace nectar::federation {
namespace {

// Three-valued booleans: nullopt is SQL NULL.
using Tri = std::optional<bool>;

Value tri_value(Tri t) { return t ? Value::boolean(*t) : Value::null(Type::Bool); }

Tri negate(Tri t, bool negated) {
    if (!t || !negated)
        return t;
    return !*t;
}

Result<Tri> evaluate_tri(const Expr& expr, const Row& row, ExecContext& ctx) {
    auto v = evaluate(expr, row, ctx);
    if (!v)
        return v.error();
    if (v->is_null())
        return Tri{};
    return Tri{v->as_bool()};
}

// Calls a scalar implementation: strict functions give NULL on any NULL argument without running.
Result<Value> call(const ScalarImpl& fn, std::span<const Value> args, Type type) {
    if (fn.strict) {
        for (const auto& a : args) {
            if (a.is_null())
                return Value::null(type);
        }
    }
    return fn.fn(args);
}

Result<std::vector<Value>> evaluate_args(const Expr& expr, const Row& row, ExecContext& ctx) {
    std::vector<Value> args;
    args.reserve(expr.args.size());
    for (const auto& a : expr.args) {
        auto v = evaluate(*a, row, ctx);
        if (!v)
            return v.error();
        args.push_back(std::move(*v));
    }
    return args;
}

// AND: false wins over NULL, NULL over true. OR: true wins over NULL, NULL over false.
Result<Value> evaluate_junction(const Expr& expr, const Row& row, ExecContext& ctx, bool is_and) {
    bool saw_null = false;
    for (const auto& a : expr.args) {
        auto t = evaluate_tri(*a, row, ctx);
        if (!t)
            return t.error();
        if (!*t)
            saw_null = true;
        else if (**t != is_and)
            return Value::boolean(!is_and);
    }
    return saw_null ? Value::null(Type::Bool) : Value::boolean(is_and);
}

Result<Value> evaluate_case(const Expr& expr, const Row& row, ExecContext& ctx) {
    size_t pairs = (expr.args.size() - 1) / 2;
    for (size_t i = 0; i < pairs; ++i) {
        auto when = evaluate_predicate(*expr.args[2 * i], row, ctx);
        if (!when)
            return when.error();
        if (*when)
            return evaluate(*expr.args[2 * i + 1], row, ctx);
    }
    return evaluate(*expr.args.back(), row, ctx);
}

// Equality through the bound "=" operator; an Expr without one compares for grouping.
Result<Tri> equals(const Expr& expr, const Value& a, const Value& b) {
    if (a.is_null() || b.is_null())
        return Tri{};
    if (!expr.fn)
        return Tri{values_equal_for_grouping(a, b)};
    Value pair[2] = {a, b};
    auto eq = call(*expr.fn, pair, Type::Bool);
    if (!eq)
        return eq.error();
    if (eq->is_null())
        return Tri{};
    return Tri{eq->as_bool()};
}

// x IN (a, b, ...): true on a match; otherwise NULL if x or any item is NULL; else false.
Result<Value> evaluate_in_list(const Expr& expr, const Row& row, ExecContext& ctx) {
    auto x = evaluate(*expr.args[0], row, ctx);
    if (!x)
        return x.error();
    if (x->is_null())
        return Value::null(Type::Bool);
    bool saw_null = false;
    for (size_t i = 1; i < expr.args.size(); ++i) {
        auto item = evaluate(*expr.args[i], row, ctx);
        if (!item)
            return item.error();
        auto eq = equals(expr, *x, *item);
        if (!eq)
            return eq.error();
        if (!*eq)
            saw_null = true;
        else if (**eq)
            return tri_value(negate(Tri{true}, expr.negated));
    }
    return tri_value(negate(saw_null ? Tri{} : Tri{false}, expr.negated));
}

Result<Value> evaluate_is_distinct(const Expr& expr, const Row& row, ExecContext& ctx) {
    auto a = evaluate(*expr.args[0], row, ctx);
    if (!a)
        return a.error();
    auto b = evaluate(*expr.args[1], row, ctx);
    if (!b)
        return b.error();
    bool distinct;
    if (a->is_null() || b->is_null()) {
        distinct = a->is_null() != b->is_null();
    } else {
        auto eq = equals(expr, *a, *b);
        if (!eq)
            return eq.error();
        distinct = !(*eq && **eq);
    }
    return Value::boolean(distinct != expr.negated);
}

Error missing_subquery() {
    return Error::make("XX000", "subquery result missing: run_subqueries was not called");
}

// Scalar and EXISTS results are looked up; IN searches the sorted distinct values.
Result<Value> evaluate_subquery(const Expr& expr, const Row& row, ExecContext& ctx) {
    if (expr.sub_kind != Expr::SubKind::In) {
        auto it = ctx.scalar_results.find(&expr);
        if (it == ctx.scalar_results.end())
            return missing_subquery();
        if (expr.sub_kind == Expr::SubKind::Exists && expr.negated)
            return Value::boolean(!it->second.as_bool());
        return it->second;
    }
    auto set = ctx.set_results.find(&expr);
    if (set == ctx.set_results.end())
        return missing_subquery();
    bool has_null = ctx.set_has_null[&expr];
    const auto& values = set->second;
    if (values.empty() && !has_null)
        return Value::boolean(expr.negated); // IN (empty) is false even for a NULL operand
    auto x = evaluate(*expr.args[0], row, ctx);
    if (!x)
        return x.error();
    if (x->is_null())
        return Value::null(Type::Bool);
    // run_subqueries leaves the values sorted by compare_values.
    bool found = std::binary_search(values.begin(), values.end(), *x, [](const Value& a, const Value& b) {
        return compare_values(a, b) < 0;
    });
    Tri t = found ? Tri{true} : (has_null ? Tri{} : Tri{false});
    return tri_value(negate(t, expr.negated));
}

} // namespace

Result<Value> evaluate(const Expr& expr, const Row& row, ExecContext& ctx) {
    switch (expr.kind) {
    case Expr::Kind::Column:
        if (expr.column < 0 || static_cast<size_t>(expr.column) >= row.size())
            return Error::make("XX000", "column reference " + std::to_string(expr.column) +
                                            " outside a row of " + std::to_string(row.size()));
        return row[expr.column];
    case Expr::Kind::Const:
        return expr.value;
    case Expr::Kind::Param:
        if (expr.param < 1 || static_cast<size_t>(expr.param) > ctx.params.size())
            return Error::make("42P02", "there is no parameter $" + std::to_string(expr.param));
        return ctx.params[expr.param - 1];
    case Expr::Kind::Call: {
        if (!expr.fn)
            return Error::make("XX000", "function call without an implementation");
        auto args = evaluate_args(expr, row, ctx);
        if (!args)
            return args.error();
        return call(*expr.fn, *args, expr.type);
    }
    case Expr::Kind::Cast: {
        auto v = evaluate(*expr.args[0], row, ctx);
        if (!v)
            return v.error();
        if (v->is_null())
            return Value::null(expr.type);
        return cast_value(*v, expr.type);
    }
    case Expr::Kind::And:
        return evaluate_junction(expr, row, ctx, true);
    case Expr::Kind::Or:
        return evaluate_junction(expr, row, ctx, false);
    case Expr::Kind::Not: {
        auto t = evaluate_tri(*expr.args[0], row, ctx);
        if (!t)
            return t.error();
        return tri_value(negate(*t, true));
    }
    case Expr::Kind::IsNull: {
        auto v = evaluate(*expr.args[0], row, ctx);
        if (!v)
            return v.error();
        return Value::boolean(v->is_null() != expr.negated);
    }
    case Expr::Kind::IsDistinct:
        return evaluate_is_distinct(expr, row, ctx);
    case Expr::Kind::Case:
        return evaluate_case(expr, row, ctx);
    case Expr::Kind::Coalesce:
        for (const auto& a : expr.args) {
            auto v = evaluate(*a, row, ctx);
            if (!v || !v->is_null())
                return v;
        }
        return Value::null(expr.type);
    case Expr::Kind::NullIf: {
        auto a = evaluate(*expr.args[0], row, ctx);
        if (!a)
            return a.error();
        auto b = evaluate(*expr.args[1], row, ctx);
        if (!b)
            return b.error();
        auto eq = equals(expr, *a, *b);
        if (!eq)
            return eq.error();
        if (*eq && **eq)
            return Value::null(expr.type);
        return a;
    }
    case Expr::Kind::InList:
        return evaluate_in_list(expr, row, ctx);
    case Expr::Kind::Subquery:
        return evaluate_subquery(expr, row, ctx);
    case Expr::Kind::AggregateRef:
    case Expr::Kind::WindowRef:
        return Error::make("XX000", "aggregate or window reference left in a planned expression");
    }
    return Error::make("XX000", "unknown expression kind");
}

Result<bool> evaluate_predicate(const Expr& expr, const Row& row, ExecContext& ctx) {
    auto v = evaluate(expr, row, ctx);
    if (!v)
        return v.error();
    return !v->is_null() && v->as_bool();
}

} // namespace nectar::federation
