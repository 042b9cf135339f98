#pragma once
// A hub subscriber that hands each message to a callback on its owner's executor (a pg-wire
// session's worker): deliver() only posts, as the hub requires; the callback runs on the
// owner's thread, so the owner needs no locking of its own.

#include "realtime/hub.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <utility>

namespace nectar::realtime {

class PostingSubscriber final : public Subscriber {
  public:
    /// `on_message` must itself check that its owner still lives (it runs after a post).
    using Callback = std::function<void(uint64_t subscription, const FeedMessage& message)>;

    PostingSubscriber(boost::asio::any_io_executor executor, Callback on_message)
        : executor_(std::move(executor))
        , on_message_(std::move(on_message)) {}

    void deliver(uint64_t subscription, const FeedMessage& message) override {
        boost::asio::post(executor_, [callback = on_message_, subscription, message] { callback(subscription, message); });
    }

  private:
    boost::asio::any_io_executor executor_;
    Callback on_message_;
};

} // namespace nectar::realtime
