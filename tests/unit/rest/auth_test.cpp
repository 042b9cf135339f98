// Who may call the HTTP face: SPEC §1's anonymous-on-loopback default, API keys and roles.

#include "rest/auth.hpp"

#include <doctest.h>

using namespace nectar::rest;

namespace {

HttpRequest request(bool loopback, std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest r;
    r.method = "GET";
    r.path = "/api/v2/s/_table/t";
    r.peer_is_loopback = loopback;
    r.headers = std::move(headers);
    return r;
}

} // namespace

TEST_CASE("http auth: without any authentication configured, anonymous callers only on loopback") {
    Authenticator open({}, false);
    auto local = request(true);
    CHECK_FALSE(open.authenticate(local));
    CHECK(local.anonymous);
    auto remote = request(false);
    auto refused = open.authenticate(remote);
    REQUIRE(refused);
    CHECK(refused->status == 401);
    CHECK_FALSE(remote.anonymous);
}

TEST_CASE("http auth: API keys, roles and X-Role") {
    Authenticator auth({{"k-reader", {"reader", "writer"}}, {"k-admin", {"admin"}}}, true);
    auto none = request(true); // loopback is not enough once authentication is configured
    auto refused = auth.authenticate(none);
    REQUIRE(refused);
    CHECK(refused->status == 401);
    CHECK(refused->headers.at(0).first == "WWW-Authenticate");

    auto wrong = request(true, {{"x-api-key", "k-reade"}});
    REQUIRE(auth.authenticate(wrong));
    CHECK(auth.authenticate(wrong)->status == 401);

    auto reader = request(false, {{"x-api-key", "k-reader"}});
    CHECK_FALSE(auth.authenticate(reader));
    CHECK_FALSE(reader.anonymous);
    CHECK(reader.roles == std::vector<std::string>{"reader", "writer"});
    CHECK(reader.role == "reader");

    auto writer = request(false, {{"x-api-key", "k-reader"}, {"x-role", "writer"}});
    CHECK_FALSE(auth.authenticate(writer));
    CHECK(writer.role == "writer");

    auto stranger = request(false, {{"x-api-key", "k-reader"}, {"x-role", "admin"}});
    auto forbidden = auth.authenticate(stranger);
    REQUIRE(forbidden);
    CHECK(forbidden->status == 403);

    auto bearer = request(false, {{"authorization", "Bearer abc.def.ghi"}});
    auto jwt = auth.authenticate(bearer);
    REQUIRE(jwt);
    CHECK(jwt->status == 401);
    CHECK(jwt->body.find("JWT") != std::string::npos);
}
