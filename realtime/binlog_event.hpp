#pragma once
// MariaDB/MySQL binlog events as a replica receives them (COM_BINLOG_DUMP), decoded from bytes
// without I/O: the common header, and the events a change capture needs (rotate, format
// description, GTID, query, XID, table map with its optional metadata, row events). Row images
// themselves are decoded by binlog_rows.hpp. Every read is bounds-checked: a short or corrupt
// event is an Error, never a crash.

#include "protocol/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::realtime::binlog {

/// Event type codes (MariaDB's sql/log_event.h) that the capture looks at.
enum EventType : uint8_t {
    kQueryEvent = 2,
    kRotateEvent = 4,
    kFormatDescriptionEvent = 15,
    kXidEvent = 16,
    kTableMapEvent = 19,
    kWriteRowsV1 = 23,
    kUpdateRowsV1 = 24,
    kDeleteRowsV1 = 25,
    kHeartbeatEvent = 27,
    kWriteRowsV2 = 30,
    kUpdateRowsV2 = 31,
    kDeleteRowsV2 = 32,
    kMariaGtidEvent = 162,
    kWriteRowsCompressedV1 = 166,
    kDeleteRowsCompressedV2 = 171,
};

constexpr size_t kHeaderSize = 19;

struct EventHeader {
    uint32_t timestamp = 0; ///< seconds since 1970 (statement start)
    uint8_t type = 0;
    uint32_t server_id = 0;
    uint32_t length = 0;        ///< header + body (+ checksum)
    uint32_t next_position = 0; ///< end of this event in its binlog file; 0 for artificial events
    uint16_t flags = 0;
};

/// What reading events needs from the stream's last format description event.
struct StreamFormat {
    bool checksum = false; ///< events end with a 4-byte CRC32
    uint8_t table_map_post_header = 8;
    uint8_t rows_post_header = 10; ///< v1: 8, v2: 10; 6-byte table ids unless 6 / 8 → 4-byte (pre-5.1.4)
};

/// One event: its header and body (checksum removed).
struct Event {
    EventHeader header;
    std::string_view body;
};

/// Splits one event (the dump packet without its leading OK byte); a format description event
/// updates `format` first (it carries its own checksum setting).
Result<Event> split_event(std::string_view bytes, StreamFormat& format);

struct RotateEvent {
    uint64_t position = 0;
    std::string file;
};
Result<RotateEvent> parse_rotate(const Event& event);

struct GtidEvent {
    uint64_t sequence = 0;
    uint32_t domain = 0;
    uint8_t flags = 0;
    bool standalone() const {
        return (flags & 0x01) != 0;
    } ///< no COMMIT/XID follows (DDL, non-transactional)
};
Result<GtidEvent> parse_gtid(const Event& event);

struct QueryEvent {
    std::string schema;
    std::string sql;
};
Result<QueryEvent> parse_query(const Event& event);

/// A table map's description of one column.
struct MappedColumn {
    uint8_t type = 0;  ///< MYSQL_TYPE_* as logged (DATETIME2, TIMESTAMP2, TIME2...)
    uint16_t meta = 0; ///< the type's metadata (see binlog_rows.cpp)
    bool nullable = true;
    bool is_unsigned = false;
    uint32_t charset = 0;                 ///< collation id for character columns, 0 when not given
    std::string name;                     ///< from binlog_row_metadata=FULL; empty otherwise
    std::vector<std::string> enum_values; ///< ENUM and SET members (FULL metadata)
};

struct TableMap {
    uint64_t table_id = 0;
    std::string schema;
    std::string table;
    std::vector<MappedColumn> columns;
    bool has_names = false; ///< column names came with it (binlog_row_metadata=FULL)
};
Result<TableMap> parse_table_map(const Event& event, const StreamFormat& format);

enum class RowsKind : uint8_t { Write, Update, Delete };

/// A row event: which table and columns, and the packed row images (decoded by binlog_rows).
struct RowsEvent {
    RowsKind kind = RowsKind::Write;
    uint64_t table_id = 0;
    uint16_t flags = 0;
    uint32_t column_count = 0;
    std::vector<bool> present;       ///< columns in the (before) image
    std::vector<bool> present_after; ///< UPDATE: columns in the after image
    std::string_view rows;           ///< the images, back to back
};
/// For the row event types (v1 and v2); other types are 0A000.
Result<RowsEvent> parse_rows(const Event& event, const StreamFormat& format);

bool is_rows_event(uint8_t type);

} // namespace nectar::realtime::binlog
