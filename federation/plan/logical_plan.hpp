#pragma once
// The federated logical plan: a tree of relational operators over typed columns. The binder
// builds it from SQL (and rest/ from REST requests); the planner replaces every maximal
// subtree one service can run with a Remote node; the executor runs the rest.

#include "federation/connectors/connector.hpp"
#include "federation/plan/expr.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nectar::federation {

struct OutputColumn {
    std::string name;
    Type type = Type::Unknown;
    bool not_null = false; ///< set on Scan columns the backend declares NOT NULL
};

enum class JoinType { Inner, Left, Right, Full, Semi, Anti, Cross };
enum class SetOpType { Union, Intersect, Except };

/// A window frame clause. Offsets (ROWS/GROUPS n PRECEDING/FOLLOWING) are int8 expressions
/// without column references, evaluated once when the Window node runs (NULL or negative: error).
struct WindowFrame {
    enum class Mode { Range, Rows, Groups };
    enum class Bound { UnboundedPreceding, Preceding, CurrentRow, Following, UnboundedFollowing };
    Mode mode = Mode::Range; ///< PostgreSQL's default: RANGE UNBOUNDED PRECEDING .. CURRENT ROW
    Bound start = Bound::UnboundedPreceding;
    Bound end = Bound::CurrentRow;
    ExprPtr start_offset; ///< set when start is Preceding or Following
    ExprPtr end_offset;   ///< set when end is Preceding or Following
};

/// One window function call of a Window node.
struct WindowCall {
    std::string name;            ///< row_number, rank, dense_rank, ntile, lag, lead, first_value, last_value, or an aggregate
    std::optional<AggregateImpl> aggregate; ///< set when `name` is an aggregate (sum(x) OVER ...)
    std::vector<ExprPtr> args;   ///< over the Window node's input
    bool star = false;
    std::vector<ExprPtr> partition_by;
    std::vector<SortKey> order_by;
    /// The frame (without ORDER BY every row is a peer, so the default frame is the partition).
    WindowFrame frame;
    /// Older shorthands, still honoured: ROWS UNBOUNDED PRECEDING .. CURRENT ROW, and the whole
    /// partition; they override `frame`.
    bool rows_frame = false;
    bool whole_partition = false;
    Type type = Type::Unknown;
};

struct PlanNode {
    enum class Kind {
        Scan,      ///< a whole table of one service: columns = the table's columns
        Filter,    ///< children[0] rows where predicate is true
        Project,   ///< exprs over children[0]
        Join,      ///< children[0] ⋈ children[1]; output = left columns then right (Semi/Anti: left only)
        Aggregate, ///< group_by exprs then aggregates, over children[0]; output = groups then aggregates
        Sort,      ///< children[0] ordered by sort_keys
        Limit,     ///< children[0] after skipping `offset`, at most `limit` rows
        Distinct,  ///< children[0] without duplicate rows (NULLs equal)
        SetOp,     ///< children[0] op children[1] (columns already coerced to `columns` types)
        Values,    ///< rows of constant expressions (no input)
        Window,    ///< children[0] columns followed by one column per window call
        Remote,    ///< `remote_sql` run on `service`: the planner's output; no children
        /// Top-N attempts (planner-made): each child but the last is the same query over a
        /// limited ordered input; the first yielding `limit` rows answers, else the last child.
        TopNAttempts,
    };

    Kind kind = Kind::Values;
    std::vector<OutputColumn> columns;
    std::vector<PlanPtr> children;

    // Scan
    std::string service;
    std::string schema;        ///< backend schema ("" = default)
    std::string table;
    int64_t row_estimate = -1;

    // Filter
    ExprPtr predicate;
    // Project
    std::vector<ExprPtr> exprs;
    // Join
    JoinType join_type = JoinType::Inner;
    ExprPtr condition;         ///< over left columns followed by right columns; null for Cross
    // Aggregate
    std::vector<ExprPtr> group_by;
    std::vector<AggregateCall> aggregates;
    /// GROUPING SETS / ROLLUP / CUBE: each set lists indexes into group_by; empty = plain GROUP BY.
    std::vector<std::vector<int>> grouping_sets;
    /// Per aggregate call: for grouping(...) (impl.name "grouping", no state), the group_by index
    /// of each argument, leftmost first; empty for every other aggregate.
    std::vector<std::vector<int>> grouping_args;
    // Sort
    std::vector<SortKey> sort_keys;
    // Limit
    std::optional<int64_t> limit;
    int64_t offset = 0;
    /// FETCH FIRST n ROWS WITH TIES: rows equal to the n-th on `sort_keys` come too (children[0]
    /// is the Sort on those keys; the Limit keeps its own copy for when the Sort is pushed down).
    bool with_ties = false;
    // SetOp
    SetOpType set_op = SetOpType::Union;
    bool set_all = false;
    // Values
    std::vector<std::vector<ExprPtr>> rows;
    // Window
    std::vector<WindowCall> windows;
    // Remote
    std::string remote_sql;
    /// remote_sql with its values as placeholders, when the backend can prepare it (sql empty: not).
    BoundSql remote_bound;

    static PlanPtr make(Kind kind) {
        auto p = std::make_shared<PlanNode>();
        p->kind = kind;
        return p;
    }
};

} // namespace nectar::federation
