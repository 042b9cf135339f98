#include "federation/connectors/sqlite/sqlite_types.hpp"

#include "federation/types/datetime.hpp"
#include "federation/types/numeric.hpp"

#include <sqlite3.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <string>

namespace nectar::federation {

namespace {

/// Seconds from 1970-01-01 (Unix) to 2000-01-01 (PostgreSQL's epoch).
constexpr int64_t kUnixToPgEpochSeconds = 946'684'800;

std::string upper_trimmed(std::string_view text) {
    size_t begin = text.find_first_not_of(" \t\r\n");
    size_t end = text.find_last_not_of(" \t\r\n");
    std::string out;
    if (begin == std::string_view::npos) {
        return out;
    }
    for (char c : text.substr(begin, end - begin + 1)) {
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

std::string storage_class_name(int storage) {
    switch (storage) {
    case SQLITE_INTEGER:
        return "integer";
    case SQLITE_FLOAT:
        return "float";
    case SQLITE_TEXT:
        return "text";
    default:
        return "blob";
    }
}

/// The error for a stored value PostgreSQL's input function would not accept for `type`.
Error bad_value(Type type, std::string_view shown, int storage, std::string_view column) {
    Error e = Error::make("22P02", "column \"" + std::string(column) + "\": invalid input syntax for type " +
                                       std::string(type_name(type)) + ": \"" + std::string(shown) + "\"");
    e.detail = "SQLite holds a " + storage_class_name(storage) + " value there, which does not convert to " +
               std::string(type_name(type)) + ".";
    return e;
}

Error out_of_range(Type type, std::string_view column) {
    std::string what = type == Type::Int2   ? "smallint out of range"
                       : type == Type::Int4 ? "integer out of range"
                       : type == Type::Int8 ? "bigint out of range"
                                            : "value out of range for type " + std::string(type_name(type));
    return Error::make("22003", "column \"" + std::string(column) + "\": " + what);
}

/// Prefixes an input function's error with the column it came from.
Error in_column(Error e, std::string_view column) {
    e.message = "column \"" + std::string(column) + "\": " + e.message;
    return e;
}

Result<Value> numeric_value(Result<Decimal> decimal, int scale, std::string_view column) {
    if (!decimal) {
        return in_column(decimal.error(), column);
    }
    Decimal d = scale >= 0 ? decimal->round(scale) : *decimal;
    return Value::numeric(d.to_string());
}

Result<Value> from_integer(int64_t i, Type type, int scale, std::string_view column) {
    switch (type) {
    case Type::Bool:
        // SQLite's truth: any non-zero integer is true, as in its WHERE clauses.
        return Value::boolean(i != 0);
    case Type::Int2:
        if (i < std::numeric_limits<int16_t>::min() || i > std::numeric_limits<int16_t>::max()) {
            return out_of_range(type, column);
        }
        return Value::integer(type, i);
    case Type::Int4:
        if (i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max()) {
            return out_of_range(type, column);
        }
        return Value::integer(type, i);
    case Type::Int8:
        return Value::integer(type, i);
    case Type::Float4:
        return Value::floating(type, static_cast<float>(i));
    case Type::Float8:
        return Value::float8(static_cast<double>(i));
    case Type::Numeric:
        return numeric_value(Decimal::from_int(i), scale, column);
    case Type::Text:
    case Type::Unknown:
    case Type::Json:
    case Type::Jsonb:
        return Value::string(type == Type::Unknown ? Type::Text : type, std::to_string(i));
    case Type::Timestamp:
    case Type::TimestampTz: {
        // An integer in a DATETIME column is Unix time in seconds (SQLite's 'unixepoch').
        constexpr int64_t kLimit =
            std::numeric_limits<int64_t>::max() / kMicrosPerSecond - kUnixToPgEpochSeconds;
        if (i > kLimit || i < -kLimit) {
            return Error::make("22008", "column \"" + std::string(column) + "\": timestamp out of range");
        }
        return Value::temporal(type, (i - kUnixToPgEpochSeconds) * kMicrosPerSecond);
    }
    default:
        return bad_value(type, std::to_string(i), SQLITE_INTEGER, column);
    }
}

std::string shortest_double_text(double d) {
    return to_pg_text(Value::float8(d));
}

Result<Value> from_double(double d, Type type, int scale, std::string_view column) {
    switch (type) {
    case Type::Float8:
        return Value::float8(d);
    case Type::Float4:
        if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
            return out_of_range(type, column);
        }
        return Value::floating(type, static_cast<float>(d));
    case Type::Int2:
    case Type::Int4:
    case Type::Int8: {
        // An integral float is the integer (SQLite keeps 3.0 as a float in untyped columns);
        // 2.5 is not an integer, as PostgreSQL's int8in would not read "2.5".
        if (std::trunc(d) != d) {
            return bad_value(type, shortest_double_text(d), SQLITE_FLOAT, column);
        }
        if (d < -9.2233720368547758e18 || d >= 9.2233720368547758e18) {
            return out_of_range(type, column);
        }
        return from_integer(static_cast<int64_t>(d), type, scale, column);
    }
    case Type::Numeric:
        return numeric_value(Decimal::from_double(d), scale, column);
    case Type::Text:
    case Type::Unknown:
        return Value::text(shortest_double_text(d));
    case Type::Json:
    case Type::Jsonb:
        if (!std::isfinite(d)) {
            return bad_value(type, shortest_double_text(d), SQLITE_FLOAT, column);
        }
        return Value::string(type, shortest_double_text(d));
    default:
        return bad_value(type, shortest_double_text(d), SQLITE_FLOAT, column);
    }
}

/// SQLite's date functions write "YYYY-MM-DD HH:MM:SS"; ISO 8601 writers use 'T' and 'Z'.
std::string normalized_timestamp(std::string_view text, Type type) {
    std::string out(text);
    if (out.size() > 10 && out[10] == 'T') {
        out[10] = ' ';
    }
    if (!out.empty() && (out.back() == 'Z' || out.back() == 'z')) {
        out.pop_back();
        // timestamp (without time zone) ignores a zone, as PostgreSQL's input does.
        if (type == Type::TimestampTz) {
            out += "+00";
        }
    }
    return out;
}

Result<Value> from_text(std::string_view text, Type type, int scale, std::string_view column) {
    switch (type) {
    case Type::Text:
    case Type::Unknown:
        if (!is_valid_text(text)) {
            return Error::make("22021", "column \"" + std::string(column) +
                                            "\": invalid byte sequence for encoding \"UTF8\"");
        }
        return Value::text(std::string(text));
    case Type::Bytea:
        return Value::string(type, std::string(text));
    case Type::Bool:
        // Text in a boolean column has no truth SQLite's WHERE would agree with ('f' and 't'
        // are both 0 there), so it is refused rather than read one way here and another there.
        return bad_value(type, text, SQLITE_TEXT, column);
    case Type::Numeric: {
        auto v = from_pg_text(Type::Numeric, text);
        if (!v) {
            return in_column(v.error(), column);
        }
        return numeric_value(Decimal::parse(v->as_string()), scale, column);
    }
    case Type::Timestamp:
    case Type::TimestampTz:
    case Type::Date: {
        auto v = from_pg_text(type, normalized_timestamp(text, type));
        return v ? v : Result<Value>(in_column(v.error(), column));
    }
    default: {
        auto v = from_pg_text(type, text);
        return v ? v : Result<Value>(in_column(v.error(), column));
    }
    }
}

std::string uuid_text(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        unsigned char c = static_cast<unsigned char>(bytes[i]);
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    return out;
}

/// "\\x0102..." as PostgreSQL prints bytea, cut after 16 bytes for the error message.
std::string blob_preview(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\\x";
    for (unsigned char c : bytes.substr(0, 16)) {
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    return bytes.size() > 16 ? out + "..." : out;
}

Result<Value> from_blob(std::string_view bytes, Type type, int scale, std::string_view column) {
    switch (type) {
    case Type::Bytea:
        return Value::string(type, std::string(bytes));
    case Type::Uuid:
        // Sixteen raw bytes is how many SQLite applications store UUIDs.
        if (bytes.size() == 16) {
            return Value::string(type, uuid_text(bytes));
        }
        break;
    case Type::Text:
    case Type::Unknown:
    case Type::Json:
    case Type::Jsonb:
        // SQLite converts freely between text and blob: a blob is text if it is valid UTF-8.
        return from_text(bytes, type, scale, column);
    default:
        break;
    }
    return bad_value(type, blob_preview(bytes), SQLITE_BLOB, column);
}

} // namespace

Type type_from_declared(std::string_view declared) {
    std::string upper = upper_trimmed(declared);
    std::string base = upper_trimmed(upper.substr(0, upper.find('(')));
    // No declared type: values of any class; text shows every one of them faithfully.
    if (base.empty()) {
        return Type::Text;
    }
    struct Name {
        std::string_view name;
        Type type;
    };
    static constexpr Name kNames[] = {
        {"BOOLEAN", Type::Bool},
        {"BOOL", Type::Bool},
        {"DATE", Type::Date},
        {"DATETIME", Type::Timestamp},
        {"TIMESTAMP", Type::Timestamp},
        {"TIMESTAMP WITHOUT TIME ZONE", Type::Timestamp},
        {"TIMESTAMPTZ", Type::TimestampTz},
        {"TIMESTAMP WITH TIME ZONE", Type::TimestampTz},
        {"TIME", Type::Time},
        {"TIME WITHOUT TIME ZONE", Type::Time},
        {"JSON", Type::Jsonb},
        {"JSONB", Type::Jsonb},
        {"UUID", Type::Uuid},
        {"NUMERIC", Type::Numeric},
        {"DECIMAL", Type::Numeric},
        {"BYTEA", Type::Bytea},
    };
    for (const Name& n : kNames) {
        if (base == n.name) {
            return n.type;
        }
    }
    // SQLite's affinity rules (https://sqlite.org/datatype3.html §3.1), in their order.
    if (contains(base, "INT")) {
        return Type::Int8;
    }
    if (contains(base, "CHAR") || contains(base, "CLOB") || contains(base, "TEXT")) {
        return Type::Text;
    }
    if (contains(base, "BLOB")) {
        return Type::Bytea;
    }
    if (contains(base, "REAL") || contains(base, "FLOA") || contains(base, "DOUB")) {
        return Type::Float8;
    }
    return Type::Numeric;
}

int declared_scale(std::string_view declared) {
    size_t open = declared.find('(');
    size_t close = declared.find(')', open == std::string_view::npos ? 0 : open);
    if (open == std::string_view::npos || close == std::string_view::npos) {
        return -1;
    }
    std::string_view inside = declared.substr(open + 1, close - open - 1);
    size_t comma = inside.find(',');
    if (comma == std::string_view::npos) {
        return 0;
    }
    int scale = 0;
    bool digits = false;
    for (char c : inside.substr(comma + 1)) {
        if (std::isdigit(static_cast<unsigned char>(c))) {
            scale = scale * 10 + (c - '0');
            digits = true;
            if (scale > 1000) {
                return -1;
            }
        } else if (c != ' ') {
            return -1;
        }
    }
    return digits ? scale : -1;
}

Result<Value> column_value(sqlite3_stmt* stmt, int col, Type type, int scale, std::string_view column_name) {
    switch (sqlite3_column_type(stmt, col)) {
    case SQLITE_NULL:
        return Value::null(type);
    case SQLITE_INTEGER:
        return from_integer(sqlite3_column_int64(stmt, col), type, scale, column_name);
    case SQLITE_FLOAT:
        return from_double(sqlite3_column_double(stmt, col), type, scale, column_name);
    case SQLITE_TEXT: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
        return from_text(std::string_view(text, sqlite3_column_bytes(stmt, col)), type, scale, column_name);
    }
    default: {
        const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt, col));
        size_t size = static_cast<size_t>(sqlite3_column_bytes(stmt, col));
        return from_blob(std::string_view(blob == nullptr ? "" : blob, size), type, scale, column_name);
    }
    }
}

bool is_valid_text(std::string_view bytes) {
    size_t i = 0;
    while (i < bytes.size()) {
        auto c = static_cast<unsigned char>(bytes[i]);
        if (c == 0) {
            return false;
        }
        if (c < 0x80) {
            ++i;
            continue;
        }
        // Lead byte: sequence length and the smallest code point it may encode (no overlongs).
        int length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        if (length == 0 || c > 0xF4 || i + length > bytes.size()) {
            return false;
        }
        uint32_t code = c & (0x7F >> length);
        for (int k = 1; k < length; ++k) {
            auto next = static_cast<unsigned char>(bytes[i + k]);
            if ((next & 0xC0) != 0x80) {
                return false;
            }
            code = (code << 6) | (next & 0x3F);
        }
        bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
        bool surrogate = code >= 0xD800 && code <= 0xDFFF;
        if (overlong || surrogate || code > 0x10FFFF) {
            return false;
        }
        i += length;
    }
    return true;
}

} // namespace nectar::federation
