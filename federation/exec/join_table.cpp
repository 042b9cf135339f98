// Keys hash with hash_value (consistent across the numeric family) and compare with
// values_equal_for_grouping, so int4 = int8 = numeric keys meet as PostgreSQL's do.

#include "federation/exec/join_table.hpp"

#include <algorithm>

namespace nectar::federation::exec {

JoinTable::JoinTable(size_t width, std::vector<size_t> key_columns)
    : width_(width)
    , key_columns_(std::move(key_columns))
    , int_keys_(key_columns_.size() == 1) {}

uint64_t JoinTable::hash(const std::vector<const Value*>& keys) {
    if (keys.size() == 1)
        return hash_value(*keys[0]);
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (const Value* v : keys)
        h ^= hash_value(*v) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

void JoinTable::add(const Row& row, const std::vector<Value>& extra, const std::vector<const Value*>& keys) {
    store_.append(row.data(), width_, extra.data(), extra.size());
    if (key_columns_.empty())
        return;
    bool has_null = false;
    for (const Value* v : keys)
        has_null = has_null || v->is_null();
    null_key_.push_back(has_null);
    if (has_null) {
        tags_.push_back(0);
        return;
    }
    if (int_keys_ && !is_integer(keys[0]->type()))
        switch_to_hashes();
    tags_.push_back(int_keys_ ? keys[0]->as_int() : static_cast<int64_t>(hash(keys)));
}

// A non-integer key arrived: the integers stored so far become their hashes.
void JoinTable::switch_to_hashes() {
    int_keys_ = false;
    for (size_t r = 0; r < tags_.size(); ++r) {
        if (!null_key_[r])
            tags_[r] = static_cast<int64_t>(hash_value(Value::int8(tags_[r])));
    }
}

uint64_t JoinTable::tag_hash(int64_t tag) const {
    return int_keys_ ? hash_value(Value::int8(tag)) : static_cast<uint64_t>(tag);
}

bool JoinTable::same_group(uint32_t row, const Slot& slot) const {
    if (slot.tag() != tags_[row])
        return false;
    if (int_keys_)
        return true;
    for (size_t col : key_columns_) {
        if (!store_.equals(row, col, store_.value(slot.head, col)))
            return false;
    }
    return true;
}

// Doubles the slot array (the first one sized for up to 64Ki groups), re-placing every group.
// Growing costs less than sizing for every row up front when many rows share keys.
void JoinTable::grow_slots() {
    size_t first = std::min<size_t>(rows(), size_t(1) << 16) * 4 / 3 + 16;
    size_t size = slots_.empty() ? first : slots_.size() * 2;
    std::vector<Slot> old(size);
    old.swap(slots_);
    for (const Slot& slot : old) {
        if (slot.head == kNone)
            continue;
        size_t i = first_slot(tag_hash(slot.tag()));
        while (slots_[i].head != kNone)
            i = next_slot(i);
        slots_[i] = slot;
    }
}

void JoinTable::finish() {
    if (key_columns_.empty())
        return;
    size_t n = rows();
    next_in_group_.assign(n, kNone);
    grow_slots();
    // Hashes are computed kAhead rows early and their slots prefetched, to overlap cache misses.
    constexpr size_t kAhead = 16;
    uint64_t ahead[kAhead];
    auto look_ahead = [&](size_t r) {
        if (!null_key_[r]) {
            ahead[r % kAhead] = tag_hash(tags_[r]);
            prefetch_slot(ahead[r % kAhead]);
        }
    };
    for (size_t r = n; r-- > n - std::min(n, kAhead);)
        look_ahead(r);
    // Backwards, each row becomes its group's first: groups list rows in insertion order.
    for (size_t r = n; r-- > 0;) {
        uint64_t hash = ahead[r % kAhead]; // before r - kAhead takes its place
        if (r >= kAhead)
            look_ahead(r - kAhead);
        if (null_key_[r])
            continue;
        auto row = static_cast<uint32_t>(r);
        size_t i = first_slot(hash);
        while (slots_[i].head != kNone && !same_group(row, slots_[i]))
            i = next_slot(i);
        Slot& slot = slots_[i];
        if (slot.head == kNone) {
            slot.set_tag(tags_[row]);
            ++groups_;
        }
        next_in_group_[row] = slot.head;
        slot.head = row;
        if (groups_ * 4 > slots_.size() * 3)
            grow_slots();
    }
    std::vector<int64_t>().swap(tags_); // the slots hold what lookups need
}

bool JoinTable::matches(const Slot& slot, uint64_t hash, const std::vector<const Value*>& keys) const {
    if (int_keys_) {
        const Value& v = *keys[0];
        if (is_integer(v.type()))
            return slot.tag() == v.as_int();
        return values_equal_for_grouping(Value::int8(slot.tag()), v); // 1.0::numeric = 1
    }
    if (static_cast<uint64_t>(slot.tag()) != hash)
        return false;
    for (size_t i = 0; i < keys.size(); ++i) {
        if (!store_.equals(slot.head, key_columns_[i], *keys[i]))
            return false;
    }
    return true;
}

uint32_t JoinTable::find(const std::vector<const Value*>& keys, uint64_t hash) const {
    if (groups_ == 0)
        return kNone;
    for (size_t i = first_slot(hash); slots_[i].head != kNone; i = next_slot(i)) {
        if (matches(slots_[i], hash, keys))
            return slots_[i].head;
    }
    return kNone;
}

size_t JoinTable::memory_bytes() const {
    return store_.memory_bytes() + tags_.capacity() * sizeof(int64_t) + null_key_.capacity() / 8 +
           next_in_group_.capacity() * sizeof(uint32_t) + slots_.capacity() * sizeof(Slot);
}

} // namespace nectar::federation::exec
