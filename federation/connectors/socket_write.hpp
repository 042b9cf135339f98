#pragma once
// Writing to a plain socket without a trip through the event loop when the kernel takes the
// bytes at once (the common case for small answers): saves a posted completion per write.

#include <utility>

#include <boost/asio/error.hpp>
#include <string_view>

namespace nectar::federation {

/// Writes what the kernel takes now of `data` to `socket` (which must be in non-blocking mode)
/// and drops it from `data`. True when nothing is left to write or a hard error is in `ec`;
/// false when the rest must wait for the socket to become writable.
template <typename Socket> bool try_write_now(Socket& socket, std::string_view& data, boost::system::error_code& ec) {
    size_t sent = socket.write_some(boost::asio::buffer(data.data(), data.size()), ec);
    data.remove_prefix(sent);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
        ec.clear();
        return false;
    }
    return ec || data.empty();
}

} // namespace nectar::federation
