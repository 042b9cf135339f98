#include "protocol/message_writer.hpp"

#include <cassert>
#include <limits>

namespace nectar::protocol {

namespace {

void put_be32(char* at, uint32_t value) {
    at[0] = static_cast<char>(value >> 24);
    at[1] = static_cast<char>(value >> 16);
    at[2] = static_cast<char>(value >> 8);
    at[3] = static_cast<char>(value);
}

} // namespace

void MessageWriter::begin(char type) {
    out_.push_back(type);
    begin_untyped();
}

void MessageWriter::begin_untyped() {
    length_at_ = out_.size();
    out_.append(4, '\0');
}

void MessageWriter::int16(int16_t value) {
    auto v = static_cast<uint16_t>(value);
    out_.push_back(static_cast<char>(v >> 8));
    out_.push_back(static_cast<char>(v));
}

void MessageWriter::int32(int32_t value) {
    char buf[4];
    put_be32(buf, static_cast<uint32_t>(value));
    out_.append(buf, 4);
}

void MessageWriter::cstring(std::string_view value) {
    assert(value.find('\0') == std::string_view::npos);
    out_.append(value);
    out_.push_back('\0');
}

void MessageWriter::end() {
    size_t length = out_.size() - length_at_;
    assert(length <= static_cast<size_t>(std::numeric_limits<int32_t>::max()));
    put_be32(out_.data() + length_at_, static_cast<uint32_t>(length));
}

} // namespace nectar::protocol
