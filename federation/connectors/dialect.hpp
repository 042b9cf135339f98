#pragma once
// How one backend spells SQL, and which PostgreSQL operations it computes exactly as PostgreSQL
// does. The planner pushes an expression down only when the dialect says it can render it with
// PostgreSQL's result; everything else runs in Nectar. The defaults here are PostgreSQL's.

#include "federation/types/value.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace nectar::federation {

class Dialect {
  public:
    virtual ~Dialect() = default;

    virtual std::string_view name() const { return "postgresql"; }
    /// Whether statements may carry values apart from their text as $1, $2... (PostgreSQL's
    /// extended protocol); the others get every value spelled as a literal.
    virtual bool binds_parameters() const { return true; }

    /// "name" with embedded quotes doubled (MySQL: `name`).
    virtual std::string quote_identifier(std::string_view ident) const;
    /// schema.table as the backend names it; `schema` may be empty (the default schema).
    virtual std::string qualified_table(std::string_view schema, std::string_view table) const;
    /// A literal that the backend reads back as exactly `value` with its type.
    virtual std::string literal(const Value& value) const;
    /// Whether literal() can spell `value` exactly (MySQL has no NaN, no dates before year 1...);
    /// an expression holding one that cannot stays in Nectar.
    virtual bool supports_literal(const Value& value) const;
    /// " LIMIT n OFFSET m" (either part optional); empty when neither is given.
    virtual std::string limit_offset(std::optional<int64_t> limit, int64_t offset) const;
    /// " OFFSET m ROWS FETCH FIRST n ROWS WITH TIES" (after an ORDER BY): rows tying the last come too.
    virtual std::string fetch_first_with_ties(int64_t n, int64_t offset) const;

    // --- What can be pushed down (PostgreSQL-identical results only) ---

    /// Binary/unary operator on operands of these types ("=", "<", "+", "||", "~~"...).
    virtual bool supports_operator(std::string_view op, Type left, Type right) const;
    virtual bool supports_function(std::string_view name, std::span<const Type> args) const;
    /// Aggregate with these argument types; `distinct` for count(DISTINCT x) and the like.
    virtual bool supports_aggregate(std::string_view name, std::span<const Type> args, bool distinct) const;
    virtual bool supports_cast(Type from, Type to) const;
    /// Whether ORDER BY on this type orders as PostgreSQL's through render_order_item.
    virtual bool supports_order_by(Type type) const;
    /// Whether GROUP BY keys (and DISTINCT columns) of these types, compared through
    /// render_group_key, make the groups PostgreSQL makes.
    virtual bool supports_group_by(std::span<const Type> key_types) const;
    /// Whether a join inside the service (and of which kind) can be pushed: "inner", "left", "full"...
    virtual bool supports_join(std::string_view kind) const;
    virtual bool supports_limit() const { return true; }
    /// FETCH FIRST ... WITH TIES exists (PostgreSQL 13+, MariaDB 10.6+, not SQLite).
    virtual bool supports_fetch_with_ties() const { return true; }

    // --- Rendering; arguments arrive already rendered ---

    virtual std::string render_operator(std::string_view op, const std::string& left,
                                        const std::string& right, Type left_type, Type right_type) const;
    virtual std::string render_unary(std::string_view op, const std::string& arg, Type type) const;
    virtual std::string render_function(std::string_view name, std::span<const std::string> args,
                                        std::span<const Type> types) const;
    virtual std::string render_aggregate(std::string_view name, std::span<const std::string> args,
                                         std::span<const Type> types, bool distinct, bool star) const;
    virtual std::string render_cast(const std::string& arg, Type from, Type to) const;
    /// One ORDER BY item for a key of `type`, in PostgreSQL's order and NULL placement; a key
    /// that is never NULL needs no placement (and may then use an index).
    virtual std::string render_order_item(const std::string& expr, bool descending, bool nulls_first,
                                          Type type, bool may_be_null) const;
    /// A GROUP BY key or DISTINCT column of `type` that is equal exactly when PostgreSQL's
    /// values are; it is also selected, so its value must read back as the column's.
    virtual std::string render_group_key(const std::string& expr, Type type) const;
    /// One column of a SELECT list, read back as `type` (by the connector or an enclosing query).
    virtual std::string render_select_item(const std::string& expr, Type type) const;
    /// `expr [NOT] IN (items)`, three-valued, with the "=" PostgreSQL applies to `type`.
    virtual std::string render_in_list(const std::string& expr, std::span<const std::string> items, Type type,
                                       std::span<const Type> item_types, bool negated) const;
    /// NULLIF(left, right): NULL when they are equal by PostgreSQL's "=", else `left`.
    virtual std::string render_nullif(const std::string& left, const std::string& right, Type left_type,
                                      Type right_type) const;

  protected:
    /// IN as an OR of render_operator("=") (NOT IN as its negation): the same three-valued
    /// result, for backends whose IN compares otherwise than their typed "=".
    std::string in_list_by_equality(const std::string& expr, std::span<const std::string> items, Type type,
                                    std::span<const Type> item_types, bool negated) const;
    /// NULLIF as CASE over render_operator("="), for backends whose NULLIF compares otherwise.
    std::string nullif_by_equality(const std::string& left, const std::string& right, Type left_type,
                                   Type right_type) const;
};

/// PostgreSQL's dialect (the defaults above), shared.
const Dialect& postgres_dialect();

} // namespace nectar::federation
