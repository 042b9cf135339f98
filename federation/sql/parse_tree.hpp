#pragma once
// libpg_query (PostgreSQL 15's own parser) → its JSON parse tree, read with simdjson.

#include "protocol/error.hpp"

#include <simdjson.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::federation {

using JsonNode = simdjson::dom::element;

/// The statements of one query string; nodes stay valid while this object lives.
class ParsedSql {
  public:
    struct Statement {
        JsonNode node;        ///< {"SelectStmt": {...}} and the like
        std::string_view text; ///< the statement's own text within the query string
        int offset = 0;       ///< its byte offset in the query string (for error positions)
    };

    /// Parses with libpg_query; a syntax error becomes 42601 with PostgreSQL's message and position.
    static Result<std::unique_ptr<ParsedSql>> parse(std::string sql);

    const std::vector<Statement>& statements() const { return statements_; }
    const std::string& sql() const { return sql_; }

  private:
    std::string sql_;
    std::string json_;
    simdjson::dom::parser parser_;
    std::vector<Statement> statements_;
};

// --- Reading nodes: libpg_query omits fields at their default (0, false, "", empty list) ---

/// The node's type name and its fields: {"ColumnRef": {...}} → ("ColumnRef", {...}).
std::pair<std::string_view, JsonNode> node_kind(JsonNode node);
/// A field of a node's field object, or a null element when absent.
bool has_field(JsonNode fields, std::string_view name);
JsonNode field(JsonNode fields, std::string_view name);
std::string_view string_field(JsonNode fields, std::string_view name);
int64_t int_field(JsonNode fields, std::string_view name, int64_t fallback = 0);
bool bool_field(JsonNode fields, std::string_view name);
/// A list field's items (empty when absent).
std::vector<JsonNode> list_field(JsonNode fields, std::string_view name);
/// {"String": {"sval": "x"}} → "x".
std::string_view string_value(JsonNode node);
/// A list of String nodes → their values ("pg_catalog", "int4").
std::vector<std::string> name_list(JsonNode fields, std::string_view name);
/// The node's "location" field (0-based byte offset) or -1.
int location_of(JsonNode node);

} // namespace nectar::federation
