// Engine types ↔ pg_type OIDs, names and lengths, as PostgreSQL 15's catalog has them.
#include "federation/types/type.hpp"

#include <cctype>
#include <cstdlib>
#include <string>

namespace nectar::federation {

namespace {

struct TypeInfo {
    Type type;
    uint32_t oid;
    std::string_view name; ///< format_type's spelling
    int16_t length;        ///< pg_type.typlen
};

// pg_type rows for the engine's types; `unknown` has typlen -2 (a C string) in PostgreSQL.
constexpr TypeInfo kTypes[] = {
    {Type::Unknown, 705, "unknown", -2},
    {Type::Bool, 16, "boolean", 1},
    {Type::Int2, 21, "smallint", 2},
    {Type::Int4, 23, "integer", 4},
    {Type::Int8, 20, "bigint", 8},
    {Type::Float4, 700, "real", 4},
    {Type::Float8, 701, "double precision", 8},
    {Type::Numeric, 1700, "numeric", -1},
    {Type::Text, 25, "text", -1},
    {Type::Bytea, 17, "bytea", -1},
    {Type::Date, 1082, "date", 4},
    {Type::Time, 1083, "time without time zone", 8},
    {Type::Timestamp, 1114, "timestamp without time zone", 8},
    {Type::TimestampTz, 1184, "timestamp with time zone", 8},
    {Type::Interval, 1186, "interval", 16},
    {Type::Uuid, 2950, "uuid", 16},
    {Type::Json, 114, "json", -1},
    {Type::Jsonb, 3802, "jsonb", -1},
    {Type::Varchar, 1043, "character varying", -1},
};

const TypeInfo& info(Type type) {
    for (const auto& t : kTypes) {
        if (t.type == type)
            return t;
    }
    return kTypes[0];
}

struct Alias {
    std::string_view name;
    Type type;
};

// Names SQL accepts for a type (after lower-casing, dropping typmods and collapsing spaces).
constexpr Alias kAliases[] = {
    {"bool", Type::Bool},
    {"boolean", Type::Bool},
    {"int2", Type::Int2},
    {"smallint", Type::Int2},
    {"int", Type::Int4},
    {"int4", Type::Int4},
    {"integer", Type::Int4},
    {"int8", Type::Int8},
    {"bigint", Type::Int8},
    {"float4", Type::Float4},
    {"real", Type::Float4},
    {"float8", Type::Float8},
    {"float", Type::Float8},
    {"double precision", Type::Float8},
    {"numeric", Type::Numeric},
    {"decimal", Type::Numeric},
    {"text", Type::Text},
    {"varchar", Type::Varchar},
    {"character varying", Type::Varchar},
    {"char", Type::Text},
    {"character", Type::Text},
    {"bpchar", Type::Text},
    {"name", Type::Text},
    {"bytea", Type::Bytea},
    {"date", Type::Date},
    {"time", Type::Time},
    {"time without time zone", Type::Time},
    {"timestamp", Type::Timestamp},
    {"timestamp without time zone", Type::Timestamp},
    {"timestamptz", Type::TimestampTz},
    {"timestamp with time zone", Type::TimestampTz},
    {"interval", Type::Interval},
    {"uuid", Type::Uuid},
    {"json", Type::Json},
    {"jsonb", Type::Jsonb},
    {"unknown", Type::Unknown},
};

/// Lower-cases, drops "pg_catalog." and quotes, and collapses whitespace; typmods go to *typmod.
std::string normalize(std::string_view name, std::string* typmod) {
    std::string out;
    bool in_typmod = false;
    for (char c : name) {
        if (c == '(') {
            in_typmod = true;
            continue;
        }
        if (c == ')') {
            in_typmod = false;
            out += ' ';
            continue;
        }
        if (in_typmod) {
            *typmod += c;
            continue;
        }
        if (c == '"')
            continue;
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (!out.empty() && out.back() != ' ')
                out += ' ';
            continue;
        }
        out += char(std::tolower(static_cast<unsigned char>(c)));
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    constexpr std::string_view kSchema = "pg_catalog.";
    if (out.rfind(kSchema, 0) == 0)
        out.erase(0, kSchema.size());
    // "timestamp (3) with time zone" leaves a doubled space where the typmod was.
    std::string collapsed;
    for (char c : out) {
        if (c == ' ' && !collapsed.empty() && collapsed.back() == ' ')
            continue;
        collapsed += c;
    }
    return collapsed;
}

} // namespace

uint32_t type_oid(Type type) { return info(type).oid; }

Type type_from_oid(uint32_t oid) {
    for (const auto& t : kTypes) {
        if (t.oid == oid)
            return t.type;
    }
    return Type::Text;
}

std::string_view type_name(Type type) { return info(type).name; }

std::optional<Type> type_from_name(std::string_view name) {
    std::string typmod;
    std::string key = normalize(name, &typmod);
    // float(p) is real up to 24 bits of precision, double precision above.
    if (key == "float" && !typmod.empty()) {
        int bits = std::atoi(typmod.c_str());
        return bits >= 1 && bits <= 24 ? Type::Float4 : Type::Float8;
    }
    for (const auto& alias : kAliases) {
        if (alias.name == key)
            return alias.type;
    }
    return std::nullopt;
}

int16_t type_length(Type type) { return info(type).length; }

} // namespace nectar::federation
