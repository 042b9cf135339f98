#pragma once
// The WebSocket endpoint GET /api/v2/realtime (SPEC §6): one session per connection, on the
// worker that accepted it, speaking the subscribe / unsubscribe / ping frames and receiving
// its subscriptions' events from the hub. Beast's websocket is included in ws_session.cpp only.

#include "realtime/hub.hpp"
#include "rest/websocket_endpoint.hpp"

#include <functional>
#include <string_view>

namespace nectar::rest {
class ExposureStore;
class HttpRouter;
} // namespace nectar::rest

namespace nectar::realtime {

struct RealtimeOptions {
    size_t max_message_bytes = 64 * 1024;       ///< a client frame larger than this closes with 1009
    size_t max_queued_bytes = 8 * 1024 * 1024;  ///< frames waiting for a slow client; past it: close 4008
    size_t max_queued_frames = 16384;
    size_t max_subscriptions = 100;             ///< per connection
    int default_poll_interval_ms = 1000;
};

class RealtimeEndpoint final : public rest::WebSocketEndpoint {
  public:
    /// `native_capture`: whether a service has native capture (else subscriptions poll).
    RealtimeEndpoint(Hub& hub, const rest::ExposureStore& exposures,
                     std::function<bool(std::string_view service)> native_capture, RealtimeOptions options = {});

    boost::asio::awaitable<void> serve(boost::beast::tcp_stream& stream, Upgrade upgrade,
                                       rest::HttpRequest request) override;
    boost::asio::awaitable<void> serve(boost::beast::ssl_stream<boost::beast::tcp_stream>& stream, Upgrade upgrade,
                                       rest::HttpRequest request) override;

    Hub& hub() { return hub_; }
    const rest::ExposureStore& exposures() const { return exposures_; }
    bool native_capture(std::string_view service) const { return native_capture_(service); }
    const RealtimeOptions& options() const { return options_; }

  private:
    Hub& hub_;
    const rest::ExposureStore& exposures_;
    std::function<bool(std::string_view)> native_capture_;
    RealtimeOptions options_;
};

/// GET /api/v2/realtime: 101 (the HTTP session hands the stream to the endpoint) for a
/// WebSocket upgrade, 426 with SPEC §5's JSON error otherwise.
void add_realtime_route(rest::HttpRouter& router);

} // namespace nectar::realtime
