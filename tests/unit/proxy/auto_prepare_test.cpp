#include "proxy/auto_prepare.hpp"

#include <doctest.h>

using namespace nectar::proxy;

namespace {

/// The shape's text, or "-" when the query has none.
std::string shape_text(std::string_view sql) {
    auto shape = shape_of(sql);
    return shape ? shape->text : "-";
}

} // namespace

TEST_CASE("an integer compared as a whole operand becomes a parameter of its own type") {
    auto shape = shape_of("SELECT abalance FROM pgbench_accounts WHERE aid = 81234;");
    REQUIRE(shape);
    CHECK(shape->text == "SELECT abalance FROM pgbench_accounts WHERE aid = $1;");
    REQUIRE(shape->values.size() == 1);
    CHECK(*shape->values[0] == "81234");
    CHECK(shape->types == std::vector<uint32_t>{23});

    shape = shape_of("select * from t where a=1 and b <> 2147483648 OR c >= 007 order by d limit 5");
    REQUIRE(shape);
    CHECK(shape->text == "select * from t where a=$1 and b <> $2 OR c >= $3 order by d limit 5");
    CHECK(shape->types == std::vector<uint32_t>{23, 20, 23}); // 2^31 is int8, as PostgreSQL types it
    CHECK(*shape->values[2] == "007");
    CHECK(shape_text("SELECT 1 FROM t WHERE (x < 9223372036854775807)") == "SELECT 1 FROM t WHERE (x < $1)");
    CHECK(shape_text("SELECT x FROM t WHERE id IN (SELECT y FROM u WHERE z != 3) GROUP BY x") ==
          "SELECT x FROM t WHERE id IN (SELECT y FROM u WHERE z != $1) GROUP BY x");
    CHECK(shape_text("SELECT * FROM t WHERE \"Id\" = 5 FOR UPDATE") == "SELECT * FROM t WHERE \"Id\" = $1 FOR UPDATE");
}

TEST_CASE("decimals, and integers past int8, become numeric parameters") {
    auto shape = shape_of("SELECT * FROM t WHERE a = 1.5 AND b < .5 AND c >= 1e3 AND d <> 2.5E-3 AND e > 1. AND "
                          "f = 9223372036854775808 AND g = 1.e3");
    REQUIRE(shape);
    CHECK(shape->text == "SELECT * FROM t WHERE a = $1 AND b < $2 AND c >= $3 AND d <> $4 AND e > $5 AND f = $6 AND g = $7");
    CHECK(shape->types == std::vector<uint32_t>(7, 1700));
    std::vector<std::string> texts;
    for (const auto& value : shape->values) {
        texts.push_back(*value);
    }
    // Sent as written: numeric's input reads them as the lexer's literal does.
    CHECK(texts == std::vector<std::string>{"1.5", ".5", "1e3", "2.5E-3", "1.", "9223372036854775808", "1.e3"});
    CHECK(shape_text("SELECT * FROM t WHERE (price<=19.99)") == "SELECT * FROM t WHERE (price<=$1)");
    CHECK(shape_text("SELECT * FROM t WHERE x = 1.50 ORDER BY x") == "SELECT * FROM t WHERE x = $1 ORDER BY x");
}

TEST_CASE("a plain string compared as a whole operand becomes an untyped parameter") {
    auto shape = shape_of("SELECT * FROM users WHERE email = 'a@b.c' AND x = 1 AND name <> 'it''s' AND note >= ''");
    REQUIRE(shape);
    CHECK(shape->text == "SELECT * FROM users WHERE email = $1 AND x = $2 AND name <> $3 AND note >= $4");
    REQUIRE(shape->values.size() == 4);
    CHECK(*shape->values[0] == "a@b.c");
    CHECK(*shape->values[2] == "it's"); // a doubled quote stands for one
    CHECK(*shape->values[3] == "");     // empty, not NULL
    CHECK(shape->types == std::vector<uint32_t>{0, 23, 0, 0}); // unknown, as PostgreSQL types a string
    CHECK(shape_text("SELECT * FROM t WHERE (d='2024-01-01') ORDER BY d") == "SELECT * FROM t WHERE (d=$1) ORDER BY d");
    // A string and an integer of the same text are different statements.
    AutoPrepareCache cache;
    auto as_string = *shape_of("SELECT * FROM t WHERE id = '5'");
    auto as_integer = *shape_of("SELECT * FROM t WHERE id = 5");
    CHECK(as_string.text == as_integer.text);
    cache.note(as_string);
    cache.note(as_integer);
    auto* s = cache.note(as_string);
    auto* i = cache.note(as_integer);
    REQUIRE((s != nullptr && i != nullptr));
    CHECK(s->server_name != i->server_name);
}

TEST_CASE("strings with a prefix, a cast or more to their operand stay as they are") {
    CHECK(shape_text("SELECT * FROM t WHERE x = E'abc'") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = e'abc'") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = N'abc'") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = B'101'") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = X'1F'") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = U&'d\\0061t'") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = U&'dat'") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = date '2024-01-01'") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = '5'::int") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = 'a' || y") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = 'a'\n'b'") == "-"); // one string, continued
    CHECK(shape_text("SELECT * FROM t WHERE x = 'a' COLLATE \"C\"") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = 'a' AT TIME ZONE 'UTC'") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = 'a\\b'") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x LIKE 'a%'") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE 'a' = x") == "-"); // left operands are left alone
    CHECK(shape_text("SELECT x = 'a' FROM t") == "-");
}

TEST_CASE("literals whose meaning a parameter could change stay as they are") {
    CHECK(shape_text("SELECT * FROM t WHERE x = 12abc") == "-");  // PostgreSQL 15 reads "12 AS abc"
    CHECK(shape_text("SELECT * FROM t WHERE x = 1e") == "-");     // "1 AS e"
    CHECK(shape_text("SELECT * FROM t WHERE x = 1e+") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = 1.5.3") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = 1..2") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = 1.5e3x") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = -1.5") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = -5") == "-");     // the operand is -5: an expression
    CHECK(shape_text("SELECT * FROM t WHERE x = 5 + y") == "-");  // 5 + y is the operand
    CHECK(shape_text("SELECT * FROM t WHERE x = 5::int8") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = 5 IS TRUE") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x =- 5") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x + 5 > y") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x IN (1, 2)") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x BETWEEN 1 AND 5") == "-");
    CHECK(shape_text("SELECT * FROM t ORDER BY 1 LIMIT 10 OFFSET 2") == "-");
    CHECK(shape_text("SELECT a = 1 FROM t") == "-"); // FROM is not an operand's end we list
    CHECK(shape_text("SELECT * FROM t WHERE x ==> 5") == "-");
}

TEST_CASE("only plain single SELECT statements, and nothing with subtle lexing") {
    CHECK(shape_text("UPDATE t SET x = 1 WHERE id = 2") == "-");
    CHECK(shape_text("WITH a AS (SELECT 1) SELECT * FROM a WHERE x = 1") == "-");
    CHECK(shape_text("SELECT * INTO u FROM t WHERE x = 1") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = 1; SELECT 2") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = 1 -- one") == "-");
    CHECK(shape_text("SELECT * FROM t /* c */ WHERE x = 1") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = 1 AND y = $$a$$") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = 1 AND y = E'\\n'") == "-");
    CHECK(shape_text("SELECT * FROM t WHERE x = 1 AND y LIKE 'it''s = 3'") ==
          "SELECT * FROM t WHERE x = $1 AND y LIKE 'it''s = 3'");
    CHECK(shape_text("SELECT * FROM \"t = 4\" WHERE x = 1") == "SELECT * FROM \"t = 4\" WHERE x = $1");
    CHECK(shape_text("SELECT * FROM t WHERE y = 'open") == "-");
    CHECK(shape_text("") == "-");
    CHECK(shape_text("   ") == "-");
    CHECK(shape_text("  \n SELECT * FROM t WHERE x = 1") == "  \n SELECT * FROM t WHERE x = $1");
    CHECK(shape_text("SELECT * FROM t WHERE x = 1 AND y = '" + std::string(9000, 'y') + "'") == "-"); // too long
    CHECK(shape_text("SELECT * FROM t WHERE x = 1 ;  \n") == "SELECT * FROM t WHERE x = $1 ;  \n");
}

TEST_CASE("a shape gets its statement from its second sighting, one name per shape") {
    AutoPrepareCache cache;
    auto one = *shape_of("SELECT * FROM t WHERE id = 1");
    auto two = *shape_of("SELECT * FROM t WHERE id = 2");
    auto big = *shape_of("SELECT * FROM t WHERE id = 3000000000"); // int8: another statement
    CHECK(cache.note(one) == nullptr);
    auto* statement = cache.note(two);
    REQUIRE(statement != nullptr);
    CHECK(statement->server_name.starts_with(kAutoPreparedPrefix));
    CHECK(cache.note(big) == nullptr);
    auto* wide = cache.note(big);
    REQUIRE(wide != nullptr);
    CHECK(wide->server_name != statement->server_name);
    cache.note_refused(statement->server_name, false); // a table missing, say: tried again
    CHECK(cache.note(one) == statement);
    cache.note_refused(statement->server_name, true); // a syntax error: never again
    CHECK(cache.note(one) == nullptr);
    CHECK(cache.note(big) == wide);
    for (int i = 0; i < 3; ++i) {
        cache.note_refused(wide->server_name, false);
    }
    CHECK(cache.note(big) == nullptr); // refused three times
}

TEST_CASE("random bytes never crash the shaper") {
    uint64_t state = 12345;
    auto next = [&state]() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    const std::string alphabet = "SELECT select where = <> < > 0123456789 ' \" ; ( ) - / * $ \\ e E . :";
    for (int i = 0; i < 20000; ++i) {
        std::string sql = "SELECT ";
        size_t length = next() % 40;
        for (size_t k = 0; k < length; ++k) {
            sql.push_back(next() % 3 == 0 ? static_cast<char>(next() % 256) : alphabet[next() % alphabet.size()]);
        }
        auto shape = shape_of(sql);
        if (shape) {
            CHECK(shape->values.size() == shape->types.size());
            CHECK(!shape->values.empty());
        }
    }
}
