#include "realtime/replay_buffer.hpp"

namespace nectar::realtime {

ChangePtr ReplayBuffer::append(ChangeEvent event, std::chrono::steady_clock::time_point now) {
    event.seq = next_seq_++;
    event.captured_at = now;
    auto shared = std::make_shared<const ChangeEvent>(std::move(event));
    events_.push_back(shared);
    while (events_.size() > limits_.max_events) {
        events_.pop_front();
    }
    expire(now);
    return shared;
}

void ReplayBuffer::expire(std::chrono::steady_clock::time_point now) {
    while (!events_.empty() && now - events_.front()->captured_at > limits_.max_age) {
        events_.pop_front();
    }
}

std::optional<std::vector<ChangePtr>> ReplayBuffer::since(int64_t seq) const {
    // The oldest position a subscriber can resume from: just before the first held event.
    int64_t first_held = events_.empty() ? next_seq_ : events_.front()->seq;
    if (seq < first_seq_ - 1 || seq < first_held - 1 || seq >= next_seq_) {
        return std::nullopt;
    }
    std::vector<ChangePtr> missed;
    for (auto it = events_.begin() + (seq + 1 - first_held); it != events_.end(); ++it) {
        missed.push_back(*it);
    }
    return missed;
}

} // namespace nectar::realtime
