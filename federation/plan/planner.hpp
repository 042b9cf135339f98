#pragma once
// The planner: pushes filters toward the scans, orders hash joins, then replaces every maximal
// subtree that one service can run with PostgreSQL's results by a Remote node carrying the SQL
// rendered in that service's dialect.

#include "federation/plan/logical_plan.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::federation {

/// The dialect of a service (nullptr when the service is unknown).
using DialectLookup = std::function<const Dialect*(std::string_view service)>;

/// Plans `logical` for execution; `params` are rendered as literals into remote SQL.
Result<PlanPtr> plan_query(const PlanPtr& logical, const DialectLookup& dialects, const std::vector<Value>& params);

/// EXPLAIN text: one line per node, remote parts with their service and exact SQL; with stats
/// (EXPLAIN ANALYZE) rows and time per node.
std::vector<std::string> explain_lines(const PlanPtr& planned, const struct ExecContext* analyzed);

// --- Helpers shared by the planner's files ---

/// Columns of the input an expression reads (subquery plans are separate, not included).
void collect_columns(const Expr& expr, std::vector<int>& out);
/// The expression with every input column index i replaced by map[i] (−1: not allowed).
ExprPtr remap_columns(const ExprPtr& expr, const std::vector<int>& map);
/// Whether the expression holds a subquery (planned and run apart from its node).
bool has_subquery(const Expr& expr);

/// What static_row_estimate() says about an input it knows nothing of.
constexpr int64_t kUnknownRows = int64_t{1} << 40;
/// Rows a join input is guessed to give without asking its backend: the table's row count, a
/// tenth of it under a filter, capped by a LIMIT below; a Remote node's own row_estimate.
int64_t static_row_estimate(const PlanNode& n);
/// Join(a, b) as Project(Join(b, a)) with the same output columns (inner joins only).
PlanPtr swap_join_inputs(const PlanPtr& join);
/// Project(Project(x)) where the inner one only picks columns becomes one Project over x (join
/// reordering and the select list each add one; every row would be copied twice).
PlanPtr merge_projects(PlanPtr node);

} // namespace nectar::federation
