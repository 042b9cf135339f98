// JWT bearer tokens: the three pinned algorithms with keys made here, tampering, alg none and
// mismatch, exp/nbf with leeway, aud and iss, roles, and malformed tokens of every kind.

#include "rest/jwt.hpp"
#include "jwt_test_util.hpp"

#include <doctest.h>

using namespace nectar::rest;
using namespace nectar::rest::test;

namespace {

constexpr int64_t kNow = 1'800'000'000;
const std::string kSecret = "a-shared-secret-of-thirty-two-bytes!";

JwtSettings hs256() {
    JwtSettings s;
    s.secret = kSecret;
    return s;
}

JwtSettings with_key(JwtAlgorithm algorithm, EVP_PKEY* key) {
    JwtSettings s;
    s.algorithm = algorithm;
    s.public_key_pem = public_pem(key);
    return s;
}

std::string payload(const std::string& extra = "") {
    return R"({"sub":"alice","roles":["reader","writer"],"exp":)" + std::to_string(kNow + 600) + extra + "}";
}

/// The message of a refused token (fails the test if the token was accepted).
std::string refusal(const JwtVerifier& v, const std::string& token, int64_t now = kNow) {
    auto r = v.verify(token, now);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().sqlstate == "28000");
    return r.error().message;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

EVP_PKEY* shared_rsa() {
    static Pkey key = rsa_key();
    return key.get();
}

EVP_PKEY* shared_ec() {
    static Pkey key = ec_key();
    return key.get();
}

} // namespace

TEST_CASE("jwt: base64url without padding, strictly") {
    for (std::string s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\xfe?>", 5)}) {
        auto decoded = base64url_decode(base64url_encode(s));
        REQUIRE(decoded);
        CHECK(*decoded == s);
    }
    CHECK(base64url_encode("\xfb\xff") == "-_8");
    CHECK_FALSE(base64url_decode("Zm9v=")); // padding
    CHECK_FALSE(base64url_decode("Zm+v"));  // the base64 alphabet, not base64url
    CHECK_FALSE(base64url_decode("Zm9vY"));  // 5 characters cannot encode whole bytes
    CHECK_FALSE(base64url_decode("Zh"));     // non-zero leftover bits: a second spelling of "f"
}

TEST_CASE("jwt: HS256 accepts the right secret and exposes subject, roles and claims") {
    auto v = verifier(hs256());
    auto r = v->verify(hs256_token(kSecret, payload(R"(,"name":"Alice","tenant":7,"admin":false,"org":{"id":1})")), kNow);
    REQUIRE(r.ok());
    CHECK(r->subject == "alice");
    CHECK(r->roles == std::vector<std::string>{"reader", "writer"});
    CHECK(r->claims.at("name") == "Alice");
    CHECK(r->claims.at("tenant") == "7");
    CHECK(r->claims.at("admin") == "false");
    CHECK(r->claims.at("org") == R"({"id":1})");
    CHECK(r->claims.at("sub") == "alice");

    CHECK(contains(refusal(*v, hs256_token("another-secret", payload())), "invalid token signature"));
}

TEST_CASE("jwt: a tampered payload or signature is refused") {
    auto v = verifier(hs256());
    const std::string token = hs256_token(kSecret, payload());
    const size_t first = token.find('.');
    const size_t second = token.find('.', first + 1);
    // Same header and signature, payload now claiming another subject and role.
    const std::string forged = token.substr(0, first + 1) +
                               base64url_encode(R"({"sub":"root","roles":["admin"],"exp":1900000000})") +
                               token.substr(second);
    CHECK(contains(refusal(*v, forged), "invalid token signature"));
    std::string flipped = token;
    flipped.back() = flipped.back() == 'A' ? 'Q' : 'A';
    CHECK_FALSE(v->verify(flipped, kNow).ok());
    CHECK(contains(refusal(*v, token.substr(0, second + 1)), "invalid token signature")); // no signature
}

TEST_CASE("jwt: alg none is never accepted and the algorithm is pinned") {
    auto v = verifier(hs256());
    for (std::string alg : {"none", "None", "NONE"}) {
        const std::string unsigned_token = signing_input(R"({"alg":")" + alg + R"("})", payload()) + ".";
        CHECK(contains(refusal(*v, unsigned_token), "alg \"none\""));
    }
    CHECK(contains(refusal(*v, rs256_token(shared_rsa(), payload())), "accepts only HS256"));
    CHECK(contains(refusal(*v, hs256_token(kSecret, payload(), R"({"typ":"JWT"})")), "no \"alg\""));
    CHECK(contains(refusal(*v, hs256_token(kSecret, payload(), R"({"alg":"HS256","crit":["exp"]})")), "crit"));

    // The classic key-confusion attack: an HS256 token keyed with the RSA public key's PEM text.
    auto rs = verifier(with_key(JwtAlgorithm::rs256, shared_rsa()));
    const std::string confused = hs256_token(public_pem(shared_rsa()), payload());
    CHECK(contains(refusal(*rs, confused), "accepts only RS256"));
}

TEST_CASE("jwt: RS256 with a PEM public key") {
    auto v = verifier(with_key(JwtAlgorithm::rs256, shared_rsa()));
    auto r = v->verify(rs256_token(shared_rsa(), payload()), kNow);
    REQUIRE(r.ok());
    CHECK(r->subject == "alice");

    Pkey other = rsa_key();
    CHECK(contains(refusal(*v, rs256_token(other.get(), payload())), "invalid token signature"));
    const std::string good = rs256_token(shared_rsa(), payload());
    const std::string tampered = signing_input(R"({"alg":"RS256","typ":"JWT"})", payload(R"(,"x":1)")) +
                                 good.substr(good.rfind('.'));
    CHECK(contains(refusal(*v, tampered), "invalid token signature"));
}

TEST_CASE("jwt: ES256 signatures are JOSE's raw r || s") {
    auto v = verifier(with_key(JwtAlgorithm::es256, shared_ec()));
    const std::string good = es256_token(shared_ec(), payload());
    auto r = v->verify(good, kNow);
    REQUIRE(r.ok());
    CHECK(r->roles.size() == 2);

    Pkey other = ec_key();
    CHECK(contains(refusal(*v, es256_token(other.get(), payload())), "invalid token signature"));
    // A DER signature, as OpenSSL makes it, is not what JWS carries.
    const std::string input = signing_input(R"({"alg":"ES256"})", payload());
    CHECK(contains(refusal(*v, input + "." + base64url_encode(digest_sign(shared_ec(), input))), "64 bytes"));
    const std::string tampered = signing_input(R"({"alg":"ES256","typ":"JWT"})", payload(R"(,"x":1)")) +
                                 good.substr(good.rfind('.'));
    CHECK(contains(refusal(*v, tampered), "invalid token signature"));
    // r || s of zeros is not a valid signature (and must not crash the conversion).
    CHECK(contains(refusal(*v, input + "." + base64url_encode(std::string(64, '\0'))), "invalid token signature"));
}

TEST_CASE("jwt: create() checks the key against the pinned algorithm") {
    JwtSettings empty_secret;
    CHECK_FALSE(JwtVerifier::create(empty_secret).ok());
    auto rs_with_ec = JwtVerifier::create(with_key(JwtAlgorithm::rs256, shared_ec()));
    REQUIRE_FALSE(rs_with_ec.ok());
    CHECK(contains(rs_with_ec.error().message, "RSA"));
    auto es_with_rsa = JwtVerifier::create(with_key(JwtAlgorithm::es256, shared_rsa()));
    REQUIRE_FALSE(es_with_rsa.ok());
    CHECK(contains(es_with_rsa.error().message, "P-256"));
    Pkey p384 = ec_key("P-384");
    auto wrong_curve = JwtVerifier::create(with_key(JwtAlgorithm::es256, p384.get()));
    REQUIRE_FALSE(wrong_curve.ok());
    CHECK(contains(wrong_curve.error().message, "secp384r1"));
    Pkey small = rsa_key(1024);
    CHECK(contains(JwtVerifier::create(with_key(JwtAlgorithm::rs256, small.get())).error().message, "2048"));
    JwtSettings garbage;
    garbage.algorithm = JwtAlgorithm::rs256;
    garbage.public_key_pem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n";
    CHECK(contains(JwtVerifier::create(garbage).error().message, "not a PEM public key"));
}

TEST_CASE("jwt: exp and nbf with leeway") {
    JwtSettings s = hs256();
    s.leeway_seconds = 30;
    auto v = verifier(s);
    auto token_with = [&](const std::string& times) { return hs256_token(kSecret, R"({"sub":"a")" + times + "}"); };
    const auto at = [](int64_t offset) { return std::to_string(kNow + offset); };

    CHECK(v->verify(token_with(",\"exp\":" + at(-29)), kNow).ok()); // within the leeway
    CHECK(contains(refusal(*v, token_with(",\"exp\":" + at(-30))), "expired at"));
    CHECK(contains(refusal(*v, token_with(",\"exp\":" + at(-3600))), "expired at 2027-01-15T"));
    CHECK(v->verify(token_with(",\"exp\":" + at(10) + ".5"), kNow).ok()); // NumericDate may be fractional
    CHECK(v->verify(token_with(",\"nbf\":" + at(29)), kNow).ok());
    CHECK(contains(refusal(*v, token_with(",\"nbf\":" + at(31))), "not valid before"));
    CHECK(contains(refusal(*v, token_with(",\"exp\":\"tomorrow\"")), "exp claim is not a number"));
    CHECK(contains(refusal(*v, token_with(",\"nbf\":null")), "nbf claim is not a number"));
    CHECK(v->verify(token_with(""), kNow).ok()); // exp is optional (RFC 7519 §4.1.4)

    s.leeway_seconds = 0;
    auto strict = verifier(s);
    CHECK(contains(refusal(*strict, token_with(",\"exp\":" + at(0))), "expired")); // on exp itself: expired
    CHECK(strict->verify(token_with(",\"exp\":" + at(1)), kNow).ok());
}

TEST_CASE("jwt: audience and issuer when configured") {
    JwtSettings s = hs256();
    s.audience = "nectar-api";
    s.issuer = "https://id.example.com/";
    auto v = verifier(s);
    const std::string iss = R"(,"iss":"https://id.example.com/")";
    CHECK(v->verify(hs256_token(kSecret, payload(iss + R"(,"aud":"nectar-api")")), kNow).ok());
    CHECK(v->verify(hs256_token(kSecret, payload(iss + R"(,"aud":["other","nectar-api"])")), kNow).ok());
    CHECK(contains(refusal(*v, hs256_token(kSecret, payload(iss + R"(,"aud":"other")"))), "audience"));
    CHECK(contains(refusal(*v, hs256_token(kSecret, payload(iss + R"(,"aud":["a","b"])"))), "audience"));
    CHECK(contains(refusal(*v, hs256_token(kSecret, payload(iss))), "audience"));
    CHECK(contains(refusal(*v, hs256_token(kSecret, payload(iss + R"(,"aud":7)"))), "audience"));
    CHECK(contains(refusal(*v, hs256_token(kSecret, payload(R"(,"aud":"nectar-api")"))), "issuer"));
    CHECK(contains(refusal(*v, hs256_token(kSecret, payload(R"(,"iss":"evil","aud":"nectar-api")"))), "issuer"));
    // Without configured audience, a token's aud is not checked.
    CHECK(verifier(hs256())->verify(hs256_token(kSecret, payload(R"(,"aud":"anything")")), kNow).ok());
}

TEST_CASE("jwt: roles from the configured claim") {
    JwtSettings s = hs256();
    s.roles_claim = "realm_access.roles";
    auto nested = verifier(s);
    auto r = nested->verify(hs256_token(kSecret, R"({"sub":"a","realm_access":{"roles":["x","y"]}})"), kNow);
    REQUIRE(r.ok());
    CHECK(r->roles == std::vector<std::string>{"x", "y"});

    auto v = verifier(hs256());
    auto one = v->verify(hs256_token(kSecret, R"({"sub":"a","roles":"reader"})"), kNow);
    REQUIRE(one.ok());
    CHECK(one->roles == std::vector<std::string>{"reader"});
    auto none = v->verify(hs256_token(kSecret, R"({"sub":"a"})"), kNow);
    REQUIRE(none.ok());
    CHECK(none->roles.empty());
    CHECK(contains(refusal(*v, hs256_token(kSecret, R"({"sub":"a","roles":["ok",3]})")), "array of strings"));
    CHECK(contains(refusal(*v, hs256_token(kSecret, R"({"sub":"a","roles":{"r":1}})")), "array of strings"));
}

TEST_CASE("jwt: malformed tokens are refused with a message saying what is wrong") {
    auto v = verifier(hs256());
    const std::string good = hs256_token(kSecret, payload());
    CHECK(contains(refusal(*v, ""), "empty"));
    CHECK(contains(refusal(*v, "abc"), "has 1"));
    CHECK(contains(refusal(*v, "a.b"), "has 2"));
    CHECK(contains(refusal(*v, good + ".x"), "has 4"));
    CHECK(contains(refusal(*v, "#$%." + good.substr(good.find('.') + 1)), "header is not base64url"));
    CHECK(contains(refusal(*v, base64url_encode("{not json") + ".e30.sig"), "header is not valid JSON"));
    CHECK(contains(refusal(*v, base64url_encode("[1,2]") + ".e30.sig"), "header is not a JSON object"));
    CHECK(contains(refusal(*v, good.substr(0, good.rfind('.')) + ".!!"), "signature is not base64url"));
    CHECK(contains(refusal(*v, std::string(kMaxJwtBytes + 1, 'a')), "bytes long"));
    CHECK(contains(refusal(*v, hs256_token(kSecret, "not json")), "payload is not valid JSON"));
    CHECK(contains(refusal(*v, hs256_token(kSecret, "\"a string\"")), "payload is not a JSON object"));
    CHECK(contains(refusal(*v, hs256_token(kSecret, R"({"roles":["a"]})")), "no subject"));
    CHECK(contains(refusal(*v, hs256_token(kSecret, R"({"sub":42})")), "no subject"));
    CHECK(contains(refusal(*v, hs256_token(kSecret, R"({"sub":"bob","sub":"root"})")), "repeats the claim \"sub\""));
    // A correctly signed token whose payload segment is not base64url.
    const std::string input = base64url_encode(R"({"alg":"HS256"})") + ".e30*";
    CHECK(contains(refusal(*v, input + "." + base64url_encode(hmac_sha256(kSecret, input))), "payload is not base64url"));
    // Random bytes in every segment never crash.
    std::string noise;
    for (int i = 0; i < 2000; ++i) {
        noise.push_back(static_cast<char>((i * 7919) % 251));
        if (i % 97 == 0) {
            CHECK_FALSE(v->verify(noise, kNow).ok());
            CHECK_FALSE(v->verify(noise + "." + noise + "." + noise, kNow).ok());
        }
    }
}
