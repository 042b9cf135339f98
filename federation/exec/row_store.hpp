#pragma once
// Rows packed into large byte chunks: what a hash join keeps of its build side. A row costs its
// encoded values (a tag byte, then 0-16 bytes or the string bytes) plus 8 bytes of offset, with
// no allocation per row; values come back as Values only when a row is read.

#include "federation/types/value.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace nectar::federation::exec {

class RowStore {
  public:
    /// Stores `count` values then `extra_count` more as one row; its index is the previous size().
    void append(const Value* values, size_t count, const Value* extra = nullptr, size_t extra_count = 0);
    size_t size() const { return rows_; }

    /// Appends the first `count` values of stored row `row` to `out`.
    void read(size_t row, size_t count, Row& out) const;
    /// Value `column` of stored row `row`.
    Value value(size_t row, size_t column) const;
    /// Whether value `column` of stored row `row` equals `v` as GROUP BY sees it (NULLs equal).
    bool equals(size_t row, size_t column, const Value& v) const;

    /// Hints the CPU to fetch the row's offset entry, or (once that is cached) its bytes.
    void prefetch_offset(size_t row) const { __builtin_prefetch(&offset_pages_[row / kPageRows][row % kPageRows]); }
    void prefetch(size_t row) const { __builtin_prefetch(row_start(row)); }

    /// Bytes allocated: chunks and the offset index.
    size_t memory_bytes() const {
        return chunk_bytes_ + offset_pages_.size() * kPageRows * sizeof(uint64_t) +
               offset_pages_.capacity() * sizeof(void*);
    }

  private:
    static constexpr size_t kPageRows = 4096; ///< offsets per page: no doubling vector to over-allocate

    const unsigned char* row_start(size_t row) const;

    std::vector<std::unique_ptr<unsigned char[]>> chunks_;
    size_t chunk_used_ = 0; ///< bytes used in the last chunk
    size_t chunk_size_ = 0; ///< capacity of the last chunk
    size_t chunk_bytes_ = 0;
    std::vector<std::unique_ptr<uint64_t[]>> offset_pages_; ///< per row: chunk index << 32 | offset in it
    size_t rows_ = 0;
};

} // namespace nectar::federation::exec
