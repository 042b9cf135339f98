#pragma once
// Polling mode's change detection: each round's whole result compared with the last one by
// primary key and row content (key → row hash), giving INSERT/UPDATE/DELETE events.

#include "realtime/change_event.hpp"

#include <string>
#include <unordered_map>
#include <vector>

namespace nectar::realtime {

class PollDiff {
  public:
    /// `key_columns`: the primary key's column indexes; empty (a table without one): the whole
    /// row is the key, so an update shows as a DELETE and an INSERT, and identical rows count once.
    explicit PollDiff(std::vector<int> key_columns)
        : key_columns_(std::move(key_columns)) {}

    struct Round {
        std::vector<ChangeEvent> changes; ///< deletes first, then updates and inserts in result order
        bool first = false;               ///< the first round: the baseline, no changes reported
        bool changed() const { return first || !changes.empty(); }
    };
    /// Takes this round's result; `commit_time_us` and `position` stamp its events.
    Round apply(std::vector<federation::Row> rows, int64_t commit_time_us, const std::string& position);
    /// The latest result.
    const std::vector<federation::Row>& rows() const { return rows_; }

  private:
    struct Seen {
        size_t hash = 0;
        size_t index = 0; ///< in rows_
    };
    std::string key_of(const federation::Row& row) const;

    std::vector<int> key_columns_;
    bool primed_ = false;
    std::vector<federation::Row> rows_;
    std::unordered_map<std::string, Seen> seen_; ///< key → row hash and place in rows_
};

/// Hash of a whole row's content (NULLs and values of every column).
size_t row_content_hash(const federation::Row& row);

} // namespace nectar::realtime
