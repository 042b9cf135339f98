#pragma once
// One captured row change (SPEC §6) and what a feed hands its subscribers: changes, polling
// snapshots and capture errors. Immutable once published: shared between worker threads.

#include "federation/connectors/connector.hpp"
#include "federation/types/value.hpp"
#include "protocol/error.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::realtime {

enum class ChangeKind : uint8_t { Insert, Update, Delete };

/// "INSERT", "UPDATE", "DELETE".
std::string_view kind_name(ChangeKind kind);

struct ChangeEvent {
    ChangeKind kind = ChangeKind::Insert;
    /// Columns in the order of the feed's table (TableInfo::columns); empty for DELETE.
    federation::Row new_row;
    /// The row before the change: empty for INSERT. When the backend only gives the key (a
    /// PostgreSQL table without REPLICA IDENTITY FULL) the other columns are NULL.
    federation::Row old_row;
    int64_t commit_time_us = 0;  ///< µs since 2000-01-01 UTC (PostgreSQL's epoch)
    std::string position;        ///< the backend's own position: an LSN ("0/16B3748"), a poll round
    int64_t seq = 0;             ///< set by the hub: the feed's sequence number
    std::chrono::steady_clock::time_point captured_at{}; ///< set by the hub: for the replay buffer's age bound
};

using ChangePtr = std::shared_ptr<const ChangeEvent>;
using RowsPtr = std::shared_ptr<const std::vector<federation::Row>>;

/// What a feed sends each subscriber.
struct FeedMessage {
    enum class Type : uint8_t { Live, Change, Snapshot, Error } type = Type::Change;
    ChangePtr change;  ///< Change
    RowsPtr snapshot;  ///< Snapshot: the whole current result of a polling feed
    Error error;       ///< Error: the capture failed (it keeps retrying)
    int64_t seq = 0;   ///< Live: the feed's position when it went live
};

/// Microseconds since 2000-01-01 UTC now (commit times of captures without their own).
int64_t now_pg_epoch_us();

} // namespace nectar::realtime
