#pragma once
// A client's connection: plain TCP, or TLS once the client asked with SSLRequest.

#include "protocol/error.hpp"
#include "protocol/input_buffer.hpp"

#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <memory>
#include <string_view>

namespace nectar::proxy {

namespace asio = boost::asio;

class ClientStream {
  public:
    explicit ClientStream(asio::ip::tcp::socket socket);

    /// Reads what is available into `into`; 0 with `ec` set on failure or end of stream.
    /// (Returns the socket's own operation: no coroutine frame of its own on the hot path.)
    asio::awaitable<size_t> read_some(asio::mutable_buffer into, boost::system::error_code& ec);
    /// Writes what the kernel takes at once and drops it from `data`; true when done (or `ec`
    /// holds an error), false when the rest needs write_all(). TLS always needs write_all().
    bool try_write(std::string_view& data, boost::system::error_code& ec);
    asio::awaitable<void> write_all(std::string_view data, boost::system::error_code& ec);
    /// The server side of a TLS handshake on this connection.
    asio::awaitable<Result<void>> start_tls(asio::ssl::context& context);

    bool is_tls() const { return tls_ != nullptr; }
    bool peer_is_loopback() const { return peer_is_loopback_; }
    const std::string& peer() const { return peer_; }
    void close();

  private:
    asio::ip::tcp::socket socket_;
    std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
    bool peer_is_loopback_ = false;
    std::string peer_;
};

} // namespace nectar::proxy
