// PostgreSQL's overload resolution (parse_func.c's func_select_candidate, described in the
// "Type Conversion" chapter of the manual) over the engine's small catalog, and shared helpers.

#include "federation/expr/overload.hpp"

#include <cmath>
#include <limits>

namespace nectar::federation::expr {

char type_category(Type t) {
    switch (t) {
    case Type::Bool:
        return 'B';
    case Type::Int2:
    case Type::Int4:
    case Type::Int8:
    case Type::Float4:
    case Type::Float8:
    case Type::Numeric:
        return 'N';
    case Type::Text:
    case Type::Varchar:
        return 'S';
    case Type::Date:
    case Type::Time:
    case Type::Timestamp:
    case Type::TimestampTz:
        return 'D';
    case Type::Interval:
        return 'T';
    case Type::Unknown:
        return 'X';
    default:
        return 'U'; // bytea, uuid, json, jsonb
    }
}

bool is_preferred_type(Type t) {
    return t == Type::Float8 || t == Type::Text || t == Type::TimestampTz || t == Type::Interval ||
           t == Type::Bool;
}

namespace {

using Indexes = std::vector<int>;

/// Keeps the candidates with the highest score.
template <typename Score> Indexes keep_best(const Indexes& in, Score score) {
    Indexes best;
    int best_score = -1;
    for (int c : in) {
        int s = score(c);
        if (s > best_score) {
            best_score = s;
            best.clear();
        }
        if (s == best_score)
            best.push_back(c);
    }
    return best;
}

bool coercible(std::span<const Type> args, const std::vector<Type>& params) {
    for (size_t i = 0; i < args.size(); ++i) {
        if (!can_cast_implicitly(args[i], params[i]))
            return false;
    }
    return true;
}

/// Step "try assigning types for the unknown inputs": string category wins, else one category.
Indexes resolve_unknowns(const std::vector<Overload>& cands, const Indexes& in, std::span<const Type> args) {
    size_t n = args.size();
    std::vector<char> slot_category(n, 0);
    std::vector<bool> slot_preferred(n, false);
    for (size_t i = 0; i < n; ++i) {
        if (args[i] != Type::Unknown)
            continue;
        bool conflict = false;
        for (int c : in) {
            Type t = cands[c].params[i];
            char cat = type_category(t);
            if (slot_category[i] == 0) {
                slot_category[i] = cat;
                slot_preferred[i] = is_preferred_type(t);
            } else if (cat == slot_category[i]) {
                slot_preferred[i] = slot_preferred[i] || is_preferred_type(t);
            } else if (cat == 'S') {
                slot_category[i] = cat;
                slot_preferred[i] = is_preferred_type(t);
            } else {
                conflict = true;
            }
        }
        if (conflict && slot_category[i] != 'S')
            return in; // unresolved: leave the set as it was
    }
    Indexes kept;
    for (int c : in) {
        bool keep = true;
        for (size_t i = 0; i < n && keep; ++i) {
            if (args[i] != Type::Unknown)
                continue;
            Type t = cands[c].params[i];
            keep = type_category(t) == slot_category[i] && (!slot_preferred[i] || is_preferred_type(t));
        }
        if (keep)
            kept.push_back(c);
    }
    return kept;
}

/// Last heuristic: when all known inputs share one type, treat the unknowns as that type.
int assume_known_type(const std::vector<Overload>& cands, const Indexes& in, std::span<const Type> args) {
    Type known = Type::Unknown;
    for (Type a : args) {
        if (a == Type::Unknown)
            continue;
        if (known == Type::Unknown) {
            known = a;
        } else if (known != a) {
            return kAmbiguous;
        }
    }
    if (known == Type::Unknown)
        return kAmbiguous;
    std::vector<Type> assumed(args.size(), known);
    int match = kAmbiguous;
    for (int c : in) {
        if (coercible(assumed, cands[c].params)) {
            if (match != kAmbiguous)
                return kAmbiguous;
            match = c;
        }
    }
    return match;
}

} // namespace

int select_overload(const std::vector<Overload>& cands, std::span<const Type> args) {
    Indexes viable;
    for (size_t c = 0; c < cands.size(); ++c) {
        if (cands[c].params.size() != args.size())
            continue;
        if (cands[c].params == std::vector<Type>(args.begin(), args.end()))
            return static_cast<int>(c); // exact match
        if (coercible(args, cands[c].params))
            viable.push_back(static_cast<int>(c));
    }
    if (viable.empty())
        return kNoMatch;
    if (viable.size() == 1)
        return viable[0];

    size_t unknowns = 0;
    for (Type a : args)
        unknowns += a == Type::Unknown;
    viable = keep_best(viable, [&](int c) {
        int n = 0;
        for (size_t i = 0; i < args.size(); ++i)
            n += args[i] != Type::Unknown && cands[c].params[i] == args[i];
        return n;
    });
    if (viable.size() == 1)
        return viable[0];
    viable = keep_best(viable, [&](int c) {
        int n = 0;
        for (size_t i = 0; i < args.size(); ++i) {
            Type p = cands[c].params[i];
            bool preferred = is_preferred_type(p) && type_category(p) == type_category(args[i]);
            n += args[i] != Type::Unknown && (p == args[i] || preferred);
        }
        return n;
    });
    if (viable.size() == 1)
        return viable[0];
    if (unknowns == 0)
        return kAmbiguous;
    viable = resolve_unknowns(cands, viable, args);
    if (viable.size() == 1)
        return viable[0];
    if (viable.empty() || unknowns == args.size())
        return kAmbiguous;
    return assume_known_type(cands, viable, args);
}

Error int_out_of_range(Type t) {
    const char* msg = t == Type::Int2   ? "smallint out of range"
                      : t == Type::Int8 ? "bigint out of range"
                                        : "integer out of range";
    return Error::make("22003", msg);
}

Result<Value> checked_int(Type t, __int128 v) {
    __int128 lo = t == Type::Int2   ? std::numeric_limits<int16_t>::min()
                  : t == Type::Int4 ? std::numeric_limits<int32_t>::min()
                                    : std::numeric_limits<int64_t>::min();
    __int128 hi = t == Type::Int2   ? std::numeric_limits<int16_t>::max()
                  : t == Type::Int4 ? std::numeric_limits<int32_t>::max()
                                    : std::numeric_limits<int64_t>::max();
    if (v < lo || v > hi)
        return int_out_of_range(t);
    return Value::integer(t, static_cast<int64_t>(v));
}

Result<Value> checked_float(Type t, double result, bool inputs_infinite, bool underflow_possible) {
    if (t == Type::Float4)
        result = static_cast<float>(result);
    if (std::isinf(result) && !inputs_infinite)
        return Error::make("22003", "value out of range: overflow");
    if (result == 0.0 && underflow_possible)
        return Error::make("22003", "value out of range: underflow");
    return Value::floating(t, result);
}

Error division_by_zero() { return Error::make("22012", "division by zero"); }

Decimal to_decimal(const Value& v) {
    if (is_integer(v.type()))
        return Decimal::from_int(v.as_int());
    if (v.type() == Type::Float4 || v.type() == Type::Float8) {
        auto d = Decimal::from_double(v.as_float());
        return d ? *d : Decimal::nan();
    }
    auto d = Decimal::parse(v.as_string());
    return d ? *d : Decimal::nan();
}

double to_double(const Value& v) {
    if (is_integer(v.type()))
        return static_cast<double>(v.as_int());
    if (v.type() == Type::Numeric)
        return to_decimal(v).to_double();
    return v.as_float();
}

int64_t date_to_timestamp(int64_t days) {
    if (days == kDateInfinity)
        return kTimestampInfinity;
    if (days == kDateMinusInfinity)
        return kTimestampMinusInfinity;
    return days * kMicrosPerDay;
}

std::string type_list(std::span<const Type> args) {
    std::string out;
    for (size_t i = 0; i < args.size(); ++i) {
        if (i > 0)
            out += ", ";
        out += type_name(args[i]);
    }
    return out;
}

} // namespace nectar::federation::expr
