// SPEC §5's filter language bound to engine expressions; filter.hpp gives the meaning of each
// form. Operators come from the engine's own catalog (resolve_operator) and values from its own
// input functions (from_pg_text, cast_value), so a filter means what its SQL twin means.
#include "rest/filter.hpp"

#include "federation/expr/functions.hpp"
#include "rest/expr_build.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

namespace nectar::rest {

using federation::ColumnInfo;
using federation::Expr;
using federation::ExprPtr;
using federation::Type;
using federation::Value;
using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

// --- Messages ---

/// A name or value as error messages show it: control characters escaped, long text cut short.
std::string shown(std::string_view text) {
    constexpr size_t kMaxShown = 100;
    bool cut = text.size() > kMaxShown;
    if (cut) {
        size_t end = kMaxShown;
        while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
            --end; // never split a UTF-8 sequence
        }
        text = text.substr(0, end);
    }
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02X", u);
            out += escaped;
        } else {
            out += c;
        }
    }
    return cut ? out + "..." : out;
}

std::string in_quotes(std::string_view name) {
    std::string out(1, '"');
    out += shown(name);
    out += '"';
    return out;
}

Error filter_error(std::string sqlstate, std::string message, std::string hint = {}) {
    Error e = Error::make(std::move(sqlstate), std::move(message));
    e.hint = std::move(hint);
    return e;
}

std::string_view kind_name(element v) {
    switch (v.type()) {
    case element_type::ARRAY:
        return "an array";
    case element_type::OBJECT:
        return "an object";
    case element_type::STRING:
        return "a string";
    case element_type::BOOL:
        return "a boolean";
    case element_type::NULL_VALUE:
        return "null";
    default:
        return "a number";
    }
}

/// The operand's own JSON text (minified): how messages show it and what json columns compare with.
std::string json_text(element v) { return simdjson::to_string(v); }

constexpr std::string_view kOperatorList = "$eq $ne $gt $gte $lt $lte $in $nin $between $like $ilike $null "
                                           "$exists $contains";

// --- Values ---

bool is_json_type(Type t) { return t == Type::Json || t == Type::Jsonb; }

/// PostgreSQL text cannot hold a NUL byte (its input functions reject \u0000 alike).
Error nul_in_string() { return Error::make("22P02", "a string holding a NUL character (\\u0000) fits no column"); }

/// A JSON number as a value of a numeric-family column.
Result<Value> number_value(element v, Type type) {
    if (!federation::is_numeric_family(type)) {
        return Error::make("22P02", "a JSON number fits only a numeric column: give " +
                                        std::string(federation::type_name(type)) + " values as JSON strings");
    }
    if (v.is_int64()) {
        Value i = Value::int8(v.get_int64().value());
        return federation::cast_value(i, type); // range checks for smallint/integer
    }
    if (v.is_uint64()) { // above the int64 range
        if (federation::is_integer(type)) {
            return Error::make("22003", "value is out of range for type " + std::string(federation::type_name(type)));
        }
        return federation::from_pg_text(type, std::to_string(v.get_uint64().value()));
    }
    double d = v.get_double().value();
    if (federation::is_integer(type) && std::trunc(d) != d) {
        return Error::make("22P02", "an integer column needs an integral number");
    }
    if (type == Type::Numeric) {
        // The shortest text that reads back as this double: 0.1 stays 0.1, not 0.1000000000000000055...
        char text[32];
        auto end = std::to_chars(text, text + sizeof text, d).ptr;
        return federation::from_pg_text(type, std::string_view(text, end - text));
    }
    return federation::cast_value(Value::float8(d), type);
}

/// A JSON scalar as a value of `type` (json/jsonb columns take any JSON, as its text).
Result<Value> json_value(element v, Type type) {
    if (v.is_null()) {
        return Value::null(type);
    }
    if (is_json_type(type)) {
        return Value::string(type, json_text(v));
    }
    switch (v.type()) {
    case element_type::STRING:
        if (v.get_string().value().find('\0') != std::string_view::npos) {
            return nul_in_string();
        }
        return federation::from_pg_text(type, v.get_string().value());
    case element_type::BOOL:
        if (type != Type::Bool) {
            return Error::make("22P02", "a JSON boolean fits only a boolean column");
        }
        return Value::boolean(v.get_bool().value());
    default:
        return number_value(v, type);
    }
}

// --- Expression nodes ---

ExprPtr node(Expr::Kind kind, std::vector<ExprPtr> args, bool negated = false) {
    auto e = std::make_shared<Expr>();
    e->kind = kind;
    e->type = Type::Bool;
    e->args = std::move(args);
    e->negated = negated;
    return e;
}

ExprPtr bool_constant(bool b) { return Expr::constant(Value::boolean(b)); }

/// AND or OR of `terms` (at least one); a single term stands alone.
ExprPtr combine(Expr::Kind kind, std::vector<ExprPtr> terms) {
    return terms.size() == 1 ? terms[0] : node(kind, std::move(terms));
}

// --- One column's conditions ---

/// The column a condition is about.
struct Target {
    int index = -1;
    const ColumnInfo* info = nullptr;

    ExprPtr ref() const { return Expr::column_ref(index, info->type, info->name); }
    Type type() const { return info->type; }
    std::string quoted_name() const { return in_quotes(info->name); }
    std::string type_name() const { return std::string(federation::type_name(info->type)); }
};

/// `operand` as a constant of the column's type; 22P02 naming column, type and value otherwise.
Result<ExprPtr> constant_for(const Target& t, std::string_view op, element operand) {
    if (!is_json_type(t.type()) && (operand.is_array() || operand.is_object())) {
        return filter_error("42601",
                            std::string(op) + " on column " + t.quoted_name() + " needs a single value, not " +
                                std::string(kind_name(operand)),
                            operand.is_array() ? "use $in to match any of several values" : "");
    }
    auto v = json_value(operand, t.type());
    if (!v) {
        return filter_error("22P02", "invalid value " + shown(json_text(operand)) + " for column " + t.quoted_name() +
                                         " of type " + t.type_name() + ": " + v.error().message);
    }
    return Expr::constant(std::move(*v));
}

/// left `op` right (expr_build.hpp), its error naming the filter operator and the column.
Result<ExprPtr> column_operator(const Target& t, std::string_view filter_op, std::string_view op, ExprPtr left,
                                ExprPtr right) {
    auto call = operator_call(op, std::move(left), std::move(right));
    if (!call) {
        return filter_error("42883", "operator " + std::string(filter_op) + " does not apply to column " + t.quoted_name() +
                                         " of type " + t.type_name() + " (" + call.error().message + ")");
    }
    return call;
}

Result<ExprPtr> comparison(const Target& t, std::string_view filter_op, std::string_view op, element operand) {
    auto value = constant_for(t, filter_op, operand);
    if (!value) {
        return value.error();
    }
    return column_operator(t, filter_op, op, t.ref(), *value);
}

ExprPtr null_test(const Target& t, bool is_null) { return node(Expr::Kind::IsNull, {t.ref()}, !is_null); }

/// $in / $nin: IN / NOT IN over the listed values (null items are SQL NULLs, as in SQL).
Result<ExprPtr> in_list(const Target& t, std::string_view filter_op, element operand, bool negated) {
    simdjson::dom::array items;
    if (operand.get_array().get(items) != simdjson::SUCCESS) {
        return filter_error("42601", std::string(filter_op) + " on column " + t.quoted_name() +
                                         " takes an array of values, not " + std::string(kind_name(operand)));
    }
    if (items.size() == 0) {
        // PostgreSQL: x = ANY('{}') is false and x <> ALL('{}') true, even for a NULL x.
        return bool_constant(negated);
    }
    auto eq = federation::resolve_operator("=", t.type(), t.type());
    if (!eq) {
        return filter_error("42883", "operator " + std::string(filter_op) + " does not apply to column " + t.quoted_name() +
                                         " of type " + t.type_name() + " (" + eq.error().message + ")");
    }
    Type param = eq->params[0];
    auto column = coerce(t.ref(), param);
    if (!column) {
        return column.error();
    }
    std::vector<ExprPtr> args{*column};
    for (element item : items) {
        auto value = constant_for(t, filter_op, item);
        auto as_param = value ? coerce(*value, param) : value;
        if (!as_param) {
            return as_param.error();
        }
        args.push_back(*as_param);
    }
    auto e = std::const_pointer_cast<Expr>(node(Expr::Kind::InList, std::move(args), negated));
    e->fn = std::make_shared<federation::ScalarImpl>(std::move(*eq));
    return ExprPtr(e);
}

Result<ExprPtr> between(const Target& t, element operand) {
    simdjson::dom::array bounds;
    if (operand.get_array().get(bounds) != simdjson::SUCCESS || bounds.size() != 2) {
        return filter_error("42601", "$between on column " + t.quoted_name() + " takes an array of two values [low, high]");
    }
    element low_bound = bounds.at(0).value(), high_bound = bounds.at(1).value();
    if (low_bound.is_null() || high_bound.is_null()) {
        return filter_error("42601", "$between on column " + t.quoted_name() + " needs two non-null bounds");
    }
    auto low = comparison(t, "$between", ">=", low_bound);
    auto high = low ? comparison(t, "$between", "<=", high_bound) : low;
    if (!low || !high) {
        return low ? high.error() : low.error();
    }
    return node(Expr::Kind::And, {*low, *high});
}

Result<ExprPtr> like(const Target& t, std::string_view filter_op, element operand) {
    std::string_view pattern;
    if (operand.get_string().get(pattern) != simdjson::SUCCESS) {
        return filter_error("42601", std::string(filter_op) + " on column " + t.quoted_name() +
                                         " takes a pattern string, not " + std::string(kind_name(operand)));
    }
    if (pattern.find('\0') != std::string_view::npos) {
        return filter_error("22P02", std::string(filter_op) + " on column " + t.quoted_name() + ": " +
                                         nul_in_string().message);
    }
    return column_operator(t, filter_op, filter_op == "$like" ? "~~" : "~~*", t.ref(),
                         Expr::constant(Value::text(std::string(pattern))));
}

/// `text` as a LIKE pattern that matches only itself (LIKE escapes with backslash).
std::string like_literal(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\' || c == '%' || c == '_') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

Result<ExprPtr> contains(const Target& t, element operand) {
    if (is_json_type(t.type())) {
        return filter_error("0A000", "$contains on json column " + t.quoted_name() +
                                         " is not supported yet: the engine has no json containment (@>) operator");
    }
    if (!federation::is_text_type(t.type())) {
        return filter_error("42883", "operator $contains does not apply to column " + t.quoted_name() + " of type " +
                                         t.type_name() + ": it tests text columns for a substring");
    }
    std::string_view needle;
    if (operand.get_string().get(needle) != simdjson::SUCCESS) {
        return filter_error("42601", "$contains on column " + t.quoted_name() + " takes a string, not " +
                                         std::string(kind_name(operand)));
    }
    if (needle.find('\0') != std::string_view::npos) {
        return filter_error("22P02", "$contains on column " + t.quoted_name() + ": " + nul_in_string().message);
    }
    auto pattern = Expr::constant(Value::text("%" + like_literal(needle) + "%"));
    return column_operator(t, "$contains", "~~", t.ref(), pattern);
}

/// $null / $exists: true or false.
Result<bool> flag(const Target& t, std::string_view filter_op, element operand) {
    bool b = false;
    if (operand.get_bool().get(b) != simdjson::SUCCESS) {
        return filter_error("42601", std::string(filter_op) + " on column " + t.quoted_name() + " takes true or false, not " +
                                         std::string(kind_name(operand)));
    }
    return b;
}

Result<ExprPtr> apply_operator(const Target& t, std::string_view op, element operand) {
    static constexpr std::pair<std::string_view, std::string_view> kComparisons[] = {
        {"$eq", "="}, {"$ne", "<>"}, {"$gt", ">"}, {"$gte", ">="}, {"$lt", "<"}, {"$lte", "<="}};
    for (auto [name, symbol] : kComparisons) {
        if (op != name) {
            continue;
        }
        if (operand.is_null() && (op == "$eq" || op == "$ne")) {
            return null_test(t, op == "$eq"); // = NULL would match nothing: read it as IS [NOT] NULL
        }
        if (operand.is_null()) {
            return filter_error("42601", std::string(op) + " on column " + t.quoted_name() + " needs a value, not null");
        }
        return comparison(t, op, symbol, operand);
    }
    if (op == "$in" || op == "$nin") {
        return in_list(t, op, operand, op == "$nin");
    }
    if (op == "$between") {
        return between(t, operand);
    }
    if (op == "$like" || op == "$ilike") {
        return like(t, op, operand);
    }
    if (op == "$contains") {
        return contains(t, operand);
    }
    if (op == "$null" || op == "$exists") {
        auto b = flag(t, op, operand);
        if (!b) {
            return b.error();
        }
        return null_test(t, op == "$null" ? *b : !*b);
    }
    if (op == "$and" || op == "$or" || op == "$not") {
        return filter_error("42883", std::string(op) + " combines filters, not a column's conditions: write {\"" +
                                         std::string(op) + "\": ...} around conditions on " + t.quoted_name());
    }
    return filter_error("42883", "unknown filter operator " + in_quotes(op) + " on column " + t.quoted_name(),
                        "operators are " + std::string(kOperatorList));
}

/// {"col": value}: equality, IS NULL for null, or an object of operators ANDed together.
Result<ExprPtr> column_condition(const Target& t, element value) {
    if (value.is_null()) {
        return null_test(t, true);
    }
    simdjson::dom::object ops;
    if (value.get_object().get(ops) != simdjson::SUCCESS) {
        return comparison(t, "$eq", "=", value);
    }
    if (ops.size() == 0) {
        return filter_error("42601", "no operators for column " + t.quoted_name(),
                            "write {\"col\": value} or {\"col\": {\"$op\": value}}");
    }
    std::vector<ExprPtr> terms;
    for (auto [op, operand] : ops) {
        auto term = apply_operator(t, op, operand);
        if (!term) {
            return term.error();
        }
        terms.push_back(*term);
    }
    return combine(Expr::Kind::And, std::move(terms));
}

// --- Filter objects ---

class FilterBinder {
  public:
    explicit FilterBinder(const std::vector<ColumnInfo>& columns)
        : columns_(columns) {}

    /// One filter object at nesting `depth` (the whole filter is 1); nullptr when it is {}.
    /// `what` names it in errors ("the filter", "a member of $or").
    Result<ExprPtr> bind_object(element filter, int depth, std::string_view what) const {
        if (depth > kMaxFilterDepth) {
            return filter_error("54001", "filter nests deeper than " + std::to_string(kMaxFilterDepth) + " levels");
        }
        simdjson::dom::object members;
        if (filter.get_object().get(members) != simdjson::SUCCESS) {
            return filter_error("42601", std::string(what) + " must be a JSON object, not " +
                                             std::string(kind_name(filter)));
        }
        std::vector<ExprPtr> terms;
        for (auto [key, value] : members) {
            auto term = bind_member(key, value, depth);
            if (!term) {
                return term.error();
            }
            terms.push_back(*term);
        }
        return terms.empty() ? nullptr : combine(Expr::Kind::And, std::move(terms));
    }

  private:
    Result<ExprPtr> bind_member(std::string_view key, element value, int depth) const {
        if (key == "$and" || key == "$or") {
            return bind_list(key, value, depth);
        }
        if (key == "$not") {
            auto inner = bind_object(value, depth + 1, "the operand of $not");
            if (!inner) {
                return inner.error();
            }
            return node(Expr::Kind::Not, {*inner ? *inner : bool_constant(true)});
        }
        auto target = find_column(key);
        if (!target) {
            return target.error();
        }
        return column_condition(*target, value);
    }

    /// $and / $or over a non-empty array of filter objects ({} members are TRUE).
    Result<ExprPtr> bind_list(std::string_view key, element operand, int depth) const {
        simdjson::dom::array items;
        if (operand.get_array().get(items) != simdjson::SUCCESS || items.size() == 0) {
            return filter_error("42601", std::string(key) + " takes a non-empty array of filter objects, not " +
                                             (operand.is_array() ? "an empty array" : std::string(kind_name(operand))));
        }
        bool is_and = key == "$and";
        std::vector<ExprPtr> terms;
        for (element item : items) {
            auto term = bind_object(item, depth + 1, is_and ? "a member of $and" : "a member of $or");
            if (!term) {
                return term.error();
            }
            terms.push_back(*term ? *term : bool_constant(true));
        }
        return combine(is_and ? Expr::Kind::And : Expr::Kind::Or, std::move(terms));
    }

    /// The column named exactly `name` (case-sensitive, as PostgREST matches them).
    Result<Target> find_column(std::string_view name) const {
        if (auto found = lookup(name)) {
            return *found;
        }
        if (name.starts_with('$')) {
            return filter_error("42883", "unknown filter operator " + in_quotes(name),
                                "logical operators are $and, $or and $not; column operators go inside "
                                "{\"column\": {...}}");
        }
        // "meta.color": a path into json column "meta" (any dot may end the column's own name).
        for (size_t dot = name.find('.'); dot != std::string_view::npos; dot = name.find('.', dot + 1)) {
            auto prefix = lookup(name.substr(0, dot));
            if (prefix && is_json_type(prefix->type())) {
                return filter_error("0A000", "dotted paths into json columns (" + in_quotes(name) +
                                                 ") are not supported yet: the engine has no -> or ->> operators");
            }
            if (prefix) {
                return filter_error("42703", "column " + in_quotes(name) + " does not exist",
                                    "column " + prefix->quoted_name() + " is " + prefix->type_name() +
                                        ": only json columns take dotted paths");
            }
        }
        return filter_error("42703", "column " + in_quotes(name) + " does not exist");
    }

    std::optional<Target> lookup(std::string_view name) const {
        for (size_t i = 0; i < columns_.size(); i++) {
            if (columns_[i].name == name) {
                return Target{static_cast<int>(i), &columns_[i]};
            }
        }
        return std::nullopt;
    }

    const std::vector<ColumnInfo>& columns_;
};

} // namespace

Result<Value> column_value(simdjson::dom::element value, Type type) { return json_value(value, type); }

Result<ExprPtr> bind_filter(simdjson::dom::element filter, const std::vector<ColumnInfo>& columns) {
    return FilterBinder(columns).bind_object(filter, 1, "a filter");
}

Result<ExprPtr> bind_filter(std::string_view filter_json, const std::vector<ColumnInfo>& columns) {
    simdjson::dom::parser parser;
    element root;
    auto error = parser.parse(filter_json.data(), filter_json.size()).get(root);
    if (error == simdjson::DEPTH_ERROR) {
        return filter_error("54001", "filter nests deeper than " + std::to_string(kMaxFilterDepth) + " levels");
    }
    if (error) {
        // simdjson reads integers only up to 64 bits: a bigger number is valid JSON it cannot parse
        return filter_error("22P02", std::string("invalid JSON in filter: ") + simdjson::error_message(error),
                            error == simdjson::NUMBER_ERROR ? "give numbers beyond 64-bit integers as JSON strings"
                                                            : "");
    }
    return bind_filter(root, columns);
}

} // namespace nectar::rest
