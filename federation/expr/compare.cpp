// Comparison across the types of one family, and LIKE matching.

#include "federation/expr/compare.hpp"

#include "federation/expr/overload.hpp"
#include "federation/types/datetime.hpp"

#include <cmath>
#include <vector>

namespace nectar::federation::expr {

namespace {

template <typename T> int three_way(T a, T b) { return a < b ? -1 : (a > b ? 1 : 0); }

int compare_floats(double a, double b) {
    if (std::isnan(a))
        return std::isnan(b) ? 0 : 1;
    if (std::isnan(b))
        return -1;
    return three_way(a, b);
}

/// Microseconds of a date, timestamp or timestamptz (the session time zone is UTC).
int64_t temporal_micros(const Value& v) {
    return v.type() == Type::Date ? date_to_timestamp(v.as_int()) : v.as_int();
}

__int128 interval_span(const Interval& iv) {
    return (static_cast<__int128>(iv.months) * 30 + iv.days) * kMicrosPerDay + iv.micros;
}

} // namespace

int compare_same_family(const Value& a, const Value& b) {
    Type ta = a.type(), tb = b.type();
    if (is_integer(ta) && is_integer(tb))
        return three_way(a.as_int(), b.as_int());
    if (ta == Type::Numeric && tb == Type::Numeric)
        return to_decimal(a).compare(to_decimal(b));
    if (is_numeric_family(ta) && is_numeric_family(tb)) {
        if (ta == Type::Numeric || tb == Type::Numeric) {
            if (ta != Type::Float4 && ta != Type::Float8 && tb != Type::Float4 && tb != Type::Float8)
                return to_decimal(a).compare(to_decimal(b));
        }
        return compare_floats(to_double(a), to_double(b));
    }
    bool ts_a = ta == Type::Date || ta == Type::Timestamp || ta == Type::TimestampTz;
    bool ts_b = tb == Type::Date || tb == Type::Timestamp || tb == Type::TimestampTz;
    if (ts_a && ts_b)
        return three_way(temporal_micros(a), temporal_micros(b));
    switch (ta) {
    case Type::Bool:
    case Type::Time:
        return three_way(a.as_int(), b.as_int());
    case Type::Interval:
        return three_way(interval_span(a.as_interval()), interval_span(b.as_interval()));
    case Type::Text:
    case Type::Unknown:
    case Type::Bytea:
    case Type::Uuid: {
        int r = a.as_string().compare(b.as_string()); // char_traits<char> compares as unsigned bytes
        return three_way(r, 0);
    }
    default:
        return compare_values(a, b);
    }
}

namespace {

enum class Tok { Any, One, Lit, TrailingEscape };
struct Token {
    Tok kind;
    std::string_view lit;
};

size_t utf8_len(unsigned char c) {
    if (c < 0x80)
        return 1;
    if ((c >> 5) == 0x6)
        return 2;
    if ((c >> 4) == 0xE)
        return 3;
    if ((c >> 3) == 0x1E)
        return 4;
    return 1;
}

std::vector<std::string_view> characters(std::string_view s) {
    std::vector<std::string_view> out;
    for (size_t i = 0; i < s.size();) {
        size_t n = std::min(utf8_len(static_cast<unsigned char>(s[i])), s.size() - i);
        out.push_back(s.substr(i, n));
        i += n;
    }
    return out;
}

Result<bool> like_match_exact(std::string_view text, std::string_view pattern) {
    std::vector<Token> toks;
    auto pchars = characters(pattern);
    for (size_t i = 0; i < pchars.size(); ++i) {
        if (pchars[i] == "\\") {
            // PostgreSQL complains only if matching reaches the dangling escape
            toks.push_back(i + 1 == pchars.size() ? Token{Tok::TrailingEscape, {}} : Token{Tok::Lit, pchars[++i]});
        } else if (pchars[i] == "%") {
            if (toks.empty() || toks.back().kind != Tok::Any)
                toks.push_back({Tok::Any, {}});
        } else {
            toks.push_back({pchars[i] == "_" ? Tok::One : Tok::Lit, pchars[i]});
        }
    }
    auto tchars = characters(text);
    // Greedy match remembering the last %: a later mismatch retries with the % eating one more char.
    size_t t = 0, p = 0, star_p = SIZE_MAX, star_t = 0;
    while (t < tchars.size()) {
        if (p < toks.size() && toks[p].kind == Tok::TrailingEscape)
            return Error::make("22025", "LIKE pattern must not end with escape character");
        if (p < toks.size() && toks[p].kind == Tok::Any) {
            star_p = p++;
            star_t = t;
        } else if (p < toks.size() &&
                   (toks[p].kind == Tok::One || toks[p].lit == tchars[t])) {
            ++p;
            ++t;
        } else if (star_p != SIZE_MAX) {
            p = star_p + 1;
            t = ++star_t;
        } else {
            return false;
        }
    }
    while (p < toks.size() && toks[p].kind == Tok::Any)
        ++p;
    return p == toks.size();
}

} // namespace

Result<bool> like_match(std::string_view text, std::string_view pattern, bool ci) {
    if (!ci)
        return like_match_exact(text, pattern);
    // ILIKE in a UTF-8 database: PostgreSQL lower()s both sides, then matches exactly.
    return like_match_exact(utf8_lower(text), utf8_lower(pattern));
}

} // namespace nectar::federation::expr
