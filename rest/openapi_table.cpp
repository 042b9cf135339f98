#include "rest/openapi_table.hpp"

#include <cctype>
#include <optional>
#include <vector>

namespace nectar::rest {

using namespace federation;

namespace {

/// One response of an operation: a status, what it means, and the body's schema (raw JSON, or
/// empty for a response without a body).
struct Reply {
    std::string_view status;
    std::string_view description;
    std::string schema;
    std::string_view headers = {}; ///< raw JSON of the response's headers object, or empty
};

/// One operation of a path item. `parameters` and `errors` name entries of components/parameters
/// and components/responses (an error's name is its status code).
struct Operation {
    std::string_view method;
    std::string_view id;      ///< appended to "{service}.{table}." to make the operationId
    std::string_view summary;
    std::string_view description;
    std::vector<std::string_view> parameters;
    std::string body; ///< raw JSON schema of the request body, or empty
    std::vector<Reply> replies;
    std::vector<std::string_view> errors;
};

std::string schema_ref(std::string_view component) {
    // Component names are restricted to [A-Za-z0-9._-], so they need no JSON escaping.
    return std::string(R"({"$ref":"#/components/schemas/)").append(component).append("\"}");
}

std::string array_of(std::string_view items) { return std::string(R"({"type":"array","items":)").append(items) + "}"; }

/// A list page: {data: [rows], meta}.
std::string page_of(std::string_view row) {
    return std::string(R"({"type":"object","required":["data","meta"],"properties":{"data":)") + array_of(row) +
           R"(,"meta":{"$ref":"#/components/schemas/ListMeta"}}})";
}

/// What a write answers: {data: [rows written]}, with meta.count for a write by filter.
std::string written_rows(std::string_view row, bool with_count) {
    std::string out = R"j({"type":"object","required":["data"],"properties":{"data":)j" + array_of(row);
    if (with_count) {
        out += R"j(,"meta":{"type":"object","properties":{"count":{"type":"integer","description":"Rows written"}}})j";
    }
    return out + "}}";
}

void write_operation(JsonWriter& w, const OpenApiTableNames& names, const Operation& op) {
    w.key(op.method);
    w.begin_object();
    w.key("tags");
    w.begin_array();
    w.string(names.tag);
    w.end_array();
    w.key("summary");
    w.string(op.summary);
    if (!op.description.empty()) {
        w.key("description");
        w.string(op.description);
    }
    w.key("operationId");
    w.string(names.component + "." + std::string(op.id));
    w.key("parameters");
    w.begin_array();
    for (std::string_view p : op.parameters) {
        w.raw(std::string(R"({"$ref":"#/components/parameters/)").append(p) + "\"}");
    }
    w.raw(R"({"$ref":"#/components/parameters/role"})"); // X-Role applies to every table operation
    w.end_array();
    if (!op.body.empty()) {
        w.key("requestBody");
        w.raw(std::string(R"({"required":true,"content":{"application/json":{"schema":)") + op.body + "}}}");
    }
    w.key("responses");
    w.begin_object();
    for (const Reply& r : op.replies) {
        w.key(r.status);
        w.begin_object();
        w.key("description");
        w.string(r.description);
        if (!r.headers.empty()) {
            w.key("headers");
            w.raw(r.headers);
        }
        if (!r.schema.empty()) {
            w.key("content");
            w.raw(std::string(R"({"application/json":{"schema":)") + r.schema + "}}");
        }
        w.end_object();
    }
    for (std::string_view status : op.errors) {
        w.key(status);
        w.raw(std::string(R"({"$ref":"#/components/responses/)").append(status) + "\"}");
    }
    w.end_object();
    w.end_object();
}

void write_path(JsonWriter& w, const std::string& path, const OpenApiTableNames& names,
                const std::vector<Operation>& operations) {
    w.key(path);
    w.begin_object();
    for (const Operation& op : operations) {
        write_operation(w, names, op);
    }
    w.end_object();
}

bool has_primary_key(const TableInfo& table) {
    for (const ColumnInfo& c : table.columns) {
        if (c.primary_key) {
            return true;
        }
    }
    return false;
}

constexpr std::string_view kEtagHeader = R"({"ETag":{"$ref":"#/components/headers/ETag"}})";

std::vector<Operation> collection_operations(const OpenApiTableNames& names, const TableInfo& table) {
    std::string row = schema_ref(names.component);
    std::vector<Operation> ops;
    ops.push_back({"get", "list", "List rows",
                   "A page of rows. `filter` is SPEC §5's JSON filter language; `count` adds the total.",
                   {"filter", "sort", "page", "limit", "offset", "fields", "include", "exclude", "count"},
                   {},
                   {{"200", "A page of rows", page_of(row)}},
                   {"400", "401", "403", "404", "429", "503"}});
    if (table.is_view) {
        return ops; // views are read through REST
    }
    ops.push_back({"post", "insert", "Insert rows",
                   "One object, or an array of objects inserted together. `upsert=true` with "
                   "`onConflict` updates the row whose key collides instead of failing.",
                   {"upsert", "onConflict"},
                   R"({"oneOf":[)" + row + "," + array_of(row) + "]}",
                   {{"201", "The inserted rows, as stored", written_rows(row, false)}},
                   {"400", "401", "403", "404", "409", "429", "503"}});
    std::string patch = schema_ref(names.component + ".patch");
    ops.push_back({"patch", "updateWhere", "Update the rows a filter selects",
                   "Sets the body's columns on every row the (required) filter keeps.",
                   {"requiredFilter"},
                   patch,
                   {{"200", "The updated rows", written_rows(row, true)}},
                   {"400", "401", "403", "404", "429", "503"}});
    ops.push_back({"delete", "deleteWhere", "Delete the rows a filter selects",
                   "Deletes every row the (required) filter keeps.",
                   {"requiredFilter"},
                   {},
                   {{"200", "The deleted rows", written_rows(row, true)}},
                   {"400", "401", "403", "404", "429", "503"}});
    return ops;
}

std::vector<Operation> row_operations(const OpenApiTableNames& names, const TableInfo& table) {
    std::string row = schema_ref(names.component);
    std::vector<Operation> ops;
    ops.push_back({"get", "get", "Read one row by primary key", {},
                   {"rowId", "fields", "include", "exclude"},
                   {},
                   {{"200", "The row", row, kEtagHeader}},
                   {"400", "401", "403", "404", "429", "503"}});
    if (table.is_view) {
        return ops;
    }
    ops.push_back({"patch", "update", "Update one row", "Changes the body's columns of the row.",
                   {"rowId", "ifMatch"},
                   schema_ref(names.component + ".patch"),
                   {{"200", "The row after the update", row, kEtagHeader}},
                   {"400", "401", "403", "404", "409", "412", "429", "503"}});
    ops.push_back({"put", "replace", "Replace one row", "Writes every column of the row from the body.",
                   {"rowId", "ifMatch"},
                   row,
                   {{"200", "The row after the update", row, kEtagHeader}},
                   {"400", "401", "403", "404", "409", "412", "429", "503"}});
    ops.push_back({"delete", "delete", "Delete one row", {},
                   {"rowId", "ifMatch"},
                   {},
                   {{"200", "The row as it was", row}},
                   {"400", "401", "403", "404", "409", "412", "429", "503"}});
    return ops;
}

/// varchar(n) / character varying(n) / char(n): n, from the backend's type name.
std::optional<int64_t> declared_length(std::string_view remote_type) {
    size_t open = remote_type.find('(');
    size_t close = remote_type.find(')', open);
    if (open == std::string_view::npos || close == std::string_view::npos || close == open + 1) {
        return std::nullopt;
    }
    int64_t n = 0;
    for (char c : remote_type.substr(open + 1, close - open - 1)) {
        if (c < '0' || c > '9' || n > 1'000'000'000) {
            return std::nullopt; // numeric(10,2) and the like: no length
        }
        n = n * 10 + (c - '0');
    }
    return n;
}

void write_type(JsonWriter& w, Type type, std::string_view remote_type) {
    auto member = [&](std::string_view key, std::string_view value) {
        w.key(key);
        w.string(value);
    };
    switch (type) {
    case Type::Bool: member("type", "boolean"); return;
    case Type::Int2:
    case Type::Int4: member("type", "integer"); member("format", "int32"); return;
    case Type::Int8: member("type", "integer"); member("format", "int64"); return;
    case Type::Float4: member("type", "number"); member("format", "float"); return;
    case Type::Float8: member("type", "number"); member("format", "double"); return;
    case Type::Numeric: member("type", "number"); return;
    case Type::Bytea: member("type", "string"); member("format", "byte"); return; // base64
    case Type::Date: member("type", "string"); member("format", "date"); return;
    case Type::Time: member("type", "string"); member("format", "time"); return;
    case Type::Timestamp:
    case Type::TimestampTz: member("type", "string"); member("format", "date-time"); return;
    case Type::Uuid: member("type", "string"); member("format", "uuid"); return;
    case Type::Json:
    case Type::Jsonb: member("type", "object"); return;
    case Type::Varchar:
    case Type::Text:
    case Type::Interval:
    case Type::Unknown: break;
    }
    member("type", "string");
    std::string lower(remote_type);
    for (char& c : lower) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    bool bounded = lower.find("char") != std::string::npos; // varchar(n), character varying(n), char(n)
    if (auto n = bounded ? declared_length(lower) : std::nullopt) {
        w.key("maxLength");
        w.integer(*n);
    }
}

/// Whether the database fills the column when an insert leaves it out (a default, or a
/// generated key: serial, identity, AUTO_INCREMENT, SQLite's rowid).
bool database_fills(const federation::ColumnInfo& column) {
    return column.default_value.has_value() || column.auto_increment;
}

} // namespace

std::string encode_path_segment(std::string_view segment) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : segment) {
        bool unreserved = std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

void write_column_schema(JsonWriter& w, const ColumnInfo& column) {
    w.begin_object();
    const std::string& remote = column.remote_type;
    // PostgreSQL arrays arrive as text whose backend type is "integer[]", "text[]"...
    bool array = remote.size() > 2 && remote.compare(remote.size() - 2, 2, "[]") == 0;
    if (array) {
        std::string element = remote.substr(0, remote.find('['));
        w.key("type");
        w.string("array");
        w.key("items");
        w.begin_object();
        write_type(w, type_from_name(element).value_or(Type::Text), element);
        w.end_object();
    } else {
        write_type(w, column.type, remote);
    }
    if (column.nullable) {
        w.key("nullable");
        w.boolean(true);
    }
    if (!remote.empty()) {
        w.key("description");
        w.string(remote + (column.primary_key ? " (primary key)" : ""));
    }
    w.end_object();
}

void write_table_schemas(JsonWriter& w, const OpenApiTableNames& names, const TableInfo& table) {
    for (bool patch : {false, true}) {
        w.key(patch ? names.component + ".patch" : names.component);
        w.begin_object();
        w.key("type");
        w.string("object");
        w.key("description");
        w.string((patch ? "Columns to change in " : "A row of ") + names.service + "." + names.table);
        // Required: NOT NULL columns the database cannot fill itself.
        std::vector<std::string_view> required;
        w.key("properties");
        w.begin_object();
        for (const ColumnInfo& c : table.columns) {
            w.key(c.name);
            write_column_schema(w, c);
            if (!c.nullable && !database_fills(c)) {
                required.push_back(c.name);
            }
        }
        w.end_object();
        if (!patch && !required.empty()) {
            w.key("required");
            w.begin_array();
            for (std::string_view name : required) {
                w.string(name);
            }
            w.end_array();
        }
        w.end_object();
    }
}

void write_table_paths(JsonWriter& w, const OpenApiTableNames& names, const TableInfo& table) {
    const std::string base = "/api/v2/" + encode_path_segment(names.service) + "/_table/" +
                             encode_path_segment(names.table);
    write_path(w, base, names, collection_operations(names, table));
    // _schema, _count and _query before {id}, as the router matches them.
    write_path(w, base + "/_schema", names,
               {{"get", "schema", "Columns and primary key of the table", {}, {}, {},
                 {{"200", "The table's schema", schema_ref("TableSchema")}},
                 {"401", "403", "404", "429", "503"}}});
    write_path(w, base + "/_count", names,
               {{"get", "count", "Count the rows a filter keeps", {}, {"filter"}, {},
                 {{"200", "The count", schema_ref("Count")}},
                 {"400", "401", "403", "404", "429", "503"}}});
    write_path(w, base + "/_query", names,
               {{"post", "query", "Query with a JSON body",
                 "Select, joins (also with other services' tables, written `service.table`), "
                 "where/filter, aggregate, sort, limit, page, include and exclude in one body.",
                 {},
                 schema_ref("QueryBody"),
                 {{"200", "A page of result rows", page_of(R"({"type":"object","additionalProperties":true})")}},
                 {"400", "401", "403", "404", "429", "503"}}});
    if (names.kind == "mongodb") {
        write_path(w, base + "/_aggregate", names,
                   {{"post", "aggregate", "Run a MongoDB aggregation pipeline", "Row policies still apply.", {},
                     R"({"type":"object","required":["pipeline"],"properties":{"pipeline":{"type":"array","items":{"type":"object"}}}})",
                     {{"200", "The pipeline's output", page_of(R"({"type":"object","additionalProperties":true})")}},
                     {"400", "401", "403", "404", "429", "503"}}});
    }
    if (has_primary_key(table)) {
        write_path(w, base + "/{id}", names, row_operations(names, table));
    }
}

} // namespace nectar::rest
