#include "federation/connectors/mysql/mysql_values.hpp"

#include "federation/types/datetime.hpp"

#include <charconv>
#include <limits>
#include <string>

namespace nectar::federation {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

Error out_of_range(std::string_view text, std::string_view why) {
    return Error::make("22008", "mysql: date/time field value out of range: \"" + std::string(text) + "\"" +
                                    (why.empty() ? "" : " (" + std::string(why) + ")"));
}

/// Reads exactly `digits` decimal digits at `pos`; -1 when they are not there.
int read_digits(std::string_view s, size_t pos, size_t digits) {
    if (pos + digits > s.size()) {
        return -1;
    }
    int v = 0;
    for (size_t i = pos; i < pos + digits; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/// "YYYY-MM-DD" as days since 2000-01-01; zero dates and parts are PostgreSQL-impossible.
Result<int64_t> parse_date(std::string_view s, std::string_view whole) {
    int y = read_digits(s, 0, 4), m = read_digits(s, 5, 2), d = read_digits(s, 8, 2);
    if (y < 0 || m < 0 || d < 0 || s.size() < 10 || s[4] != '-' || s[7] != '-') {
        return Error::make("22007", "mysql: invalid date/time value: \"" + std::string(whole) + "\"");
    }
    if (y == 0 || m == 0 || d == 0) {
        return out_of_range(whole, "MySQL zero date");
    }
    if (m > 12 || d > days_in_month(y, m)) {
        return out_of_range(whole, "");
    }
    return days_from_civil(y, m, d);
}

/// "HH:MM:SS[.ffffff]" (hours may have more digits in MySQL) as µs; `max_hours` bounds them.
Result<int64_t> parse_time_of_day(std::string_view s, std::string_view whole) {
    size_t colon = s.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 3) {
        return Error::make("22007", "mysql: invalid date/time value: \"" + std::string(whole) + "\"");
    }
    int h = read_digits(s, 0, colon), m = read_digits(s, colon + 1, 2), sec = read_digits(s, colon + 4, 2);
    if (h < 0 || m < 0 || sec < 0 || s[colon + 3] != ':') {
        return Error::make("22007", "mysql: invalid date/time value: \"" + std::string(whole) + "\"");
    }
    int64_t frac = 0;
    size_t pos = colon + 6;
    if (pos < s.size() && s[pos] == '.') {
        int64_t scale = 100000;
        for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && scale > 0; ++pos, scale /= 10) {
            frac += (s[pos] - '0') * scale;
        }
    }
    int64_t micros = ((int64_t{h} * 60 + m) * 60 + sec) * kMicrosPerSecond + frac;
    if (micros > kMicrosPerDay) {
        return out_of_range(whole, "PostgreSQL's time ends at 24:00:00");
    }
    return micros;
}

Result<Value> parse_integer(std::string_view text, const MYSQL_FIELD& field, Type type) {
    int64_t v = 0;
    if (field.type == MYSQL_TYPE_BIT) {
        // BIT values come as big-endian bytes.
        for (unsigned char c : text) {
            v = (v << 8) | c;
        }
    } else {
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size()) {
            return from_pg_text(type, text); // PostgreSQL's own message for what it would reject
        }
    }
    int64_t lo = type == Type::Int2   ? std::numeric_limits<int16_t>::min()
                 : type == Type::Int4 ? std::numeric_limits<int32_t>::min()
                                      : std::numeric_limits<int64_t>::min();
    int64_t hi = type == Type::Int2   ? std::numeric_limits<int16_t>::max()
                 : type == Type::Int4 ? std::numeric_limits<int32_t>::max()
                                      : std::numeric_limits<int64_t>::max();
    if (v < lo || v > hi) {
        return Error::make("22003", type == Type::Int2   ? "smallint out of range"
                                    : type == Type::Int4 ? "integer out of range"
                                                         : "bigint out of range");
    }
    return Value::integer(type, v);
}

Result<Value> parse_numeric(std::string_view text, const MYSQL_FIELD& field) {
    if (field.type == MYSQL_TYPE_BIT) {
        uint64_t v = 0;
        for (unsigned char c : text) {
            v = (v << 8) | c;
        }
        return Value::numeric(std::to_string(v));
    }
    // MySQL prints DECIMAL as PostgreSQL prints numeric (digits, the column's scale); other
    // text (floats in exponent form) goes through the numeric parser.
    bool plain = !text.empty();
    for (char c : text) {
        plain = plain && ((c >= '0' && c <= '9') || c == '.' || c == '-');
    }
    if (plain && !starts_with(text, "-0")) {
        return Value::numeric(std::string(text));
    }
    auto parsed = from_pg_text(Type::Numeric, text);
    return parsed;
}

Result<Value> parse_float(std::string_view text, Type type) {
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return from_pg_text(type, text);
    }
    return Value::floating(type, type == Type::Float4 ? static_cast<double>(static_cast<float>(v)) : v);
}

Result<Value> parse_temporal(std::string_view text, Type type) {
    if (type == Type::Time) {
        if (starts_with(text, "-")) {
            return out_of_range(text, "negative MySQL TIME");
        }
        auto t = parse_time_of_day(text, text);
        return t ? Result<Value>(Value::temporal(type, *t)) : Result<Value>(t.error());
    }
    auto days = parse_date(text, text);
    if (!days) {
        return days.error();
    }
    if (type == Type::Date) {
        return Value::temporal(type, *days);
    }
    int64_t micros = 0;
    if (text.size() > 11) {
        auto t = parse_time_of_day(text.substr(11), text);
        if (!t) {
            return t.error();
        }
        micros = *t;
    }
    return Value::temporal(type, *days * kMicrosPerDay + micros);
}

} // namespace

Type mysql_column_type(std::string_view data_type, std::string_view column_type, bool json) {
    bool is_unsigned = column_type.find("unsigned") != std::string_view::npos;
    if (json || data_type == "json") {
        return Type::Jsonb;
    }
    if (data_type == "tinyint") {
        // tinyint(1) is how MySQL spells BOOLEAN.
        return starts_with(column_type, "tinyint(1)") && !is_unsigned ? Type::Bool : Type::Int2;
    }
    if (data_type == "smallint") {
        return is_unsigned ? Type::Int4 : Type::Int2;
    }
    if (data_type == "mediumint" || data_type == "year") {
        return Type::Int4;
    }
    if (data_type == "int" || data_type == "integer") {
        return is_unsigned ? Type::Int8 : Type::Int4;
    }
    if (data_type == "bigint") {
        return is_unsigned ? Type::Numeric : Type::Int8; // up to 2^64-1
    }
    if (data_type == "bit") {
        return column_type == "bit(1)" ? Type::Bool : column_type == "bit(64)" ? Type::Numeric : Type::Int8;
    }
    if (data_type == "decimal" || data_type == "numeric") {
        return Type::Numeric;
    }
    if (data_type == "float") {
        return Type::Float4;
    }
    if (data_type == "double" || data_type == "real") {
        return Type::Float8;
    }
    if (data_type == "date") {
        return Type::Date;
    }
    if (data_type == "datetime") {
        return Type::Timestamp;
    }
    if (data_type == "timestamp") {
        return Type::TimestampTz; // an instant, read in the session's UTC time zone
    }
    if (data_type == "time") {
        return Type::Time;
    }
    if (data_type == "uuid") {
        return Type::Uuid;
    }
    for (std::string_view bytes :
         {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "geometry", "point",
          "linestring", "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection"}) {
        if (data_type == bytes) {
            return Type::Bytea;
        }
    }
    return Type::Text; // char, varchar, *text, enum, set, inet4/inet6 and anything newer
}

Result<Value> mysql_value(std::string_view text, const MYSQL_FIELD& field, Type type) {
    switch (type) {
    case Type::Bool: {
        if (field.type == MYSQL_TYPE_BIT) {
            bool any = false;
            for (unsigned char c : text) {
                any = any || c != 0;
            }
            return Value::boolean(any);
        }
        int64_t v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec == std::errc() && end == text.data() + text.size()) {
            return Value::boolean(v != 0); // tinyint(1): any non-zero value is true
        }
        return from_pg_text(type, text);
    }
    case Type::Int2:
    case Type::Int4:
    case Type::Int8:
        return parse_integer(text, field, type);
    case Type::Numeric:
        return parse_numeric(text, field);
    case Type::Float4:
    case Type::Float8:
        return parse_float(text, type);
    case Type::Date:
    case Type::Time:
    case Type::Timestamp:
    case Type::TimestampTz:
        return parse_temporal(text, type);
    case Type::Text:
    case Type::Bytea:
    case Type::Unknown:
        return Value::string(type, std::string(text));
    default:
        return from_pg_text(type, text); // uuid, json, jsonb, interval: PostgreSQL's input rules
    }
}

} // namespace nectar::federation
