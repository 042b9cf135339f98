// Window frames (ROWS / GROUPS / RANGE without offsets), named windows and grouping(): the
// executor against a naive per-row computation, the binder against PostgreSQL 15's rules.

#include "catalog_fixture.hpp"
#include "executor_test_util.hpp"

#include <functional>
#include <random>

using namespace executor_test;
using Bound = WindowFrame::Bound;
using Mode = WindowFrame::Mode;

namespace {

WindowCall frame_call(std::string name, std::vector<ExprPtr> args, Type type, WindowFrame frame) {
    WindowCall w;
    w.name = std::move(name);
    w.args = std::move(args);
    w.type = type;
    w.frame = std::move(frame);
    if (is_aggregate_name(w.name)) {
        std::vector<Type> types;
        for (const auto& a : w.args)
            types.push_back(a->type);
        auto impl = resolve_aggregate(w.name, types, w.args.empty());
        REQUIRE(impl.ok());
        w.star = w.args.empty();
        w.aggregate = *impl;
    }
    return w;
}

WindowFrame frame(Mode mode, Bound start, Bound end, std::optional<int64_t> start_n = {},
                  std::optional<int64_t> end_n = {}) {
    WindowFrame f;
    f.mode = mode;
    f.start = start;
    f.end = end;
    if (start_n)
        f.start_offset = lit(Value::int8(*start_n));
    if (end_n)
        f.end_offset = lit(Value::int8(*end_n));
    return f;
}

/// A Window node over (k int4, v int4 or numeric) rows, every call ordered by k then by row.
PlanPtr window_over(PlanPtr input, std::vector<WindowCall> calls, std::vector<SortKey> order) {
    std::vector<Type> types;
    for (const auto& c : input->columns)
        types.push_back(c.type);
    for (auto& c : calls) {
        types.push_back(c.type);
        c.order_by = order;
    }
    auto plan = unary(PlanNode::Kind::Window, std::move(input), types);
    plan->windows = std::move(calls);
    return plan;
}

/// The last column of each result row.
Strings last_column(const Strings& rows) {
    Strings out;
    for (const auto& r : rows)
        out.push_back(r.substr(r.rfind('|') + 1));
    return out;
}

} // namespace

TEST_CASE("window frames: ROWS offsets for sums, counts, extremes and frame values") {
    // Rows in id order: 1..6 with v = 10, NULL, 30, 40, 50, 60.
    auto input =
        values({Type::Int4, Type::Int4},
               {{I(1), I(10)}, {I(2), N()}, {I(3), I(30)}, {I(4), I(40)}, {I(5), I(50)}, {I(6), I(60)}});
    auto id = col(0), v = col(1);
    std::vector<SortKey> by_id = {SortKey{id, false, false}};
    auto run = [&](WindowCall call) {
        return last_column(rows_of(window_over(input, {std::move(call)}, by_id)));
    };

    auto two_back = frame(Mode::Rows, Bound::Preceding, Bound::CurrentRow, 2);
    CHECK(run(frame_call("sum", {v}, Type::Int8, two_back)) == Strings{"10", "10", "40", "70", "120", "150"});
    CHECK(run(frame_call("count", {v}, Type::Int8, two_back)) == Strings{"1", "1", "2", "2", "3", "3"});
    CHECK(run(frame_call("count", {}, Type::Int8, two_back)) == Strings{"1", "2", "3", "3", "3", "3"});
    CHECK(run(frame_call("max", {v}, Type::Int4, two_back)) == Strings{"10", "10", "30", "40", "50", "60"});
    auto around = frame(Mode::Rows, Bound::Preceding, Bound::Following, 1, 1);
    CHECK(run(frame_call("min", {v}, Type::Int4, around)) == Strings{"10", "10", "30", "30", "40", "50"});
    CHECK(run(frame_call("avg", {v}, Type::Numeric, around)) ==
          Strings{"10.0000000000000000", "20.0000000000000000", "35.0000000000000000", "40.0000000000000000",
                  "50.0000000000000000", "55.0000000000000000"});
    // Frames wholly after or before the row, and empty ones: sum is NULL, count 0.
    auto ahead = frame(Mode::Rows, Bound::Following, Bound::Following, 2, 3);
    CHECK(run(frame_call("sum", {v}, Type::Int8, ahead)) == Strings{"70", "90", "110", "60", "NULL", "NULL"});
    auto behind = frame(Mode::Rows, Bound::Preceding, Bound::Preceding, 3, 1);
    CHECK(run(frame_call("count", {}, Type::Int8, behind)) == Strings{"0", "1", "2", "3", "3", "3"});
    auto rest = frame(Mode::Rows, Bound::CurrentRow, Bound::UnboundedFollowing);
    CHECK(run(frame_call("sum", {v}, Type::Int8, rest)) == Strings{"190", "180", "180", "150", "110", "60"});
    CHECK(run(frame_call("first_value", {v}, Type::Int4, around)) ==
          Strings{"10", "10", "NULL", "30", "40", "50"});
    CHECK(run(frame_call("last_value", {v}, Type::Int4, around)) ==
          Strings{"NULL", "30", "40", "50", "60", "60"});
    CHECK(run(frame_call("nth_value", {v, lit(I(3))}, Type::Int4, around)) ==
          Strings{"NULL", "30", "40", "50", "60", "NULL"});
    // Offsets as large as int8 allows are clamped, not overflowed.
    auto huge = frame(Mode::Rows, Bound::Preceding, Bound::Following, INT64_MAX, INT64_MAX);
    CHECK(run(frame_call("sum", {v}, Type::Int8, huge)) == Strings(6, "190"));
}

TEST_CASE("window frames: GROUPS and RANGE count peers") {
    // k = 1, 1, 2, 3, 3, 3 with v = 1..6.
    auto input = values({Type::Int4, Type::Int4},
                        {{I(1), I(1)}, {I(1), I(2)}, {I(2), I(3)}, {I(3), I(4)}, {I(3), I(5)}, {I(3), I(6)}});
    std::vector<SortKey> by_k = {SortKey{col(0), false, false}};
    auto run = [&](WindowFrame f) {
        return last_column(rows_of(window_over(input, {frame_call("sum", {col(1)}, Type::Int8, f)}, by_k)));
    };
    CHECK(run(frame(Mode::Groups, Bound::Preceding, Bound::CurrentRow, 1)) ==
          Strings{"3", "3", "6", "18", "18", "18"});
    CHECK(run(frame(Mode::Groups, Bound::CurrentRow, Bound::Following, {}, 1)) ==
          Strings{"6", "6", "18", "15", "15", "15"});
    CHECK(run(frame(Mode::Groups, Bound::Following, Bound::UnboundedFollowing, 1)) ==
          Strings{"18", "18", "15", "NULL", "NULL", "NULL"});
    CHECK(run(frame(Mode::Range, Bound::CurrentRow, Bound::UnboundedFollowing)) ==
          Strings{"21", "21", "18", "15", "15", "15"});
    CHECK(run(WindowFrame{}) == Strings{"3", "3", "6", "21", "21", "21"});
}

TEST_CASE("window frames: sliding count/sum/avg equal a fresh aggregate over every frame") {
    // Numeric values of scales 0..3 make the moving sum restart when its largest scale leaves.
    std::mt19937 rng(7);
    std::vector<Row> rows;
    for (int i = 0; i < 60; ++i) {
        int scale = static_cast<int>(rng() % 4);
        std::string digits = std::to_string(rng() % 100000);
        while (static_cast<int>(digits.size()) <= scale)
            digits.insert(0, "0");
        if (scale > 0)
            digits.insert(digits.size() - scale, ".");
        rows.push_back({I(i % 3), rng() % 7 == 0 ? N(Type::Numeric) : Value::numeric(digits)});
    }
    auto input = values({Type::Int4, Type::Numeric}, rows);
    std::vector<SortKey> order = {SortKey{col(0), false, false}};
    // Output rows come in the call's order: k, then input order.
    std::vector<size_t> seq;
    for (int k = 0; k < 3; ++k)
        for (size_t i = 0; i < rows.size(); ++i)
            if (rows[i][0].as_int() == k)
                seq.push_back(i);
    struct Case {
        WindowFrame frame;
        std::function<bool(int64_t distance, int64_t group_distance)> contains;
    };
    std::vector<Case> cases = {
        {frame(Mode::Rows, Bound::Preceding, Bound::Following, 3, 2),
         [](int64_t d, int64_t) { return d >= -3 && d <= 2; }},
        {frame(Mode::Rows, Bound::Following, Bound::Following, 1, 4),
         [](int64_t d, int64_t) { return d >= 1 && d <= 4; }},
        {frame(Mode::Rows, Bound::Preceding, Bound::Preceding, 5, 2),
         [](int64_t d, int64_t) { return d >= -5 && d <= -2; }},
        {frame(Mode::Groups, Bound::Preceding, Bound::CurrentRow, 1),
         [](int64_t, int64_t g) { return g >= -1 && g <= 0; }},
    };
    for (const auto& c : cases) {
        for (const char* name : {"sum", "avg", "count"}) {
            Type type = std::string(name) == "count" ? Type::Int8 : Type::Numeric;
            auto call = frame_call(name, {col(1, Type::Numeric)}, type, c.frame);
            auto got = last_column(rows_of(window_over(input, {call}, order)));
            REQUIRE(got.size() == seq.size());
            for (size_t pos = 0; pos < seq.size(); ++pos) {
                auto state = call.aggregate->make_state();
                for (size_t q = 0; q < seq.size(); ++q) {
                    auto d = static_cast<int64_t>(q) - static_cast<int64_t>(pos);
                    auto g = rows[seq[q]][0].as_int() - rows[seq[pos]][0].as_int();
                    if (c.contains(d, g))
                        REQUIRE(state->add(std::span<const Value>(&rows[seq[q]][1], 1)).ok());
                }
                auto expected = state->finish();
                REQUIRE(expected.ok());
                CAPTURE(name);
                CAPTURE(pos);
                CHECK(got[pos] == text_of(*expected));
            }
        }
    }
}

TEST_CASE("window frames: offsets must be non-null and non-negative, checked with no rows") {
    auto empty = values({Type::Int4, Type::Int4}, {});
    std::vector<SortKey> by_id = {SortKey{col(0), false, false}};
    auto error_of = [&](WindowFrame f) {
        ExecContext ctx;
        auto r = execute(window_over(empty, {frame_call("sum", {col(1)}, Type::Int8, f)}, by_id), ctx);
        REQUIRE_FALSE(r.ok());
        return r.error().sqlstate + " " + r.error().message;
    };
    CHECK(error_of(frame(Mode::Rows, Bound::Preceding, Bound::CurrentRow, -1)) ==
          "22013 frame starting offset must not be negative");
    CHECK(error_of(frame(Mode::Rows, Bound::CurrentRow, Bound::Following, {}, -2)) ==
          "22013 frame ending offset must not be negative");
    auto null_offset = frame(Mode::Groups, Bound::Preceding, Bound::CurrentRow);
    null_offset.start_offset = lit(Value::null(Type::Int8));
    CHECK(error_of(null_offset) == "22004 frame starting offset must not be null");
}

TEST_CASE("grouping(): a bit per argument not grouped in the row's grouping set") {
    auto input = values({Type::Text, Type::Text}, {{T("a"), T("x")}, {T("a"), T("y")}, {T("b"), T("x")}});
    AggregateCall grouping;
    grouping.impl.name = "grouping";
    grouping.impl.result = Type::Int4;
    grouping.impl.make_state = [] { return std::unique_ptr<AggregateState>(); };
    auto plan =
        unary(PlanNode::Kind::Aggregate, input, {Type::Text, Type::Text, Type::Int4, Type::Int4, Type::Int8});
    plan->group_by = {col(0, Type::Text), col(1, Type::Text)};
    plan->aggregates = {grouping, grouping, agg("count", {}, true)};
    plan->grouping_args = {{0, 1}, {1}, {}};
    plan->grouping_sets = {{0, 1}, {0}, {}}; // ROLLUP (g, h)
    CHECK(sorted(rows_of(plan)) ==
          Strings{"NULL|NULL|3|1|3", "a|NULL|1|1|2", "a|x|0|0|1", "a|y|0|0|1", "b|NULL|1|1|1", "b|x|0|0|1"});
}

namespace {

using catalog_fixture::bind_error;
using catalog_fixture::bind_ok;
using catalog_fixture::find_node;

const WindowCall& only_window(const PlanPtr& plan) {
    auto window = find_node(plan, PlanNode::Kind::Window);
    REQUIRE(window != nullptr);
    REQUIRE(window->windows.size() >= 1);
    return window->windows[0];
}

void check_bind_error(const std::string& sql, const std::string& sqlstate, const std::string& message) {
    CAPTURE(sql);
    Error e = bind_error(sql);
    CHECK(e.sqlstate == sqlstate);
    CHECK(e.message == message);
}

} // namespace

TEST_CASE("binder: frames and named windows follow PostgreSQL's rules") {
    auto plan =
        bind_ok("SELECT sum(age) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING) FROM users");
    const WindowCall& w = only_window(plan);
    CHECK(w.frame.mode == Mode::Rows);
    CHECK(w.frame.start == Bound::Preceding);
    CHECK(w.frame.end == Bound::Following);
    REQUIRE(w.frame.start_offset != nullptr);
    CHECK(w.frame.start_offset->type == Type::Int8);

    plan = bind_ok("SELECT rank() OVER w, sum(age) OVER (w ROWS 1 PRECEDING) FROM users "
                   "WINDOW p AS (PARTITION BY name), w AS (p ORDER BY id)");
    auto window = find_node(plan, PlanNode::Kind::Window);
    REQUIRE(window->windows.size() == 2);
    for (const auto& call : window->windows) {
        CHECK(call.partition_by.size() == 1);
        CHECK(call.order_by.size() == 1);
    }
    CHECK(window->windows[0].frame.mode == Mode::Range);
    CHECK(window->windows[1].frame.mode == Mode::Rows);

    check_bind_error("SELECT rank() OVER nope FROM users", "42704", "window \"nope\" does not exist");
    check_bind_error("SELECT rank() OVER (w ORDER BY id) FROM users WINDOW w AS (ORDER BY age)", "42P20",
                     "cannot override ORDER BY clause of window \"w\"");
    check_bind_error("SELECT rank() OVER (w PARTITION BY id) FROM users WINDOW w AS (PARTITION BY age)",
                     "42P20", "cannot override PARTITION BY clause of window \"w\"");
    check_bind_error("SELECT sum(id) OVER (w) FROM users WINDOW w AS (ORDER BY id ROWS 1 PRECEDING)", "42P20",
                     "cannot copy window \"w\" because it has a frame clause");
    check_bind_error("SELECT 1 FROM users WINDOW w AS (ORDER BY id), w AS (ORDER BY age)", "42P20",
                     "window \"w\" is already defined");
    check_bind_error("SELECT sum(id) OVER (GROUPS 1 PRECEDING) FROM users", "42P20",
                     "GROUPS mode requires an ORDER BY clause");
    check_bind_error("SELECT sum(id) OVER (ORDER BY id ROWS age PRECEDING) FROM users", "42P10",
                     "argument of ROWS must not contain variables");
    check_bind_error("SELECT sum(id) OVER (ORDER BY id ROWS 'a'::text PRECEDING) FROM users", "42804",
                     "argument of ROWS must be type bigint, not type text");
    check_bind_error(
        "SELECT sum(id) OVER (ORDER BY id RANGE 1 PRECEDING) FROM users", "0A000",
        "RANGE with offset PRECEDING/FOLLOWING is not supported by Nectar's federated engine yet");
}

TEST_CASE("binder: grouping() is an int4 resolved against GROUP BY") {
    auto plan = bind_ok("SELECT name, age, grouping(name, age) FROM users GROUP BY ROLLUP (name, age)");
    CHECK(plan->columns.back().name == "grouping");
    CHECK(plan->columns.back().type == Type::Int4);
    auto agg = find_node(plan, PlanNode::Kind::Aggregate);
    REQUIRE(agg != nullptr);
    REQUIRE(agg->grouping_args.size() == 1);
    CHECK(agg->grouping_args[0] == std::vector<int>{0, 1});

    // Under a plain GROUP BY it is 0, and the aggregate stays in Nectar (one grouping set).
    agg = find_node(bind_ok("SELECT grouping(age) FROM users GROUP BY age"), PlanNode::Kind::Aggregate);
    CHECK(agg->grouping_sets == std::vector<std::vector<int>>{{0}});

    check_bind_error("SELECT grouping(age) FROM users GROUP BY name", "42803",
                     "arguments to GROUPING must be grouping expressions of the associated query level");
    check_bind_error("SELECT 1 FROM users WHERE grouping(age) = 0 GROUP BY age", "42803",
                     "grouping operations are not allowed in WHERE");
}
