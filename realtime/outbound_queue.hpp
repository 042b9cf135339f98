#pragma once
// Frames waiting for one WebSocket client, bounded by count and bytes: a client that cannot keep
// up overflows it and is closed with 4008 (SPEC §6), never silently skipped.

#include <cstddef>
#include <deque>
#include <string>

namespace nectar::realtime {

class OutboundQueue {
  public:
    OutboundQueue(size_t max_frames, size_t max_bytes)
        : max_frames_(max_frames)
        , max_bytes_(max_bytes) {}

    /// Queues `frame`; false (and nothing queued) when it would pass a bound. An empty queue
    /// takes any one frame: a row bigger than the byte bound is slow to send, not a slow client.
    bool push(std::string frame) {
        if (!frames_.empty() && (frames_.size() >= max_frames_ || bytes_ + frame.size() > max_bytes_)) {
            return false;
        }
        bytes_ += frame.size();
        frames_.push_back(std::move(frame));
        return true;
    }
    std::string pop() {
        std::string frame = std::move(frames_.front());
        frames_.pop_front();
        bytes_ -= frame.size();
        return frame;
    }
    void clear() {
        frames_.clear();
        bytes_ = 0;
    }
    bool empty() const { return frames_.empty(); }
    size_t size() const { return frames_.size(); }
    size_t bytes() const { return bytes_; }

  private:
    size_t max_frames_;
    size_t max_bytes_;
    std::deque<std::string> frames_;
    size_t bytes_ = 0;
};

} // namespace nectar::realtime
