// The SQLite dialect's pushdown decisions: rendered SQL run in SQLite gives the answers
// PostgreSQL 15 gave for the same rows (each expected value below was read from PostgreSQL).

#include "sqlite_test_util.hpp"

#include <cmath>

using namespace sqlite_test;

namespace {

/// The dialect-check table, filled through the dialect's own literals; the same rows were
/// loaded into PostgreSQL 15.20 as
///   CREATE TABLE t (id int8 primary key, i int8, f float8, n numeric(10,2), s text, b bool)
/// and every expected answer below is what that PostgreSQL returned.
void fill_dialect_table(SqliteConnector& c) {
    const SqliteDialect& d = sqlite_dialect();
    exec_ok(c,
            "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, f REAL, n NUMERIC(10,2), s TEXT, b BOOLEAN)");
    auto row = [&](int64_t id, Value i, Value f, Value n, Value s, Value b) {
        exec_ok(c, "INSERT INTO t VALUES (" + d.literal(Value::int8(id)) + ", " + d.literal(i) + ", " +
                       d.literal(f) + ", " + d.literal(n) + ", " + d.literal(s) + ", " + d.literal(b) + ")");
    };
    row(1, Value::int8(1), Value::float8(1.5), Value::numeric("12.50"), Value::text("abc"),
        Value::boolean(true));
    row(2, Value::int8(-7), Value::float8(-0.25), Value::numeric("3.10"), Value::text("ABC"),
        Value::boolean(false));
    row(3, Value::int8(INT64_MAX), Value::float8(1e300), Value::numeric("0.30"), Value::text("a_c"),
        Value::null(Type::Bool));
    row(4, Value::null(Type::Int8), Value::null(Type::Float8), Value::null(Type::Numeric),
        Value::null(Type::Text), Value::boolean(true));
    row(5, Value::int8(2), Value::float8(2.0), Value::numeric("100.00"), Value::text("b%d"),
        Value::boolean(false));
    row(6, Value::int8(0), Value::float8(0.1), Value::numeric("0.10"), Value::text("ab"),
        Value::boolean(true));
    row(7, Value::int8(3), Value::float8(3), Value::numeric("7"), Value::text("É"), Value::null(Type::Bool));
    row(8, Value::int8(INT64_MIN), Value::float8(-1e-300), Value::numeric("-5.55"), Value::text("a'b"),
        Value::boolean(false));
}

} // namespace

TEST_CASE("sqlite dialect: pushed-down SQL gives PostgreSQL's answers") {
    TempDir dir;
    SqliteConnector c(spec_for(create_db(dir)));
    fill_dialect_table(c);
    const SqliteDialect& d = sqlite_dialect();
    auto where = [&](const std::string& predicate) {
        auto rows = query_all(c, "SELECT id FROM t WHERE " + predicate + " ORDER BY id", {Type::Int8});
        INFO(predicate);
        REQUIRE(rows.ok());
        return joined(*rows);
    };
    auto op = [&](std::string_view o, const std::string& l, const Value& r, Type lt) {
        CHECK(d.supports_operator(o, lt, r.type()));
        return d.render_operator(o, l, d.literal(r), lt, r.type());
    };
    auto txt = [](const char* s) { return Value::text(s); };
    // LIKE is case-sensitive with '\' as escape, like PostgreSQL's.
    CHECK(where(op("~~", "s", txt("a%"), Type::Text)) == "1,3,6,8");
    CHECK(where(op("~~", "s", txt("A%"), Type::Text)) == "2");
    CHECK(where(op("~~", "s", txt("a\\_c"), Type::Text)) == "3");
    CHECK(where(op("!~~", "s", txt("%c"), Type::Text)) == "2,5,6,7,8");
    CHECK(where(op("~~", "s", txt("_"), Type::Text)) == "7");
    CHECK(where(op("~~", "s", txt("b\\%d"), Type::Text)) == "5");
    // Text compares bytewise (PostgreSQL's "C" collation).
    CHECK(where(op("<", "s", txt("B"), Type::Text)) == "2");
    CHECK(where(op(">=", "s", txt("ab"), Type::Text)) == "1,5,6,7");
    CHECK(where(op("=", "s", txt("ABC"), Type::Text)) == "2");
    // Integers, doubles, numerics.
    CHECK(where(op(">", "i", Value::int8(1), Type::Int8)) == "3,5,7");
    CHECK(where(op("=", "i", Value::int8(INT64_MAX), Type::Int8)) == "3");
    CHECK(where(op("!=", "i", Value::int8(2), Type::Int8)) == "1,2,3,6,7,8");
    CHECK(where(op("<", "i", Value::int8(INT64_MIN + 1), Type::Int8)) == "8");
    CHECK(where(op(">=", "f", Value::float8(1.5), Type::Float8)) == "1,3,5,7");
    CHECK(where(op("<", "f", Value::float8(0.2), Type::Float8)) == "2,6,8");
    CHECK(where(op(">", "f", Value::int4(2), Type::Float8)) == "3,7");
    CHECK(where(op(">", "n", Value::numeric("3.1"), Type::Numeric)) == "1,5,7");
    CHECK(where(op("=", "n", Value::numeric("0.3"), Type::Numeric)) == "3");
    CHECK(where(op("<=", "n", Value::numeric("12.5"), Type::Numeric)) == "1,2,3,6,7,8");
    CHECK(where(op(">", "n", Value::int4(7), Type::Numeric)) == "1,5");
    // Booleans, three-valued logic, NULL tests.
    CHECK(where(op("=", "b", Value::boolean(true), Type::Bool)) == "1,4,6");
    CHECK(where(op("<>", "b", Value::boolean(false), Type::Bool)) == "1,4,6");
    CHECK(where(d.render_unary("IS TRUE", "b", Type::Bool)) == "1,4,6");
    CHECK(where(d.render_unary("IS NOT FALSE", "b", Type::Bool)) == "1,3,4,6,7");
    CHECK(where(d.render_unary("IS UNKNOWN", "b", Type::Bool)) == "3,7");
    CHECK(where(d.render_unary("NOT", "b", Type::Bool)) == "2,5,8");
    CHECK(where("b") == "1,4,6");
    CHECK(where(d.render_unary("IS NULL", "i", Type::Int8)) == "4");
    CHECK(where(d.render_unary("IS NOT NULL", "s", Type::Text)) == "1,2,3,5,6,7,8");
    CHECK(where(d.render_operator("OR",
                                  d.render_operator("AND", op(">", "i", Value::int8(0), Type::Int8),
                                                    op("~~", "s", txt("a%"), Type::Text), Type::Bool,
                                                    Type::Bool),
                                  "b", Type::Bool, Type::Bool)) == "1,3,4,6");
    CHECK(where(op("IS DISTINCT FROM", "i", Value::int8(2), Type::Int8)) == "1,2,3,4,6,7,8");
    CHECK(where(op("IS NOT DISTINCT FROM", "s", Value::null(Type::Text), Type::Text)) == "4");
    CHECK(where(op("=", op("||", "s", txt("x"), Type::Text), txt("abcx"), Type::Text)) == "1");
    // Functions.
    std::vector<Type> text_arg = {Type::Text};
    std::vector<std::string> s_arg = {"s"};
    CHECK(d.supports_function("length", text_arg));
    CHECK(where(d.render_function("length", s_arg, text_arg) + " = 3") == "1,2,3,5,8");
    std::vector<Type> int_args = {Type::Int8, Type::Int8};
    std::vector<std::string> coalesce_args = {"i", d.literal(Value::int8(-1))};
    CHECK(d.supports_function("coalesce", int_args));
    CHECK(where(d.render_function("coalesce", coalesce_args, int_args) + " = -1") == "4");
    std::vector<Type> float_arg = {Type::Float8};
    std::vector<std::string> f_arg = {"f"};
    CHECK(d.supports_function("abs", float_arg));
    CHECK(where(d.render_function("abs", f_arg, float_arg) + " < 1") == "2,6,8");
    std::vector<Type> nullif_types = {Type::Text, Type::Text};
    std::vector<std::string> nullif_args = {"s", d.literal(txt("abc"))};
    CHECK(d.supports_function("nullif", nullif_types));
    CHECK(where(d.render_function("nullif", nullif_args, nullif_types) + " IS NULL") == "1,4");
    // IN lists (three-valued: NOT IN with a NULL item keeps no row) and NULLIF.
    std::vector<std::string> one_two_three = {d.literal(Value::int8(1)), d.literal(Value::int8(2)),
                                              d.literal(Value::int8(3))};
    std::vector<Type> int8s = {Type::Int8, Type::Int8, Type::Int8};
    CHECK(where(d.render_in_list("i", one_two_three, Type::Int8, int8s, false)) == "1,5,7");
    CHECK(where(d.render_in_list("i", one_two_three, Type::Int8, int8s, true)) == "2,3,6,8");
    std::vector<std::string> one_null = {d.literal(Value::int8(1)), d.literal(Value::null(Type::Int8))};
    CHECK(where(d.render_in_list("i", one_null, Type::Int8, int8s, true)).empty());
    std::vector<std::string> true_item = {d.literal(Value::boolean(true))};
    std::vector<Type> bool_item = {Type::Bool};
    CHECK(where(d.render_in_list("b", true_item, Type::Bool, bool_item, false)) == "1,4,6");
    std::vector<std::string> texts_in = {d.literal(txt("abc")), d.literal(txt("É"))};
    std::vector<Type> text_items = {Type::Text, Type::Text};
    CHECK(where(d.render_in_list("s", texts_in, Type::Text, text_items, false)) == "1,7");
    CHECK(where(d.render_nullif("b", d.literal(Value::boolean(true)), Type::Bool, Type::Bool) + " IS NULL") ==
          "1,3,4,6,7");
}

TEST_CASE("sqlite dialect: ORDER BY, LIMIT/OFFSET, aggregates, casts and literals match PostgreSQL") {
    TempDir dir;
    SqliteConnector c(spec_for(create_db(dir)));
    fill_dialect_table(c);
    const SqliteDialect& d = sqlite_dialect();
    auto ids = [&](const std::string& tail) {
        auto rows = query_all(c, "SELECT id FROM t" + tail, {Type::Int8});
        INFO(tail);
        REQUIRE(rows.ok());
        return joined(*rows);
    };
    auto order = [&](const char* col, Type type, bool desc, bool nulls_first) {
        CHECK(d.supports_order_by(type));
        return " ORDER BY " + d.render_order_item(col, desc, nulls_first, type, true) + ", id";
    };
    CHECK(ids(order("s", Type::Text, false, false)) == "2,8,3,6,1,5,7,4");
    CHECK(ids(order("f", Type::Float8, true, true)) == "4,3,7,5,1,6,8,2");
    CHECK(ids(order("i", Type::Int8, false, false)) == "8,2,6,1,5,7,3,4");
    CHECK(ids(order("n", Type::Numeric, true, true)) == "4,5,1,7,2,3,6,8");
    CHECK(ids(order("b", Type::Bool, false, false)) == "2,5,8,1,4,6,3,7");
    CHECK(ids(" ORDER BY id" + d.limit_offset(2, 1)) == "2,3");
    CHECK(ids(" ORDER BY id" + d.limit_offset(std::nullopt, 5)) == "6,7,8");
    CHECK(d.limit_offset(std::nullopt, 0).empty());

    // count(*), count(i), count(DISTINCT s), count(DISTINCT n), min/max of int8, text, float8.
    std::vector<Type> none;
    std::vector<std::string> no_args;
    auto agg = [&](const char* name, const char* arg, Type type, bool distinct = false) {
        std::vector<Type> types = {type};
        std::vector<std::string> args = {arg};
        CHECK(d.supports_aggregate(name, types, distinct));
        return d.render_aggregate(name, args, types, distinct, false);
    };
    std::string sql = "SELECT " + d.render_aggregate("count", no_args, none, false, true) + ", " +
                      agg("count", "i", Type::Int8) + ", " + agg("count", "s", Type::Text, true) + ", " +
                      agg("count", "n", Type::Numeric, true) + ", " + agg("min", "i", Type::Int8) + ", " +
                      agg("max", "i", Type::Int8) + ", " + agg("min", "s", Type::Text) + ", " +
                      agg("max", "s", Type::Text) + ", " + agg("min", "f", Type::Float8) + ", " +
                      agg("max", "f", Type::Float8) + " FROM t";
    auto aggregates = query_all(c, sql,
                                {Type::Int8, Type::Int8, Type::Int8, Type::Int8, Type::Int8, Type::Int8,
                                 Type::Text, Type::Text, Type::Float8, Type::Float8});
    REQUIRE(aggregates.ok());
    std::string line;
    for (size_t i = 0; i < 10; ++i) {
        line += i ? "|" : "";
        line += to_pg_text((*aggregates)[0][i]);
    }
    CHECK(line == "8|7|7|7|-9223372036854775808|9223372036854775807|ABC|É|-0.25|1e+300");

    // Casts the dialect pushes: int8 → float8 and → text.
    CHECK(d.supports_cast(Type::Int8, Type::Float8));
    CHECK(d.supports_cast(Type::Int8, Type::Text));
    auto casts = query_all(c,
                           "SELECT " + d.render_cast("i", Type::Int8, Type::Float8) + ", " +
                               d.render_cast("i", Type::Int8, Type::Text) + " FROM t WHERE id = 3",
                           {Type::Float8, Type::Text});
    REQUIRE(casts.ok());
    CHECK(to_pg_text((*casts)[0][0]) == "9.223372036854776e+18");
    CHECK((*casts)[0][1].as_string() == "9223372036854775807");

    // Literals read back as the values PostgreSQL prints for them.
    auto literals = query_all(c,
                              "SELECT " + d.literal(Value::float8(0.1)) + ", " +
                                  d.literal(Value::int8(INT64_MIN)) + ", " + d.literal(Value::text("it's")) +
                                  ", " + d.literal(Value::string(Type::Bytea, std::string("\0\xff", 2))) +
                                  ", " + d.literal(Value::float8(1e300)),
                              {Type::Float8, Type::Int8, Type::Text, Type::Bytea, Type::Float8});
    REQUIRE(literals.ok());
    std::string printed;
    for (size_t i = 0; i < 5; ++i) {
        printed += i ? "|" : "";
        printed += to_pg_text((*literals)[0][i]);
    }
    CHECK(printed == "0.1|-9223372036854775808|it's|\\x00ff|1e+300");
    CHECK(d.qualified_table("main", "users") == "\"users\"");
    CHECK(d.qualified_table("aux", "a\"b") == "\"aux\".\"a\"\"b\"");
}

TEST_CASE("sqlite dialect: text compares bytewise and booleans by truth whatever the column declares") {
    TempDir dir;
    SqliteConnector c(spec_for(create_db(dir)));
    const SqliteDialect& d = sqlite_dialect();
    // A NOCASE column would compare 'abc' = 'ABC' in SQLite; a stored 2 is true for the connector.
    exec_ok(c, "CREATE TABLE u (id INTEGER PRIMARY KEY, s TEXT COLLATE NOCASE, b BOOLEAN)");
    exec_ok(
        c, "INSERT INTO u VALUES (1, 'abc', 1), (2, 'ABC', 2), (3, 'abc ', 0), (4, NULL, NULL), (5, 'b', 2)");
    auto ids = [&](const std::string& tail) {
        auto rows = query_all(c, "SELECT id FROM u" + tail, {Type::Int8});
        INFO(tail);
        REQUIRE(rows.ok());
        return joined(*rows);
    };
    auto where = [&](const std::string& predicate) { return ids(" WHERE " + predicate + " ORDER BY id"); };
    auto lit = [&](const char* text) { return d.literal(Value::text(text)); };
    auto texts2 = std::vector<Type>{Type::Text, Type::Text};
    std::vector<std::string> abc_b = {lit("abc"), lit("b")};
    CHECK(where(d.render_operator("=", "s", lit("abc"), Type::Text, Type::Text)) == "1");
    CHECK(where(d.render_operator("<", "s", lit("abc"), Type::Text, Type::Text)) == "2");
    CHECK(where(d.render_operator("IS DISTINCT FROM", "s", lit("abc"), Type::Text, Type::Text)) == "2,3,4,5");
    CHECK(where(d.render_in_list("s", abc_b, Type::Text, texts2, false)) == "1,5");
    CHECK(where(d.render_in_list("s", abc_b, Type::Text, texts2, true)) == "2,3");
    CHECK(where(d.render_nullif("s", lit("abc"), Type::Text, Type::Text) + " IS NULL") == "1,4");
    CHECK(ids(" ORDER BY " + d.render_order_item("s", false, false, Type::Text, true) + ", id") == "2,1,3,5,4");
    CHECK(ids(" ORDER BY " + d.render_order_item("b", true, false, Type::Bool, true) + ", id") == "1,2,5,3,4");

    std::string t = d.literal(Value::boolean(true));
    std::vector<std::string> true_only = {t};
    std::vector<Type> bools = {Type::Bool};
    CHECK(where(d.render_in_list("b", true_only, Type::Bool, bools, false)) == "1,2,5");
    CHECK(where(d.render_nullif("b", t, Type::Bool, Type::Bool) + " IS NOT NULL") == "3");

    // GROUP BY and DISTINCT through the group keys: five strings, three truth values.
    std::vector<Type> text_key = {Type::Text};
    std::vector<Type> bool_key = {Type::Bool};
    CHECK(d.supports_group_by(text_key));
    CHECK(d.supports_group_by(bool_key));
    auto groups = [&](const std::string& sql, Type type) {
        auto rows = query_all(c, sql, {type, Type::Int8});
        INFO(sql);
        REQUIRE(rows.ok());
        std::string out;
        for (const Row& row : *rows) {
            // Appended piece by piece: g++ 12 warns (-Wrestrict) on "literal" + std::string here.
            out += out.empty() ? "" : ",";
            out += row[0].is_null() ? std::string("NULL") : to_pg_text(row[0]);
            out += ":";
            out += to_pg_text(row[1]);
        }
        return out;
    };
    std::string s_key = d.render_group_key("s", Type::Text);
    std::string b_key = d.render_group_key("b", Type::Bool);
    CHECK(groups("SELECT " + s_key + ", count(*) FROM u GROUP BY " + s_key + " ORDER BY " +
                     d.render_order_item(s_key, false, false, Type::Text, true),
                 Type::Text) == "ABC:1,abc:1,abc :1,b:1,NULL:1");
    CHECK(groups("SELECT " + b_key + ", count(*) FROM u GROUP BY " + b_key + " ORDER BY " +
                     d.render_order_item(b_key, false, false, Type::Bool, true),
                 Type::Bool) == "f:1,t:3,NULL:1");
    auto distinct = query_all(c, "SELECT DISTINCT " + b_key + " FROM u", {Type::Bool});
    REQUIRE(distinct.ok());
    CHECK(distinct->size() == 3);

    // min, max and count(DISTINCT) of text, bytewise.
    std::vector<std::string> s_arg = {"s"};
    auto aggregates = query_all(c,
                                "SELECT " + d.render_aggregate("min", s_arg, text_key, false, false) + ", " +
                                    d.render_aggregate("max", s_arg, text_key, false, false) + ", " +
                                    d.render_aggregate("count", s_arg, text_key, true, false) + " FROM u",
                                {Type::Text, Type::Text, Type::Int8});
    REQUIRE(aggregates.ok());
    CHECK(to_pg_text((*aggregates)[0][0]) == "ABC");
    CHECK(to_pg_text((*aggregates)[0][1]) == "b");
    CHECK(to_pg_text((*aggregates)[0][2]) == "4");
}

TEST_CASE("sqlite dialect refuses literals it cannot hold exactly") {
    const SqliteDialect& d = sqlite_dialect();
    CHECK_FALSE(d.supports_literal(Value::float8(std::nan(""))));
    CHECK(d.supports_literal(Value::float8(INFINITY)));
    CHECK_FALSE(d.supports_literal(Value::numeric("NaN")));
    CHECK(d.supports_literal(Value::numeric("-123456789012.345"))); // 15 significant digits
    CHECK_FALSE(d.supports_literal(Value::numeric("0.1000000000000000001")));
    CHECK(d.supports_literal(Value::numeric("1000000000000000000000.00")));
    CHECK(d.supports_literal(Value::null(Type::Float8)));
}

TEST_CASE("sqlite dialect keeps in the engine what SQLite computes differently") {
    const SqliteDialect& d = sqlite_dialect();
    // Integer overflow becomes a float in SQLite; division by zero gives NULL.
    for (const char* o : {"+", "-", "*", "/", "%", "^"}) {
        CAPTURE(o);
        CHECK_FALSE(d.supports_operator(o, Type::Int8, Type::Int8));
    }
    CHECK_FALSE(d.supports_operator("~~*", Type::Text, Type::Text));         // ILIKE folds by locale
    CHECK_FALSE(d.supports_operator("<", Type::Timestamp, Type::Timestamp)); // ISO text in any format
    CHECK_FALSE(d.supports_operator("=", Type::Int8, Type::Float8)); // PostgreSQL rounds int8 to float8
    CHECK_FALSE(d.supports_operator("=", Type::Bytea, Type::Bytea));
    std::vector<Type> ints = {Type::Int8};
    std::vector<Type> numerics = {Type::Numeric};
    std::vector<Type> floats = {Type::Float8};
    CHECK_FALSE(d.supports_aggregate("sum", ints, false)); // numeric in PostgreSQL, overflow error in SQLite
    CHECK_FALSE(d.supports_aggregate("avg", ints, false));
    CHECK_FALSE(d.supports_aggregate("sum", floats, false));
    CHECK_FALSE(d.supports_aggregate("min", numerics, false)); // would lose the column's scale
    CHECK_FALSE(d.supports_cast(Type::Text, Type::Int8));      // 'abc' → 0 in SQLite
    CHECK_FALSE(d.supports_cast(Type::Int8, Type::Int4));      // never overflows in SQLite
    std::vector<Type> text_arg = {Type::Text};
    CHECK_FALSE(d.supports_function("lower", text_arg)); // ASCII-only folding
    CHECK_FALSE(d.supports_order_by(Type::Date));
    CHECK(d.supports_join("left"));
    CHECK(d.supports_join("full")); // SQLite 3.39+
}
