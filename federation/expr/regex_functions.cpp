// Regular expressions: the ~ ~* !~ !~* operators, regexp_replace, regexp_like, regexp_count,
// regexp_substr and substring(text, pattern).
//
// PostgreSQL matches with its own ARE engine; Nectar uses the C library's POSIX ERE (regcomp with
// REG_EXTENDED, glibc) under the C.UTF-8 locale so that '.', brackets and REG_ICASE work per
// character. Differences: lazy quantifiers (*? +? ??) match greedily, lookaround and embedded
// options are refused (0A000); translate_are() rewrites the ARE escapes ERE lacks.

#include "federation/expr/overload.hpp"

#include <regex.h>

#include <cctype>
#include <list>
#include <memory>
#include <optional>
#include <unordered_map>

namespace nectar::federation::expr {

namespace {

using Catalog = std::vector<std::pair<std::string, Overload>>;
using Args = std::span<const Value>;
const Type TXT = Type::Text, I4 = Type::Int4;

Error invalid_regex(std::string_view why) {
    return Error::make("2201B", "invalid regular expression: " + std::string(why));
}

Error unsupported(std::string_view what) {
    return Error::make("0A000", std::string(what) + " is not supported by Nectar's regular expressions");
}

/// PostgreSQL's wording for each POSIX error code (its regerror() texts).
Error regcomp_error(int code) {
    switch (code) {
    case REG_ECOLLATE:
        return invalid_regex("invalid collating element");
    case REG_ECTYPE:
        return invalid_regex("invalid character class");
    case REG_EESCAPE:
        return invalid_regex("invalid escape \\ sequence");
    case REG_ESUBREG:
        return invalid_regex("invalid backreference number");
    case REG_EBRACK:
        return invalid_regex("brackets [] not balanced");
    case REG_EPAREN:
    case REG_ERPAREN:
        return invalid_regex("parentheses () not balanced");
    case REG_EBRACE:
        return invalid_regex("braces {} not balanced");
    case REG_BADBR:
        return invalid_regex("invalid repetition count(s)");
    case REG_ERANGE:
        return invalid_regex("invalid character range");
    case REG_ESPACE:
        return invalid_regex("out of memory");
    case REG_BADRPT:
        return invalid_regex("quantifier operand invalid");
    case REG_ESIZE:
        return invalid_regex("regular expression is too big");
    default:
        return invalid_regex("invalid regexp (reg version 0.8)");
    }
}

/// An ARE pattern rewritten as POSIX ERE; `captures[n]` is the ERE group of ARE capture n (1-based).
struct Translation {
    std::string ere;
    std::vector<int> captures{0};
};

/// One character of an ARE escape that stands for itself (\t, \n, \., \\ ...); nullopt if unknown.
std::optional<char> escaped_literal(char c) {
    switch (c) {
    case 't':
        return '\t';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 'f':
        return '\f';
    case 'v':
        return '\v';
    case 'a':
        return '\a';
    case 'e':
        return '\x1B';
    default:
        if (static_cast<unsigned char>(c) < 0x80 && !std::isalnum(static_cast<unsigned char>(c)))
            return c;
        return std::nullopt;
    }
}

/// A bracket expression starting at p[i] == '['; ARE allows escapes inside, POSIX does not, so
/// escaped characters become collating symbols ([.].]) and class escapes become [:digit:] etc.
Result<std::string> translate_bracket(std::string_view p, size_t& i) {
    std::string out = "[";
    ++i;
    if (i < p.size() && p[i] == '^')
        out += p[i++];
    bool first = true;
    while (i < p.size() && (p[i] != ']' || first)) {
        first = false;
        char c = p[i];
        if (c == '[' && i + 1 < p.size() && (p[i + 1] == ':' || p[i + 1] == '.' || p[i + 1] == '=')) {
            size_t end = p.find(std::string{p[i + 1], ']'}, i + 2);
            if (end == std::string_view::npos)
                return invalid_regex("brackets [] not balanced");
            out.append(p.substr(i, end + 2 - i));
            i = end + 2;
        } else if (c == '\\' && i + 1 < p.size()) {
            char e = p[i + 1];
            i += 2;
            if (e == 'd' || e == 's' || e == 'w') {
                out += e == 'd' ? "[:digit:]" : e == 's' ? "[:space:]" : "[:alnum:]_";
            } else if (e == 'D' || e == 'S' || e == 'W') {
                return unsupported("a negated class escape inside brackets");
            } else if (auto lit = escaped_literal(e)) {
                out += std::string("[.") + *lit + ".]";
            } else {
                return invalid_regex("invalid escape \\ sequence");
            }
        } else {
            out += c;
            ++i;
        }
    }
    if (i >= p.size())
        return invalid_regex("brackets [] not balanced");
    out += ']';
    ++i;
    return out;
}

/// `\x` outside brackets: class escapes, word-boundary constraints, back references, literals.
Result<std::string> translate_escape(char e, const Translation& t) {
    switch (e) {
    case 'd':
        return std::string("[[:digit:]]");
    case 'D':
        return std::string("[^[:digit:]]");
    case 's':
        return std::string("[[:space:]]");
    case 'S':
        return std::string("[^[:space:]]");
    case 'w':
        return std::string("[[:alnum:]_]");
    case 'W':
        return std::string("[^[:alnum:]_]");
    case 'm':
        return std::string("\\<");
    case 'M':
        return std::string("\\>");
    case 'y':
        return std::string("\\b");
    case 'Y':
        return std::string("\\B");
    case 'A':
        return std::string("\\`");
    case 'Z':
        return std::string("\\'");
    default:
        break;
    }
    if (e >= '1' && e <= '9') {
        size_t n = static_cast<size_t>(e - '0');
        if (n >= t.captures.size())
            return invalid_regex("invalid backreference number");
        return "\\" + std::to_string(t.captures[n]);
    }
    auto lit = escaped_literal(e);
    if (!lit)
        return invalid_regex("invalid escape \\ sequence");
    if (std::string_view("^.[$()|*+?{\\}").find(*lit) != std::string_view::npos)
        return std::string("\\") + *lit;
    return std::string(1, *lit);
}

/// ARE → ERE. Tracks quantifiers so that a lazy '?' is dropped and a doubled one is an error.
Result<Translation> translate_are(std::string_view p, bool expanded) {
    Translation t;
    enum class Prev { Start, Atom, Quant, Lazy } prev = Prev::Start;
    int depth = 0, ere_groups = 0;
    for (size_t i = 0; i < p.size();) {
        char c = p[i];
        if (expanded && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            ++i;
            continue;
        }
        if (expanded && c == '#') {
            size_t nl = p.find('\n', i);
            i = nl == std::string_view::npos ? p.size() : nl + 1;
            continue;
        }
        bool quantifier = c == '*' || c == '+' || c == '?' || c == '{';
        if (quantifier && c == '?' && prev == Prev::Quant) {
            prev = Prev::Lazy; // non-greedy marker: POSIX has none, the match stays greedy
            ++i;
            continue;
        }
        if (quantifier && (prev == Prev::Quant || prev == Prev::Lazy))
            return invalid_regex("quantifier operand invalid");
        if (c == '\\') {
            if (i + 1 >= p.size())
                return invalid_regex("invalid escape \\ sequence");
            auto piece = translate_escape(p[i + 1], t);
            if (!piece)
                return piece.error();
            t.ere += *piece;
            i += 2;
            prev = Prev::Atom;
        } else if (c == '[') {
            auto piece = translate_bracket(p, i);
            if (!piece)
                return piece.error();
            t.ere += *piece;
            prev = Prev::Atom;
        } else if (c == '(') {
            ++depth;
            ++ere_groups;
            if (i + 1 < p.size() && p[i + 1] == '?') {
                if (i + 2 >= p.size() || p[i + 2] != ':')
                    return unsupported("lookaround or an embedded option (?...)");
                i += 3; // (?:...) is still a group in ERE, just not a numbered ARE capture
            } else {
                t.captures.push_back(ere_groups);
                ++i;
            }
            t.ere += '(';
            prev = Prev::Start;
        } else if (c == ')') {
            if (depth-- == 0)
                return invalid_regex("parentheses () not balanced");
            t.ere += c;
            ++i;
            prev = Prev::Atom;
        } else if (c == '{') {
            size_t end = p.find('}', i);
            if (end == std::string_view::npos)
                return invalid_regex("braces {} not balanced");
            t.ere.append(p.substr(i, end + 1 - i));
            i = end + 1;
            prev = Prev::Quant;
        } else {
            t.ere += c;
            ++i;
            prev = quantifier ? Prev::Quant : (c == '|' || c == '^' || c == '$') ? Prev::Start : Prev::Atom;
        }
    }
    return t;
}

/// Makes the C.UTF-8 ctype this thread's locale for one regcomp/regexec (uselocale is per thread).
class Utf8Scope {
  public:
    Utf8Scope()
        : previous_(uselocale(utf8_ctype_locale())) {}
    ~Utf8Scope() { uselocale(previous_); }
    Utf8Scope(const Utf8Scope&) = delete;
    Utf8Scope& operator=(const Utf8Scope&) = delete;

  private:
    locale_t previous_;
};

struct Compiled {
    regex_t re{};
    std::vector<int> captures;
    ~Compiled() { regfree(&re); }
};

struct Options {
    bool icase = false, newline = false, expanded = false, literal = false, global = false;
};

std::string escape_all(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (std::string_view("^.[$()|*+?{\\}").find(c) != std::string_view::npos)
            out += '\\';
        out += c;
    }
    return out;
}

Result<std::shared_ptr<const Compiled>> compile(std::string_view pattern, const Options& o) {
    Translation t;
    if (o.literal) {
        t.ere = escape_all(pattern);
    } else {
        auto tr = translate_are(pattern, o.expanded);
        if (!tr)
            return tr.error();
        t = std::move(*tr);
    }
    auto c = std::make_shared<Compiled>();
    c->captures = std::move(t.captures);
    int flags = REG_EXTENDED | (o.icase ? REG_ICASE : 0) | (o.newline ? REG_NEWLINE : 0);
    Utf8Scope scope;
    int rc = regcomp(&c->re, t.ere.c_str(), flags);
    if (rc != 0) {
        c->re = regex_t{}; // nothing to free
        c.reset();
        return regcomp_error(rc);
    }
    return std::shared_ptr<const Compiled>(std::move(c));
}

/// Compiled patterns by flags and text, most recently used first: per-row calls reuse them.
Result<std::shared_ptr<const Compiled>> cached(std::string_view pattern, const Options& o) {
    constexpr size_t kCapacity = 64;
    using Entry = std::pair<std::string, std::shared_ptr<const Compiled>>;
    thread_local std::list<Entry> lru;
    thread_local std::unordered_map<std::string, std::list<Entry>::iterator> index;
    std::string key{static_cast<char>('0' + o.icase), static_cast<char>('0' + o.newline),
                    static_cast<char>('0' + o.expanded), static_cast<char>('0' + o.literal)};
    key.append(pattern);
    if (auto it = index.find(key); it != index.end()) {
        lru.splice(lru.begin(), lru, it->second);
        return it->second->second;
    }
    auto c = compile(pattern, o);
    if (!c)
        return c.error();
    lru.emplace_front(key, *c);
    index[key] = lru.begin();
    if (lru.size() > kCapacity) {
        index.erase(lru.back().first);
        lru.pop_back();
    }
    return *c;
}

/// Byte ranges of the whole match (index 0) and of each ERE group; -1 where a group did not take part.
using Match = std::vector<regmatch_t>;

/// The first match at or after byte `from`; ^ and \m still see the text before `from`.
std::optional<Match> search(const Compiled& c, const std::string& s, size_t from) {
    Match m(c.re.re_nsub + 1);
    m[0].rm_so = static_cast<regoff_t>(from);
    m[0].rm_eo = static_cast<regoff_t>(s.size());
    Utf8Scope scope;
    if (regexec(&c.re, s.c_str(), m.size(), m.data(), REG_STARTEND) != 0)
        return std::nullopt;
    return m;
}

/// Every match from byte `from` on, as PostgreSQL steps: after an empty match, one character on.
template <typename F> void each_match(const Compiled& c, const std::string& s, size_t from, F on_match) {
    while (from <= s.size()) {
        auto m = search(c, s, from);
        if (!m || !on_match(*m))
            return;
        size_t so = static_cast<size_t>((*m)[0].rm_so), eo = static_cast<size_t>((*m)[0].rm_eo);
        from = eo > so ? eo : eo + (eo < s.size() ? utf8_char_len(static_cast<unsigned char>(s[eo])) : 1);
    }
}

/// ARE capture `n` of a match (0 = whole), or nullopt if it did not take part.
std::optional<std::string> capture(const Compiled& c, const Match& m, const std::string& s, size_t n) {
    if (n >= c.captures.size())
        return std::nullopt;
    const regmatch_t& g = m[static_cast<size_t>(c.captures[n])];
    if (g.rm_so < 0)
        return std::nullopt;
    return s.substr(static_cast<size_t>(g.rm_so), static_cast<size_t>(g.rm_eo - g.rm_so));
}

/// Byte offset of 1-based character position `start` (clamped to the end).
size_t byte_offset(const std::string& s, int64_t start) {
    size_t at = 0;
    for (int64_t k = 1; k < start && at < s.size(); ++k)
        at += utf8_char_len(static_cast<unsigned char>(s[at]));
    return std::min(at, s.size());
}

Result<Options> parse_flags(std::string_view flags, std::string_view fn, bool allow_global) {
    Options o;
    for (char f : flags) {
        switch (f) {
        case 'g':
            if (!allow_global)
                return Error::make("22023", std::string(fn) + "() does not support the \"global\" option");
            o.global = true;
            break;
        case 'i':
            o.icase = true;
            break;
        case 'c':
            o.icase = false;
            break;
        case 'n':
        case 'm':
            o.newline = true;
            break;
        case 's':
            o.newline = false;
            break;
        case 'x':
            o.expanded = true;
            break;
        case 't':
            o.expanded = false;
            break;
        case 'q':
            o.literal = true;
            break;
        case 'e':
            break; // ERE syntax: a subset of ARE, translated the same way
        case 'p':
        case 'w':
        case 'b':
            return unsupported("the \"" + std::string(1, f) + "\" regular expression option");
        default:
            return Error::make("22023", "invalid regular expression option: \"" + std::string(1, f) + "\"");
        }
    }
    return o;
}

/// The replacement text for one match: \1..\9 captures, \& the whole match, \\ a backslash.
std::string substitute(const Compiled& c, const Match& m, const std::string& s, std::string_view rep) {
    std::string out;
    for (size_t i = 0; i < rep.size(); ++i) {
        char ch = rep[i];
        if (ch != '\\' || i + 1 == rep.size()) {
            out += ch;
            continue;
        }
        char next = rep[i + 1];
        if ((next >= '1' && next <= '9') || next == '&') {
            out += capture(c, m, s, next == '&' ? 0 : static_cast<size_t>(next - '0')).value_or("");
            ++i;
        } else if (next == '\\') {
            out += '\\';
            ++i;
        } else {
            out += ch; // any other escape is copied as written
        }
    }
    return out;
}

/// regexp_replace: matches from character `start`; replaces the n-th (n >= 1) or every one (n = 0).
Result<Value> replace(const std::string& s, std::string_view pattern, std::string_view rep, int64_t start, int64_t n,
                      std::string_view flags) {
    if (start <= 0)
        return Error::make("22023", "invalid value for parameter \"start\": " + std::to_string(start));
    if (n < 0)
        return Error::make("22023", "invalid value for parameter \"n\": " + std::to_string(n));
    auto o = parse_flags(flags, "regexp_replace", true);
    if (!o)
        return o.error();
    if (o->global)
        n = 0;
    auto c = cached(pattern, *o);
    if (!c)
        return c.error();
    std::string out;
    size_t copied = 0;
    int64_t seen = 0;
    each_match(**c, s, byte_offset(s, start), [&](const Match& m) {
        ++seen;
        if (n != 0 && seen < n)
            return true;
        out.append(s, copied, static_cast<size_t>(m[0].rm_so) - copied);
        out += substitute(**c, m, s, rep);
        copied = static_cast<size_t>(m[0].rm_eo);
        return n == 0;
    });
    out.append(s, copied);
    return Value::text(std::move(out));
}

Result<bool> matches(const std::string& s, std::string_view pattern, const Options& o) {
    auto c = cached(pattern, o);
    if (!c)
        return c.error();
    return search(**c, s, 0).has_value();
}

Result<Value> count(const std::string& s, std::string_view pattern, int64_t start, std::string_view flags) {
    if (start <= 0)
        return Error::make("22023", "invalid value for parameter \"start\": " + std::to_string(start));
    auto o = parse_flags(flags, "regexp_count", false);
    auto c = o ? cached(pattern, *o) : Result<std::shared_ptr<const Compiled>>(o.error());
    if (!c)
        return c.error();
    int64_t n = 0;
    each_match(**c, s, byte_offset(s, start), [&](const Match&) { return ++n, true; });
    return Value::int4(n);
}

/// regexp_substr: the n-th match from character `start`, or its capture `sub`; NULL when absent.
Result<Value> substr(const std::string& s, std::string_view pattern, int64_t start, int64_t n, std::string_view flags,
                     int64_t sub) {
    if (start <= 0)
        return Error::make("22023", "invalid value for parameter \"start\": " + std::to_string(start));
    if (n <= 0)
        return Error::make("22023", "invalid value for parameter \"n\": " + std::to_string(n));
    if (sub < 0)
        return Error::make("22023", "invalid value for parameter \"subexpr\": " + std::to_string(sub));
    auto o = parse_flags(flags, "regexp_substr", false);
    auto c = o ? cached(pattern, *o) : Result<std::shared_ptr<const Compiled>>(o.error());
    if (!c)
        return c.error();
    std::optional<std::string> found;
    int64_t seen = 0;
    each_match(**c, s, byte_offset(s, start), [&](const Match& m) {
        if (++seen < n)
            return true;
        found = capture(**c, m, s, static_cast<size_t>(sub));
        return false;
    });
    return found ? Value::text(std::move(*found)) : Value::null(TXT);
}

/// substring(text FROM pattern): the first capture if the pattern has one, else the whole match.
Result<Value> substring_regex(const std::string& s, std::string_view pattern) {
    auto c = cached(pattern, Options{});
    if (!c)
        return c.error();
    auto m = search(**c, s, 0);
    if (!m)
        return Value::null(TXT);
    auto got = capture(**c, *m, s, (*c)->captures.size() > 1 ? 1 : 0);
    return got ? Value::text(std::move(*got)) : Value::null(TXT);
}

void add(Catalog& c, std::string name, std::vector<Type> params, Type result, ScalarFn fn) {
    c.push_back({std::move(name), Overload{std::move(params), result, std::move(fn)}});
}

const std::string& str(const Value& v) { return v.as_string(); }

} // namespace

void register_regex_operators(Catalog& c) {
    struct Op {
        const char* name;
        bool icase, negate;
    };
    for (Op op : {Op{"~", false, false}, Op{"~*", true, false}, Op{"!~", false, true}, Op{"!~*", true, true}}) {
        add(c, op.name, {TXT, TXT}, Type::Bool, [op](Args a) -> Result<Value> {
            Options o;
            o.icase = op.icase;
            auto m = matches(str(a[0]), str(a[1]), o);
            if (!m)
                return m.error();
            return Value::boolean(*m != op.negate);
        });
    }
}

void register_regex_functions(Catalog& c) {
    add(c, "regexp_replace", {TXT, TXT, TXT}, TXT, [](Args a) { return replace(str(a[0]), str(a[1]), str(a[2]), 1, 1, ""); });
    add(c, "regexp_replace", {TXT, TXT, TXT, TXT}, TXT,
        [](Args a) { return replace(str(a[0]), str(a[1]), str(a[2]), 1, 1, str(a[3])); });
    add(c, "regexp_replace", {TXT, TXT, TXT, I4}, TXT,
        [](Args a) { return replace(str(a[0]), str(a[1]), str(a[2]), a[3].as_int(), 1, ""); });
    add(c, "regexp_replace", {TXT, TXT, TXT, I4, I4}, TXT,
        [](Args a) { return replace(str(a[0]), str(a[1]), str(a[2]), a[3].as_int(), a[4].as_int(), ""); });
    add(c, "regexp_replace", {TXT, TXT, TXT, I4, I4, TXT}, TXT,
        [](Args a) { return replace(str(a[0]), str(a[1]), str(a[2]), a[3].as_int(), a[4].as_int(), str(a[5])); });
    for (bool with_flags : {false, true}) {
        std::vector<Type> params{TXT, TXT};
        if (with_flags)
            params.push_back(TXT);
        add(c, "regexp_like", params, Type::Bool, [with_flags](Args a) -> Result<Value> {
            auto o = parse_flags(with_flags ? std::string_view(str(a[2])) : "", "regexp_like", false);
            auto m = o ? matches(str(a[0]), str(a[1]), *o) : Result<bool>(o.error());
            return m ? Result<Value>(Value::boolean(*m)) : Result<Value>(m.error());
        });
    }
    add(c, "regexp_count", {TXT, TXT}, I4, [](Args a) { return count(str(a[0]), str(a[1]), 1, ""); });
    add(c, "regexp_count", {TXT, TXT, I4}, I4, [](Args a) { return count(str(a[0]), str(a[1]), a[2].as_int(), ""); });
    add(c, "regexp_count", {TXT, TXT, I4, TXT}, I4,
        [](Args a) { return count(str(a[0]), str(a[1]), a[2].as_int(), str(a[3])); });
    add(c, "regexp_substr", {TXT, TXT}, TXT, [](Args a) { return substr(str(a[0]), str(a[1]), 1, 1, "", 0); });
    add(c, "regexp_substr", {TXT, TXT, I4}, TXT,
        [](Args a) { return substr(str(a[0]), str(a[1]), a[2].as_int(), 1, "", 0); });
    add(c, "regexp_substr", {TXT, TXT, I4, I4}, TXT,
        [](Args a) { return substr(str(a[0]), str(a[1]), a[2].as_int(), a[3].as_int(), "", 0); });
    add(c, "regexp_substr", {TXT, TXT, I4, I4, TXT}, TXT,
        [](Args a) { return substr(str(a[0]), str(a[1]), a[2].as_int(), a[3].as_int(), str(a[4]), 0); });
    add(c, "regexp_substr", {TXT, TXT, I4, I4, TXT, I4}, TXT, [](Args a) {
        return substr(str(a[0]), str(a[1]), a[2].as_int(), a[3].as_int(), str(a[4]), a[5].as_int());
    });
    add(c, "substring", {TXT, TXT}, TXT, [](Args a) { return substring_regex(str(a[0]), str(a[1])); });
}

} // namespace nectar::federation::expr
