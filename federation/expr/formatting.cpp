// to_char(timestamp|timestamptz, text) and to_char(numeric|int|float, text) with PostgreSQL's
// template patterns (the "Data Type Formatting Functions" chapter of its manual). Dates reach
// to_char(timestamptz) through the implicit cast, as in PostgreSQL; the session time zone is UTC.

#include "federation/expr/overload.hpp"
#include "federation/types/datetime.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace nectar::federation::expr {

namespace {

using Catalog = std::vector<std::pair<std::string, Overload>>;
using Args = std::span<const Value>;

// --- Date/time templates ---

/// A broken-down timestamp: what the keywords print.
struct Fields {
    int64_t year, month, day, hour, minute, second, micros, days; ///< days since 2000-01-01
    int64_t doy() const { return days - days_from_civil(static_cast<int>(year), 1, 1) + 1; }
    int64_t dow() const { return ((days + 6) % 7 + 7) % 7; } ///< 0 = Sunday (2000-01-01 was a Saturday)
};

Fields split(int64_t ts) {
    int64_t days = ts / kMicrosPerDay - (ts % kMicrosPerDay < 0);
    int64_t tod = ts - days * kMicrosPerDay;
    CivilDate d = civil_from_days(days);
    return {d.year,
            d.month,
            d.day,
            tod / (3600 * kMicrosPerSecond),
            tod / (60 * kMicrosPerSecond) % 60,
            tod / kMicrosPerSecond % 60,
            tod % kMicrosPerSecond,
            days};
}

/// ISO 8601 week-numbering year and week of a day (weeks start on Monday; week 1 holds Jan 4th).
std::pair<int64_t, int64_t> iso_week(const Fields& f) {
    auto week1_monday = [](int64_t year) {
        int64_t jan4 = days_from_civil(static_cast<int>(year), 1, 4);
        return jan4 - ((jan4 + 5) % 7 + 7) % 7; // (days + 5) % 7 is 0 on Mondays
    };
    int64_t year = f.year;
    if (f.days < week1_monday(year))
        --year;
    else if (f.days >= week1_monday(year + 1))
        ++year;
    return {year, (f.days - week1_monday(year)) / 7 + 1};
}

const std::array<const char*, 12> kMonths = {"January", "February", "March",     "April",   "May",      "June",
                                             "July",    "August",   "September", "October", "November", "December"};
const std::array<const char*, 7> kDays = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
const std::array<const char*, 12> kRoman = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"};

/// Every keyword, matched longest first at each position of the template.
const std::vector<std::string_view>& keywords() {
    static const std::vector<std::string_view> all = [] {
        std::vector<std::string_view> k = {
            "A.D.", "A.M.", "AD",   "AM",   "B.C.", "BC",    "CC",   "DAY",  "DDD",   "DD",   "DY",   "Day",  "Dy",
            "D",    "FF1",  "FF2",  "FF3",  "FF4",  "FF5",   "FF6",  "HH24", "HH12",  "HH",   "IDDD", "ID",   "IW",
            "IYYY", "IYY",  "IY",   "I",    "J",    "MI",    "MM",   "MONTH", "MON",  "MS",   "Month", "Mon", "OF",
            "P.M.", "PM",   "Q",    "RM",   "SSSSS", "SSSS", "SS",   "TZH",  "TZM",   "TZ",   "US",   "WW",   "W",
            "Y,YYY", "YYYY", "YYY", "YY",   "Y",    "a.d.",  "a.m.", "ad",   "am",    "b.c.", "bc",   "cc",   "day",
            "ddd",  "dd",   "dy",   "d",    "ff1",  "ff2",   "ff3",  "ff4",  "ff5",   "ff6",  "hh24", "hh12", "hh",
            "iddd", "id",   "iw",   "iyyy", "iyy",  "iy",    "i",    "j",    "mi",    "mm",   "month", "mon", "ms",
            "of",   "p.m.", "pm",   "q",    "rm",   "sssss", "ssss", "ss",   "tz",    "us",   "ww",   "w",    "y,yyy",
            "yyyy", "yyy",  "yy",   "y"};
        std::stable_sort(k.begin(), k.end(), [](auto a, auto b) { return a.size() > b.size(); });
        return k;
    }();
    return all;
}

std::string zero_pad(int64_t v, int width, bool fill_mode) {
    std::string digits = std::to_string(v < 0 ? -v : v);
    if (!fill_mode && digits.size() < static_cast<size_t>(width))
        digits.insert(0, static_cast<size_t>(width) - digits.size(), '0');
    return (v < 0 ? "-" : "") + digits;
}

std::string ordinal_suffix(int64_t v, bool upper) {
    int64_t last2 = (v < 0 ? -v : v) % 100, last = last2 % 10;
    const char* s = (last2 >= 11 && last2 <= 13) ? "th" : last == 1 ? "st" : last == 2 ? "nd" : last == 3 ? "rd" : "th";
    std::string out = s;
    if (upper)
        out = {static_cast<char>(std::toupper(out[0])), static_cast<char>(std::toupper(out[1]))};
    return out;
}

/// A name in the keyword's case: "MONTH" upper, "month" lower, "Month" as is; padded to `width`.
std::string cased_name(std::string_view name, std::string_view keyword, size_t width, bool fill_mode) {
    std::string out(name);
    bool all_upper = std::isupper(static_cast<unsigned char>(keyword[0])) && std::isupper(static_cast<unsigned char>(keyword[1]));
    bool all_lower = std::islower(static_cast<unsigned char>(keyword[0]));
    for (char& c : out)
        c = static_cast<char>(all_upper ? std::toupper(c) : all_lower ? std::tolower(c) : c);
    if (!fill_mode && out.size() < width)
        out.append(width - out.size(), ' ');
    return out;
}

struct Rendered {
    std::string text;
    std::optional<int64_t> number; ///< for a TH/th suffix
};

/// One keyword's text. `upper` keywords spell letters in upper case.
Rendered render_keyword(std::string_view kw, const Fields& f, bool fm, bool with_tz) {
    std::string k(kw.size(), ' ');
    std::transform(kw.begin(), kw.end(), k.begin(), [](char c) { return static_cast<char>(std::toupper(c)); });
    bool lower = std::islower(static_cast<unsigned char>(kw[0]));
    int64_t year = f.year > 0 ? f.year : 1 - f.year; // 1 BC is year 0 astronomically
    auto num = [&](int64_t v, int width) { return Rendered{zero_pad(v, width, fm), v}; };
    auto word = [&](const char* upper_text) {
        std::string s = upper_text;
        if (lower)
            std::transform(s.begin(), s.end(), s.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
        return Rendered{s, std::nullopt};
    };
    int64_t hour12 = f.hour % 12 == 0 ? 12 : f.hour % 12;
    if (k == "YYYY")
        return num(year, 4);
    if (k == "YYY" || k == "YY" || k == "Y") {
        int64_t mod = k == "YYY" ? 1000 : k == "YY" ? 100 : 10;
        return num(year % mod, static_cast<int>(k.size()));
    }
    if (k == "Y,YYY")
        return {std::to_string(year / 1000) + "," + zero_pad(year % 1000, 3, false), year};
    if (k[0] == 'I' && k.find('Y') != std::string::npos) {
        int64_t iy = iso_week(f).first, mod = k == "IYYY" ? 0 : k == "IYY" ? 1000 : k == "IY" ? 100 : 10;
        return num(mod ? iy % mod : iy, static_cast<int>(k.size()));
    }
    if (k == "CC")
        return num(f.year > 0 ? (f.year + 99) / 100 : -((99 - (f.year - 1)) / 100), 2);
    if (k == "Q")
        return num((f.month - 1) / 3 + 1, 0);
    if (k == "MM")
        return num(f.month, 2);
    if (k == "DD")
        return num(f.day, 2);
    if (k == "DDD")
        return num(f.doy(), 3);
    if (k == "D")
        return num(f.dow() + 1, 0);
    if (k == "ID")
        return num(f.dow() == 0 ? 7 : f.dow(), 0);
    if (k == "IDDD")
        return num((iso_week(f).second - 1) * 7 + (f.dow() == 0 ? 7 : f.dow()), 3);
    if (k == "IW")
        return num(iso_week(f).second, 2);
    if (k == "WW")
        return num((f.doy() - 1) / 7 + 1, 2);
    if (k == "W")
        return num((f.day - 1) / 7 + 1, 0);
    if (k == "J")
        return num(f.days + kJulianDay2000, 0);
    if (k == "HH" || k == "HH12")
        return num(hour12, 2);
    if (k == "HH24")
        return num(f.hour, 2);
    if (k == "MI")
        return num(f.minute, 2);
    if (k == "SS")
        return num(f.second, 2);
    if (k == "SSSS" || k == "SSSSS")
        return num(f.hour * 3600 + f.minute * 60 + f.second, 0);
    if (k == "MS")
        return num(f.micros / 1000, 3);
    if (k == "US")
        return num(f.micros, 6);
    if (k.starts_with("FF")) {
        int digits = k[2] - '0';
        return num(f.micros / static_cast<int64_t>(std::pow(10, 6 - digits)), digits);
    }
    if (k == "AM" || k == "PM")
        return word(f.hour >= 12 ? "PM" : "AM");
    if (k == "A.M." || k == "P.M.")
        return word(f.hour >= 12 ? "P.M." : "A.M.");
    if (k == "AD" || k == "BC")
        return word(f.year > 0 ? "AD" : "BC");
    if (k == "A.D." || k == "B.C.")
        return word(f.year > 0 ? "A.D." : "B.C.");
    if (k == "MONTH")
        return {cased_name(kMonths[f.month - 1], kw, 9, fm), std::nullopt};
    if (k == "MON")
        return {cased_name(std::string_view(kMonths[f.month - 1]).substr(0, 3), kw, 0, fm), std::nullopt};
    if (k == "DAY")
        return {cased_name(kDays[f.dow()], kw, 9, fm), std::nullopt};
    if (k == "DY")
        return {cased_name(std::string_view(kDays[f.dow()]).substr(0, 3), kw, 0, fm), std::nullopt};
    if (k == "RM")
        return {cased_name(kRoman[f.month - 1], lower ? "rm" : "RM", 4, fm), std::nullopt};
    if (k == "TZ")
        return word(with_tz ? "UTC" : "");
    if (k == "OF" || k == "TZH")
        return {"+00", std::nullopt};
    return {"00", std::nullopt}; // TZM
}

/// to_char(timestamp, template): keywords with FM/TM prefixes and TH/th suffixes, "quoted text",
/// \" for a quote, anything else copied.
std::string format_datetime(int64_t ts, std::string_view tmpl, bool with_tz) {
    Fields f = split(ts);
    std::string out;
    for (size_t i = 0; i < tmpl.size();) {
        if (tmpl[i] == '"') {
            for (++i; i < tmpl.size() && tmpl[i] != '"'; ++i) {
                if (tmpl[i] == '\\' && i + 1 < tmpl.size())
                    ++i;
                out += tmpl[i];
            }
            ++i;
            continue;
        }
        if (tmpl[i] == '\\' && i + 1 < tmpl.size() && tmpl[i + 1] == '"') {
            out += '"';
            i += 2;
            continue;
        }
        bool fm = false; // FM (fill mode) and TM (translated names, unpadded) drop the padding; FX is a no-op
        for (std::string_view rest = tmpl.substr(i); rest.size() > 2; rest = tmpl.substr(i)) {
            std::string_view p = rest.substr(0, 2);
            if (p != "FM" && p != "fm" && p != "TM" && p != "tm" && p != "FX" && p != "fx")
                break;
            fm = fm || (p != "FX" && p != "fx");
            i += 2;
        }
        std::string_view kw;
        for (std::string_view k : keywords()) {
            if (tmpl.substr(i).starts_with(k)) {
                kw = k;
                break;
            }
        }
        if (kw.empty()) {
            out += tmpl[i++];
            continue;
        }
        i += kw.size();
        Rendered r = render_keyword(kw, f, fm, with_tz);
        out += r.text;
        std::string_view rest = tmpl.substr(i);
        if (r.number && (rest.starts_with("TH") || rest.starts_with("th"))) {
            out += ordinal_suffix(*r.number, rest[0] == 'T');
            i += 2;
        }
    }
    return out;
}

Result<Value> to_char_timestamp(const Value& ts, const Value& tmpl) {
    int64_t us = ts.as_int();
    if (us == kTimestampInfinity || us == kTimestampMinusInfinity)
        return Value::null(Type::Text);
    return Value::text(format_datetime(us, tmpl.as_string(), ts.type() == Type::TimestampTz));
}

} // namespace

void register_formatting_functions(Catalog& c) {
    for (Type t : {Type::Timestamp, Type::TimestampTz}) {
        c.push_back({"to_char", Overload{{t, Type::Text}, Type::Text, [](Args a) { return to_char_timestamp(a[0], a[1]); }}});
    }
    for (Type t : {Type::Int4, Type::Int8, Type::Float4, Type::Float8, Type::Numeric}) {
        c.push_back({"to_char", Overload{{t, Type::Text}, Type::Text,
                                         [](Args a) { return to_char_number(a[0], a[1].as_string()); }}});
    }
}

} // namespace nectar::federation::expr
