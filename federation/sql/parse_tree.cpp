#include "federation/sql/parse_tree.hpp"

#include <pg_query.h>

namespace nectar::federation {

Result<std::unique_ptr<ParsedSql>> ParsedSql::parse(std::string sql) {
    auto parsed = std::make_unique<ParsedSql>();
    parsed->sql_ = std::move(sql);
    PgQueryParseResult result = pg_query_parse(parsed->sql_.c_str());
    if (result.error) {
        Error error = Error::make("42601", result.error->message);
        error.position = result.error->cursorpos; // already 1-based, as PostgreSQL reports it
        pg_query_free_parse_result(result);
        return error;
    }
    parsed->json_ = result.parse_tree;
    pg_query_free_parse_result(result);

    JsonNode root;
    if (parsed->parser_.parse(parsed->json_).get(root) != simdjson::SUCCESS) {
        return Error::make("XX000", "cannot read libpg_query's parse tree");
    }
    for (JsonNode raw : list_field(root, "stmts")) {
        Statement st;
        st.node = field(raw, "stmt");
        st.offset = static_cast<int>(int_field(raw, "stmt_location"));
        int64_t len = int_field(raw, "stmt_len");
        size_t begin = std::min<size_t>(st.offset, parsed->sql_.size());
        size_t n = len == 0 ? parsed->sql_.size() - begin : std::min<size_t>(len, parsed->sql_.size() - begin);
        st.text = std::string_view(parsed->sql_).substr(begin, n);
        parsed->statements_.push_back(st);
    }
    return parsed;
}

namespace {

/// A valid JSON null: what absent fields read as (a default-constructed element is unusable).
JsonNode null_node() {
    static simdjson::dom::parser parser;
    static const JsonNode null = parser.parse(std::string_view("null")).value();
    return null;
}

} // namespace

std::pair<std::string_view, JsonNode> node_kind(JsonNode node) {
    simdjson::dom::object obj;
    if (node.get(obj) == simdjson::SUCCESS) {
        for (auto [key, value] : obj) {
            return {key, value};
        }
    }
    return {std::string_view{}, null_node()};
}

bool has_field(JsonNode fields, std::string_view name) {
    JsonNode out;
    return fields.is_object() && fields[name].get(out) == simdjson::SUCCESS;
}

JsonNode field(JsonNode fields, std::string_view name) {
    JsonNode out;
    if (fields.is_object() && fields[name].get(out) == simdjson::SUCCESS) {
        return out;
    }
    return null_node();
}

std::string_view string_field(JsonNode fields, std::string_view name) {
    std::string_view out;
    if (has_field(fields, name) && field(fields, name).get(out) == simdjson::SUCCESS) {
        return out;
    }
    return {};
}

int64_t int_field(JsonNode fields, std::string_view name, int64_t fallback) {
    int64_t out;
    if (has_field(fields, name) && field(fields, name).get(out) == simdjson::SUCCESS) {
        return out;
    }
    return fallback;
}

bool bool_field(JsonNode fields, std::string_view name) {
    bool out;
    return has_field(fields, name) && field(fields, name).get(out) == simdjson::SUCCESS && out;
}

std::vector<JsonNode> list_field(JsonNode fields, std::string_view name) {
    std::vector<JsonNode> items;
    simdjson::dom::array arr;
    if (has_field(fields, name) && field(fields, name).get(arr) == simdjson::SUCCESS) {
        for (JsonNode item : arr) {
            items.push_back(item);
        }
    }
    return items;
}

std::string_view string_value(JsonNode node) {
    auto [kind, fields] = node_kind(node);
    if (kind == "String") {
        return string_field(fields, "sval");
    }
    return {};
}

std::vector<std::string> name_list(JsonNode fields, std::string_view name) {
    std::vector<std::string> names;
    for (JsonNode item : list_field(fields, name)) {
        names.emplace_back(string_value(item));
    }
    return names;
}

int location_of(JsonNode node) {
    auto [kind, fields] = node_kind(node);
    return static_cast<int>(int_field(fields, "location", -1));
}

} // namespace nectar::federation
