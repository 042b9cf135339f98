#pragma once
// A subscribe frame checked against the worker's catalog: the exposed table it names, its
// filter bound over the table's columns, and the capture mode (SPEC §6: "trigger" is the
// service's native capture, "poll" works for every service).

#include "realtime/capture.hpp"
#include "realtime/event_filter.hpp"
#include "realtime/frames.hpp"

#include <utility>

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string_view>

namespace nectar::federation {
class Engine;
}
namespace nectar::rest {
class ExposureStore;
}

namespace nectar::realtime {

struct ResolvedSubscription {
    FeedSpec spec;
    EventFilter filter;
};

/// Errors: 3D000 unknown service, 42P01 unknown or unexposed table, the filter's own errors
/// (42703, 22P02...), 0A000 "trigger" on a service without native capture.
boost::asio::awaitable<Result<ResolvedSubscription>>
resolve_subscription(const SubscribeFrame& frame, federation::Engine& engine, const rest::ExposureStore& exposures,
                     const std::function<bool(std::string_view)>& native_capture, int default_poll_interval_ms);

} // namespace nectar::realtime
