#pragma once
// Polling capture (SPEC §6 polling mode, any service): one query per (service, table, interval)
// through the federation engine, however many subscribers; each round diffed with the last.

#include "realtime/capture.hpp"

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <memory>

namespace nectar::federation {
class Engine;
}

namespace nectar::realtime {

class PollCapture final : public Capture {
  public:
    /// Runs on `executor`'s worker with that worker's `engine`.
    PollCapture(boost::asio::any_io_executor executor, federation::Engine& engine, FeedSpec spec,
                std::shared_ptr<CaptureSink> sink);
    ~PollCapture() override;
    void start() override;
    void stop() override;

  private:
    struct State;
    std::shared_ptr<State> state_; ///< shared with the running loop, which may outlive this handle
};

} // namespace nectar::realtime
