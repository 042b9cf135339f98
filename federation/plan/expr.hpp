#pragma once
// Bound expressions: names resolved to input column positions, functions and operators
// resolved to implementations, every node typed. Built by the binder, evaluated by the
// executor, rendered to remote SQL by the planner.

#include "federation/expr/functions.hpp"
#include "federation/types/value.hpp"

#include <memory>
#include <string>
#include <vector>

namespace nectar::federation {

struct PlanNode;
struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;
using PlanPtr = std::shared_ptr<PlanNode>;

struct Expr {
    enum class Kind {
        Column,   ///< input column `column` (of the operator evaluating it)
        Const,    ///< `value`
        Param,    ///< $`param` (1-based), typed `type`
        Call,     ///< scalar function or operator `fn` over args (operator when fn->name is symbolic)
        Cast,     ///< args[0] cast to `type`
        And,      ///< args (two or more), three-valued
        Or,       ///< args (two or more), three-valued
        Not,      ///< args[0]
        IsNull,   ///< args[0] IS NULL (negated: IS NOT NULL)
        IsDistinct, ///< args[0] IS DISTINCT FROM args[1] (negated: IS NOT DISTINCT FROM)
        Case,     ///< args = [when1, then1, when2, then2, ..., else] (else always present, NULL const if absent)
        Coalesce, ///< first non-NULL of args
        NullIf,   ///< NULLIF(args[0], args[1]) using `fn` as the "=" operator
        InList,   ///< args[0] IN (args[1..]) using `fn` as "=" (negated: NOT IN), three-valued
        Subquery, ///< `subquery`: scalar (sub_kind Scalar), EXISTS, IN, or args[0] `fn` ANY/ALL (subquery)
        AggregateRef, ///< binder-internal: aggregate call number `column`; never reaches the executor
        WindowRef,    ///< binder-internal: window call number `column`; never reaches the executor
    };
    /// In: (args...) IN (subquery), one arg per subquery column (a row when several).
    /// Any/All: args[0] `fn` ANY/ALL (subquery) for an ordering operator, <> ANY or = ALL; the
    /// subquery gives its values (one column) or one summary row (min, max, count(*), count(value)).
    enum class SubKind { Scalar, Exists, In, Any, All };

    Kind kind = Kind::Const;
    Type type = Type::Unknown;
    int column = -1;
    Value value;
    int param = 0;
    std::shared_ptr<const ScalarImpl> fn;
    std::vector<ExprPtr> args;
    bool negated = false;
    SubKind sub_kind = SubKind::Scalar;
    PlanPtr subquery; ///< uncorrelated: runs once per statement execution
    std::string label; ///< the column name PostgreSQL would give this expression ("?column?", "lower", "count")

    static ExprPtr column_ref(int index, Type type, std::string label = {}) {
        auto e = std::make_shared<Expr>();
        e->kind = Kind::Column;
        e->column = index;
        e->type = type;
        e->label = std::move(label);
        return e;
    }
    static ExprPtr constant(Value v) {
        auto e = std::make_shared<Expr>();
        e->kind = Kind::Const;
        e->type = v.type();
        e->value = std::move(v);
        return e;
    }
};

/// One aggregate call of an Aggregate node: fn over args, optional DISTINCT and FILTER.
struct AggregateCall {
    AggregateImpl impl;
    std::vector<ExprPtr> args; ///< over the Aggregate node's input
    bool distinct = false;
    bool star = false;         ///< count(*)
    ExprPtr filter;            ///< FILTER (WHERE ...) or null
    /// string_agg/array_agg ORDER BY inside the call: keys over the input (empty: input order)
    std::vector<std::pair<ExprPtr, bool>> order_by; ///< (key, descending)
};

/// One ORDER BY key.
struct SortKey {
    ExprPtr expr; ///< over the Sort node's input
    bool descending = false;
    bool nulls_first = false; ///< PostgreSQL's default: NULLs first only for DESC
};

} // namespace nectar::federation
