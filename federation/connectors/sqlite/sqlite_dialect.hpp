#pragma once
// SQLite's spelling of pushed-down SQL, and the PostgreSQL operations SQLite computes with
// PostgreSQL's exact result. SQLite is dynamically typed, overflows integers into floats and
// divides by zero into NULL, so this dialect pushes comparisons, logic, NULL tests, LIKE,
// ordering and a few aggregates, and leaves arithmetic and most functions to the engine.
//
// The connections this dialect's SQL runs on must have `PRAGMA case_sensitive_like = ON`
// (SqliteConnector sets it): that is what makes SQLite's LIKE case-sensitive like PostgreSQL's.
// Text is compared, sorted and grouped with an explicit COLLATE BINARY (bytewise: PostgreSQL's
// "C" collation), so that a column declared COLLATE NOCASE or RTRIM still compares as in
// PostgreSQL; booleans are compared, sorted and grouped by truth value (any non-zero is true).

#include "federation/connectors/dialect.hpp"

namespace nectar::federation {

class SqliteDialect : public Dialect {
  public:
    std::string_view name() const override { return "sqlite"; }
    bool binds_parameters() const override { return false; }

    std::string qualified_table(std::string_view schema, std::string_view table) const override;
    std::string literal(const Value& value) const override;
    std::string limit_offset(std::optional<int64_t> limit, int64_t offset) const override;
    bool supports_fetch_with_ties() const override { return false; } ///< Nectar fetches the ties

    bool supports_operator(std::string_view op, Type left, Type right) const override;
    bool supports_function(std::string_view name, std::span<const Type> args) const override;
    bool supports_aggregate(std::string_view name, std::span<const Type> args, bool distinct) const override;
    bool supports_cast(Type from, Type to) const override;
    bool supports_order_by(Type type) const override;
    bool supports_group_by(std::span<const Type> key_types) const override;
    bool supports_join(std::string_view kind) const override;
    /// SQLite has no NaN, and holds decimals as doubles (15 significant digits).
    bool supports_literal(const Value& value) const override;

    std::string render_operator(std::string_view op, const std::string& left, const std::string& right,
                                Type left_type, Type right_type) const override;
    std::string render_unary(std::string_view op, const std::string& arg, Type type) const override;
    std::string render_function(std::string_view name, std::span<const std::string> args,
                                std::span<const Type> types) const override;
    std::string render_aggregate(std::string_view name, std::span<const std::string> args,
                                 std::span<const Type> types, bool distinct, bool star) const override;
    std::string render_cast(const std::string& arg, Type from, Type to) const override;
    std::string render_order_item(const std::string& expr, bool descending, bool nulls_first,
                                  Type type, bool may_be_null) const override;
    std::string render_group_key(const std::string& expr, Type type) const override;
    /// SQLite's IN and NULLIF use the left operand's collation and no truth test: both go
    /// through render_operator("=").
    std::string render_in_list(const std::string& expr, std::span<const std::string> items, Type type,
                               std::span<const Type> item_types, bool negated) const override;
    std::string render_nullif(const std::string& left, const std::string& right, Type left_type,
                              Type right_type) const override;
};

/// SQLite's dialect, shared by every SQLite connector.
const SqliteDialect& sqlite_dialect();

} // namespace nectar::federation
