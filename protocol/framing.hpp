#pragma once
// Splitting a byte stream into PostgreSQL v3 messages. Pure functions over buffered bytes:
// no I/O, no allocation; a caller appends what it read and asks for the next message.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nectar::protocol {

/// Longest message body we accept (PostgreSQL's own limit for a single value is 1 GB).
inline constexpr uint32_t kDefaultMaxMessageLength = 1u << 30;
/// Longest startup-phase packet (PostgreSQL refuses startup packets over 10,000 bytes).
inline constexpr uint32_t kMaxStartupPacketLength = 10000;

enum class FrameStatus { ready, need_more, error };

/// One regular message: a type byte, an int32 length that counts itself, then the body.
struct Frame {
    FrameStatus status = FrameStatus::need_more;
    char type = 0;
    std::string_view body;    ///< the bytes after the length word (valid while the buffer is)
    size_t size = 0;          ///< bytes the whole message takes in the buffer (type + length + body)
    size_t declared_size = 0; ///< when need_more: the whole message size once the header is known
};

/// Looks for a complete regular message at the front of `data`. A length below 4 or above
/// `max_body_length` + 4 is an error; an incomplete message is need_more.
Frame next_frame(std::string_view data, uint32_t max_body_length = kDefaultMaxMessageLength);

/// Startup-phase packets have no type byte: int32 length, int32 request code, then the body.
enum class StartupKind { startup_v3, ssl_request, gssenc_request, cancel_request, unsupported_version };

struct StartupFrame {
    FrameStatus status = FrameStatus::need_more;
    StartupKind kind = StartupKind::startup_v3;
    uint32_t code = 0;     ///< the request code or protocol version as sent
    std::string_view body; ///< the bytes after the code
    size_t size = 0;
    size_t declared_size = 0; ///< when need_more: the whole packet size once the length is known
};

/// Looks for a complete startup-phase packet at the front of `data`.
StartupFrame next_startup_frame(std::string_view data);

} // namespace nectar::protocol
