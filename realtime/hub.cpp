#include "realtime/hub.hpp"

#include <algorithm>

namespace nectar::realtime {

using Clock = std::chrono::steady_clock;

struct Hub::Feed {
    FeedSpec spec;
    ReplayBuffer replay;
    std::unique_ptr<Capture> capture;
    std::map<uint64_t, std::shared_ptr<Subscriber>> subscribers; ///< by handle
    RowsPtr snapshot;
    std::optional<Error> error;
    bool live = false;
    Clock::time_point idle_since{}; ///< when the last subscriber left

    Feed(FeedSpec s, ReplayLimits limits, int64_t first_seq)
        : spec(std::move(s))
        , replay(limits, first_seq) {}

    void deliver(const FeedMessage& message) const {
        for (const auto& [handle, subscriber] : subscribers) {
            subscriber->deliver(handle, message);
        }
    }
};

/// A feed's capture reports here; calls for a feed the hub has dropped are ignored.
class Hub::FeedSink final : public CaptureSink {
  public:
    FeedSink(Hub& hub, uint64_t feed_id)
        : hub_(hub)
        , feed_id_(feed_id) {}
    void live() override { hub_.publish_live(feed_id_); }
    void changes(std::vector<ChangeEvent> events) override { hub_.publish_changes(feed_id_, std::move(events)); }
    void snapshot(std::vector<federation::Row> rows) override { hub_.publish_snapshot(feed_id_, std::move(rows)); }
    void failed(const Error& error) override { hub_.publish_error(feed_id_, error); }

  private:
    Hub& hub_;
    uint64_t feed_id_;
};

Hub::Hub(HubLimits limits, CaptureFactory factory)
    : limits_(limits)
    , factory_(std::move(factory)) {}

Hub::~Hub() { stop(); }

Result<Subscribed> Hub::subscribe(const FeedSpec& spec, std::shared_ptr<Subscriber> subscriber,
                                  std::optional<int64_t> resume_from) {
    std::lock_guard lock(mutex_);
    if (stopped_) {
        return Error::make("57P03", "realtime is shutting down");
    }
    auto found = std::find_if(feeds_.begin(), feeds_.end(),
                              [&](const auto& entry) { return entry.second->spec.same_feed(spec); });
    if (found == feeds_.end()) {
        // A feed's first seq is the wall clock in µs: positions of an earlier feed on the same
        // table (before a restart, or before it lingered out) are always older, hence resync.
        auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
        int64_t first_seq = std::max<int64_t>(now_us, last_first_seq_ + 1);
        last_first_seq_ = first_seq;
        uint64_t id = next_feed_id_++;
        auto feed = std::make_unique<Feed>(spec, limits_.replay, first_seq);
        auto capture = factory_(spec, std::make_shared<FeedSink>(*this, id));
        if (!capture) {
            return capture.error();
        }
        feed->capture = std::move(*capture);
        feed->capture->start();
        found = feeds_.emplace(id, std::move(feed)).first;
    }
    Feed& feed = *found->second;
    Subscribed result;
    if (resume_from) {
        auto missed = feed.replay.since(*resume_from);
        if (missed) {
            result.replay = std::move(*missed);
        } else {
            result.resync = true;
        }
    }
    result.handle = next_handle_++;
    result.last_seq = feed.replay.last_seq();
    result.live = feed.live;
    result.snapshot = feed.snapshot;
    result.error = feed.error;
    feed.subscribers.emplace(result.handle, std::move(subscriber));
    subscription_feed_.emplace(result.handle, found->first);
    return result;
}

void Hub::unsubscribe(uint64_t handle) {
    std::lock_guard lock(mutex_);
    auto entry = subscription_feed_.find(handle);
    if (entry == subscription_feed_.end()) {
        return;
    }
    auto feed = feeds_.find(entry->second);
    subscription_feed_.erase(entry);
    if (feed == feeds_.end()) {
        return;
    }
    feed->second->subscribers.erase(handle);
    if (feed->second->subscribers.empty()) {
        feed->second->idle_since = Clock::now();
    }
}

void Hub::sweep() {
    std::vector<std::unique_ptr<Feed>> dropped;
    {
        std::lock_guard lock(mutex_);
        auto now = Clock::now();
        for (auto it = feeds_.begin(); it != feeds_.end();) {
            Feed& feed = *it->second;
            feed.replay.expire(now);
            if (feed.subscribers.empty() && now - feed.idle_since > limits_.linger) {
                dropped.push_back(std::move(it->second));
                it = feeds_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto& feed : dropped) {
        feed->capture->stop();
    }
}

void Hub::stop() {
    std::map<uint64_t, std::unique_ptr<Feed>> feeds;
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        feeds.swap(feeds_);
        subscription_feed_.clear();
    }
    for (auto& [id, feed] : feeds) {
        feed->capture->stop();
    }
}

size_t Hub::feeds() const {
    std::lock_guard lock(mutex_);
    return feeds_.size();
}

size_t Hub::subscriptions() const {
    std::lock_guard lock(mutex_);
    return subscription_feed_.size();
}

void Hub::publish_live(uint64_t feed_id) {
    std::lock_guard lock(mutex_);
    auto found = feeds_.find(feed_id);
    if (found == feeds_.end() || found->second->live) {
        return;
    }
    Feed& feed = *found->second;
    feed.live = true;
    feed.error.reset();
    FeedMessage message;
    message.type = FeedMessage::Type::Live;
    message.seq = feed.replay.last_seq();
    feed.deliver(message);
}

void Hub::publish_changes(uint64_t feed_id, std::vector<ChangeEvent> events) {
    std::lock_guard lock(mutex_);
    auto found = feeds_.find(feed_id);
    if (found == feeds_.end()) {
        return;
    }
    Feed& feed = *found->second;
    feed.error.reset(); // changes flow again
    auto now = Clock::now();
    for (ChangeEvent& event : events) {
        FeedMessage message;
        message.type = FeedMessage::Type::Change;
        message.change = feed.replay.append(std::move(event), now);
        feed.deliver(message);
    }
}

void Hub::publish_snapshot(uint64_t feed_id, std::vector<federation::Row> rows) {
    std::lock_guard lock(mutex_);
    auto found = feeds_.find(feed_id);
    if (found == feeds_.end()) {
        return;
    }
    Feed& feed = *found->second;
    feed.error.reset();
    feed.snapshot = std::make_shared<const std::vector<federation::Row>>(std::move(rows));
    FeedMessage message;
    message.type = FeedMessage::Type::Snapshot;
    message.snapshot = feed.snapshot;
    feed.deliver(message);
}

void Hub::publish_error(uint64_t feed_id, const Error& error) {
    std::lock_guard lock(mutex_);
    auto found = feeds_.find(feed_id);
    if (found == feeds_.end()) {
        return;
    }
    Feed& feed = *found->second;
    // Subscribers hear of a failure once, not at every retry.
    if (feed.error && feed.error->message == error.message) {
        return;
    }
    feed.error = error;
    FeedMessage message;
    message.type = FeedMessage::Type::Error;
    message.error = error;
    feed.deliver(message);
}

} // namespace nectar::realtime
