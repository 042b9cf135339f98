// Uncorrelated subqueries run once, before the tree that uses them: scalar values, EXISTS
// flags and the distinct values of IN (subquery) are stored in the ExecContext.

#include "federation/exec/operators.hpp"

#include <algorithm>
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

// Builds and drains one subquery's plan, storing what its kind needs.
boost::asio::awaitable<Result<void>> run_one(const Expr& expr, ExecContext& ctx) {
    auto op = build_operator(expr.subquery, ctx);
    if (!op)
        co_return op.error();
    std::optional<Value> scalar;
    std::unordered_set<Row, exec::RowHash, exec::RowEq> distinct;
    bool has_null = false;
    bool more = true;
    while (more) {
        Batch batch;
        auto r = co_await (*op)->next(batch);
        if (!r)
            co_return r.error();
        more = *r;
        for (auto& row : batch.rows) {
            if (expr.sub_kind == Expr::SubKind::Exists) {
                scalar = Value::boolean(true);
                more = false; // one row answers EXISTS: stop pulling
            } else if (expr.sub_kind == Expr::SubKind::Scalar) {
                if (scalar)
                    co_return too_many_rows();
                scalar = row.empty() ? Value::null(expr.type) : std::move(row[0]);
            } else if (row.empty() || row[0].is_null()) {
                has_null = true;
            } else {
                Row key{std::move(row[0])};
                if (distinct.count(key))
                    continue;
                auto m = ctx.reserve(exec::row_bytes(key));
                if (!m)
                    co_return m.error();
                distinct.insert(std::move(key));
            }
        }
    }
    if (expr.sub_kind == Expr::SubKind::Exists) {
        ctx.scalar_results[&expr] = scalar ? *scalar : Value::boolean(false);
    } else if (expr.sub_kind == Expr::SubKind::Scalar) {
        ctx.scalar_results[&expr] = scalar ? *scalar : Value::null(expr.type);
    } else {
        std::vector<Value> values;
        values.reserve(distinct.size());
        for (const auto& key : distinct)
            values.push_back(key[0]);
        // Sorted so that evaluate() can binary-search IN.
        std::sort(values.begin(), values.end(),
                  [](const Value& a, const Value& b) { return compare_values(a, b) < 0; });
        ctx.set_results[&expr] = std::move(values);
        ctx.set_has_null[&expr] = has_null;
    }
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
