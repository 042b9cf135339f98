// Encoding: per value one tag byte (the Type in the low 5 bits, NULL and "narrow" flags), then
// the payload its representation needs: 4 or 8 bytes for integer-like types, 8 for floats, 16
// for intervals, a 1- or 4-byte length and the bytes for text-represented types.

#include "federation/exec/row_store.hpp"

#include <algorithm>
#include <cstring>

namespace nectar::federation::exec {
namespace {

constexpr unsigned char kTypeMask = 0x1f;
constexpr unsigned char kNull = 0x20;
constexpr unsigned char kNarrow = 0x40; ///< int in 4 bytes, or string length in 1 byte
constexpr size_t kFirstChunk = 4 << 10;
constexpr size_t kMaxChunk = 1 << 20;

enum class Repr { Int, Float, Interval, String };

Repr repr_of(Type t) {
    switch (t) {
    case Type::Bool:
    case Type::Int2:
    case Type::Int4:
    case Type::Int8:
    case Type::Date:
    case Type::Time:
    case Type::Timestamp:
    case Type::TimestampTz:
        return Repr::Int;
    case Type::Float4:
    case Type::Float8:
        return Repr::Float;
    case Type::Interval:
        return Repr::Interval;
    default:
        return Repr::String;
    }
}

bool text_like(Type t) {
    return t == Type::Text || t == Type::Unknown || t == Type::Json || t == Type::Jsonb || t == Type::Uuid ||
           t == Type::Bytea;
}

bool fits_int32(int64_t i) { return i >= INT32_MIN && i <= INT32_MAX; }

size_t encoded_size(const Value& v) {
    if (v.is_null())
        return 1;
    switch (repr_of(v.type())) {
    case Repr::Int:
        return fits_int32(v.as_int()) ? 5 : 9;
    case Repr::Float:
        return 9;
    case Repr::Interval:
        return 1 + sizeof(Interval);
    case Repr::String:
        break;
    }
    size_t n = v.as_string().size();
    return (n < 256 ? 2 : 5) + n;
}

unsigned char* encode(const Value& v, unsigned char* p) {
    auto tag = static_cast<unsigned char>(v.type());
    if (v.is_null()) {
        *p = tag | kNull;
        return p + 1;
    }
    switch (repr_of(v.type())) {
    case Repr::Int: {
        int64_t i = v.as_int();
        if (fits_int32(i)) {
            *p = tag | kNarrow;
            auto narrow = static_cast<int32_t>(i);
            std::memcpy(p + 1, &narrow, 4);
            return p + 5;
        }
        *p = tag;
        std::memcpy(p + 1, &i, 8);
        return p + 9;
    }
    case Repr::Float: {
        double f = v.as_float();
        *p = tag;
        std::memcpy(p + 1, &f, 8);
        return p + 9;
    }
    case Repr::Interval:
        *p = tag;
        std::memcpy(p + 1, &v.as_interval(), sizeof(Interval));
        return p + 1 + sizeof(Interval);
    case Repr::String:
        break;
    }
    const std::string& s = v.as_string();
    auto n = static_cast<uint32_t>(s.size());
    if (n < 256) {
        *p++ = tag | kNarrow;
        *p++ = static_cast<unsigned char>(n);
    } else {
        *p++ = tag;
        std::memcpy(p, &n, 4);
        p += 4;
    }
    std::memcpy(p, s.data(), n);
    return p + n;
}

// A stored value without building a Value: its type, NULL flag and payload.
struct Encoded {
    Type type;
    bool null;
    int64_t i = 0;
    const unsigned char* payload = nullptr; ///< float/interval bytes, or string bytes
    uint32_t length = 0;                    ///< string length
};

const unsigned char* parse(const unsigned char* p, Encoded& e) {
    unsigned char tag = *p++;
    e.type = static_cast<Type>(tag & kTypeMask);
    e.null = (tag & kNull) != 0;
    if (e.null)
        return p;
    switch (repr_of(e.type)) {
    case Repr::Int:
        if (tag & kNarrow) {
            int32_t narrow;
            std::memcpy(&narrow, p, 4);
            e.i = narrow;
            return p + 4;
        }
        std::memcpy(&e.i, p, 8);
        return p + 8;
    case Repr::Float:
        e.payload = p;
        return p + 8;
    case Repr::Interval:
        e.payload = p;
        return p + sizeof(Interval);
    case Repr::String:
        break;
    }
    if (tag & kNarrow) {
        e.length = *p++;
    } else {
        std::memcpy(&e.length, p, 4);
        p += 4;
    }
    e.payload = p;
    return p + e.length;
}

Value to_value(const Encoded& e) {
    if (e.null)
        return Value::null(e.type);
    switch (repr_of(e.type)) {
    case Repr::Int:
        return Value::integer(e.type, e.i);
    case Repr::Float: {
        double f;
        std::memcpy(&f, e.payload, 8);
        return Value::floating(e.type, f);
    }
    case Repr::Interval: {
        Interval iv;
        std::memcpy(&iv, e.payload, sizeof(Interval));
        return Value::interval(iv);
    }
    case Repr::String:
        break;
    }
    return Value::string(e.type, std::string(reinterpret_cast<const char*>(e.payload), e.length));
}

const unsigned char* skip(const unsigned char* p, size_t columns) {
    Encoded e;
    for (size_t i = 0; i < columns; ++i)
        p = parse(p, e);
    return p;
}

} // namespace

void RowStore::append(const Value* values, size_t count, const Value* extra, size_t extra_count) {
    size_t bytes = 0;
    for (size_t i = 0; i < count; ++i)
        bytes += encoded_size(values[i]);
    for (size_t i = 0; i < extra_count; ++i)
        bytes += encoded_size(extra[i]);
    if (chunks_.empty() || chunk_used_ + bytes > chunk_size_) {
        // Chunks double up to 1 MiB so small build sides stay small; a huge row gets its own.
        size_t next = chunks_.empty() ? kFirstChunk : std::min(chunk_size_ * 2, kMaxChunk);
        chunk_size_ = std::max(next, bytes);
        chunks_.push_back(std::make_unique<unsigned char[]>(chunk_size_));
        chunk_bytes_ += chunk_size_;
        chunk_used_ = 0;
    }
    unsigned char* p = chunks_.back().get() + chunk_used_;
    if (rows_ % kPageRows == 0)
        offset_pages_.push_back(std::make_unique<uint64_t[]>(kPageRows));
    offset_pages_.back()[rows_ % kPageRows] = uint64_t(chunks_.size() - 1) << 32 | chunk_used_;
    ++rows_;
    for (size_t i = 0; i < count; ++i)
        p = encode(values[i], p);
    for (size_t i = 0; i < extra_count; ++i)
        p = encode(extra[i], p);
    chunk_used_ += bytes;
}

const unsigned char* RowStore::row_start(size_t row) const {
    uint64_t at = offset_pages_[row / kPageRows][row % kPageRows];
    return chunks_[at >> 32].get() + (at & 0xffffffffu);
}

void RowStore::read(size_t row, size_t count, Row& out) const {
    const unsigned char* p = row_start(row);
    Encoded e;
    for (size_t i = 0; i < count; ++i) {
        p = parse(p, e);
        out.push_back(to_value(e));
    }
}

Value RowStore::value(size_t row, size_t column) const {
    Encoded e;
    parse(skip(row_start(row), column), e);
    return to_value(e);
}

bool RowStore::equals(size_t row, size_t column, const Value& v) const {
    Encoded e;
    parse(skip(row_start(row), column), e);
    if (e.null || v.is_null())
        return e.null && v.is_null();
    // The common key types compare in place; anything else goes through the Value comparison.
    bool both_integer = is_integer(e.type) && is_integer(v.type());
    if (both_integer || (e.type == v.type() && repr_of(e.type) == Repr::Int))
        return e.i == v.as_int();
    if (text_like(e.type) && text_like(v.type())) {
        const std::string& s = v.as_string();
        return s.size() == e.length && std::memcmp(s.data(), e.payload, e.length) == 0;
    }
    return values_equal_for_grouping(to_value(e), v);
}

} // namespace nectar::federation::exec
