#include "proxy/state_statement.hpp"

#include "state_test_util.hpp"

#include <doctest.h>
#include <string>
#include <utility>
#include <vector>

using namespace nectar::proxy;
using nectar::proxy::test::found;

namespace {

/// The one statement `sql` holds (fails the test when there is not exactly one).
StateStatement only(std::string_view sql) {
    auto statements = find_state_statements(sql);
    REQUIRE(statements.size() == 1);
    return statements.front();
}

} // namespace

TEST_CASE("ordinary statements change no session state") {
    CHECK(find_state_statements("SELECT 1").empty());
    CHECK(find_state_statements("select * from settings where name = 'x'").empty());
    CHECK(find_state_statements("INSERT INTO t VALUES (1); UPDATE t SET a = 2").empty());
    CHECK(find_state_statements("SHOW search_path").empty());
    CHECK(find_state_statements("").empty());
    CHECK(find_state_statements("  ;;  ; ").empty());
    CHECK(find_state_statements("-- just a comment").empty());
    CHECK(find_state_statements("/* SET x = 1 */ SELECT 1").empty());
}

TEST_CASE("a ';' inside quotes, dollar quotes or comments does not split") {
    SUBCASE("string literal with '' escapes") {
        CHECK(find_state_statements("SELECT 'a; SET x = 1'").empty());
        CHECK(find_state_statements("SELECT 'it''s; SET x = 1'").empty());
        CHECK(found("SELECT 'it''s; SET x = 1'; SET y = 2") == "set(y)");
        CHECK(found("SELECT ''''; SET y = 2") == "set(y)");
    }
    SUBCASE("E'' string with backslash escapes") {
        CHECK(find_state_statements("SELECT E'it\\'s; SET x = 1'").empty());
        CHECK(found("SELECT E'it\\'s; SET x = 1'; SET y = 2") == "set(y)");
        CHECK(found("SELECT e'\\\\'; SET y = 2") == "set(y)");
        CHECK(found("SELECT E'a''b;c'; SET y = 2") == "set(y)");
    }
    SUBCASE("a typed literal after a name ending in e is not an E'' string") {
        // name'a\' is the name "a\": the backslash escapes nothing.
        CHECK(found("SELECT name'a\\'; SET y = 2") == "set(y)");
        CHECK(found("SELECT time'12:00'; SET y = 2") == "set(y)");
    }
    SUBCASE("quoted identifiers") {
        CHECK(found("SELECT 1 AS \"a;SET x = 1\"; SET y = 2") == "set(y)");
        CHECK(found("SELECT 1 AS \"a\"\";SET x = 1\"; SET y = 2") == "set(y)");
    }
    SUBCASE("$$ and $tag$ dollar quotes") {
        CHECK(found("DO $$ BEGIN; SET x = 1; END $$; SET y = 2") == "set(y)");
        CHECK(found("DO $fn$ SELECT $$;SET x = 1;$$ $fn$; SET y = 2") == "set(y)");
        CHECK(found("DO $a$ ; SET x = 1 ; $b$ ; $a$; SET y = 2") == "set(y)");
        CHECK(find_state_statements("DO $$ ; SET x = 1").empty()); // unterminated: all quoted
    }
    SUBCASE("-- line comments") {
        CHECK(found("SELECT 1 -- ; SET x = 1\n; SET y = 2") == "set(y)");
        CHECK(find_state_statements("SELECT 1 -- ; SET x = 1").empty());
    }
    SUBCASE("nested /* */ comments") {
        CHECK(found("SELECT 1 /* a /* b */ ; SET x = 1 */; SET y = 2") == "set(y)");
        CHECK(found("SELECT 1 /* ; SET x = 1 */; SET y = 2") == "set(y)");
    }
    SUBCASE("$1 parameters and $ inside identifiers are not dollar quotes") {
        CHECK(found("SELECT $1;SET x = 1") == "set(x)");
        CHECK(found("SELECT $1 || $2; SET x = 1; SELECT $12") == "set(x)");
        CHECK(found("PREPARE p AS SELECT $1::int + $2; SET x = 1") ==
              "prepare(p) set(x)");
        CHECK(found("SELECT a$b$c FROM t; SET x = 1; SELECT 1 AS z$b$") == "set(x)");
    }
}

TEST_CASE("SET forms and the setting each one names") {
    CHECK(found("SET x = 1") == "set(x)");
    CHECK(found("SET x TO 1") == "set(x)");
    CHECK(found("SET SESSION x TO 1") == "set(x)");
    CHECK(found("SET search_path = a, b") == "set(search_path)");
    CHECK(found("SET TIME ZONE 'UTC'") == "set(timezone)");
    CHECK(found("SET SESSION TIME ZONE 'UTC'") == "set(timezone)");
    CHECK(found("SET NAMES 'UTF8'") == "set(client_encoding)");
    CHECK(found("SET SCHEMA 'app'") == "set(search_path)");
    CHECK(found("SET XML OPTION DOCUMENT") == "set(xmloption)");
    CHECK(found("SET ROLE alice") == "set(role)");
    CHECK(found("SET SESSION AUTHORIZATION bob") == "set(session authorization)");
    CHECK(found("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY") ==
          "set(session characteristics)");
    CHECK(found("SET myapp.user = 'bob'") == "set(myapp.user)");
    // GUC names are case-insensitive, quoted or not: one key for all spellings.
    CHECK(found("SET \"Quoted.Name\" = 1") == "set(quoted.name)");
    CHECK(found("SET \"TimeZone\" = 'UTC'") == "set(timezone)");
    CHECK(found("SET \"myapp\".\"who\" = 'q'") == "set(myapp.who)");
    CHECK(found("SET myapp.\"Who\" = 'q'") == "set(myapp.who)");
    CHECK(found("sEt DateStyle To 'ISO'") == "set(datestyle)");
}

TEST_CASE("transaction-scoped SETs are ignored") {
    CHECK(find_state_statements("SET LOCAL x = 1").empty());
    CHECK(find_state_statements("set local search_path = a").empty());
    CHECK(find_state_statements("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE").empty());
    CHECK(find_state_statements("SET TRANSACTION SNAPSHOT '00000003-0000001B-1'").empty());
    CHECK(find_state_statements("SET CONSTRAINTS ALL DEFERRED").empty());
}

TEST_CASE("RESET forms") {
    CHECK(found("RESET x") == "reset(x)");
    CHECK(found("RESET TIME ZONE") == "reset(timezone)");
    CHECK(found("reset TimeZone") == "reset(timezone)");
    CHECK(found("RESET ROLE") == "reset(role)");
    CHECK(found("RESET SESSION AUTHORIZATION") == "reset(session authorization)");
    CHECK(found("RESET myapp.user") == "reset(myapp.user)");
    CHECK(found("RESET ALL") == "reset_all()");
    CHECK(found("reset all") == "reset_all()");
}

TEST_CASE("PREPARE, DEALLOCATE and DISCARD") {
    CHECK(found("PREPARE p AS SELECT 1") == "prepare(p)");
    CHECK(found("PREPARE p(int, text) AS SELECT $1, $2") == "prepare(p)");
    CHECK(found("prepare MyPlan AS SELECT 1") == "prepare(myplan)");
    CHECK(found("PREPARE \"MyPlan\" AS SELECT 1") == "prepare(MyPlan)");
    CHECK(find_state_statements("PREPARE TRANSACTION 'x'").empty());
    CHECK(found("DEALLOCATE p") == "deallocate(p)");
    CHECK(found("DEALLOCATE PREPARE p") == "deallocate(p)");
    CHECK(found("DEALLOCATE \"MyPlan\"") == "deallocate(MyPlan)");
    CHECK(found("DEALLOCATE ALL") == "deallocate_all()");
    CHECK(found("DEALLOCATE PREPARE ALL") == "deallocate_all()");
    CHECK(found("DISCARD ALL") == "discard_all()");
    CHECK(find_state_statements("DISCARD PLANS").empty());
    CHECK(find_state_statements("DISCARD SEQUENCES").empty());
}

TEST_CASE("LISTEN and UNLISTEN") {
    CHECK(found("LISTEN c") == "listen(c)");
    CHECK(found("LISTEN \"Chan\"") == "listen(Chan)");
    CHECK(found("UNLISTEN *") == "unlisten_all()");
    CHECK(find_state_statements("UNLISTEN c").empty()); // one channel: the session may still listen
}

TEST_CASE("several statements, comments and the replay text") {
    CHECK(found("BEGIN; SET a = 1; SELECT 1; reset b; PREPARE p AS SELECT 2; COMMIT") ==
          "set(a) reset(b) prepare(p)");
    CHECK(found("/* lead */ SET a = 1") == "set(a)");
    CHECK(found("-- lead\nSET a = 1") == "set(a)");
    CHECK(found("/* a /* nested */ b */ -- line\n  /* again */ LISTEN c") == "listen(c)");

    auto statements = find_state_statements("SELECT 1; SET a = 'x;y'; SELECT 2");
    REQUIRE(statements.size() == 1);
    CHECK(statements[0].text == " SET a = 'x;y'");

    // A statement ending in a line comment can still be followed by ";" when replayed.
    StateStatement commented = only("SET search_path = a -- why");
    std::string replay = commented.text + ";\n" + "SET b = 1;\n";
    CHECK(found(replay) == "set(search_path) set(b)");
}

TEST_CASE("set_statement quotes names and values") {
    CHECK(set_statement("application_name", "app") == "SET \"application_name\" = 'app'");
    CHECK(set_statement("application_name", "it's") == "SET \"application_name\" = 'it''s'");
    CHECK(set_statement("DateStyle", "ISO, DMY") == "SET \"DateStyle\" = 'ISO, DMY'");
    CHECK(set_statement("we\"ird", "x") == "SET \"we\"\"ird\" = 'x'");
    CHECK(set_statement("search_path", "") == "SET \"search_path\" = ''");
    // "user" is a reserved word: SET myapp.user = ... is a syntax error, the quoted name is not.
    CHECK(set_statement("myapp.user", "bob") == "SET \"myapp.user\" = 'bob'");
    // What set_statement writes reads back as a SET of the same key.
    CHECK(found(set_statement("myapp.User", "o'neil; x")) == "set(myapp.user)");
    CHECK(found(set_statement("TimeZone", "UTC")) == "set(timezone)");
}

TEST_CASE("reset_statement_for") {
    CHECK(reset_statement_for("search_path") == "RESET \"search_path\"");
    CHECK(reset_statement_for("myapp.user") == "RESET \"myapp.user\"");
    CHECK(reset_statement_for("role") == "RESET ROLE");
    CHECK(reset_statement_for("session authorization") == "RESET SESSION AUTHORIZATION");
    CHECK(found(reset_statement_for("session characteristics")) ==
          "reset(default_transaction_isolation) reset(default_transaction_read_only) "
          "reset(default_transaction_deferrable)");
    for (const char* key : {"timezone", "client_encoding", "myapp.user", "role", "session authorization"}) {
        CAPTURE(key);
        CHECK(found(reset_statement_for(key)) == "reset(" + std::string(key) + ")");
    }
}

TEST_CASE("parse_startup_options") {
    using Settings = std::vector<std::pair<std::string, std::string>>;
    CHECK(parse_startup_options("-c a=1 -c b=2") == Settings{{"a", "1"}, {"b", "2"}});
    CHECK(parse_startup_options("-ca=1") == Settings{{"a", "1"}});
    CHECK(parse_startup_options("--a-b=1") == Settings{{"a_b", "1"}});
    CHECK(parse_startup_options("-c statement-timeout=5s") == Settings{{"statement_timeout", "5s"}});
    CHECK(parse_startup_options("-c search_path=a\\ b") == Settings{{"search_path", "a b"}});
    CHECK(parse_startup_options("-c x=a\\\\b") == Settings{{"x", "a\\b"}});
    CHECK(parse_startup_options("  -c   a=1   --b=x=y ") == Settings{{"a", "1"}, {"b", "x=y"}});
    CHECK(parse_startup_options("-c a=") == Settings{{"a", ""}});
    CHECK(parse_startup_options("-c noequals -c").empty());
    CHECK(parse_startup_options("-B 100 -c a=1") == Settings{{"a", "1"}});
    CHECK(parse_startup_options("").empty());
}
