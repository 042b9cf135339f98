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

// The first i in [0, n) where pred(i) is false, pred being true on a prefix (a binary search).
template <class Pred>
size_t partition_index(size_t n, Pred pred) {
    size_t lo = 0;
    for (size_t hi = n; lo < hi;) {
        size_t mid = lo + (hi - lo) / 2;
        if (pred(mid))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

// Whether two rows can still be equal: no column pair is non-NULL and different.
bool maybe_equal(const Value* a, const Value* b, size_t width) {
    for (size_t i = 0; i < width; ++i) {
        if (!a[i].is_null() && !b[i].is_null() && compare_values(a[i], b[i]) != 0)
            return false;
    }
    return true;
}

// (x1, ..., xk) IN (subquery): true on an equal row; else NULL when a row is equal but for
// NULLs, else false. run_subqueries leaves the distinct rows flattened, NULL-free rows first
// in compare_values order, so an exact match is a binary search.
Result<Value> evaluate_in_subquery(const Expr& expr, const std::vector<Value>& values, const Row& row,
                                   ExecContext& ctx) {
    if (values.empty())
        return Value::boolean(expr.negated); // IN (empty) is false even for a NULL operand
    Row x;
    auto r = exec::evaluate_all(expr.args, row, ctx, x);
    if (!r)
        return r.error();
    const size_t k = x.size(), n = values.size() / k;
    auto at = [&](size_t i) { return values.data() + i * k; };
    auto less = [&](const Value* a, const Value* b) {
        for (size_t c = 0; c < k; ++c) {
            int cmp = compare_values(a[c], b[c]);
            if (cmp != 0)
                return cmp < 0;
        }
        return false;
    };
    const size_t complete = partition_index(n, [&](size_t i) {
        return std::none_of(at(i), at(i) + k, [](const Value& v) { return v.is_null(); });
    });
    const bool x_null = std::any_of(x.begin(), x.end(), [](const Value& v) { return v.is_null(); });
    if (!x_null) {
        size_t first = partition_index(complete, [&](size_t i) { return less(at(i), x.data()); });
        if (first < complete && !less(x.data(), at(first)))
            return Value::boolean(!expr.negated);
    }
    // A NULL-free x can only half-match rows with a NULL; a NULL in x can half-match any row.
    Tri t = Tri{false};
    for (size_t i = x_null ? 0 : complete; i < n && t; ++i) {
        if (maybe_equal(x.data(), at(i), k))
            t = Tri{};
    }
    return tri_value(negate(t, expr.negated));
}

// x op ANY/ALL (subquery) from the subquery's least and greatest values: for the operators the
// binder sends here, ANY is (x op least) OR (x op greatest), ALL is (x op least) AND (x op greatest).
Result<Value> evaluate_quantified(const Expr& expr, const std::vector<Value>& extremes, bool saw_null,
                                  const Row& row, ExecContext& ctx) {
    const bool all = expr.sub_kind == Expr::SubKind::All;
    if (extremes.empty() && !saw_null)
        return Value::boolean(all); // no rows: ALL is true, ANY false, whatever x is
    auto x = evaluate(*expr.args[0], row, ctx);
    if (!x)
        return x.error();
    if (x->is_null() || extremes.empty())
        return Value::null(Type::Bool);
    for (const Value& v : extremes) {
        Value pair[2] = {*x, v};
        auto c = call(*expr.fn, pair, Type::Bool);
        if (!c)
            return c.error();
        if (!c->is_null() && c->as_bool() != all)
            return Value::boolean(!all); // ANY found a true comparison, ALL a false one
        saw_null |= c->is_null();
    }
    return saw_null ? Value::null(Type::Bool) : Value::boolean(all);
}

// Scalar and EXISTS results are looked up; IN and ANY/ALL read their stored summaries.
Result<Value> evaluate_subquery(const Expr& expr, const Row& row, ExecContext& ctx) {
    if (expr.sub_kind == Expr::SubKind::Scalar || expr.sub_kind == Expr::SubKind::Exists) {
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
    if (expr.sub_kind == Expr::SubKind::In)
        return evaluate_in_subquery(expr, set->second, row, ctx);
    return evaluate_quantified(expr, set->second, ctx.set_has_null[&expr], row, ctx);
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
