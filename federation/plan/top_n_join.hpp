#pragma once
// Planner rewrite: ORDER BY ... LIMIT over a join, ordered by one input's columns, fetches only
// that input's first rows (see top_n_join.cpp for when and why it is exact).

#include "federation/plan/planner.hpp"

#include <functional>

namespace nectar::federation {

/// Rewrites every qualifying Limit(Sort(Project*(Join))) below and at `node`. `pushable` says
/// whether a subtree can run remotely as one query (an inner join's attempts are worth it only then).
PlanPtr push_top_n_through_joins(const PlanPtr& node, const std::function<bool(const PlanNode&)>& pushable);

} // namespace nectar::federation
