#include "federation/connectors/dialect.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace nectar::federation {

namespace {

/// The short cast name PostgreSQL accepts after `::` for each engine type.
std::string_view cast_name(Type type) {
    switch (type) {
    case Type::Bool:
        return "bool";
    case Type::Int2:
        return "int2";
    case Type::Int4:
        return "int4";
    case Type::Int8:
        return "int8";
    case Type::Float4:
        return "float4";
    case Type::Float8:
        return "float8";
    case Type::Numeric:
        return "numeric";
    case Type::Text:
        return "text";
    case Type::Varchar:
        return "varchar";
    case Type::Bytea:
        return "bytea";
    case Type::Date:
        return "date";
    case Type::Time:
        return "time";
    case Type::Timestamp:
        return "timestamp";
    case Type::TimestampTz:
        return "timestamptz";
    case Type::Interval:
        return "interval";
    case Type::Uuid:
        return "uuid";
    case Type::Json:
        return "json";
    case Type::Jsonb:
        return "jsonb";
    case Type::Unknown:
        break;
    }
    return "unknown";
}

/// 'text' with quotes doubled: with standard_conforming_strings on, backslashes are literal.
std::string quote_string(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        out += c;
        if (c == '\'') {
            out += '\'';
        }
    }
    out += '\'';
    return out;
}

std::string typed_string(std::string_view text, Type type) {
    return quote_string(text) + "::" + std::string(cast_name(type));
}

/// An integer literal: negative numbers in parentheses so that no operator or `::` binds
/// tighter than the minus sign; `cast` appended when the bare number would get another type.
std::string integer_literal(int64_t value, bool cast, Type type) {
    std::string digits = std::to_string(value);
    std::string out = value < 0 ? "(" + digits + ")" : digits;
    if (cast) {
        out += "::";
        out += cast_name(type);
    }
    return out;
}

/// Shortest text that reads back as exactly `value` (finite values only).
template <typename Float> std::string shortest_float(Float value) {
    std::array<char, 64> buffer{};
    auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return std::string(buffer.data(), end);
}

std::string float_literal(double value, Type type) {
    if (std::isnan(value)) {
        return typed_string("NaN", type);
    }
    if (std::isinf(value)) {
        return typed_string(value > 0 ? "Infinity" : "-Infinity", type);
    }
    // -0 would lose its sign through unary minus on an integer zero.
    if (value == 0 && std::signbit(value)) {
        return typed_string("-0", type);
    }
    std::string text =
        type == Type::Float4 ? shortest_float(static_cast<float>(value)) : shortest_float(value);
    std::string out = value < 0 ? "(" + text + ")" : text;
    return out + "::" + std::string(cast_name(type));
}

std::string bytea_literal(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex = "\\x";
    hex.reserve(2 + bytes.size() * 2);
    for (unsigned char c : bytes) {
        hex += kHex[c >> 4];
        hex += kHex[c & 0xF];
    }
    return typed_string(hex, Type::Bytea);
}

std::string join_args(std::span<const std::string> args, size_t from = 0) {
    std::string out;
    for (size_t i = from; i < args.size(); ++i) {
        if (i > from) {
            out += ", ";
        }
        out += args[i];
    }
    return out;
}

bool is_one_of(std::string_view name, std::initializer_list<std::string_view> names) {
    for (std::string_view candidate : names) {
        if (name == candidate) {
            return true;
        }
    }
    return false;
}

/// The field of extract() when it arrives as a rendered literal like 'year'; "" otherwise.
std::string extract_field_keyword(const std::string& rendered) {
    if (rendered.size() < 3 || rendered.front() != '\'' || rendered.back() != '\'') {
        return {};
    }
    std::string field = rendered.substr(1, rendered.size() - 2);
    for (char& c : field) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        } else if (!(c >= 'a' && c <= 'z') && c != '_') {
            return {};
        }
    }
    return field;
}

} // namespace

std::string Dialect::quote_identifier(std::string_view ident) const {
    std::string out = "\"";
    for (char c : ident) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    out += '"';
    return out;
}

std::string Dialect::qualified_table(std::string_view schema, std::string_view table) const {
    if (schema.empty()) {
        return quote_identifier(table);
    }
    return quote_identifier(schema) + "." + quote_identifier(table);
}

std::string Dialect::literal(const Value& value) const {
    Type type = value.type();
    if (value.is_null()) {
        return type == Type::Unknown ? "NULL" : "NULL::" + std::string(cast_name(type));
    }
    switch (type) {
    case Type::Bool:
        return value.as_bool() ? "true" : "false";
    case Type::Int2:
        return integer_literal(value.as_int(), true, type);
    case Type::Int4:
        // -2147483648 reads as -(2147483648::int8): only that one needs the cast.
        return integer_literal(value.as_int(), value.as_int() == std::numeric_limits<int32_t>::min(), type);
    case Type::Int8: {
        // A bare integer within int4's range reads as int4; outside it, as int8 (but the
        // most negative int8 reads as a negated numeric, hence the cast there too).
        int64_t i = value.as_int();
        bool fits_int4 = i >= std::numeric_limits<int32_t>::min() && i <= std::numeric_limits<int32_t>::max();
        return integer_literal(i, fits_int4 || i == std::numeric_limits<int64_t>::min(), type);
    }
    case Type::Float4:
    case Type::Float8:
        return float_literal(value.as_float(), type);
    case Type::Bytea:
        return bytea_literal(value.as_string());
    case Type::Text:
    case Type::Varchar:
    case Type::Unknown:
        // Untyped, as a user writes it: PostgreSQL resolves it against its context as the
        // engine does, and it still compares with columns the engine sees as text but that
        // are not (enum, citext, varchar, inet: `col = 'x'::text` would fail for some).
        return quote_string(value.as_string());
    case Type::Numeric:
    case Type::Uuid:
    case Type::Json:
    case Type::Jsonb:
        return typed_string(value.as_string(), type);
    case Type::Date:
    case Type::Time:
    case Type::Timestamp:
    case Type::TimestampTz:
    case Type::Interval:
        // ISO output (and "+00" offsets, "postgres"-style intervals) reads back exactly.
        return typed_string(to_pg_text(value), type);
    }
    return quote_string(value.as_string());
}

std::string Dialect::limit_offset(std::optional<int64_t> limit, int64_t offset) const {
    std::string out;
    if (limit) {
        out += " LIMIT " + std::to_string(*limit);
    }
    if (offset > 0) {
        out += " OFFSET " + std::to_string(offset);
    }
    return out;
}

std::string Dialect::fetch_first_with_ties(int64_t n, int64_t offset) const {
    std::string out = offset > 0 ? " OFFSET " + std::to_string(offset) + " ROWS" : std::string();
    return out + " FETCH FIRST " + std::to_string(n) + " ROWS WITH TIES";
}

bool Dialect::supports_operator(std::string_view op, Type, Type) const {
    // The binder only builds operators that exist for these types, and PostgreSQL computes
    // each of them exactly as the engine does.
    // clang-format off
    static constexpr std::string_view kOperators[] = {
        "+", "-", "*", "/", "%", "^", "=", "<>", "!=", "<", "<=", ">", ">=", "||", "~~", "~~*", "!~~", "!~~*",
        "AND", "OR", "NOT", "IS DISTINCT FROM", "IS NOT DISTINCT FROM", "IS NULL", "IS NOT NULL", "IS TRUE",
        "IS NOT TRUE", "IS FALSE", "IS NOT FALSE", "IS UNKNOWN", "IS NOT UNKNOWN"};
    // clang-format on
    for (std::string_view known : kOperators) {
        if (op == known) {
            return true;
        }
    }
    return false;
}

bool Dialect::supports_function(std::string_view, std::span<const Type>) const {
    // PostgreSQL has every function the engine models, with PostgreSQL's own semantics.
    return true;
}

bool Dialect::supports_aggregate(std::string_view, std::span<const Type>, bool) const {
    return true;
}

bool Dialect::supports_cast(Type, Type) const {
    return true;
}

bool Dialect::supports_order_by(Type) const {
    return true;
}

bool Dialect::supports_group_by(std::span<const Type>) const {
    return true;
}

bool Dialect::supports_literal(const Value&) const {
    return true;
}

bool Dialect::supports_join(std::string_view kind) const {
    return is_one_of(kind, {"inner", "left", "right", "full", "cross", "semi", "anti"});
}

std::string Dialect::render_operator(std::string_view op, const std::string& left, const std::string& right,
                                     Type, Type) const {
    std::string_view spelled = op;
    if (op == "~~") {
        spelled = "LIKE";
    } else if (op == "~~*") {
        spelled = "ILIKE";
    } else if (op == "!~~") {
        spelled = "NOT LIKE";
    } else if (op == "!~~*") {
        spelled = "NOT ILIKE";
    } else if (op == "!=") {
        spelled = "<>";
    }
    return "(" + left + " " + std::string(spelled) + " " + right + ")";
}

std::string Dialect::render_unary(std::string_view op, const std::string& arg, Type) const {
    // Postfix tests: "x IS NULL", "x IS NOT TRUE"...
    if (op.substr(0, 3) == "IS ") {
        return "(" + arg + " " + std::string(op) + ")";
    }
    // A space after the operator: "- -1" must not become the comment "--1".
    return "(" + std::string(op) + " " + arg + ")";
}

std::string Dialect::render_function(std::string_view name, std::span<const std::string> args,
                                     std::span<const Type> types) const {
    // SQL-standard functions written without parentheses.
    if (args.empty() && is_one_of(name, {"current_date", "current_time", "current_timestamp", "localtime",
                                         "localtimestamp", "current_user", "session_user", "current_catalog",
                                         "current_schema", "current_role"})) {
        return std::string(name);
    }
    // The grammar's special forms, with the argument order of the functions they call.
    if (name == "substring" && (args.size() == 2 || args.size() == 3)) {
        std::string out = "substring(" + args[0] + " FROM " + args[1];
        if (args.size() == 3) {
            out += " FOR " + args[2];
        }
        return out + ")";
    }
    if (name == "position" && args.size() == 2) {
        // position(needle IN haystack) is pg_catalog.position(haystack, needle), i.e. strpos.
        bool bytes = !types.empty() && types[0] == Type::Bytea;
        return bytes ? "position(" + args[1] + " IN " + args[0] + ")"
                     : "strpos(" + args[0] + ", " + args[1] + ")";
    }
    if (name == "extract" && args.size() == 2) {
        std::string field = extract_field_keyword(args[0]);
        if (!field.empty()) {
            return "EXTRACT(" + field + " FROM " + args[1] + ")";
        }
        return "pg_catalog.extract(" + join_args(args) + ")";
    }
    if (name == "overlay" && (args.size() == 3 || args.size() == 4)) {
        std::string out = "overlay(" + args[0] + " PLACING " + args[1] + " FROM " + args[2];
        if (args.size() == 4) {
            out += " FOR " + args[3];
        }
        return out + ")";
    }
    return std::string(name) + "(" + join_args(args) + ")";
}

std::string Dialect::render_aggregate(std::string_view name, std::span<const std::string> args,
                                      std::span<const Type>, bool distinct, bool star) const {
    if (star) {
        return std::string(name) + "(*)";
    }
    return std::string(name) + "(" + (distinct ? "DISTINCT " : "") + join_args(args) + ")";
}

std::string Dialect::render_cast(const std::string& arg, Type, Type to) const {
    return "CAST(" + arg + " AS " + std::string(type_name(to)) + ")";
}

std::string Dialect::render_order_item(const std::string& expr, bool descending, bool nulls_first,
                                       Type, bool) const {
    // PostgreSQL scans an index either way for its default placements; NULLS stays explicit.
    return expr + (descending ? " DESC" : " ASC") + (nulls_first ? " NULLS FIRST" : " NULLS LAST");
}

std::string Dialect::render_group_key(const std::string& expr, Type) const {
    return expr;
}

std::string Dialect::render_select_item(const std::string& expr, Type) const {
    return expr;
}

std::string Dialect::render_in_list(const std::string& expr, std::span<const std::string> items, Type,
                                    std::span<const Type>, bool negated) const {
    return "(" + expr + (negated ? " NOT IN (" : " IN (") + join_args(items) + "))";
}

std::string Dialect::render_nullif(const std::string& left, const std::string& right, Type, Type) const {
    return "NULLIF(" + left + ", " + right + ")";
}

std::string Dialect::in_list_by_equality(const std::string& expr, std::span<const std::string> items,
                                         Type type, std::span<const Type> item_types, bool negated) const {
    // x IN (a, b) is x = a OR x = b in three-valued logic; NOT IN negates the whole OR.
    std::string any = "(";
    for (size_t i = 0; i < items.size(); ++i) {
        Type item_type = i < item_types.size() ? item_types[i] : type;
        any += (i ? " OR " : "") + render_operator("=", expr, items[i], type, item_type);
    }
    any += ")";
    return negated ? "(NOT " + any + ")" : any;
}

std::string Dialect::nullif_by_equality(const std::string& left, const std::string& right, Type left_type,
                                        Type right_type) const {
    return "(CASE WHEN " + render_operator("=", left, right, left_type, right_type) + " THEN NULL ELSE " +
           left + " END)";
}

const Dialect& postgres_dialect() {
    static const Dialect dialect;
    return dialect;
}

} // namespace nectar::federation
