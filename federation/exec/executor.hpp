#pragma once
// Runs a planned tree (Remote leaves + local operators) batch at a time, streaming: each
// operator pulls batches from its children; only hash tables, sort buffers and aggregates
// hold rows, and they count against the query's memory limit (SQLSTATE 53200 past it).

#include "federation/connectors/connector.hpp"
#include "federation/plan/logical_plan.hpp"

#include <utility>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <memory>
#include <string_view>
#include <vector>

namespace nectar::federation {

/// Rows and time of one plan node, for EXPLAIN ANALYZE.
struct OperatorStats {
    int64_t rows = 0;
    int64_t batches = 0;
    std::chrono::nanoseconds elapsed{0}; ///< inclusive of children, wall time inside next()
};

/// What one statement execution needs from its session.
struct ExecContext {
    /// The connector of a service on this worker (nullptr when unknown).
    std::function<Connector*(std::string_view service)> connector;
    std::vector<Value> params;             ///< $1.. already typed by the binder's parameter types
    size_t memory_limit_bytes = 256u << 20; ///< per query
    size_t memory_used_bytes = 0;
    bool collect_stats = false;            ///< EXPLAIN ANALYZE
    std::map<const PlanNode*, OperatorStats> stats;
    /// Results of uncorrelated subqueries, filled before the main tree runs.
    std::map<const Expr*, Value> scalar_results;
    std::map<const Expr*, std::vector<Value>> set_results; ///< IN (subquery): distinct non-NULL values
    std::map<const Expr*, bool> set_has_null;               ///< IN (subquery) produced a NULL
    int64_t statement_timestamp_us = 0;    ///< now() for the whole statement
    /// Semi-join reduction: SQL to run instead of a Remote node's own, in order (key batches).
    std::map<const PlanNode*, std::vector<std::string>> remote_rewrites;
    /// Extra EXPLAIN ANALYZE lines per node (what a run decided, e.g. a reduction).
    std::map<const PlanNode*, std::string> notes;

    /// Counts `bytes` more held by an operator; 53200 "out of memory" with a detail naming the limit.
    Result<void> reserve(size_t bytes);
    void release(size_t bytes) { memory_used_bytes -= std::min(bytes, memory_used_bytes); }
};

/// A running operator.
class Operator {
  public:
    virtual ~Operator() = default;
    /// Appends up to about Batch::kBatchRows rows to batch.rows; false once exhausted (batch may
    /// still have received rows in that call: callers check both).
    virtual boost::asio::awaitable<Result<bool>> next(Batch& batch) = 0;
};

/// Runs every Expr::Subquery found in the tree (uncorrelated) and stores its result in ctx.
boost::asio::awaitable<Result<void>> run_subqueries(const PlanPtr& plan, ExecContext& ctx);

/// Builds the operator tree for a planned tree (every Scan must have become a Remote).
Result<std::unique_ptr<Operator>> build_operator(const PlanPtr& plan, ExecContext& ctx);

/// Evaluates a bound expression on one input row with PostgreSQL semantics.
Result<Value> evaluate(const Expr& expr, const Row& row, ExecContext& ctx);
/// WHERE/ON/HAVING: true only when the predicate is true (NULL counts as false).
Result<bool> evaluate_predicate(const Expr& expr, const Row& row, ExecContext& ctx);

} // namespace nectar::federation
