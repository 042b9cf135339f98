// Operators with PostgreSQL's catalog and resolution: arithmetic over the numeric family,
// comparisons over every type, text concatenation and LIKE. Date/time arithmetic lives in
// temporal_operators.cpp; the shared resolution algorithm in overload.cpp.

#include "federation/expr/compare.hpp"
#include "federation/expr/functions.hpp"
#include "federation/expr/numeric_math.hpp"
#include "federation/expr/overload.hpp"

#include <cmath>
#include <limits>

namespace nectar::federation {

using namespace expr;

namespace {

using Catalog = std::vector<std::pair<std::string, Overload>>;

Type wider_int(Type a, Type b) {
    if (a == Type::Int8 || b == Type::Int8)
        return Type::Int8;
    if (a == Type::Int4 || b == Type::Int4)
        return Type::Int4;
    return Type::Int2;
}

Result<Value> int_arith(char op, Type result, int64_t a, int64_t b) {
    __int128 x = a, y = b;
    switch (op) {
    case '+':
        return checked_int(result, x + y);
    case '-':
        return checked_int(result, x - y);
    case '*':
        return checked_int(result, x * y);
    case '/':
        if (b == 0)
            return division_by_zero();
        return checked_int(result, x / y); // C++ truncates toward zero as PostgreSQL does
    default: // '%'
        if (b == 0)
            return division_by_zero();
        return checked_int(result, b == -1 ? 0 : x % y);
    }
}

Result<Value> float_arith(char op, Type result, double a, double b) {
    bool inf = std::isinf(a) || std::isinf(b);
    switch (op) {
    case '+':
        return checked_float(result, a + b, inf, false);
    case '-':
        return checked_float(result, a - b, inf, false);
    case '*':
        return checked_float(result, a * b, inf, a != 0.0 && b != 0.0);
    case '/':
        if (b == 0.0)
            return division_by_zero();
        return checked_float(result, a / b, std::isinf(a), a != 0.0 && !std::isinf(b));
    default: // '^' (float8 only)
        if (a == 0.0 && b < 0.0)
            return Error::make("2201F", "zero raised to a negative power is undefined");
        if (a < 0.0 && std::floor(b) != b && !std::isinf(b))
            return Error::make("2201F", "a negative number raised to a non-integer power yields a complex result");
        if (std::isnan(a) || std::isnan(b))
            return Value::float8((a == 1.0 || b == 0.0) ? 1.0 : std::nan(""));
        return checked_float(result, std::pow(a, b), inf, a != 0.0);
    }
}

Result<Value> numeric_arith(char op, const Value& l, const Value& r) {
    Decimal a = to_decimal(l), b = to_decimal(r);
    switch (op) {
    case '+':
        return numeric_value(a.add(b));
    case '-':
        return numeric_value(a.sub(b));
    case '*':
        return numeric_value(a.mul(b));
    case '/': {
        auto q = a.div(b);
        return q ? Result<Value>(numeric_value(*q)) : Result<Value>(q.error());
    }
    case '%': {
        auto m = a.mod(b);
        return m ? Result<Value>(numeric_value(*m)) : Result<Value>(m.error());
    }
    default: {
        auto p = numeric_power(a, b);
        return p ? Result<Value>(numeric_value(*p)) : Result<Value>(p.error());
    }
    }
}

void add(Catalog& c, std::string name, std::vector<Type> params, Type result, ScalarFn fn) {
    c.push_back({std::move(name), Overload{std::move(params), result, std::move(fn)}});
}

void register_numeric(Catalog& c) {
    const Type ints[] = {Type::Int2, Type::Int4, Type::Int8};
    for (char op : {'+', '-', '*', '/', '%'}) {
        for (Type l : ints) {
            for (Type r : ints) {
                if (op == '%' && l != r)
                    continue; // PostgreSQL has no cross-type modulo
                Type res = wider_int(l, r);
                add(c, std::string(1, op), {l, r}, res,
                    [op, res](std::span<const Value> a) { return int_arith(op, res, a[0].as_int(), a[1].as_int()); });
            }
        }
    }
    const std::pair<Type, Type> floats[] = {{Type::Float4, Type::Float4},
                                            {Type::Float4, Type::Float8},
                                            {Type::Float8, Type::Float4},
                                            {Type::Float8, Type::Float8}};
    for (char op : {'+', '-', '*', '/'}) {
        for (auto [l, r] : floats) {
            Type res = l == Type::Float4 && r == Type::Float4 ? Type::Float4 : Type::Float8;
            add(c, std::string(1, op), {l, r}, res, [op, res](std::span<const Value> a) {
                return float_arith(op, res, a[0].as_float(), a[1].as_float());
            });
        }
    }
    add(c, "^", {Type::Float8, Type::Float8}, Type::Float8,
        [](std::span<const Value> a) { return float_arith('^', Type::Float8, a[0].as_float(), a[1].as_float()); });
    for (char op : {'+', '-', '*', '/', '%', '^'}) {
        add(c, std::string(1, op), {Type::Numeric, Type::Numeric}, Type::Numeric,
            [op](std::span<const Value> a) { return numeric_arith(op, a[0], a[1]); });
    }
    for (Type t : {Type::Int2, Type::Int4, Type::Int8, Type::Float4, Type::Float8, Type::Numeric}) {
        add(c, "+", {t}, t, [](std::span<const Value> a) -> Result<Value> { return a[0]; });
        add(c, "-", {t}, t, [t](std::span<const Value> a) -> Result<Value> {
            if (is_integer(t))
                return checked_int(t, -static_cast<__int128>(a[0].as_int()));
            if (t == Type::Numeric)
                return numeric_value(to_decimal(a[0]).negate());
            return Value::floating(t, -a[0].as_float());
        });
    }
}

void register_comparisons(Catalog& c) {
    std::vector<std::pair<Type, Type>> pairs;
    auto cross = [&](std::initializer_list<Type> family) {
        for (Type l : family)
            for (Type r : family)
                pairs.emplace_back(l, r);
    };
    cross({Type::Int2, Type::Int4, Type::Int8});
    cross({Type::Float4, Type::Float8});
    cross({Type::Date, Type::Timestamp, Type::TimestampTz});
    for (Type t : {Type::Bool, Type::Numeric, Type::Text, Type::Bytea, Type::Time, Type::Interval, Type::Uuid,
                   Type::Jsonb})
        pairs.emplace_back(t, t);
    struct Cmp {
        const char* name;
        bool (*test)(int);
    };
    static const Cmp cmps[] = {{"=", [](int r) { return r == 0; }},  {"<>", [](int r) { return r != 0; }},
                               {"<", [](int r) { return r < 0; }},   {"<=", [](int r) { return r <= 0; }},
                               {">", [](int r) { return r > 0; }},   {">=", [](int r) { return r >= 0; }}};
    for (auto [l, r] : pairs) {
        for (const Cmp& cmp : cmps) {
            auto test = cmp.test;
            add(c, cmp.name, {l, r}, Type::Bool, [test](std::span<const Value> a) -> Result<Value> {
                return Value::boolean(test(compare_same_family(a[0], a[1])));
            });
        }
    }
}

/// text || text, and text || anynonarray through the other side's cast to text.
Result<Value> concat_text(std::span<const Value> a) {
    auto l = cast_value(a[0], Type::Text);
    auto r = cast_value(a[1], Type::Text);
    if (!l || !r)
        return l ? r.error() : l.error();
    return Value::text(l->as_string() + r->as_string());
}

void register_text(Catalog& c) {
    add(c, "||", {Type::Text, Type::Text}, Type::Text, concat_text);
    add(c, "||", {Type::Bytea, Type::Bytea}, Type::Bytea, [](std::span<const Value> a) -> Result<Value> {
        return Value::string(Type::Bytea, a[0].as_string() + a[1].as_string());
    });
    struct Like {
        const char* name;
        bool insensitive, negate;
    };
    for (Like l : {Like{"~~", false, false}, Like{"~~*", true, false}, Like{"!~~", false, true},
                   Like{"!~~*", true, true}}) {
        add(c, l.name, {Type::Text, Type::Text}, Type::Bool, [l](std::span<const Value> a) -> Result<Value> {
            auto m = like_match(a[0].as_string(), a[1].as_string(), l.insensitive);
            if (!m)
                return m.error();
            return Value::boolean(*m != l.negate);
        });
    }
}

const Catalog& operator_catalog() {
    static const Catalog catalog = [] {
        Catalog c;
        register_numeric(c);
        register_comparisons(c);
        register_text(c);
        register_regex_operators(c);
        register_temporal_operators(c);
        return c;
    }();
    return catalog;
}

ScalarImpl make_impl(std::string_view name, const Overload& o) {
    return ScalarImpl{std::string(name), o.params, o.result, o.strict, o.volatile_fn, o.fn};
}

std::string describe(std::string_view op, Type left, Type right, bool unary) {
    if (unary)
        return std::string(op) + " " + std::string(type_name(right));
    return std::string(type_name(left)) + " " + std::string(op) + " " + std::string(type_name(right));
}

} // namespace

Result<ScalarImpl> resolve_operator(std::string_view op_in, Type left, Type right, bool unary) {
    std::string_view op = op_in == "!=" ? "<>" : op_in;
    std::vector<Overload> cands;
    for (const auto& [name, o] : operator_catalog()) {
        if (name == op && o.params.size() == (unary ? 1u : 2u))
            cands.push_back(o);
    }
    std::vector<Type> args = unary ? std::vector<Type>{right} : std::vector<Type>{left, right};
    // binary_oper_exact: an unknown literal first tries the other side's type
    if (!unary && (left == Type::Unknown) != (right == Type::Unknown)) {
        Type known = left == Type::Unknown ? right : left;
        for (const Overload& o : cands) {
            if (o.params[0] == known && o.params[1] == known)
                return make_impl(op, o);
        }
    }
    int pick = select_overload(cands, args);
    if (pick >= 0)
        return make_impl(op, cands[pick]);
    // text || anynonarray and anynonarray || text print the other side with its output function
    if (op == "||" && pick == kNoMatch) {
        bool l_text = is_string_family(left), r_text = is_string_family(right);
        if (l_text != r_text) {
            Overload o{{l_text ? Type::Text : left, r_text ? Type::Text : right}, Type::Text, concat_text};
            return make_impl(op, o);
        }
    }
    if (pick == kAmbiguous) {
        Error e = Error::make("42725", "operator is not unique: " + describe(op, left, right, unary));
        e.hint = "Could not choose a best candidate operator. You might need to add explicit type casts.";
        return e;
    }
    Error e = Error::make("42883", "operator does not exist: " + describe(op, left, right, unary));
    e.hint = "No operator matches the given name and argument types. You might need to add explicit type casts.";
    return e;
}

} // namespace nectar::federation
