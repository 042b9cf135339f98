#include "protocol/framing.hpp"

#include "protocol/message_reader.hpp"

namespace nectar::protocol {

namespace {

constexpr uint32_t kProtocolV3Major = 3;
constexpr uint32_t kCancelRequestCode = 80877102;
constexpr uint32_t kSslRequestCode = 80877103;
constexpr uint32_t kGssEncRequestCode = 80877104;
constexpr uint32_t kCancelRequestLength = 16;

} // namespace

Frame next_frame(std::string_view data, uint32_t max_body_length) {
    Frame frame;
    if (data.size() < 5) {
        frame.status = FrameStatus::need_more;
        return frame;
    }
    frame.type = data[0];
    uint32_t length = load_be32(data.data() + 1);
    // 64-bit arithmetic: max_body_length + 4 must not wrap. A negative int32 length reads as
    // a value above 2^31 and fails the upper bound with the default limit.
    if (length < 4 || static_cast<uint64_t>(length) > static_cast<uint64_t>(max_body_length) + 4) {
        frame.status = FrameStatus::error;
        return frame;
    }
    size_t total = static_cast<size_t>(length) + 1;
    frame.declared_size = total;
    if (data.size() < total) {
        frame.status = FrameStatus::need_more;
        return frame;
    }
    frame.status = FrameStatus::ready;
    frame.body = data.substr(5, length - 4);
    frame.size = total;
    return frame;
}

StartupFrame next_startup_frame(std::string_view data) {
    StartupFrame frame;
    if (data.size() < 4) {
        frame.status = FrameStatus::need_more;
        return frame;
    }
    uint32_t length = load_be32(data.data());
    if (length < 8 || length > kMaxStartupPacketLength) {
        frame.status = FrameStatus::error;
        return frame;
    }
    frame.declared_size = length;
    if (data.size() < 8) {
        frame.status = FrameStatus::need_more;
        return frame;
    }
    frame.code = load_be32(data.data() + 4);
    if (frame.code >> 16 == kProtocolV3Major) {
        frame.kind = StartupKind::startup_v3;
    } else if (frame.code == kSslRequestCode) {
        frame.kind = StartupKind::ssl_request;
    } else if (frame.code == kGssEncRequestCode) {
        frame.kind = StartupKind::gssenc_request;
    } else if (frame.code == kCancelRequestCode) {
        frame.kind = StartupKind::cancel_request;
        if (length != kCancelRequestLength) {
            frame.status = FrameStatus::error;
            return frame;
        }
    } else {
        frame.kind = StartupKind::unsupported_version;
    }
    if (data.size() < length) {
        frame.status = FrameStatus::need_more;
        return frame;
    }
    frame.status = FrameStatus::ready;
    frame.body = data.substr(8, length - 8);
    frame.size = length;
    return frame;
}

} // namespace nectar::protocol
