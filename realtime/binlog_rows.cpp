#include "realtime/binlog_rows.hpp"

#include "federation/connectors/mysql/mysql_values.hpp"
#include "realtime/binlog_reader.hpp"

#include <cstdio>
#include <cstring>

namespace nectar::realtime::binlog {

using federation::Row;
using federation::TableInfo;
using federation::Value;

namespace {

constexpr int kDigitsPerWord = 9;
constexpr int kDigitBytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};

std::string two(int v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d", v);
    return buf;
}

/// ".ffff" with `fsp` digits of `micros`, or nothing for fsp 0.
std::string fraction(int64_t micros, int fsp) {
    if (fsp <= 0) {
        return {};
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "%06lld", static_cast<long long>(micros));
    std::string out = ".";
    out.append(buf, static_cast<size_t>(std::min(fsp, 6)));
    return out;
}

std::string date_text(int64_t year, int64_t month, int64_t day) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(year),
                  static_cast<long long>(month), static_cast<long long>(day));
    return buf;
}

std::string clock_text(int64_t hour, int64_t minute, int64_t second) {
    std::string out = hour < 10 ? "0" : "";
    out += std::to_string(hour);
    out += ':';
    out += two(static_cast<int>(minute));
    out += ':';
    out += two(static_cast<int>(second));
    return out;
}

/// Fractional seconds of TIME2/DATETIME2/TIMESTAMP2 as stored ((fsp+1)/2 big-endian bytes), and
/// how many bytes that was.
int64_t read_fraction(Reader& r, int fsp, size_t& bytes) {
    bytes = static_cast<size_t>((fsp + 1) / 2);
    return bytes == 0 ? 0 : static_cast<int64_t>(r.be(bytes));
}

int64_t fraction_micros(int64_t stored, size_t bytes) {
    return bytes == 1 ? stored * 10000 : bytes == 2 ? stored * 100 : stored;
}

/// MySQL's TIME2: 3 bytes of packed hh:mm:ss offset by 0x800000, then the fraction; a negative
/// time's fraction borrows from its integer part.
std::string time2_text(Reader& r, int fsp) {
    int64_t intpart = static_cast<int64_t>(r.be(3)) - 0x800000;
    size_t bytes = 0;
    int64_t frac = read_fraction(r, fsp, bytes);
    if (intpart < 0 && frac != 0) {
        intpart++;
        frac -= int64_t{1} << (8 * bytes);
    }
    int64_t packed = intpart * (int64_t{1} << 24) + fraction_micros(frac, bytes);
    bool negative = packed < 0;
    if (negative) {
        packed = -packed;
    }
    int64_t hms = packed >> 24;
    int64_t micros = packed % (int64_t{1} << 24);
    return (negative ? "-" : "") + clock_text((hms >> 12) % 1024, (hms >> 6) % 64, hms % 64) +
           fraction(micros, fsp);
}

std::string datetime2_text(Reader& r, int fsp) {
    int64_t intpart = static_cast<int64_t>(r.be(5)) - 0x8000000000LL;
    size_t bytes = 0;
    int64_t stored = read_fraction(r, fsp, bytes);
    int64_t micros = fraction_micros(stored, bytes);
    int64_t ymd = intpart >> 17, hms = intpart % (1 << 17);
    int64_t ym = ymd >> 5;
    return date_text(ym / 13, ym % 13, ymd % 32) + " " + clock_text(hms >> 12, (hms >> 6) % 64, hms % 64) +
           fraction(micros, fsp);
}

/// A UTC instant as MySQL prints it in a session whose time_zone is +00:00 (the connector's).
std::string epoch_text(int64_t seconds, int64_t micros, int fsp) {
    if (seconds == 0 && micros == 0) {
        return "0000-00-00 00:00:00" + fraction(0, fsp);
    }
    int64_t days = seconds / 86400, rest = seconds % 86400;
    // days since 1970-01-01 → civil date (Howard Hinnant's algorithm)
    int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365,
            doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    return date_text(y, m, d) + " " + clock_text(rest / 3600, rest / 60 % 60, rest % 60) +
           fraction(micros, fsp);
}

/// The decimals D of a FLOAT(M,D) / DOUBLE(M,D) remote type; -1 without.
int declared_decimals(const TableInfo* table, int to_column) {
    if (table == nullptr || to_column < 0) {
        return -1;
    }
    const std::string& type = table->columns[static_cast<size_t>(to_column)].remote_type;
    auto comma = type.find(',');
    if (comma == std::string::npos) {
        return -1;
    }
    return std::atoi(type.c_str() + comma + 1);
}

/// FLOAT as the connector reads it (CAST(f AS DOUBLE): the float's exact value), DOUBLE as
/// MySQL prints it: the shortest text that reads back exactly, or D decimals for DOUBLE(M,D).
std::string float_text(double v, bool single, int decimals) {
    char buf[400];
    if (!single && decimals >= 0) {
        std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    } else {
        std::snprintf(buf, sizeof buf, "%.17g", v);
    }
    return buf;
}

std::string set_text(uint64_t bits, const std::vector<std::string>& members) {
    std::string out;
    for (size_t i = 0; i < members.size() && i < 64; i++) {
        if ((bits >> i) & 1) {
            out += (out.empty() ? "" : ",") + members[i];
        }
    }
    return out;
}

std::string integer_text(uint64_t raw, size_t bytes, bool is_unsigned) {
    if (is_unsigned || bytes == 8) {
        if (!is_unsigned && bytes == 8) {
            return std::to_string(static_cast<int64_t>(raw));
        }
        return std::to_string(raw);
    }
    uint64_t sign = uint64_t{1} << (bytes * 8 - 1);
    int64_t v = static_cast<int64_t>(raw ^ sign) - static_cast<int64_t>(sign);
    return std::to_string(v);
}

/// One non-NULL value of column `c` at the reader; false when its type is not supported.
bool read_value(Reader& r, const MappedColumn& c, int decimals, std::string& out) {
    switch (c.type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG: {
        size_t bytes = c.type == MYSQL_TYPE_TINY    ? 1
                       : c.type == MYSQL_TYPE_SHORT ? 2
                       : c.type == MYSQL_TYPE_INT24 ? 3
                       : c.type == MYSQL_TYPE_LONG  ? 4
                                                    : 8;
        out = integer_text(r.le(bytes), bytes, c.is_unsigned);
        return true;
    }
    case MYSQL_TYPE_YEAR: {
        uint64_t y = r.le(1);
        out = y == 0 ? "0000" : std::to_string(1900 + y);
        return true;
    }
    case MYSQL_TYPE_FLOAT: {
        uint32_t bits = r.u32();
        float f;
        std::memcpy(&f, &bits, 4);
        out = float_text(f, true, decimals);
        return true;
    }
    case MYSQL_TYPE_DOUBLE: {
        uint64_t bits = r.u64();
        double d;
        std::memcpy(&d, &bits, 8);
        out = float_text(d, false, decimals);
        return true;
    }
    case MYSQL_TYPE_NEWDECIMAL: {
        int precision = c.meta >> 8, scale = c.meta & 0xff;
        out = decimal_text(r.bytes(decimal_size(precision, scale)), precision, scale);
        return !out.empty();
    }
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_VAR_STRING:
        out = std::string(r.bytes(r.le(c.meta < 256 ? 1 : 2)));
        return true;
    case MYSQL_TYPE_STRING: {
        uint8_t real = static_cast<uint8_t>(c.meta >> 8), low = static_cast<uint8_t>(c.meta & 0xff);
        if (real == MYSQL_TYPE_ENUM) { // ENUM: 1-based index; 0 is MySQL's '' for an invalid value
            uint64_t index = r.le(low);
            out = index >= 1 && index <= c.enum_values.size() ? c.enum_values[index - 1] : "";
            return true;
        }
        if (real == MYSQL_TYPE_SET) {
            out = set_text(r.le(low), c.enum_values);
            return true;
        }
        uint32_t max_length = (((real & 0x30) ^ 0x30) << 4) | low;
        out = std::string(r.bytes(r.le(max_length < 256 ? 1 : 2)));
        return true;
    }
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_GEOMETRY: // BLOB/TEXT (MariaDB's JSON too), GEOMETRY: a length of meta bytes, then the
                              // bytes
        out = std::string(r.bytes(r.le(c.meta)));
        return true;
    case MYSQL_TYPE_BIT: { // BIT: big-endian bytes, as the text protocol sends them
        size_t bytes = (c.meta & 0xff) + ((c.meta >> 8) > 0 ? 1 : 0);
        out = std::string(r.bytes(bytes));
        return true;
    }
    case MYSQL_TYPE_DATE: { // DATE: day | month << 5 | year << 9
        uint64_t v = r.le(3);
        out = date_text(static_cast<int64_t>(v >> 9), static_cast<int64_t>((v >> 5) & 15),
                        static_cast<int64_t>(v & 31));
        return true;
    }
    case MYSQL_TYPE_TIME2:
        out = time2_text(r, c.meta);
        return true;
    case MYSQL_TYPE_DATETIME2:
        out = datetime2_text(r, c.meta);
        return true;
    case MYSQL_TYPE_TIMESTAMP2: {
        int64_t seconds = static_cast<int64_t>(r.be(4));
        size_t bytes = 0;
        int64_t stored = read_fraction(r, c.meta, bytes);
        int64_t micros = fraction_micros(stored, bytes);
        out = epoch_text(seconds, micros, c.meta);
        return true;
    }
    case MYSQL_TYPE_TIMESTAMP:
        out = epoch_text(static_cast<int64_t>(r.u32()), 0, 0);
        return true;        // old TIMESTAMP
    case MYSQL_TYPE_TIME: { // old TIME: HHMMSS
        int64_t v = static_cast<int32_t>(r.le(3) << 8) >> 8;
        bool negative = v < 0;
        v = negative ? -v : v;
        out = (negative ? "-" : "") + clock_text(v / 10000, v / 100 % 100, v % 100);
        return true;
    }
    case MYSQL_TYPE_DATETIME: { // old DATETIME: YYYYMMDDhhmmss
        auto v = static_cast<int64_t>(r.u64());
        out = date_text(v / 10000000000LL, v / 100000000 % 100, v / 1000000 % 100) + " " +
              clock_text(v / 10000 % 100, v / 100 % 100, v % 100);
        return true;
    }
    default: // MySQL 8's binary JSON and anything newer
        return false;
    }
}

Result<std::vector<Cell>> read_image(Reader& r, const TableMap& map, const std::vector<bool>& present,
                                     const std::vector<int>& to_column, const TableInfo* table) {
    size_t count = map.columns.size();
    size_t in_image = 0;
    for (size_t i = 0; i < present.size() && i < count; i++) {
        in_image += present[i] ? 1 : 0;
    }
    std::string_view nulls = r.bytes((in_image + 7) / 8);
    std::vector<Cell> cells(count);
    size_t bit = 0;
    for (size_t i = 0; i < count && i < present.size(); i++) {
        if (!present[i]) {
            continue;
        }
        Cell& cell = cells[i];
        cell.present = true;
        bool null = r.ok() && ((static_cast<uint8_t>(nulls[bit / 8]) >> (bit % 8)) & 1);
        bit++;
        if (null) {
            continue;
        }
        cell.null = false;
        int decimals = declared_decimals(table, i < to_column.size() ? to_column[i] : -1);
        if (!read_value(r, map.columns[i], decimals, cell.text)) {
            return Error::make("0A000", "binlog: column \"" + map.columns[i].name + "\" of `" + map.schema +
                                            "`.`" + map.table + "` has a type the capture cannot decode (" +
                                            std::to_string(map.columns[i].type) + ")");
        }
    }
    if (!r.ok()) {
        return Error::make("XX001",
                           "binlog: malformed row image for `" + map.schema + "`.`" + map.table + "`");
    }
    return cells;
}

} // namespace

size_t decimal_size(int precision, int scale) {
    int integral = precision - scale;
    return static_cast<size_t>(integral / kDigitsPerWord * 4 + kDigitBytes[integral % kDigitsPerWord] +
                               scale / kDigitsPerWord * 4 + kDigitBytes[scale % kDigitsPerWord]);
}

std::string decimal_text(std::string_view packed, int precision, int scale) {
    if (precision <= 0 || scale < 0 || scale > precision || packed.size() != decimal_size(precision, scale)) {
        return {};
    }
    std::string bytes(packed);
    bool negative = (static_cast<uint8_t>(bytes[0]) & 0x80) == 0;
    bytes[0] = static_cast<char>(bytes[0] ^ 0x80);
    if (negative) {
        for (char& b : bytes) {
            b = static_cast<char>(~b);
        }
    }
    Reader r(bytes);
    auto group = [&r](int digits) {
        std::string s = std::to_string(r.be(static_cast<size_t>(kDigitBytes[digits])));
        return std::string(static_cast<size_t>(std::max<int>(0, digits - static_cast<int>(s.size()))), '0') +
               s;
    };
    int integral = precision - scale;
    std::string whole;
    if (integral % kDigitsPerWord > 0) {
        whole += group(integral % kDigitsPerWord);
    }
    for (int i = 0; i < integral / kDigitsPerWord; i++) {
        whole += group(kDigitsPerWord);
    }
    size_t first = whole.find_first_not_of('0');
    whole = first == std::string::npos ? "0" : whole.substr(first);
    std::string frac;
    for (int i = 0; i < scale / kDigitsPerWord; i++) {
        frac += group(kDigitsPerWord);
    }
    if (scale % kDigitsPerWord > 0) {
        frac += group(scale % kDigitsPerWord);
    }
    bool zero = whole == "0" && frac.find_first_not_of('0') == std::string::npos;
    return (negative && !zero ? "-" : "") + whole + (scale > 0 ? "." + frac : "");
}

std::vector<int> map_columns(const TableMap& map, const TableInfo& table) {
    std::vector<int> to_column(map.columns.size(), -1);
    for (size_t i = 0; i < map.columns.size(); i++) {
        if (!map.has_names) {
            to_column[i] = map.columns.size() == table.columns.size() ? static_cast<int>(i) : -1;
            continue;
        }
        for (size_t j = 0; j < table.columns.size(); j++) {
            if (table.columns[j].name == map.columns[i].name) {
                to_column[i] = static_cast<int>(j);
            }
        }
    }
    return to_column;
}

Result<std::vector<RowImages>> decode_rows(const RowsEvent& rows, const TableMap& map,
                                           const TableInfo* table) {
    if (rows.column_count != map.columns.size()) {
        return Error::make("XX001",
                           "binlog: row event and table map of `" + map.table + "` disagree on columns");
    }
    std::vector<int> to_column = table ? map_columns(map, *table) : std::vector<int>{};
    std::vector<RowImages> out;
    Reader r(rows.rows);
    while (r.ok() && r.left() > 0) {
        RowImages images;
        auto first = read_image(r, map, rows.present, to_column, table);
        if (!first) {
            return first.error();
        }
        if (rows.kind == RowsKind::Update) {
            auto second = read_image(r, map, rows.present_after, to_column, table);
            if (!second) {
                return second.error();
            }
            images.before = std::move(*first);
            images.after = std::move(*second);
        } else if (rows.kind == RowsKind::Delete) {
            images.before = std::move(*first);
        } else {
            images.after = std::move(*first);
        }
        out.push_back(std::move(images));
    }
    return out;
}

Row to_table_row(const std::vector<Cell>& cells, const TableMap& map, const std::vector<int>& to_column,
                 const TableInfo& table) {
    Row row;
    row.reserve(table.columns.size());
    for (const auto& column : table.columns) {
        row.push_back(Value::null(column.type));
    }
    for (size_t i = 0; i < cells.size() && i < to_column.size(); i++) {
        if (to_column[i] < 0 || cells[i].null) {
            continue;
        }
        const auto& column = table.columns[static_cast<size_t>(to_column[i])];
        MYSQL_FIELD field{};
        field.type = map.columns[i].type == MYSQL_TYPE_BIT ? MYSQL_TYPE_BIT : MYSQL_TYPE_STRING;
        auto value = federation::mysql_value(cells[i].text, field, column.type);
        row[static_cast<size_t>(to_column[i])] = value ? std::move(*value) : Value::text(cells[i].text);
    }
    return row;
}

} // namespace nectar::realtime::binlog
