#pragma once
// Reading the fields of a message body without ever reading past it. Every read checks the
// bytes left and fails (returns false) instead; the reader then stays failed.

#include "protocol/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nectar::protocol {

/// A cursor over a message body. Reads are big-endian, strings NUL-terminated.
class MessageReader {
  public:
    explicit MessageReader(std::string_view body)
        : data_(body) {}

    bool byte(char& value) {
        if (!ok_ || data_.size() - pos_ < 1) {
            return fail();
        }
        value = data_[pos_++];
        return true;
    }

    bool int16(int16_t& value) {
        if (!ok_ || data_.size() - pos_ < 2) {
            return fail();
        }
        auto hi = static_cast<uint8_t>(data_[pos_]);
        auto lo = static_cast<uint8_t>(data_[pos_ + 1]);
        value = static_cast<int16_t>(static_cast<uint16_t>((hi << 8) | lo));
        pos_ += 2;
        return true;
    }

    bool uint32(uint32_t& value) {
        if (!ok_ || data_.size() - pos_ < 4) {
            return fail();
        }
        value = 0;
        for (int i = 0; i < 4; ++i) {
            value = (value << 8) | static_cast<uint8_t>(data_[pos_ + i]);
        }
        pos_ += 4;
        return true;
    }

    bool int32(int32_t& value) {
        uint32_t raw = 0;
        if (!uint32(raw)) {
            return false;
        }
        value = static_cast<int32_t>(raw);
        return true;
    }

    /// The string up to the next NUL (excluded); the NUL is consumed.
    bool cstring(std::string_view& value) {
        if (!ok_) {
            return false;
        }
        size_t nul = data_.find('\0', pos_);
        if (nul == std::string_view::npos) {
            return fail();
        }
        value = data_.substr(pos_, nul - pos_);
        pos_ = nul + 1;
        return true;
    }

    bool bytes(size_t count, std::string_view& value) {
        if (!ok_ || data_.size() - pos_ < count) {
            return fail();
        }
        value = data_.substr(pos_, count);
        pos_ += count;
        return true;
    }

    /// Skips `count` bytes.
    bool skip(size_t count) {
        std::string_view ignored;
        return bytes(count, ignored);
    }

    /// Everything not read yet, consumed.
    std::string_view rest() {
        std::string_view value = ok_ ? data_.substr(pos_) : std::string_view{};
        pos_ = data_.size();
        return value;
    }

    size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
    size_t position() const { return pos_; }
    bool ok() const { return ok_; }
    /// True when every read succeeded and nothing is left.
    bool at_end() const { return ok_ && pos_ == data_.size(); }

  private:
    bool fail() {
        ok_ = false;
        return false;
    }

    std::string_view data_;
    size_t pos_ = 0;
    bool ok_ = true;
};

/// Reads a big-endian uint32 at `at`; the caller has checked that 4 bytes are there.
inline uint32_t load_be32(const char* at) {
    return (static_cast<uint32_t>(static_cast<uint8_t>(at[0])) << 24) |
           (static_cast<uint32_t>(static_cast<uint8_t>(at[1])) << 16) |
           (static_cast<uint32_t>(static_cast<uint8_t>(at[2])) << 8) |
           static_cast<uint32_t>(static_cast<uint8_t>(at[3]));
}

/// SQLSTATE 08P01 naming the malformed message ("malformed Bind message") with `why` as detail.
inline Error malformed(std::string_view message_name, std::string_view why, const char* severity = "ERROR") {
    Error error = Error::make("08P01", "malformed " + std::string(message_name) + " message", severity);
    error.detail = std::string(why);
    return error;
}

} // namespace nectar::protocol
