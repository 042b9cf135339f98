// resolve_function: the scalar function catalog (string, math, date/time functions registered
// by their own files) plus the variadic ones, concat, concat_ws, greatest and least.

#include "federation/expr/compare.hpp"
#include "federation/expr/functions.hpp"
#include "federation/expr/overload.hpp"

namespace nectar::federation {

using namespace expr;

namespace {

using Catalog = std::vector<std::pair<std::string, Overload>>;
using Args = std::span<const Value>;

const Catalog& function_catalog() {
    static const Catalog catalog = [] {
        Catalog c;
        register_string_functions(c);
        register_math_functions(c);
        register_datetime_functions(c);
        register_regex_functions(c);
        register_formatting_functions(c);
        return c;
    }();
    return catalog;
}

/// Parameter types for "any" arguments: unknown literals become text, the rest stay as they are.
std::vector<Type> any_params(std::span<const Type> args) {
    std::vector<Type> params(args.begin(), args.end());
    for (Type& t : params) {
        if (t == Type::Unknown)
            t = Type::Text;
    }
    return params;
}

ScalarImpl concat_impl(std::span<const Type> args, bool with_separator) {
    ScalarImpl impl{with_separator ? "concat_ws" : "concat", any_params(args), Type::Text, false, false, {}};
    impl.fn = [with_separator](Args a) -> Result<Value> {
        if (with_separator && a[0].is_null())
            return Value::null(Type::Text);
        std::string out;
        bool first = true;
        for (size_t i = with_separator ? 1 : 0; i < a.size(); ++i) {
            if (a[i].is_null())
                continue;
            if (with_separator && !first)
                out += a[0].as_string();
            out += to_pg_text(a[i]);
            first = false;
        }
        return Value::text(std::move(out));
    };
    return impl;
}

Result<ScalarImpl> extremum_impl(std::string_view name, std::span<const Type> args) {
    bool greatest = name == "greatest";
    Type common = Type::Unknown;
    for (Type t : args) {
        auto r = common_type(common, t, greatest ? "GREATEST" : "LEAST");
        if (!r)
            return r.error();
        common = *r;
    }
    if (common == Type::Unknown)
        common = Type::Text;
    ScalarImpl impl{std::string(name), std::vector<Type>(args.size(), common), common, false, false, {}};
    impl.fn = [greatest, common](Args a) -> Result<Value> {
        const Value* best = nullptr;
        for (const Value& v : a) {
            if (v.is_null())
                continue;
            int c = best ? compare_same_family(v, *best) : 0;
            if (!best || (greatest ? c > 0 : c < 0))
                best = &v;
        }
        return best ? *best : Value::null(common);
    };
    return impl;
}

Error function_error(std::string_view name, std::span<const Type> args, bool ambiguous) {
    std::string sig = std::string(name) + "(" + type_list(args) + ")";
    if (ambiguous) {
        Error e = Error::make("42725", "function " + sig + " is not unique");
        e.hint = "Could not choose a best candidate function. You might need to add explicit type casts.";
        return e;
    }
    Error e = Error::make("42883", "function " + sig + " does not exist");
    e.hint = "No function matches the given name and argument types. You might need to add explicit type casts.";
    return e;
}

} // namespace

Result<ScalarImpl> resolve_function(std::string_view name, std::span<const Type> args) {
    if (name == "concat" && !args.empty())
        return concat_impl(args, false);
    if (name == "concat_ws" && !args.empty() && can_cast_implicitly(args[0], Type::Text)) {
        auto impl = concat_impl(args, true);
        impl.params[0] = Type::Text;
        return impl;
    }
    if ((name == "greatest" || name == "least") && !args.empty())
        return extremum_impl(name, args);
    std::vector<Overload> cands;
    for (const auto& [n, o] : function_catalog()) {
        if (n == name)
            cands.push_back(o);
    }
    int pick = select_overload(cands, args);
    if (pick < 0)
        return function_error(name, args, pick == kAmbiguous);
    const Overload& o = cands[pick];
    return ScalarImpl{std::string(name), o.params, o.result, o.strict, o.volatile_fn, o.fn};
}

} // namespace nectar::federation
