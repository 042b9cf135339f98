// Date, time, timestamp and interval text as PostgreSQL 15 reads and prints it
// (DateStyle ISO, IntervalStyle postgres, TimeZone UTC).
#include "federation/types/datetime.hpp"

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace nectar::federation {

namespace {

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/// "05" or "05.5": seconds with the fraction's trailing zeros dropped.
std::string seconds_text(int64_t second_us) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld", static_cast<long long>(second_us / kMicrosPerSecond));
    std::string out = buf;
    if (int64_t frac = second_us % kMicrosPerSecond) {
        std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
        out += buf;
        while (out.back() == '0')
            out.pop_back();
    }
    return out;
}

/// "2024-01-02" and whether the year is BC (the caller appends " BC" after any time).
std::string date_text(int64_t days, bool* bc) {
    CivilDate d = civil_from_days(days);
    *bc = d.year <= 0;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", *bc ? 1 - d.year : d.year, d.month, d.day);
    return buf;
}

// --- Parsing ---

/// The parts of a date/time literal; which of them a type needs is the caller's business.
struct Fields {
    bool has_date = false, has_time = false, has_tz = false, bc = false;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    int64_t micros = 0;     ///< fraction of the second
    int64_t tz_seconds = 0; ///< east of UTC
};

enum class Special { none, infinity, minus_infinity, epoch, now, today, tomorrow, yesterday, allballs };

Special special_word(const std::string& s) {
    if (s == "infinity" || s == "+infinity")
        return Special::infinity;
    if (s == "-infinity")
        return Special::minus_infinity;
    if (s == "epoch")
        return Special::epoch;
    if (s == "now")
        return Special::now;
    if (s == "today")
        return Special::today;
    if (s == "tomorrow")
        return Special::tomorrow;
    if (s == "yesterday")
        return Special::yesterday;
    if (s == "allballs")
        return Special::allballs;
    return Special::none;
}

class Scanner {
  public:
    explicit Scanner(const std::string& s)
        : s_(s) {}
    bool done() const { return i_ >= s_.size(); }
    char peek() const { return done() ? '\0' : s_[i_]; }
    bool accept(char c) { return peek() == c ? (++i_, true) : false; }
    bool accept_word(std::string_view w) {
        if (s_.compare(i_, w.size(), w) != 0)
            return false;
        i_ += w.size();
        return true;
    }
    void skip_spaces() {
        while (peek() == ' ' || peek() == '\t')
            ++i_;
    }
    bool digit() const { return peek() >= '0' && peek() <= '9'; }
    /// A run of digits; its length goes to *len.
    std::string digits() {
        size_t start = i_;
        while (digit())
            ++i_;
        return s_.substr(start, i_ - start);
    }

  private:
    const std::string& s_;
    size_t i_ = 0;
};

/// A field's digits as a number; absurdly long runs become a value every range check refuses.
int to_int(const std::string& digits) { return digits.size() > 9 ? 999'999'999 : std::atoi(digits.c_str()); }

bool parse_time_part(Scanner& sc, int first, Fields* f) {
    f->has_time = true;
    f->hour = first;
    if (!sc.accept(':') || !sc.digit())
        return false;
    f->minute = to_int(sc.digits());
    if (sc.accept(':')) {
        if (!sc.digit())
            return false;
        f->second = to_int(sc.digits());
        if (sc.accept('.')) {
            std::string frac = "0." + sc.digits();
            // PostgreSQL rounds the fraction to µs through a double, as rint() does.
            f->micros = int64_t(std::rint(std::strtod(frac.c_str(), nullptr) * 1e6));
        }
    }
    return true;
}

bool parse_zone(Scanner& sc, Fields* f) {
    if (sc.accept('z') || sc.accept_word("utc") || sc.accept_word("gmt")) {
        f->has_tz = true;
        return true;
    }
    bool negative = sc.peek() == '-';
    if (!sc.accept('+') && !sc.accept('-'))
        return true; // no zone
    if (!sc.digit())
        return false;
    std::string first = sc.digits();
    int h = 0, m = 0, s = 0;
    if (first.size() <= 2) {
        h = std::atoi(first.c_str());
        if (sc.accept(':'))
            m = to_int(sc.digits());
        if (sc.accept(':'))
            s = to_int(sc.digits());
    } else if (first.size() == 4 || first.size() == 6) {
        h = std::atoi(first.substr(0, 2).c_str());
        m = std::atoi(first.substr(2, 2).c_str());
        s = first.size() == 6 ? std::atoi(first.substr(4, 2).c_str()) : 0;
    } else {
        return false;
    }
    f->has_tz = true;
    f->tz_seconds = (negative ? -1 : 1) * (int64_t(h) * 3600 + m * 60 + s);
    return true;
}

/// Reads "YYYY-MM-DD", "YYYYMMDD", a time, or both ('T' or spaces between), then a zone and BC/AD.
bool scan_fields(const std::string& s, Fields* f) {
    Scanner sc(s);
    if (!sc.digit())
        return false;
    std::string first = sc.digits();
    if (sc.peek() == '-' || (first.size() == 8 && sc.peek() != ':')) {
        f->has_date = true;
        if (first.size() == 8 && sc.peek() != '-') {
            f->year = std::atoi(first.substr(0, 4).c_str());
            f->month = std::atoi(first.substr(4, 2).c_str());
            f->day = std::atoi(first.substr(6, 2).c_str());
        } else {
            f->year = to_int(first);
            if (!sc.accept('-') || !sc.digit())
                return false;
            f->month = to_int(sc.digits());
            if (!sc.accept('-') || !sc.digit())
                return false;
            f->day = to_int(sc.digits());
        }
        if (!sc.accept('t'))
            sc.skip_spaces();
        if (sc.digit() && !parse_time_part(sc, to_int(sc.digits()), f))
            return false;
    } else if (!parse_time_part(sc, to_int(first), f)) {
        return false;
    }
    sc.skip_spaces();
    if (!parse_zone(sc, f))
        return false;
    sc.skip_spaces();
    if (sc.accept_word("bc"))
        f->bc = true;
    else
        sc.accept_word("ad");
    sc.skip_spaces();
    return sc.done();
}

std::string lower_trimmed(std::string_view text) {
    size_t b = 0, e = text.size();
    while (b < e && std::isspace(static_cast<unsigned char>(text[b])))
        ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1])))
        --e;
    std::string s;
    for (char c : text.substr(b, e - b))
        s += char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

Error syntax_error(std::string_view type, std::string_view text) {
    return Error::make("22007",
                       "invalid input syntax for type " + std::string(type) + ": \"" + std::string(text) + "\"");
}

Error field_error(std::string_view text) {
    return Error::make("22008", "date/time field value out of range: \"" + std::string(text) + "\"");
}

/// Parses and checks the fields; `type` names the type in error messages.
Result<Fields> read_fields(std::string_view text, std::string_view type) {
    Fields f;
    if (!scan_fields(lower_trimmed(text), &f))
        return syntax_error(type, text);
    if (f.has_date) {
        if (f.year < 1 || f.year >= 999'999'999 || f.month < 1 || f.month > 12)
            return field_error(text);
        if (f.bc)
            f.year = 1 - f.year; // astronomical numbering: 1 BC is year 0
        if (f.day < 1 || f.day > days_in_month(f.year, f.month))
            return field_error(text);
    } else if (f.bc) {
        return syntax_error(type, text);
    }
    if (f.has_time) {
        bool past_midnight = f.hour == 24 && (f.minute != 0 || f.second != 0 || f.micros != 0);
        if (f.hour > 24 || past_midnight || f.minute > 59 || f.second > 60)
            return field_error(text);
    }
    return f;
}

int64_t time_of(const Fields& f) {
    return ((int64_t(f.hour) * 60 + f.minute) * 60 + f.second) * kMicrosPerSecond + f.micros;
}

int64_t now_micros() {
    auto since_unix = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    return since_unix.count() - 10'957 * kMicrosPerDay;
}

/// The timestamp a special word stands for (today etc. at midnight UTC).
int64_t special_timestamp(Special s) {
    int64_t today = floor_div(now_micros(), kMicrosPerDay) * kMicrosPerDay;
    switch (s) {
    case Special::infinity:
        return kTimestampInfinity;
    case Special::minus_infinity:
        return kTimestampMinusInfinity;
    case Special::epoch:
        return -10'957 * kMicrosPerDay;
    case Special::now:
        return now_micros();
    case Special::today:
        return today;
    case Special::tomorrow:
        return today + kMicrosPerDay;
    case Special::yesterday:
        return today - kMicrosPerDay;
    default:
        return 0;
    }
}

/// An interval's fields while parsing, wide enough to notice overflow before storing.
struct IntervalSum {
    int64_t months = 0, days = 0;
    double micros = 0;
};

/// Adds `value` units; fractions spill into the next smaller field as PostgreSQL does
/// (a month is 30 days, a year's fraction is rounded to whole months).
bool add_unit(IntervalSum* sum, double value, const std::string& unit) {
    double whole = std::trunc(value), frac = value - whole;
    auto spill_days = [&](double days) {
        double d = std::trunc(days);
        sum->days += int64_t(d);
        sum->micros += (days - d) * double(kMicrosPerDay);
    };
    if (unit == "microseconds")
        sum->micros += value;
    else if (unit == "milliseconds")
        sum->micros += value * 1e3;
    else if (unit == "second")
        sum->micros += value * 1e6;
    else if (unit == "minute")
        sum->micros += value * 60e6;
    else if (unit == "hour")
        sum->micros += value * 3600e6;
    else if (unit == "day")
        spill_days(value);
    else if (unit == "week")
        spill_days(value * 7);
    else if (unit == "month")
        sum->months += int64_t(whole), spill_days(frac * 30);
    else if (unit == "year" || unit == "decade" || unit == "century" || unit == "millennium") {
        int64_t per = unit == "year" ? 12 : unit == "decade" ? 120 : unit == "century" ? 1200 : 12000;
        sum->months += int64_t(whole) * per + int64_t(std::rint(frac * double(per)));
    } else
        return false;
    return true;
}

/// "[+-]H:MM[:SS[.f]]" to µs; false if it is not one; *range_error when minutes or seconds pass 59.
bool time_token(const std::string& tok, double* micros, bool* range_error) {
    size_t i = 0;
    bool negative = tok[0] == '-';
    if (tok[0] == '-' || tok[0] == '+')
        ++i;
    int64_t parts[3] = {0, 0, 0};
    int n = 0;
    double frac = 0;
    while (i < tok.size() && n < 3) {
        size_t start = i;
        while (i < tok.size() && std::isdigit(static_cast<unsigned char>(tok[i])))
            ++i;
        if (i == start)
            return false;
        parts[n++] = std::atoll(tok.substr(start, i - start).c_str());
        if (n == 3 && i < tok.size() && tok[i] == '.') {
            frac = std::strtod(tok.c_str() + i, nullptr);
            ++i;
            while (i < tok.size() && std::isdigit(static_cast<unsigned char>(tok[i])))
                ++i;
        }
        if (i < tok.size() && !(tok[i] == ':' && n < 3))
            return false;
        if (i < tok.size())
            ++i;
    }
    if (n < 2 || i != tok.size())
        return false;
    *range_error = parts[1] > 59 || parts[2] > 59;
    double total = double((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1e6 + std::rint(frac * 1e6);
    *micros = negative ? -total : total;
    return true;
}

std::vector<std::string> split_words(const std::string& s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
            ++i;
        size_t start = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])))
            ++i;
        if (i > start)
            out.push_back(s.substr(start, i - start));
    }
    return out;
}

bool is_number_start(char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.'; }

} // namespace

std::string format_date(int64_t days) {
    if (days == kDateInfinity)
        return "infinity";
    if (days == kDateMinusInfinity)
        return "-infinity";
    bool bc = false;
    std::string out = date_text(days, &bc);
    return bc ? out + " BC" : out;
}

std::string format_time(int64_t micros) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:", static_cast<long long>(micros / (3600 * kMicrosPerSecond)),
                  static_cast<long long>(micros / (60 * kMicrosPerSecond) % 60));
    return buf + seconds_text(micros % (60 * kMicrosPerSecond));
}

std::string format_timestamp(int64_t micros, bool with_tz) {
    if (micros == kTimestampInfinity)
        return "infinity";
    if (micros == kTimestampMinusInfinity)
        return "-infinity";
    int64_t days = floor_div(micros, kMicrosPerDay);
    bool bc = false;
    std::string out = date_text(days, &bc) + " " + format_time(micros - days * kMicrosPerDay);
    if (with_tz)
        out += "+00";
    return bc ? out + " BC" : out;
}

std::string format_interval(const Interval& iv) {
    std::string out;
    bool is_zero = true, is_before = false;
    // Each non-zero field prints with its sign; "+" marks a positive field after a negative one.
    auto add_part = [&](int64_t value, const char* unit) {
        if (value == 0)
            return;
        out += is_zero ? "" : " ";
        out += (is_before && value > 0) ? "+" : "";
        out += std::to_string(value) + " " + unit + (value != 1 ? "s" : "");
        is_before = value < 0;
        is_zero = false;
    };
    add_part(iv.months / 12, "year");
    add_part(iv.months % 12, "mon");
    add_part(iv.days, "day");
    if (is_zero || iv.micros != 0) {
        bool minus = iv.micros < 0;
        uint64_t mag = minus ? uint64_t(0) - uint64_t(iv.micros) : uint64_t(iv.micros);
        char buf[48];
        std::snprintf(buf, sizeof buf, "%s%s%02llu:%02llu:", is_zero ? "" : " ", minus ? "-" : (is_before ? "+" : ""),
                      static_cast<unsigned long long>(mag / 3'600'000'000ULL),
                      static_cast<unsigned long long>(mag / 60'000'000ULL % 60));
        out += buf + seconds_text(int64_t(mag % 60'000'000ULL));
    }
    return out;
}

Result<int64_t> parse_date(std::string_view text) {
    Special s = special_word(lower_trimmed(text));
    if (s == Special::infinity)
        return kDateInfinity;
    if (s == Special::minus_infinity)
        return kDateMinusInfinity;
    if (s != Special::none && s != Special::allballs)
        return floor_div(special_timestamp(s), kMicrosPerDay);
    auto f = read_fields(text, "date");
    if (!f)
        return f.error();
    if (!f->has_date)
        return syntax_error("date", text);
    int64_t days = days_from_civil(f->year, f->month, f->day);
    // PostgreSQL's dates run from 4714-11-24 BC to 5874897-12-31.
    if (days < -2'451'545 || days > days_from_civil(5'874'897, 12, 31))
        return Error::make("22008", "date out of range: \"" + std::string(text) + "\"");
    return days;
}

Result<int64_t> parse_time(std::string_view text) {
    Special s = special_word(lower_trimmed(text));
    if (s == Special::allballs)
        return int64_t(0);
    if (s == Special::now) {
        int64_t now = now_micros();
        return now - floor_div(now, kMicrosPerDay) * kMicrosPerDay;
    }
    auto f = read_fields(text, "time");
    if (!f)
        return f.error();
    if (!f->has_time)
        return syntax_error("time", text);
    int64_t t = time_of(*f);
    if (t > kMicrosPerDay)
        return field_error(text);
    return t;
}

Result<int64_t> parse_timestamp(std::string_view text, bool with_tz) {
    std::string_view type = with_tz ? "timestamp with time zone" : "timestamp";
    Special s = special_word(lower_trimmed(text));
    if (s == Special::allballs)
        return syntax_error(type, text);
    if (s != Special::none)
        return special_timestamp(s);
    auto f = read_fields(text, type);
    if (!f)
        return f.error();
    if (!f->has_date)
        return syntax_error(type, text);
    int64_t ts = 0;
    bool overflow = __builtin_mul_overflow(days_from_civil(f->year, f->month, f->day), kMicrosPerDay, &ts) ||
                    __builtin_add_overflow(ts, time_of(*f), &ts);
    if (with_tz && f->has_tz)
        overflow = overflow || __builtin_sub_overflow(ts, f->tz_seconds * kMicrosPerSecond, &ts);
    if (overflow || !timestamp_in_range(ts))
        return Error::make("22008", "timestamp out of range: \"" + std::string(text) + "\"");
    return ts;
}

Result<Interval> parse_interval(std::string_view text) {
    auto bad = [&] { return syntax_error("interval", text); };
    std::vector<std::string> tokens = split_words(lower_trimmed(text));
    if (!tokens.empty() && tokens[0] == "@")
        tokens.erase(tokens.begin());
    bool ago = !tokens.empty() && tokens.back() == "ago";
    if (ago)
        tokens.pop_back();
    if (tokens.empty())
        return bad();
    IntervalSum sum;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const std::string& tok = tokens[i];
        double micros = 0;
        bool range_error = false;
        if (time_token(tok, &micros, &range_error)) {
            if (range_error)
                return Error::make("22015", "interval field value out of range: \"" + std::string(text) + "\"");
            sum.micros += micros;
            continue;
        }
        if (!is_number_start(tok[0]))
            return bad();
        char* end = nullptr;
        double value = std::strtod(tok.c_str(), &end);
        if (end == tok.c_str() || !std::isfinite(value))
            return bad();
        std::string unit = end;
        if (unit.empty() && i + 1 < tokens.size() && std::isalpha(static_cast<unsigned char>(tokens[i + 1][0])))
            unit = tokens[++i];
        if (unit.empty()) {
            // A bare number: days before a time ("1 12:00:00"), seconds at the end ("5").
            bool time_follows = i + 1 < tokens.size() && tokens[i + 1].find(':') != std::string::npos;
            if (i + 1 < tokens.size() && !time_follows)
                return bad();
            unit = time_follows ? "day" : "second";
        }
        if (!add_unit(&sum, value, canonical_time_unit(unit)))
            return bad();
    }
    double micros = std::rint(sum.micros);
    if (std::abs(double(sum.months)) > INT32_MAX || std::abs(double(sum.days)) > INT32_MAX ||
        std::abs(micros) > 9.2e18)
        return Error::make("22015", "interval out of range");
    Interval iv{};
    iv.months = int32_t(sum.months);
    iv.days = int32_t(sum.days);
    iv.micros = int64_t(micros);
    if (ago)
        iv = Interval{-iv.micros, -iv.days, -iv.months};
    return iv;
}

} // namespace nectar::federation
