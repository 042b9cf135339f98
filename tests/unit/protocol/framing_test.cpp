#include "protocol/framing.hpp"
#include "protocol/frontend_messages.hpp"
#include "test_util.hpp"

#include <cstdint>
#include <limits>
#include <memory>

using namespace nectar::protocol;
using nectar::protocol::test::bytes;
using nectar::protocol::test::ExactBuffer;

namespace {

std::string header(char type, uint32_t length) {
    std::string out(1, type);
    for (int shift = 24; shift >= 0; shift -= 8) {
        out += static_cast<char>((length >> shift) & 0xFF);
    }
    return out;
}

std::string startup_header(uint32_t length, uint32_t code) {
    std::string out = header('\0', length).substr(1);
    out += header('\0', code).substr(1);
    return out;
}

/// A frame together with the exact-size buffer its body points into.
template <typename F> struct Owned : F { std::shared_ptr<ExactBuffer> buffer; };

Owned<Frame> frame_of(const std::string& data, uint32_t max = kDefaultMaxMessageLength) {
    Owned<Frame> owned;
    owned.buffer = std::make_shared<ExactBuffer>(data);
    static_cast<Frame&>(owned) = next_frame(owned.buffer->view(), max);
    return owned;
}

Owned<StartupFrame> startup_of(const std::string& data) {
    Owned<StartupFrame> owned;
    owned.buffer = std::make_shared<ExactBuffer>(data);
    static_cast<StartupFrame&>(owned) = next_startup_frame(owned.buffer->view());
    return owned;
}

} // namespace

TEST_CASE("next_frame needs the 5-byte header before it knows anything") {
    for (size_t n = 0; n < 5; ++n) {
        auto frame = frame_of(std::string("Q\0\0\0\x09", n));
        CHECK(frame.status == FrameStatus::need_more);
        CHECK(frame.declared_size == 0);
    }
}

TEST_CASE("next_frame returns a complete message and leaves what follows") {
    std::string data = header('Q', 8) + bytes("abcd") + "Z-extra";
    ExactBuffer buffer(data);
    Frame frame = next_frame(buffer.view());
    REQUIRE(frame.status == FrameStatus::ready);
    CHECK(frame.type == 'Q');
    CHECK(frame.size == 9);
    CHECK(frame.body == "abcd");
    CHECK(frame.body.data() == buffer.view().data() + 5); // a view into the buffer, not a copy
}

TEST_CASE("next_frame accepts an empty body") {
    auto frame = frame_of(header('S', 4));
    REQUIRE(frame.status == FrameStatus::ready);
    CHECK(frame.type == 'S');
    CHECK(frame.size == 5);
    CHECK(frame.body.empty());
}

TEST_CASE("next_frame reports the declared size of an incomplete message") {
    std::string full = header('d', 4 + 300) + std::string(300, 'x');
    for (size_t n = 5; n < full.size(); ++n) {
        auto frame = frame_of(full.substr(0, n));
        CHECK(frame.status == FrameStatus::need_more);
        CHECK(frame.declared_size == full.size());
        CHECK(frame.type == 'd');
    }
    CHECK(frame_of(full).status == FrameStatus::ready);
}

TEST_CASE("next_frame rejects lengths below 4") {
    for (uint32_t length : {0u, 1u, 2u, 3u}) {
        CHECK(frame_of(header('Q', length) + "xxxxxxxx").status == FrameStatus::error);
    }
}

TEST_CASE("next_frame rejects negative and huge lengths without waiting for the bytes") {
    for (uint32_t length : {0x80000000u, 0xFFFFFFFFu, 0xFFFFFFFCu, 0x80000004u, (1u << 30) + 5}) {
        CAPTURE(length);
        CHECK(frame_of(header('D', length)).status == FrameStatus::error);
    }
    // The largest accepted body is the limit itself.
    auto at_limit = frame_of(header('D', (1u << 30) + 4));
    CHECK(at_limit.status == FrameStatus::need_more);
    CHECK(at_limit.declared_size == (size_t{1} << 30) + 5);
}

TEST_CASE("next_frame applies a caller's body limit") {
    CHECK(frame_of(header('Q', 104) + std::string(100, 'a'), 100).status == FrameStatus::ready);
    CHECK(frame_of(header('Q', 105) + std::string(101, 'a'), 100).status == FrameStatus::error);
    CHECK(frame_of(header('Q', 5) + "a", 0).status == FrameStatus::error);
    CHECK(frame_of(header('Q', 4), 0).status == FrameStatus::ready);
    // The largest limit must not wrap around when 4 is added.
    auto frame = frame_of(header('Q', 0xFFFFFFFFu), std::numeric_limits<uint32_t>::max());
    CHECK(frame.status == FrameStatus::need_more);
    CHECK(frame.declared_size == size_t{0xFFFFFFFFu} + 1);
}

TEST_CASE("next_startup_frame classifies request codes") {
    SUBCASE("protocol 3.0") {
        std::string packet = startup_header(18, 196608) + bytes("user\0bob\0\0");
        auto frame = startup_of(packet);
        REQUIRE(frame.status == FrameStatus::ready);
        CHECK(frame.kind == StartupKind::startup_v3);
        CHECK(frame.code == 196608);
        CHECK(frame.size == 18);
        CHECK(frame.body == bytes("user\0bob\0\0"));
    }
    SUBCASE("a later 3.x minor version is still v3, code kept") {
        auto frame = startup_of(startup_header(9, 196610) + bytes("\0"));
        REQUIRE(frame.status == FrameStatus::ready);
        CHECK(frame.kind == StartupKind::startup_v3);
        CHECK(frame.code == 196610);
    }
    SUBCASE("SSLRequest") {
        std::string packet;
        write_ssl_request(packet);
        auto frame = startup_of(packet);
        REQUIRE(frame.status == FrameStatus::ready);
        CHECK(frame.kind == StartupKind::ssl_request);
        CHECK(frame.code == 80877103);
        CHECK(frame.size == 8);
        CHECK(frame.body.empty());
    }
    SUBCASE("GSSENCRequest") {
        auto frame = startup_of(startup_header(8, 80877104));
        REQUIRE(frame.status == FrameStatus::ready);
        CHECK(frame.kind == StartupKind::gssenc_request);
    }
    SUBCASE("CancelRequest") {
        std::string packet;
        write_cancel_request(packet, 1234, -5678);
        auto frame = startup_of(packet);
        REQUIRE(frame.status == FrameStatus::ready);
        CHECK(frame.kind == StartupKind::cancel_request);
        CHECK(frame.size == 16);
        auto cancel = parse_cancel_request(frame.body);
        REQUIRE(cancel.ok());
        CHECK(cancel->process_id == 1234);
        CHECK(cancel->secret_key == -5678);
    }
    SUBCASE("CancelRequest of the wrong length") {
        CHECK(startup_of(startup_header(12, 80877102) + "abcd").status == FrameStatus::error);
        CHECK(startup_of(startup_header(20, 80877102)).status == FrameStatus::error);
    }
    SUBCASE("protocol 2.0 and unknown codes") {
        auto v2 = startup_of(startup_header(8, 131072));
        REQUIRE(v2.status == FrameStatus::ready);
        CHECK(v2.kind == StartupKind::unsupported_version);
        CHECK(v2.code == 131072);
        auto other = startup_of(startup_header(12, 1234) + "abcd");
        REQUIRE(other.status == FrameStatus::ready);
        CHECK(other.kind == StartupKind::unsupported_version);
        CHECK(other.body == "abcd");
    }
}

TEST_CASE("next_startup_frame checks the length") {
    for (size_t n = 0; n < 4; ++n) {
        CHECK(startup_of(startup_header(8, 80877103).substr(0, n)).status == FrameStatus::need_more);
    }
    for (uint32_t length : {0u, 4u, 7u, 10001u, 0x80000000u, 0xFFFFFFFFu}) {
        CAPTURE(length);
        CHECK(startup_of(startup_header(length, 196608)).status == FrameStatus::error);
        // The length alone is enough to refuse.
        CHECK(startup_of(startup_header(length, 196608).substr(0, 4)).status == FrameStatus::error);
    }
    std::string longest = startup_header(10000, 196608) + std::string(9992, 'a');
    auto waiting = startup_of(longest.substr(0, 9999));
    CHECK(waiting.status == FrameStatus::need_more);
    CHECK(waiting.declared_size == 10000);
    CHECK(startup_of(longest).status == FrameStatus::ready);
}

TEST_CASE("next_startup_frame waits for truncated packets") {
    std::string packet;
    write_startup(packet, {{"user", "alice"}, {"database", "shop"}});
    for (size_t n = 0; n < packet.size(); ++n) {
        CAPTURE(n);
        CHECK(startup_of(packet.substr(0, n)).status == FrameStatus::need_more);
    }
    CHECK(startup_of(packet + "Q").size == packet.size());
}
