// The binder: libpg_query's tree + the fixture catalog → typed logical plans. Expected names,
// types, SQLSTATEs and positions are PostgreSQL 15's for the same statements.

#include "catalog_fixture.hpp"

using namespace catalog_fixture;

namespace {

/// The single Scan of a statement (fails when there is not exactly one).
PlanPtr only_scan(const PlanPtr& plan) {
    std::vector<PlanPtr> all, scans;
    collect(plan, all);
    for (auto& n : all) {
        if (n->kind == PlanNode::Kind::Scan) {
            scans.push_back(n);
        }
    }
    REQUIRE(scans.size() == 1);
    return scans[0];
}

} // namespace

TEST_CASE("binder resolves service.table, service.schema.table, schema.table and unqualified names") {
    auto scan = only_scan(bind_ok("SELECT id FROM pg.users"));
    CHECK(scan->service == "pg");
    CHECK(scan->schema == "public");
    CHECK(scan->table == "users");
    CHECK(scan->row_estimate == 1000);
    CHECK(scan->columns.size() == 4);

    scan = only_scan(bind_ok("SELECT id FROM pg.sales.invoices"));
    CHECK((scan->service == "pg" && scan->schema == "sales" && scan->table == "invoices"));
    // Two parts that are not a service: a schema of the default service.
    scan = only_scan(bind_ok("SELECT total FROM sales.invoices"));
    CHECK((scan->service == "pg" && scan->schema == "sales" && scan->table == "invoices"));
    // One part: the default service's default schema.
    scan = only_scan(bind_ok("SELECT kind FROM events", "lite"));
    CHECK((scan->service == "lite" && scan->schema == "main" && scan->table == "events"));
    scan = only_scan(bind_ok("SELECT title FROM my.products"));
    CHECK((scan->service == "my" && scan->schema == "shop"));

    // Unquoted names fold to lower case; quoted ones are taken as written.
    auto plan = bind_ok("SELECT \"id\", ID FROM USERS");
    CHECK(column_names(plan) == std::vector<std::string>{"id", "id"});
}

TEST_CASE("binder resolves CTE names, table aliases and column aliases") {
    auto plan = bind_ok("WITH big_users AS (SELECT id, name FROM users WHERE age > 60) SELECT b.name FROM big_users b");
    CHECK(column_names(plan) == std::vector<std::string>{"name"});
    CHECK(types_of(plan) == std::vector<Type>{Type::Text});
    CHECK(only_scan(plan)->table == "users");
    REQUIRE(find_node(plan, PlanNode::Kind::Filter) != nullptr);

    // CTE column list renames; a CTE shadows a table of the same name.
    CHECK(column_names(bind_ok("WITH c(x) AS (SELECT id FROM users) SELECT x FROM c")) == std::vector<std::string>{"x"});
    plan = bind_ok("WITH users AS (SELECT 1 AS x) SELECT x FROM users");
    CHECK(find_node(plan, PlanNode::Kind::Scan) == nullptr);
    CHECK(column_names(plan) == std::vector<std::string>{"x"});

    // Alias column lists rename the table's columns in order.
    plan = bind_ok("SELECT u.a, b FROM users AS u(a, b)");
    CHECK(column_names(plan) == std::vector<std::string>{"a", "b"});
    CHECK(types_of(plan) == std::vector<Type>{Type::Int4, Type::Text});
    CHECK(column_names(bind_ok("SELECT t.a FROM (SELECT id AS a FROM users) t")) == std::vector<std::string>{"a"});

    // A self-join told apart by aliases: the second copy's columns follow the first's.
    plan = bind_ok("SELECT u.id, x.name AS n FROM users u, users x");
    CHECK(column_names(plan) == std::vector<std::string>{"id", "n"});
    REQUIRE(plan->kind == PlanNode::Kind::Project);
    CHECK(plan->exprs[1]->column == 5);
    CHECK(plan->children[0]->join_type == JoinType::Cross);
}

TEST_CASE("binder errors carry PostgreSQL's SQLSTATE, message and 1-based position") {
    check_error("SELECT id FROM nosuch", "42P01", 16, "relation \"nosuch\" does not exist");
    check_error("SELECT id FROM   pg.nosuch", "42P01", 18, "relation \"pg.nosuch\" does not exist");
    check_error("SELECT total FROM invoices", "42P01", 19, "relation \"invoices\" does not exist");
    check_error("SELECT u.id FROM users", "42P01", 8, "missing FROM-clause entry for table \"u\"");
    check_error("SELECT id FROM nosvc.public.users", "3D000", 16, "service \"nosvc\" does not exist");
    check_error("SELECT nosuch FROM users", "42703", 8, "column \"nosuch\" does not exist");
    check_error("SELECT u.nosuch FROM users u", "42703", 8, "column \"u.nosuch\" does not exist");
    check_error("SELECT id FROM users u, orders o", "42702", 8, "column reference \"id\" is ambiguous");
    check_error("SELECT x FROM (SELECT 1 AS x, 2 AS x) s", "42702", 8, "column reference \"x\" is ambiguous");
    check_error("SELECT 1 FROM users WHERE age", "42804", 27, "argument of WHERE must be type boolean, not type integer");
    check_error("SELECT 1 WHERE 1", "42804", 16, "argument of WHERE must be type boolean, not type integer");
    check_error("SELECT FROM WHERE", "42601", 13, "syntax error at or near \"WHERE\"");
    check_error("SELECT *", "42601", 8, "SELECT * with no tables specified is not valid");
    check_error("SELECT count(*) FROM users WHERE count(*) > 1", "42803", 34,
                "aggregate functions are not allowed in WHERE");
    check_error("SELECT age FROM users GROUP BY count(*)", "42803", 32,
                "aggregate functions are not allowed in GROUP BY");
    check_error("SELECT id FROM users ORDER BY 5", "42P10", 31, "ORDER BY position 5 is not in select list");
    check_error("SELECT 1 FROM users GROUP BY 0", "42P10", 30, "GROUP BY position 0 is not in select list");

    // A column neither grouped nor aggregated (PostgreSQL also points at the column: see the report).
    Error e = bind_error("SELECT name, age FROM users GROUP BY name");
    CHECK(e.sqlstate == "42803");
    CHECK(e.message == "column \"users.age\" must appear in the GROUP BY clause or be used in an aggregate function");
}

TEST_CASE("binder labels result columns as PostgreSQL does") {
    auto plan = bind_ok("SELECT 1, 1 + 2, count(*), lower(name), CASE WHEN age > 1 THEN 1 END, id AS ident, "
                        "name::varchar, age::text, 'x'::text FROM users GROUP BY id, name, age");
    CHECK(column_names(plan) == std::vector<std::string>{"?column?", "?column?", "count", "lower", "case", "ident", "name",
                                                     "age", "text"});
    plan = bind_ok("SELECT coalesce(age, 0), nullif(age, 1), greatest(age, 2), now(), current_date, "
                   "exists(SELECT 1), (SELECT max(amount) FROM orders) FROM users");
    CHECK(column_names(plan) ==
          std::vector<std::string>{"coalesce", "nullif", "greatest", "now", "current_date", "exists", "max"});
    CHECK(column_names(bind_ok("SELECT sum(age) + 1 AS s, 1 AS a, 2 AS a FROM users")) ==
          std::vector<std::string>{"s", "a", "a"});
}

TEST_CASE("binder types expressions as PostgreSQL does") {
    auto plan = bind_ok("SELECT age + big, avg(age), count(age), sum(age), sum(big), max(name) FROM users "
                        "GROUP BY age + big");
    CHECK(types_of(plan) ==
          std::vector<Type>{Type::Int8, Type::Numeric, Type::Int8, Type::Int8, Type::Numeric, Type::Text});
    CHECK(types_of(bind_ok("SELECT count(*), 1 + 2, 1.5, 3000000000, 'abc', true FROM users")) ==
          std::vector<Type>{Type::Int8, Type::Int4, Type::Numeric, Type::Int8, Type::Text, Type::Bool});

    // An untyped literal compared with an integer column becomes an int4 constant.
    plan = bind_ok("SELECT id FROM users WHERE id = '5'");
    auto filter = find_node(plan, PlanNode::Kind::Filter);
    REQUIRE(filter != nullptr);
    const Expr& eq = *filter->predicate;
    REQUIRE(eq.kind == Expr::Kind::Call);
    CHECK(eq.fn->name == "=");
    REQUIRE(eq.args[1]->kind == Expr::Kind::Const);
    CHECK(eq.args[1]->type == Type::Int4);
    CHECK(eq.args[1]->value.as_int() == 5);

    // ... and one that is not a number fails as PostgreSQL's input function does.
    CHECK(bind_error("SELECT id FROM users WHERE id = 'x'").sqlstate == "22P02");
}

TEST_CASE("binder reads negative integer literals from the statement text") {
    // libpg_query's JSON writes {"ival": {}} for every negative integer.
    auto plan = bind_ok("SELECT -5, 1 - -3, - 7, 0 FROM users WHERE age > -3");
    REQUIRE(plan->kind == PlanNode::Kind::Project);
    REQUIRE(plan->exprs.size() == 4);
    CHECK(plan->exprs[0]->kind == Expr::Kind::Const);
    CHECK(plan->exprs[0]->value.as_int() == -5);
    CHECK(plan->exprs[0]->type == Type::Int4);
    CHECK(plan->exprs[1]->fn->name == "-");
    CHECK(plan->exprs[1]->args[0]->value.as_int() == 1);
    CHECK(plan->exprs[1]->args[1]->value.as_int() == -3);
    CHECK(plan->exprs[2]->value.as_int() == -7);
    CHECK(plan->exprs[3]->value.as_int() == 0);
    auto filter = find_node(plan, PlanNode::Kind::Filter);
    REQUIRE(filter != nullptr);
    CHECK(filter->predicate->args[1]->value.as_int() == -3);
}

TEST_CASE("binder expands * in FROM order and merges USING columns") {
    auto plan = bind_ok("SELECT * FROM users u JOIN orders o USING (id)");
    CHECK(column_names(plan) == std::vector<std::string>{"id", "name", "age", "big", "user_id", "amount", "status"});
    auto join = find_node(plan, PlanNode::Kind::Join);
    REQUIRE(join != nullptr);
    CHECK(join->join_type == JoinType::Inner);
    REQUIRE(join->condition != nullptr);
    CHECK(join->condition->fn->name == "=");
    CHECK(join->condition->args[0]->column == 0);
    CHECK(join->condition->args[1]->column == 4);

    // An unqualified USING column is not ambiguous.
    CHECK(column_names(bind_ok("SELECT id, name FROM users JOIN orders USING (id)")) ==
          std::vector<std::string>{"id", "name"});
    CHECK(column_names(bind_ok("SELECT * FROM users NATURAL JOIN orders")) ==
          std::vector<std::string>{"id", "name", "age", "big", "user_id", "amount", "status"});
    CHECK(column_names(bind_ok("SELECT u.*, e.kind FROM users u JOIN lite.events e ON e.user_id = u.id")) ==
          std::vector<std::string>{"id", "name", "age", "big", "kind"});
    check_error("SELECT 1 FROM users JOIN orders USING (user_id)", "42703", 0, // PostgreSQL gives no position
                "column \"user_id\" specified in USING clause does not exist in left table");
}

TEST_CASE("binder binds GROUP BY ordinals, output names and expressions, and HAVING") {
    auto plan = bind_ok("SELECT name, count(*) AS c FROM users GROUP BY 1");
    auto agg = find_node(plan, PlanNode::Kind::Aggregate);
    REQUIRE(agg != nullptr);
    REQUIRE(agg->group_by.size() == 1);
    CHECK(agg->group_by[0]->kind == Expr::Kind::Column);
    CHECK(agg->group_by[0]->column == 1);
    REQUIRE(agg->aggregates.size() == 1);
    CHECK(agg->aggregates[0].star);
    CHECK(agg->aggregates[0].impl.name == "count");

    // An output column name; a repeated key counts once; an expression matches the select list.
    agg = find_node(bind_ok("SELECT lower(name) AS l, count(*) FROM users GROUP BY l"), PlanNode::Kind::Aggregate);
    REQUIRE(agg->group_by.size() == 1);
    CHECK(agg->group_by[0]->fn->name == "lower");
    CHECK(find_node(bind_ok("SELECT id, count(*) FROM users GROUP BY 1, 1"), PlanNode::Kind::Aggregate)
              ->group_by.size() == 1);
    plan = bind_ok("SELECT age + big FROM users GROUP BY age + big");
    CHECK(types_of(plan) == std::vector<Type>{Type::Int8});

    // HAVING filters the aggregate's output; without GROUP BY the whole input is one group.
    plan = bind_ok("SELECT name, count(*) FROM users GROUP BY name HAVING count(*) > 1");
    auto having = find_node(plan, PlanNode::Kind::Filter);
    REQUIRE(having != nullptr);
    CHECK(having->children[0]->kind == PlanNode::Kind::Aggregate);
    CHECK(having->predicate->type == Type::Bool);
    agg = find_node(bind_ok("SELECT 1 FROM users HAVING count(*) > 1"), PlanNode::Kind::Aggregate);
    REQUIRE(agg != nullptr);
    CHECK(agg->group_by.empty());
}

TEST_CASE("binder sorts by select-list entries or hidden columns dropped afterwards") {
    auto plan = bind_ok("SELECT name FROM users ORDER BY age DESC");
    CHECK(column_names(plan) == std::vector<std::string>{"name"});
    REQUIRE(plan->kind == PlanNode::Kind::Project);
    auto sort = plan->children[0];
    REQUIRE(sort->kind == PlanNode::Kind::Sort);
    CHECK(column_names(sort) == std::vector<std::string>{"name", "?sort?"});
    REQUIRE(sort->sort_keys.size() == 1);
    CHECK(sort->sort_keys[0].expr->column == 1);
    CHECK(sort->sort_keys[0].descending);
    CHECK(sort->sort_keys[0].nulls_first); // PostgreSQL's default for DESC

    // By output alias and by ordinal: no hidden column.
    plan = bind_ok("SELECT age AS a FROM users ORDER BY a");
    REQUIRE(plan->kind == PlanNode::Kind::Sort);
    CHECK(plan->sort_keys[0].expr->column == 0);
    CHECK_FALSE(plan->sort_keys[0].nulls_first);
    plan = bind_ok("SELECT id FROM users ORDER BY name, 1");
    REQUIRE(plan->kind == PlanNode::Kind::Project);
    REQUIRE(plan->children[0]->kind == PlanNode::Kind::Sort);
    CHECK(plan->children[0]->sort_keys[0].expr->column == 1);
    CHECK(plan->children[0]->sort_keys[1].expr->column == 0);

    plan = bind_ok("SELECT name FROM users ORDER BY name LIMIT 10 OFFSET 5");
    REQUIRE(plan->kind == PlanNode::Kind::Limit);
    CHECK(plan->limit == std::optional<int64_t>(10));
    CHECK(plan->offset == 5);
    CHECK(plan->children[0]->kind == PlanNode::Kind::Sort);
}

TEST_CASE("binder binds DISTINCT") {
    auto plan = bind_ok("SELECT DISTINCT name FROM users");
    REQUIRE(plan->kind == PlanNode::Kind::Distinct);
    CHECK(plan->children[0]->kind == PlanNode::Kind::Project);
    Error e = bind_error("SELECT DISTINCT name FROM users ORDER BY age");
    CHECK(e.sqlstate == "42P10");
    CHECK(e.message == "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
}

TEST_CASE("binder unifies set operation column types") {
    auto plan = bind_ok("SELECT id FROM users UNION SELECT id FROM lite.events");
    REQUIRE(plan->kind == PlanNode::Kind::SetOp);
    CHECK(plan->set_op == SetOpType::Union);
    CHECK_FALSE(plan->set_all);
    CHECK(types_of(plan) == std::vector<Type>{Type::Int8});
    // The int4 side is cast up to the common type.
    REQUIRE(plan->children[0]->kind == PlanNode::Kind::Project);
    CHECK(plan->children[0]->exprs[0]->kind == Expr::Kind::Cast);
    CHECK(plan->children[0]->exprs[0]->type == Type::Int8);
    CHECK(types_of(plan->children[1]) == std::vector<Type>{Type::Int8});

    CHECK(types_of(bind_ok("SELECT id FROM users UNION SELECT amount FROM orders")) == std::vector<Type>{Type::Numeric});
    plan = bind_ok("SELECT id, name FROM users UNION ALL SELECT 1.5, 'x' ORDER BY 1 LIMIT 3");
    CHECK(column_names(plan) == std::vector<std::string>{"id", "name"});
    CHECK(types_of(plan) == std::vector<Type>{Type::Numeric, Type::Text});
    REQUIRE(plan->kind == PlanNode::Kind::Limit);
    REQUIRE(plan->children[0]->kind == PlanNode::Kind::Sort);
    CHECK(plan->children[0]->children[0]->set_all);

    plan = bind_ok("SELECT id FROM users INTERSECT SELECT id FROM orders");
    CHECK(plan->set_op == SetOpType::Intersect);
    plan = bind_ok("SELECT id FROM users EXCEPT ALL SELECT user_id FROM orders");
    CHECK(plan->set_op == SetOpType::Except);
    CHECK(plan->set_all);

    Error e = bind_error("SELECT name FROM users UNION SELECT 2");
    CHECK(e.sqlstate == "42804");
    CHECK(e.message == "UNION types text and integer cannot be matched");
}

TEST_CASE("binder binds VALUES with PostgreSQL's column names and common types") {
    auto plan = bind_ok("VALUES (1, 'a'), (2.5, NULL)");
    REQUIRE(plan->kind == PlanNode::Kind::Values);
    CHECK(column_names(plan) == std::vector<std::string>{"column1", "column2"});
    CHECK(types_of(plan) == std::vector<Type>{Type::Numeric, Type::Text});
    REQUIRE(plan->rows.size() == 2);
    CHECK(plan->rows[0][0]->type == Type::Numeric);
    CHECK(plan->rows[1][1]->value.is_null());

    plan = bind_ok("SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(n, s)");
    CHECK(column_names(plan) == std::vector<std::string>{"n", "s"});
    CHECK(types_of(plan) == std::vector<Type>{Type::Int4, Type::Text});

    Error e = bind_error("VALUES (1, 'a'), (2)");
    CHECK(e.sqlstate == "42601");
    CHECK(e.message == "VALUES lists must all be the same length");
}

TEST_CASE("binder binds window calls into a Window node") {
    auto plan = bind_ok("SELECT id, row_number() OVER (PARTITION BY age ORDER BY id) FROM users");
    CHECK(column_names(plan) == std::vector<std::string>{"id", "row_number"});
    CHECK(types_of(plan) == std::vector<Type>{Type::Int4, Type::Int8});
    auto window = find_node(plan, PlanNode::Kind::Window);
    REQUIRE(window != nullptr);
    REQUIRE(window->windows.size() == 1);
    const WindowCall& w = window->windows[0];
    CHECK(w.name == "row_number");
    REQUIRE(w.partition_by.size() == 1);
    CHECK(w.partition_by[0]->column == 2);
    REQUIRE(w.order_by.size() == 1);
    CHECK(w.order_by[0].expr->column == 0);
    // The window's result is the column after its input's.
    CHECK(plan->exprs[1]->column == 4);

    plan = bind_ok("SELECT id, sum(age) OVER () FROM users");
    window = find_node(plan, PlanNode::Kind::Window);
    REQUIRE(window != nullptr);
    CHECK(window->windows[0].aggregate.has_value());
    CHECK(window->windows[0].type == Type::Int8);

    plan = bind_ok("SELECT id, lag(id) OVER (ORDER BY id), rank() OVER (ORDER BY age) FROM users");
    CHECK(types_of(plan) == std::vector<Type>{Type::Int4, Type::Int4, Type::Int8});
    CHECK(find_node(plan, PlanNode::Kind::Window)->windows.size() == 2);
}

TEST_CASE("binder turns correlated [NOT] EXISTS into semi and anti joins") {
    auto plan = bind_ok("SELECT id FROM users u WHERE EXISTS "
                        "(SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.status = 'paid')");
    auto join = find_node(plan, PlanNode::Kind::Join);
    REQUIRE(join != nullptr);
    CHECK(join->join_type == JoinType::Semi);
    CHECK(join->columns.size() == 4); // the left side's columns only
    // The correlation becomes the join condition over left (0..3) then right (4..7) columns.
    REQUIRE(join->condition != nullptr);
    CHECK(join->condition->fn->name == "=");
    CHECK(join->condition->args[0]->column == 5);
    CHECK(join->condition->args[1]->column == 0);
    // The uncorrelated conjunct stays on the subquery's side.
    auto right = join->children[1];
    REQUIRE(right->kind == PlanNode::Kind::Filter);
    CHECK(right->children[0]->table == "orders");

    join = find_node(bind_ok("SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)"),
                     PlanNode::Kind::Join);
    REQUIRE(join != nullptr);
    CHECK(join->join_type == JoinType::Anti);

    // Not correlated: an ordinary subquery evaluated once.
    plan = bind_ok("SELECT id FROM users u WHERE EXISTS (SELECT 1 FROM orders o)");
    CHECK(find_node(plan, PlanNode::Kind::Join) == nullptr);
    auto filter = find_node(plan, PlanNode::Kind::Filter);
    REQUIRE(filter != nullptr);
    CHECK(filter->predicate->kind == Expr::Kind::Subquery);
    CHECK(filter->predicate->sub_kind == Expr::SubKind::Exists);

    // Other correlations are refused with 0A000.
    CHECK(bind_error("SELECT id FROM users u WHERE age > 3 OR EXISTS "
                     "(SELECT 1 FROM orders o WHERE o.user_id = u.id)")
              .sqlstate == "0A000");
    CHECK(bind_error("SELECT id, (SELECT max(o.amount) FROM orders o WHERE o.user_id > u.id) FROM users u").sqlstate ==
          "0A000"); // only equality correlations become join keys
}

TEST_CASE("binder refuses unsupported forms with 0A000") {
    check_error("WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r", "0A000", 0,
                "WITH RECURSIVE is not supported by Nectar's federated engine yet");
    CHECK(bind_error("SELECT * FROM users, LATERAL (SELECT 1) x").sqlstate == "0A000");
    check_error("SELECT ARRAY[1,2]", "0A000", 8, "expression A_ArrayExpr is not supported by Nectar's federated engine yet");
}

TEST_CASE("binder turns a correlated aggregate subquery in the select list into a grouped LEFT JOIN") {
    auto plan = bind_ok("SELECT u.id, (SELECT count(*) FROM orders o WHERE o.user_id = u.id AND o.status = 'paid') AS n "
                        "FROM users u");
    CHECK(column_names(plan) == std::vector<std::string>{"id", "n"});
    CHECK(types_of(plan) == std::vector<Type>{Type::Int4, Type::Int8});
    auto join = find_node(plan, PlanNode::Kind::Join);
    REQUIRE(join != nullptr);
    CHECK(join->join_type == JoinType::Left);
    auto grouped = join->children[1];
    REQUIRE(grouped->kind == PlanNode::Kind::Aggregate);
    CHECK(grouped->group_by.size() == 1);  // the correlation key o.user_id
    REQUIRE(grouped->aggregates.size() == 1);
    CHECK(grouped->aggregates[0].impl.name == "count");
    CHECK(grouped->children[0]->kind == PlanNode::Kind::Filter); // status = 'paid' stays inside
    // count over no matching rows is 0, not the LEFT JOIN's NULL.
    auto project = find_node(plan, PlanNode::Kind::Project);
    REQUIRE(project != nullptr);
    CHECK(project->exprs[1]->kind == Expr::Kind::Coalesce);

    // sum keeps the NULL an empty group gives.
    plan = bind_ok("SELECT u.id, (SELECT sum(o.amount) FROM orders o WHERE o.user_id = u.id) FROM users u");
    CHECK(find_node(plan, PlanNode::Kind::Project)->exprs[1]->kind == Expr::Kind::Column);

    // Without an aggregate: each key group's single value, its row count checked for 21000.
    plan = bind_ok("SELECT u.id, (SELECT o.status FROM orders o WHERE o.user_id = u.id) FROM users u");
    auto single = find_node(plan, PlanNode::Kind::Join)->children[1];
    REQUIRE(single->aggregates.size() == 2);
    CHECK(single->aggregates[0].impl.name == "count");
    CHECK(single->aggregates[1].impl.name == "min");
    CHECK(bind_error("SELECT u.id, (SELECT o.status FROM orders o WHERE o.user_id > u.id) FROM users u").sqlstate ==
          "0A000");
}
