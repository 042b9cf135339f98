// Request targets and the router: decoding, exact and pattern routes, 404/405 as JSON.

#include "rest/http_message.hpp"

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <doctest.h>
#include <simdjson.h>

using namespace nectar::rest;

namespace {

HttpResponse route(const HttpRouter& router, std::string method, std::string path) {
    HttpRequest request;
    request.method = std::move(method);
    request.path = std::move(path);
    HttpResponse out;
    boost::asio::io_context io;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { out = co_await router.route(request); }, boost::asio::detached);
    io.run();
    return out;
}

HttpRouter::Handler echo(std::string name) {
    return [name](const HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
        HttpResponse r;
        r.body = name;
        for (const auto& [k, v] : request.path_params) {
            r.body += " " + k + "=" + v;
        }
        co_return r;
    };
}

std::string sqlstate_of(const HttpResponse& r) {
    simdjson::dom::parser parser;
    std::string_view state;
    REQUIRE(parser.parse(r.body)["error"]["sqlstate"].get_string().get(state) == simdjson::SUCCESS);
    return std::string(state);
}

} // namespace

TEST_CASE("http target: path and query are percent-decoded, bad escapes and NUL refused") {
    auto t = decode_target("/api/v2/my%20svc/_table/t?filter=%7B%22a%22%3A1%7D&sort=a+b&flag&x=");
    REQUIRE(t);
    CHECK(t->path == "/api/v2/my svc/_table/t");
    REQUIRE(t->query.size() == 4);
    CHECK(t->query[0] == std::pair<std::string, std::string>{"filter", "{\"a\":1}"});
    CHECK(t->query[1].second == "a b"); // '+' is a space in a query, not in a path
    CHECK(t->query[2] == std::pair<std::string, std::string>{"flag", ""});
    CHECK(t->query[3] == std::pair<std::string, std::string>{"x", ""});
    CHECK(decode_target("/a+b")->path == "/a+b");
    CHECK_FALSE(decode_target("/a%zz"));
    CHECK_FALSE(decode_target("/a%4"));
    CHECK_FALSE(decode_target("/a%00b"));
    CHECK_FALSE(decode_target("/a?x=%00"));
    CHECK_FALSE(decode_target("relative"));
    CHECK_FALSE(decode_target(""));
}

TEST_CASE("http router: exact routes win, patterns capture segments, others are JSON 404/405") {
    HttpRouter router;
    router.add("GET", "/healthz", echo("health"));
    router.add("GET", "/api/v2/{service}/_table/{table}/_count", echo("count"));
    router.add("GET", "/api/v2/{service}/_table/{table}/{id}", echo("one"));
    router.add("GET", "/api/v2/{service}/_table/{table}", echo("list"));
    router.add("POST", "/api/v2/{service}/_table/{table}", echo("insert"));

    CHECK(route(router, "GET", "/healthz").body == "health");
    CHECK(route(router, "GET", "/api/v2/pg/_table/users").body == "list service=pg table=users");
    CHECK(route(router, "POST", "/api/v2/pg/_table/users").body == "insert service=pg table=users");
    CHECK(route(router, "GET", "/api/v2/pg/_table/users/_count").body == "count service=pg table=users");
    CHECK(route(router, "GET", "/api/v2/pg/_table/users/7").body == "one service=pg table=users id=7");
    CHECK(route(router, "HEAD", "/healthz").body == "health"); // the session drops the body

    auto missing = route(router, "GET", "/api/v2/pg/_table"); // too few segments
    CHECK(missing.status == 404);
    CHECK(sqlstate_of(missing) == "42704");
    CHECK(route(router, "GET", "/api/v2//_table/users").status == 404); // an empty segment is no name
    CHECK(route(router, "GET", "/api/v2/pg/_table/users/7/extra").status == 404);

    auto wrong = route(router, "DELETE", "/healthz");
    CHECK(wrong.status == 405);
    REQUIRE(wrong.headers.size() == 1);
    CHECK(wrong.headers[0] == std::pair<std::string, std::string>{"Allow", "GET"});
    CHECK(route(router, "DELETE", "/api/v2/pg/_table/users").headers[0].second == "GET, POST");
}

TEST_CASE("http router: middlewares wrap protected routes in order, open routes skip them") {
    HttpRouter router;
    router.add("GET", "/healthz", echo("health"), true);
    router.add("GET", "/api/v2/{service}/_table/{table}", echo("list"));
    router.add_middleware([](const HttpRequest& request, const HttpRouter::Handler& next)
                              -> boost::asio::awaitable<HttpResponse> {
        HttpResponse r = co_await next(request);
        r.body = "outer(" + r.body + ")";
        co_return r;
    });
    router.add_middleware([](const HttpRequest& request, const HttpRouter::Handler& next)
                              -> boost::asio::awaitable<HttpResponse> {
        if (request.path_param("table") == "blocked") {
            co_return HttpResponse::error(429, "53400", "slow down"); // answers without the handler
        }
        HttpResponse r = co_await next(request);
        r.body = "inner(" + r.body + ")";
        co_return r;
    });
    CHECK(route(router, "GET", "/api/v2/pg/_table/users").body == "outer(inner(list service=pg table=users))");
    auto blocked = route(router, "GET", "/api/v2/pg/_table/blocked");
    CHECK(blocked.status == 429);
    CHECK(blocked.body.substr(0, 6) == "outer(");
    CHECK(route(router, "GET", "/healthz").body == "health");
}

TEST_CASE("http error body: SPEC §5's shape with escaping") {
    auto r = HttpResponse::error(400, "42703", "column \"a\\b\" does not exist");
    CHECK(r.status == 400);
    CHECK(r.body == R"({"error":{"code":400,"sqlstate":"42703","message":"column \"a\\b\" does not exist"}})");
}

TEST_CASE("http json depth: nesting counted outside strings, deep bodies refused before the handler") {
    CHECK(json_nesting_depth("") == 0);
    CHECK(json_nesting_depth(R"({"a":[1,{"b":2}]})") == 3);
    CHECK(json_nesting_depth(R"({"a":"[[[[{{{{\"]]]"})") == 1); // brackets and an escaped quote inside a string
    HttpRouter router;
    router.add("POST", "/api/v2/{service}/_table/{table}", echo("insert"));
    HttpRequest request;
    request.method = "POST";
    request.path = "/api/v2/pg/_table/t";
    request.body = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
    HttpResponse out;
    boost::asio::io_context io;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { out = co_await router.route(request); }, boost::asio::detached);
    io.run();
    CHECK(out.body == "insert service=pg table=t");
    request.body = "[" + request.body + "]";
    io.restart();
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { out = co_await router.route(request); }, boost::asio::detached);
    io.run();
    CHECK(out.status == 400);
    CHECK(sqlstate_of(out) == "54000");
}
