// Config for the REST face: JWT, rate limits, page limits and numeric style.
#include "proxy/config.hpp"

#include "../rest/jwt_test_util.hpp"
#include "config_test_util.hpp"

#include <doctest.h>

using namespace nectar::proxy;
using namespace nectar::proxy::testing;

TEST_CASE("JWT and rate-limit settings: defaults, flags and the file") {
    Config d = load({});
    CHECK(d.jwt_algorithm == "HS256");
    CHECK(d.jwt_leeway_seconds == 30);
    CHECK(d.jwt_roles_claim == "roles");
    CHECK(d.rate_limit_per_second == 0);
    CHECK(d.rate_limit_burst == 0);

    TempDir dir;
    namespace t = nectar::rest::test;
    t::Pkey rsa = t::rsa_key();
    const std::string rsa_pem = t::public_pem(rsa.get());
    const std::string rsa_file = dir.write("rsa.pem", rsa_pem);
    Config c = load({"--jwt-algorithm", "RS256", "--jwt-public-key", rsa_file, "--jwt-audience", "api",
                     "--jwt-issuer", "https://id/", "--jwt-leeway-seconds", "5", "--jwt-roles-claim",
                     "realm_access.roles", "--rate-limit-per-second", "10", "--rate-limit-burst", "20",
                     "--http-listen", "10.0.0.1:8080", "--pg-listen", "10.0.0.1:6432"});
    CHECK(c.jwt_algorithm == "RS256");
    CHECK(c.jwt_public_key == rsa_file);
    CHECK(c.jwt_public_key_pem == rsa_pem);
    CHECK(c.jwt_audience == "api");
    CHECK(c.jwt_issuer == "https://id/");
    CHECK(c.jwt_leeway_seconds == 5);
    CHECK(c.jwt_roles_claim == "realm_access.roles");
    CHECK(c.rate_limit_per_second == 10);
    CHECK(c.rate_limit_burst == 20);
    CHECK(c.has_authentication()); // a public key alone is authentication

    t::Pkey ec = t::ec_key();
    const std::string ec_file = dir.write("ec.pem", t::public_pem(ec.get()));
    const std::string file = dir.write("jwt.toml", "jwt-algorithm = \"ES256\"\njwt-public-key = \"" + ec_file +
                                                       "\"\njwt-audience = \"a\"\njwt-issuer = \"i\"\n"
                                                       "jwt-leeway-seconds = 0\njwt-roles-claim = \"groups\"\n"
                                                       "rate-limit-per-second = 3\nrate-limit-burst = 7\n");
    Config f = load({"--config", file});
    CHECK(f.jwt_algorithm == "ES256");
    CHECK_FALSE(f.jwt_public_key_pem.empty());
    CHECK(f.jwt_leeway_seconds == 0);
    CHECK(f.jwt_roles_claim == "groups");
    CHECK(f.rate_limit_per_second == 3);
    CHECK(f.rate_limit_burst == 7);
    Config overridden = load({"--config", file, "--rate-limit-burst", "9"});
    CHECK(overridden.rate_limit_burst == 9);
}

TEST_CASE("bad JWT and rate-limit settings are one clear message") {
    TempDir dir;
    namespace t = nectar::rest::test;
    t::Pkey rsa = t::rsa_key();
    const std::string rsa_file = dir.write("rsa.pem", t::public_pem(rsa.get()));
    const std::string garbage = dir.write("garbage.pem", "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n");
    CHECK_ERROR(Args({"--jwt-algorithm", "HS512"}), "--jwt-algorithm", "'HS512'", "HS256, RS256, ES256");
    CHECK_ERROR(Args({"--jwt-algorithm", "none"}), "--jwt-algorithm", "'none'");
    CHECK_ERROR(Args({"--jwt-algorithm", "RS256"}), "--jwt-algorithm", "needs --jwt-public-key");
    CHECK_ERROR(Args({"--jwt-public-key", rsa_file}), "--jwt-public-key", "--jwt-algorithm RS256 or ES256");
    CHECK_ERROR(Args({"--jwt-algorithm", "RS256", "--jwt-public-key", rsa_file, "--jwt-secret", "s"}),
                "--jwt-secret", "HS256");
    CHECK_ERROR(Args({"--jwt-algorithm", "ES256", "--jwt-public-key", rsa_file}), "--jwt-public-key",
                "rsa.pem", "P-256");
    CHECK_ERROR(Args({"--jwt-algorithm", "RS256", "--jwt-public-key", garbage}), "garbage.pem",
                "not a PEM public key");
    CHECK_ERROR(Args({"--jwt-algorithm", "RS256", "--jwt-public-key", dir.path("absent.pem")}), "--jwt-public-key",
                "cannot read", "absent.pem");
    CHECK_ERROR(Args({"--jwt-algorithm", "RS256", "--jwt-public-key", dir.path("")}), "is not a file");
    CHECK_ERROR(Args({"--jwt-audience", "api"}), "--jwt-audience", "JWT bearer tokens are off");
    CHECK_ERROR(Args({"--jwt-leeway-seconds", "86401", "--jwt-secret", "s"}), "--jwt-leeway-seconds", "'86401'");
    CHECK_ERROR(Args({"--jwt-leeway-seconds", "-1", "--jwt-secret", "s"}), "--jwt-leeway-seconds");
    CHECK_ERROR(Args({"--jwt-roles-claim", "", "--jwt-secret", "s"}), "--jwt-roles-claim", "empty");
    CHECK_ERROR(Args({"--rate-limit-per-second", "-5"}), "--rate-limit-per-second", "'-5'");
    CHECK_ERROR(Args({"--rate-limit-per-second", "1000001"}), "--rate-limit-per-second");
    CHECK_ERROR(Args({"--rate-limit-burst", "5"}), "--rate-limit-burst", "needs rate-limit-per-second");
    auto file_error = [&](const std::string& content) {
        return load_error({"--config", dir.write("bad.toml", content)});
    };
    CHECK(contains(file_error("jwt-leeway-seconds = \"30\"\n"), "jwt-leeway-seconds: must be an integer"));
    CHECK(contains(file_error("rate-limit-per-second = 1.5\n"), "rate-limit-per-second: must be an integer"));
    CHECK(contains(file_error("jwt-algorithm = \"RS256\"\njwt-public-key = \"/nonexistent.pem\"\n"),
                   "bad.toml:2: jwt-public-key: cannot read"));
}

TEST_CASE("REST page limits and numeric style: defaults, flags, the file and bad values") {
    Config d = load({});
    CHECK(d.rest_default_limit == 50);
    CHECK(d.rest_max_limit == 1000);
    CHECK_FALSE(d.rest_numeric_as_string);
    Config c = load({"--rest-default-limit", "20", "--rest-max-limit", "200", "--rest-numeric", "string"});
    CHECK(c.rest_default_limit == 20);
    CHECK(c.rest_max_limit == 200);
    CHECK(c.rest_numeric_as_string);
    TempDir dir;
    const std::string file =
        dir.write("rest.toml", "rest-default-limit = 10\nrest-max-limit = 5000\nrest-numeric = \"number\"\n");
    Config f = load({"--config", file});
    CHECK(f.rest_default_limit == 10);
    CHECK(f.rest_max_limit == 5000);
    CHECK_FALSE(f.rest_numeric_as_string);
    CHECK_ERROR(Args({"--rest-max-limit", "0"}), "rest-max-limit", "1..100000");
    CHECK_ERROR(Args({"--rest-numeric", "text"}), "rest-numeric", "number, string");
    CHECK_ERROR(Args({"--rest-default-limit", "500", "--rest-max-limit", "100"}), "rest-default-limit",
                "over rest-max-limit");
}
