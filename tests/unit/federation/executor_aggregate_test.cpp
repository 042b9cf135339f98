// The executor's blocking operators: hash aggregate (DISTINCT, FILTER, ORDER BY, grouping
// sets), sort and top-N, set operations with and without ALL, and window functions.

#include "executor_test_util.hpp"

using namespace executor_test;

namespace {

PlanPtr aggregate(PlanPtr child, std::vector<ExprPtr> group_by, std::vector<AggregateCall> calls) {
    std::vector<Type> types;
    for (const auto& g : group_by)
        types.push_back(g->type);
    for (const auto& c : calls)
        types.push_back(c.impl.result);
    auto p = unary(PlanNode::Kind::Aggregate, std::move(child), types);
    p->group_by = std::move(group_by);
    p->aggregates = std::move(calls);
    return p;
}

ExprPtr cast(ExprPtr e, Type to) {
    auto c = std::const_pointer_cast<Expr>(make(Expr::Kind::Cast, {std::move(e)}, to));
    return c;
}

PlanPtr sort(PlanPtr child, std::vector<SortKey> keys) {
    auto p = unary(PlanNode::Kind::Sort, std::move(child));
    p->sort_keys = std::move(keys);
    return p;
}

PlanPtr set_op(SetOpType type, bool all, PlanPtr left, PlanPtr right) {
    auto p = PlanNode::make(PlanNode::Kind::SetOp);
    p->columns = left->columns;
    p->set_op = type;
    p->set_all = all;
    p->children = {std::move(left), std::move(right)};
    return p;
}

PlanPtr ints(std::vector<std::optional<int64_t>> xs) {
    std::vector<Row> rows;
    for (auto x : xs)
        rows.push_back({x ? I(*x) : N()});
    return values({Type::Int4}, rows);
}

WindowCall window(std::string name, std::vector<ExprPtr> args, Type type = Type::Int8) {
    WindowCall w;
    w.name = std::move(name);
    w.args = std::move(args);
    w.type = type;
    if (is_aggregate_name(w.name)) {
        std::vector<Type> types;
        for (const auto& a : w.args)
            types.push_back(a->type);
        auto impl = resolve_aggregate(w.name, types, false);
        REQUIRE(impl.ok());
        w.aggregate = *impl;
        w.type = impl->result;
    }
    return w;
}

} // namespace

TEST_CASE("executor: hash aggregate with DISTINCT, FILTER and ORDER BY inside the call") {
    auto input = values({Type::Text, Type::Int4}, {{T("a"), I(1)},
                                                   {T("a"), I(2)},
                                                   {T("a"), I(2)},
                                                   {T("b"), N()},
                                                   {T("b"), I(5)},
                                                   {N(Type::Text), I(7)}});
    auto x = col(1);
    auto count_distinct = agg("count", {x});
    count_distinct.distinct = true;
    auto sum_filtered = agg("sum", {x});
    sum_filtered.filter = op(">", x, lit(I(1)));
    auto joined = agg("string_agg", {cast(x, Type::Text), lit(T(","))});
    joined.order_by = {{x, true}};
    auto plan = aggregate(input, {col(0, Type::Text)},
                          {agg("count", {}, true), agg("count", {x}), agg("sum", {x}), count_distinct, sum_filtered,
                           joined});
    CHECK(sorted(rows_of(plan)) == Strings{"NULL|1|1|7|1|7|7", "a|3|3|5|2|4|2,2,1", "b|2|1|5|1|5|5"});
}

TEST_CASE("executor: aggregates over no rows") {
    auto empty = values({Type::Text, Type::Int4}, {});
    // Without GROUP BY: one row, count 0 and the others NULL.
    CHECK(rows_of(aggregate(empty, {}, {agg("count", {}, true), agg("sum", {col(1)})})) == Strings{"0|NULL"});
    // With GROUP BY: no rows.
    CHECK(rows_of(aggregate(empty, {col(0, Type::Text)}, {agg("count", {}, true)})).empty());
}

TEST_CASE("executor: GROUPING SETS / ROLLUP put NULL in the columns a set leaves out") {
    auto input = values({Type::Text, Type::Text, Type::Int4},
                        {{T("a"), T("x"), I(1)}, {T("a"), T("y"), I(2)}, {T("b"), T("x"), I(3)}});
    auto plan = aggregate(input, {col(0, Type::Text), col(1, Type::Text)}, {agg("sum", {col(2)})});
    plan->grouping_sets = {{0, 1}, {0}, {}}; // ROLLUP (g, h)
    CHECK(sorted(rows_of(plan)) ==
          Strings{"NULL|NULL|6", "a|NULL|3", "a|x|1", "a|y|2", "b|NULL|3", "b|x|3"});

    auto empty = aggregate(values({Type::Text, Type::Text, Type::Int4}, {}),
                           {col(0, Type::Text), col(1, Type::Text)}, {agg("count", {}, true)});
    empty->grouping_sets = {{0, 1}, {0}, {}};
    CHECK(rows_of(empty) == Strings{"NULL|NULL|0"}); // only the empty set yields a row
}

TEST_CASE("executor: sort honours DESC and NULLS FIRST/LAST") {
    auto input = values({Type::Int4, Type::Text}, {{I(3), T("c")}, {N(), T("n")}, {I(1), T("a")}, {I(2), T("b")}});
    CHECK(rows_of(sort(input, {SortKey{col(0), false, false}})) == Strings{"1|a", "2|b", "3|c", "NULL|n"});
    CHECK(rows_of(sort(input, {SortKey{col(0), true, true}})) == Strings{"NULL|n", "3|c", "2|b", "1|a"});
    CHECK(rows_of(sort(input, {SortKey{col(0), false, true}})) == Strings{"NULL|n", "1|a", "2|b", "3|c"});
    CHECK(rows_of(sort(input, {SortKey{col(0), true, false}})) == Strings{"3|c", "2|b", "1|a", "NULL|n"});

    // Ties keep input order; the second key breaks them.
    auto ties = values({Type::Int4, Type::Text}, {{I(1), T("b")}, {I(0), T("z")}, {I(1), T("a")}});
    CHECK(rows_of(sort(ties, {SortKey{col(0), false, false}})) == Strings{"0|z", "1|b", "1|a"});
    CHECK(rows_of(sort(ties, {SortKey{col(0), false, false}, SortKey{col(1, Type::Text), false, false}})) ==
          Strings{"0|z", "1|a", "1|b"});
}

TEST_CASE("executor: Limit over Sort runs as top-N within a small memory budget") {
    std::vector<Row> rows;
    for (int64_t i = 0; i < 2000; ++i)
        rows.push_back({I(i * 7919 % 2000)});
    auto sorted_desc = sort(values({Type::Int4}, rows), {SortKey{col(0), true, false}});
    auto top = unary(PlanNode::Kind::Limit, sorted_desc);
    top->limit = 5;
    top->offset = 3;

    ExecContext small;
    small.memory_limit_bytes = 64 << 10;
    auto r = execute(top, small);
    REQUIRE(r.ok());
    CHECK(*r == Strings{"1996", "1995", "1994", "1993", "1992"});

    ExecContext small_full;
    small_full.memory_limit_bytes = 64 << 10;
    auto full = execute(sorted_desc, small_full);
    REQUIRE_FALSE(full.ok()); // the full sort does not fit in the same budget
    CHECK(full.error().sqlstate == "53200");
}

TEST_CASE("executor: set operations count duplicates as PostgreSQL does") {
    auto left = ints({1, 1, 1, 2, 3, std::nullopt, std::nullopt});
    auto right = ints({1, 1, 2, 4, std::nullopt});
    CHECK(rows_of(set_op(SetOpType::Union, true, left, right)).size() == 12);
    CHECK(sorted(rows_of(set_op(SetOpType::Union, false, left, right))) == Strings{"1", "2", "3", "4", "NULL"});
    CHECK(sorted(rows_of(set_op(SetOpType::Intersect, false, left, right))) == Strings{"1", "2", "NULL"});
    CHECK(sorted(rows_of(set_op(SetOpType::Intersect, true, left, right))) == Strings{"1", "1", "2", "NULL"});
    CHECK(sorted(rows_of(set_op(SetOpType::Except, false, left, right))) == Strings{"3"});
    CHECK(sorted(rows_of(set_op(SetOpType::Except, true, left, right))) == Strings{"1", "3", "NULL"});
}

TEST_CASE("executor: window functions over partitions and frames") {
    auto input = values({Type::Text, Type::Int4}, {{T("a"), I(20)},
                                                   {T("b"), I(5)},
                                                   {T("a"), I(10)},
                                                   {T("a"), I(30)},
                                                   {T("b"), N()},
                                                   {T("a"), I(20)}});
    auto dept = col(0, Type::Text);
    auto salary = col(1);
    std::vector<WindowCall> calls = {
        window("row_number", {}),
        window("rank", {}),
        window("dense_rank", {}),
        window("sum", {salary}),
        window("sum", {salary}),
        window("lag", {salary}, Type::Int4),
        window("lead", {salary, lit(I(2)), lit(I(-1))}, Type::Int4),
        window("first_value", {salary}, Type::Int4),
        window("last_value", {salary}, Type::Int4),
        window("ntile", {lit(I(2))}, Type::Int4),
        window("sum", {salary}),
    };
    for (size_t i = 0; i < calls.size(); ++i) {
        calls[i].partition_by = {dept};
        if (i != 4) // sum over the whole partition: no ORDER BY
            calls[i].order_by = {SortKey{salary, false, false}};
    }
    calls.back().rows_frame = true;
    std::vector<Type> types = {Type::Text, Type::Int4};
    for (const auto& c : calls)
        types.push_back(c.type);
    auto plan = unary(PlanNode::Kind::Window, input, types);
    plan->windows = calls;
    CHECK(rows_of(plan) == Strings{
                               "a|10|1|1|1|10|80|NULL|20|10|10|1|10",
                               "a|20|2|2|2|50|80|10|30|10|20|1|30",
                               "a|20|3|2|2|50|80|20|-1|10|20|2|50",
                               "a|30|4|4|3|80|80|20|-1|10|30|2|80",
                               "b|5|1|1|1|5|5|NULL|-1|5|5|1|5",
                               "b|NULL|2|2|2|5|5|5|-1|5|NULL|2|5",
                           });

    // Without ORDER BY, last_value sees the whole partition; ntile(0) is an error.
    auto last = window("last_value", {salary}, Type::Int4);
    last.partition_by = {dept};
    auto whole = unary(PlanNode::Kind::Window, input, {Type::Text, Type::Int4, Type::Int4});
    whole->windows = {last};
    CHECK(rows_of(whole).size() == 6);
    auto bad = window("ntile", {lit(I(0))}, Type::Int4);
    auto bad_plan = unary(PlanNode::Kind::Window, input, {Type::Text, Type::Int4, Type::Int4});
    bad_plan->windows = {bad};
    ExecContext ctx;
    auto r = execute(bad_plan, ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().sqlstate == "22014");
}

TEST_CASE("executor: percent_rank and cume_dist count peers") {
    auto input = ints({30, 10, 20, 40, 20});
    auto pr = window("percent_rank", {}, Type::Float8);
    auto cd = window("cume_dist", {}, Type::Float8);
    pr.order_by = cd.order_by = {SortKey{col(0), false, false}};
    auto plan = unary(PlanNode::Kind::Window, input, {Type::Int4, Type::Float8, Type::Float8});
    plan->windows = {pr, cd};
    CHECK(rows_of(plan) == Strings{"10|0|0.2", "20|0.25|0.6", "20|0.25|0.6", "30|0.75|0.8", "40|1|1"});
}
