#pragma once
// A bounds-checked reader over binlog bytes: little-endian integers (the protocol's), big-endian
// ones (packed temporal and decimal values), length-encoded integers and byte runs. A read past
// the end sets a sticky error and yields zeros / empty views.

#include <cstdint>
#include <string_view>

namespace nectar::realtime::binlog {

class Reader {
  public:
    explicit Reader(std::string_view bytes)
        : bytes_(bytes) {}

    bool ok() const { return ok_; }
    size_t left() const { return ok_ ? bytes_.size() - pos_ : 0; }

    std::string_view bytes(uint64_t n) {
        if (!ok_ || n > bytes_.size() - pos_) {
            ok_ = false;
            return {};
        }
        std::string_view out = bytes_.substr(pos_, n);
        pos_ += n;
        return out;
    }
    void skip(uint64_t n) { bytes(n); }
    std::string_view rest() { return bytes(left()); }

    uint64_t le(size_t n) {
        std::string_view b = bytes(n);
        uint64_t v = 0;
        for (size_t i = b.size(); i > 0; i--) {
            v = v << 8 | static_cast<uint8_t>(b[i - 1]);
        }
        return v;
    }
    uint64_t be(size_t n) {
        std::string_view b = bytes(n);
        uint64_t v = 0;
        for (char c : b) {
            v = v << 8 | static_cast<uint8_t>(c);
        }
        return v;
    }
    uint8_t u8() { return static_cast<uint8_t>(le(1)); }
    uint16_t u16() { return static_cast<uint16_t>(le(2)); }
    uint32_t u32() { return static_cast<uint32_t>(le(4)); }
    uint64_t u48() { return le(6); }
    uint64_t u64() { return le(8); }

    /// The protocol's length-encoded integer (< 0xfb itself, 0xfc + 2, 0xfd + 3, 0xfe + 8 bytes).
    uint64_t lenenc() {
        uint8_t first = u8();
        if (first < 0xfb) {
            return first;
        }
        if (first == 0xfc) {
            return le(2);
        }
        if (first == 0xfd) {
            return le(3);
        }
        if (first == 0xfe) {
            return le(8);
        }
        ok_ = false; // 0xfb (NULL) or 0xff: not a length here
        return 0;
    }

  private:
    std::string_view bytes_;
    size_t pos_ = 0;
    bool ok_ = true;
};

} // namespace nectar::realtime::binlog
