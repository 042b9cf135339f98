// Uncorrelated subqueries run once, before the tree that uses them: scalar values, EXISTS
// flags, the distinct rows of IN (subquery) and the least/greatest values of op ANY/ALL
// (subquery) are stored in the ExecContext.

#include "federation/exec/operators.hpp"

#include <algorithm>
#include <iterator>
#include <optional>
#include <unordered_set>

namespace nectar::federation {
namespace {

void collect_expr(const ExprPtr& expr, std::vector<const Expr*>& out) {
    if (!expr)
        return;
    for (const auto& a : expr->args)
        collect_expr(a, out);
    if (expr->kind == Expr::Kind::Subquery)
        out.push_back(expr.get());
}

void collect_exprs(const std::vector<ExprPtr>& exprs, std::vector<const Expr*>& out) {
    for (const auto& e : exprs)
        collect_expr(e, out);
}

// Every subquery expression of one node (not of its children).
std::vector<const Expr*> node_subqueries(const PlanNode& node) {
    std::vector<const Expr*> out;
    collect_expr(node.predicate, out);
    collect_exprs(node.exprs, out);
    collect_expr(node.condition, out);
    collect_exprs(node.group_by, out);
    for (const auto& agg : node.aggregates) {
        collect_exprs(agg.args, out);
        collect_expr(agg.filter, out);
        for (const auto& key : agg.order_by)
            collect_expr(key.first, out);
    }
    for (const auto& key : node.sort_keys)
        collect_expr(key.expr, out);
    for (const auto& row : node.rows)
        collect_exprs(row, out);
    for (const auto& w : node.windows) {
        collect_exprs(w.args, out);
        collect_exprs(w.partition_by, out);
        for (const auto& key : w.order_by)
            collect_expr(key.expr, out);
    }
    return out;
}

void collect_plan(const PlanNode& node, std::vector<const Expr*>& out) {
    for (const auto& child : node.children)
        collect_plan(*child, out);
    auto own = node_subqueries(node);
    out.insert(out.end(), own.begin(), own.end());
}

Error too_many_rows() {
    return Error::make("21000", "more than one row returned by a subquery used as an expression");
}

bool has_null(const Row& row) {
    return std::any_of(row.begin(), row.end(), [](const Value& v) { return v.is_null(); });
}

// IN's order: rows without a NULL first, column by column; rows with a NULL after, unordered.
bool row_before(const Row& a, const Row& b) {
    bool a_null = has_null(a), b_null = has_null(b);
    if (a_null || b_null)
        return !a_null && b_null;
    for (size_t i = 0; i < a.size(); ++i) {
        int c = compare_values(a[i], b[i]);
        if (c != 0)
            return c < 0;
    }
    return false;
}

// What one subquery's rows reduce to while they stream in.
struct Collected {
    std::optional<Value> scalar; ///< Scalar, Exists
    std::unordered_set<Row, exec::RowHash, exec::RowEq> distinct; ///< In: distinct rows
    bool saw_null = false;       ///< In, Any, All: a row with a NULL
    std::optional<Value> lo, hi; ///< Any, All: least and greatest non-NULL value
};

// Folds one row in; false once the subquery needs no more rows.
Result<bool> collect(const Expr& expr, Row& row, Collected& c, ExecContext& ctx) {
    switch (expr.sub_kind) {
    case Expr::SubKind::Exists:
        c.scalar = Value::boolean(true);
        return false; // one row answers EXISTS: stop pulling
    case Expr::SubKind::Scalar:
        if (c.scalar)
            return too_many_rows();
        c.scalar = row.empty() ? Value::null(expr.type) : std::move(row[0]);
        return true;
    case Expr::SubKind::In: {
        c.saw_null |= has_null(row);
        if (c.distinct.count(row))
            return true;
        auto m = ctx.reserve(exec::row_bytes(row));
        if (!m)
            return m.error();
        c.distinct.insert(std::move(row));
        return true;
    }
    case Expr::SubKind::Any:
    case Expr::SubKind::All:
        // An ordering operator against every value is decided by the extremes alone. The binder
        // usually sends the subquery summarised: one row (least, greatest, rows, non-NULL values).
        if (row.size() == 4) {
            c.saw_null = row[2].as_int() > row[3].as_int();
            if (!row[0].is_null()) {
                c.lo = std::move(row[0]);
                c.hi = std::move(row[1]);
            }
        } else if (row[0].is_null()) {
            c.saw_null = true;
        } else {
            if (!c.lo || compare_values(row[0], *c.lo) < 0)
                c.lo = row[0];
            if (!c.hi || compare_values(row[0], *c.hi) > 0)
                c.hi = std::move(row[0]);
        }
        return true;
    }
    return true;
}

// Stores what evaluate() reads: a scalar, IN's sorted distinct rows (flattened, one value per
// column) or ANY/ALL's {least, greatest} (empty when no non-NULL value), and whether a NULL came.
void store(const Expr& expr, Collected& c, ExecContext& ctx) {
    if (expr.sub_kind == Expr::SubKind::Exists) {
        ctx.scalar_results[&expr] = c.scalar ? *c.scalar : Value::boolean(false);
        return;
    }
    if (expr.sub_kind == Expr::SubKind::Scalar) {
        ctx.scalar_results[&expr] = c.scalar ? *c.scalar : Value::null(expr.type);
        return;
    }
    std::vector<Value> values;
    if (expr.sub_kind == Expr::SubKind::In) {
        std::vector<Row> rows;
        rows.reserve(c.distinct.size());
        while (!c.distinct.empty())
            rows.push_back(std::move(c.distinct.extract(c.distinct.begin()).value()));
        std::sort(rows.begin(), rows.end(), row_before); // evaluate() binary-searches the NULL-free rows
        for (auto& row : rows)
            std::move(row.begin(), row.end(), std::back_inserter(values));
    } else if (c.lo) {
        values = {std::move(*c.lo), std::move(*c.hi)};
    }
    ctx.set_results[&expr] = std::move(values);
    ctx.set_has_null[&expr] = c.saw_null;
}

// Builds and drains one subquery's plan, storing what its kind needs.
boost::asio::awaitable<Result<void>> run_one(const Expr& expr, ExecContext& ctx) {
    auto op = build_operator(expr.subquery, ctx);
    if (!op)
        co_return op.error();
    Collected collected;
    bool more = true;
    while (more) {
        Batch batch;
        auto r = co_await (*op)->next(batch);
        if (!r)
            co_return r.error();
        more = *r;
        for (auto& row : batch.rows) {
            auto wanted = collect(expr, row, collected, ctx);
            if (!wanted)
                co_return wanted.error();
            if (!*wanted) {
                more = false;
                break;
            }
        }
    }
    store(expr, collected, ctx);
    co_return Result<void>{};
}

} // namespace

boost::asio::awaitable<Result<void>> run_subqueries(const PlanPtr& plan, ExecContext& ctx) {
    std::vector<const Expr*> subqueries;
    collect_plan(*plan, subqueries);
    for (const Expr* expr : subqueries) {
        bool done = ctx.scalar_results.count(expr) || ctx.set_results.count(expr);
        if (done || !expr->subquery)
            continue; // the same Expr shared by two nodes runs once
        // Subqueries nested inside this one's plan run first.
        auto nested = co_await run_subqueries(expr->subquery, ctx);
        if (!nested)
            co_return nested;
        auto r = co_await run_one(*expr, ctx);
        if (!r)
            co_return r;
    }
    co_return Result<void>{};
}

} // namespace nectar::federation
