// Who may call the HTTP face: SPEC §1's anonymous-on-loopback default, API keys and roles.

#include "rest/auth.hpp"

#include "jwt_test_util.hpp"

#include <ctime>

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

    // Without a JWT key configured, a bearer token is refused with a message saying so.
    auto bearer = request(false, {{"authorization", "Bearer abc.def.ghi"}});
    auto jwt = auth.authenticate(bearer);
    REQUIRE(jwt);
    CHECK(jwt->status == 401);
    CHECK(jwt->body.find("not enabled") != std::string::npos);
}

TEST_CASE("http auth: JWT bearer tokens, X-Role among the token's roles, RFC 6750 challenges") {
    JwtSettings settings;
    settings.secret = "s3cret";
    Authenticator auth({{"k-admin", {"admin"}}}, true, test::verifier(settings));
    const std::string exp = std::to_string(std::time(nullptr) + 600);
    const std::string token =
        test::hs256_token("s3cret", R"({"sub":"alice","roles":["reader","writer"],"tenant":"t1","exp":)" + exp + "}");

    auto ok = request(false, {{"authorization", "Bearer " + token}});
    CHECK_FALSE(auth.authenticate(ok));
    CHECK(ok.principal == "user:alice");
    CHECK(ok.user_id == "alice");
    CHECK(ok.role == "reader");
    CHECK(ok.roles == std::vector<std::string>{"reader", "writer"});
    CHECK(ok.claims.at("tenant") == "t1");
    CHECK_FALSE(ok.anonymous);

    auto lower_scheme = request(false, {{"authorization", "bearer  " + token}, {"x-role", "writer"}});
    CHECK_FALSE(auth.authenticate(lower_scheme));
    CHECK(lower_scheme.role == "writer");

    auto stranger = request(false, {{"authorization", "Bearer " + token}, {"x-role", "admin"}});
    auto forbidden = auth.authenticate(stranger);
    REQUIRE(forbidden);
    CHECK(forbidden->status == 403);
    CHECK(forbidden->body.find("42501") != std::string::npos);
    CHECK(forbidden->headers.at(0).second.find("insufficient_scope") != std::string::npos);

    auto bad = request(false, {{"authorization", "Bearer " + token + "x"}});
    auto refused = auth.authenticate(bad);
    REQUIRE(refused);
    CHECK(refused->status == 401);
    CHECK(refused->headers.at(0).first == "WWW-Authenticate");
    CHECK(refused->headers.at(0).second.find("error=\"invalid_token\"") != std::string::npos);
    CHECK(refused->body.find("signature") != std::string::npos);

    auto basic = request(false, {{"authorization", "Basic YWxpY2U6cHc="}});
    auto unsupported = auth.authenticate(basic);
    REQUIRE(unsupported);
    CHECK(unsupported->status == 401);
    CHECK(unsupported->body.find("Basic") != std::string::npos);

    auto both = request(false, {{"authorization", "Bearer " + token}, {"x-api-key", "k-admin"}});
    auto invalid = auth.authenticate(both);
    REQUIRE(invalid);
    CHECK(invalid->status == 400);
    CHECK(invalid->headers.at(0).second.find("invalid_request") != std::string::npos);

    auto nothing = request(true);
    auto challenge = auth.authenticate(nothing);
    REQUIRE(challenge);
    CHECK(challenge->status == 401);
    CHECK(challenge->headers.at(0).second == "Bearer realm=\"nectar\", X-API-Key realm=\"nectar\"");

    auto key = request(false, {{"x-api-key", "k-admin"}}); // API keys still work beside JWTs
    CHECK_FALSE(auth.authenticate(key));
    CHECK(key.role == "admin");
    CHECK(key.user_id.empty());
}
