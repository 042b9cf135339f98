// The MySQL dialect's results against PostgreSQL 15's: every expression is rendered with
// MysqlDialect and run on the MariaDB of NECTAR_TEST_MYSQL_URL, rendered with PostgreSQL's
// dialect and run with psql on the PostgreSQL of NECTAR_TEST_PG_URL; rows and SQLSTATEs must match.
#include "federation/types/datetime.hpp"
#include "mysql_test_util.hpp"

#include <cstdio>
#include <doctest.h>
#include <functional>
#include <unistd.h>

using namespace mysql_test;

namespace {

struct Outcome {
    std::string sqlstate; ///< empty when the statement succeeded
    std::vector<std::string> lines;
};

/// Runs SQL on the PostgreSQL of NECTAR_TEST_PG_URL with psql: rows as "a|b", NULL as <NULL>.
Outcome run_psql(const std::string& sql) {
    char path[] = "/tmp/nectar-mysql-test-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, sql.data(), sql.size()) == static_cast<ssize_t>(sql.size()));
    close(fd);
    std::string cmd =
        "/usr/lib/postgresql/15/bin/psql -X -q -A -t -F '|' -P null='<NULL>' -v ON_ERROR_STOP=1 "
        "-v VERBOSITY=verbose -d '" +
        std::string(env("NECTAR_TEST_PG_URL")) + "' -f " + path + " 2>&1";
    FILE* pipe = popen(cmd.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[4096];
    while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) {
        output.append(buffer, n);
    }
    int status = pclose(pipe);
    unlink(path);
    Outcome out;
    if (status != 0) {
        size_t at = output.find("ERROR:  ");
        out.sqlstate = at == std::string::npos ? "psql failed: " + output : output.substr(at + 8, 5);
        return out;
    }
    size_t start = 0;
    while (start < output.size()) {
        size_t end = output.find('\n', start);
        out.lines.push_back(output.substr(start, end - start));
        start = end == std::string::npos ? output.size() : end + 1;
    }
    return out;
}

Outcome run_mysql(Mysql& my, const std::string& sql, std::vector<Type> types) {
    auto rows = my.rows(sql, std::move(types));
    Outcome out;
    if (!rows) {
        out.sqlstate = rows.error().sqlstate;
        return out;
    }
    for (const Row& row : *rows) {
        out.lines.push_back(row_text(row));
    }
    return out;
}

bool is_mysql(const Dialect& d) {
    return d.name() == "mysql";
}

std::string c(const Dialect& d, const char* name) {
    return d.quote_identifier(name);
}

/// A binary operator, checking that the MySQL dialect claims to push it.
std::string op(const Dialect& d, std::string_view o, const std::string& l, const std::string& r, Type lt,
               Type rt) {
    if (is_mysql(d)) {
        INFO("operator " << o);
        CHECK(d.supports_operator(o, lt, rt));
    }
    return d.render_operator(o, l, r, lt, rt);
}

std::string agg(const Dialect& d, std::string_view name, std::vector<std::string> args,
                std::vector<Type> types, bool distinct = false) {
    if (is_mysql(d)) {
        INFO("aggregate " << name);
        CHECK(d.supports_aggregate(name, types, distinct));
    }
    return d.render_aggregate(name, args, types, distinct, false);
}

std::string fn(const Dialect& d, std::string_view name, std::vector<std::string> args,
               std::vector<Type> types) {
    if (is_mysql(d)) {
        INFO("function " << name);
        CHECK(d.supports_function(name, types));
    }
    return d.render_function(name, args, types);
}

std::string order(const Dialect& d, const std::string& e, bool desc, bool nulls_first, Type t) {
    if (is_mysql(d)) {
        INFO("ORDER BY of type " << type_name(t));
        CHECK(d.supports_order_by(t));
    }
    return d.render_order_item(e, desc, nulls_first, t, true);
}

/// SELECT <key>, count(*) FROM dt GROUP BY <key> ORDER BY <key>, the key rendered as a group key.
std::string grouped(const Dialect& d, const char* column, Type t) {
    if (is_mysql(d)) {
        std::vector<Type> keys{t};
        CHECK(d.supports_group_by(keys));
    }
    std::string key = d.render_group_key(d.quote_identifier(column), t);
    return "SELECT " + key + ", " + d.render_aggregate("count", {}, {}, false, true) + " FROM " +
           d.qualified_table("", "dt") + " GROUP BY " + key + " ORDER BY " + order(d, key, false, false, t);
}

/// SELECT DISTINCT <key> FROM dt ORDER BY <key>.
std::string distinct(const Dialect& d, const char* column, Type t) {
    std::string key = d.render_group_key(d.quote_identifier(column), t);
    return "SELECT DISTINCT " + key + " FROM " + d.qualified_table("", "dt") + " ORDER BY " +
           order(d, key, true, false, t);
}

/// <column> [NOT] IN (values), through the dialect's IN.
std::string in_list(const Dialect& d, const char* column, Type t, std::vector<Value> values, bool negated) {
    std::vector<std::string> items;
    std::vector<Type> types;
    for (const Value& v : values) {
        items.push_back(d.literal(v));
        types.push_back(v.type());
        if (is_mysql(d)) {
            CHECK(d.supports_literal(v));
        }
    }
    return d.render_in_list(d.quote_identifier(column), items, t, types, negated);
}

/// SELECT id, <expr> FROM dt [WHERE ...] ORDER BY id
std::string per_row(const Dialect& d, const std::string& expr, const std::string& where = {}) {
    return "SELECT " + c(d, "id") + ", " + expr + " FROM " + d.qualified_table("", "dt") +
           (where.empty() ? "" : " WHERE " + where) + " ORDER BY " + c(d, "id");
}

std::string ids_where(const Dialect& d, const std::string& where) {
    return "SELECT " + c(d, "id") + " FROM " + d.qualified_table("", "dt") + " WHERE " + where +
           " ORDER BY " + c(d, "id");
}

Value ts(int y, int mo, int d, int64_t micros_of_day) {
    return Value::temporal(Type::Timestamp, days_from_civil(y, mo, d) * kMicrosPerDay + micros_of_day);
}

/// The same rows in both databases, written with each dialect's literals.
std::vector<Row> sample_rows() {
    auto row = [](int id, std::optional<int> a, int b, std::optional<std::string> t,
                  std::optional<std::string> n, std::optional<double> f, std::optional<Value> d,
                  std::optional<Value> at, std::optional<bool> flag) {
        return Row{Value::int4(id),
                   a ? Value::int4(*a) : Value::null(Type::Int4),
                   Value::int4(b),
                   t ? Value::text(*t) : Value::null(Type::Text),
                   n ? Value::numeric(*n) : Value::null(Type::Numeric),
                   f ? Value::float8(*f) : Value::null(Type::Float8),
                   d ? *d : Value::null(Type::Date),
                   at ? *at : Value::null(Type::Timestamp),
                   flag ? Value::boolean(*flag) : Value::null(Type::Bool)};
    };
    auto date = [](int y, int m, int d) { return Value::temporal(Type::Date, days_from_civil(y, m, d)); };
    return {
        row(1, 7, 2, "a", "1.50", 0.1, date(2024, 1, 31), ts(2024, 1, 31, 36000500000), true),
        row(2, -7, 2, "A", "-2.25", -1e20, date(1999, 12, 31), ts(1999, 12, 31, kMicrosPerDay - 1), false),
        row(3, 7, -2, "b", "0.00", 3.5, date(2000, 1, 1), ts(2000, 1, 1, 0), true),
        row(4, -7, -2, "a ", "100.10", std::nullopt, std::nullopt, std::nullopt, std::nullopt),
        row(5, std::nullopt, 3, std::nullopt, std::nullopt, 2.5, date(2024, 2, 29), ts(2024, 2, 29, 0),
            false),
        row(6, 0, 5, "B", "99999999.99", 0.0, date(1000, 1, 1), ts(1970, 1, 1, 1000000), true),
        row(7, 2147483647, 1, "é", "0.01", 1.5, date(9999, 12, 31), ts(2038, 1, 19, 11647000000), true),
        row(8, 5, 0, "É", "3.33", -0.5, date(2020, 6, 15), ts(2020, 6, 15, 23400123000), false),
        row(9, 3, 4, "_x", "1.00", 100.0, date(2021, 1, 1), ts(2021, 1, 1, 0), true),
        row(10, 4, 3, "%y", "2.00", 7.0, date(2022, 1, 1), ts(2022, 1, 1, 0), false),
        row(11, 9, 7, "it's", "5.55", 8.0, date(2023, 3, 1), ts(2023, 3, 1, 0), true),
        row(12, 10, 6, "a\\b", "0.10", 1e-5, date(2023, 3, 2), ts(2023, 3, 2, 0), true),
        row(13, 1, 1, "z", "7.77", 0.3, date(2023, 3, 3), ts(2023, 3, 3, 0), false),
        row(14, 2, 2, "", "8.88", 1e15, date(2023, 3, 4), ts(2023, 3, 4, 0), true),
        row(15, 3, 3, "ab", "-0.01", -7.25, date(2023, 3, 5), ts(2023, 3, 5, 0), false),
    };
}

std::string insert_sql(const Dialect& d) {
    std::string sql = "INSERT INTO " + d.qualified_table("", "dt") + " VALUES ";
    std::vector<Row> rows = sample_rows();
    for (size_t i = 0; i < rows.size(); ++i) {
        sql += i ? ", (" : "(";
        for (size_t j = 0; j < rows[i].size(); ++j) {
            sql += (j ? ", " : "") + d.literal(rows[i][j]);
        }
        sql += ")";
    }
    return sql;
}

struct DialectCase {
    std::string name;
    std::function<std::string(const Dialect&)> sql;
    std::vector<Type> types;
};

std::vector<DialectCase> dialect_cases() {
    using T = Type;
    const std::vector<T> id_int{T::Int4, T::Int4};
    auto arith = [](const char* o, const char* where) {
        return [o, where](const Dialect& d) {
            return per_row(d, op(d, o, c(d, "a"), c(d, "b"), T::Int4, T::Int4), where[0] ? where : "");
        };
    };
    auto text_filter = [](const char* o, Value v) {
        return [o, v](const Dialect& d) {
            return ids_where(d, op(d, o, c(d, "t"), d.literal(v), T::Text, T::Text));
        };
    };
    auto text_order = [](bool desc, bool nulls_first) {
        return [desc, nulls_first](const Dialect& d) {
            return "SELECT " + c(d, "id") + " FROM " + d.qualified_table("", "dt") + " ORDER BY " +
                   order(d, c(d, "t"), desc, nulls_first, T::Text) + ", " + c(d, "id");
        };
    };
    auto whole = [](std::function<std::string(const Dialect&)> expr, const char* where = "") {
        return [expr, where](const Dialect& d) {
            return "SELECT " + expr(d) + " FROM " + d.qualified_table("", "dt") +
                   (where[0] ? " WHERE " : "") + where;
        };
    };
    return {
        {"int +", arith("+", ""), id_int}, // row 7 overflows int4: both must fail with 22003
        {"int + without overflow", arith("+", "id <> 7"), id_int},
        {"int -", arith("-", "id <> 7"), id_int},
        {"int *", arith("*", "id <> 7"), id_int},
        {"int / truncates", arith("/", "b <> 0"), id_int},
        {"int / by zero", arith("/", ""), id_int},
        {"int %", arith("%", "b <> 0"), id_int},
        {"int % by zero", arith("%", ""), id_int},
        {"unary -",
         [](const Dialect& d) { return per_row(d, d.render_unary("-", c(d, "a"), T::Int4), "id <> 7"); },
         id_int},
        {"numeric + - *",
         [](const Dialect& d) {
             auto n = c(d, "n");
             return per_row(d, op(d, "+", n, n, T::Numeric, T::Numeric) + ", " +
                                   op(d, "-", n, d.literal(Value::numeric("0.005")), T::Numeric, T::Numeric) +
                                   ", " + op(d, "*", n, n, T::Numeric, T::Numeric));
         },
         {T::Int4, T::Numeric, T::Numeric, T::Numeric}},
        {"float8 + * /",
         [](const Dialect& d) {
             auto f = c(d, "f");
             return per_row(d,
                            op(d, "+", f, d.literal(Value::float8(0.2)), T::Float8, T::Float8) + ", " +
                                op(d, "*", f, f, T::Float8, T::Float8) + ", " +
                                op(d, "/", d.literal(Value::float8(1)), f, T::Float8, T::Float8),
                            "f <> 0");
         },
         {T::Int4, T::Float8, T::Float8, T::Float8}},
        {"text =", text_filter("=", Value::text("a")), {T::Int4}},
        {"text = with quote", text_filter("=", Value::text("it's")), {T::Int4}},
        {"text = with backslash", text_filter("=", Value::text("a\\b")), {T::Int4}},
        {"text <>", text_filter("<>", Value::text("a")), {T::Int4}},
        {"text <", text_filter("<", Value::text("b")), {T::Int4}},
        {"text >=", text_filter(">=", Value::text("a")), {T::Int4}},
        {"LIKE prefix", text_filter("~~", Value::text("a%")), {T::Int4}},
        {"LIKE escaped _", text_filter("~~", Value::text("\\_x")), {T::Int4}},
        {"LIKE _", text_filter("~~", Value::text("_")), {T::Int4}},
        {"NOT LIKE", text_filter("!~~", Value::text("%y")), {T::Int4}},
        {"text ||, IS DISTINCT FROM",
         [](const Dialect& d) {
             auto t = c(d, "t");
             return per_row(d,
                            op(d, "||", t, d.literal(Value::text("-")), T::Text, T::Text) + ", " +
                                op(d, "IS DISTINCT FROM", t, d.literal(Value::text("A")), T::Text, T::Text));
         },
         {T::Int4, T::Text, T::Bool}},
        {"length, octet_length, concat",
         [](const Dialect& d) {
             auto t = c(d, "t");
             return per_row(
                 d, fn(d, "length", {t}, {T::Text}) + ", " + fn(d, "octet_length", {t}, {T::Text}) + ", " +
                        fn(d, "concat", {t, d.literal(Value::text("!")), t}, {T::Text, T::Text, T::Text}));
         },
         {T::Int4, T::Int4, T::Int4, T::Text}},
        {"numeric functions",
         [](const Dialect& d) {
             auto n = c(d, "n");
             return per_row(d, fn(d, "abs", {n}, {T::Numeric}) + ", " + fn(d, "round", {n}, {T::Numeric}) +
                                   ", " + fn(d, "ceil", {n}, {T::Numeric}) + ", " +
                                   fn(d, "floor", {n}, {T::Numeric}) + ", " +
                                   fn(d, "trunc", {n}, {T::Numeric}));
         },
         {T::Int4, T::Numeric, T::Numeric, T::Numeric, T::Numeric, T::Numeric}},
        {"bool = and NOT",
         [](const Dialect& d) {
             auto flag = c(d, "flag");
             return per_row(d, op(d, "=", flag, d.literal(Value::boolean(true)), T::Bool, T::Bool) + ", " +
                                   d.render_unary("NOT", flag, T::Bool));
         },
         {T::Int4, T::Bool, T::Bool}},
        {"date, timestamp, numeric, float literals",
         [](const Dialect& d) {
             return ids_where(
                 d,
                 op(d, "OR",
                    op(d, "OR",
                       op(d, ">=", c(d, "d"),
                          d.literal(Value::temporal(T::Date, days_from_civil(2023, 3, 2))), T::Date, T::Date),
                       op(d, "=", c(d, "ts"), d.literal(ts(2020, 6, 15, 23400123000)), T::Timestamp,
                          T::Timestamp),
                       T::Bool, T::Bool),
                    op(d, "OR",
                       op(d, "=", c(d, "n"), d.literal(Value::numeric("1.5")), T::Numeric, T::Numeric),
                       op(d, "=", c(d, "f"), d.literal(Value::float8(0.1)), T::Float8, T::Float8), T::Bool,
                       T::Bool),
                    T::Bool, T::Bool));
         },
         {T::Int4}},
        {"casts",
         [](const Dialect& d) {
             auto a = c(d, "a");
             return per_row(
                 d, op(d, "||", d.render_cast(a, T::Int4, T::Text), d.literal(Value::text("x")), T::Text,
                       T::Text) +
                        ", " +
                        op(d, "+", d.render_cast(a, T::Int4, T::Numeric), c(d, "n"), T::Numeric, T::Numeric) +
                        ", " +
                        op(d, "*", d.render_cast(a, T::Int4, T::Float8), d.literal(Value::float8(0.5)),
                           T::Float8, T::Float8) +
                        ", " + d.render_cast(c(d, "d"), T::Date, T::Timestamp));
         },
         {T::Int4, T::Text, T::Numeric, T::Float8, T::Timestamp}},
        {"ORDER BY text ASC", text_order(false, false), {T::Int4}},
        {"ORDER BY text DESC", text_order(true, true), {T::Int4}},
        {"ORDER BY text ASC NULLS FIRST", text_order(false, true), {T::Int4}},
        {"ORDER BY float DESC NULLS LAST, date",
         [](const Dialect& d) {
             return "SELECT " + c(d, "id") + " FROM " + d.qualified_table("", "dt") + " ORDER BY " +
                    order(d, c(d, "f"), true, false, T::Float8) + ", " +
                    order(d, c(d, "d"), false, false, T::Date);
         },
         {T::Int4}},
        {"ORDER BY int DESC (NULLS FIRST), id",
         [](const Dialect& d) {
             return "SELECT " + c(d, "id") + " FROM " + d.qualified_table("", "dt") + " ORDER BY " +
                    order(d, c(d, "a"), true, true, T::Int4) + ", " +
                    order(d, c(d, "id"), false, false, T::Int4);
         },
         {T::Int4}},
        {"ORDER BY bool DESC, id",
         [](const Dialect& d) {
             return "SELECT " + c(d, "id") + " FROM " + d.qualified_table("", "dt") + " ORDER BY " +
                    order(d, c(d, "flag"), true, false, T::Bool) + ", " +
                    order(d, c(d, "id"), false, false, T::Int4);
         },
         {T::Int4}},
        {"GROUP BY text", [](const Dialect& d) { return grouped(d, "t", T::Text); }, {T::Text, T::Int8}},
        {"GROUP BY bool", [](const Dialect& d) { return grouped(d, "flag", T::Bool); }, {T::Bool, T::Int8}},
        {"GROUP BY date", [](const Dialect& d) { return grouped(d, "d", T::Date); }, {T::Date, T::Int8}},
        {"DISTINCT text", [](const Dialect& d) { return distinct(d, "t", T::Text); }, {T::Text}},
        {"DISTINCT bool", [](const Dialect& d) { return distinct(d, "flag", T::Bool); }, {T::Bool}},
        {"text IN",
         [](const Dialect& d) {
             return ids_where(
                 d, in_list(d, "t", T::Text, {Value::text("a"), Value::text("B"), Value::text("é")}, false));
         },
         {T::Int4}},
        {"text NOT IN",
         [](const Dialect& d) {
             return ids_where(d, in_list(d, "t", T::Text, {Value::text("a"), Value::text("b")}, true));
         },
         {T::Int4}},
        {"text NOT IN with NULL",
         [](const Dialect& d) {
             return ids_where(d, in_list(d, "t", T::Text, {Value::text("a"), Value::null(T::Text)}, true));
         },
         {T::Int4}},
        {"bool IN, int NOT IN",
         [](const Dialect& d) {
             return per_row(d, in_list(d, "flag", T::Bool, {Value::boolean(true)}, false) + ", " +
                                   in_list(d, "a", T::Int4, {Value::int4(7), Value::int4(-7)}, true));
         },
         {T::Int4, T::Bool, T::Bool}},
        {"NULLIF text",
         [](const Dialect& d) {
             return per_row(d, d.render_nullif(c(d, "t"), d.literal(Value::text("a")), T::Text, T::Text));
         },
         {T::Int4, T::Text}},
        {"LIMIT OFFSET",
         [](const Dialect& d) {
             return "SELECT " + c(d, "id") + " FROM " + d.qualified_table("", "dt") + " ORDER BY " +
                    c(d, "id") + d.limit_offset(3, 2);
         },
         {T::Int4}},
        {"OFFSET only",
         [](const Dialect& d) {
             return "SELECT " + c(d, "id") + " FROM " + d.qualified_table("", "dt") + " ORDER BY " +
                    c(d, "id") + d.limit_offset(std::nullopt, 12);
         },
         {T::Int4}},
        {"count, count distinct, min, max of text",
         whole([](const Dialect& d) {
             auto t = c(d, "t");
             return d.render_aggregate("count", {}, {}, false, true) + ", " +
                    agg(d, "count", {t}, {T::Text}) + ", " + agg(d, "count", {t}, {T::Text}, true) + ", " +
                    agg(d, "min", {t}, {T::Text}) + ", " + agg(d, "max", {t}, {T::Text});
         }),
         {T::Int8, T::Int8, T::Int8, T::Text, T::Text}},
        {"sum, min, max of numbers and dates",
         whole([](const Dialect& d) {
             return agg(d, "sum", {c(d, "a")}, {T::Int4}) + ", " + agg(d, "sum", {c(d, "n")}, {T::Numeric}) +
                    ", " + agg(d, "sum", {c(d, "b")}, {T::Int4}, true) + ", " +
                    agg(d, "max", {c(d, "f")}, {T::Float8}) + ", " + agg(d, "min", {c(d, "d")}, {T::Date}) +
                    ", " + agg(d, "max", {c(d, "ts")}, {T::Timestamp});
         }),
         {T::Int8, T::Numeric, T::Int8, T::Float8, T::Date, T::Timestamp}},
        {"bool_and, bool_or",
         whole(
             [](const Dialect& d) {
                 return agg(d, "bool_and", {c(d, "flag")}, {T::Bool}) + ", " +
                        agg(d, "bool_or", {c(d, "flag")}, {T::Bool});
             },
             "id IN (1, 2, 3)"),
         {T::Bool, T::Bool}},
        {"string_agg",
         whole(
             [](const Dialect& d) {
                 return agg(d, "string_agg", {c(d, "t"), d.literal(Value::text("; "))}, {T::Text, T::Text});
             },
             "id = 11"),
         {T::Text}},
    };
}

} // namespace

TEST_CASE("mysql dialect: MariaDB computes what PostgreSQL computes") {
    REQUIRE_MYSQL();
    SKIP_WITHOUT("NECTAR_TEST_PG_URL", "postgresql://... of a PostgreSQL 15 to compare with");
    const Dialect& pg = postgres_dialect();
    const Dialect& mysql = mysql_dialect();
    Mysql my;
    my.must("DROP TABLE IF EXISTS dt");
    my.must("CREATE TABLE dt (id int PRIMARY KEY, a int, b int, t varchar(20), n decimal(10,2), f double, d "
            "date, "
            "ts datetime(6), flag tinyint(1))");
    my.must(insert_sql(mysql));
    Outcome setup =
        run_psql("DROP TABLE IF EXISTS dt; CREATE TABLE dt (id int PRIMARY KEY, a int, b int, "
                 "t text COLLATE \"C\", n numeric(10,2), f float8, d date, ts timestamp, flag bool);\n" +
                 insert_sql(pg) + ";");
    REQUIRE_MESSAGE(setup.sqlstate.empty(), setup.sqlstate);
    for (const DialectCase& dc : dialect_cases()) {
        std::string pg_sql = dc.sql(pg);
        std::string my_sql = dc.sql(mysql);
        INFO(dc.name << "\n  PostgreSQL: " << pg_sql << "\n  MySQL:      " << my_sql);
        Outcome expected = run_psql(pg_sql + ";");
        Outcome got = run_mysql(my, my_sql, dc.types);
        if (env("NECTAR_TEST_VERBOSE") != nullptr) {
            std::string shown;
            for (const std::string& line : got.lines) {
                shown += " [" + line + "]";
            }
            MESSAGE(dc.name << ": " << (got.sqlstate.empty() ? "" : "ERROR " + got.sqlstate) << shown);
        }
        CHECK(got.sqlstate == expected.sqlstate);
        CHECK(got.lines == expected.lines);
    }
}
