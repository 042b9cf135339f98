#pragma once
// The last changes of one feed, bounded by count and age, for subscribers that resume after a
// disconnect (SPEC §6 `resumeFrom`). Not thread-safe: the hub holds it under its lock.

#include "realtime/change_event.hpp"

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

namespace nectar::realtime {

struct ReplayLimits {
    size_t max_events = 10000;
    std::chrono::milliseconds max_age{std::chrono::minutes(2)};
};

class ReplayBuffer {
  public:
    /// `first_seq`: the seq the feed's first change gets.
    ReplayBuffer(ReplayLimits limits, int64_t first_seq)
        : limits_(limits)
        , first_seq_(first_seq)
        , next_seq_(first_seq) {}

    /// Numbers `event` (seq, captured_at) and keeps it, dropping what falls past the bounds.
    ChangePtr append(ChangeEvent event, std::chrono::steady_clock::time_point now);
    /// Drops events older than max_age.
    void expire(std::chrono::steady_clock::time_point now);
    /// Every held event after `seq`, oldest first; nullopt when the buffer no longer holds all
    /// of them (or `seq` was never a position of this feed): the subscriber must resync.
    std::optional<std::vector<ChangePtr>> since(int64_t seq) const;
    /// The seq of the last change (first_seq - 1 before any).
    int64_t last_seq() const { return next_seq_ - 1; }
    size_t size() const { return events_.size(); }

  private:
    ReplayLimits limits_;
    int64_t first_seq_;
    int64_t next_seq_;
    std::deque<ChangePtr> events_;
};

} // namespace nectar::realtime
