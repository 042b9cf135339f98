#pragma once
// JSON out for the REST face (SPEC §5): a streaming writer that appends to a caller's string.
//
// Values are printed the way PostgreSQL 15's to_json() prints them (TimeZone UTC), except bytea,
// which is base64 here rather than PostgreSQL's "\\x..." hex. Strings are always valid UTF-8:
// an invalid byte sequence in the input becomes U+FFFD.

#include "federation/types/value.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::rest {

struct JsonOptions {
    /// numeric as "12.50" (a JSON string) instead of 12.50: for clients whose JSON numbers are doubles.
    bool numeric_as_string = false;
};

/// Writes one JSON document into `out`, inserting commas and colons itself:
///
///     std::string body;
///     JsonWriter w(body);
///     w.begin_object();
///     w.key("id");
///     w.integer(7);
///     w.key("tags");
///     w.begin_array();
///     w.string("a");
///     w.end_array();
///     w.end_object();          // body == {"id":7,"tags":["a"]}
///
/// Misuse (a value where a key is due, an unbalanced end) is a programming error caught by
/// assertions in debug builds.
class JsonWriter {
  public:
    explicit JsonWriter(std::string& out, JsonOptions options = {});

    void begin_object();
    void end_object();
    void begin_array();
    void end_array();
    /// The next member's name; the member's value must follow.
    void key(std::string_view name);

    void string(std::string_view text);
    void integer(int64_t number);
    void boolean(bool b);
    void null();
    /// Already-valid JSON text, copied as is.
    void raw(std::string_view json);
    /// A SQL value as PostgreSQL's to_json() prints it (bytea as base64).
    void value(const federation::Value& v);

    /// Whether one complete top-level value has been written and every container closed.
    bool complete() const { return stack_.empty() && wrote_top_level_; }

  private:
    /// Where the writer stands inside the innermost open container.
    enum class Slot : uint8_t {
        ArrayEmpty,  ///< after '[': next value needs no comma
        ArrayMore,   ///< after an element: next value needs a comma
        ObjectEmpty, ///< after '{': a key is due
        ObjectMore,  ///< after a member: a comma and a key are due
        ObjectValue, ///< after a key: the member's value is due
    };

    /// Writes the comma a value needs (if any) and records that one was written.
    void before_value();
    void write_escaped(std::string_view text);
    void write_number_or_string(std::string_view text);
    void write_base64(std::string_view bytes);
    void write_date(int64_t days);
    void write_time(int64_t micros);
    void write_timestamp(int64_t micros, bool with_tz);

    std::string& out_;
    JsonOptions options_;
    std::vector<Slot> stack_;
    bool wrote_top_level_ = false;
};

/// Whether `text` is a number by JSON's grammar (RFC 8259 §6): "-0", "1.5e+300", not "NaN" or ".5".
bool is_json_number(std::string_view text);

} // namespace nectar::rest
