#pragma once
// Auto-prepare: a simple-protocol SELECT whose number or string literals are compared with
// `=`, `<`, ... (`WHERE id = 42`, `WHERE name = 'x'`) runs as a server-side prepared statement
// of its shape (`WHERE id = $1`), bound with the literal's text. $1 is typed as PostgreSQL types
// the literal: int4 or int8 for an integer, numeric for a decimal (1.5, 1e3) or a larger
// integer, left unspecified ("unknown", as a string literal is) for a string. So PostgreSQL
// resolves every operator exactly as for the literal and answers are the same; what it saves
// is parsing, analysing and (after a few executions) planning the statement again for each
// value. Drivers that interpolate parameters client-side (psycopg2, PHP's emulated prepares)
// send exactly such queries.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nectar::proxy {

/// A query with its eligible literals turned into typed parameters.
struct QueryShape {
    std::string text;                              ///< the query with `$1`, `$2`, ... in their place
    std::vector<std::optional<std::string>> values; ///< the literals' text (digits, a string's content), in order
    std::vector<uint32_t> types;                   ///< each one's type: int4, int8, numeric, or 0 (unknown) for a string
};

/// The shape of `sql` when it is one SELECT with at least one literal that can be a parameter
/// without changing its meaning: a number (42, 1.5, .5, 1e3) or a plain string ('...', with no
/// prefix such as E, B, X, U& or a type name) right after a comparison operator and right
/// before the end of an operand (`)`, `;`, the end, AND, OR, ORDER, LIMIT, ...). Nothing for
/// anything it is not sure of: comments, `$`, backslashes, several statements, or no such literal.
std::optional<QueryShape> shape_of(std::string_view sql);

/// The shapes one worker has seen, and the server-side statement each gets once it repeats.
class AutoPrepareCache {
  public:
    struct Statement {
        std::string server_name; ///< unique for the worker's lifetime: never reused for another shape
        uint32_t seen = 0;
        uint32_t refusals = 0; ///< times PostgreSQL refused to prepare it
        bool broken = false;   ///< refused for good: always sent as it came
    };
    /// Counts a sighting of `shape`: its statement from the second one on, else null.
    Statement* note(const QueryShape& shape);
    /// PostgreSQL refused to prepare the statement of that name. `for_good` (a syntax error), or
    /// refused a few times (a missing table may yet be created): its shape is sent as it came
    /// from now on.
    void note_refused(std::string_view server_name, bool for_good);

  private:
    /// Past this many shapes the cache starts afresh (names keep counting up).
    static constexpr size_t kMaxShapes = 10000;
    static constexpr uint32_t kMaxRefusals = 3;
    std::unordered_map<std::string, Statement> shapes_;
    uint64_t next_id_ = 1;
};

/// Longer queries are sent as they come (shaping them would cost more than it saves).
constexpr size_t kMaxShapedQueryBytes = 8192;
/// Server-side statements auto-prepare keeps per server connection at most.
constexpr size_t kMaxAutoPreparedPerConnection = 128;
/// The prefix of their names; no other statement Nectar prepares has a name starting so (the
/// REST connector's are "nectar_" and hex digits, client statements' "nectar_" and a number).
constexpr std::string_view kAutoPreparedPrefix = "nectar_auto_";

} // namespace nectar::proxy
