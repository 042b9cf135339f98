#pragma once
// Small pieces of plan building shared by the binder's files.

#include "federation/sql/binder.hpp"

namespace nectar::federation {

/// The integer literal ("-12", "- 12", "0") at a location of the statement text: libpg_query
/// 15-4.0's JSON writes {} for zero and every negative integer.
int64_t literal_integer_at(std::string_view sql, int location);
/// An error at a 0-based location of the statement (PostgreSQL reports it 1-based; −1: none).
Error error_at(std::string sqlstate, std::string message, int location);
/// The error with a position, unless it already has one.
Error with_position(Error e, int location);
/// A new expression node of a kind and type.
std::shared_ptr<Expr> make_expr(Expr::Kind kind, Type type);
/// The last part of a qualified name ("pg_catalog.int4" → "int4"), or "".
std::string last_name(const std::vector<std::string>& names);
/// AND of the given predicates (one predicate is returned as is).
ExprPtr make_and(std::vector<ExprPtr> predicates);
/// A SortKey from a SortBy node's fields, with PostgreSQL's default NULL placement.
SortKey sort_key(ExprPtr expr, JsonNode sort_by);
/// UNION/INTERSECT/EXCEPT of two bound queries, columns coerced to their common types.
Result<PlanPtr> set_operation(PlanPtr left, PlanPtr right, const char* op, bool all, Binder& binder);
/// After GROUP BY: group expressions become group columns, aggregate calls aggregate columns;
/// any other column reference is PostgreSQL's 42803 error.
Result<ExprPtr> rewrite_for_aggregate(const ExprPtr& expr, const std::vector<ExprPtr>& groups,
                                      const Scope& scope);
/// Window calls become columns `base + i` of the Window node's output.
ExprPtr rewrite_window_refs(const ExprPtr& expr, int base);
/// Whether the expression contains an aggregate call (binder-internal AggregateRef).
bool contains_aggregate(const Expr& expr);
/// A projection of `input` computing `exprs` named `names`.
PlanPtr make_project(PlanPtr input, std::vector<ExprPtr> exprs, std::vector<std::string> names);
/// x IN / op ANY / op ALL (subquery) (binder_subquery.cpp).
Result<ExprPtr> bind_quantified_sublink(Binder& binder, JsonNode f, Binder::ExprContext& ctx);

} // namespace nectar::federation
