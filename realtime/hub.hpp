#pragma once
// The realtime hub (SPEC §6): feeds per (service, table, mode, poll interval), each with one
// capture however many subscribers, a sequence counter and a replay buffer.
//
// Threads: one mutex guards the hub. A capture runs on one worker and calls its sink there;
// the sink numbers the events and keeps them in the replay buffer under the lock, then hands
// each subscriber a shared, immutable FeedMessage through Subscriber::deliver, which posts it
// to the subscriber's own worker (a WebSocket session filters and writes it there). Events of
// one feed are published by one thread in order, so every subscriber sees them in seq order.

#include "realtime/capture.hpp"
#include "realtime/replay_buffer.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace nectar::realtime {

/// A subscriber's end; deliver() is called from capture threads, under the hub's lock, and must
/// only hand the message over (queue and post it), never block.
class Subscriber {
  public:
    virtual ~Subscriber() = default;
    /// `subscription`: the handle subscribe() returned.
    virtual void deliver(uint64_t subscription, const FeedMessage& message) = 0;
};

struct HubLimits {
    ReplayLimits replay;
    /// A feed without subscribers keeps capturing this long, so that a client reconnecting with
    /// resumeFrom finds what it missed.
    std::chrono::milliseconds linger{std::chrono::seconds(30)};
};

/// What subscribing found.
struct Subscribed {
    uint64_t handle = 0;
    int64_t last_seq = 0;           ///< the feed's position now (a resume point)
    /// Whether the capture is running; until it is, the subscriber waits for a Live message
    /// (changes committed before it would not be reported).
    bool live = false;
    bool resync = false;            ///< resumeFrom asked for a point no longer held
    std::vector<ChangePtr> replay;  ///< with resumeFrom: the changes after it, oldest first
    RowsPtr snapshot;               ///< polling feeds: the latest result, if one was read
    std::optional<Error> error;     ///< the capture's current failure, if any
};

class Hub {
  public:
    /// Makes the capture of a new feed, reporting to `sink` (the capture keeps it as long as it runs).
    using CaptureFactory =
        std::function<Result<std::unique_ptr<Capture>>(const FeedSpec&, std::shared_ptr<CaptureSink> sink)>;

    Hub(HubLimits limits, CaptureFactory factory);
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    /// Joins (or starts) the feed; with `resume_from`, the changes after it are returned in the
    /// same step, so none is missed or repeated between replay and live delivery.
    Result<Subscribed> subscribe(const FeedSpec& spec, std::shared_ptr<Subscriber> subscriber,
                                 std::optional<int64_t> resume_from);
    void unsubscribe(uint64_t handle);

    /// Drops feeds without subscribers past the linger time and old replay events; call it
    /// about once a second.
    void sweep();
    /// Stops every capture (at shutdown).
    void stop();

    const ReplayLimits& replay_limits() const { return limits_.replay; }
    size_t feeds() const;
    size_t subscriptions() const;

  private:
    struct Feed;
    class FeedSink;
    void publish_live(uint64_t feed_id);
    void publish_changes(uint64_t feed_id, std::vector<ChangeEvent> events);
    void publish_snapshot(uint64_t feed_id, std::vector<federation::Row> rows);
    void publish_error(uint64_t feed_id, const Error& error);

    HubLimits limits_;
    CaptureFactory factory_;
    mutable std::mutex mutex_;
    std::map<uint64_t, std::unique_ptr<Feed>> feeds_;
    std::map<uint64_t, uint64_t> subscription_feed_; ///< handle → feed id
    uint64_t next_feed_id_ = 1;
    uint64_t next_handle_ = 1;
    int64_t last_first_seq_ = 0;
    bool stopped_ = false;
};

} // namespace nectar::realtime
