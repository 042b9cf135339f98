#include "protocol/scram.hpp"

#include <doctest.h>
#include <memory>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>

using namespace nectar::protocol;

namespace {

// RFC 7677 §3 test vector.
constexpr std::string_view kRfcClientNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kRfcServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view kRfcClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kRfcServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kRfcClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                             "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kRfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

std::string decoded(std::string_view base64) {
    std::string raw;
    REQUIRE(base64_decode(base64, raw));
    return raw;
}

ScramSecret rfc_secret() {
    return make_scram_secret("pencil", 4096, decoded("W22ZaJ0SNY7soEsUEjb6gQ=="));
}

std::string hmac(std::string_view key, std::string_view data) {
    unsigned char out[32];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
    return std::string(reinterpret_cast<char*>(out), length);
}

std::string digest(std::string_view data, const EVP_MD* md) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), out, &length, md, nullptr);
    return std::string(reinterpret_cast<char*>(out), length);
}

/// A SCRAM client written out step by step with OpenSSL, for what ScramClient does not send
/// (channel binding): the client-final-message and the server-final-message to expect.
struct HandMadeFinal {
    std::string client_final;
    std::string server_final;
};

HandMadeFinal hand_made_final(std::string_view password, std::string_view client_first_bare,
                              std::string_view server_first, std::string_view channel_binding_b64) {
    // server_first is "r=<nonce>,s=<salt>,i=<iterations>"
    size_t s_at = server_first.find(",s=");
    size_t i_at = server_first.find(",i=");
    std::string nonce(server_first.substr(2, s_at - 2));
    std::string salt = decoded(server_first.substr(s_at + 3, i_at - s_at - 3));
    int iterations = std::stoi(std::string(server_first.substr(i_at + 3)));
    unsigned char salted[32];
    PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                      reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                      iterations, EVP_sha256(), 32, salted);
    std::string salted_password(reinterpret_cast<char*>(salted), 32);
    std::string client_key = hmac(salted_password, "Client Key");
    std::string stored_key = digest(client_key, EVP_sha256());
    std::string without_proof = "c=" + std::string(channel_binding_b64) + ",r=" + nonce;
    std::string auth = std::string(client_first_bare) + "," + std::string(server_first) + "," + without_proof;
    std::string proof = hmac(stored_key, auth);
    for (size_t i = 0; i < proof.size(); ++i) {
        proof[i] = static_cast<char>(proof[i] ^ client_key[i]);
    }
    return {without_proof + ",p=" + base64_encode(proof),
            "v=" + base64_encode(hmac(hmac(salted_password, "Server Key"), auth))};
}

/// Runs ScramClient against ScramServer; returns the server's answer to the client-final-message.
nectar::Result<std::string> exchange(const ScramSecret& secret, const std::string& password,
                                     bool* client_verified = nullptr) {
    ScramServer server(secret, "");
    ScramClient client(password);
    auto server_first = server.handle_client_first(kScramSha256, client.client_first());
    REQUIRE(server_first.ok());
    auto client_final = client.handle_server_first(*server_first);
    REQUIRE(client_final.ok());
    auto server_final = server.handle_client_final(*client_final);
    if (server_final.ok() && client_verified != nullptr) {
        *client_verified = client.verify_server_final(*server_final).ok();
    }
    return server_final;
}

const std::string kCertHash(32, '\x5a');
const std::string kPlusHeader = "p=tls-server-end-point,,";

} // namespace

TEST_CASE("base64 matches the RFC 4648 vectors") {
    const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                     {"f", "Zg=="},
                                                                     {"fo", "Zm8="},
                                                                     {"foo", "Zm9v"},
                                                                     {"foob", "Zm9vYg=="},
                                                                     {"fooba", "Zm9vYmE="},
                                                                     {"foobar", "Zm9vYmFy"}};
    for (auto [raw, text] : vectors) {
        CHECK(base64_encode(raw) == text);
        std::string back;
        CHECK(base64_decode(text, back));
        CHECK(back == raw);
    }
    CHECK(base64_encode(std::string("\xff\xfe\0", 3)) == "//4A");
    std::string raw;
    for (std::string_view bad : {"Zg=", "Zg", "Z===", "====", "Zm9v!A==", "Zg==Zg==", "Z=g=", "Zm 9v"}) {
        CAPTURE(bad);
        CHECK_FALSE(base64_decode(bad, raw));
    }
}

TEST_CASE("constant_time_equal") {
    CHECK(constant_time_equal("", ""));
    CHECK(constant_time_equal("abc", "abc"));
    CHECK_FALSE(constant_time_equal("abc", "abd"));
    CHECK_FALSE(constant_time_equal("abc", "ab"));
}

TEST_CASE("make_scram_secret matches a verifier PostgreSQL 15 made") {
    // From PostgreSQL 15: SET password_encryption = 'scram-sha-256'; CREATE ROLE t PASSWORD 'pencil';
    // SELECT rolpassword FROM pg_authid WHERE rolname = 't';
    // SCRAM-SHA-256$4096:dqlGgVeYQ8gosmDD1qBnLg==$v1+td19hqKV8Xu9s3qjqVNaYkGNlPbtm79cqbnbwwOU=:
    //                                             ldhE5czWYcRz9GJqsUc6WxNYaYjXzqe5IN0K5j4iDwE=
    ScramSecret secret = make_scram_secret("pencil", 4096, decoded("dqlGgVeYQ8gosmDD1qBnLg=="));
    auto as_string = [](const Sha256Digest& d) { return std::string(d.begin(), d.end()); };
    CHECK(base64_encode(as_string(secret.stored_key)) == "v1+td19hqKV8Xu9s3qjqVNaYkGNlPbtm79cqbnbwwOU=");
    CHECK(base64_encode(as_string(secret.server_key)) == "ldhE5czWYcRz9GJqsUc6WxNYaYjXzqe5IN0K5j4iDwE=");
}

TEST_CASE("make_scram_secret draws a 16-byte salt when none is given") {
    ScramSecret a = make_scram_secret("pw", 4096);
    ScramSecret b = make_scram_secret("pw", 4096);
    CHECK(a.salt.size() == 16);
    CHECK(a.iterations == 4096);
    CHECK(a.salt != b.salt);
    CHECK(a.stored_key != b.stored_key);
}

TEST_CASE("ScramServer reproduces RFC 7677") {
    ScramServer server(rfc_secret(), "", std::string(kRfcServerNonce));
    auto server_first = server.handle_client_first(kScramSha256, kRfcClientFirst);
    REQUIRE(server_first.ok());
    CHECK(*server_first == kRfcServerFirst);
    auto server_final = server.handle_client_final(kRfcClientFinal);
    REQUIRE(server_final.ok());
    CHECK(*server_final == kRfcServerFinal);
}

TEST_CASE("ScramClient reproduces RFC 7677") {
    ScramClient client("pencil", std::string(kRfcClientNonce));
    CHECK(client.client_first("user") == kRfcClientFirst);
    auto client_final = client.handle_server_first(kRfcServerFirst);
    REQUIRE(client_final.ok());
    CHECK(*client_final == kRfcClientFinal);
    CHECK(client.verify_server_final(kRfcServerFinal).ok());
}

TEST_CASE("ScramClient refuses a wrong server signature or a server error") {
    ScramClient client("pencil", std::string(kRfcClientNonce));
    client.client_first("user");
    REQUIRE(client.handle_server_first(kRfcServerFirst).ok());
    auto forged = client.verify_server_final("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    REQUIRE_FALSE(forged.ok());
    CHECK(forged.error().sqlstate == "28000");
    auto refused = client.verify_server_final("e=invalid-proof");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().sqlstate == "28P01");
    CHECK_FALSE(client.verify_server_final("v=not base64").ok());
    CHECK_FALSE(client.verify_server_final(std::string(kRfcServerFinal) + ",x=1").ok());
}

TEST_CASE("ScramClient checks the server-first-message") {
    auto answer = [](std::string_view server_first) {
        ScramClient client("pencil", "abc");
        client.client_first();
        return client.handle_server_first(server_first);
    };
    CHECK(answer("r=abcdef,s=c2FsdA==,i=1").ok());
    CHECK_FALSE(answer("r=abc,s=c2FsdA==,i=1").ok());    // no server part in the nonce
    CHECK_FALSE(answer("r=xbcdef,s=c2FsdA==,i=1").ok()); // not our nonce
    CHECK_FALSE(answer("r=abcdef,s=c2FsdA==,i=0").ok());
    CHECK_FALSE(answer("r=abcdef,s=c2FsdA==,i=-5").ok());
    CHECK_FALSE(answer("r=abcdef,s=c2FsdA==,i=99999999999").ok());
    CHECK_FALSE(answer("r=abcdef,s=c2FsdA==,i=1x").ok());
    CHECK_FALSE(answer("r=abcdef,s=!!!!,i=1").ok());
    CHECK_FALSE(answer("r=abcdef,s=c2FsdA==").ok());
    CHECK_FALSE(answer("m=ext,r=abcdef,s=c2FsdA==,i=1").ok());
    CHECK_FALSE(answer("r=abcdef,s=c2FsdA==,i=1,x=y").ok());
    ScramClient early("pencil");
    CHECK_FALSE(early.handle_server_first("r=abcdef,s=c2FsdA==,i=1").ok());
}

TEST_CASE("client and server agree with random nonces and salt") {
    ScramSecret secret = make_scram_secret("correct horse", 4096);
    bool verified = false;
    auto good = exchange(secret, "correct horse", &verified);
    REQUIRE(good.ok());
    CHECK(verified);

    auto bad = exchange(secret, "wrong horse");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().sqlstate == "28P01");
    CHECK(bad.error().message == "password authentication failed");
}

TEST_CASE("random nonces are 24 base64 characters appended to the client's") {
    ScramServer server(make_scram_secret("pw", 1), "");
    auto server_first = server.handle_client_first(kScramSha256, "n,,n=,r=client");
    REQUIRE(server_first.ok());
    std::string nonce = server_first->substr(2, server_first->find(',') - 2);
    CHECK(nonce.substr(0, 6) == "client");
    CHECK(nonce.size() == 6 + 24);
    ScramServer other(make_scram_secret("pw", 1), "");
    CHECK(*other.handle_client_first(kScramSha256, "n,,n=,r=client") != *server_first);
}

TEST_CASE("SCRAM-SHA-256-PLUS with tls-server-end-point channel binding") {
    ScramSecret secret = make_scram_secret("pw", 4096);
    std::string client_first_bare = "n=,r=plusnonce";

    SUBCASE("matching binding data succeeds") {
        ScramServer server(secret, kCertHash);
        auto server_first = server.handle_client_first(kScramSha256Plus, kPlusHeader + client_first_bare);
        REQUIRE(server_first.ok());
        auto mine =
            hand_made_final("pw", client_first_bare, *server_first, base64_encode(kPlusHeader + kCertHash));
        auto server_final = server.handle_client_final(mine.client_final);
        REQUIRE(server_final.ok());
        CHECK(*server_final == mine.server_final);
    }
    SUBCASE("another certificate's hash is refused") {
        ScramServer server(secret, kCertHash);
        auto server_first = server.handle_client_first(kScramSha256Plus, kPlusHeader + client_first_bare);
        REQUIRE(server_first.ok());
        std::string other_hash(32, '\x11');
        auto mine =
            hand_made_final("pw", client_first_bare, *server_first, base64_encode(kPlusHeader + other_hash));
        auto server_final = server.handle_client_final(mine.client_final);
        REQUIRE_FALSE(server_final.ok());
        CHECK(server_final.error().sqlstate == "28000");
        CHECK(server_final.error().message == "SCRAM channel binding check failed");
    }
    SUBCASE("c=biws under PLUS is refused") {
        ScramServer server(secret, kCertHash);
        auto server_first = server.handle_client_first(kScramSha256Plus, kPlusHeader + client_first_bare);
        REQUIRE(server_first.ok());
        auto mine = hand_made_final("pw", client_first_bare, *server_first, "biws");
        CHECK(server.handle_client_final(mine.client_final).error().sqlstate == "28000");
    }
    SUBCASE("a client that says 'y' while PLUS was offered is a downgrade") {
        ScramServer server(secret, kCertHash);
        auto server_first = server.handle_client_first(kScramSha256, "y,," + client_first_bare);
        REQUIRE_FALSE(server_first.ok());
        CHECK(server_first.error().sqlstate == "28000");
    }
    SUBCASE("'y' without TLS is fine and must be echoed as c=eSws") {
        ScramServer server(secret, "");
        auto server_first = server.handle_client_first(kScramSha256, "y,," + client_first_bare);
        REQUIRE(server_first.ok());
        auto mine = hand_made_final("pw", client_first_bare, *server_first, "eSws");
        CHECK(server.handle_client_final(mine.client_final).ok());

        ScramServer again(secret, "");
        server_first = again.handle_client_first(kScramSha256, "y,," + client_first_bare);
        REQUIRE(server_first.ok());
        mine = hand_made_final("pw", client_first_bare, *server_first, "biws"); // flag changed
        CHECK(again.handle_client_final(mine.client_final).error().sqlstate == "08P01");
    }
    SUBCASE("a client may choose plain SCRAM-SHA-256 over TLS") {
        ScramServer server(secret, kCertHash);
        ScramClient client("pw");
        auto server_first = server.handle_client_first(kScramSha256, client.client_first());
        REQUIRE(server_first.ok());
        auto client_final = client.handle_server_first(*server_first);
        REQUIRE(client_final.ok());
        auto server_final = server.handle_client_final(*client_final);
        REQUIRE(server_final.ok());
        CHECK(client.verify_server_final(*server_final).ok());
    }
    SUBCASE("mechanism and gs2 header must agree") {
        ScramServer no_tls(secret, "");
        auto plus_without_tls = no_tls.handle_client_first(kScramSha256Plus, kPlusHeader + client_first_bare);
        REQUIRE_FALSE(plus_without_tls.ok());
        CHECK(plus_without_tls.error().sqlstate == "08P01");

        ScramServer p_with_plain(secret, kCertHash);
        CHECK(p_with_plain.handle_client_first(kScramSha256, kPlusHeader + client_first_bare)
                  .error()
                  .sqlstate == "08P01");
        ScramServer n_with_plus(secret, kCertHash);
        CHECK(n_with_plus.handle_client_first(kScramSha256Plus, "n,," + client_first_bare).error().sqlstate ==
              "08P01");
        ScramServer y_with_plus(secret, kCertHash);
        CHECK(y_with_plus.handle_client_first(kScramSha256Plus, "y,," + client_first_bare).error().sqlstate ==
              "08P01");
        ScramServer other_type(secret, kCertHash);
        CHECK(other_type.handle_client_first(kScramSha256Plus, "p=tls-unique,," + client_first_bare)
                  .error()
                  .sqlstate == "08P01");
        ScramServer unknown(secret, kCertHash);
        CHECK(unknown.handle_client_first("SCRAM-SHA-1", "n,," + client_first_bare).error().sqlstate ==
              "08P01");
    }
}

TEST_CASE("ScramServer refuses malformed and out-of-order messages") {
    ScramSecret secret = make_scram_secret("pw", 1);
    auto first_error = [&](std::string_view client_first) {
        ScramServer server(secret, "");
        auto result = server.handle_client_first(kScramSha256, client_first);
        return result.ok() ? std::string("ok") : result.error().sqlstate;
    };
    CHECK(first_error("n,,n=,r=abc") == "ok");
    CHECK(first_error("n,,n=someone,r=abc,x=extension") == "ok"); // user ignored, extensions skipped
    CHECK(first_error("") == "08P01");
    CHECK(first_error("n") == "08P01");
    CHECK(first_error("n,") == "08P01");
    CHECK(first_error("x,,n=,r=abc") == "08P01");
    CHECK(first_error("n,a=bob,n=,r=abc") == "0A000");
    CHECK(first_error("n,,m=ext,n=,r=abc") == "0A000");
    CHECK(first_error("n,,n=,r=") == "08P01");
    CHECK(first_error("n,,n=,r=a\x01"
                      "b") == "08P01");
    CHECK(first_error("n,,r=abc") == "08P01");
    CHECK(first_error("n,,n=,r=abc,1=x") == "08P01");
    CHECK(first_error("n,,n=,r=abc,x") == "08P01");

    auto final_error = [&](std::string_view client_final) {
        ScramServer server(secret, "", "SRV");
        REQUIRE(server.handle_client_first(kScramSha256, "n,,n=,r=abc").ok());
        auto result = server.handle_client_final(client_final);
        return result.ok() ? std::string("ok") : result.error().sqlstate;
    };
    const std::string proof = "p=" + base64_encode(std::string(32, 'x'));
    CHECK(final_error("c=biws,r=abcSRV," + proof) == "28P01");
    CHECK(final_error("c=biws,r=abcSRV,x=ext," + proof) == "28P01");
    CHECK(final_error("c=biws,r=abcOTHER," + proof) == "08P01");
    CHECK(final_error("c=eSws,r=abcSRV," + proof) == "08P01");
    CHECK(final_error("r=abcSRV," + proof) == "08P01");
    CHECK(final_error("c=biws,r=abcSRV") == "08P01");
    CHECK(final_error("c=biws,r=abcSRV,p=" + base64_encode(std::string(31, 'x'))) == "08P01");
    CHECK(final_error("c=biws,r=abcSRV,p=***") == "08P01");
    CHECK(final_error("c=biws,r=abcSRV," + proof + ",x=1") == "08P01");

    ScramServer server(secret, "");
    CHECK(server.handle_client_final("c=biws,r=abc," + proof).error().sqlstate == "08P01");
    ScramServer twice(secret, "");
    REQUIRE(twice.handle_client_first(kScramSha256, "n,,n=,r=abc").ok());
    CHECK_FALSE(twice.handle_client_first(kScramSha256, "n,,n=,r=abc").ok());
}

TEST_CASE("ScramClient escapes the user name") {
    ScramClient client("pw", "nonce");
    CHECK(client.client_first("a=b,c") == "n,,n=a=3Db=2Cc,r=nonce");
    CHECK(client.client_first() == "n,,n=,r=nonce");
}

TEST_CASE("md5_password_answer") {
    // Computed with PostgreSQL 15:
    //   select 'md5' || md5(convert_to(md5('secretalice'), 'UTF8') || '\x01020304'::bytea);
    // and with Python: 'md5' + md5(md5(b'secret' + b'alice').hexdigest().encode() + b'\1\2\3\4').hexdigest()
    CHECK(md5_password_answer("alice", "secret", std::string("\x01\x02\x03\x04", 4)) ==
          "md598a0412b9c31436fc53776e863350083");
    // Python: 'md5' + md5(md5(b'pw' + b'user').hexdigest().encode() + b'salt').hexdigest()
    CHECK(md5_password_answer("user", "pw", "salt") == "md5556e77d43ab6e6d60f9c21feeee243f4");
}

namespace {

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

/// A self-signed certificate signed with `md`, DER-encoded.
std::string self_signed_der(EVP_PKEY* key, const EVP_MD* md) {
    X509Ptr cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("nectar-test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509_set_pubkey(cert.get(), key);
    REQUIRE(X509_sign(cert.get(), key, md) > 0);
    unsigned char* der = nullptr;
    int length = i2d_X509(cert.get(), &der);
    REQUIRE(length > 0);
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(length));
    OPENSSL_free(der);
    return out;
}

} // namespace

TEST_CASE("tls_server_end_point hashes the certificate with the right digest") {
    PkeyPtr ec(EVP_EC_gen("P-256"), EVP_PKEY_free);
    REQUIRE(ec);
    std::string sha256_cert = self_signed_der(ec.get(), EVP_sha256());
    std::string sha384_cert = self_signed_der(ec.get(), EVP_sha384());
    std::string sha512_cert = self_signed_der(ec.get(), EVP_sha512());
    std::string sha1_cert = self_signed_der(ec.get(), EVP_sha1());

    CHECK(tls_server_end_point(sha256_cert) == digest(sha256_cert, EVP_sha256()));
    CHECK(tls_server_end_point(sha384_cert) == digest(sha384_cert, EVP_sha384()));
    CHECK(tls_server_end_point(sha512_cert) == digest(sha512_cert, EVP_sha512()));
    // RFC 5929 §4.1: SHA-1 (and MD5) signatures are hashed with SHA-256.
    CHECK(tls_server_end_point(sha1_cert) == digest(sha1_cert, EVP_sha256()));
    CHECK(tls_server_end_point(sha384_cert).size() == 48);

    PkeyPtr rsa(EVP_RSA_gen(1024), EVP_PKEY_free);
    REQUIRE(rsa);
    std::string md5_cert = self_signed_der(rsa.get(), EVP_md5());
    CHECK(tls_server_end_point(md5_cert) == digest(md5_cert, EVP_sha256()));

    CHECK(tls_server_end_point("").empty());
    CHECK(tls_server_end_point("not a certificate").empty());
    CHECK(tls_server_end_point(sha256_cert.substr(0, sha256_cert.size() - 1)).empty());
    CHECK(tls_server_end_point(sha256_cert + "x").empty());
}
