#pragma once
// Scalar functions, operators, casts and aggregates with PostgreSQL semantics, resolved by
// name and argument types at bind time, then called per row by the executor.

#include "federation/types/value.hpp"
#include "protocol/error.hpp"

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::federation {

/// What the binder needs to call a scalar function or operator.
struct ScalarImpl {
    std::string name;          ///< canonical name ("+", "lower", "date_trunc")
    std::vector<Type> params;  ///< argument types after resolution; binder casts arguments to these
    Type result = Type::Unknown;
    bool strict = true;        ///< any NULL argument → NULL result without calling fn
    bool volatile_fn = false;  ///< now(), random(): never folded at bind time
    std::function<Result<Value>(std::span<const Value>)> fn;
};

/// Binary or unary (left = Type::Unknown with unary=true) operator: + - * / % ^ = <> < <= > >=
/// || ~~ (LIKE) ~~* (ILIKE) !~~ !~~* and unary -. Unknown-typed literal operands take the other
/// side's type as PostgreSQL does. 42883 "operator does not exist: integer + text" otherwise.
Result<ScalarImpl> resolve_operator(std::string_view op, Type left, Type right, bool unary = false);

/// A function by (lower-case) name and argument types: 42883 with PostgreSQL's message and hint
/// when none matches. Covers the common string, math, date/time and conditional functions.
Result<ScalarImpl> resolve_function(std::string_view name, std::span<const Type> args);

/// CAST(value AS target) with PostgreSQL's rules and errors (22P02, 22003 out of range...).
Result<Value> cast_value(const Value& value, Type target);
/// Whether PostgreSQL would apply the cast implicitly (int4 → int8 → numeric → float8, unknown → any).
bool can_cast_implicitly(Type from, Type to);
/// The type two operands of a comparison, CASE, COALESCE, UNION or IN list are resolved to;
/// 42804 "CASE types integer and text cannot be matched" style error when there is none.
Result<Type> common_type(Type a, Type b, std::string_view context);

/// Running state of one aggregate over one group.
class AggregateState {
  public:
    virtual ~AggregateState() = default;
    /// One input row's arguments (already evaluated); NULL handling is the aggregate's job.
    virtual Result<void> add(std::span<const Value> args) = 0;
    virtual Result<Value> finish() = 0;
};

struct AggregateImpl {
    std::string name;
    std::vector<Type> params;
    Type result = Type::Unknown;
    /// count(*) has no arguments; count(x), sum(x)... skip NULL inputs.
    std::function<std::unique_ptr<AggregateState>()> make_state;
};

/// count, sum, avg, min, max, string_agg, bool_and, bool_or, every, array_agg (text result),
/// stddev/variance families; result types as PostgreSQL's (sum(int4) → int8, avg(int) → numeric).
/// `star` is count(*). DISTINCT is applied by the executor before add().
Result<AggregateImpl> resolve_aggregate(std::string_view name, std::span<const Type> args, bool star);
bool is_aggregate_name(std::string_view name);

} // namespace nectar::federation
