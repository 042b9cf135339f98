// Recognising LISTEN / UNLISTEN statements whose channel may name a Nectar table.
#include "proxy/listen_statement.hpp"

#include <doctest.h>

using nectar::proxy::parse_listen_statement;

TEST_CASE("listen statements: the forms recognised") {
    auto listen = parse_listen_statement(R"(  listen "pg.items" ; )");
    REQUIRE(listen);
    CHECK_FALSE(listen->unlisten);
    CHECK_FALSE(listen->all);
    CHECK(listen->channel == "pg.items");

    auto quoted = parse_listen_statement(R"(LISTEN"we""ird.Ta ble")");
    REQUIRE(quoted);
    CHECK(quoted->channel == R"(we"ird.Ta ble)");

    auto unlisten = parse_listen_statement(R"(UnListen "pg.items")");
    REQUIRE(unlisten);
    CHECK(unlisten->unlisten);
    CHECK(unlisten->channel == "pg.items");

    auto all = parse_listen_statement("UNLISTEN *;");
    REQUIRE(all);
    CHECK(all->unlisten);
    CHECK(all->all);
}

TEST_CASE("listen statements: everything else goes on as usual") {
    CHECK_FALSE(parse_listen_statement("LISTEN plain"));        // unquoted: never a table name
    CHECK_FALSE(parse_listen_statement("LISTEN pg.items"));     // PostgreSQL's syntax error stays its own
    CHECK_FALSE(parse_listen_statement(R"(LISTEN "")"));        // PostgreSQL: zero-length identifier
    CHECK_FALSE(parse_listen_statement(R"(LISTEN "pg.items)")); // unterminated
    CHECK_FALSE(parse_listen_statement("LISTEN *"));
    CHECK_FALSE(parse_listen_statement(R"(LISTEN "a.b"; SELECT 1)")); // more than one statement
    CHECK_FALSE(parse_listen_statement(R"(LISTENER "a.b")"));
    CHECK_FALSE(parse_listen_statement(R"(NOTIFY "a.b")"));
    CHECK_FALSE(parse_listen_statement(""));
    CHECK_FALSE(parse_listen_statement("LISTEN \"" + std::string(64, 'x') + "\"")); // PostgreSQL truncates it
    CHECK(parse_listen_statement("LISTEN \"" + std::string(63, 'x') + "\""));
}
