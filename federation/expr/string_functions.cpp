// String functions over UTF-8 text, counting characters (not bytes) as PostgreSQL does.

#include "federation/expr/overload.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <clocale>
#include <cstring>
#include <cwctype>
#include <locale.h>
#include <string>
#include <wctype.h>

namespace nectar::federation::expr {

namespace {

using Catalog = std::vector<std::pair<std::string, Overload>>;
using Args = std::span<const Value>;
const Type TXT = Type::Text, I4 = Type::Int4;

size_t char_len(unsigned char c) {
    return c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
}

/// Byte offsets of each character start, plus the end.
std::vector<size_t> char_starts(std::string_view s) {
    std::vector<size_t> out;
    for (size_t i = 0; i < s.size(); i += char_len(static_cast<unsigned char>(s[i])))
        out.push_back(i);
    out.push_back(s.size());
    return out;
}

int64_t char_count(std::string_view s) { return static_cast<int64_t>(char_starts(s).size()) - 1; }

/// Characters [from, to) by 0-based character index, clamped to the string.
std::string char_range(std::string_view s, int64_t from, int64_t to) {
    auto st = char_starts(s);
    int64_t n = static_cast<int64_t>(st.size()) - 1;
    from = std::clamp<int64_t>(from, 0, n);
    to = std::clamp<int64_t>(to, from, n);
    return std::string(s.substr(st[from], st[to] - st[from]));
}

Value text(std::string s) { return Value::text(std::move(s)); }
const std::string& str(const Value& v) { return v.as_string(); }

std::u32string decode(std::string_view s) {
    std::u32string out;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n = std::min(char_len(c), s.size() - i);
        char32_t cp = n == 1 ? c : c & (0x7F >> n);
        for (size_t k = 1; k < n; ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        out.push_back(cp);
        i += n;
    }
    return out;
}

std::string encode(const std::u32string& cps) {
    std::string out;
    for (char32_t cp : cps) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    return out;
}

enum class Case { Lower, Upper, Initcap };

/// lower/upper/initcap; initcap capitalises the first letter of each run of letters and digits.
std::string change_case(std::string_view s, Case mode) {
    locale_t loc = utf8_ctype_locale();
    std::u32string cps = decode(s);
    bool in_word = false;
    for (char32_t& cp : cps) {
        wint_t w = static_cast<wint_t>(cp);
        bool upper = mode == Case::Upper || (mode == Case::Initcap && !in_word);
        if (loc)
            cp = static_cast<char32_t>(upper ? towupper_l(w, loc) : towlower_l(w, loc));
        else if (cp < 0x80)
            cp = static_cast<char32_t>(upper ? std::toupper(static_cast<int>(cp)) : std::tolower(static_cast<int>(cp)));
        in_word = loc ? iswalnum_l(w, loc) != 0 : (cp < 0x80 && std::isalnum(static_cast<int>(cp)));
    }
    return encode(cps);
}

Result<Value> substr(std::string_view s, int64_t start, std::optional<int64_t> count) {
    if (!count)
        return text(char_range(s, start - 1, INT64_MAX));
    if (*count < 0)
        return Error::make("22011", "negative substring length not allowed");
    __int128 end = static_cast<__int128>(start) + *count; // exclusive, 1-based
    return text(char_range(s, start - 1, end > INT64_MAX ? INT64_MAX : static_cast<int64_t>(end) - 1));
}

int64_t strpos(std::string_view s, std::string_view sub) {
    size_t at = s.find(sub);
    if (at == std::string_view::npos)
        return 0;
    return char_count(s.substr(0, at)) + 1;
}

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
    if (from.empty())
        return std::string(s);
    std::string out;
    size_t pos = 0;
    for (size_t at; (at = s.find(from, pos)) != std::string_view::npos; pos = at + from.size()) {
        out.append(s.substr(pos, at - pos));
        out.append(to);
    }
    out.append(s.substr(pos));
    return out;
}

/// btrim/ltrim/rtrim: strips characters found in `set` (UTF-8 aware).
std::string trim(std::string_view s, std::string_view set, bool left, bool right) {
    auto st = char_starts(s);
    auto in_set = [&](size_t i) {
        std::string_view ch = s.substr(st[i], st[i + 1] - st[i]);
        auto ss = char_starts(set);
        for (size_t j = 0; j + 1 < ss.size(); ++j) {
            if (set.substr(ss[j], ss[j + 1] - ss[j]) == ch)
                return true;
        }
        return false;
    };
    size_t n = st.size() - 1, from = 0, to = n;
    while (left && from < to && in_set(from))
        ++from;
    while (right && to > from && in_set(to - 1))
        --to;
    return std::string(s.substr(st[from], st[to] - st[from]));
}

std::string pad(std::string_view s, int64_t len, std::string_view fill, bool left) {
    if (len <= 0)
        return "";
    int64_t have = char_count(s);
    if (have >= len || fill.empty())
        return char_range(s, 0, len);
    auto fs = char_starts(fill);
    int64_t fill_chars = static_cast<int64_t>(fs.size()) - 1;
    std::string padding;
    for (int64_t i = 0; i < len - have; ++i) {
        size_t k = static_cast<size_t>(i % fill_chars);
        padding.append(fill.substr(fs[k], fs[k + 1] - fs[k]));
    }
    return left ? padding + std::string(s) : std::string(s) + padding;
}

std::string left_chars(std::string_view s, int64_t n) {
    int64_t len = char_count(s);
    return char_range(s, 0, n >= 0 ? n : len + n);
}

std::string right_chars(std::string_view s, int64_t n) {
    int64_t len = char_count(s);
    return char_range(s, n >= 0 ? len - n : -n, len);
}

Result<Value> repeat(std::string_view s, int64_t n) {
    if (n > 0 && s.size() * static_cast<size_t>(n) > (size_t{1} << 30))
        return Error::make("54000", "requested length too large");
    std::string out;
    for (int64_t i = 0; i < n; ++i)
        out.append(s);
    return text(std::move(out));
}

std::string reverse(std::string_view s) {
    auto st = char_starts(s);
    std::string out;
    for (size_t i = st.size() - 1; i > 0; --i)
        out.append(s.substr(st[i - 1], st[i] - st[i - 1]));
    return out;
}

Result<Value> split_part(std::string_view s, std::string_view delim, int64_t n) {
    if (n == 0)
        return Error::make("22023", "field position must not be zero");
    std::vector<std::string_view> parts;
    if (delim.empty()) {
        parts.push_back(s);
    } else {
        size_t pos = 0;
        for (size_t at; (at = s.find(delim, pos)) != std::string_view::npos; pos = at + delim.size())
            parts.push_back(s.substr(pos, at - pos));
        parts.push_back(s.substr(pos));
    }
    int64_t count = static_cast<int64_t>(parts.size());
    int64_t index = n > 0 ? n - 1 : count + n;
    if (index < 0 || index >= count)
        return text("");
    return text(std::string(parts[index]));
}

std::string md5_hex(std::string_view s) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(s.data(), s.size(), digest, &len, EVP_md5(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

// --- encode(bytea, format) / decode(text, format): hex, base64 (76-column lines), escape ---

Error bad_encoding(std::string_view name) {
    return Error::make("22023", "unrecognized encoding: \"" + std::string(name) + "\"");
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

const char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in) {
    std::string out;
    size_t line = 0;
    for (size_t i = 0; i < in.size(); i += 3) {
        if (line == 76) { // PostgreSQL breaks base64 output every 76 characters
            out += '\n';
            line = 0;
        }
        uint32_t n = static_cast<unsigned char>(in[i]) << 16;
        size_t have = std::min<size_t>(3, in.size() - i);
        if (have > 1)
            n |= static_cast<unsigned char>(in[i + 1]) << 8;
        if (have > 2)
            n |= static_cast<unsigned char>(in[i + 2]);
        for (size_t k = 0; k < 4; ++k)
            out += k <= have ? kBase64[(n >> (18 - 6 * k)) & 63] : '=';
        line += 4;
    }
    return out;
}

/// PostgreSQL's lenient reading: whitespace anywhere, '=' only in a group's last two places, and
/// after padding each further group still yields only the bytes the first padding allowed.
Result<std::string> base64_decode(std::string_view in) {
    std::string out;
    uint32_t buf = 0;
    int pos = 0, pad_end = 0;
    for (char ch : in) {
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
            continue;
        uint32_t bits = 0;
        if (ch == '=') {
            if (pad_end == 0) {
                if (pos != 2 && pos != 3)
                    return Error::make("22023", "unexpected \"=\" while decoding base64 sequence");
                pad_end = pos == 2 ? 1 : 2;
            }
        } else {
            const char* at = std::strchr(kBase64, ch);
            if (!at || ch == '\0')
                return Error::make("22023", "invalid symbol \"" + std::string(1, ch) + "\" found while decoding base64 sequence");
            bits = static_cast<uint32_t>(at - kBase64);
        }
        buf = (buf << 6) | bits;
        if (++pos == 4) {
            out += static_cast<char>(buf >> 16);
            if (pad_end == 0 || pad_end > 1)
                out += static_cast<char>((buf >> 8) & 0xFF);
            if (pad_end == 0 || pad_end > 2)
                out += static_cast<char>(buf & 0xFF);
            buf = 0;
            pos = 0;
        }
    }
    if (pos != 0) {
        Error e = Error::make("22023", "invalid base64 end sequence");
        e.hint = "Input data is missing padding, is truncated, or is otherwise corrupted.";
        return e;
    }
    return out;
}

std::string hex_encode(std::string_view in) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : in) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

Result<std::string> hex_decode(std::string_view in) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    auto bad_digit = [](char c) {
        return Error::make("22023", "invalid hexadecimal digit: \"" + std::string(1, c) + "\"");
    };
    std::string out;
    for (size_t i = 0; i < in.size();) {
        char c = in[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { // skipped between pairs only
            ++i;
            continue;
        }
        if (nibble(c) < 0)
            return bad_digit(c);
        if (i + 1 == in.size())
            return Error::make("22023", "invalid hexadecimal data: odd number of digits");
        if (nibble(in[i + 1]) < 0)
            return bad_digit(in[i + 1]);
        out += static_cast<char>(nibble(c) << 4 | nibble(in[i + 1]));
        i += 2;
    }
    return out;
}

/// 'escape': NUL and bytes >= 0x80 as \ooo, backslash doubled, the rest as they are.
std::string escape_encode(std::string_view in) {
    std::string out;
    for (unsigned char c : in) {
        if (c == 0 || c >= 0x80) {
            out += '\\';
            out += static_cast<char>('0' + (c >> 6));
            out += static_cast<char>('0' + ((c >> 3) & 7));
            out += static_cast<char>('0' + (c & 7));
        } else if (c == '\\') {
            out += "\\\\";
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

Result<std::string> escape_decode(std::string_view in) {
    auto octal = [](char c, char hi) { return c >= '0' && c <= hi; };
    std::string out;
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '\\') {
            out += in[i];
        } else if (i + 1 < in.size() && in[i + 1] == '\\') {
            out += '\\';
            ++i;
        } else if (i + 3 < in.size() && octal(in[i + 1], '3') && octal(in[i + 2], '7') && octal(in[i + 3], '7')) {
            out += static_cast<char>((in[i + 1] - '0') << 6 | (in[i + 2] - '0') << 3 | (in[i + 3] - '0'));
            i += 3;
        } else {
            return Error::make("22P02", "invalid input syntax for type bytea");
        }
    }
    return out;
}

Result<Value> encode_bytes(std::string_view bytes, std::string_view format) {
    std::string f = lower_ascii(format);
    if (f == "hex")
        return text(hex_encode(bytes));
    if (f == "base64")
        return text(base64_encode(bytes));
    if (f == "escape")
        return text(escape_encode(bytes));
    return bad_encoding(format);
}

Result<Value> decode_text(std::string_view s, std::string_view format) {
    std::string f = lower_ascii(format);
    Result<std::string> bytes = f == "hex"      ? hex_decode(s)
                                : f == "base64" ? base64_decode(s)
                                : f == "escape" ? escape_decode(s)
                                                : Result<std::string>(bad_encoding(format));
    if (!bytes)
        return bytes.error();
    return Value::string(Type::Bytea, std::move(*bytes));
}

void add(Catalog& c, std::string name, std::vector<Type> params, Type result, ScalarFn fn) {
    c.push_back({std::move(name), Overload{std::move(params), result, std::move(fn)}});
}

template <typename F> ScalarFn text_fn(F f) {
    return [f](Args a) -> Result<Value> { return text(f(str(a[0]))); };
}

} // namespace

locale_t utf8_ctype_locale() {
    // Created once: newlocale/towlower_l leave the process-global setlocale() alone.
    static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
    return loc;
}

size_t utf8_char_len(unsigned char lead) { return char_len(lead); }
std::string utf8_lower(std::string_view s) { return change_case(s, Case::Lower); }
std::string utf8_upper(std::string_view s) { return change_case(s, Case::Upper); }

void register_string_functions(Catalog& c) {
    add(c, "lower", {TXT}, TXT, text_fn([](const std::string& s) { return change_case(s, Case::Lower); }));
    add(c, "upper", {TXT}, TXT, text_fn([](const std::string& s) { return change_case(s, Case::Upper); }));
    add(c, "initcap", {TXT}, TXT, text_fn([](const std::string& s) { return change_case(s, Case::Initcap); }));
    add(c, "reverse", {TXT}, TXT, text_fn(reverse));
    add(c, "md5", {TXT}, TXT, text_fn(md5_hex));
    for (const char* name : {"length", "char_length", "character_length"})
        add(c, name, {TXT}, I4, [](Args a) -> Result<Value> { return Value::int4(char_count(str(a[0]))); });
    add(c, "length", {Type::Bytea}, I4, [](Args a) -> Result<Value> {
        return Value::int4(static_cast<int64_t>(str(a[0]).size()));
    });
    for (Type t : {TXT, Type::Bytea}) {
        add(c, "octet_length", {t}, I4, [](Args a) -> Result<Value> {
            return Value::int4(static_cast<int64_t>(str(a[0]).size()));
        });
    }
    for (const char* name : {"substr", "substring"}) {
        add(c, name, {TXT, I4}, TXT, [](Args a) { return substr(str(a[0]), a[1].as_int(), std::nullopt); });
        add(c, name, {TXT, I4, I4}, TXT, [](Args a) { return substr(str(a[0]), a[1].as_int(), a[2].as_int()); });
    }
    for (const char* name : {"strpos", "position"})
        add(c, name, {TXT, TXT}, I4, [](Args a) -> Result<Value> { return Value::int4(strpos(str(a[0]), str(a[1]))); });
    add(c, "replace", {TXT, TXT, TXT}, TXT,
        [](Args a) -> Result<Value> { return text(replace_all(str(a[0]), str(a[1]), str(a[2]))); });
    struct Trim {
        const char* name;
        bool left, right;
    };
    for (Trim t : {Trim{"btrim", true, true}, Trim{"trim", true, true}, Trim{"ltrim", true, false},
                   Trim{"rtrim", false, true}}) {
        add(c, t.name, {TXT}, TXT, [t](Args a) -> Result<Value> { return text(trim(str(a[0]), " ", t.left, t.right)); });
        add(c, t.name, {TXT, TXT}, TXT,
            [t](Args a) -> Result<Value> { return text(trim(str(a[0]), str(a[1]), t.left, t.right)); });
    }
    for (bool left : {true, false}) {
        const char* name = left ? "lpad" : "rpad";
        add(c, name, {TXT, I4}, TXT, [left](Args a) -> Result<Value> { return text(pad(str(a[0]), a[1].as_int(), " ", left)); });
        add(c, name, {TXT, I4, TXT}, TXT,
            [left](Args a) -> Result<Value> { return text(pad(str(a[0]), a[1].as_int(), str(a[2]), left)); });
    }
    add(c, "left", {TXT, I4}, TXT, [](Args a) -> Result<Value> { return text(left_chars(str(a[0]), a[1].as_int())); });
    add(c, "right", {TXT, I4}, TXT, [](Args a) -> Result<Value> { return text(right_chars(str(a[0]), a[1].as_int())); });
    add(c, "repeat", {TXT, I4}, TXT, [](Args a) { return repeat(str(a[0]), a[1].as_int()); });
    add(c, "split_part", {TXT, TXT, I4}, TXT, [](Args a) { return split_part(str(a[0]), str(a[1]), a[2].as_int()); });
    add(c, "encode", {Type::Bytea, TXT}, TXT, [](Args a) { return encode_bytes(str(a[0]), str(a[1])); });
    add(c, "decode", {TXT, TXT}, Type::Bytea, [](Args a) { return decode_text(str(a[0]), str(a[1])); });
    add(c, "starts_with", {TXT, TXT}, Type::Bool,
        [](Args a) -> Result<Value> { return Value::boolean(str(a[0]).starts_with(str(a[1]))); });
}

} // namespace nectar::federation::expr
