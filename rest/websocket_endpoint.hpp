#pragma once
// Hand-over of an upgraded HTTP connection to a WebSocket endpoint (realtime, SPEC §6). The
// router answers the upgrade request (authentication, middlewares); when its handler accepts
// with status 101 the HTTP session gives the stream to the endpoint. Beast types: include this
// only in translation units that already include Beast.

#include "rest/http_message.hpp"

#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace nectar::rest {

class WebSocketEndpoint {
  public:
    using Upgrade = boost::beast::http::request<boost::beast::http::string_body>;
    virtual ~WebSocketEndpoint() = default;
    /// Accepts `upgrade` on `stream` and serves the WebSocket until it closes; `request` is the
    /// routed, authenticated request (caller, roles, the worker's engine).
    virtual boost::asio::awaitable<void> serve(boost::beast::tcp_stream& stream, Upgrade upgrade,
                                               HttpRequest request) = 0;
    virtual boost::asio::awaitable<void> serve(boost::beast::ssl_stream<boost::beast::tcp_stream>& stream,
                                               Upgrade upgrade, HttpRequest request) = 0;
};

} // namespace nectar::rest
