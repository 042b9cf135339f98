#pragma once
// Appending PostgreSQL v3 messages to a byte buffer: integers big-endian, strings NUL-terminated,
// the length word patched in when the message ends.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nectar::protocol {

/// Writes one message at a time at the end of `out`: begin(), the fields, end().
class MessageWriter {
  public:
    explicit MessageWriter(std::string& out)
        : out_(out) {}

    /// Starts a regular message: the type byte, then room for the length word.
    void begin(char type);
    /// Starts a startup-phase message, which has no type byte.
    void begin_untyped();

    void byte(char value) { out_.push_back(value); }
    void int16(int16_t value);
    void int32(int32_t value);
    /// The bytes of `value` then a NUL; `value` must not contain a NUL itself.
    void cstring(std::string_view value);
    void bytes(std::string_view value) { out_.append(value); }

    /// Patches the length word of the message begun last (it counts itself and the body).
    void end();

  private:
    std::string& out_;
    size_t length_at_ = 0;
};

} // namespace nectar::protocol
