// to_char(number, template): PostgreSQL's numeric templates 9 0 . D , G S MI PL SG FM and
// "quoted text". The value is rounded to the template's fraction digits, then laid out right-
// aligned in its digit positions; a value too wide for them prints as '#'. The other template
// keywords (PR, L, V, EEEE, RN, TH, B) are refused with 0A000 rather than printed wrongly.

#include "federation/expr/overload.hpp"

#include <cctype>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace nectar::federation::expr {

namespace {

enum class Tok { Digit9, Digit0, Point, Comma, S, MI, PL, SG, Text };

struct Token {
    Tok kind;
    std::string text; ///< Tok::Text only
};

struct Template {
    std::vector<Token> tokens;
    bool fill_mode = false;
    int pre = 0, post = 0;        ///< digit positions before and after the point
    int first_int_zero = -1;      ///< int position of the first '0' (forces digits from there on)
    int last_frac_zero = -1;      ///< frac position of the last '0' (FM keeps zeros up to it)
    bool floating_sign_s = false; ///< S before the digits: the sign goes right before the number
    bool default_sign = true;     ///< no S, MI or SG: a sign column before the number
};

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size())
        return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        if (std::toupper(static_cast<unsigned char>(s[i])) != prefix[i])
            return false;
    }
    return true;
}

Result<Template> parse_template(std::string_view t) {
    Template out;
    bool seen_point = false, seen_digit = false;
    for (size_t i = 0; i < t.size();) {
        char c = t[i];
        std::string_view rest = t.substr(i);
        if (c == '9' || c == '0') {
            if (c == '0') {
                if (!seen_point && out.first_int_zero < 0)
                    out.first_int_zero = out.pre;
                if (seen_point)
                    out.last_frac_zero = out.post;
            }
            (seen_point ? out.post : out.pre)++;
            out.tokens.push_back({c == '9' ? Tok::Digit9 : Tok::Digit0, {}});
            seen_digit = true;
            ++i;
        } else if (c == '.' || c == 'D' || c == 'd') {
            if (seen_point)
                return Error::make("42601", "multiple decimal points");
            seen_point = true;
            out.tokens.push_back({Tok::Point, {}});
            ++i;
        } else if (c == ',' || c == 'G' || c == 'g') {
            out.tokens.push_back({Tok::Comma, {}});
            ++i;
        } else if (starts_with_ci(rest, "FM")) {
            out.fill_mode = true;
            i += 2;
        } else if (starts_with_ci(rest, "MI") || starts_with_ci(rest, "PL") || starts_with_ci(rest, "SG")) {
            char k = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            out.tokens.push_back({k == 'M' ? Tok::MI : k == 'P' ? Tok::PL : Tok::SG, {}});
            out.default_sign = out.default_sign && k == 'P';
            i += 2;
        } else if (starts_with_ci(rest, "PR") || starts_with_ci(rest, "EEEE") || starts_with_ci(rest, "RN") ||
                   starts_with_ci(rest, "TH") || c == 'L' || c == 'l' || c == 'V' || c == 'v' || c == 'B' ||
                   c == 'b') {
            return Error::make("0A000", "to_char template pattern \"" + std::string(rest.substr(0, 2)) +
                                            "\" is not supported by Nectar's federated engine");
        } else if (c == 'S' || c == 's') {
            out.tokens.push_back({Tok::S, {}});
            out.floating_sign_s = !seen_digit && !seen_point;
            out.default_sign = false;
            ++i;
        } else if (c == '"') {
            std::string lit;
            for (++i; i < t.size() && t[i] != '"'; ++i) {
                if (t[i] == '\\' && i + 1 < t.size())
                    ++i;
                lit += t[i];
            }
            ++i;
            out.tokens.push_back({Tok::Text, lit});
        } else {
            bool quote = c == '\\' && i + 1 < t.size() && t[i + 1] == '"';
            out.tokens.push_back({Tok::Text, quote ? "\"" : std::string(1, c)});
            i += quote ? 2 : 1;
        }
    }
    return out;
}

/// The value's sign and digits after rounding to `post` fraction digits, as PostgreSQL gets them:
/// numeric rounds half away from zero; floats print with printf and at most DBL_DIG/FLT_DIG digits.
struct Digits {
    bool negative = false;
    std::string int_part, frac_part;
};

Digits split_text(std::string s) {
    Digits d;
    if (!s.empty() && s[0] == '-') {
        d.negative = true;
        s.erase(0, 1);
    }
    size_t dot = s.find('.');
    d.int_part = s.substr(0, dot);
    if (dot != std::string::npos)
        d.frac_part = s.substr(dot + 1);
    return d;
}

Digits digits_of(const Value& v, int post) {
    Digits d;
    if (is_integer(v.type())) {
        d = split_text(std::to_string(v.as_int()));
    } else if (v.type() == Type::Numeric) {
        d = split_text(to_decimal(v).round(post).to_string());
    } else {
        int max_digits = v.type() == Type::Float4 ? FLT_DIG : DBL_DIG;
        double x = v.as_float();
        char buf[512];
        std::snprintf(buf, sizeof buf, "%.0f", std::fabs(x));
        int int_len = static_cast<int>(std::strlen(buf));
        int shown = int_len >= max_digits ? 0 : std::min(post, max_digits - int_len);
        std::snprintf(buf, sizeof buf, "%.*f", shown, x);
        d = split_text(buf);
    }
    if (is_integer(v.type()) || v.type() == Type::Numeric)
        d.frac_part.resize(static_cast<size_t>(post), '0');
    return d; // a float's frac_part may be shorter than the template asks: those positions print nothing
}

/// Lays the digits out along the template; see the file comment.
std::string layout(const Template& t, const Digits& d) {
    const bool fm = t.fill_mode;
    const bool overflow = static_cast<int>(d.int_part.size()) > t.pre;
    const size_t frac_len = d.frac_part.size(); // no fraction digits: no decimal point either
    size_t frac_keep = frac_len;
    if (fm) { // FM drops trailing fraction zeros that only '9' positions asked for
        size_t last = d.frac_part.find_last_not_of('0');
        frac_keep = std::max<size_t>(last == std::string::npos ? 0 : last + 1, static_cast<size_t>(t.last_frac_zero + 1));
        frac_keep = std::min(frac_keep, frac_len);
    }
    std::string ints = d.int_part;
    if (ints == "0" && frac_len > 0 && t.first_int_zero < 0 && !(fm && frac_keep == 0))
        ints.clear(); // 0.5 prints as ".50", not "0.50", unless a '0' position asks for it
    int width = static_cast<int>(ints.size());
    if (t.first_int_zero >= 0)
        width = std::max(width, t.pre - t.first_int_zero);
    if (overflow)
        width = t.pre;
    ints.insert(0, static_cast<size_t>(std::max(0, width - static_cast<int>(ints.size()))), '0');
    const int pad = t.pre - width;

    std::string out;
    bool sign_done = false, started = false;
    int ip = 0, fp = 0;
    auto put_floating_sign = [&] {
        if (sign_done)
            return;
        sign_done = true;
        if (t.floating_sign_s)
            out += d.negative ? '-' : '+';
        else if (t.default_sign && (d.negative || !fm))
            out += d.negative ? '-' : ' ';
    };
    for (const Token& tok : t.tokens) {
        switch (tok.kind) {
        case Tok::Digit9:
        case Tok::Digit0:
            if (ip < t.pre) {
                int p = ip++;
                if (p < pad) {
                    if (!fm)
                        out += ' ';
                    break;
                }
                put_floating_sign();
                out += overflow ? '#' : ints[static_cast<size_t>(p - pad)];
                started = true;
            } else {
                size_t p = static_cast<size_t>(fp++);
                if (overflow || p < frac_keep)
                    out += overflow ? '#' : d.frac_part[p];
            }
            break;
        case Tok::Point:
            if (frac_len == 0 && !overflow)
                break;
            put_floating_sign();
            out += '.';
            started = true;
            break;
        case Tok::Comma:
            if (started)
                out += ',';
            else if (!fm)
                out += ' ';
            break;
        case Tok::S:
            if (!t.floating_sign_s)
                out += d.negative ? '-' : '+';
            break;
        case Tok::MI:
            if (d.negative || !fm)
                out += d.negative ? '-' : ' ';
            break;
        case Tok::PL:
            if (!d.negative || !fm)
                out += d.negative ? ' ' : '+';
            break;
        case Tok::SG:
            out += d.negative ? '-' : '+';
            break;
        case Tok::Text:
            out += tok.text;
            break;
        }
    }
    return out;
}

} // namespace

Result<Value> to_char_number(const Value& v, std::string_view tmpl) {
    auto t = parse_template(tmpl);
    if (!t)
        return t.error();
    bool special = (v.type() == Type::Numeric && to_decimal(v).is_nan()) ||
                   ((v.type() == Type::Float4 || v.type() == Type::Float8) && !std::isfinite(v.as_float()));
    if (special)
        return Error::make("0A000", "to_char of NaN or infinity is not supported by Nectar's federated engine");
    return Value::text(layout(*t, digits_of(v, t->post)));
}

} // namespace nectar::federation::expr
