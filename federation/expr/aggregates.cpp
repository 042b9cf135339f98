// Aggregates with PostgreSQL's signatures and result types: count, sum, avg, min/max,
// string_agg, bool_and/bool_or/every, array_agg (as its text form), stddev/variance families.

#include "federation/expr/aggregate_states.hpp"
#include "federation/expr/functions.hpp"
#include "federation/expr/overload.hpp"

#include <algorithm>
#include <array>

namespace nectar::federation {

using namespace expr;

namespace {

using Factory = std::function<std::unique_ptr<AggregateState>()>;

struct AggDef {
    std::string name;
    Type param;
    Type result;
    Factory make;
};

template <typename S, typename... A> Factory factory(A... a) {
    return [=] { return std::make_unique<S>(a...); };
}

void add_sum_avg(std::vector<AggDef>& defs) {
    for (Type t : {Type::Int2, Type::Int4}) {
        defs.push_back({"sum", t, Type::Int8, factory<SumIntState>()});
        defs.push_back({"avg", t, Type::Numeric, factory<DecimalSumState>(DecimalSumState::Avg)});
    }
    for (Type t : {Type::Int8, Type::Numeric}) {
        defs.push_back({"sum", t, Type::Numeric, factory<DecimalSumState>(DecimalSumState::Sum)});
        defs.push_back({"avg", t, Type::Numeric, factory<DecimalSumState>(DecimalSumState::Avg)});
    }
    defs.push_back({"sum", Type::Float4, Type::Float4, factory<FloatSumState>(Type::Float4, false)});
    defs.push_back({"sum", Type::Float8, Type::Float8, factory<FloatSumState>(Type::Float8, false)});
    for (Type t : {Type::Float4, Type::Float8})
        defs.push_back({"avg", t, Type::Float8, factory<FloatSumState>(Type::Float8, true)});
    defs.push_back({"sum", Type::Interval, Type::Interval, factory<IntervalSumState>()});
}

void add_statistics(std::vector<AggDef>& defs) {
    struct Stat {
        const char* name;
        bool sample, stddev;
    };
    static const Stat stats[] = {{"stddev", true, true},    {"stddev_samp", true, true}, {"stddev_pop", false, true},
                                 {"variance", true, false}, {"var_samp", true, false},   {"var_pop", false, false}};
    for (const Stat& s : stats) {
        for (Type t : {Type::Int2, Type::Int4, Type::Int8, Type::Numeric})
            defs.push_back({s.name, t, Type::Numeric, factory<DecimalVarianceState>(s.sample, s.stddev)});
        for (Type t : {Type::Float4, Type::Float8})
            defs.push_back({s.name, t, Type::Float8, factory<FloatVarianceState>(s.sample, s.stddev)});
    }
}

const std::vector<AggDef>& aggregate_catalog() {
    static const std::vector<AggDef> defs = [] {
        std::vector<AggDef> d;
        add_sum_avg(d);
        add_statistics(d);
        for (Type t : {Type::Int2, Type::Int4, Type::Int8, Type::Float4, Type::Float8, Type::Numeric, Type::Text,
                       Type::Date, Type::Time, Type::Timestamp, Type::TimestampTz, Type::Interval}) {
            d.push_back({"min", t, t, factory<ExtremumState>(t, false)});
            d.push_back({"max", t, t, factory<ExtremumState>(t, true)});
        }
        for (const char* name : {"bool_and", "every"})
            d.push_back({name, Type::Bool, Type::Bool, factory<BoolState>(true)});
        d.push_back({"bool_or", Type::Bool, Type::Bool, factory<BoolState>(false)});
        return d;
    }();
    return defs;
}

Error no_aggregate(std::string_view name, std::span<const Type> args, bool ambiguous) {
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

Type any_param(Type t) { return t == Type::Unknown ? Type::Text : t; }

} // namespace

bool is_aggregate_name(std::string_view name) {
    static const std::array<std::string_view, 16> names = {
        "count",  "sum",         "avg",        "min",      "max",      "string_agg", "bool_and", "bool_or",
        "every",  "stddev",      "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop", "array_agg"};
    return std::find(names.begin(), names.end(), name) != names.end();
}

Result<AggregateImpl> resolve_aggregate(std::string_view name, std::span<const Type> args, bool star) {
    if (name == "count" && (star || args.size() == 1)) {
        std::vector<Type> params;
        if (!star)
            params.push_back(any_param(args[0]));
        return AggregateImpl{"count", params, Type::Int8, factory<CountState>(star)};
    }
    if (name == "array_agg" && args.size() == 1)
        return AggregateImpl{"array_agg", {any_param(args[0])}, Type::Text, factory<ArrayAggState>()};
    if (name == "string_agg" && args.size() == 2) {
        Type t = args[0] == Type::Bytea || args[1] == Type::Bytea ? Type::Bytea : Type::Text;
        if (can_cast_implicitly(args[0], t) && can_cast_implicitly(args[1], t))
            return AggregateImpl{"string_agg", {t, t}, t, factory<StringAggState>(t)};
        return no_aggregate(name, args, false);
    }
    std::vector<Overload> cands;
    std::vector<const AggDef*> defs;
    for (const AggDef& d : aggregate_catalog()) {
        if (d.name == name && args.size() == 1) {
            cands.push_back(Overload{{d.param}, d.result, {}});
            defs.push_back(&d);
        }
    }
    int pick = select_overload(cands, args);
    if (pick < 0)
        return no_aggregate(name, args, pick == kAmbiguous);
    const AggDef& d = *defs[pick];
    return AggregateImpl{d.name, {d.param}, d.result, d.make};
}

} // namespace nectar::federation
