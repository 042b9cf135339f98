// Values in and out of PostgreSQL's text form, and their order, equality and hash.
#include "federation/types/value.hpp"

#include "federation/types/datetime.hpp"
#include "federation/types/numeric.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <type_traits>

namespace nectar::federation {

namespace {

// --- Output ---

/// Shortest round-trip digits printed as PostgreSQL's float output does: fixed notation for
/// decimal exponents in [-4, precision), else "1.5e+20" with at least two exponent digits.
template <typename F> std::string float_text(F f, int precision) {
    if (std::isnan(f))
        return "NaN";
    if (std::isinf(f))
        return f > 0 ? "Infinity" : "-Infinity";
    if (f == 0)
        return std::signbit(f) ? "-0" : "0";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    size_t e = sci.find('e');
    int exponent = std::atoi(sci.c_str() + e + 1);
    std::string sign = sci[0] == '-' ? "-" : "";
    std::string digits;
    for (size_t i = sign.size(); i < e; ++i) {
        if (sci[i] != '.')
            digits += sci[i];
    }
    if (exponent < -4 || exponent >= precision) {
        std::string mantissa = digits.substr(0, 1);
        if (digits.size() > 1)
            mantissa += "." + digits.substr(1);
        std::snprintf(buf, sizeof buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
        return sign + mantissa + buf;
    }
    if (exponent < 0)
        return sign + "0." + std::string(size_t(-exponent - 1), '0') + digits;
    if (int(digits.size()) <= exponent + 1)
        return sign + digits + std::string(size_t(exponent + 1) - digits.size(), '0');
    return sign + digits.substr(0, size_t(exponent + 1)) + "." + digits.substr(size_t(exponent + 1));
}

std::string bytea_text(const std::string& bytes) {
    static const char kHex[] = "0123456789abcdef";
    std::string out = "\\x";
    out.reserve(2 + bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

// --- Input ---

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

Error syntax_error(std::string_view type, std::string_view text) {
    return Error::make("22P02", "invalid input syntax for type " + std::string(type) + ": " + quoted(text));
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

Result<Value> parse_integer(Type type, std::string_view text) {
    std::string_view name = type == Type::Int2 ? "smallint" : type == Type::Int4 ? "integer" : "bigint";
    std::string_view s = trim(text);
    bool negative = !s.empty() && s[0] == '-';
    if (!s.empty() && (s[0] == '-' || s[0] == '+'))
        s.remove_prefix(1);
    if (s.empty())
        return syntax_error(name, text);
    // Accumulate negatively so that the most negative value parses too.
    int64_t value = 0;
    bool overflow = false;
    for (char c : s) {
        if (c < '0' || c > '9')
            return syntax_error(name, text);
        overflow = overflow || __builtin_mul_overflow(value, int64_t(10), &value) ||
                   __builtin_sub_overflow(value, int64_t(c - '0'), &value);
    }
    if (!negative)
        overflow = overflow || __builtin_sub_overflow(int64_t(0), value, &value);
    int64_t lo = type == Type::Int2 ? INT16_MIN : type == Type::Int4 ? INT32_MIN : INT64_MIN;
    int64_t hi = type == Type::Int2 ? INT16_MAX : type == Type::Int4 ? INT32_MAX : INT64_MAX;
    if (overflow || value < lo || value > hi)
        return Error::make("22003", "value " + quoted(text) + " is out of range for type " + std::string(name));
    return Value::integer(type, value);
}

Result<Value> parse_float(Type type, std::string_view text) {
    std::string_view name = type == Type::Float4 ? "real" : "double precision";
    std::string s(trim(text));
    if (s.empty())
        return syntax_error(name, text);
    errno = 0;
    char* end = nullptr;
    double d = type == Type::Float4 ? double(std::strtof(s.c_str(), &end)) : std::strtod(s.c_str(), &end);
    if (end == s.c_str() || *end != '\0')
        return syntax_error(name, text);
    // Overflow to infinity or underflow to zero is an error; spelled-out infinities are not.
    bool spelled_inf = s.find_first_of("iI") != std::string::npos;
    if (errno == ERANGE && (d == 0 || (std::isinf(d) && !spelled_inf)))
        return Error::make("22003", quoted(text) + " is out of range for type " + std::string(name));
    return Value::floating(type, d);
}

Result<Value> parse_bool(std::string_view text) {
    std::string s;
    for (char c : trim(text))
        s += char(std::tolower(static_cast<unsigned char>(c)));
    // Any prefix of true/false/yes/no; on/off need two letters; 1 and 0 alone.
    auto prefix_of = [&](std::string_view word, size_t min_len) {
        return s.size() >= min_len && s.size() <= word.size() && word.compare(0, s.size(), s) == 0;
    };
    if (prefix_of("true", 1) || prefix_of("yes", 1) || s == "on" || s == "1")
        return Value::boolean(true);
    if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || s == "0")
        return Value::boolean(false);
    return syntax_error("boolean", text);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = char(std::tolower(static_cast<unsigned char>(c)));
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

Result<Value> parse_bytea(std::string_view text) {
    std::string out;
    if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
        for (size_t i = 2; i < text.size();) {
            if (std::isspace(static_cast<unsigned char>(text[i]))) {
                ++i;
                continue;
            }
            int hi = hex_value(text[i]);
            if (hi < 0)
                return Error::make("22023", "invalid hexadecimal digit: " + quoted(text.substr(i, 1)));
            if (i + 1 >= text.size())
                return Error::make("22023", "invalid hexadecimal data: odd number of digits");
            int lo = hex_value(text[i + 1]);
            if (lo < 0)
                return Error::make("22023", "invalid hexadecimal digit: " + quoted(text.substr(i + 1, 1)));
            out += char(hi * 16 + lo);
            i += 2;
        }
        return Value::string(Type::Bytea, std::move(out));
    }
    // Escape format: "\\" is a backslash, "\ooo" an octal byte, anything else is literal.
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out += text[i];
        } else if (i + 1 < text.size() && text[i + 1] == '\\') {
            out += '\\';
            ++i;
        } else if (i + 3 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '3' && text[i + 2] >= '0' &&
                   text[i + 2] <= '7' && text[i + 3] >= '0' && text[i + 3] <= '7') {
            out += char((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0'));
            i += 3;
        } else {
            return Error::make("22P02", "invalid input syntax for type bytea");
        }
    }
    return Value::string(Type::Bytea, std::move(out));
}

Result<Value> parse_uuid(std::string_view text) {
    std::string_view s = text;
    bool braces = !s.empty() && s.front() == '{';
    if (braces) {
        if (s.size() < 2 || s.back() != '}')
            return syntax_error("uuid", text);
        s = s.substr(1, s.size() - 2);
    }
    // 32 hex digits; a hyphen may follow any group of four except the last.
    std::string hex;
    for (size_t i = 0; i < s.size(); ++i) {
        if (hex_value(s[i]) >= 0) {
            hex += char(std::tolower(static_cast<unsigned char>(s[i])));
        } else if (s[i] == '-' && !hex.empty() && hex.size() % 4 == 0 && hex.size() < 32 && s[i - 1] != '-') {
            continue;
        } else {
            return syntax_error("uuid", text);
        }
    }
    if (hex.size() != 32 || (!s.empty() && s.back() == '-'))
        return syntax_error("uuid", text);
    std::string out = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
                      hex.substr(16, 4) + "-" + hex.substr(20);
    return Value::string(Type::Uuid, std::move(out));
}

template <typename T> Result<Value> wrap(Type type, Result<T> r) {
    if (!r)
        return r.error();
    if constexpr (std::is_same_v<T, Interval>)
        return Value::interval(*r);
    else
        return Value::temporal(type, *r);
}

// --- Comparison ---

template <typename T> int three_way(T a, T b) { return a < b ? -1 : (b < a ? 1 : 0); }

/// float8 order: NaN equals NaN and sorts above everything; -0 equals 0.
int compare_doubles(double a, double b) {
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) == std::isnan(b) ? 0 : (std::isnan(a) ? 1 : -1);
    return three_way(a, b);
}

double as_double(const Value& v) {
    if (is_integer(v.type()))
        return double(v.as_int());
    if (v.type() == Type::Numeric) {
        auto d = Decimal::parse(v.as_string());
        return d ? d->to_double() : std::numeric_limits<double>::quiet_NaN();
    }
    return v.as_float();
}

Decimal as_decimal(const Value& v) {
    if (is_integer(v.type()))
        return Decimal::from_int(v.as_int());
    auto d = Decimal::parse(v.as_string());
    return d ? *d : Decimal::nan();
}

/// Dates become timestamps (midnight) so that date and timestamp values compare and hash alike.
int64_t as_timestamp(const Value& v) {
    if (v.type() != Type::Date)
        return v.as_int();
    if (v.as_int() == kDateInfinity)
        return kTimestampInfinity;
    if (v.as_int() == kDateMinusInfinity)
        return kTimestampMinusInfinity;
    return v.as_int() * kMicrosPerDay;
}

/// PostgreSQL orders intervals by their length with a month of 30 days.
__int128 interval_span(const Interval& iv) {
    return (__int128(iv.months) * 30 + iv.days) * kMicrosPerDay + iv.micros;
}

bool is_text_like(Type t) {
    return is_string_family(t) || t == Type::Json || t == Type::Jsonb || t == Type::Uuid || t == Type::Bytea;
}

bool is_timeline(Type t) { return t == Type::Date || t == Type::Timestamp || t == Type::TimestampTz; }

// --- Hashing ---

uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

constexpr uint64_t kNanKey = 0x7ff8'dead'beef'0001ULL;

/// Integral doubles hash as the integer they equal, so 1.0 and 1 meet; -0 hashes as 0.
uint64_t double_key(double d) {
    if (std::isnan(d))
        return kNanKey;
    if (d == std::trunc(d) && d >= -9.2e18 && d <= 9.2e18)
        return mix(uint64_t(int64_t(d)));
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    return mix(bits);
}

/// Integers beyond 2^53 compare with doubles after rounding, so they hash through the double.
uint64_t integer_key(int64_t i) {
    constexpr int64_t kExact = int64_t(1) << 53;
    return i >= -kExact && i <= kExact ? mix(uint64_t(i)) : double_key(double(i));
}

uint64_t numeric_key(const Value& v) {
    if (is_integer(v.type()))
        return integer_key(v.as_int());
    if (v.type() != Type::Numeric)
        return double_key(v.as_float());
    Decimal d = as_decimal(v);
    if (d.is_nan())
        return kNanKey;
    if (d.compare(d.trunc(0)) == 0) {
        if (auto i = d.to_int64())
            return integer_key(*i);
    }
    return double_key(d.to_double());
}

} // namespace

std::string to_pg_text(const Value& value) {
    if (value.is_null())
        return {};
    switch (value.type()) {
    case Type::Bool:
        return value.as_bool() ? "t" : "f";
    case Type::Int2:
    case Type::Int4:
    case Type::Int8:
        return std::to_string(value.as_int());
    case Type::Float4:
        return float_text(float(value.as_float()), 6);
    case Type::Float8:
        return float_text(value.as_float(), 15);
    case Type::Bytea:
        return bytea_text(value.as_string());
    case Type::Date:
        return format_date(value.as_int());
    case Type::Time:
        return format_time(value.as_int());
    case Type::Timestamp:
        return format_timestamp(value.as_int(), false);
    case Type::TimestampTz:
        return format_timestamp(value.as_int(), true);
    case Type::Interval:
        return format_interval(value.as_interval());
    default: // Numeric keeps its canonical text; Text, Uuid, Json, Jsonb and Unknown are text
        return value.as_string();
    }
}

Result<Value> from_pg_text(Type type, std::string_view text) {
    switch (type) {
    case Type::Bool:
        return parse_bool(text);
    case Type::Int2:
    case Type::Int4:
    case Type::Int8:
        return parse_integer(type, text);
    case Type::Float4:
    case Type::Float8:
        return parse_float(type, text);
    case Type::Numeric: {
        auto d = Decimal::parse(text);
        if (!d)
            return d.error();
        return Value::numeric(d->to_string());
    }
    case Type::Bytea:
        return parse_bytea(text);
    case Type::Uuid:
        return parse_uuid(text);
    case Type::Date:
        return wrap(type, parse_date(text));
    case Type::Time:
        return wrap(type, parse_time(text));
    case Type::Timestamp:
    case Type::TimestampTz:
        return wrap(type, parse_timestamp(text, type == Type::TimestampTz));
    case Type::Interval:
        return wrap(type, parse_interval(text));
    default: // Text, Unknown, and json/jsonb kept as given
        return Value::string(type, std::string(text));
    }
}

int compare_values(const Value& a, const Value& b) {
    Type ta = a.type(), tb = b.type();
    if (is_numeric_family(ta) && is_numeric_family(tb)) {
        if (is_integer(ta) && is_integer(tb))
            return three_way(a.as_int(), b.as_int());
        // Mixed with a float, PostgreSQL compares as float8; integers against numeric, exactly.
        if (ta == Type::Float4 || ta == Type::Float8 || tb == Type::Float4 || tb == Type::Float8)
            return compare_doubles(as_double(a), as_double(b));
        return as_decimal(a).compare(as_decimal(b));
    }
    if (is_text_like(ta) && is_text_like(tb)) {
        int c = std::memcmp(a.as_string().data(), b.as_string().data(),
                            std::min(a.as_string().size(), b.as_string().size()));
        return c != 0 ? (c < 0 ? -1 : 1) : three_way(a.as_string().size(), b.as_string().size());
    }
    if (is_timeline(ta) && is_timeline(tb))
        return three_way(as_timestamp(a), as_timestamp(b));
    if (ta == Type::Interval && tb == Type::Interval)
        return three_way(interval_span(a.as_interval()), interval_span(b.as_interval()));
    if (ta == tb) // Bool, Time
        return three_way(a.as_int(), b.as_int());
    // Values of unrelated types: order by their text so the order is at least total.
    std::string x = to_pg_text(a), y = to_pg_text(b);
    return x < y ? -1 : (y < x ? 1 : 0);
}

bool values_equal_for_grouping(const Value& a, const Value& b) {
    if (a.is_null() || b.is_null())
        return a.is_null() && b.is_null();
    return compare_values(a, b) == 0;
}

size_t hash_value(const Value& value) {
    if (value.is_null())
        return size_t(mix(0x6e756c6cULL));
    Type t = value.type();
    if (is_numeric_family(t))
        return size_t(numeric_key(value));
    if (is_text_like(t))
        return std::hash<std::string_view>{}(value.as_string());
    if (is_timeline(t))
        return size_t(mix(uint64_t(as_timestamp(value))));
    if (t == Type::Interval) {
        __int128 span = interval_span(value.as_interval());
        return size_t(mix(uint64_t(span) ^ mix(uint64_t(span >> 64))));
    }
    if (t == Type::Bool || t == Type::Time)
        return size_t(mix(uint64_t(value.as_int())));
    return std::hash<std::string>{}(to_pg_text(value));
}

} // namespace nectar::federation
