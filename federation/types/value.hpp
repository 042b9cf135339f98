#pragma once
// One SQL value with PostgreSQL semantics, and rows/batches of them: what the executor moves.

#include "federation/types/type.hpp"
#include "protocol/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nectar::federation {

/// PostgreSQL's interval: months, days and microseconds are kept apart as PostgreSQL does.
/// Trivial (no member initializers) so it can live in Value's union: write Interval{} for zero.
struct Interval {
    int64_t micros;
    int32_t days;
    int32_t months;
    bool operator==(const Interval&) const = default;
};

/// A typed value or a typed NULL. Representation per type:
/// - Bool: as_bool(); Int2/Int4/Int8: as_int(); Float4/Float8: as_float();
/// - Date: as_int() = days since 2000-01-01; Time: as_int() = µs since midnight;
///   Timestamp/TimestampTz: as_int() = µs since 2000-01-01 00:00:00 (UTC for TimestampTz);
/// - Interval: as_interval();
/// - Numeric: as_string() = canonical decimal text as PostgreSQL prints it ("12.50", "NaN");
/// - Text/Uuid/Json/Jsonb: as_string() = the text; Bytea: as_string() = the raw bytes;
/// - Unknown: as_string() = an untyped literal's text (or NULL).
class Value {
  public:
    Value() = default; ///< NULL of type Unknown

    static Value null(Type type = Type::Unknown) { return Value(type); }
    static Value boolean(bool b) {
        Value v(Type::Bool, false);
        v.i_ = b ? 1 : 0;
        return v;
    }
    static Value integer(Type type, int64_t i) {
        Value v(type, false);
        v.i_ = i;
        return v;
    }
    static Value int4(int64_t i) { return integer(Type::Int4, i); }
    static Value int8(int64_t i) { return integer(Type::Int8, i); }
    static Value floating(Type type, double f) {
        Value v(type, false);
        v.f_ = f;
        return v;
    }
    static Value float8(double f) { return floating(Type::Float8, f); }
    /// Text-represented types: Numeric (canonical text), Text, Bytea (raw bytes), Uuid, Json, Jsonb, Unknown.
    static Value string(Type type, std::string s) {
        Value v(type, false);
        v.s_ = std::move(s);
        return v;
    }
    static Value text(std::string s) { return string(Type::Text, std::move(s)); }
    static Value numeric(std::string canonical) { return string(Type::Numeric, std::move(canonical)); }
    /// Date (days), Time (µs), Timestamp/TimestampTz (µs since 2000-01-01).
    static Value temporal(Type type, int64_t units) { return integer(type, units); }
    static Value interval(Interval iv) {
        Value v(Type::Interval, false);
        v.iv_ = iv;
        return v;
    }

    Type type() const { return type_; }
    bool is_null() const { return null_; }
    bool as_bool() const { return i_ != 0; }
    int64_t as_int() const { return i_; }
    double as_float() const { return f_; }
    const std::string& as_string() const { return s_; }
    std::string& mutable_string() { return s_; }
    const Interval& as_interval() const { return iv_; }

    /// The same value relabelled with another type of the same representation (int4 → int8).
    Value relabel(Type type) const {
        Value v = *this;
        v.type_ = type;
        return v;
    }

  private:
    explicit Value(Type type, bool null = true)
        : type_(type)
        , null_(null) {}

    Type type_ = Type::Unknown;
    bool null_ = true;
    union {
        int64_t i_ = 0;
        double f_;
        Interval iv_;
    };
    std::string s_;
};

using Row = std::vector<Value>;

/// Rows moved together between operators; a batch holds at most kBatchRows rows.
struct Batch {
    static constexpr size_t kBatchRows = 1024;
    std::vector<Row> rows;
};

// --- Text in and out (PostgreSQL's output functions; TimestampTz printed in UTC as "+00") ---

/// The value as PostgreSQL's text output prints it (what a DataRow carries in text format).
std::string to_pg_text(const Value& value);
/// Parses PostgreSQL text input for `type` (what a connector or a literal gives); 22P02/22007/22008/22003
/// errors as PostgreSQL raises them ("invalid input syntax for type integer: \"x\"").
Result<Value> from_pg_text(Type type, std::string_view text);

// --- Comparison and hashing (for sort, group, join, distinct) ---

/// Total order for two non-NULL values of comparable types (both numeric family, both string
/// family, same temporal type...): <0, 0, >0. Text compares bytewise (C collation).
int compare_values(const Value& a, const Value& b);
/// Equality as GROUP BY / DISTINCT / hash join see it (NULLs equal to each other here).
bool values_equal_for_grouping(const Value& a, const Value& b);
/// Hash consistent with values_equal_for_grouping across the numeric family (1::int4 = 1::int8 = 1.0).
size_t hash_value(const Value& value);

} // namespace nectar::federation
