// The hash join's build side: packed rows (RowStore), key groups (JoinTable), and joins whose
// keys mix types, are computed, or repeat a lot.

#include "executor_test_util.hpp"

#include "federation/exec/join_table.hpp"

using namespace executor_test;
using nectar::federation::exec::JoinTable;
using nectar::federation::exec::RowStore;

namespace {

Value numeric(std::string s) { return Value::numeric(std::move(s)); }

std::vector<const Value*> pointers(const Row& keys) {
    std::vector<const Value*> out;
    for (const auto& v : keys)
        out.push_back(&v);
    return out;
}

// Rows of the group `keys` finds, as text.
Strings group_of(const JoinTable& table, const Row& keys) {
    Strings out;
    for (uint32_t r = table.find(pointers(keys)); r != JoinTable::kNone; r = table.next_in_group(r)) {
        Row row;
        table.read(r, row);
        out.push_back(text_of(row));
    }
    return out;
}

} // namespace

TEST_CASE("row store: every representation reads back as stored") {
    Row row{Value::boolean(true),
            Value::integer(Type::Int2, -7),
            I(2147483647),
            Value::int8(int64_t(1) << 40),
            Value::int8(-(int64_t(1) << 40)),
            Value::floating(Type::Float4, 1.5),
            Value::float8(-0.25),
            numeric("12.50"),
            T(""),
            T(std::string(300, 'x')),
            Value::string(Type::Bytea, std::string("a\0b", 3)),
            Value::temporal(Type::Date, -1),
            Value::temporal(Type::TimestampTz, 1234567890123),
            Value::interval(Interval{5, 3, 2}),
            Value::string(Type::Uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            N(Type::Text),
            Value()};
    RowStore store;
    Row extra{I(9)};
    store.append(row.data(), row.size(), extra.data(), extra.size());
    store.append(row.data(), 2);
    Row back;
    store.read(0, row.size(), back);
    REQUIRE(back.size() == row.size());
    for (size_t i = 0; i < row.size(); ++i) {
        CAPTURE(i);
        CHECK(back[i].type() == row[i].type());
        CHECK(back[i].is_null() == row[i].is_null());
        CHECK(text_of(back[i]) == text_of(row[i]));
        CHECK(store.equals(0, i, row[i]));
    }
    CHECK(text_of(store.value(0, row.size())) == "9");
    CHECK(store.size() == 2);
    Row second;
    store.read(1, 2, second);
    CHECK(text_of(second) == "t|-7");

    // Equality as GROUP BY sees it: across the numeric family, NULLs equal, text bytewise.
    CHECK(store.equals(0, 2, Value::int8(2147483647)));
    CHECK(store.equals(0, 7, numeric("12.5")));
    CHECK_FALSE(store.equals(0, 7, numeric("12.51")));
    CHECK(store.equals(0, 15, N(Type::Int4)));
    CHECK_FALSE(store.equals(0, 8, N(Type::Text)));
    CHECK_FALSE(store.equals(0, 9, T(std::string(299, 'x'))));
}

TEST_CASE("row store: many rows span chunks and stay addressable") {
    RowStore store;
    for (int i = 0; i < 20000; ++i) {
        Row row{I(i), T(std::string(static_cast<size_t>(i % 50), 'a'))};
        store.append(row.data(), row.size());
    }
    Row big{T(std::string(3 << 20, 'b'))}; // larger than any chunk
    store.append(big.data(), 1);
    CHECK(store.size() == 20001);
    CHECK(store.equals(12345, 0, I(12345)));
    CHECK(store.value(19999, 1).as_string().size() == 19999 % 50);
    CHECK(store.value(20000, 0).as_string().size() == size_t(3) << 20);
    CHECK(store.memory_bytes() >= (size_t(3) << 20));
}

TEST_CASE("join table: groups keep insertion order; NULL keys are stored but never found") {
    JoinTable table(2, {0});
    std::vector<Row> rows{{I(1), T("a")}, {I(2), T("b")}, {I(1), T("c")}, {N(), T("d")}, {I(1), T("e")}};
    for (const auto& row : rows)
        table.add(row, {}, {&row[0]});
    table.finish();
    CHECK(table.rows() == 5);
    CHECK(table.groups() == 2);
    CHECK(group_of(table, {I(1)}) == Strings{"1|a", "1|c", "1|e"});
    CHECK(group_of(table, {Value::int8(2)}) == Strings{"2|b"});
    CHECK(group_of(table, {numeric("1.0")}) == Strings{"1|a", "1|c", "1|e"});
    CHECK(group_of(table, {Value::float8(2.0)}) == Strings{"2|b"});
    CHECK(group_of(table, {I(3)}).empty());
    int groups = 0;
    table.for_each_group([&](uint32_t) { ++groups; });
    CHECK(groups == 2);
}

TEST_CASE("join table: mixed key types, several keys and computed keys") {
    // An integer key then a numeric one: the table moves from integer keys to hashes.
    JoinTable mixed(1, {0});
    std::vector<Row> rows{{I(7)}, {numeric("7.00")}, {numeric("2.5")}, {Value::int8(8)}};
    for (const auto& row : rows)
        mixed.add(row, {}, {&row[0]});
    mixed.finish();
    CHECK(mixed.groups() == 3);
    CHECK(group_of(mixed, {I(7)}) == Strings{"7", "7.00"});
    CHECK(group_of(mixed, {numeric("2.50")}) == Strings{"2.5"});
    CHECK(group_of(mixed, {Value::integer(Type::Int2, 8)}) == Strings{"8"});

    // Two keys, the second computed (stored after the row as column 2).
    JoinTable two(2, {1, 2});
    for (int i = 0; i < 3000; ++i) {
        Row row{I(i), T("k" + std::to_string(i % 10))};
        std::vector<Value> extra{I(i % 3)};
        two.add(row, extra, {&row[1], &extra[0]});
    }
    two.finish();
    CHECK(two.groups() == 30);
    auto g = group_of(two, {T("k4"), I(1)});
    CHECK(g.size() == 100);
    CHECK(g.front() == "4|k4");
    CHECK(two.key(two.find(pointers({T("k4"), I(1)})), 1).as_int() == 1);
    CHECK(group_of(two, {T("k4"), I(3)}).empty());
}

TEST_CASE("executor: hash join keys of different numeric types and computed keys") {
    auto left = values({Type::Numeric, Type::Text}, {{numeric("1.0"), T("x")}, {numeric("2.5"), T("y")}, {N(Type::Numeric), T("z")}});
    auto right = values({Type::Int8, Type::Text}, {{Value::int8(1), T("p")}, {Value::int8(2), T("q")}, {N(Type::Int8), T("r")}});
    CHECK(rows_of(join(JoinType::Inner, left, right, op("=", col(0, Type::Numeric), col(2, Type::Int8)))) ==
          Strings{"1.0|x|1|p"});
    CHECK(sorted(rows_of(join(JoinType::Full, left, right, op("=", col(0, Type::Numeric), col(2, Type::Int8))))) ==
          Strings{"1.0|x|1|p", "2.5|y|NULL|NULL", "NULL|NULL|2|q", "NULL|NULL|NULL|r", "NULL|z|NULL|NULL"});

    // Keys computed from the row (stored after the build row), on either side.
    auto l2 = values({Type::Text}, {{T("ab")}, {T("de")}});
    auto r2 = values({Type::Text}, {{T("abc")}, {T("xyz")}});
    auto suffixed = op("||", col(0, Type::Text), lit(T("c")));
    CHECK(rows_of(join(JoinType::Semi, l2, r2, op("=", suffixed, col(1, Type::Text)))) == Strings{"ab"});
    CHECK(rows_of(join(JoinType::Anti, l2, r2, op("=", suffixed, col(1, Type::Text)))) == Strings{"de"});
    CHECK(rows_of(join(JoinType::Inner, r2, l2, op("=", col(0, Type::Text), op("||", col(1, Type::Text), lit(T("c")))))) ==
          Strings{"abc|ab"});
}

TEST_CASE("executor: a hash join over many rows matches every pair once") {
    std::vector<Row> build, probe;
    for (int i = 0; i < 5000; ++i)
        build.push_back({I(i % 2500), I(i)}); // two build rows per key
    for (int i = 0; i < 3000; ++i)
        probe.push_back({I(i)});
    auto r = rows_of(join(JoinType::Inner, values({Type::Int4}, probe), values({Type::Int4, Type::Int4}, build),
                          op("=", col(0), col(1))));
    CHECK(r.size() == 5000);
    auto anti = rows_of(join(JoinType::Anti, values({Type::Int4}, probe), values({Type::Int4, Type::Int4}, build),
                             op("=", col(0), col(1))));
    CHECK(anti.size() == 500);
}
