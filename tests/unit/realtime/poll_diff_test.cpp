// Polling mode's diff: INSERT/UPDATE/DELETE found by primary key and row content.
#include "realtime/poll_diff.hpp"

#include <doctest.h>

using namespace nectar::realtime;
using nectar::federation::Row;
using nectar::federation::Type;
using nectar::federation::Value;

namespace {

Row row(int id, const char* name) { return {Value::int4(id), name ? Value::text(name) : Value::null(Type::Text)}; }

} // namespace

TEST_CASE("poll diff: the first round is the baseline, then changes by key and content") {
    PollDiff diff({0});
    auto first = diff.apply({row(1, "a"), row(2, "b"), row(3, "c")}, 100, "poll:1");
    CHECK(first.first);
    CHECK(first.changed());
    CHECK(first.changes.empty());

    auto same = diff.apply({row(3, "c"), row(1, "a"), row(2, "b")}, 200, "poll:2"); // order does not matter
    CHECK_FALSE(same.changed());

    auto round = diff.apply({row(1, "a"), row(2, "B"), row(4, "d")}, 300, "poll:3");
    REQUIRE(round.changes.size() == 3);
    CHECK(round.changes[0].kind == ChangeKind::Delete);
    CHECK(round.changes[0].old_row[0].as_int() == 3);
    CHECK(round.changes[0].new_row.empty());
    CHECK(round.changes[1].kind == ChangeKind::Update);
    CHECK(round.changes[1].old_row[1].as_string() == "b");
    CHECK(round.changes[1].new_row[1].as_string() == "B");
    CHECK(round.changes[2].kind == ChangeKind::Insert);
    CHECK(round.changes[2].new_row[0].as_int() == 4);
    CHECK(round.changes[2].old_row.empty());
    CHECK(round.changes[2].commit_time_us == 300);
    CHECK(round.changes[2].position == "poll:3");
    CHECK(diff.rows().size() == 3);

    // NULL and the text "" differ; NULL to a value is an update.
    auto nulls = diff.apply({row(1, nullptr), row(2, "B"), row(4, "d")}, 400, "poll:4");
    REQUIRE(nulls.changes.size() == 1);
    CHECK(nulls.changes[0].kind == ChangeKind::Update);
    CHECK(nulls.changes[0].new_row[1].is_null());
    auto empty = diff.apply({row(1, ""), row(2, "B"), row(4, "d")}, 500, "poll:5");
    REQUIRE(empty.changes.size() == 1);
    CHECK(empty.changes[0].old_row[1].is_null());
}

TEST_CASE("poll diff: every row deleted, then the table refilled") {
    PollDiff diff({0});
    diff.apply({row(1, "a"), row(2, "b")}, 0, "");
    auto gone = diff.apply({}, 0, "");
    REQUIRE(gone.changes.size() == 2);
    CHECK(gone.changes[0].old_row[0].as_int() == 1); // in the previous result's order
    CHECK(gone.changes[1].old_row[0].as_int() == 2);
    auto back = diff.apply({row(2, "b")}, 0, "");
    REQUIRE(back.changes.size() == 1);
    CHECK(back.changes[0].kind == ChangeKind::Insert);
}

TEST_CASE("poll diff: a table without a primary key keys on the whole row") {
    PollDiff diff({});
    diff.apply({row(1, "a"), row(1, "a"), row(2, "b")}, 0, "");
    auto round = diff.apply({row(1, "a"), row(2, "c")}, 0, "");
    REQUIRE(round.changes.size() == 2);
    CHECK(round.changes[0].kind == ChangeKind::Delete);
    CHECK(round.changes[0].old_row[1].as_string() == "b");
    CHECK(round.changes[1].kind == ChangeKind::Insert);
    CHECK(round.changes[1].new_row[1].as_string() == "c");
}

TEST_CASE("poll diff: composite keys") {
    PollDiff diff({0, 1});
    auto r = [](int a, const char* b, const char* v) { return Row{Value::int4(a), Value::text(b), Value::text(v)}; };
    diff.apply({r(1, "x", "v1"), r(1, "y", "v2")}, 0, "");
    auto round = diff.apply({r(1, "x", "v1"), r(1, "y", "v3")}, 0, "");
    REQUIRE(round.changes.size() == 1);
    CHECK(round.changes[0].kind == ChangeKind::Update);
    CHECK(round.changes[0].new_row[2].as_string() == "v3");
}
