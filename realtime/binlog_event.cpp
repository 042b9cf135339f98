#include "realtime/binlog_event.hpp"

#include "realtime/binlog_reader.hpp"

#include <mysql.h>

namespace nectar::realtime::binlog {

namespace {

Error corrupt(std::string_view what) {
    return Error::make("XX001", "binlog: malformed " + std::string(what) + " event");
}

// Column types whose signedness SIGNEDNESS metadata lists, and those with a character set.
bool is_numeric_type(uint8_t type) {
    return type == 1 || type == 2 || type == 3 || type == 8 || type == 9 || type == 4 || type == 5 ||
           type == 246;
}

bool is_character_type(const MappedColumn& column) {
    if (column.type == MYSQL_TYPE_STRING) {
        uint8_t real = static_cast<uint8_t>(column.meta >> 8);
        return real != MYSQL_TYPE_ENUM && real != MYSQL_TYPE_SET; // they have their own charset list
    }
    return column.type == MYSQL_TYPE_VARCHAR || column.type == MYSQL_TYPE_VAR_STRING ||
           column.type == MYSQL_TYPE_BLOB;
}

bool is_enum_or_set(const MappedColumn& column, uint8_t which) {
    return column.type == which || (column.type == MYSQL_TYPE_STRING && (column.meta >> 8) == which);
}

/// The metadata block: bytes per type, in column order.
bool read_type_meta(Reader& r, std::vector<MappedColumn>& columns) {
    for (MappedColumn& c : columns) {
        switch (c.type) {
        case MYSQL_TYPE_FLOAT:
        case MYSQL_TYPE_DOUBLE:
        case MYSQL_TYPE_BLOB:
        case MYSQL_TYPE_GEOMETRY:
        case MYSQL_TYPE_JSON:
        case MYSQL_TYPE_TIMESTAMP2:
        case MYSQL_TYPE_DATETIME2:
        case MYSQL_TYPE_TIME2:
            c.meta = r.u8(); // size, length bytes or fractional digits
            break;
        case MYSQL_TYPE_VARCHAR:
        case MYSQL_TYPE_VAR_STRING:
            c.meta = r.u16(); // maximum length in bytes
            break;
        case MYSQL_TYPE_NEWDECIMAL: // precision, scale
        case MYSQL_TYPE_BIT:        // bits, bytes
        case MYSQL_TYPE_STRING:     // real type, length
        case MYSQL_TYPE_ENUM:
        case MYSQL_TYPE_SET: {
            uint8_t a = r.u8();
            uint8_t b = r.u8();
            c.meta = static_cast<uint16_t>(a << 8 | b);
            break;
        }
        default:
            break;
        }
    }
    return r.ok();
}

/// Optional metadata (binlog_row_metadata=MINIMAL/FULL): type, length, value triples.
void read_optional_meta(Reader r, TableMap& map) {
    auto& cols = map.columns;
    while (r.ok() && r.left() > 0) {
        uint8_t type = r.u8();
        uint64_t length = r.lenenc();
        Reader v(r.bytes(length));
        if (!r.ok()) {
            return;
        }
        switch (type) {
        case 1: { // SIGNEDNESS: one bit per numeric column, most significant first
            size_t bit = 0;
            std::string_view bits = v.rest();
            for (auto& c : cols) {
                if (is_numeric_type(c.type)) {
                    if (bit / 8 < bits.size()) {
                        c.is_unsigned = (static_cast<uint8_t>(bits[bit / 8]) >> (7 - bit % 8)) & 1;
                    }
                    bit++;
                }
            }
            break;
        }
        case 2: { // DEFAULT_CHARSET: default, then (character column index, charset) exceptions
            uint32_t fallback = static_cast<uint32_t>(v.lenenc());
            std::vector<MappedColumn*> chars;
            for (auto& c : cols) {
                if (is_character_type(c)) {
                    c.charset = fallback;
                    chars.push_back(&c);
                }
            }
            while (v.ok() && v.left() > 0) {
                uint64_t index = v.lenenc();
                uint32_t charset = static_cast<uint32_t>(v.lenenc());
                if (v.ok() && index < chars.size()) {
                    chars[index]->charset = charset;
                }
            }
            break;
        }
        case 3: // COLUMN_CHARSET: one per character column
            for (auto& c : cols) {
                if (is_character_type(c) && v.ok() && v.left() > 0) {
                    c.charset = static_cast<uint32_t>(v.lenenc());
                }
            }
            break;
        case 4: // COLUMN_NAME
            for (auto& c : cols) {
                c.name = std::string(v.bytes(v.lenenc()));
            }
            map.has_names = v.ok();
            break;
        case 5:   // SET_STR_VALUE
        case 6: { // ENUM_STR_VALUE
            uint8_t which = type == 5 ? MYSQL_TYPE_SET : MYSQL_TYPE_ENUM;
            for (auto& c : cols) {
                if (!is_enum_or_set(c, which)) {
                    continue;
                }
                uint64_t count = v.lenenc();
                for (uint64_t i = 0; i < count && v.ok(); i++) {
                    c.enum_values.emplace_back(v.bytes(v.lenenc()));
                }
            }
            break;
        }
        default: // geometry types, primary keys, enum/set charsets: not needed
            break;
        }
    }
}

} // namespace

Result<Event> split_event(std::string_view bytes, StreamFormat& format) {
    Reader r(bytes);
    Event event;
    event.header.timestamp = r.u32();
    event.header.type = r.u8();
    event.header.server_id = r.u32();
    event.header.length = r.u32();
    event.header.next_position = r.u32();
    event.header.flags = r.u16();
    if (!r.ok() || event.header.length < kHeaderSize || event.header.length > bytes.size()) {
        return corrupt("event header of an");
    }
    std::string_view body = bytes.substr(kHeaderSize, event.header.length - kHeaderSize);
    if (event.header.type == kFormatDescriptionEvent) {
        // binlog version (2), server version (50), timestamp (4), header length (1), post-header
        // lengths (one per type), checksum algorithm (1), checksum (4).
        if (body.size() < 57 + 5) {
            return corrupt("format description");
        }
        std::string_view lengths = body.substr(57, body.size() - 57 - 5);
        format.checksum = static_cast<uint8_t>(body[body.size() - 5]) == 1;
        if (lengths.size() >= kTableMapEvent) {
            format.table_map_post_header = static_cast<uint8_t>(lengths[kTableMapEvent - 1]);
        }
        if (lengths.size() >= kWriteRowsV2) {
            format.rows_post_header = static_cast<uint8_t>(lengths[kWriteRowsV2 - 1]);
        }
        event.body = body.substr(0, body.size() - 5);
        return event;
    }
    if (format.checksum) {
        if (body.size() < 4) {
            return corrupt("checksummed");
        }
        body.remove_suffix(4);
    }
    event.body = body;
    return event;
}

Result<RotateEvent> parse_rotate(const Event& event) {
    Reader r(event.body);
    RotateEvent rotate;
    rotate.position = r.u64();
    rotate.file = std::string(r.rest());
    if (!r.ok()) {
        return corrupt("rotate");
    }
    return rotate;
}

Result<GtidEvent> parse_gtid(const Event& event) {
    Reader r(event.body);
    GtidEvent gtid;
    gtid.sequence = r.u64();
    gtid.domain = r.u32();
    gtid.flags = r.u8();
    if (!r.ok()) {
        return corrupt("GTID");
    }
    return gtid;
}

Result<QueryEvent> parse_query(const Event& event) {
    Reader r(event.body);
    r.skip(8); // thread id, execution time
    uint8_t schema_length = r.u8();
    r.skip(2); // error code
    uint16_t status_length = r.u16();
    r.skip(status_length);
    QueryEvent query;
    query.schema = std::string(r.bytes(schema_length));
    r.skip(1); // NUL
    query.sql = std::string(r.rest());
    if (!r.ok()) {
        return corrupt("query");
    }
    return query;
}

Result<TableMap> parse_table_map(const Event& event, const StreamFormat& format) {
    Reader r(event.body);
    TableMap map;
    map.table_id = format.table_map_post_header == 6 ? r.u32() : r.u48();
    r.skip(2); // flags
    map.schema = std::string(r.bytes(r.u8()));
    r.skip(1);
    map.table = std::string(r.bytes(r.u8()));
    r.skip(1);
    uint64_t count = r.lenenc();
    if (!r.ok() || count > 4096) {
        return corrupt("table map");
    }
    map.columns.resize(count);
    std::string_view types = r.bytes(count);
    for (size_t i = 0; i < types.size(); i++) {
        map.columns[i].type = static_cast<uint8_t>(types[i]);
    }
    Reader meta(r.bytes(r.lenenc()));
    std::string_view nulls = r.bytes((count + 7) / 8);
    if (!r.ok() || !read_type_meta(meta, map.columns)) {
        return corrupt("table map");
    }
    for (size_t i = 0; i < count; i++) {
        map.columns[i].nullable = (static_cast<uint8_t>(nulls[i / 8]) >> (i % 8)) & 1;
    }
    read_optional_meta(Reader(r.rest()), map);
    return map;
}

bool is_rows_event(uint8_t type) {
    return (type >= kWriteRowsV1 && type <= kDeleteRowsV1) ||
           (type >= kWriteRowsV2 && type <= kDeleteRowsV2) ||
           (type >= kWriteRowsCompressedV1 && type <= kDeleteRowsCompressedV2);
}

Result<RowsEvent> parse_rows(const Event& event, const StreamFormat& format) {
    uint8_t type = event.header.type;
    bool v2 = type >= kWriteRowsV2 && type <= kDeleteRowsV2;
    bool v1 = type >= kWriteRowsV1 && type <= kDeleteRowsV1;
    if (!v1 && !v2) {
        return Error::make("0A000",
                           "binlog: compressed row events are not supported (set log_bin_compress=OFF)");
    }
    uint8_t base = v2 ? kWriteRowsV2 : kWriteRowsV1;
    RowsEvent rows;
    rows.kind = static_cast<RowsKind>(type - base);
    Reader r(event.body);
    bool short_ids = v1 ? format.rows_post_header == 6 : format.rows_post_header == 8;
    rows.table_id = short_ids ? r.u32() : r.u48();
    rows.flags = r.u16();
    if (v2) {
        uint16_t extra = r.u16(); // counts its own two bytes
        r.skip(extra >= 2 ? extra - 2 : 0);
    }
    uint64_t count = r.lenenc();
    if (!r.ok() || count > 4096) {
        return corrupt("row");
    }
    rows.column_count = static_cast<uint32_t>(count);
    auto bitmap = [&](std::vector<bool>& out) {
        std::string_view bits = r.bytes((count + 7) / 8);
        out.assign(count, false);
        for (size_t i = 0; i < count && r.ok(); i++) {
            out[i] = (static_cast<uint8_t>(bits[i / 8]) >> (i % 8)) & 1;
        }
    };
    bitmap(rows.present);
    if (rows.kind == RowsKind::Update) {
        bitmap(rows.present_after);
    }
    rows.rows = r.rest();
    if (!r.ok()) {
        return corrupt("row");
    }
    return rows;
}

} // namespace nectar::realtime::binlog
