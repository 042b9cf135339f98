// JSON out for the REST face: escaping, UTF-8 repair, and SQL values as PostgreSQL's to_json() prints them.
#include "rest/json_writer.hpp"

#include "federation/types/datetime.hpp"

#include <array>
#include <cassert>
#include <algorithm>
#include <charconv>

namespace nectar::rest {

namespace fed = nectar::federation;

namespace {

// --- Strings ---

/// How the string writer treats each byte: copy it, escape it, or check a UTF-8 sequence there.
enum ByteClass : uint8_t { kPlain, kEscape, kNonAscii };

constexpr std::array<uint8_t, 256> make_byte_classes() {
    std::array<uint8_t, 256> classes{};
    for (int c = 0; c < 256; ++c) {
        if (c < 0x20 || c == '"' || c == '\\')
            classes[c] = kEscape;
        else if (c >= 0x80)
            classes[c] = kNonAscii;
        else
            classes[c] = kPlain; // DEL (0x7f) included: RFC 8259 allows it raw, PostgreSQL prints it raw
    }
    return classes;
}

constexpr std::array<uint8_t, 256> kByteClass = make_byte_classes();

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD"; // U+FFFD in UTF-8

/// A UTF-8 lead byte: the sequence's length and the allowed range of its second byte.
struct Utf8Lead {
    int length; ///< 0 for a byte that cannot start a sequence
    unsigned char second_lo, second_hi;
};

/// Unicode's table of well-formed sequences (Table 3-7): the narrowed second-byte ranges rule out
/// overlong forms (E0, F0), UTF-16 surrogates (ED) and code points past U+10FFFF (F4).
Utf8Lead utf8_lead(unsigned char c) {
    if (c >= 0xC2 && c <= 0xDF)
        return {2, 0x80, 0xBF};
    if (c == 0xE0)
        return {3, 0xA0, 0xBF};
    if (c == 0xED)
        return {3, 0x80, 0x9F};
    if (c >= 0xE1 && c <= 0xEF)
        return {3, 0x80, 0xBF};
    if (c == 0xF0)
        return {4, 0x90, 0xBF};
    if (c >= 0xF1 && c <= 0xF3)
        return {4, 0x80, 0xBF};
    if (c == 0xF4)
        return {4, 0x80, 0x8F};
    return {0, 0, 0}; // C0, C1 (overlong), F5..FF, or a continuation byte on its own
}

/// The length of the well-formed sequence starting at `p`, or 0 when it is ill-formed; then
/// `*bad` is how many bytes one U+FFFD replaces (the "maximal subpart", as Unicode and browsers do).
size_t utf8_sequence(const unsigned char* p, size_t available, size_t* bad) {
    Utf8Lead lead = utf8_lead(p[0]);
    if (lead.length == 0) {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i < size_t(lead.length); ++i) {
        unsigned char lo = i == 1 ? lead.second_lo : 0x80;
        unsigned char hi = i == 1 ? lead.second_hi : 0xBF;
        if (i >= available || p[i] < lo || p[i] > hi) {
            *bad = i;
            return 0;
        }
    }
    return size_t(lead.length);
}

void append_escape(std::string& out, unsigned char c) {
    switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
    }
    const char unicode[] = {'\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xF]};
    out.append(unicode, sizeof unicode);
}

// --- Dates and times ---

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/// Writes `n` with at least 4 digits, zero-padded (a year); returns the end.
char* put_year(char* p, uint64_t n) {
    char digits[24];
    char* end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    for (long pad = 4 - (end - digits); pad > 0; --pad)
        *p++ = '0';
    return std::copy(digits, end, p);
}

/// Writes 0..99 as two digits.
char* put_two(char* p, uint64_t n) {
    *p++ = char('0' + n / 10);
    *p++ = char('0' + n % 10);
    return p;
}

/// "2024-01-02" with the year as PostgreSQL prints it: 1 BC is year 1 (the caller adds " BC").
char* put_date(char* p, const fed::CivilDate& d) {
    p = put_year(p, uint64_t(d.year <= 0 ? 1 - d.year : d.year));
    *p++ = '-';
    p = put_two(p, uint64_t(d.month));
    *p++ = '-';
    return put_two(p, uint64_t(d.day));
}

/// "03:04:05" or "03:04:05.12": PostgreSQL drops the fraction's trailing zeros (and a zero fraction).
char* put_clock(char* p, int64_t micros_of_day) {
    uint64_t us = uint64_t(micros_of_day);
    p = put_two(p, us / 3'600'000'000ULL); // at most 24, for time '24:00:00'
    *p++ = ':';
    p = put_two(p, us / 60'000'000ULL % 60);
    *p++ = ':';
    p = put_two(p, us / 1'000'000ULL % 60);
    uint64_t fraction = us % 1'000'000ULL;
    if (fraction == 0)
        return p;
    *p++ = '.';
    for (uint64_t unit = 100'000; fraction != 0; unit /= 10) { // stops after the last non-zero digit
        *p++ = char('0' + fraction / unit);
        fraction %= unit;
    }
    return p;
}

constexpr std::string_view kBC = " BC";

} // namespace

// --- The writer ---

JsonWriter::JsonWriter(std::string& out, JsonOptions options)
    : out_(out)
    , options_(options) {
    stack_.reserve(8); // deeper documents are rare; growth past this allocates once per new depth
}

void JsonWriter::before_value() {
    if (stack_.empty()) {
        assert(!wrote_top_level_ && "a JSON document holds one top-level value");
        wrote_top_level_ = true;
        return;
    }
    Slot& top = stack_.back();
    switch (top) {
    case Slot::ArrayEmpty: top = Slot::ArrayMore; return;
    case Slot::ArrayMore: out_ += ','; return;
    case Slot::ObjectValue: top = Slot::ObjectMore; return;
    case Slot::ObjectEmpty:
    case Slot::ObjectMore: assert(false && "a key is due here, not a value"); return;
    }
}

void JsonWriter::begin_object() {
    before_value();
    stack_.push_back(Slot::ObjectEmpty);
    out_ += '{';
}

void JsonWriter::end_object() {
    assert(!stack_.empty() && (stack_.back() == Slot::ObjectEmpty || stack_.back() == Slot::ObjectMore) &&
           "end_object() without an open object, or right after a key");
    stack_.pop_back();
    out_ += '}';
}

void JsonWriter::begin_array() {
    before_value();
    stack_.push_back(Slot::ArrayEmpty);
    out_ += '[';
}

void JsonWriter::end_array() {
    assert(!stack_.empty() && (stack_.back() == Slot::ArrayEmpty || stack_.back() == Slot::ArrayMore) &&
           "end_array() without an open array");
    stack_.pop_back();
    out_ += ']';
}

void JsonWriter::key(std::string_view name) {
    assert(!stack_.empty() && (stack_.back() == Slot::ObjectEmpty || stack_.back() == Slot::ObjectMore) &&
           "key() outside an object or where a value is due");
    if (stack_.back() == Slot::ObjectMore)
        out_ += ',';
    write_escaped(name);
    out_ += ':';
    stack_.back() = Slot::ObjectValue;
}

void JsonWriter::string(std::string_view text) {
    before_value();
    write_escaped(text);
}

void JsonWriter::integer(int64_t number) {
    before_value();
    char buf[24];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, number).ptr);
}

void JsonWriter::boolean(bool b) {
    before_value();
    out_ += b ? "true" : "false";
}

void JsonWriter::null() {
    before_value();
    out_ += "null";
}

void JsonWriter::raw(std::string_view json) {
    before_value();
    out_ += json;
}

void JsonWriter::write_escaped(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    out_ += '"';
    size_t run = 0; // start of the bytes not yet copied
    size_t i = 0;
    while (i < n) {
        uint8_t cls = kByteClass[s[i]];
        if (cls == kPlain) {
            ++i;
            continue;
        }
        size_t bad = 0;
        if (cls == kNonAscii) {
            if (size_t length = utf8_sequence(s + i, n - i, &bad)) {
                i += length; // well-formed: stays in the run and is copied as is
                continue;
            }
        }
        out_.append(text.data() + run, i - run);
        if (cls == kEscape) {
            append_escape(out_, s[i]);
            ++i;
        } else {
            out_ += kReplacementChar;
            i += bad;
        }
        run = i;
    }
    out_.append(text.data() + run, n - run);
    out_ += '"';
}

/// PostgreSQL's to_json() rule for number types: the output text as a number when JSON accepts it
/// ("1.5e+300", "-0"), else as a string ("NaN", "Infinity").
void JsonWriter::write_number_or_string(std::string_view text) {
    if (is_json_number(text))
        out_ += text;
    else
        write_escaped(text);
}

void JsonWriter::write_base64(std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
    const size_t n = bytes.size();
    size_t start = out_.size();
    out_.resize(start + 2 + (n + 2) / 3 * 4); // quotes + 4 characters per 3 bytes, padded
    char* p = out_.data() + start;
    *p++ = '"';
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t group = uint32_t(s[i]) << 16 | uint32_t(s[i + 1]) << 8 | s[i + 2];
        *p++ = kAlphabet[group >> 18];
        *p++ = kAlphabet[group >> 12 & 63];
        *p++ = kAlphabet[group >> 6 & 63];
        *p++ = kAlphabet[group & 63];
    }
    if (size_t rest = n - i) { // 1 or 2 bytes left: 2 or 3 characters and '=' padding
        uint32_t group = uint32_t(s[i]) << 16 | (rest == 2 ? uint32_t(s[i + 1]) << 8 : 0);
        *p++ = kAlphabet[group >> 18];
        *p++ = kAlphabet[group >> 12 & 63];
        *p++ = rest == 2 ? kAlphabet[group >> 6 & 63] : '=';
        *p++ = '=';
    }
    *p = '"';
}

void JsonWriter::write_date(int64_t days) {
    if (days == fed::kDateInfinity || days == fed::kDateMinusInfinity) {
        out_ += days > 0 ? "\"infinity\"" : "\"-infinity\"";
        return;
    }
    fed::CivilDate date = fed::civil_from_days(days);
    char buf[48];
    char* p = buf;
    *p++ = '"';
    p = put_date(p, date);
    if (date.year <= 0)
        p = std::copy(kBC.begin(), kBC.end(), p);
    *p++ = '"';
    out_.append(buf, p);
}

void JsonWriter::write_time(int64_t micros) {
    char buf[32];
    char* p = buf;
    *p++ = '"';
    p = put_clock(p, micros);
    *p++ = '"';
    out_.append(buf, p);
}

/// ISO 8601 as to_json() prints it: "2024-01-02T03:04:05.12", "+00:00" for timestamptz (UTC),
/// and PostgreSQL's " BC" suffix after everything for years before 1.
void JsonWriter::write_timestamp(int64_t micros, bool with_tz) {
    if (micros == fed::kTimestampInfinity || micros == fed::kTimestampMinusInfinity) {
        out_ += micros > 0 ? "\"infinity\"" : "\"-infinity\"";
        return;
    }
    int64_t days = floor_div(micros, fed::kMicrosPerDay);
    fed::CivilDate date = fed::civil_from_days(days);
    char buf[64];
    char* p = buf;
    *p++ = '"';
    p = put_date(p, date);
    *p++ = 'T';
    p = put_clock(p, micros - days * fed::kMicrosPerDay);
    if (with_tz) {
        constexpr std::string_view kUtc = "+00:00";
        p = std::copy(kUtc.begin(), kUtc.end(), p);
    }
    if (date.year <= 0)
        p = std::copy(kBC.begin(), kBC.end(), p);
    *p++ = '"';
    out_.append(buf, p);
}

void JsonWriter::value(const fed::Value& v) {
    if (v.is_null())
        return null();
    using fed::Type;
    switch (v.type()) {
    case Type::Bool: return boolean(v.as_bool());
    case Type::Int2:
    case Type::Int4:
    case Type::Int8: return integer(v.as_int());
    case Type::Text:
    case Type::Varchar:
    case Type::Uuid:
    case Type::Unknown: return string(v.as_string());
    case Type::Json:
    case Type::Jsonb: return raw(v.as_string()); // stored as JSON text already
    case Type::Interval: return string(fed::to_pg_text(v));
    default: break;
    }
    before_value();
    switch (v.type()) {
    case Type::Float4:
    case Type::Float8: return write_number_or_string(fed::to_pg_text(v)); // shortest round-trip digits
    case Type::Numeric:
        if (options_.numeric_as_string)
            return write_escaped(v.as_string());
        return write_number_or_string(v.as_string()); // NaN and ±Infinity become strings
    case Type::Bytea: return write_base64(v.as_string());
    case Type::Date: return write_date(v.as_int());
    case Type::Time: return write_time(v.as_int());
    case Type::Timestamp: return write_timestamp(v.as_int(), false);
    case Type::TimestampTz: return write_timestamp(v.as_int(), true);
    default: assert(false && "every type is handled above"); return;
    }
}

bool is_json_number(std::string_view text) {
    size_t i = 0, n = text.size();
    auto digit = [&] { return i < n && text[i] >= '0' && text[i] <= '9'; };
    auto digits = [&] {
        if (!digit())
            return false;
        while (digit())
            ++i;
        return true;
    };
    if (i < n && text[i] == '-')
        ++i;
    if (i < n && text[i] == '0')
        ++i; // no leading zeros: "0" stands alone before '.' or 'e'
    else if (!digits())
        return false;
    if (i < n && text[i] == '.') {
        ++i;
        if (!digits())
            return false;
    }
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < n && (text[i] == '+' || text[i] == '-'))
            ++i;
        if (!digits())
            return false;
    }
    return i == n;
}

} // namespace nectar::rest
