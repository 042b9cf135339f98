#pragma once
// PostgreSQL's streaming replication framing (XLogData, keepalive, standby status update) and
// the pgoutput logical decoding messages (protocol version 1), decoded from bytes: no I/O.

#include "protocol/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::realtime {

/// "0/16B3748" ↔ 0x16B3748.
std::string format_lsn(uint64_t lsn);
std::optional<uint64_t> parse_lsn(std::string_view text);

/// One CopyData payload from a walsender.
struct ReplicationFrame {
    enum class Kind : uint8_t { XLogData, Keepalive } kind = Kind::XLogData;
    uint64_t wal_start = 0;  ///< XLogData: where the message starts
    uint64_t wal_end = 0;    ///< the server's current end of WAL
    bool reply_requested = false; ///< Keepalive: answer with a status update now
    std::string_view message;     ///< XLogData: the pgoutput message (points into the input)
};
Result<ReplicationFrame> parse_replication_frame(std::string_view copy_data);

/// Standby status update ('r'): everything up to `lsn` is received, flushed and applied.
std::string standby_status_update(uint64_t lsn, int64_t now_pg_us);

struct PgColumnDesc {
    std::string name;
    uint32_t type_oid = 0;
    bool key = false; ///< part of the replica identity
};

/// A tuple's columns: text, NULL, or an unchanged TOASTed value the server did not send.
struct PgTupleValue {
    enum class Kind : uint8_t { Null, Unchanged, Text } kind = Kind::Null;
    std::string text;
};

struct PgOutputMessage {
    enum class Kind : uint8_t { Begin, Commit, Relation, Insert, Update, Delete, Truncate, Ignored } kind =
        Kind::Ignored;
    // Begin / Commit
    uint64_t final_lsn = 0;      ///< Begin: the commit's LSN; Commit: the end of the commit record
    int64_t commit_time_us = 0;  ///< µs since 2000-01-01
    // Relation
    uint32_t relation_id = 0;    ///< also Insert/Update/Delete
    std::string schema;
    std::string table;
    std::vector<PgColumnDesc> columns;
    // Insert / Update / Delete
    std::vector<PgTupleValue> new_tuple;
    std::vector<PgTupleValue> old_tuple; ///< Update with 'K'/'O', Delete
    bool old_is_key_only = false;        ///< 'K': only the replica identity columns are set
    // Truncate
    std::vector<uint32_t> truncated;
};

/// One pgoutput message; 08P01 when it is malformed (truncated, unknown tuple tag).
Result<PgOutputMessage> parse_pgoutput(std::string_view bytes);

} // namespace nectar::realtime
