// Subquery forms bound from SQL and run by the executor: x op ANY/ALL (subquery), row-valued
// IN, and correlated scalar subqueries without an aggregate. Expected rows are PostgreSQL 15's
// for the same statements (VALUES lists stand in for tables, so no backend is needed).

#include "catalog_fixture.hpp"
#include "executor_test_util.hpp"

using namespace nectar::federation;
using nectar::Error;
using nectar::Result;
using executor_test::Strings;

namespace {

/// Binds a statement over VALUES lists and runs it; the error when either step fails.
Result<Strings> run_sql(const std::string& sql) {
    auto plan = catalog_fixture::bind_sql(sql);
    if (!plan) {
        return plan.error();
    }
    ExecContext ctx;
    return executor_test::execute(*plan, ctx);
}

Strings rows(const std::string& sql) {
    auto r = run_sql(sql);
    REQUIRE_MESSAGE(r.ok(), sql << " → " << (r.ok() ? "" : r.error().sqlstate + " " + r.error().message));
    return *r;
}

} // namespace

TEST_CASE("subqueries: op ALL / op ANY with three-valued results") {
    // x = 1, 5, NULL against several subquery results; columns as PostgreSQL prints them.
    const std::string from = " FROM (VALUES (1), (5), (NULL::int)) v(x) ORDER BY x";
    auto column = [&](const std::string& test) { return rows("SELECT " + test + from); };
    CHECK(column("x < ALL (SELECT y FROM (VALUES (3), (NULL::int)) w(y))") == Strings{"NULL", "f", "NULL"});
    CHECK(column("x < ALL (SELECT y FROM (VALUES (3)) w(y))") == Strings{"t", "f", "NULL"});
    CHECK(column("x < ANY (SELECT y FROM (VALUES (3), (NULL::int)) w(y))") == Strings{"t", "NULL", "NULL"});
    CHECK(column("x > ANY (SELECT y FROM (VALUES (3), (7)) w(y))") == Strings{"f", "t", "NULL"});
    CHECK(column("x >= ALL (SELECT y FROM (VALUES (3), (5)) w(y))") == Strings{"f", "t", "NULL"});
    CHECK(column("x <> ANY (SELECT y FROM (VALUES (5), (5)) w(y))") == Strings{"t", "f", "NULL"});
    CHECK(column("x = ALL (SELECT y FROM (VALUES (5), (5)) w(y))") == Strings{"f", "t", "NULL"});
    CHECK(column("x <= ANY (SELECT NULL::int)") == Strings{"NULL", "NULL", "NULL"});
    // No rows: ALL is true and ANY false, even for a NULL x.
    CHECK(column("x < ALL (SELECT y FROM (VALUES (3)) w(y) WHERE false)") == Strings{"t", "t", "t"});
    CHECK(column("x < ANY (SELECT y FROM (VALUES (3)) w(y) WHERE false)") == Strings{"f", "f", "f"});
    // <> ALL is NOT IN.
    CHECK(column("x <> ALL (SELECT y FROM (VALUES (5), (NULL::int)) w(y))") == Strings{"NULL", "f", "NULL"});
    CHECK(column("x <> ALL (SELECT y FROM (VALUES (5), (3)) w(y))") == Strings{"t", "f", "NULL"});
    // Operands of different types meet as the operator wants them.
    CHECK(rows("SELECT 1.5 < ALL (SELECT 2), 'a' < ANY (SELECT 'b')") == Strings{"t|t"});
    CHECK(rows("SELECT x FROM (VALUES (1), (5)) v(x) WHERE x::int8 < ALL (SELECT 2.5)") == Strings{"1"});
}

TEST_CASE("subqueries: row-valued IN and NOT IN") {
    auto result = rows("SELECT a, b, (a, b) IN (SELECT c, d FROM (VALUES (1, 2), (3, NULL::int), (NULL::int, NULL::int)) w(c, d)),"
                       " (a, b) NOT IN (SELECT c, d FROM (VALUES (1, 2), (3, NULL::int)) w(c, d)),"
                       " (a, b) IN (SELECT c, d FROM (VALUES (1, 2), (3, 4)) w(c, d))"
                       " FROM (VALUES (1, 2), (3, 4), (3, 5), (2, 2), (NULL::int, 2), (NULL::int, 9)) v(a, b)"
                       " ORDER BY a, b");
    CHECK(result == Strings{"1|2|t|f|t", "2|2|NULL|t|f", "3|4|NULL|NULL|t", "3|5|NULL|NULL|f",
                            "NULL|2|NULL|NULL|NULL", "NULL|9|NULL|NULL|f"});
    // As a filter, a NULL result drops the row.
    CHECK(rows("SELECT a FROM (VALUES (1, 2), (2, 3), (4, 4)) v(a, b) WHERE (a, b) NOT IN "
               "(SELECT c, d FROM (VALUES (1, 2), (NULL::int, 3)) w(c, d))") == Strings{"4"});
    // Operand types unify per column.
    CHECK(rows("SELECT (1, 'x') IN (SELECT 1::int8, 'x')") == Strings{"t"});
}

TEST_CASE("subqueries: column count and operator errors") {
    using catalog_fixture::bind_error;
    Error e = bind_error("SELECT 1 WHERE 1 IN (SELECT 1, 2)");
    CHECK(e.sqlstate == "42601");
    CHECK(e.message == "subquery has too many columns");
    CHECK(e.position == 18);
    e = bind_error("SELECT 1 WHERE (1, 2) IN (SELECT 1)");
    CHECK(e.sqlstate == "42601");
    CHECK(e.message == "subquery has too few columns");
    CHECK(e.position == 23);
    CHECK(bind_error("SELECT 1 WHERE 1 IN (SELECT 'x'::text)").sqlstate == "42883");
    CHECK(bind_error("SELECT 1 WHERE 1 < ALL (SELECT 'x'::text)").sqlstate == "42883");
}

TEST_CASE("subqueries: correlated scalar subquery without an aggregate") {
    const std::string w = "(VALUES (1, 'one'), (2, 'two'), (3, 'x'), (3, 'y')) w(id, name)";
    CHECK(rows("SELECT v.k, (SELECT w.name FROM " + w + " WHERE w.id = v.k) AS name "
               "FROM (VALUES (1), (2), (4), (NULL::int)) v(k) ORDER BY 1") ==
          Strings{"1|one", "2|two", "4|NULL", "NULL|NULL"});
    // A local condition of the subquery stays inside it.
    CHECK(rows("SELECT v.k, (SELECT w.name FROM " + w + " WHERE w.id = v.k AND w.name <> 'x') "
               "FROM (VALUES (3)) v(k)") == Strings{"3|y"});
    // Two rows for an outer row: PostgreSQL's 21000, only when an outer row meets them.
    auto r = run_sql("SELECT v.k, (SELECT w.name FROM " + w + " WHERE w.id = v.k) FROM (VALUES (1), (3)) v(k)");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().sqlstate == "21000");
    CHECK(r.error().message == "more than one row returned by a subquery used as an expression");

    auto plan = catalog_fixture::bind_ok("SELECT v.k, (SELECT w.name FROM " + w + " WHERE w.id = v.k) AS label "
                                         "FROM (VALUES (1)) v(k)");
    CHECK(catalog_fixture::column_names(plan) == std::vector<std::string>{"k", "label"});
    CHECK(plan->columns[1].type == Type::Text);
}

TEST_CASE("subqueries: the single-row check stays in Nectar when the join is pushed down") {
    // Both sides on one service: the join may go to it, the 21000 check may not.
    auto planned = catalog_fixture::plan_sql(
        "SELECT o.id, (SELECT u.name FROM pg.users u WHERE u.id = o.user_id) AS who FROM pg.orders o");
    for (auto& remote : catalog_fixture::remotes(planned)) {
        CHECK_FALSE(catalog_fixture::contains(remote->remote_sql, "scalar_subquery_value"));
    }
    CHECK(planned->kind == PlanNode::Kind::Project);
}

TEST_CASE("subqueries: op ANY/ALL reads one summary row, computed by the backend when it can") {
    auto planned = catalog_fixture::plan_sql("SELECT id FROM lite.events WHERE id < ALL (SELECT price FROM my.products)");
    auto filter = catalog_fixture::find_node(planned, PlanNode::Kind::Filter);
    REQUIRE(filter != nullptr);
    REQUIRE(filter->predicate->kind == Expr::Kind::Subquery);
    CHECK(filter->predicate->sub_kind == Expr::SubKind::All);
    const PlanNode& summary = *filter->predicate->subquery;
    REQUIRE(summary.kind == PlanNode::Kind::Remote);
    CHECK(summary.service == "my");
    CHECK(catalog_fixture::contains(summary.remote_sql, "MIN("));
    CHECK(catalog_fixture::contains(summary.remote_sql, "MAX("));
    CHECK(summary.columns.size() == 4);
    // Booleans summarise with bool_and / bool_or.
    CHECK(rows("SELECT x < ANY (SELECT y FROM (VALUES (false), (NULL::bool)) w(y)) FROM (VALUES (false), (true)) v(x)") ==
          Strings{"NULL", "NULL"});
    CHECK(rows("SELECT x <= ALL (SELECT y FROM (VALUES (true), (false)) w(y)) FROM (VALUES (false), (true)) v(x)") ==
          Strings{"t", "f"});
}

TEST_CASE("subqueries: op ANY/ALL over the values themselves (types without min/max)") {
    using namespace executor_test;
    auto quantified = [](Expr::SubKind kind, std::string_view name, std::vector<std::optional<int64_t>> ys) {
        std::vector<Row> rows;
        for (auto y : ys) {
            rows.push_back({y ? I(*y) : N()});
        }
        auto e = std::const_pointer_cast<Expr>(make(Expr::Kind::Subquery, {col(0)}));
        e->sub_kind = kind;
        e->fn = op_impl(name, Type::Int4, Type::Int4);
        e->subquery = values({Type::Int4}, rows);
        return ExprPtr(e);
    };
    auto xs = values({Type::Int4}, {{I(1)}, {I(5)}, {N()}});
    auto project = unary(PlanNode::Kind::Project, xs, {Type::Bool, Type::Bool, Type::Bool, Type::Bool});
    project->exprs = {quantified(Expr::SubKind::All, "<", {3, std::nullopt}), quantified(Expr::SubKind::Any, ">", {3, 7}),
                      quantified(Expr::SubKind::All, "=", {}), quantified(Expr::SubKind::Any, "<>", {5, 5})};
    CHECK(rows_of(project) == Strings{"NULL|f|t|t", "f|t|t|f", "NULL|NULL|t|NULL"});
}
