#pragma once
// The build side of a hash join: rows packed in a RowStore; rows with equal keys chained into a
// group (an index array, no allocation per row); one open-addressing slot per group holding the
// keys' hash and the group's first row, so a lookup usually touches one cache line. A single
// integer key, the usual foreign-key join, is kept in the slot as the int64 itself and compared
// without reading the row.

#include "federation/exec/row_store.hpp"

#include <cstdint>
#include <vector>

namespace nectar::federation::exec {

class JoinTable {
  public:
    static constexpr uint32_t kNone = UINT32_MAX;

    /// Rows of `width` columns; key i is stored column key_columns[i]: a row column, or
    /// width + j for a computed key value stored after the row. No keys: a plain row list.
    JoinTable(size_t width, std::vector<size_t> key_columns);

    /// Stores a row, its computed key values `extra` after it; `keys` point at the key values
    /// (as many as key_columns). A row with a NULL key is stored but never found.
    void add(const Row& row, const std::vector<Value>& extra, const std::vector<const Value*>& keys);
    /// Groups the rows by key; call once, after the last add().
    void finish();

    size_t rows() const { return store_.size(); }
    size_t groups() const { return groups_; }
    /// First row of the group whose keys equal `keys` (none NULL), in insertion order; kNone if none.
    uint32_t find(const std::vector<const Value*>& keys) const { return find(keys, hash(keys)); }
    /// The same with hash(keys) already computed.
    uint32_t find(const std::vector<const Value*>& keys, uint64_t hash) const;
    /// The keys' hash; equal keys (1 = 1.0) hash alike.
    static uint64_t hash(const std::vector<const Value*>& keys);

    /// Prefetch hints, so a batch of lookups overlaps its cache misses: the slot a hash lands
    /// on, then a found row's offset, then its bytes.
    void prefetch_slot(uint64_t hash) const {
        if (!slots_.empty())
            __builtin_prefetch(&slots_[first_slot(hash)]);
    }
    void prefetch_offset(uint32_t row) const { store_.prefetch_offset(row); }
    void prefetch_row(uint32_t row) const { store_.prefetch(row); }
    /// The group's next row after `row`, or kNone.
    uint32_t next_in_group(uint32_t row) const { return next_in_group_[row]; }
    /// The first row of every group, one call each.
    template <typename F>
    void for_each_group(F f) const {
        for (const Slot& slot : slots_) {
            if (slot.head != kNone)
                f(slot.head);
        }
    }

    /// Appends the row's `width` columns to `out`.
    void read(uint32_t row, Row& out) const { store_.read(row, width_, out); }
    /// Key value i of a stored row.
    Value key(uint32_t row, size_t i) const { return store_.value(row, key_columns_[i]); }

    /// Bytes allocated (row data, indexes, buckets).
    size_t memory_bytes() const;

  private:
    // 12 bytes: the tag is split so slots pack without padding.
    struct Slot {
        uint32_t head = kNone; ///< the group's first row; kNone: empty slot
        uint32_t tag_low = 0;
        uint32_t tag_high = 0; ///< tag: the integer key, or the keys' hash
        int64_t tag() const { return static_cast<int64_t>(uint64_t(tag_high) << 32 | tag_low); }
        void set_tag(int64_t t) {
            tag_low = static_cast<uint32_t>(t);
            tag_high = static_cast<uint32_t>(uint64_t(t) >> 32);
        }
    };

    uint64_t tag_hash(int64_t tag) const;
    /// Maps the hash onto [0, slots) by multiply-shift, so the slot count need not be a power of two.
    size_t first_slot(uint64_t hash) const {
        return static_cast<size_t>((unsigned __int128)(hash * 0x9e3779b97f4a7c15ull) * slots_.size() >> 64);
    }
    size_t next_slot(size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }
    bool same_group(uint32_t row, const Slot& slot) const;
    bool matches(const Slot& slot, uint64_t hash, const std::vector<const Value*>& keys) const;
    void switch_to_hashes();
    void grow_slots();

    size_t width_;
    std::vector<size_t> key_columns_;
    RowStore store_;
    bool int_keys_;             ///< one key, every non-NULL one an integer: tags_ hold the values
    std::vector<int64_t> tags_; ///< until finish(), per row: the integer key, or the keys' hash
    std::vector<bool> null_key_;
    std::vector<uint32_t> next_in_group_;
    std::vector<Slot> slots_; ///< linear probing, at most 3/4 full
    size_t groups_ = 0;
};

} // namespace nectar::federation::exec
