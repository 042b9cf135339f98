#include "proxy/client_stream.hpp"

#include "federation/connectors/socket_write.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace nectar::proxy {

using boost::system::error_code;

ClientStream::ClientStream(asio::ip::tcp::socket socket)
    : socket_(std::move(socket)) {
    error_code ec;
    auto remote = socket_.remote_endpoint(ec);
    if (!ec) {
        peer_is_loopback_ = remote.address().is_loopback() ||
                            (remote.address().is_v6() && remote.address().to_v6().is_v4_mapped() &&
                             asio::ip::make_address_v4(asio::ip::v4_mapped, remote.address().to_v6()).is_loopback());
        peer_ = remote.address().to_string() + ":" + std::to_string(remote.port());
    }
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    socket_.non_blocking(true, ec); // so that try_write never blocks
}

asio::awaitable<size_t> ClientStream::read_some(asio::mutable_buffer into, error_code& ec) {
    if (tls_) {
        return tls_->async_read_some(into, asio::redirect_error(asio::use_awaitable, ec));
    }
    return socket_.async_read_some(into, asio::redirect_error(asio::use_awaitable, ec));
}

bool ClientStream::try_write(std::string_view& data, error_code& ec) {
    return !tls_ && federation::try_write_now(socket_, data, ec);
}

asio::awaitable<void> ClientStream::write_all(std::string_view data, error_code& ec) {
    if (tls_) {
        co_await asio::async_write(*tls_, asio::buffer(data), asio::redirect_error(asio::use_awaitable, ec));
    } else {
        co_await asio::async_write(socket_, asio::buffer(data), asio::redirect_error(asio::use_awaitable, ec));
    }
}

asio::awaitable<Result<void>> ClientStream::start_tls(asio::ssl::context& context) {
    tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, context);
    error_code ec;
    co_await tls_->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        co_return Error::make("08P01", "TLS handshake failed: " + ec.message(), "FATAL");
    }
    co_return Result<void>();
}

void ClientStream::close() {
    error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
}

} // namespace nectar::proxy
