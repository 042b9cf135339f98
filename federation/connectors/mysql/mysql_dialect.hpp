#pragma once
// MySQL/MariaDB SQL that computes what PostgreSQL computes. Everything pushed down here gives
// PostgreSQL's result on a server with default settings (utf8mb4_general_ci collation) and the
// session the MySQL connector sets up (see kMysqlSessionSetup).
//
// Decisions, each repeated next to its code:
// - strings: the session runs with NO_BACKSLASH_ESCAPES, so literals only double quotes, as
//   PostgreSQL's standard_conforming_strings; LIKE names its escape character explicitly;
// - text compares, sorts, groups, LIKEs and aggregates under utf8mb4_nopad_bin (code point order ==
//   UTF-8 byte order == PostgreSQL's C collation, and no PAD SPACE);
// - integer + - * are pushed: MySQL computes in BIGINT, so results agree wherever PostgreSQL
//   does not raise "integer out of range"; an overflowing int2/int4 output column still fails
//   (the connector converts to the requested type), an overflow inside a filter does not;
// - integer / and % become DIV and MOD with a division-by-zero check that raises an error the
//   connector reports as 22012 (MySQL itself returns NULL);
// - float4 arithmetic (single precision in PostgreSQL) and numeric / (PostgreSQL's scale rules)
//   stay in Nectar, as do avg, sums of floats, ILIKE, and anything else not listed.

#include "federation/connectors/dialect.hpp"

#include <string>
#include <string_view>

namespace nectar::federation {

/// Statements the connector runs on every new connection; the dialect relies on them.
extern const char* const kMysqlSessionSetup[];

/// Part of the message of the error the division-by-zero check raises (MySQL error 1690).
inline constexpr std::string_view kMysqlDivisionByZeroMarker = "18446744073709551615 + (";

class MysqlDialect : public Dialect {
  public:
    std::string_view name() const override { return "mysql"; }
    bool binds_parameters() const override { return false; }
    /// MariaDB 10.6+ has it, but does not stop an index scan at the ties: ORDER BY amount DESC
    /// FETCH FIRST 84 ROWS WITH TIES took 4.3 s on 2M rows where LIMIT 84 took under 10 ms.
    /// Nectar fetches the ties itself (exec/limit_with_ties.cpp).
    bool supports_fetch_with_ties() const override { return false; }

    std::string quote_identifier(std::string_view ident) const override;
    std::string qualified_table(std::string_view schema, std::string_view table) const override;
    std::string literal(const Value& value) const override;
    std::string limit_offset(std::optional<int64_t> limit, int64_t offset) const override;

    bool supports_operator(std::string_view op, Type left, Type right) const override;
    bool supports_function(std::string_view name, std::span<const Type> args) const override;
    bool supports_aggregate(std::string_view name, std::span<const Type> args, bool distinct) const override;
    bool supports_cast(Type from, Type to) const override;
    bool supports_order_by(Type type) const override;
    bool supports_group_by(std::span<const Type> key_types) const override;
    bool supports_join(std::string_view kind) const override;
    /// NaN, infinities, dates outside years 1-9999, intervals and over-long decimals have no
    /// MySQL spelling.
    bool supports_literal(const Value& value) const override;

    std::string render_operator(std::string_view op, const std::string& left, const std::string& right,
                                Type left_type, Type right_type) const override;
    std::string render_unary(std::string_view op, const std::string& arg, Type type) const override;
    std::string render_function(std::string_view name, std::span<const std::string> args,
                                std::span<const Type> types) const override;
    std::string render_aggregate(std::string_view name, std::span<const std::string> args,
                                 std::span<const Type> types, bool distinct, bool star) const override;
    std::string render_cast(const std::string& arg, Type from, Type to) const override;
    /// Text sorts in code point order, bool as false < true, NULLs where PostgreSQL puts them.
    std::string render_order_item(const std::string& expr, bool descending, bool nulls_first,
                                  Type type, bool may_be_null) const override;
    /// Text grouped bytewise (not by the case-insensitive, PAD SPACE collation), bool by truth.
    std::string render_group_key(const std::string& expr, Type type) const override;
    /// MySQL prints FLOAT with 6 significant digits, so float4 values are selected as exact doubles.
    std::string render_select_item(const std::string& expr, Type type) const override;
    /// MySQL's IN and NULLIF compare with the collation: both go through render_operator("=").
    std::string render_in_list(const std::string& expr, std::span<const std::string> items, Type type,
                               std::span<const Type> item_types, bool negated) const override;
    std::string render_nullif(const std::string& left, const std::string& right, Type left_type,
                              Type right_type) const override;
};

/// The MySQL dialect, shared.
const MysqlDialect& mysql_dialect();

} // namespace nectar::federation
