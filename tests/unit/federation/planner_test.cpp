// The planner over the fixture catalog: what runs remotely (and as which SQL), what stays in
// Nectar, join input order, and the EXPLAIN text.

#include "catalog_fixture.hpp"

using namespace catalog_fixture;

namespace {

/// The SQL of the only Remote node of a planned statement.
std::string only_remote_sql(const PlanPtr& planned) {
    auto rs = remotes(planned);
    REQUIRE(rs.size() == 1);
    return rs[0]->remote_sql;
}

/// The Remote node for `service` (fails unless there is exactly one).
PlanPtr remote_on(const PlanPtr& planned, const std::string& service) {
    PlanPtr found;
    for (auto& r : remotes(planned)) {
        if (r->service == service) {
            REQUIRE(found == nullptr);
            found = r;
        }
    }
    REQUIRE(found != nullptr);
    return found;
}

} // namespace

TEST_CASE("planner pushes a single-service query whole, as one Remote") {
    auto planned = plan_sql("SELECT id, name FROM users WHERE age > 30");
    REQUIRE(planned->kind == PlanNode::Kind::Remote);
    CHECK(planned->service == "pg");
    CHECK(planned->columns.size() == 2);
    CHECK(planned->remote_sql ==
          "SELECT t1.\"id\" AS \"c0\", t1.\"name\" AS \"c1\" FROM \"public\".\"users\" t1 WHERE (t1.\"age\" > 30)");

    // Filter, aggregate, projection, ORDER BY and LIMIT all inside.
    planned = plan_sql("SELECT name, count(*) AS c FROM users WHERE age > 30 GROUP BY name ORDER BY c DESC LIMIT 10");
    REQUIRE(planned->kind == PlanNode::Kind::Remote);
    CHECK(planned->columns[0].name == "name");
    CHECK(planned->columns[1].name == "c");
    CHECK(planned->remote_sql ==
          "SELECT t1.\"name\" AS \"c0\", count(*) AS \"c1\" FROM \"public\".\"users\" t1 WHERE (t1.\"age\" > 30) "
          "GROUP BY t1.\"name\" ORDER BY count(*) DESC NULLS FIRST LIMIT 10");

    planned = plan_sql("SELECT name, count(*) FROM users GROUP BY name HAVING count(*) > 1");
    REQUIRE(planned->kind == PlanNode::Kind::Remote);
    CHECK(planned->remote_sql == "SELECT t1.\"name\" AS \"c0\", count(*) AS \"c1\" FROM \"public\".\"users\" t1 "
                                 "GROUP BY t1.\"name\" HAVING (count(*) > 1)");

    // A join inside one service is pushed with it.
    planned = plan_sql("SELECT u.id FROM pg.users u JOIN pg.orders o ON o.user_id = u.id WHERE o.status = 'paid'");
    REQUIRE(planned->kind == PlanNode::Kind::Remote);
    CHECK(contains(planned->remote_sql, " JOIN "));
    CHECK(contains(planned->remote_sql, "WHERE (t2.\"status\" = 'paid')"));

    // Other dialects: the same shape in their own spelling.
    planned = plan_sql("SELECT id FROM lite.events WHERE kind = 'a' ORDER BY id LIMIT 2");
    REQUIRE(planned->kind == PlanNode::Kind::Remote);
    CHECK(planned->service == "lite");
    CHECK(contains(planned->remote_sql, "FROM \"events\" t1 WHERE "));
    CHECK(contains(planned->remote_sql, "ORDER BY "));
    CHECK(contains(planned->remote_sql, "LIMIT 2"));
    planned = plan_sql("SELECT title, count(*) FROM my.products WHERE stock > 0 GROUP BY title ORDER BY title LIMIT 5");
    REQUIRE(planned->kind == PlanNode::Kind::Remote);
    CHECK(planned->service == "my");
    CHECK(contains(planned->remote_sql, "FROM `shop`.`products` t1 WHERE (t1.`stock` > 0) GROUP BY "));
    CHECK(contains(planned->remote_sql, "LIMIT 5"));

    // A NOT NULL key needs no IS NULL key in MySQL (which would keep it from using an index).
    planned = plan_sql("SELECT id, stock FROM my.products ORDER BY id DESC, stock LIMIT 3");
    REQUIRE(planned->kind == PlanNode::Kind::Remote);
    CHECK(contains(planned->remote_sql, "ORDER BY t1.`id` DESC, (t1.`stock` IS NULL) ASC, t1.`stock` ASC LIMIT 3"));
}

TEST_CASE("planner pushes Limit over Sort as ORDER BY ... LIMIT") {
    auto planned = plan_sql("SELECT name FROM users ORDER BY name LIMIT 10 OFFSET 5");
    REQUIRE(planned->kind == PlanNode::Kind::Remote);
    CHECK(planned->remote_sql == "SELECT t1.\"name\" AS \"c0\" FROM \"public\".\"users\" t1 "
                                 "ORDER BY t1.\"name\" ASC NULLS LAST LIMIT 10 OFFSET 5");
    // A hidden sort column is sorted on remotely but not selected.
    planned = plan_sql("SELECT name FROM users ORDER BY age DESC LIMIT 3");
    REQUIRE(planned->kind == PlanNode::Kind::Remote);
    CHECK(planned->columns.size() == 1);
    CHECK(planned->remote_sql == "SELECT t1.\"name\" AS \"c0\" FROM \"public\".\"users\" t1 "
                                 "ORDER BY t1.\"age\" DESC NULLS FIRST LIMIT 3");

    // Over a cross-service join ordered by both inputs' columns, sort and limit run in Nectar.
    planned = plan_sql("SELECT u.name, e.kind FROM pg.users u JOIN lite.events e ON e.user_id = u.id ORDER BY u.name, e.kind LIMIT 10");
    REQUIRE(planned->kind == PlanNode::Kind::Limit);
    CHECK(planned->limit == std::optional<int64_t>(10));
    CHECK(planned->children[0]->kind == PlanNode::Kind::Sort);
    for (auto& r : remotes(planned)) {
        CHECK_FALSE(contains(r->remote_sql, "LIMIT"));
        CHECK_FALSE(contains(r->remote_sql, "ORDER BY"));
    }
}

TEST_CASE("planner keeps a cross-service join local over pruned, filtered Remote inputs") {
    auto planned = plan_sql("SELECT u.name, e.kind FROM pg.users u JOIN lite.events e ON e.user_id = u.id "
                            "WHERE u.age > 30 AND e.kind = 'click'");
    CHECK(column_names(planned) == std::vector<std::string>{"name", "kind"});
    auto join = find_node(planned, PlanNode::Kind::Join);
    REQUIRE(join != nullptr);
    CHECK(join->join_type == JoinType::Inner);
    REQUIRE(join->condition != nullptr);
    REQUIRE(join->children.size() == 2);
    CHECK(join->children[0]->kind == PlanNode::Kind::Remote);
    CHECK(join->children[1]->kind == PlanNode::Kind::Remote);
    CHECK(remotes(planned).size() == 2);

    // Each side carries its own filter and only the columns something above reads.
    auto users = remote_on(planned, "pg");
    CHECK(contains(users->remote_sql, "FROM \"public\".\"users\" t1 WHERE (t1.\"age\" > 30)"));
    CHECK(contains(users->remote_sql, "t1.\"id\""));
    CHECK(contains(users->remote_sql, "t1.\"name\""));
    CHECK_FALSE(contains(users->remote_sql, "\"big\""));
    CHECK_FALSE(contains(users->remote_sql, "kind"));
    auto events = remote_on(planned, "lite");
    CHECK(events->columns.size() == 2);
    CHECK(contains(events->remote_sql, "t1.\"user_id\" AS \"c0\", t1.\"kind\" AS \"c1\" FROM \"events\" t1 WHERE "));
    CHECK(contains(events->remote_sql, "'click'"));
    CHECK_FALSE(contains(events->remote_sql, "\"ts\""));
    CHECK_FALSE(contains(events->remote_sql, "age"));

    // Pruning down to no columns at all: the remote selects a constant per row.
    planned = plan_sql("SELECT count(*) FROM lite.events e, pg.users u");
    CHECK(remote_on(planned, "pg")->remote_sql == "SELECT 1 FROM \"public\".\"users\" t1");
    CHECK(remote_on(planned, "lite")->remote_sql == "SELECT 1 FROM \"events\" t1");
    CHECK(find_node(planned, PlanNode::Kind::Join)->join_type == JoinType::Cross);
}

TEST_CASE("planner puts the smaller row_estimate input on the build (right) side of inner joins") {
    // orders (~100000) is already left of events (~50): kept as written.
    auto planned = plan_sql("SELECT o.amount, e.kind FROM pg.orders o JOIN lite.events e ON o.user_id = e.user_id");
    auto join = find_node(planned, PlanNode::Kind::Join);
    CHECK(join->children[0]->service == "pg");
    CHECK(join->children[1]->service == "lite");

    // events written first: swapped, with a projection restoring the written column order.
    planned = plan_sql("SELECT e.kind, o.amount FROM lite.events e JOIN pg.orders o ON o.user_id = e.user_id");
    CHECK(column_names(planned) == std::vector<std::string>{"kind", "amount"});
    join = find_node(planned, PlanNode::Kind::Join);
    CHECK(join->children[0]->service == "pg");
    CHECK(join->children[1]->service == "lite");
    REQUIRE(planned->kind == PlanNode::Kind::Project); // the swap's projection merged into the select list's
    CHECK(planned->children[0] == join);

    // A filtered input counts as a tenth of its table: events (50 → 5) becomes smaller than products (20).
    planned = plan_sql("SELECT e.kind, p.title FROM lite.events e JOIN my.products p ON p.id = e.user_id");
    join = find_node(planned, PlanNode::Kind::Join);
    CHECK(join->children[0]->service == "lite");
    CHECK(join->children[1]->service == "my");
    planned = plan_sql("SELECT e.kind, p.title FROM lite.events e JOIN my.products p ON p.id = e.user_id "
                       "WHERE e.kind = 'x'");
    join = find_node(planned, PlanNode::Kind::Join);
    CHECK(join->children[0]->service == "my");
    CHECK(join->children[1]->service == "lite");
    CHECK(column_names(planned) == std::vector<std::string>{"kind", "title"});

    // An unknown estimate (-1) counts as huge.
    planned = plan_sql("SELECT e.kind, i.total FROM lite.events e JOIN pg.sales.invoices i ON i.id = e.user_id");
    join = find_node(planned, PlanNode::Kind::Join);
    CHECK(join->children[0]->service == "pg");
    CHECK(join->children[1]->service == "lite");

    // Outer joins keep their sides.
    planned = plan_sql("SELECT e.kind, o.amount FROM lite.events e LEFT JOIN pg.orders o ON o.user_id = e.user_id");
    join = find_node(planned, PlanNode::Kind::Join);
    CHECK(join->join_type == JoinType::Left);
    CHECK(join->children[0]->service == "lite");
}

TEST_CASE("planner leaves volatile functions and subqueries in Nectar") {
    auto planned = plan_sql("SELECT id FROM users WHERE age > random()");
    REQUIRE(planned->kind == PlanNode::Kind::Project);
    auto filter = find_node(planned, PlanNode::Kind::Filter);
    REQUIRE(filter != nullptr);
    CHECK(filter->children[0]->kind == PlanNode::Kind::Remote);
    CHECK(only_remote_sql(planned) == "SELECT t1.\"id\" AS \"c0\", t1.\"age\" AS \"c1\" FROM \"public\".\"users\" t1");

    planned = plan_sql("SELECT random() FROM users");
    REQUIRE(planned->kind == PlanNode::Kind::Project);
    CHECK(only_remote_sql(planned) == "SELECT 1 FROM \"public\".\"users\" t1");

    // The IN (subquery) test runs in Nectar; the subquery itself is planned into its own Remote.
    planned = plan_sql("SELECT id FROM users WHERE id IN (SELECT user_id FROM orders WHERE status = 'paid')");
    filter = find_node(planned, PlanNode::Kind::Filter);
    REQUIRE(filter != nullptr);
    CHECK(only_remote_sql(planned) == "SELECT t1.\"id\" AS \"c0\" FROM \"public\".\"users\" t1");
    REQUIRE(filter->predicate->kind == Expr::Kind::Subquery);
    const PlanNode& sub = *filter->predicate->subquery;
    REQUIRE(sub.kind == PlanNode::Kind::Remote);
    CHECK(sub.remote_sql ==
          "SELECT t1.\"user_id\" AS \"c0\" FROM \"public\".\"orders\" t1 WHERE (t1.\"status\" = 'paid')");

    // now() is Nectar's statement clock: not pushed even where the dialect has one.
    planned = plan_sql("SELECT id FROM lite.events WHERE ts > now()");
    CHECK(find_node(planned, PlanNode::Kind::Filter) != nullptr);
    CHECK_FALSE(contains(only_remote_sql(planned), "WHERE"));
}

TEST_CASE("planner keeps outer-join conditions on the side they may filter") {
    // ON condition on the nullable (right) side of a LEFT JOIN: filters the right input.
    auto planned = plan_sql("SELECT u.id, e.kind FROM pg.users u LEFT JOIN lite.events e "
                            "ON e.user_id = u.id AND e.kind = 'x'");
    auto join = find_node(planned, PlanNode::Kind::Join);
    REQUIRE(join != nullptr);
    CHECK(join->join_type == JoinType::Left);
    CHECK(join->condition->kind == Expr::Kind::Call); // the equality alone
    CHECK(contains(remote_on(planned, "lite")->remote_sql, "WHERE"));
    CHECK_FALSE(contains(remote_on(planned, "pg")->remote_sql, "WHERE"));

    // ON condition on the preserved (left) side: stays in the join, every left row is kept.
    planned = plan_sql("SELECT u.id, e.kind FROM pg.users u LEFT JOIN lite.events e ON e.user_id = u.id AND u.age > 30");
    join = find_node(planned, PlanNode::Kind::Join);
    REQUIRE(join->condition->kind == Expr::Kind::And);
    CHECK(join->condition->args.size() == 2);
    CHECK_FALSE(contains(remote_on(planned, "pg")->remote_sql, "WHERE"));
    CHECK_FALSE(contains(remote_on(planned, "lite")->remote_sql, "WHERE"));

    // WHERE on the nullable side stays above the join (it also sees the NULL-extended rows).
    for (const char* where : {"e.kind = 'x'", "e.kind IS NULL"}) {
        CAPTURE(where);
        planned = plan_sql(std::string("SELECT u.id, e.kind FROM pg.users u LEFT JOIN lite.events e "
                                       "ON e.user_id = u.id WHERE ") + where);
        auto filter = find_node(planned, PlanNode::Kind::Filter);
        REQUIRE(filter != nullptr);
        CHECK(filter->children[0]->kind == PlanNode::Kind::Join);
        CHECK_FALSE(contains(remote_on(planned, "lite")->remote_sql, "WHERE"));
    }
    // WHERE on the preserved side goes down into it.
    planned = plan_sql("SELECT u.id, e.kind FROM pg.users u LEFT JOIN lite.events e ON e.user_id = u.id "
                       "WHERE u.age > 30");
    CHECK(find_node(planned, PlanNode::Kind::Filter) == nullptr);
    CHECK(contains(remote_on(planned, "pg")->remote_sql, "WHERE (t1.\"age\" > 30)"));

    // RIGHT JOIN: the left side is the nullable one.
    planned = plan_sql("SELECT u.id, e.kind FROM pg.users u RIGHT JOIN lite.events e ON e.user_id = u.id AND u.age > 30");
    CHECK(find_node(planned, PlanNode::Kind::Join)->join_type == JoinType::Right);
    CHECK(contains(remote_on(planned, "pg")->remote_sql, "WHERE (t1.\"age\" > 30)"));

    // Inside one service, the rendered SQL keeps the same distinction.
    planned = plan_sql("SELECT u.id, o.id FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.status = 'paid'");
    REQUIRE(planned->kind == PlanNode::Kind::Remote);
    CHECK(planned->remote_sql ==
          "SELECT t1.\"id\" AS \"c0\", d3.\"c0\" AS \"c1\" FROM \"public\".\"users\" t1 "
          "LEFT JOIN (SELECT t2.\"id\" AS \"c0\", t2.\"user_id\" AS \"c1\" FROM "
          "\"public\".\"orders\" t2 WHERE (t2.\"status\" = 'paid')) d3 ON (d3.\"c1\" = t1.\"id\")");
    planned = plan_sql("SELECT u.id, o.id FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE o.status = 'paid'");
    REQUIRE(planned->kind == PlanNode::Kind::Remote);
    CHECK(contains(planned->remote_sql, "LEFT JOIN \"public\".\"orders\" t2 ON (t2.\"user_id\" = t1.\"id\") WHERE (t2.\"status\" = 'paid')"));
}

TEST_CASE("planner runs semi joins and set operations in Nectar over Remote inputs") {
    auto planned = plan_sql("SELECT u.id FROM pg.users u WHERE EXISTS "
                            "(SELECT 1 FROM lite.events e WHERE e.user_id = u.id AND e.kind = 'k')");
    auto join = find_node(planned, PlanNode::Kind::Join);
    REQUIRE(join != nullptr);
    CHECK(join->join_type == JoinType::Semi);
    CHECK(remote_on(planned, "pg")->remote_sql == "SELECT t1.\"id\" AS \"c0\" FROM \"public\".\"users\" t1");
    CHECK(contains(remote_on(planned, "lite")->remote_sql, "'k'"));

    planned = plan_sql("SELECT id FROM users UNION ALL SELECT id FROM lite.events");
    REQUIRE(planned->kind == PlanNode::Kind::SetOp);
    CHECK(planned->set_all);
    CHECK(remote_on(planned, "pg")->remote_sql == "SELECT CAST(t1.\"id\" AS bigint) AS \"c0\" FROM \"public\".\"users\" t1");
    CHECK(contains(remote_on(planned, "lite")->remote_sql, "FROM \"events\" t1"));
}

TEST_CASE("planner renders statement parameters as literals") {
    auto logical = bind_ok("SELECT id FROM users WHERE name = $1 AND age > $2");
    auto planned = plan_query(logical, dialect_of, {Value::text("O'Brien"), Value::int4(7)});
    REQUIRE(planned.ok());
    REQUIRE((*planned)->kind == PlanNode::Kind::Remote);
    CHECK((*planned)->remote_sql == "SELECT t1.\"id\" AS \"c0\" FROM \"public\".\"users\" t1 "
                                    "WHERE ((t1.\"name\" = 'O''Brien') AND (t1.\"age\" > 7))");
}

TEST_CASE("planner EXPLAIN shows each remote part with its service and SQL") {
    std::string text = explain_text("SELECT id, name FROM users WHERE age > 30");
    CHECK(text == "Remote Query on pg\n"
                  "  Remote SQL: SELECT t1.\"id\" AS \"c0\", t1.\"name\" AS \"c1\" FROM \"public\".\"users\" t1 "
                  "WHERE (t1.\"age\" > 30)\n");

    text = explain_text("SELECT u.name, e.kind FROM pg.users u JOIN lite.events e ON e.user_id = u.id");
    CHECK(contains(text, "Project\n  ->  Hash Join (Inner)\n        ->  Remote Query on pg\n"
                         "              Remote SQL: SELECT "));
    CHECK(contains(text, "        ->  Remote Query on lite\n              Remote SQL: SELECT "));

    text = explain_text("SELECT u.name, e.kind FROM pg.users u JOIN lite.events e ON e.user_id = u.id ORDER BY u.name, e.kind LIMIT 10");
    CHECK(text.rfind("Limit\n  Limit: 10\n  ->  Sort\n", 0) == 0);
}

TEST_CASE("planner fetches only the first rows of the ordered input of a top-N over a join") {
    // Inner join: two limited attempts (2n+64 rows, then 64 times more), then the unlimited join.
    auto planned = plan_sql("SELECT o.amount, e.kind FROM pg.orders o JOIN lite.events e ON o.user_id = e.user_id "
                            "ORDER BY o.amount DESC LIMIT 5 OFFSET 1");
    auto attempts = find_node(planned, PlanNode::Kind::TopNAttempts);
    REQUIRE(attempts != nullptr);
    REQUIRE(attempts->children.size() == 3);
    CHECK(*attempts->limit == 5);
    auto ordered = [](const PlanPtr& tree) {
        for (auto& r : remotes(tree)) {
            if (r->service == "pg") {
                return r->remote_sql;
            }
        }
        return std::string();
    };
    CHECK(contains(ordered(attempts->children[0]), "ORDER BY t1.\"amount\" DESC NULLS FIRST LIMIT 76"));
    CHECK(contains(ordered(attempts->children[1]), "LIMIT 4864"));
    CHECK_FALSE(contains(ordered(attempts->children[2]), "LIMIT"));
    CHECK(contains(explain_text("SELECT o.amount, e.kind FROM pg.orders o JOIN lite.events e ON o.user_id = e.user_id "
                                "ORDER BY o.amount DESC LIMIT 5"),
                   "Top-N Attempts"));

    // Mixed directions: the backend gets the uniform prefix WITH TIES (one index scan), Nectar
    // sorts by every key. SQLite has no WITH TIES: it gets the prefix ORDER BY, and Nectar's
    // Limit adds the LIMIT and asks for the ties (exec/limit_with_ties.cpp).
    planned = plan_sql("SELECT o.amount, e.kind FROM pg.orders o JOIN lite.events e ON o.user_id = e.user_id "
                       "ORDER BY o.amount DESC, o.id LIMIT 5");
    attempts = find_node(planned, PlanNode::Kind::TopNAttempts);
    REQUIRE(attempts != nullptr);
    CHECK(contains(ordered(attempts->children[0]),
                   "ORDER BY t1.\"amount\" DESC NULLS FIRST FETCH FIRST 74 ROWS WITH TIES"));
    planned = plan_sql("SELECT e.kind, u.name FROM lite.events e JOIN pg.users u ON u.id = e.user_id "
                       "ORDER BY e.user_id DESC, e.id LIMIT 3");
    REQUIRE(find_node(planned, PlanNode::Kind::TopNAttempts) != nullptr);
    const PlanPtr first_attempt = find_node(planned, PlanNode::Kind::TopNAttempts)->children[0];
    const std::string lite_sql = remote_on(first_attempt, "lite")->remote_sql;
    CHECK(contains(lite_sql, "ORDER BY t1.\"user_id\" DESC NULLS FIRST"));
    CHECK_FALSE(contains(lite_sql, "LIMIT"));
    CHECK_FALSE(contains(lite_sql, "TIES"));
    CHECK(contains(explain_text("SELECT e.kind, u.name FROM lite.events e JOIN pg.users u ON u.id = e.user_id "
                                "ORDER BY e.user_id DESC, e.id LIMIT 3"),
                   "Limit: 70 With Ties"));

    // LEFT join ordered by its preserved side: exact with offset + limit rows, no attempts.
    planned = plan_sql("SELECT o.amount, e.kind FROM pg.orders o LEFT JOIN lite.events e ON o.user_id = e.user_id "
                       "ORDER BY o.amount, o.id LIMIT 5 OFFSET 2");
    CHECK(find_node(planned, PlanNode::Kind::TopNAttempts) == nullptr);
    CHECK(contains(remote_on(planned, "pg")->remote_sql, "LIMIT 7"));

    // Keys from both inputs, or from the optional side of a LEFT join: nothing to push.
    planned = plan_sql("SELECT o.amount, e.kind FROM pg.orders o JOIN lite.events e ON o.user_id = e.user_id "
                       "ORDER BY o.amount, e.kind LIMIT 5");
    CHECK(find_node(planned, PlanNode::Kind::TopNAttempts) == nullptr);
    CHECK_FALSE(contains(remote_on(planned, "pg")->remote_sql, "LIMIT"));
    planned = plan_sql("SELECT o.amount, e.kind FROM pg.orders o LEFT JOIN lite.events e ON o.user_id = e.user_id "
                       "ORDER BY e.kind LIMIT 5");
    CHECK_FALSE(contains(remote_on(planned, "lite")->remote_sql, "LIMIT"));
}
