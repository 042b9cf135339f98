#pragma once
// Helpers shared by the protocol tests.

#include "protocol/framing.hpp"

#include <cstring>
#include <doctest.h>
#include <memory>
#include <string>
#include <string_view>

namespace nectar::protocol::test {

/// A heap copy exactly as long as the bytes, so that AddressSanitizer catches any read past
/// them (a std::string has spare capacity and a NUL after its end).
class ExactBuffer {
  public:
    explicit ExactBuffer(std::string_view bytes)
        : size_(bytes.size())
        , data_(new char[bytes.size()]) {
        if (size_ > 0) {
            std::memcpy(data_.get(), bytes.data(), size_);
        }
    }
    std::string_view view() const { return {data_.get(), size_}; }

  private:
    size_t size_;
    std::unique_ptr<char[]> data_;
};

struct Message {
    char type = 0;
    std::string body;
};

/// The single regular message that `bytes` holds; fails the test otherwise.
inline Message only_message(const std::string& bytes) {
    ExactBuffer buffer(bytes);
    Frame frame = next_frame(buffer.view());
    REQUIRE(frame.status == FrameStatus::ready);
    REQUIRE(frame.size == bytes.size());
    return {frame.type, std::string(frame.body)};
}

/// Builds raw bytes from a literal that may hold NULs: bytes("a\0b") has 3 bytes.
template <size_t N> std::string bytes(const char (&literal)[N]) {
    return std::string(literal, N - 1);
}

} // namespace nectar::protocol::test
