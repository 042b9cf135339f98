#pragma once
// Shared by the binder and planner tests: a hand-built federated catalog of three services and
// the engine's own path (ParsedSql::parse → Binder::bind_select → plan_query) over it.
//
//   pg   (postgresql, schema public; also schema sales)
//        users(id int4, name text, age int4, big int8)            ~1000 rows
//        orders(id int4, user_id int4, amount numeric, status text) ~100000 rows
//        sales.invoices(id int4, total numeric)
//   lite (sqlite, schema main)
//        events(id int8, user_id int4, kind text, ts timestamp)   ~50 rows
//   my   (mysql, schema shop)
//        products(id int4, title text, price numeric, stock int4) ~20 rows

#include "federation/catalog/catalog.hpp"
#include "federation/connectors/dialect.hpp"
#include "federation/connectors/mysql/mysql_dialect.hpp"
#include "federation/connectors/sqlite/sqlite_dialect.hpp"
#include "federation/plan/planner.hpp"
#include "federation/sql/binder.hpp"
#include "federation/sql/parse_tree.hpp"

#include <doctest.h>

#include <string>
#include <vector>

namespace catalog_fixture {

using namespace nectar::federation;
using nectar::Error;
using nectar::Result;

inline TableInfo table(std::string schema, std::string name, std::vector<std::pair<std::string, Type>> columns,
                       int64_t rows) {
    TableInfo t;
    t.schema = std::move(schema);
    t.name = std::move(name);
    for (auto& [n, type] : columns) {
        t.columns.push_back(ColumnInfo{n, type});
        t.columns.back().nullable = n != "id"; // every id is a NOT NULL primary key
        t.columns.back().primary_key = n == "id";
    }
    t.row_estimate = rows;
    return t;
}

inline const Catalog& catalog() {
    static const Catalog c = [] {
        Catalog cat;
        cat.add_service("pg", std::make_shared<ServiceTables>(ServiceTables{
                                  "postgresql",
                                  "public",
                                  {table("public", "users",
                                         {{"id", Type::Int4}, {"name", Type::Text}, {"age", Type::Int4}, {"big", Type::Int8}},
                                         1000),
                                   table("public", "orders",
                                         {{"id", Type::Int4},
                                          {"user_id", Type::Int4},
                                          {"amount", Type::Numeric},
                                          {"status", Type::Text}},
                                         100000),
                                   table("sales", "invoices", {{"id", Type::Int4}, {"total", Type::Numeric}}, -1)}}));
        cat.add_service("lite", std::make_shared<ServiceTables>(ServiceTables{
                                    "sqlite",
                                    "main",
                                    {table("main", "events",
                                           {{"id", Type::Int8},
                                            {"user_id", Type::Int4},
                                            {"kind", Type::Text},
                                            {"ts", Type::Timestamp}},
                                           50)}}));
        cat.add_service("my", std::make_shared<ServiceTables>(ServiceTables{
                                  "mysql",
                                  "shop",
                                  {table("shop", "products",
                                         {{"id", Type::Int4},
                                          {"title", Type::Text},
                                          {"price", Type::Numeric},
                                          {"stock", Type::Int4}},
                                         20)}}));
        return cat;
    }();
    return c;
}

/// The dialect each fixture service's connector would report.
inline const Dialect* dialect_of(std::string_view service) {
    if (service == "pg") {
        return &postgres_dialect();
    }
    if (service == "lite") {
        return &sqlite_dialect();
    }
    if (service == "my") {
        return &mysql_dialect();
    }
    return nullptr;
}

/// Parses and binds one SELECT as the engine does (default service "pg" unless given).
inline Result<PlanPtr> bind_sql(const std::string& sql, const std::string& default_service = "pg") {
    auto parsed = ParsedSql::parse(sql);
    if (!parsed) {
        return parsed.error();
    }
    REQUIRE((*parsed)->statements().size() == 1);
    auto [kind, fields] = node_kind((*parsed)->statements()[0].node);
    REQUIRE(kind == "SelectStmt");
    Binder binder(catalog(), default_service);
    binder.set_source((*parsed)->sql());
    return binder.bind_select(fields);
}

/// Binds a statement that must bind; fails the test with the error otherwise.
inline PlanPtr bind_ok(const std::string& sql, const std::string& default_service = "pg") {
    auto plan = bind_sql(sql, default_service);
    REQUIRE_MESSAGE(plan.ok(), sql << " → " << (plan.ok() ? "" : plan.error().sqlstate + " " + plan.error().message));
    return *plan;
}

/// The error of a statement that must not bind.
inline Error bind_error(const std::string& sql) {
    auto plan = bind_sql(sql);
    REQUIRE_MESSAGE(!plan.ok(), sql << " bound unexpectedly");
    return plan.error();
}

/// A statement's binding error must be exactly this SQLSTATE, position and message.
inline void check_error(const std::string& sql, const std::string& sqlstate, int position, const std::string& message) {
    CAPTURE(sql);
    Error e = bind_error(sql);
    CHECK(e.sqlstate == sqlstate);
    CHECK(e.position == position);
    CHECK(e.message == message);
}

/// The output column types of a plan.
inline std::vector<Type> types_of(const PlanPtr& plan) {
    std::vector<Type> out;
    for (auto& c : plan->columns) {
        out.push_back(c.type);
    }
    return out;
}

/// Binds and plans a statement with the fixture's dialects.
inline PlanPtr plan_sql(const std::string& sql, const std::vector<Value>& params = {}) {
    auto logical = bind_ok(sql);
    auto planned = plan_query(logical, dialect_of, params);
    REQUIRE_MESSAGE(planned.ok(), sql << " → " << (planned.ok() ? "" : planned.error().message));
    return *planned;
}

/// The output column names of a plan node.
inline std::vector<std::string> column_names(const PlanPtr& plan) {
    std::vector<std::string> out;
    for (auto& c : plan->columns) {
        out.push_back(c.name);
    }
    return out;
}

/// Every node of a tree, depth first.
inline void collect(const PlanPtr& node, std::vector<PlanPtr>& out) {
    out.push_back(node);
    for (auto& c : node->children) {
        collect(c, out);
    }
}

/// The Remote nodes of a planned tree, left to right.
inline std::vector<PlanPtr> remotes(const PlanPtr& root) {
    std::vector<PlanPtr> all, out;
    collect(root, all);
    for (auto& n : all) {
        if (n->kind == PlanNode::Kind::Remote) {
            out.push_back(n);
        }
    }
    return out;
}

/// The first node of `kind` in a tree (depth first), or null.
inline PlanPtr find_node(const PlanPtr& root, PlanNode::Kind kind) {
    std::vector<PlanPtr> all;
    collect(root, all);
    for (auto& n : all) {
        if (n->kind == kind) {
            return n;
        }
    }
    return nullptr;
}

/// The EXPLAIN text of a planned statement, lines joined with '\n'.
inline std::string explain_text(const std::string& sql) {
    std::string text;
    for (auto& line : explain_lines(plan_sql(sql), nullptr)) {
        text += line + "\n";
    }
    return text;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

} // namespace catalog_fixture
