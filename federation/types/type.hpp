#pragma once
// The PostgreSQL types the federation engine computes with, and their OIDs on the wire.

#include <cstdint>
#include <optional>
#include <string_view>

namespace nectar::federation {

/// Every value in the engine has one of these types; `Unknown` is an untyped literal (NULL, 'text').
enum class Type : uint8_t {
    Unknown,
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Text,
    Bytea,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Interval,
    Uuid,
    Json,
    Jsonb,
    Varchar, ///< character varying: text in every operation, its own OID on the wire
};

/// The pg_type OID clients see in RowDescription (Unknown → 705 `unknown`).
uint32_t type_oid(Type type);
/// The engine type for a pg_type OID; text for anything the engine does not model.
Type type_from_oid(uint32_t oid);
/// PostgreSQL's name for the type as format_type prints it: "integer", "timestamp without time zone"...
std::string_view type_name(Type type);
/// The type a name in SQL (CAST(x AS name), x::name) denotes: int/int4/integer, varchar, text...
std::optional<Type> type_from_name(std::string_view name);
/// RowDescription's typlen: 1, 2, 4, 8, 16 or -1 for variable length.
int16_t type_length(Type type);

inline bool is_integer(Type t) { return t == Type::Int2 || t == Type::Int4 || t == Type::Int8; }
inline bool is_numeric_family(Type t) {
    return is_integer(t) || t == Type::Float4 || t == Type::Float8 || t == Type::Numeric;
}
inline bool is_string_family(Type t) { return t == Type::Text || t == Type::Varchar || t == Type::Unknown; }
/// Text and varchar: stored, compared and printed alike (varchar(n)'s length is the cast's business).
inline bool is_text_type(Type t) { return t == Type::Text || t == Type::Varchar; }
/// varchar(n)'s RowDescription type modifier, as PostgreSQL sends it: n + 4 (VARHDRSZ).
inline int32_t varchar_typmod(int32_t length) { return length + 4; }
inline bool is_temporal(Type t) {
    return t == Type::Date || t == Type::Time || t == Type::Timestamp || t == Type::TimestampTz;
}

} // namespace nectar::federation
