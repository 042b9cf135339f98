#pragma once
// Renders a pushable plan subtree as one SELECT in a service's dialect.

#include "federation/plan/logical_plan.hpp"

#include <optional>
#include <string>
#include <vector>

namespace nectar::federation {

/// Whether `dialect` can compute the expression with PostgreSQL's result. With `params`, the
/// statement's parameter values are checked like literals; without, they are assumed renderable.
bool can_render(const Expr& expr, const Dialect& dialect, const std::vector<Value>* params = nullptr);
/// Whether the node itself (not its children) can run in the backend.
bool can_render_node(const PlanNode& node, const Dialect& dialect,
                     const std::vector<Value>* params = nullptr);

/// The SELECT for the subtree; every node in it must pass can_render_node.
std::string render_select(const PlanNode& node, const Dialect& dialect, const std::vector<Value>& params);
/// The same SELECT with each `column op value` comparison's value and LIMIT/OFFSET counts as
/// $n placeholders, when the dialect binds parameters and no other value remains in the text:
/// a statement text that repeats across values, for the backend to prepare once.
std::optional<BoundSql> render_bound_select(const PlanNode& node, const Dialect& dialect,
                                            const std::vector<Value>& params);

} // namespace nectar::federation
