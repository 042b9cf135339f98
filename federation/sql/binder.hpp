#pragma once
// Binder: a libpg_query tree + the federated catalog → a typed logical plan. Names resolve
// to services, tables and column positions; functions and operators to implementations.

#include "federation/catalog/catalog.hpp"
#include "federation/plan/logical_plan.hpp"
#include "federation/sql/parse_tree.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nectar::federation {

/// One visible column while binding a query block.
struct ScopeColumn {
    std::string qualifier; ///< the table's alias (or name)
    std::string name;
    Type type = Type::Unknown;
    bool hidden_from_star = false; ///< the right copy of a USING/NATURAL join column
};

struct Scope {
    std::vector<ScopeColumn> columns;
    const Scope* outer = nullptr; ///< the enclosing query block (correlation is detected, not supported)
};

class Binder {
  public:
    /// `param_types`: types the client declared in Parse (Unknown where it did not); grows as
    /// the binder infers the others from context.
    Binder(const Catalog& catalog, std::string default_service, std::vector<Type> param_types = {});

    /// A SELECT (incl. VALUES and set operations) → a plan whose columns are the result columns.
    Result<PlanPtr> bind_select(JsonNode select_fields, const Scope* outer = nullptr);

    const std::vector<Type>& param_types() const { return param_types_; }
    /// The query string the tree was parsed from; locations index into it.
    void set_source(std::string_view sql) { source_ = sql; }
    /// Services the statement reads (for routing and pinning).
    const std::vector<std::string>& services() const { return services_; }

    // --- Expressions (binder_expr.cpp) ---
    struct ExprContext {
        const Scope* scope = nullptr;
        bool allow_aggregates = false;
        bool allow_windows = false;
        std::string_view clause = "WHERE"; ///< for "aggregate functions are not allowed in WHERE"
    };
    Result<ExprPtr> bind_expr(JsonNode node, ExprContext& ctx);
    /// Casts an expression to `target` (literals converted now, with their errors).
    Result<ExprPtr> coerce(ExprPtr expr, Type target, int location = -1);
    /// Operator call with operand coercion; `location` for error positions.
    Result<ExprPtr> make_operator(std::string_view op, ExprPtr left, ExprPtr right, int location);
    /// Coerces expressions to their common type (CASE, COALESCE, VALUES, UNION, IN lists).
    Result<std::vector<ExprPtr>> unify(std::vector<ExprPtr> exprs, std::string_view context, int location);
    /// A fresh binder for a nested query block that shares this one's CTEs and parameters.
    Binder nested() const;
    /// Takes back what a nested binder learned (parameter types, services read).
    void absorb(const Binder& inner);

    std::vector<AggregateCall> aggregates; ///< collected while binding a block's aggregates
    std::vector<WindowCall> windows;       ///< collected while binding a block's window calls

  private:
    struct BlockResult;
    Result<PlanPtr> bind_select_block(JsonNode fields, const Scope* outer);
    Result<PlanPtr> bind_set_operation(JsonNode fields, const Scope* outer);
    Result<PlanPtr> bind_values(JsonNode fields);
    Result<PlanPtr> bind_from(JsonNode fields, Scope& scope, const Scope* outer);
    Result<PlanPtr> bind_from_item(JsonNode node, Scope& scope, const Scope* outer);
    Result<PlanPtr> bind_join(JsonNode fields, Scope& scope, const Scope* outer);
    Result<void> bind_ctes(JsonNode with_clause);
    Result<std::optional<int64_t>> bind_limit_value(JsonNode node, const char* what);
    Result<PlanPtr> apply_limit(PlanPtr plan, JsonNode fields);
    Result<PlanPtr> bind_where(JsonNode where, PlanPtr plan, Scope& scope);
    /// [NOT] EXISTS (subquery correlated by its WHERE conjuncts) → semi (anti) join; nullptr
    /// when the subquery is not correlated (the ordinary path handles it).
    Result<PlanPtr> decorrelate_exists(JsonNode sublink, bool negated, PlanPtr plan, const Scope& scope);
    /// (SELECT agg(...) FROM ... WHERE inner = outer.col AND ...) in a select list → a LEFT JOIN
    /// to the subquery grouped by its correlation keys; count() of no rows stays 0. nullptr when
    /// the subquery does not have that shape.
    Result<ExprPtr> decorrelate_scalar(JsonNode sublink);
    Result<std::vector<ExprPtr>> bind_group_by(JsonNode fields, const Scope& scope, const std::vector<std::pair<ExprPtr, std::string>>& targets, std::vector<std::vector<int>>& sets);

    Result<ExprPtr> bind_column_ref(JsonNode fields, ExprContext& ctx);
    Result<ExprPtr> bind_const(JsonNode fields);
    Result<ExprPtr> bind_a_expr(JsonNode fields, ExprContext& ctx);
    Result<ExprPtr> bind_func_call(JsonNode fields, ExprContext& ctx);
    Result<ExprPtr> bind_aggregate(std::string_view name, JsonNode fields, ExprContext& ctx);
    Result<ExprPtr> bind_window(std::string_view name, JsonNode fields, ExprContext& ctx);
    /// The block's WINDOW clause is well formed (names unique, references resolvable, bindable).
    Result<void> check_window_clause(const Scope& scope);
    Result<ExprPtr> bind_grouping_func(JsonNode fields, ExprContext& ctx);
    Result<ExprPtr> bind_type_cast(JsonNode fields, ExprContext& ctx);
    Result<ExprPtr> bind_case(JsonNode fields, ExprContext& ctx);
    Result<ExprPtr> bind_sublink(JsonNode fields, ExprContext& ctx);
    Result<ExprPtr> bind_in_list(ExprPtr left, JsonNode list, bool negated, int location, ExprContext& ctx);
    Result<ExprPtr> bind_param(JsonNode fields);

    const Catalog& catalog_;
    std::string default_service_;
    std::string_view source_; ///< the statement text (libpg_query's JSON drops negative integers)
    /// Binding an EXISTS subquery that may be decorrelated: a reference to the enclosing block's
    /// column k becomes Param −(k+1) instead of an error.
    bool allow_outer_refs_ = false;
    bool saw_outer_ref_ = false;
    /// While a block's select list is bound: its FROM/WHERE plan and scope, which a correlated
    /// scalar aggregate subquery extends with a LEFT JOIN (decorrelate_scalar).
    PlanPtr* block_plan_ = nullptr;
    Scope* block_scope_ = nullptr;
    std::vector<Type> param_types_;
    std::vector<std::string> services_;
    /// The WINDOW clause of the block being bound (named window definitions).
    std::vector<JsonNode> window_clause_;
    struct Cte {
        PlanPtr plan;
    };
    std::map<std::string, Cte, std::less<>> ctes_;
};

/// The column name PostgreSQL gives an unnamed select-list expression.
std::string default_label(JsonNode node);
/// Whether two bound expressions are the same computation (GROUP BY matching).
bool same_expr(const Expr& a, const Expr& b);
/// Maps each grouping() call of an Aggregate node to its GROUP BY columns (42803 if one is not).
Result<void> resolve_grouping_calls(PlanNode& aggregate);

} // namespace nectar::federation
