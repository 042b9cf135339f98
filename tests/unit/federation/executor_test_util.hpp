#pragma once
// Helpers for the executor tests: hand-built plans over Values leaves, expressions resolved
// through the real operator and aggregate tables, and a driver that drains a plan.

#include "federation/exec/executor.hpp"

#include <utility>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <doctest.h>
#include <string>
#include <vector>

namespace executor_test {

using namespace nectar::federation;
using nectar::Error;
using nectar::Result;

inline Value I(int64_t v) { return Value::int4(v); }
inline Value T(std::string s) { return Value::text(std::move(s)); }
inline Value N(Type t = Type::Int4) { return Value::null(t); }

inline ExprPtr col(int i, Type t = Type::Int4) { return Expr::column_ref(i, t); }
inline ExprPtr lit(Value v) { return Expr::constant(std::move(v)); }

inline ExprPtr make(Expr::Kind kind, std::vector<ExprPtr> args, Type type = Type::Bool, bool negated = false) {
    auto e = std::make_shared<Expr>();
    e->kind = kind;
    e->args = std::move(args);
    e->type = type;
    e->negated = negated;
    return e;
}

inline std::shared_ptr<const ScalarImpl> op_impl(std::string_view name, Type l, Type r) {
    auto impl = resolve_operator(name, l, r);
    REQUIRE_MESSAGE(impl.ok(), std::string(name));
    return std::make_shared<ScalarImpl>(*impl);
}

inline ExprPtr op(std::string_view name, ExprPtr a, ExprPtr b) {
    auto fn = op_impl(name, a->type, b->type);
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::Call;
    e->type = fn->result;
    e->fn = fn;
    e->args = {std::move(a), std::move(b)};
    return e;
}

inline ExprPtr in_list(ExprPtr x, std::vector<ExprPtr> items, bool negated = false) {
    auto fn = op_impl("=", x->type, x->type);
    items.insert(items.begin(), std::move(x));
    auto e = std::const_pointer_cast<Expr>(make(Expr::Kind::InList, std::move(items), Type::Bool, negated));
    e->fn = fn;
    return e;
}

inline AggregateCall agg(std::string_view name, std::vector<ExprPtr> args, bool star = false) {
    std::vector<Type> types;
    for (const auto& a : args)
        types.push_back(a->type);
    auto impl = resolve_aggregate(name, types, star);
    REQUIRE_MESSAGE(impl.ok(), std::string(name));
    AggregateCall call;
    call.impl = *impl;
    call.args = std::move(args);
    call.star = star;
    return call;
}

inline PlanPtr values(std::vector<Type> types, const std::vector<Row>& rows) {
    auto p = PlanNode::make(PlanNode::Kind::Values);
    for (size_t i = 0; i < types.size(); ++i)
        p->columns.push_back({"c" + std::to_string(i), types[i]});
    for (const auto& row : rows) {
        std::vector<ExprPtr> exprs;
        for (const auto& v : row)
            exprs.push_back(lit(v));
        p->rows.push_back(std::move(exprs));
    }
    return p;
}

inline PlanPtr unary(PlanNode::Kind kind, PlanPtr child, std::vector<Type> out_types = {}) {
    auto p = PlanNode::make(kind);
    p->columns = child->columns;
    if (!out_types.empty()) {
        p->columns.clear();
        for (size_t i = 0; i < out_types.size(); ++i)
            p->columns.push_back({"o" + std::to_string(i), out_types[i]});
    }
    p->children.push_back(std::move(child));
    return p;
}

inline PlanPtr join(JoinType type, PlanPtr left, PlanPtr right, ExprPtr condition) {
    auto p = PlanNode::make(PlanNode::Kind::Join);
    p->join_type = type;
    p->columns = left->columns;
    if (type != JoinType::Semi && type != JoinType::Anti)
        p->columns.insert(p->columns.end(), right->columns.begin(), right->columns.end());
    p->condition = std::move(condition);
    p->children = {std::move(left), std::move(right)};
    return p;
}

inline std::string text_of(const Value& v) { return v.is_null() ? "NULL" : to_pg_text(v); }

inline std::string text_of(const Row& row) {
    std::string s;
    for (size_t i = 0; i < row.size(); ++i)
        s += (i ? "|" : "") + text_of(row[i]);
    return s;
}

/// Builds, runs subqueries, drains; rows as "a|b|NULL" strings; the error when it fails.
inline Result<std::vector<std::string>> execute(const PlanPtr& plan, ExecContext& ctx, size_t* max_batch = nullptr) {
    Result<std::vector<std::string>> out = Error::make("XX000", "did not run");
    boost::asio::io_context io;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            auto sub = co_await run_subqueries(plan, ctx);
            if (!sub) {
                out = sub.error();
                co_return;
            }
            auto op = build_operator(plan, ctx);
            if (!op) {
                out = op.error();
                co_return;
            }
            std::vector<std::string> rows;
            bool more = true;
            while (more) {
                Batch batch;
                auto r = co_await (*op)->next(batch);
                if (!r) {
                    out = r.error();
                    co_return;
                }
                more = *r;
                if (max_batch)
                    *max_batch = std::max(*max_batch, batch.rows.size());
                for (const auto& row : batch.rows)
                    rows.push_back(text_of(row));
            }
            out = std::move(rows);
        },
        boost::asio::detached);
    io.run();
    return out;
}

inline std::vector<std::string> rows_of(const PlanPtr& plan) {
    ExecContext ctx;
    auto r = execute(plan, ctx);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return *r;
}

inline std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

using Strings = std::vector<std::string>;

} // namespace executor_test
