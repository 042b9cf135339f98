// The OpenAPI document: column types mapped to JSON Schema, only exposed tables listed, names
// made safe for paths and component keys, and the embedded /docs files present.

#include "rest/docs_page.hpp"
#include "rest/openapi.hpp"
#include "rest/openapi_table.hpp"

#include <doctest.h>
#include <filesystem>
#include <set>
#include <simdjson.h>
#include <unistd.h>

using namespace nectar::rest;
using nectar::federation::ColumnInfo;
using nectar::federation::Type;

namespace {

std::string column_schema(Type type, std::string remote, bool nullable = false) {
    ColumnInfo c;
    c.name = "c";
    c.type = type;
    c.remote_type = std::move(remote);
    c.nullable = nullable;
    std::string out;
    JsonWriter w(out);
    write_column_schema(w, c);
    return out;
}

ColumnInfo column(std::string name, Type type, bool nullable, bool key = false) {
    ColumnInfo c;
    c.name = std::move(name);
    c.type = type;
    c.remote_type = std::string(nectar::federation::type_name(type));
    c.nullable = nullable;
    c.primary_key = key;
    c.auto_increment = key; // the tests' keys are serial
    return c;
}

} // namespace

TEST_CASE("openapi: column types as JSON Schema") {
    CHECK(column_schema(Type::Int4, "integer") == R"j({"type":"integer","format":"int32","description":"integer"})j");
    CHECK(column_schema(Type::Int8, "bigint", true) ==
          R"j({"type":"integer","format":"int64","nullable":true,"description":"bigint"})j");
    CHECK(column_schema(Type::Numeric, "numeric(8,2)") == R"j({"type":"number","description":"numeric(8,2)"})j");
    CHECK(column_schema(Type::Bool, "tinyint(1)") == R"j({"type":"boolean","description":"tinyint(1)"})j");
    CHECK(column_schema(Type::Varchar, "character varying(20)") ==
          R"j({"type":"string","maxLength":20,"description":"character varying(20)"})j");
    CHECK(column_schema(Type::Text, "text") == R"j({"type":"string","description":"text"})j");
    CHECK(column_schema(Type::TimestampTz, "timestamp with time zone") ==
          R"j({"type":"string","format":"date-time","description":"timestamp with time zone"})j");
    CHECK(column_schema(Type::Date, "date") == R"j({"type":"string","format":"date","description":"date"})j");
    CHECK(column_schema(Type::Uuid, "uuid") == R"j({"type":"string","format":"uuid","description":"uuid"})j");
    CHECK(column_schema(Type::Bytea, "blob") == R"j({"type":"string","format":"byte","description":"blob"})j");
    CHECK(column_schema(Type::Jsonb, "json") == R"j({"type":"object","description":"json"})j");
    CHECK(column_schema(Type::Text, "integer[]") ==
          R"j({"type":"array","items":{"type":"integer","format":"int32"},"description":"integer[]"})j");
    CHECK(column_schema(Type::Text, "character varying(5)[]") ==
          R"j({"type":"array","items":{"type":"string","maxLength":5},"description":"character varying(5)[]"})j");
}

TEST_CASE("openapi: path segments are percent-encoded") {
    CHECK(encode_path_segment("users") == "users");
    CHECK(encode_path_segment("odd name/x{y}") == "odd%20name%2Fx%7By%7D");
    CHECK(encode_path_segment("caf\xC3\xA9") == "caf%C3%A9");
}

TEST_CASE("openapi: only exposed tables, with required columns and safe component names") {
    auto dir = std::filesystem::temp_directory_path() / ("nectar-openapi-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    auto store = ExposureStore::open(dir.string());
    REQUIRE(store);
    nectar::federation::ServiceTables tables;
    tables.kind = "postgresql";
    tables.default_schema = "public";
    nectar::federation::TableInfo people{"public", "people", {}, false, -1};
    people.columns = {column("id", Type::Int4, false, true), column("name", Type::Text, false),
                      column("note", Type::Text, true)};
    nectar::federation::TableInfo odd{"public", "odd name", {column("id", Type::Int4, false, true)}, false, -1};
    nectar::federation::TableInfo hidden{"public", "hidden", {column("id", Type::Int4, false, true)}, false, -1};
    tables.tables = {people, odd, hidden};
    nectar::federation::Catalog catalog;
    catalog.add_service("shop", std::make_shared<const nectar::federation::ServiceTables>(tables));
    REQUIRE((*store)->expose("shop", {"people", "odd name"}));

    std::string doc = openapi_document(catalog, **store, OpenApiOptions{});
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    REQUIRE(parser.parse(doc).get(root) == simdjson::SUCCESS);
    simdjson::dom::object paths = root["paths"];
    CHECK(paths["/api/v2/shop/_table/people"].error() == simdjson::SUCCESS);
    CHECK(paths["/api/v2/shop/_table/people/{id}"].error() == simdjson::SUCCESS);
    CHECK(paths["/api/v2/shop/_table/odd%20name"].error() == simdjson::SUCCESS);
    CHECK(paths["/api/v2/shop/_table/hidden"].error() == simdjson::NO_SUCH_FIELD);
    simdjson::dom::object schemas = root["components"]["schemas"];
    CHECK(schemas["shop.odd_name"].error() == simdjson::SUCCESS);
    CHECK(schemas["shop.hidden"].error() == simdjson::NO_SUCH_FIELD);
    simdjson::dom::array required = schemas["shop.people"]["required"];
    REQUIRE(required.size() == 1);
    CHECK(std::string_view(required.at(0)) == "name");
    CHECK(std::string_view(root["openapi"]) == "3.0.3");
    std::filesystem::remove_all(dir);
}

TEST_CASE("docs: the page and the Swagger UI files are embedded") {
    std::set<std::string_view> names;
    for (const DocsAsset& asset : docs_assets()) {
        names.insert(asset.name);
        CHECK(!asset.body.empty());
        CHECK(asset.etag.size() == 34);
    }
    for (std::string_view needed : {"index.html", "nectar-docs.js", "swagger-ui-bundle.js", "swagger-ui.css",
                                    "favicon-32x32.png", "favicon-16x16.png"}) {
        CHECK(names.count(needed) == 1);
    }
}
