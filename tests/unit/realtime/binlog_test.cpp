// Binlog events and row images, decoded from bytes a MariaDB 10.11 server sent to a replica
// (COM_BINLOG_DUMP, CRC32 checksums, binlog_row_metadata=FULL), for
//   CREATE TABLE u1 (id int primary key, d decimal(10,3), s varchar(20), dt datetime(6),
//                    ts timestamp(3) null, tm time(2), e enum('a','b','c'), st set('x','y','z'),
//                    bt bit(10), ub bigint unsigned, f float, j json);
//   INSERT INTO u1 VALUES (1, -12.345, 'héllo', '2024-01-02 03:04:05.123456', '2024-05-06 07:08:09.123',
//                          '-12:34:56.78', 'b', 'x,z', b'1010101010', 18446744073709551615, 1.5, '{"a":1}'),
//                         (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
//   UPDATE u1 SET s='x' WHERE id=1;
// (the session's time zone was UTC), plus hand-packed DECIMALs and random bytes.
#include "realtime/binlog_event.hpp"
#include "realtime/binlog_rows.hpp"

#include <doctest.h>
#include <random>

using namespace nectar::realtime::binlog;
using nectar::federation::Type;

namespace {

const char* const kFakeRotate =
    "0000000004010000002c0000000000000020001b1000000000000062696e6c6f672e3030303030310ee4fd89";
const char* const kFormatDescription =
    "6ae2096b0f01000000fc000000000000000000040031302e31312e31392d4d6172696144422d302b646562313275312d6c6f"
    "6700000000000000000000000000000000000000000000000013380d000800120004040404120000e400041a080000000808"
    "08020000000a0a0a0000000000000a0a0a000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000041304000d0808080a0a0a0198b4"
    "3cf0";
const char* const kTableMap =
    "8ae5096b13010000008700000026130000000019000000000001000361707000027531000c03f60f121113fefe100804fc0f"
    "0a035000060302f701f80102010404fe0f01012003022d2e041f0269640164017302647402747302746d0165027374026274"
    "0275620166016a0a012d05070301780179017a0607030161016201630801002b4c8acb";
const char* const kWriteRows =
    "8ae5096b1701000000680000008e130000000019000000000001000cff0f00f0010000007ffffff3fea60668c3a96c6c6f99"
    "b244310501e240663881d904ce7f3747b2020502aaffffffffffffffff0000c03f070000007b2261223a317dfeff02000000"
    "da955dda";
const char* const kUpdateRows =
    "8ae5096b18010000009f00000032150000000019000000000001000cff0fff0f00f0010000007ffffff3fea60668c3a96c6c"
    "6f99b244310501e240663881d904ce7f3747b2020502aaffffffffffffffff0000c03f070000007b2261223a317d00f00100"
    "00007ffffff3fea6017899b244310501e240663881d904ce7f3747b2020502aaffffffffffffffff0000c03f070000007b22"
    "61223a317d2e4d9622";
const char* const kXid = "8ae5096b10010000001f000000ad13000000002600000000000000b403b395";

std::string unhex(const char* hex) {
    std::string out;
    for (const char* p = hex; p[0] && p[1]; p += 2) {
        out += static_cast<char>(std::stoi(std::string(p, 2), nullptr, 16));
    }
    return out;
}

/// The stream's format after the fake rotate and the format description, as a dump starts.
StreamFormat stream_format() {
    StreamFormat format;
    format.checksum = true; // known from @@global.binlog_checksum before the first event
    std::string fde = unhex(kFormatDescription);
    REQUIRE(split_event(fde, format));
    return format;
}

TableMap table_map(const StreamFormat& format) {
    std::string bytes = unhex(kTableMap);
    auto event = split_event(bytes, const_cast<StreamFormat&>(format));
    REQUIRE(event);
    auto map = parse_table_map(*event, format);
    REQUIRE(map);
    return *map;
}

nectar::federation::TableInfo u1_table() {
    nectar::federation::TableInfo table;
    table.schema = "app";
    table.name = "u1";
    auto add = [&](const char* name, Type type, const char* remote) {
        nectar::federation::ColumnInfo column;
        column.name = name;
        column.type = type;
        column.remote_type = remote;
        table.columns.push_back(column);
    };
    // In another order than the binlog's, and without `j`: columns map by name.
    add("s", Type::Text, "varchar(20)");
    add("id", Type::Int4, "int(11)");
    add("d", Type::Numeric, "decimal(10,3)");
    add("dt", Type::Timestamp, "datetime(6)");
    add("ts", Type::TimestampTz, "timestamp(3)");
    add("tm", Type::Time, "time(2)");
    add("e", Type::Text, "enum('a','b','c')");
    add("st", Type::Text, "set('x','y','z')");
    add("bt", Type::Int8, "bit(10)");
    add("ub", Type::Numeric, "bigint(20) unsigned");
    add("f", Type::Float4, "float");
    return table;
}

/// Packs a DECIMAL as MySQL does: groups of 9 digits in 4 bytes, partial groups in fewer,
/// big-endian, sign bit flipped, every byte inverted when negative.
std::string pack_decimal(bool negative, const std::string& whole, const std::string& frac) {
    static const int bytes_for[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
    std::string out;
    auto put = [&out](uint64_t v, int n) {
        for (int shift = (n - 1) * 8; shift >= 0; shift -= 8) {
            out += static_cast<char>((v >> shift) & 0xff);
        }
    };
    size_t lead = whole.size() % 9;
    if (lead > 0) {
        put(std::stoull(whole.substr(0, lead)), bytes_for[lead]);
    }
    for (size_t i = lead; i < whole.size(); i += 9) {
        put(std::stoull(whole.substr(i, 9)), 4);
    }
    size_t i = 0;
    for (; i + 9 <= frac.size(); i += 9) {
        put(std::stoull(frac.substr(i, 9)), 4);
    }
    if (i < frac.size()) {
        put(std::stoull(frac.substr(i)), bytes_for[frac.size() - i]);
    }
    out[0] = static_cast<char>(out[0] ^ 0x80);
    if (negative) {
        for (char& c : out) {
            c = static_cast<char>(~c);
        }
    }
    return out;
}

} // namespace

TEST_CASE("binlog: the fake rotate, with its checksum, names the file and position") {
    StreamFormat format;
    format.checksum = true;
    std::string bytes = unhex(kFakeRotate);
    auto event = split_event(bytes, format);
    REQUIRE(event);
    CHECK(event->header.type == kRotateEvent);
    CHECK(event->header.next_position == 0); // artificial
    auto rotate = parse_rotate(*event);
    REQUIRE(rotate);
    CHECK(rotate->file == "binlog.000001");
    CHECK(rotate->position == 4123);
}

TEST_CASE("binlog: the format description sets checksums and post-header lengths") {
    StreamFormat format;
    std::string bytes = unhex(kFormatDescription);
    REQUIRE(split_event(bytes, format));
    CHECK(format.checksum);
    CHECK(format.table_map_post_header == 8);
    CHECK(format.rows_post_header == 10);
}

TEST_CASE("binlog: a table map with FULL metadata gives names, signedness and enum/set members") {
    StreamFormat format = stream_format();
    TableMap map = table_map(format);
    CHECK(map.schema == "app");
    CHECK(map.table == "u1");
    REQUIRE(map.columns.size() == 12);
    CHECK(map.has_names);
    std::vector<std::string> names;
    for (const auto& c : map.columns) {
        names.push_back(c.name);
    }
    CHECK(names ==
          std::vector<std::string>{"id", "d", "s", "dt", "ts", "tm", "e", "st", "bt", "ub", "f", "j"});
    CHECK(map.columns[6].enum_values == std::vector<std::string>{"a", "b", "c"});
    CHECK(map.columns[7].enum_values == std::vector<std::string>{"x", "y", "z"});
    CHECK(map.columns[9].is_unsigned);
    CHECK_FALSE(map.columns[0].is_unsigned);
    CHECK_FALSE(map.columns[0].nullable);
    CHECK(map.columns[1].nullable);
    CHECK(map.columns[1].meta == (10 << 8 | 3)); // decimal(10,3)
    CHECK(map.columns[2].charset != 0);
}

TEST_CASE("binlog: row images decode to MySQL's text, then to the connector's values") {
    StreamFormat format = stream_format();
    TableMap map = table_map(format);
    std::string bytes = unhex(kWriteRows);
    auto event = split_event(bytes, format);
    REQUIRE(event);
    auto rows = parse_rows(*event, format);
    REQUIRE(rows);
    CHECK(rows->kind == RowsKind::Write);
    CHECK(rows->table_id == map.table_id);
    auto table = u1_table();
    auto images = decode_rows(*rows, map, &table);
    REQUIRE(images);
    REQUIRE(images->size() == 2);
    const auto& cells = (*images)[0].after;
    std::vector<std::string> texts;
    for (const auto& cell : cells) {
        CHECK(cell.present);
        CHECK_FALSE(cell.null);
        texts.push_back(cell.text);
    }
    CHECK(texts == std::vector<std::string>{"1", "-12.345", "h\xc3\xa9llo", "2024-01-02 03:04:05.123456",
                                            "2024-05-06 07:08:09.123", "-12:34:56.78", "b", "x,z",
                                            std::string("\x02\xaa", 2), "18446744073709551615", "1.5",
                                            "{\"a\":1}"});
    for (size_t i = 1; i < 12; i++) {
        CHECK((*images)[1].after[i].null);
    }

    auto to_column = map_columns(map, table);
    CHECK(to_column == std::vector<int>{1, 2, 0, 3, 4, 5, 6, 7, 8, 9, 10, -1});
    auto row = to_table_row(cells, map, to_column, table);
    REQUIRE(row.size() == table.columns.size());
    CHECK(row[0].as_string() == "h\xc3\xa9llo");
    CHECK(row[1].as_int() == 1);
    CHECK(row[2].type() == Type::Numeric);
    CHECK(row[2].as_string() == "-12.345");
    CHECK(nectar::federation::to_pg_text(row[3]) == "2024-01-02 03:04:05.123456");
    CHECK(nectar::federation::to_pg_text(row[4]) == "2024-05-06 07:08:09.123+00");
    CHECK(row[5].type() == Type::Text); // a negative TIME: the connector refuses it, the text stays
    CHECK(row[5].as_string() == "-12:34:56.78");
    CHECK(row[8].as_int() == 682); // b'1010101010'
    CHECK(row[9].as_string() == "18446744073709551615");
    CHECK(row[10].as_float() == 1.5);
    auto empty = to_table_row((*images)[1].after, map, to_column, table);
    CHECK(empty[1].as_int() == 2);
    CHECK(empty[0].is_null());
    CHECK(empty[0].type() == Type::Text);
}

TEST_CASE("binlog: an update carries the before and the after image") {
    StreamFormat format = stream_format();
    TableMap map = table_map(format);
    std::string bytes = unhex(kUpdateRows);
    auto event = split_event(bytes, format);
    REQUIRE(event);
    auto rows = parse_rows(*event, format);
    REQUIRE(rows);
    CHECK(rows->kind == RowsKind::Update);
    auto images = decode_rows(*rows, map, nullptr);
    REQUIRE(images);
    REQUIRE(images->size() == 1);
    CHECK((*images)[0].before[2].text == "h\xc3\xa9llo");
    CHECK((*images)[0].after[2].text == "x");
    CHECK((*images)[0].after[1].text == "-12.345");

    std::string xid = unhex(kXid);
    auto commit = split_event(xid, format);
    REQUIRE(commit);
    CHECK(commit->header.type == kXidEvent);
    CHECK(commit->header.next_position == 5037); // the first transaction's XID
}

TEST_CASE("binlog: packed decimals") {
    CHECK(decimal_size(5, 2) == 3);
    CHECK(decimal_size(20, 6) == 10);
    CHECK(decimal_size(10, 0) == 5);
    CHECK(decimal_text(pack_decimal(false, "123", "45"), 5, 2) == "123.45");
    CHECK(decimal_text(pack_decimal(true, "123", "45"), 5, 2) == "-123.45");
    CHECK(decimal_text(pack_decimal(false, "000", "05"), 5, 2) == "0.05");
    CHECK(decimal_text(pack_decimal(true, "000", "50"), 5, 2) == "-0.50");
    CHECK(decimal_text(pack_decimal(false, "000", "00"), 5, 2) == "0.00");
    CHECK(decimal_text(pack_decimal(false, "12345678901234", "123456"), 20, 6) == "12345678901234.123456");
    CHECK(decimal_text(pack_decimal(true, "99999999999999999999", ""), 20, 0) == "-99999999999999999999");
    CHECK(decimal_text(pack_decimal(false, "", "1234567891"), 10, 10) == "0.1234567891");
    CHECK(decimal_text("\x80", 5, 2).empty()); // wrong size: malformed
}

TEST_CASE("binlog: short and random bytes are errors, never crashes") {
    StreamFormat format = stream_format();
    TableMap map = table_map(format);
    std::string rows_bytes = unhex(kWriteRows);
    std::string map_bytes = unhex(kTableMap);
    for (size_t cut = 0; cut < rows_bytes.size(); cut++) {
        StreamFormat f = format;
        auto event = split_event(std::string_view(rows_bytes).substr(0, cut), f);
        if (event) {
            auto rows = parse_rows(*event, f);
            if (rows) {
                (void)decode_rows(*rows, map, nullptr);
            }
        }
    }
    // A whole event whose row data is cut short: the decoder notices.
    {
        StreamFormat f = format;
        auto event = split_event(rows_bytes, f);
        REQUIRE(event);
        auto rows = parse_rows(*event, f);
        REQUIRE(rows);
        rows->rows = rows->rows.substr(0, rows->rows.size() - 3);
        CHECK_FALSE(decode_rows(*rows, map, nullptr));
    }
    std::mt19937 random(42);
    for (int round = 0; round < 10000; round++) {
        std::string bytes(random() % 200, '\0');
        for (char& c : bytes) {
            c = static_cast<char>(random());
        }
        // Half the time a plausible header, so that the body parsers run too.
        if (round % 2 == 0 && bytes.size() > 19) {
            static const uint8_t types[] = {kRotateEvent,           kQueryEvent,   kTableMapEvent,
                                            kWriteRowsV1,           kUpdateRowsV2, kMariaGtidEvent,
                                            kFormatDescriptionEvent};
            bytes[4] = static_cast<char>(types[round / 2 % 7]);
            uint32_t length = static_cast<uint32_t>(bytes.size());
            for (int i = 0; i < 4; i++) {
                bytes[9 + i] = static_cast<char>(length >> (8 * i));
            }
        }
        StreamFormat f = format;
        auto event = split_event(bytes, f);
        if (!event) {
            continue;
        }
        (void)parse_rotate(*event);
        (void)parse_query(*event);
        (void)parse_gtid(*event);
        if (auto m = parse_table_map(*event, f)) {
            (void)m->columns.size();
        }
        if (auto rows = parse_rows(*event, f)) {
            (void)decode_rows(*rows, map, nullptr);
        }
    }
    // A table map cut anywhere.
    for (size_t cut = 0; cut < map_bytes.size(); cut++) {
        StreamFormat f = format;
        auto event = split_event(std::string_view(map_bytes).substr(0, cut), f);
        if (event) {
            (void)parse_table_map(*event, f);
        }
    }
}
