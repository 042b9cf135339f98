// Relationships from foreign keys: the junction-table rule and the naming rule of
// rest/relationships.hpp, on hand-made catalogs (the e2e tests cover discovered ones).

#include "rest/relationships.hpp"

#include <doctest.h>

#include <algorithm>

using namespace nectar::federation;
using namespace nectar::rest;

namespace {

ColumnInfo column(std::string name, bool key = false, std::optional<std::string> default_value = std::nullopt) {
    ColumnInfo c;
    c.name = std::move(name);
    c.primary_key = key;
    c.default_value = std::move(default_value);
    return c;
}

ForeignKeyInfo key(std::string column_name, std::string table) {
    return ForeignKeyInfo{table + "_" + column_name + "_fkey", {column_name}, "public", std::move(table), {"id"}};
}

TableInfo table(std::string name, std::vector<ColumnInfo> columns, std::vector<ForeignKeyInfo> keys = {}) {
    TableInfo t;
    t.schema = "public";
    t.name = std::move(name);
    t.columns = std::move(columns);
    t.foreign_keys = std::move(keys);
    return t;
}

std::vector<std::string> names(const std::vector<Relationship>& rs) {
    std::vector<std::string> out;
    for (const Relationship& r : rs) {
        out.push_back(std::string(kind_name(r.kind)) + ":" + r.name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

const TableInfo& find(const ServiceTables& s, const std::string& name) {
    return *std::find_if(s.tables.begin(), s.tables.end(), [&](const TableInfo& t) { return t.name == name; });
}

} // namespace

TEST_CASE("relationships: junction tables are two keys and little else") {
    TableInfo pure = table("a_b", {column("a_id", true), column("b_id", true)}, {key("a_id", "a"), key("b_id", "b")});
    CHECK(is_junction(pure));
    TableInfo surrogate = table("a_b", {column("id", true), column("a_id"), column("b_id"), column("at", false, "now()")},
                                {key("a_id", "a"), key("b_id", "b")});
    CHECK(is_junction(surrogate)); // a surrogate key and a defaulted column are "little else"
    TableInfo payload = table("a_b", {column("id", true), column("a_id"), column("b_id"), column("qty")},
                              {key("a_id", "a"), key("b_id", "b")});
    CHECK_FALSE(is_junction(payload)); // a column of its own: an entity, not a junction
    TableInfo same = table("a_a", {column("x_id", true), column("y_id", true)}, {key("x_id", "a"), key("y_id", "a")});
    CHECK_FALSE(is_junction(same));
    TableInfo one = table("a_b", {column("a_id", true)}, {key("a_id", "a")});
    CHECK_FALSE(is_junction(one));
}

TEST_CASE("relationships: plain names, and names that say which key when they would clash") {
    ServiceTables s;
    s.tables.push_back(table("users", {column("id", true)}));
    s.tables.push_back(table("messages", {column("id", true), column("sender_id"), column("recipient_id")},
                             {key("sender_id", "users"), key("recipient_id", "users")}));
    s.tables.push_back(table("employees", {column("id", true), column("manager_id")}, {key("manager_id", "employees")}));
    s.tables.push_back(table("groups", {column("id", true)}));
    s.tables.push_back(table("memberships", {column("user_id", true), column("group_id", true)},
                             {key("user_id", "users"), key("group_id", "groups")}));

    CHECK(names(relationships_of(s, find(s, "messages"))) ==
          std::vector<std::string>{"belongsTo:recipient", "belongsTo:sender"});
    CHECK(names(relationships_of(s, find(s, "users"))) ==
          std::vector<std::string>{"hasMany:memberships", "hasMany:messages_by_recipient_id",
                                   "hasMany:messages_by_sender_id", "manyToMany:groups"});
    CHECK(names(relationships_of(s, find(s, "employees"))) ==
          std::vector<std::string>{"belongsTo:manager", "hasMany:employees_by_manager_id"});

    auto groups = relationships_of(s, find(s, "groups"));
    auto users = std::find_if(groups.begin(), groups.end(), [](const Relationship& r) { return r.name == "users"; });
    REQUIRE(users != groups.end());
    CHECK(users->kind == Relationship::Kind::many_to_many);
    CHECK(users->junction->name == "memberships");
    CHECK(users->junction_local_columns == std::vector<std::string>{"group_id"});
    CHECK(users->junction_foreign_columns == std::vector<std::string>{"user_id"});
    CHECK(users->local_columns == std::vector<std::string>{"id"});
}

TEST_CASE("relationships: a relationship never takes the name of one of the table's columns") {
    ServiceTables s;
    s.tables.push_back(table("people", {column("id", true)}));
    s.tables.push_back(table("books", {column("id", true), column("author"), column("editor")},
                             {key("author", "people"), key("editor", "people")}));
    CHECK(names(relationships_of(s, find(s, "books"))) ==
          std::vector<std::string>{"belongsTo:author_rel", "belongsTo:editor_rel"});
}

TEST_CASE("relationships: a key to a table discovery did not list is left out") {
    ServiceTables s;
    s.tables.push_back(table("orders", {column("id", true), column("shop_id")}, {key("shop_id", "shops")}));
    CHECK(relationships_of(s, s.tables[0]).empty());
}
