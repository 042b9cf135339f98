#pragma once
// Minting JWTs in unit tests: keys generated with OpenSSL at run time, tokens signed the way an
// identity provider signs them (HS256 HMAC, RS256 PKCS#1 v1.5, ES256 raw r || s).

#include "rest/jwt.hpp"

#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdexcept>
#include <string>

namespace nectar::rest::test {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

inline Pkey rsa_key(unsigned bits = 2048) { return Pkey(EVP_RSA_gen(bits)); }
inline Pkey ec_key(const char* curve = "P-256") { return Pkey(EVP_EC_gen(curve)); }

inline std::string public_pem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    long length = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(length));
    BIO_free(bio);
    return pem;
}

inline std::string hmac_sha256(const std::string& secret, const std::string& data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t length = 0;
    char digest[] = "SHA256";
    EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, secret.data(), secret.size(),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, sizeof mac, &length);
    return std::string(reinterpret_cast<char*>(mac), length);
}

/// A DER signature (RSA, or ECDSA before conversion) over SHA-256 of `data`.
inline std::string digest_sign(EVP_PKEY* key, const std::string& data) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t length = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    std::string sig(length, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &length,
                   reinterpret_cast<const unsigned char*>(data.data()), data.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(length);
    return sig;
}

/// ECDSA's DER signature as JOSE's fixed 64-byte r || s.
inline std::string der_to_raw(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
}

/// header.payload, both base64url-encoded from JSON text.
inline std::string signing_input(const std::string& header_json, const std::string& payload_json) {
    return base64url_encode(header_json) + "." + base64url_encode(payload_json);
}

inline std::string hs256_token(const std::string& secret, const std::string& payload_json,
                               const std::string& header_json = R"({"alg":"HS256","typ":"JWT"})") {
    const std::string input = signing_input(header_json, payload_json);
    return input + "." + base64url_encode(hmac_sha256(secret, input));
}

inline std::string rs256_token(EVP_PKEY* key, const std::string& payload_json,
                               const std::string& header_json = R"({"alg":"RS256","typ":"JWT"})") {
    const std::string input = signing_input(header_json, payload_json);
    return input + "." + base64url_encode(digest_sign(key, input));
}

inline std::string es256_token(EVP_PKEY* key, const std::string& payload_json,
                               const std::string& header_json = R"({"alg":"ES256","typ":"JWT"})") {
    const std::string input = signing_input(header_json, payload_json);
    return input + "." + base64url_encode(der_to_raw(digest_sign(key, input)));
}

inline std::unique_ptr<JwtVerifier> verifier(JwtSettings settings) {
    auto created = JwtVerifier::create(std::move(settings));
    if (!created) {
        throw std::runtime_error(created.error().message);
    }
    return std::move(*created);
}

} // namespace nectar::rest::test
