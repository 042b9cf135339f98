#pragma once
// Internal to federation/exec: the operator factories build_operator dispatches to, and the
// row helpers (hashing, equality, memory accounting, sort-key comparison) operators share.

#include "federation/exec/executor.hpp"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace nectar::federation::exec {

using OperatorPtr = std::unique_ptr<Operator>;

// --- Rows as hash keys: NULLs equal, numeric family hashed consistently ---

struct RowHash {
    size_t operator()(const Row& row) const;
};
struct RowEq {
    bool operator()(const Row& a, const Row& b) const;
};

/// Approximate bytes a row holds: the vector, one Value per column, heap string buffers.
size_t row_bytes(const Row& row);

/// Bytes an operator holds against the query's limit; released when the operator goes away.
class MemoryReservation {
  public:
    explicit MemoryReservation(ExecContext& ctx)
        : ctx_(ctx) {}
    MemoryReservation(const MemoryReservation&) = delete;
    MemoryReservation& operator=(const MemoryReservation&) = delete;
    ~MemoryReservation() { ctx_.release(bytes_); }

    Result<void> add(size_t bytes) {
        auto r = ctx_.reserve(bytes);
        if (r)
            bytes_ += bytes;
        return r;
    }
    void release(size_t bytes) {
        bytes = std::min(bytes, bytes_);
        ctx_.release(bytes);
        bytes_ -= bytes;
    }
    void clear() {
        ctx_.release(bytes_);
        bytes_ = 0;
    }

  private:
    ExecContext& ctx_;
    size_t bytes_ = 0;
};

/// Orders two sort-key values: NULL placement from nulls_first, value order flipped by descending.
int compare_sort_value(const Value& a, const Value& b, bool descending, bool nulls_first);

/// Evaluates every expression on one row into `out` (cleared first).
Result<void> evaluate_all(const std::vector<ExprPtr>& exprs, const Row& row, ExecContext& ctx, Row& out);

// --- Operator factories (one per file) ---

OperatorPtr make_remote_scan(const PlanNode& node, ExecContext& ctx);
OperatorPtr make_filter(const PlanNode& node, OperatorPtr child, ExecContext& ctx);
OperatorPtr make_project(const PlanNode& node, OperatorPtr child, ExecContext& ctx);
OperatorPtr make_limit(const PlanNode& node, OperatorPtr child);
OperatorPtr make_values(const PlanNode& node, ExecContext& ctx);
OperatorPtr make_distinct(OperatorPtr child, ExecContext& ctx);
OperatorPtr make_join(const PlanNode& node, OperatorPtr left, OperatorPtr right, ExecContext& ctx);
OperatorPtr make_aggregate(const PlanNode& node, OperatorPtr child, ExecContext& ctx);
OperatorPtr make_sort(const PlanNode& node, OperatorPtr child, ExecContext& ctx);
/// Limit(Sort(child)): keeps only the best offset+limit rows in a heap.
OperatorPtr make_top_n(const PlanNode& limit, const PlanNode& sort, OperatorPtr child, ExecContext& ctx);
/// Limit WITH TIES over input already in limit.sort_keys order: n rows, then their ties.
OperatorPtr make_limit_with_ties(const PlanNode& limit, OperatorPtr sorted, ExecContext& ctx);
/// Limit WITH TIES over a Remote query ordered on limit.sort_keys: ORDER BY ... LIMIT n, then
/// the rows equal to the n-th on the keys. Only when can_fetch_ties_remotely().
OperatorPtr make_remote_limit_with_ties(const PlanNode& limit, const PlanNode& remote, ExecContext& ctx);
/// Every sort key of the Limit is a column the dialect compares with "=".
bool can_fetch_ties_remotely(const PlanNode& limit, const Dialect& dialect);
OperatorPtr make_set_op(const PlanNode& node, OperatorPtr left, OperatorPtr right, ExecContext& ctx);
OperatorPtr make_window(const PlanNode& node, OperatorPtr child, ExecContext& ctx);
/// TopNAttempts: `build_child(i)` builds input i when it is tried.
OperatorPtr make_top_n_attempts(const PlanNode& node, std::function<Result<OperatorPtr>(size_t)> build_child,
                                ExecContext& ctx);

} // namespace nectar::federation::exec
