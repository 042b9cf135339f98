#include "federation/connectors/mysql/mysql_dialect.hpp"

#include "federation/types/datetime.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>

namespace nectar::federation {

// NO_BACKSLASH_ESCAPES: literals are PostgreSQL's (quotes doubled, backslash literal).
// NO_UNSIGNED_SUBTRACTION: unsigned_col - 5 may go negative instead of failing.
// STRICT_ALL_TABLES, NO_ZERO_DATE, NO_ZERO_IN_DATE: writes fail where PostgreSQL's would.
// No ANSI_QUOTES: identifiers are rendered with backticks, which work in every mode.
// time_zone UTC: TIMESTAMP columns (timestamptz) read and write as UTC instants.
// group_concat_max_len: string_agg sees whole values.
// max_sort_length 64 KiB: ORDER BY / GROUP BY keys see whole VARCHAR and TEXT values (at most
// 65535 bytes); MEDIUMTEXT/LONGTEXT values that share their first 64 KiB may sort as equal.
// sort_buffer_size 8 MiB: MariaDB refuses to sort (error 1038) when the buffer is smaller than
// 15 times the keys' maximum length, i.e. 8 text keys of 64 KiB (a larger max_sort_length
// would need a proportionally larger buffer, allocated by every sort of a large table).
const char* const kMysqlSessionSetup[] = {
    "SET NAMES utf8mb4",
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_ENGINE_SUBSTITUTION,NO_BACKSLASH_ESCAPES,NO_UNSIGNED_SUBTRACTION', time_zone = '+00:00', "
    "group_concat_max_len = 4294967295, max_sort_length = 65536, sort_buffer_size = 8388608",
    nullptr,
};

namespace {

bool is_one_of(std::string_view name, std::initializer_list<std::string_view> names) {
    for (std::string_view candidate : names) {
        if (name == candidate) {
            return true;
        }
    }
    return false;
}

bool is_comparison(std::string_view op) {
    return is_one_of(op, {"=", "<>", "!=", "<", "<=", ">", ">="});
}

/// Types whose values MySQL compares exactly as PostgreSQL does with a plain operator.
bool plain_comparable(Type a, Type b) {
    if (is_numeric_family(a) && is_numeric_family(b)) {
        return true;
    }
    return a == b && (is_temporal(a) || a == Type::Bytea);
}

/// The text as PostgreSQL's C collation compares it: code points, no trailing-space padding.
std::string bin(const std::string& expr) {
    static constexpr std::string_view kCollate = " COLLATE utf8mb4_nopad_bin";
    // A group key sorted again (GROUP BY x ORDER BY x) already is one: every other rendered
    // expression ends with a parenthesis or is a bare name or literal.
    if (expr.size() > kCollate.size() &&
        expr.compare(expr.size() - kCollate.size(), kCollate.size(), kCollate) == 0) {
        return expr;
    }
    return "CONVERT(" + expr + " USING utf8mb4)" + std::string(kCollate);
}

/// A bool from a tinyint(1) column: any non-zero value is true, as the connector reads it.
std::string truth(const std::string& expr) {
    return "(" + expr + " <> 0)";
}

/// The expression a key of `type` must be compared through to get PostgreSQL's equality/order.
std::string comparable_key(const std::string& expr, Type type) {
    if (type == Type::Text) {
        return bin(expr);
    }
    if (type == Type::Bool) {
        return truth(expr);
    }
    return expr;
}

/// An error raised at statement preparation, naming why: MySQL error 1054 (mapped to 42703).
std::string unrenderable(std::string_view why) {
    return "`nectar: " + std::string(why) + "`";
}

/// `value` when `divisor` is non-zero; when it is zero, ~0 + 1 overflows: MySQL error 1690 with
/// kMysqlDivisionByZeroMarker in its message, which the connector reports as 22012.
std::string guard_divisor(const std::string& divisor, const std::string& value) {
    return "(CASE WHEN 18446744073709551615 + (" + divisor + " = 0) > 0 THEN " + value + " END)";
}

std::string quote_string(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        out += c;
        if (c == '\'') {
            out += '\'';
        }
    }
    return out + "'";
}

std::string integer_literal(int64_t i) {
    if (i == std::numeric_limits<int64_t>::min()) {
        return "(-9223372036854775807 - 1)"; // the bare literal would read as DECIMAL
    }
    std::string digits = std::to_string(i);
    return i < 0 ? "(" + digits + ")" : digits;
}

/// A DOUBLE literal: shortest round-trip digits, always with an exponent (1.5 alone is DECIMAL).
std::string float_literal(double value, Type type) {
    // A float4 as the double it widens to exactly: MySQL compares FLOAT columns as doubles.
    double exact = type == Type::Float4 ? static_cast<double>(static_cast<float>(value)) : value;
    std::array<char, 64> buffer{};
    auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), exact).ptr;
    std::string text(buffer.data(), end);
    if (text.find('e') == std::string::npos) {
        text += "e0";
    }
    return std::signbit(exact) ? "(" + text + ")" : text;
}

/// Digits before and after the point of canonical numeric text ("-12.50" → 2, 2).
bool numeric_fits_decimal(const std::string& text) {
    size_t point = text.find('.');
    size_t int_digits = (point == std::string::npos ? text.size() : point) - (text[0] == '-' ? 1 : 0);
    size_t frac_digits = point == std::string::npos ? 0 : text.size() - point - 1;
    // MariaDB's DECIMAL: 65 digits in all, at most 38 after the point.
    return text != "NaN" && int_digits + frac_digits <= 65 && frac_digits <= 38;
}

std::string two(int v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d", v);
    return buf;
}

std::string date_text(int64_t days) {
    CivilDate d = civil_from_days(days);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
    return buf;
}

std::string time_text(int64_t micros) {
    int64_t secs = micros / kMicrosPerSecond;
    int64_t frac = micros % kMicrosPerSecond;
    std::string out = two(static_cast<int>(secs / 3600)) + ":" + two(static_cast<int>(secs / 60 % 60)) + ":" +
                      two(static_cast<int>(secs % 60));
    if (frac != 0) {
        char buf[16];
        std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
        out += buf;
    }
    return out;
}

/// Floor division so that timestamps before 2000 split into a day and a non-negative time.
int64_t floor_div(int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

std::string join(std::span<const std::string> args, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < args.size(); ++i) {
        out += (i ? std::string(sep) : "") + args[i];
    }
    return out;
}

bool all_of(std::span<const Type> types, bool (*pred)(Type)) {
    for (Type t : types) {
        if (!pred(t)) {
            return false;
        }
    }
    return true;
}

bool is_text(Type t) {
    return t == Type::Text;
}
bool is_exact_number(Type t) {
    return is_integer(t) || t == Type::Numeric;
}

} // namespace

std::string MysqlDialect::quote_identifier(std::string_view ident) const {
    std::string out = "`";
    for (char c : ident) {
        out += c;
        if (c == '`') {
            out += '`';
        }
    }
    return out + "`";
}

std::string MysqlDialect::qualified_table(std::string_view schema, std::string_view table) const {
    return schema.empty() ? quote_identifier(table)
                          : quote_identifier(schema) + "." + quote_identifier(table);
}

bool MysqlDialect::supports_literal(const Value& value) const {
    if (value.is_null()) {
        return true;
    }
    switch (value.type()) {
    case Type::Float4:
    case Type::Float8:
        return std::isfinite(value.as_float()); // MySQL has no NaN or infinities
    case Type::Numeric:
        return numeric_fits_decimal(value.as_string());
    case Type::Date:
    case Type::Timestamp:
    case Type::TimestampTz: {
        int64_t days = value.type() == Type::Date ? value.as_int() : floor_div(value.as_int(), kMicrosPerDay);
        int year = civil_from_days(days).year;
        return year >= 1 && year <= 9999; // MariaDB's DATE/DATETIME range; PostgreSQL's is wider
    }
    case Type::Interval:
        return false; // MySQL has no interval values
    default:
        return true;
    }
}

std::string MysqlDialect::literal(const Value& value) const {
    if (value.is_null()) {
        return "NULL";
    }
    if (!supports_literal(value)) {
        return unrenderable(to_pg_text(value) + " has no MySQL equivalent");
    }
    switch (value.type()) {
    case Type::Bool:
        return value.as_bool() ? "TRUE" : "FALSE";
    case Type::Int2:
    case Type::Int4:
    case Type::Int8:
        return integer_literal(value.as_int());
    case Type::Float4:
    case Type::Float8:
        return float_literal(value.as_float(), value.type());
    case Type::Numeric: {
        const std::string& text = value.as_string();
        return text[0] == '-' ? "(" + text + ")" : text; // an exact DECIMAL literal
    }
    case Type::Bytea: {
        static constexpr char kHex[] = "0123456789ABCDEF";
        std::string out = "X'";
        for (unsigned char c : value.as_string()) {
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
        return out + "'";
    }
    case Type::Date:
        return "DATE'" + date_text(value.as_int()) + "'";
    case Type::Time:
        return "TIME'" + time_text(value.as_int()) + "'";
    case Type::Timestamp:
    case Type::TimestampTz: {
        // TimestampTz is a UTC instant and the session's time_zone is UTC.
        int64_t days = floor_div(value.as_int(), kMicrosPerDay);
        int64_t micros = value.as_int() - days * kMicrosPerDay;
        return "TIMESTAMP'" + date_text(days) + " " + time_text(micros) + "'";
    }
    default:
        return quote_string(value.as_string()); // text, unknown, uuid, json: strings in MySQL
    }
}

std::string MysqlDialect::limit_offset(std::optional<int64_t> limit, int64_t offset) const {
    if (!limit && offset <= 0) {
        return {};
    }
    // MySQL has no OFFSET without LIMIT: the largest row count stands for "all".
    std::string out = " LIMIT " + (limit ? std::to_string(*limit) : std::string("18446744073709551615"));
    if (offset > 0) {
        out += " OFFSET " + std::to_string(offset);
    }
    return out;
}

bool MysqlDialect::supports_operator(std::string_view op, Type left, Type right) const {
    if (is_one_of(op, {"AND", "OR"})) {
        return left == Type::Bool && right == Type::Bool;
    }
    if (is_one_of(op, {"NOT", "IS TRUE", "IS NOT TRUE", "IS FALSE", "IS NOT FALSE", "IS UNKNOWN",
                       "IS NOT UNKNOWN"})) {
        return (left == Type::Bool || left == Type::Unknown) &&
               (right == Type::Bool || right == Type::Unknown);
    }
    if (is_one_of(op, {"IS NULL", "IS NOT NULL"})) {
        return true;
    }
    if (op == "-" && (left == Type::Unknown || right == Type::Unknown)) { // unary minus
        Type t = left == Type::Unknown ? right : left;
        return is_exact_number(t) || t == Type::Float8 || t == Type::Float4;
    }
    if (left == Type::Unknown || right == Type::Unknown) {
        return false;
    }
    if (is_comparison(op) || is_one_of(op, {"IS DISTINCT FROM", "IS NOT DISTINCT FROM"})) {
        if (left == Type::Bool || right == Type::Bool) {
            return left == right && (op == "=" || op == "<>" || op == "!=" || op.substr(0, 3) == "IS ");
        }
        return plain_comparable(left, right) || (left == Type::Text && right == Type::Text);
    }
    if (is_one_of(op, {"~~", "!~~", "||"})) {
        return left == Type::Text && right == Type::Text; // ILIKE folds case differently: not pushed
    }
    if (is_one_of(op, {"+", "-", "*"})) {
        bool ints = is_integer(left) && is_integer(right);
        bool numerics = left == Type::Numeric && right == Type::Numeric;
        bool doubles = left == Type::Float8 && right == Type::Float8; // float4 is single precision in PG
        return ints || numerics || doubles;
    }
    if (op == "/") {
        return (is_integer(left) && is_integer(right)) || (left == Type::Float8 && right == Type::Float8);
    }
    if (op == "%") {
        return is_integer(left) && is_integer(right);
    }
    return false;
}

std::string MysqlDialect::render_operator(std::string_view op, const std::string& left,
                                          const std::string& right, Type left_type, Type right_type) const {
    if (op == "!=") {
        op = "<>";
    }
    if (op == "/") {
        // Integer / truncates toward zero in PostgreSQL, as DIV does.
        bool ints = is_integer(left_type) && is_integer(right_type);
        return guard_divisor(right, "(" + left + (ints ? " DIV " : " / ") + right + ")");
    }
    if (op == "%") {
        return guard_divisor(right, "(" + left + " MOD " + right + ")"); // sign of the dividend, as PG
    }
    if (op == "||") {
        return "CONCAT(" + left + ", " + right + ")"; // NULL if either is NULL, as PG's text || text
    }
    if (op == "~~" || op == "!~~") {
        // PostgreSQL's LIKE escapes with backslash by default; with NO_BACKSLASH_ESCAPES '\' is one char.
        return "(" + bin(left) + (op == "~~" ? " LIKE " : " NOT LIKE ") + bin(right) + " ESCAPE '\\')";
    }
    if (op == "IS DISTINCT FROM" || op == "IS NOT DISTINCT FROM") {
        std::string same =
            "(" + comparable_key(left, left_type) + " <=> " + comparable_key(right, right_type) + ")";
        return op == "IS DISTINCT FROM" ? "(NOT " + same + ")" : same;
    }
    if (left_type == Type::Text && right_type == Type::Text && op == "=") {
        // The collation's own = first: it is coarser than bytewise equality and can use an index.
        return "(" + left + " = " + right + " AND " + bin(left) + " = " + bin(right) + ")";
    }
    if (is_comparison(op)) {
        return "(" + comparable_key(left, left_type) + " " + std::string(op) + " " +
               comparable_key(right, right_type) + ")";
    }
    return "(" + left + " " + std::string(op) + " " + right + ")"; // + - * AND OR
}

std::string MysqlDialect::render_unary(std::string_view op, const std::string& arg, Type) const {
    if (op.substr(0, 3) == "IS ") {
        return "(" + arg + " " + std::string(op) + ")"; // IS TRUE: any non-zero tinyint is true, as read
    }
    if (op == "NOT") {
        return "(NOT " + arg + ")";
    }
    return "(" + std::string(op) + " " + arg + ")"; // "- -1", never the comment "--1"
}

bool MysqlDialect::supports_function(std::string_view name, std::span<const Type> args) const {
    if (is_one_of(name, {"length", "char_length", "character_length", "octet_length"})) {
        return args.size() == 1 && args[0] == Type::Text;
    }
    if (name == "abs") {
        return args.size() == 1 && (is_exact_number(args[0]) || args[0] == Type::Float8);
    }
    if (is_one_of(name, {"ceil", "ceiling", "floor", "trunc", "round"})) {
        return args.size() == 1 && args[0] == Type::Numeric; // float rounding rules differ
    }
    if (name == "concat") {
        return !args.empty() && all_of(args, is_text);
    }
    if (name == "mod") {
        return args.size() == 2 && is_integer(args[0]) && is_integer(args[1]);
    }
    return false;
}

std::string MysqlDialect::render_function(std::string_view name, std::span<const std::string> args,
                                          std::span<const Type>) const {
    if (name == "octet_length") {
        return "OCTET_LENGTH(CONVERT(" + args[0] + " USING utf8mb4))"; // bytes of the UTF-8 text
    }
    if (is_one_of(name, {"length", "char_length", "character_length"})) {
        return "CHAR_LENGTH(" + args[0] + ")";
    }
    if (name == "trunc") {
        return "TRUNCATE(" + args[0] + ", 0)";
    }
    if (name == "concat") {
        return "CONCAT_WS(''," + join(args, ", ").insert(0, " ") + ")"; // PG's concat skips NULLs
    }
    if (name == "mod") {
        return guard_divisor(args[1], "(" + args[0] + " MOD " + args[1] + ")");
    }
    std::string upper;
    for (char c : name) {
        upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    return upper + "(" + join(args, ", ") + ")"; // ABS, CEIL, CEILING, FLOOR, ROUND
}

bool MysqlDialect::supports_aggregate(std::string_view name, std::span<const Type> args,
                                      bool distinct) const {
    if (name == "count") {
        return args.size() <= 1 && (args.empty() || args[0] != Type::Json);
    }
    if (args.size() == 1 && (name == "min" || name == "max")) {
        Type t = args[0];
        return is_numeric_family(t) || is_temporal(t) || t == Type::Text || t == Type::Bytea;
    }
    if (name == "sum") {
        // Exact sums only; a DISTINCT sum of numerics could keep another scale than PG.
        return args.size() == 1 && (is_integer(args[0]) || (args[0] == Type::Numeric && !distinct));
    }
    if (is_one_of(name, {"bool_and", "bool_or", "every"})) {
        return args.size() == 1 && args[0] == Type::Bool;
    }
    if (name == "string_agg") {
        return args.size() == 2 && args[0] == Type::Text && args[1] == Type::Text && !distinct;
    }
    return false; // avg: MySQL's scale (+4 digits) differs from PostgreSQL's; computed in Nectar
}

std::string MysqlDialect::render_aggregate(std::string_view name, std::span<const std::string> args,
                                           std::span<const Type> types, bool distinct, bool star) const {
    if (star) {
        return "COUNT(*)";
    }
    std::string d = distinct ? "DISTINCT " : "";
    if (name == "count") {
        return "COUNT(" + d + (distinct ? comparable_key(args[0], types[0]) : args[0]) + ")";
    }
    if (name == "min" || name == "max") {
        return (name == "min" ? "MIN(" : "MAX(") + comparable_key(args[0], types[0]) + ")";
    }
    if (name == "sum") {
        return "SUM(" + d + args[0] + ")";
    }
    if (name == "bool_and" || name == "every") {
        return "MIN(" + truth(args[0]) + ")";
    }
    if (name == "bool_or") {
        return "MAX(" + truth(args[0]) + ")";
    }
    // string_agg(x, delimiter): GROUP_CONCAT takes only a literal separator; NULL means none.
    std::string separator = args[1] == "NULL" ? "''" : args[1];
    return "GROUP_CONCAT(" + args[0] + " SEPARATOR " + separator + ")";
}

bool MysqlDialect::supports_cast(Type from, Type to) const {
    if (from == to) {
        return true;
    }
    if (is_integer(from)) {
        // Widening only: narrowing casts raise errors in PostgreSQL that MySQL would not.
        bool widening = is_integer(to) && (to == Type::Int8 || (to == Type::Int4 && from == Type::Int2));
        return widening || to == Type::Numeric || to == Type::Float8 || to == Type::Text;
    }
    if (from == Type::Numeric || from == Type::Float4) {
        return to == Type::Float8;
    }
    if (from == Type::Bool) {
        return to == Type::Int4;
    }
    return from == Type::Date && to == Type::Timestamp;
}

std::string MysqlDialect::render_cast(const std::string& arg, Type from, Type to) const {
    if (from == to || (is_integer(from) && is_integer(to))) {
        return arg; // MySQL computes integers in BIGINT already
    }
    switch (to) {
    case Type::Numeric:
        return "CAST(" + arg + " AS DECIMAL(65,0))";
    case Type::Float8:
        return "CAST(" + arg + " AS DOUBLE)";
    case Type::Text:
        return "CAST(" + arg + " AS CHAR)";
    case Type::Int4:
        return "(" + truth(arg) + " + 0)"; // bool → 0/1
    case Type::Timestamp:
        return "CAST(" + arg + " AS DATETIME(6))";
    default:
        return arg;
    }
}

/// Types whose values sort and group as PostgreSQL's through comparable_key().
bool MysqlDialect::supports_order_by(Type type) const {
    return is_numeric_family(type) || is_temporal(type) || type == Type::Bytea || type == Type::Text ||
           type == Type::Bool;
}

bool MysqlDialect::supports_group_by(std::span<const Type> key_types) const {
    for (Type t : key_types) {
        if (!supports_order_by(t)) {
            return false;
        }
    }
    return true;
}

std::string MysqlDialect::render_order_item(const std::string& expr, bool descending, bool nulls_first,
                                            Type type, bool may_be_null) const {
    std::string key = comparable_key(expr, type);
    if (!may_be_null) {
        return key + (descending ? " DESC" : " ASC");
    }
    // MySQL sorts NULL as the smallest value: a leading IS NULL key puts them where PG asks.
    return "(" + expr + " IS NULL)" + (nulls_first ? " DESC" : " ASC") + ", " + key +
           (descending ? " DESC" : " ASC");
}

std::string MysqlDialect::render_group_key(const std::string& expr, Type type) const {
    // The binary text is the same string; (x <> 0) is 0/1, which the connector reads as the bool.
    return comparable_key(expr, type);
}

std::string MysqlDialect::render_in_list(const std::string& expr, std::span<const std::string> items,
                                         Type type, std::span<const Type> item_types, bool negated) const {
    return in_list_by_equality(expr, items, type, item_types, negated);
}

std::string MysqlDialect::render_nullif(const std::string& left, const std::string& right, Type left_type,
                                        Type right_type) const {
    return nullif_by_equality(left, right, left_type, right_type);
}

std::string MysqlDialect::render_select_item(const std::string& expr, Type type) const {
    return type == Type::Float4 ? "CAST(" + expr + " AS DOUBLE)" : expr; // the float's exact value
}

bool MysqlDialect::supports_join(std::string_view kind) const {
    return is_one_of(kind, {"inner", "left", "right", "cross"}); // no FULL JOIN in MySQL
}

const MysqlDialect& mysql_dialect() {
    static const MysqlDialect dialect;
    return dialect;
}


} // namespace nectar::federation
