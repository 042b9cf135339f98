#include "federation/connectors/sqlite/sqlite_dialect.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <sqlite3.h>

// Every decision below assumes a column's values have the storage class its declared type
// implies (integers in INTEGER columns, ISO text in DATE columns...): a value that does not is
// refused by the connector's conversion with 22P02 when fetched, as PostgreSQL refuses bad input.

namespace nectar::federation {

namespace {

bool is_one_of(std::string_view name, std::initializer_list<std::string_view> names) {
    for (std::string_view candidate : names) {
        if (name == candidate) {
            return true;
        }
    }
    return false;
}

bool is_text(Type t) {
    return is_string_family(t);
}
bool is_small_integer(Type t) {
    return t == Type::Int2 || t == Type::Int4;
}

bool is_comparison(std::string_view op) {
    return is_one_of(op, {"=", "<>", "!=", "<", "<=", ">", ">=", "IS DISTINCT FROM", "IS NOT DISTINCT FROM"});
}

/// Whether SQLite compares two values of these types in PostgreSQL's order.
bool comparable(Type l, Type r) {
    // 64-bit integers compare exactly in both.
    if (is_integer(l) && is_integer(r)) {
        return true;
    }
    // Doubles compare as IEEE doubles in both (SQLite cannot store NaN, so its ordering never matters).
    if (l == Type::Float8 && r == Type::Float8) {
        return true;
    }
    // int2/int4 convert to float8 exactly; int8 past 2^53 does not (PostgreSQL rounds, SQLite compares
    // exactly).
    if ((l == Type::Float8 && is_small_integer(r)) || (is_small_integer(l) && r == Type::Float8)) {
        return true;
    }
    // SQLite holds numeric as the double nearest the decimal; rounding to the nearest double is
    // monotonic and keeps decimals of up to 15 significant digits apart, so order is kept.
    if ((l == Type::Numeric && (r == Type::Numeric || is_integer(r))) ||
        (is_integer(l) && r == Type::Numeric)) {
        return true;
    }
    // BINARY collation compares bytes (memcmp, then length): PostgreSQL's "C" collation, the engine's order.
    if (is_text(l) && is_text(r)) {
        return true;
    }
    // Booleans are 0/1 (any non-zero reads as true); render_operator compares their truth values.
    if (l == Type::Bool && r == Type::Bool) {
        return true;
    }
    // Temporal values are text in SQLite whose order is chronological only in one fixed format;
    // bytea, uuid, json and intervals have no SQLite order matching PostgreSQL's.
    return false;
}

/// `x` as SQLite's truth value (0 or 1; NULL stays NULL): stored booleans may be any integer.
std::string truth(const std::string& x) {
    return "(" + x + " <> 0)";
}

/// Text compared bytewise whatever collation its column declares (COLLATE binds tightest).
std::string binary(const std::string& x) {
    static constexpr std::string_view kCollate = " COLLATE BINARY";
    // A group key sorted again (GROUP BY x ORDER BY x) already is one.
    if (x.size() > kCollate.size() && x.compare(x.size() - kCollate.size(), kCollate.size(), kCollate) == 0) {
        return x;
    }
    return x + std::string(kCollate);
}

/// The expression a value of `type` is compared, sorted and grouped through.
std::string comparable_key(const std::string& x, Type type) {
    if (is_text(type)) {
        return binary(x);
    }
    return type == Type::Bool ? truth(x) : x;
}

/// Significant digits of canonical numeric text ("-0.0120" → 2, "100.5" → 4).
size_t significant_digits(std::string_view text) {
    size_t first = text.find_first_of("123456789");
    size_t last = text.find_last_of("123456789");
    if (first == std::string_view::npos) {
        return 0;
    }
    size_t digits = last - first + 1;
    size_t point = text.find('.');
    return point != std::string_view::npos && point > first && point < last ? digits - 1 : digits;
}

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

std::string float_literal(double value) {
    // SQLite reads 9e999 as +Infinity; it has no NaN (supports_literal refuses it).
    if (std::isnan(value)) {
        return "NULL";
    }
    if (std::isinf(value)) {
        return value > 0 ? "9e999" : "(-9e999)";
    }
    std::array<char, 64> buffer{};
    auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    std::string text(buffer.data(), end);
    // "3" would read back as an integer; "3.0" stays a REAL.
    if (text.find_first_of(".e") == std::string::npos) {
        text += ".0";
    }
    return text[0] == '-' ? "(" + text + ")" : text;
}

std::string blob_literal(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "X'";
    for (unsigned char c : bytes) {
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    return out + "'";
}

} // namespace

std::string SqliteDialect::qualified_table(std::string_view schema, std::string_view table) const {
    // "main" is the database file itself; other schemas are ATTACHed databases.
    if (schema.empty() || schema == "main") {
        return quote_identifier(table);
    }
    return quote_identifier(schema) + "." + quote_identifier(table);
}

std::string SqliteDialect::literal(const Value& value) const {
    if (value.is_null()) {
        return "NULL";
    }
    switch (value.type()) {
    case Type::Bool:
        // SQLite has no boolean storage class: true and false are the integers 1 and 0.
        return value.as_bool() ? "1" : "0";
    case Type::Int2:
    case Type::Int4:
    case Type::Int8: {
        // SQLite reads -9223372036854775808 as an integer too; parentheses keep "- -1" from becoming a
        // comment.
        std::string digits = std::to_string(value.as_int());
        return value.as_int() < 0 ? "(" + digits + ")" : digits;
    }
    case Type::Float4:
    case Type::Float8:
        return float_literal(value.as_float());
    case Type::Numeric: {
        // A numeric column holds the nearest double; a bare decimal reads as the same double
        // (supports_literal refuses NaN and decimals past 15 significant digits).
        const std::string& text = value.as_string();
        if (text == "NaN") {
            return "NULL";
        }
        return text[0] == '-' ? "(" + text + ")" : text;
    }
    case Type::Bytea:
        return blob_literal(value.as_string());
    case Type::Date:
    case Type::Time:
    case Type::Timestamp:
    case Type::TimestampTz:
    case Type::Interval:
        // ISO text, as SQLite's own date functions write it and the connector reads it back.
        return quote_string(to_pg_text(value));
    case Type::Text:
    case Type::Varchar:
    case Type::Unknown:
    case Type::Uuid:
    case Type::Json:
    case Type::Jsonb:
        // SQLite string literals have no backslash escapes: doubling quotes is all it takes.
        return quote_string(value.as_string());
    }
    return quote_string(value.as_string());
}

bool SqliteDialect::supports_literal(const Value& value) const {
    if (value.is_null()) {
        return true;
    }
    switch (value.type()) {
    case Type::Float4:
    case Type::Float8:
        return !std::isnan(value.as_float()); // NaN would be NULL in SQLite
    case Type::Numeric:
        // A decimal of up to 15 significant digits is told apart from its neighbours as a
        // double; a longer one could equal a stored value PostgreSQL finds different.
        return value.as_string() != "NaN" && significant_digits(value.as_string()) <= 15;
    default:
        return true;
    }
}

std::string SqliteDialect::limit_offset(std::optional<int64_t> limit, int64_t offset) const {
    if (!limit && offset <= 0) {
        return {};
    }
    // SQLite has no OFFSET without LIMIT: a negative LIMIT means "no limit".
    std::string out = " LIMIT " + std::to_string(limit ? *limit : -1);
    if (offset > 0) {
        out += " OFFSET " + std::to_string(offset);
    }
    return out;
}

bool SqliteDialect::supports_operator(std::string_view op, Type left, Type right) const {
    if (is_comparison(op)) {
        return comparable(left, right);
    }
    // Three-valued AND/OR/NOT and the NULL tests are the same in SQLite.
    if (is_one_of(op, {"AND", "OR", "NOT", "IS NULL", "IS NOT NULL", "IS UNKNOWN", "IS NOT UNKNOWN"})) {
        return true;
    }
    // SQLite's IS TRUE/IS FALSE test truth (non-zero), which is how the connector reads booleans.
    if (is_one_of(op, {"IS TRUE", "IS NOT TRUE", "IS FALSE", "IS NOT FALSE"})) {
        return left == Type::Bool;
    }
    // LIKE with case_sensitive_like on and ESCAPE '\' matches PostgreSQL's LIKE character for character.
    if (op == "~~" || op == "!~~") {
        return is_text(left) && is_text(right);
    }
    // ILIKE: SQLite folds ASCII only, PostgreSQL folds by locale.
    // Text concatenation is identical (NULL in, NULL out).
    if (op == "||") {
        return is_text(left) && is_text(right);
    }
    // + - * overflow into floats in SQLite where PostgreSQL raises 22003 (even inside WHERE);
    // / and % by zero give NULL where PostgreSQL raises 22012; unary minus of the smallest
    // int8 gives a float: arithmetic stays in the engine.
    return false;
}

bool SqliteDialect::supports_function(std::string_view name, std::span<const Type> args) const {
    // length() counts UTF-8 characters like char_length() (PostgreSQL text holds no NUL).
    if (is_one_of(name, {"length", "char_length", "character_length"})) {
        return args.size() == 1 && is_text(args[0]);
    }
    // abs(int8) fails on the smallest int8 in both; abs(int4) would not fail in SQLite.
    if (name == "abs") {
        return args.size() == 1 && (args[0] == Type::Int8 || args[0] == Type::Float8);
    }
    // COALESCE returns its first non-NULL argument unchanged in both.
    if (name == "coalesce") {
        for (Type t : args) {
            if (t != args[0]) {
                return false;
            }
        }
        return !args.empty();
    }
    // NULLIF compares with "=": where that is exact, NULLIF is (booleans may be 2 in SQLite).
    if (name == "nullif") {
        return args.size() == 2 && args[0] != Type::Bool && comparable(args[0], args[1]);
    }
    // lower/upper fold ASCII only, substr counts negative starts from the end, round returns
    // floats, date functions differ: the engine computes the rest.
    return false;
}

bool SqliteDialect::supports_aggregate(std::string_view name, std::span<const Type> args,
                                       bool distinct) const {
    if (name == "count") {
        // count(*) and count(x) count the same rows; DISTINCT needs SQLite's equality to be PostgreSQL's.
        return !distinct || (args.size() == 1 && args[0] != Type::Bool && comparable(args[0], args[0]));
    }
    if (args.size() != 1 || distinct) {
        return false;
    }
    Type t = args[0];
    if (name == "min" || name == "max") {
        // Numeric is left out: the result would come back as a bare double, without the column's
        // scale (PostgreSQL prints 12.50, SQLite gives 12.5); temporal values compare as text.
        return is_integer(t) || t == Type::Float8 || is_text(t);
    }
    // sum/avg are equal for no type: integer sums are numeric in PostgreSQL but raise "integer
    // overflow" in SQLite past 2^63; numeric sums come back as doubles without scale; float8
    // sums overflow to Infinity in SQLite where PostgreSQL raises 22003, and SQLite 3.43+ sums
    // with Kahan compensation where PostgreSQL adds plainly.
    // string_agg's order, bool_and/bool_or (absent in SQLite), array_agg: the engine.
    return false;
}

bool SqliteDialect::supports_cast(Type from, Type to) const {
    // Widening integers and text to text change nothing in SQLite.
    if ((is_integer(from) && to == Type::Int8) || (is_text(from) && to == Type::Text)) {
        return true;
    }
    // int → float8 rounds to nearest in both; int → text prints the plain decimal in both.
    if (is_integer(from) && (to == Type::Float8 || to == Type::Text)) {
        return true;
    }
    // Narrowing never fails in SQLite (PostgreSQL raises 22003), text → number gives 0 for
    // garbage (PostgreSQL raises 22P02), floats print differently: the engine casts.
    return false;
}

bool SqliteDialect::supports_order_by(Type type) const {
    // Same orders as comparable(); NULLS FIRST/LAST exist since SQLite 3.30 (render_order_item
    // writes them explicitly, as PostgreSQL's default placement differs from SQLite's).
    return is_integer(type) || type == Type::Float8 || type == Type::Numeric || is_text(type) ||
           type == Type::Bool;
}

bool SqliteDialect::supports_group_by(std::span<const Type> key_types) const {
    // Keys are grouped by the equality comparable() vouches for (through comparable_key).
    for (Type t : key_types) {
        if (!supports_order_by(t)) {
            return false;
        }
    }
    return true;
}

bool SqliteDialect::supports_join(std::string_view kind) const {
    // RIGHT and FULL OUTER JOIN arrived in SQLite 3.39.
    if (kind == "right" || kind == "full") {
        return sqlite3_libversion_number() >= 3039000;
    }
    return is_one_of(kind, {"inner", "left", "cross", "semi", "anti"});
}

std::string SqliteDialect::render_operator(std::string_view op, const std::string& left,
                                           const std::string& right, Type left_type, Type right_type) const {
    // Comparisons see booleans as truth values and text bytewise; the left operand's explicit
    // collation is the one SQLite applies.
    bool booleans = left_type == Type::Bool && right_type == Type::Bool && is_comparison(op);
    bool texts = is_text(left_type) && is_text(right_type) && is_comparison(op);
    const std::string l = booleans ? truth(left) : texts ? binary(left) : left;
    const std::string r = booleans ? truth(right) : right;
    if (op == "IS DISTINCT FROM") {
        return "(" + l + " IS NOT " + r + ")";
    }
    if (op == "IS NOT DISTINCT FROM") {
        return "(" + l + " IS " + r + ")";
    }
    if (op == "~~") {
        return "(" + l + " LIKE " + r + " ESCAPE '\\')";
    }
    if (op == "!~~") {
        return "(" + l + " NOT LIKE " + r + " ESCAPE '\\')";
    }
    if (op == "!=") {
        return "(" + l + " <> " + r + ")";
    }
    return "(" + l + " " + std::string(op) + " " + r + ")";
}

std::string SqliteDialect::render_unary(std::string_view op, const std::string& arg, Type type) const {
    // SQLite spells the SQL-standard IS [NOT] UNKNOWN as the NULL test it is.
    if (op == "IS UNKNOWN") {
        return "(" + arg + " IS NULL)";
    }
    if (op == "IS NOT UNKNOWN") {
        return "(" + arg + " IS NOT NULL)";
    }
    return Dialect::render_unary(op, arg, type);
}

std::string SqliteDialect::render_function(std::string_view name, std::span<const std::string> args,
                                           std::span<const Type> types) const {
    if (is_one_of(name, {"length", "char_length", "character_length"}) && args.size() == 1) {
        return "length(" + args[0] + ")";
    }
    // SQLite's coalesce() wants two arguments or more; one argument is itself.
    if (name == "coalesce" && args.size() == 1) {
        return args[0];
    }
    return Dialect::render_function(name, args, types);
}

std::string SqliteDialect::render_aggregate(std::string_view name, std::span<const std::string> args,
                                            std::span<const Type> types, bool distinct, bool star) const {
    // count(*), count(DISTINCT x), min and max are spelled as in PostgreSQL, text compared bytewise.
    if (!star && args.size() == 1 && types.size() == 1 && is_text(types[0])) {
        std::string key = binary(args[0]);
        return Dialect::render_aggregate(name, std::span<const std::string>(&key, 1), types, distinct, star);
    }
    return Dialect::render_aggregate(name, args, types, distinct, star);
}

std::string SqliteDialect::render_cast(const std::string& arg, Type from, Type to) const {
    if (to == Type::Float8) {
        return "CAST(" + arg + " AS REAL)";
    }
    if (to == Type::Text && is_integer(from)) {
        return "CAST(" + arg + " AS TEXT)";
    }
    // Integer widening and text → text: SQLite's values already are what PostgreSQL's cast gives.
    return arg;
}

std::string SqliteDialect::render_order_item(const std::string& expr, bool descending, bool nulls_first,
                                             Type type, bool may_be_null) const {
    if (!may_be_null) {
        return comparable_key(expr, type) + (descending ? " DESC" : " ASC");
    }
    // NULLS FIRST/LAST exist since SQLite 3.30; PostgreSQL's default placement differs from SQLite's.
    return Dialect::render_order_item(comparable_key(expr, type), descending, nulls_first, type, true);
}

std::string SqliteDialect::render_group_key(const std::string& expr, Type type) const {
    // The COLLATE BINARY text is the same value; a truth value is 0/1, which reads as the bool.
    return comparable_key(expr, type);
}

std::string SqliteDialect::render_in_list(const std::string& expr, std::span<const std::string> items,
                                          Type type, std::span<const Type> item_types, bool negated) const {
    return in_list_by_equality(expr, items, type, item_types, negated);
}

std::string SqliteDialect::render_nullif(const std::string& left, const std::string& right, Type left_type,
                                         Type right_type) const {
    return nullif_by_equality(left, right, left_type, right_type);
}

const SqliteDialect& sqlite_dialect() {
    static const SqliteDialect dialect;
    return dialect;
}

} // namespace nectar::federation
