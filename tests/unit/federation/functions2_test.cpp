// Case folding beyond ASCII, regular expressions, to_char, encode/decode against answers taken from
// PostgreSQL 15 (initdb --lc-collate=C --lc-ctype=C.UTF-8, TimeZone UTC, DateStyle ISO): every
// expected string is what the server printed for the SQL in the comment; errors as
// "ERROR <sqlstate>: <message>".

#include "federation/expr/functions.hpp"

#include <doctest.h>

#include <string>
#include <vector>

using namespace nectar::federation;

namespace {

constexpr Type U = Type::Unknown, I2 = Type::Int2, I4 = Type::Int4, I8 = Type::Int8, F4 = Type::Float4,
               F8 = Type::Float8, NUM = Type::Numeric, TXT = Type::Text, BYTEA = Type::Bytea, DATE = Type::Date,
               TS = Type::Timestamp, TSTZ = Type::TimestampTz;

struct Lit {
    Type type;
    const char* text;
};

std::string err(const nectar::Error& e) { return "ERROR " + e.sqlstate + ": " + e.message; }

std::string invoke(const nectar::Result<ScalarImpl>& impl, const std::vector<Lit>& lits) {
    if (!impl.ok())
        return err(impl.error());
    std::vector<Value> args;
    for (size_t i = 0; i < lits.size(); ++i) {
        Value raw = lits[i].type == U ? Value::string(U, lits[i].text) : *from_pg_text(lits[i].type, lits[i].text);
        auto v = cast_value(raw, impl.value().params[i]);
        if (!v.ok())
            return err(v.error());
        args.push_back(*v);
    }
    auto r = impl.value().fn(args);
    if (!r.ok())
        return err(r.error());
    return r->is_null() ? "NULL" : to_pg_text(*r);
}

std::string op(const char* name, Lit l, Lit r) { return invoke(resolve_operator(name, l.type, r.type), {l, r}); }

std::string call(const char* name, std::vector<Lit> args) {
    std::vector<Type> types;
    for (Lit l : args)
        types.push_back(l.type);
    return invoke(resolve_function(name, types), args);
}

Lit t(const char* s) { return {U, s}; }

} // namespace

TEST_CASE("ILIKE, upper, lower and initcap fold non-ASCII letters as C.UTF-8 does") {
    // SELECT 'naïve' ILIKE 'NAÏVE', 'éclair' ILIKE 'ÉCLAIR%', 'Äpfel' ILIKE '%äPFEL%',
    //        'ÄPFEL' NOT ILIKE 'äpfel', 'straße' ILIKE 'STRASSE';  → t|t|t|f|f
    CHECK(op("~~*", {TXT, "naïve"}, t("NAÏVE")) == "t");
    CHECK(op("~~*", {TXT, "éclair"}, t("ÉCLAIR%")) == "t");
    CHECK(op("~~*", {TXT, "Äpfel"}, t("%äPFEL%")) == "t");
    CHECK(op("!~~*", {TXT, "ÄPFEL"}, t("äpfel")) == "f");
    CHECK(op("~~*", {TXT, "straße"}, t("STRASSE")) == "f");
    // SELECT upper('naïve éclair'), lower('ÀÉÎÕÜ ÑANDÚ'), initcap('élan vital-ÉTÉ o''neil');
    CHECK(call("upper", {t("naïve éclair")}) == "NAÏVE ÉCLAIR");
    CHECK(call("lower", {t("ÀÉÎÕÜ ÑANDÚ")}) == "àéîõü ñandú");
    CHECK(call("initcap", {t("élan vital-ÉTÉ o'neil")}) == "Élan Vital-Été O'Neil");
}

TEST_CASE("regular expression operators") {
    // SELECT 'Widget 42' ~ '^[A-Z]', 'widget' ~ '^[A-Z]', 'Big WIDGET' ~* 'widget', 'abc' !~ 'b',
    //        'abc' !~* 'B', 'naïve' ~ '^na.ve$', 'ÉCLAIR' ~* 'éclair';  → t|f|t|f|f|t|t
    CHECK(op("~", {TXT, "Widget 42"}, t("^[A-Z]")) == "t");
    CHECK(op("~", {TXT, "widget"}, t("^[A-Z]")) == "f");
    CHECK(op("~*", {TXT, "Big WIDGET"}, t("widget")) == "t");
    CHECK(op("!~", {TXT, "abc"}, t("b")) == "f");
    CHECK(op("!~*", {TXT, "abc"}, t("B")) == "f");
    CHECK(op("~", {TXT, "naïve"}, t("^na.ve$")) == "t");
    CHECK(op("~*", {TXT, "ÉCLAIR"}, t("éclair")) == "t");
    // SELECT 'a]b' ~ '[\]]', 'a-b' ~ '^a[\-x]b$', E'tab\tx' ~ '\t', 'x y' ~ 'x\sy', 'x_y' ~ '^\w+$';  → t|t|t|t|t
    CHECK(op("~", {TXT, "a]b"}, t("[\\]]")) == "t");
    CHECK(op("~", {TXT, "a-b"}, t("^a[\\-x]b$")) == "t");
    CHECK(op("~", {TXT, "tab\tx"}, t("\\t")) == "t");
    CHECK(op("~", {TXT, "x y"}, t("x\\sy")) == "t");
    CHECK(op("~", {TXT, "x_y"}, t("^\\w+$")) == "t");
    CHECK(std::string(type_name(resolve_operator("~", TXT, U)->result)) == "boolean");
}

TEST_CASE("invalid regular expressions raise 2201B with PostgreSQL's wording") {
    CHECK(op("~", t("x"), t("(")) == "ERROR 2201B: invalid regular expression: parentheses () not balanced");
    CHECK(op("~", t("x"), t(")")) == "ERROR 2201B: invalid regular expression: parentheses () not balanced");
    CHECK(op("~", t("x"), t("a**")) == "ERROR 2201B: invalid regular expression: quantifier operand invalid");
    CHECK(op("~", t("x"), t("[z-a]")) == "ERROR 2201B: invalid regular expression: invalid character range");
    CHECK(op("~", t("x"), t("x{2,1}")) == "ERROR 2201B: invalid regular expression: invalid repetition count(s)");
    CHECK(op("~", t("x"), t("\\q")) == "ERROR 2201B: invalid regular expression: invalid escape \\ sequence");
    CHECK(call("regexp_replace", {t("abc"), t("b"), t("x"), t("z")}) ==
          "ERROR 22023: invalid regular expression option: \"z\"");
    CHECK(call("regexp_like", {t("abc"), t("b"), t("g")}) ==
          "ERROR 22023: regexp_like() does not support the \"global\" option");
}

TEST_CASE("regexp_replace, regexp_like, regexp_count, regexp_substr, substring") {
    // SELECT regexp_replace('Widget 42 and 7', '[0-9]+', '#'), ... '#', 'g'), regexp_replace('a1b22', '\d', 'X', 'g'),
    //        regexp_replace('John Smith', '(\w+) (\w+)', '\2, \1');  → Widget # and 7|Widget # and #|aXbXX|Smith, John
    CHECK(call("regexp_replace", {t("Widget 42 and 7"), t("[0-9]+"), t("#")}) == "Widget # and 7");
    CHECK(call("regexp_replace", {t("Widget 42 and 7"), t("[0-9]+"), t("#"), t("g")}) == "Widget # and #");
    CHECK(call("regexp_replace", {t("a1b22"), t("\\d"), t("X"), t("g")}) == "aXbXX");
    CHECK(call("regexp_replace", {t("John Smith"), t("(\\w+) (\\w+)"), t("\\2, \\1")}) == "Smith, John");
    // SELECT regexp_replace('aXbxc', 'x', '-', 'gi'), regexp_replace('abc', 'b*', '-', 'g'),
    //        regexp_replace('foo bar', '\mbar\M', 'baz'), regexp_replace('a.b.c', '.', '!', 'gq');  → a-b-c|-a--c-|foo baz|a!b!c
    CHECK(call("regexp_replace", {t("aXbxc"), t("x"), t("-"), t("gi")}) == "a-b-c");
    CHECK(call("regexp_replace", {t("abc"), t("b*"), t("-"), t("g")}) == "-a--c-");
    CHECK(call("regexp_replace", {t("foo bar"), t("\\mbar\\M"), t("baz")}) == "foo baz");
    CHECK(call("regexp_replace", {t("a.b.c"), t("."), t("!"), t("gq")}) == "a!b!c");
    // SELECT regexp_replace('abc', '(?:a)(b)', '[\1]'), regexp_replace('aaa', 'a', 'b', 2),
    //        regexp_replace('aaa', 'a', 'b', 1, 2), regexp_replace('aaa', 'a', 'b', 1, 0);  → [b]c|aba|aba|bbb
    CHECK(call("regexp_replace", {t("abc"), t("(?:a)(b)"), t("[\\1]")}) == "[b]c");
    CHECK(call("regexp_replace", {t("aaa"), t("a"), t("b"), {I4, "2"}}) == "aba");
    CHECK(call("regexp_replace", {t("aaa"), t("a"), t("b"), {I4, "1"}, {I4, "2"}}) == "aba");
    CHECK(call("regexp_replace", {t("aaa"), t("a"), t("b"), {I4, "1"}, {I4, "0"}}) == "bbb");
    // SELECT regexp_replace('abc','(b)','[\1\2\&\\]'), regexp_replace('abc','b','[\q]');  → a[bb\]c|a[\q]c
    CHECK(call("regexp_replace", {t("abc"), t("(b)"), t("[\\1\\2\\&\\\\]")}) == "a[bb\\]c");
    CHECK(call("regexp_replace", {t("abc"), t("b"), t("[\\q]")}) == "a[\\q]c");
    // SELECT regexp_like('abc', 'B', 'i'), regexp_like('abc', 'B'), regexp_count('abcabc', 'b'),
    //        regexp_count('abcabc', 'B', 3, 'i');  → t|f|2|1
    CHECK(call("regexp_like", {t("abc"), t("B"), t("i")}) == "t");
    CHECK(call("regexp_like", {t("abc"), t("B")}) == "f");
    CHECK(call("regexp_count", {t("abcabc"), t("b")}) == "2");
    CHECK(call("regexp_count", {t("abcabc"), t("B"), {I4, "3"}, t("i")}) == "1");
    // SELECT substring('hello world' from 'o w'), substring('hello' from 'l(l)o'), substring('hello' from 'z') IS NULL,
    //        regexp_substr('abcabc', 'b.', 3), regexp_substr('abcabc', '(b)(c)', 1, 2, '', 2);  → o w|l|t|bc|c
    CHECK(call("substring", {t("hello world"), t("o w")}) == "o w");
    CHECK(call("substring", {t("hello"), t("l(l)o")}) == "l");
    CHECK(call("substring", {t("hello"), t("z")}) == "NULL");
    CHECK(call("regexp_substr", {t("abcabc"), t("b."), {I4, "3"}}) == "bc");
    CHECK(call("regexp_substr", {t("abcabc"), t("(b)(c)"), {I4, "1"}, {I4, "2"}, t(""), {I4, "2"}}) == "c");
}

TEST_CASE("to_char of timestamps and dates") {
    const Lit ts{TS, "2024-03-05 07:08:09.123456"};
    CHECK(call("to_char", {ts, t("YYYY YY Y YYY MM Mon MON mon Month MONTH month DD D DDD")}) ==
          "2024 24 4 024 03 Mar MAR mar March     MARCH     march     05 3 065");
    CHECK(call("to_char", {{TS, "2024-03-05 17:08:09.123456"},
                           t("HH HH12 HH24 MI SS MS US AM PM am pm A.M. p.m. Dy DY dy Day DAY day")}) ==
          "05 05 17 08 09 123 123456 PM PM pm pm P.M. p.m. Tue TUE tue Tuesday   TUESDAY   tuesday  ");
    CHECK(call("to_char", {{TS, "2024-03-05 00:08:09"},
                           t("FMMonth FMDay FMDD FMHH12 FMMM \"quoted YYYY\" \\\"x Q WW W IW IYYY ID J CC SSSS TZ OF")}) ==
          "March Tuesday 5 12 3 quoted YYYY \"x 1 10 1 10 2024 2 2460375 21 489  +00");
    CHECK(call("to_char", {{TSTZ, "2024-03-05 00:08:09+00"}, t("TZ tz OF TZH:TZM")}) == "UTC utc +00 +00:00");
    // a date goes through to_char(timestamptz), as in PostgreSQL
    CHECK(call("to_char", {{DATE, "2024-12-31"}, t("YYYY-MM-DD Day TZ")}) == "2024-12-31 Tuesday   UTC");
    CHECK(call("to_char", {{TS, "infinity"}, t("YYYY")}) == "NULL");
    CHECK(call("to_char", {{DATE, "0044-03-15 BC"}, t("YYYY BC AD B.C. bc")}) == "0044 BC BC B.C. bc");
    CHECK(call("to_char", {{TS, "2024-03-05 07:08:09"}, t("DDth DDTH FMDDth Mth yyyy-mm-dd hh24:mi:ss")}) ==
          "05th 05TH 5th Mth 2024-03-05 07:08:09");
    CHECK(call("to_char", {{TS, "2024-03-01"}, t("FMDDth")}) == "1st");
    CHECK(call("to_char", {{TS, "2024-03-02"}, t("DDth")}) == "02nd");
    CHECK(call("to_char", {{TS, "2024-03-13"}, t("DDth")}) == "13th");
    CHECK(call("to_char", {{TS, "2024-03-05 07:08:09.5"}, t("FF1 FF3 FF6 RM rm Y,YYY SSSSS")}) ==
          "5 500 500000 III  iii  2,024 25689");
    CHECK(call("to_char", {{TS, "12345-03-05 07:08:09"}, t("YYYY")}) == "12345");
    CHECK(call("to_char", {{TS, "0005-03-05"}, t("YYYY YY Y")}) == "0005 05 5");
    CHECK(call("to_char", {{TS, "2021-01-01 12:00:00"}, t("IYYY-IW-ID IDDD WW D HH12 AM")}) == "2020-53-5 369 01 6 12 PM");
    CHECK(call("to_char", {{TS, "2020-12-31 23:59:59"}, t("IYYY-IW-ID IDDD DDD WW Q")}) == "2020-53-4 368 366 53 4");
    CHECK(call("to_char", {{TS, "2023-01-01"}, t("IYYY IW ID")}) == "2022 52 7");
    CHECK(call("to_char", {{TSTZ, "2025-06-15 10:30:00+02"}, t("YYYY-MM-DD HH24:MI:SS TZ")}) == "2025-06-15 08:30:00 UTC");
}

TEST_CASE("to_char of numbers") {
    // SELECT to_char(12.5, '999.99'), to_char(-12.5, 'FM9990.00'), to_char(5, '0000'), to_char(1234.567, '9,999.99'),
    //        to_char(0.5, '999.00'), to_char(0.5, '.99');
    CHECK(call("to_char", {{NUM, "12.5"}, t("999.99")}) == "  12.50");
    CHECK(call("to_char", {{NUM, "-12.5"}, t("FM9990.00")}) == "-12.50");
    CHECK(call("to_char", {{I4, "5"}, t("0000")}) == " 0005");
    CHECK(call("to_char", {{NUM, "1234.567"}, t("9,999.99")}) == " 1,234.57");
    CHECK(call("to_char", {{NUM, "0.5"}, t("999.00")}) == "    .50");
    CHECK(call("to_char", {{NUM, "0.5"}, t(".99")}) == " .##");
    // float8, int8, S and MI
    CHECK(call("to_char", {{F8, "12.5"}, t("999.99")}) == "  12.50");
    CHECK(call("to_char", {{F8, "2.675"}, t("9.99")}) == " 2.67");
    CHECK(call("to_char", {{F8, "0.333333333333333333"}, t("0.99999999999999999999")}) == " 0.33333333333333");
    CHECK(call("to_char", {{I8, "123456789012"}, t("999,999,999,999")}) == " 123,456,789,012");
    CHECK(call("to_char", {{I4, "-42"}, t("S999")}) == " -42");
    CHECK(call("to_char", {{I4, "42"}, t("999MI")}) == " 42 ");
    CHECK(call("to_char", {{F4, "1234567.891"}, t("9999999.99")}) == " 1234568");
    CHECK(call("to_char", {{F8, "-0.4"}, t("999")}) == "  -0");
    CHECK(call("to_char", {{NUM, "-0.4"}, t("999")}) == "   0");
    CHECK(call("to_char", {{I4, "12"}, t("\"Total: \"999\" items\"")}) == "Total:   12 items");
    CHECK(call("to_char", {{I4, "12"}, t("PL99")}) == "+ 12");
    CHECK(call("to_char", {{I4, "-12"}, t("SG99")}) == "-12");
    CHECK(call("to_char", {{I4, "0"}, t("FM9990.99")}) == "0.");
    CHECK(call("to_char", {{NUM, "12.345"}, t("FM99D99")}) == "12.35");
    CHECK(call("to_char", {{I4, "3"}, t("9 9 9")}) == "     3");
    CHECK(call("to_char", {{I4, "12"}, t("99.")}) == " 12");
    CHECK(call("to_char", {{I4, "12"}, t("FM99.")}) == "12");
    CHECK(call("to_char", {{NUM, "12.7"}, t("99.")}) == " 13");
    CHECK(call("to_char", {{F8, "1e20"}, t("999")}) == " ###");
    CHECK(call("to_char", {{F8, "1.5"}, t("FM9.990000")}) == "1.500000");
    CHECK(call("to_char", {{F8, "0"}, t("9.99")}) == "  .00");
    CHECK(call("to_char", {{NUM, "0"}, t("FM999.99")}) == "0.");
    CHECK(call("to_char", {{I2, "12"}, t("999")}) == "  12");
    CHECK(call("to_char", {{NUM, "1.5"}, t("9.9.9")}) == "ERROR 42601: multiple decimal points");
}

TEST_CASE("to_char numeric templates against a grid of values") {
    // SELECT to_char(x, f) FROM (VALUES (12.5::numeric), (-12.5), (0), (0.5), (-0.5), (1234.567), (123456), (-7)) v(x),
    //        (VALUES ('999.99'), ...) t(f);  the rows below, in that order of x, per template
    const char* xs[] = {"12.5", "-12.5", "0", "0.5", "-0.5", "1234.567", "123456", "-7"};
    struct Row {
        const char* tmpl;
        std::vector<const char*> out;
    };
    const Row rows[] = {
        {"999.99", {"  12.50", " -12.50", "    .00", "    .50", "   -.50", " ###.##", " ###.##", "  -7.00"}},
        {"FM9990.00", {"12.50", "-12.50", "0.00", "0.50", "-0.50", "1234.57", "####.##", "-7.00"}},
        {"9,999.99", {"    12.50", "   -12.50", "      .00", "      .50", "     -.50", " 1,234.57", " #,###.##", "    -7.00"}},
        {"FM999.99", {"12.5", "-12.5", "0.", ".5", "-.5", "###.##", "###.##", "-7."}},
        {"S999", {" +13", " -13", "  +0", "  +1", "  -1", "+###", "+###", "  -7"}},
        {"FM999MI", {"13", "13-", "0", "1", "1-", "###", "###", "7-"}},
        {"990D9", {"  12.5", " -12.5", "   0.0", "   0.5", "  -0.5", " ###.#", " ###.#", "  -7.0"}},
        {"9G999", {"    13", "   -13", "     0", "     1", "    -1", " 1,235", " #,###", "    -7"}},
        {"SG99", {"+13", "-13", "+ 0", "+ 1", "- 1", "+##", "+##", "- 7"}},
        {"PL99", {"+ 13", " -13", "+  0", "+  1", "  -1", "+ ##", "+ ##", "  -7"}},
        {"FMS0.0", {"+#.#", "-#.#", "+0.0", "+0.5", "-0.5", "+#.#", "+#.#", "-7.0"}},
        {"FM9,990", {"13", "-13", "0", "1", "-1", "1,235", "#,###", "-7"}},
        {"0000", {" 0013", "-0013", " 0000", " 0001", "-0001", " 1235", " ####", "-0007"}},
    };
    for (const Row& r : rows) {
        for (size_t i = 0; i < 8; ++i) {
            CAPTURE(r.tmpl);
            CAPTURE(xs[i]);
            CHECK(call("to_char", {{NUM, xs[i]}, t(r.tmpl)}) == r.out[i]);
        }
    }
}

TEST_CASE("encode and decode") {
    // SELECT encode('\x00ff41'::bytea, 'hex'), decode('00FF10', 'hex'), decode(' 00 ff ', 'hex'), decode('ab', 'Hex');
    CHECK(call("encode", {{BYTEA, "\\x00ff41"}, t("hex")}) == "00ff41");
    CHECK(call("decode", {t("00FF10"), t("hex")}) == "\\x00ff10");
    CHECK(call("decode", {t(" 00 ff "), t("hex")}) == "\\x00ff");
    CHECK(call("decode", {t("ab"), t("Hex")}) == "\\xab");
    CHECK(call("decode", {t("0"), t("hex")}) == "ERROR 22023: invalid hexadecimal data: odd number of digits");
    CHECK(call("decode", {t("zz"), t("hex")}) == "ERROR 22023: invalid hexadecimal digit: \"z\"");
    CHECK(call("decode", {t("1 2"), t("hex")}) == "ERROR 22023: invalid hexadecimal digit: \" \"");
    // base64: 76-character lines, lenient padding
    CHECK(call("encode", {{BYTEA, "hello world, this is a long string that needs more than seventy-six chars of base64 output ok"},
                          t("base64")}) ==
          "aGVsbG8gd29ybGQsIHRoaXMgaXMgYSBsb25nIHN0cmluZyB0aGF0IG5lZWRzIG1vcmUgdGhhbiBz\n"
          "ZXZlbnR5LXNpeCBjaGFycyBvZiBiYXNlNjQgb3V0cHV0IG9r");
    CHECK(call("encode", {{BYTEA, "ab"}, t("base64")}) == "YWI=");
    CHECK(call("encode", {{BYTEA, "abc"}, t("base64")}) == "YWJj");
    CHECK(call("encode", {{BYTEA, "a"}, t("base64")}) == "YQ==");
    CHECK(call("encode", {{BYTEA, ""}, t("base64")}) == "");
    CHECK(call("decode", {t("SGVsbG8="), t("base64")}) == "\\x48656c6c6f");
    CHECK(call("decode", {t("YQ==YQ=="), t("base64")}) == "\\x6161");
    CHECK(call("decode", {t("Y Q = ="), t("base64")}) == "\\x61");
    CHECK(call("decode", {t("SG=x"), t("base64")}) == "\\x48");
    CHECK(call("decode", {t("AB=A"), t("base64")}) == "\\x00");
    CHECK(call("decode", {t("SGVsbG8"), t("base64")}) == "ERROR 22023: invalid base64 end sequence");
    CHECK(call("decode", {t("S*"), t("base64")}) == "ERROR 22023: invalid symbol \"*\" found while decoding base64 sequence");
    CHECK(call("decode", {t("=A=="), t("base64")}) == "ERROR 22023: unexpected \"=\" while decoding base64 sequence");
    // escape: NUL and high bytes as octal, backslash doubled
    CHECK(call("encode", {{BYTEA, "\\x615c6200ff27800a"}, t("escape")}) == "a\\\\b\\000\\377'\\200\n");
    CHECK(call("decode", {t("a\\001b\\\\c"), t("escape")}) == "\\x6101625c63");
    CHECK(call("decode", {t("a\\9"), t("escape")}) == "ERROR 22P02: invalid input syntax for type bytea");
    CHECK(call("decode", {t("a\\12"), t("escape")}) == "ERROR 22P02: invalid input syntax for type bytea");
    CHECK(call("encode", {{BYTEA, "x"}, t("foo")}) == "ERROR 22023: unrecognized encoding: \"foo\"");
    CHECK(call("decode", {t("x"), t("foo")}) == "ERROR 22023: unrecognized encoding: \"foo\"");
}
