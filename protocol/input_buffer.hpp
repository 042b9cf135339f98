#pragma once
// Bytes read from a socket and not yet consumed: a growable buffer with a read offset, so that
// framing can look at whole messages without copying them out.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace nectar::protocol {

class InputBuffer {
  public:
    explicit InputBuffer(size_t initial_capacity = 8192) : initial_capacity_(initial_capacity) {}

    std::string_view view() const { return {data_.data() + start_, end_ - start_}; }
    size_t size() const { return end_ - start_; }
    bool empty() const { return start_ == end_; }

    /// Room for at least `min_free` more bytes; returns where to read into.
    char* prepare(size_t min_free) {
        if (data_.size() - end_ < min_free) {
            compact();
            if (data_.size() - end_ < min_free) {
                data_.resize(std::max(data_.size() * 2, end_ + std::max(min_free, initial_capacity_)));
            }
        }
        return data_.data() + end_;
    }
    size_t free_space() const { return data_.size() - end_; }
    /// Where to read into: room for at least `min_free` bytes, offered up to `max` bytes.
    std::pair<char*, size_t> writable(size_t min_free, size_t max) {
        char* where = prepare(min_free);
        return {where, std::min(free_space(), max)};
    }
    void commit(size_t n) { end_ += n; }
    void consume(size_t n) {
        start_ += n;
        if (start_ == end_) {
            start_ = end_ = 0;
            // Give memory back after a large message, so idle sessions stay small.
            if (data_.size() > kShrinkAbove) {
                data_ = std::string();
            }
        }
    }

  private:
    static constexpr size_t kShrinkAbove = 256 * 1024;

    void compact() {
        if (start_ > 0) {
            data_.erase(0, start_);
            end_ -= start_;
            start_ = 0;
            data_.resize(data_.capacity());
        }
    }

    std::string data_;
    size_t start_ = 0;
    size_t end_ = 0;
    size_t initial_capacity_;
};

} // namespace nectar::protocol
