// The cryptographic half of JwtVerifier: loading the configured key, and checking a JWS
// signature with OpenSSL's EVP interface (HMAC-SHA256, RSASSA-PKCS1-v1_5 SHA-256, ECDSA P-256).

#include "rest/jwt.hpp"

#include <array>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace nectar::rest {

namespace {

constexpr size_t kSha256Bytes = 32;
constexpr size_t kEs256SignatureBytes = 64; ///< JOSE's r || s, 32 bytes each (RFC 7518 §3.4)
constexpr int kMinRsaBits = 2048;

Error invalid_token(std::string message) { return Error::make("28000", std::move(message)); }

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

/// A PEM public key ("BEGIN PUBLIC KEY", or an RSA "BEGIN RSA PUBLIC KEY") or a certificate.
PkeyPtr read_public_key(const std::string& pem) {
    auto read = [&](auto reader) -> PkeyPtr {
        BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
        if (bio == nullptr) {
            return nullptr;
        }
        PkeyPtr key = reader(bio);
        BIO_free(bio);
        return key;
    };
    if (PkeyPtr key = read([](BIO* b) { return PkeyPtr(PEM_read_bio_PUBKEY(b, nullptr, nullptr, nullptr)); })) {
        return key;
    }
    return read([](BIO* b) {
        X509* cert = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
        PkeyPtr key(cert != nullptr ? X509_get_pubkey(cert) : nullptr);
        X509_free(cert);
        return key;
    });
}

std::string curve_name(EVP_PKEY* key) {
    std::array<char, 64> name{};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name.data(), name.size(), &length) != 1) {
        return "";
    }
    return std::string(name.data(), length);
}

/// Why `key` cannot verify `algorithm`'s signatures, or "" when it can.
std::string key_problem(EVP_PKEY* key, JwtAlgorithm algorithm) {
    const int type = EVP_PKEY_get_base_id(key);
    if (algorithm == JwtAlgorithm::rs256) {
        if (type != EVP_PKEY_RSA) {
            return "RS256 needs an RSA public key";
        }
        if (EVP_PKEY_get_bits(key) < kMinRsaBits) {
            return "the RSA key has " + std::to_string(EVP_PKEY_get_bits(key)) + " bits; RS256 needs at least 2048";
        }
        return "";
    }
    if (type != EVP_PKEY_EC) {
        return "ES256 needs an EC public key on curve P-256";
    }
    const std::string curve = curve_name(key);
    if (curve != "prime256v1" && curve != "P-256") {
        return "ES256 needs an EC key on curve P-256, this one is on " + (curve.empty() ? "an unknown curve" : curve);
    }
    return "";
}

/// JOSE's fixed-size r || s as the DER ECDSA-Sig-Value OpenSSL verifies; empty on failure.
std::string es256_signature_to_der(std::string_view raw) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(bytes, 32, nullptr);
    BIGNUM* s = BN_bin2bn(bytes + 32, 32, nullptr);
    std::string der;
    if (sig != nullptr && r != nullptr && s != nullptr && ECDSA_SIG_set0(sig, r, s) == 1) {
        r = s = nullptr; // owned by sig now
        unsigned char* out = nullptr;
        const int length = i2d_ECDSA_SIG(sig, &out);
        if (length > 0) {
            der.assign(reinterpret_cast<char*>(out), static_cast<size_t>(length));
        }
        OPENSSL_free(out);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return der;
}

bool digest_verify(EVP_PKEY* key, std::string_view data, std::string_view signature) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr) {
        return false;
    }
    const bool ok =
        EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                         reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

bool hmac_sha256_matches(const std::string& secret, std::string_view data, std::string_view signature) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    size_t mac_length = 0;
    char digest_name[] = "SHA256";
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest_name, nullptr, secret.data(), secret.size(),
                  reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), mac.size(),
                  &mac_length) == nullptr) {
        return false;
    }
    return mac_length == kSha256Bytes && signature.size() == kSha256Bytes &&
           CRYPTO_memcmp(mac.data(), signature.data(), kSha256Bytes) == 0;
}

} // namespace

struct JwtVerifier::Key {
    PkeyPtr public_key; ///< RS256/ES256
};

JwtVerifier::JwtVerifier(JwtSettings settings, std::unique_ptr<Key> key)
    : settings_(std::move(settings)), key_(std::move(key)) {}

JwtVerifier::~JwtVerifier() = default;

Result<std::unique_ptr<JwtVerifier>> JwtVerifier::create(JwtSettings settings) {
    auto key = std::make_unique<Key>();
    if (settings.algorithm == JwtAlgorithm::hs256) {
        if (settings.secret.empty()) {
            return Error::make("F0000", "HS256 needs a secret (--jwt-secret)");
        }
    } else {
        key->public_key = read_public_key(settings.public_key_pem);
        if (!key->public_key) {
            return Error::make("F0000", "not a PEM public key or certificate");
        }
        const std::string problem = key_problem(key->public_key.get(), settings.algorithm);
        if (!problem.empty()) {
            return Error::make("F0000", problem);
        }
    }
    if (settings.leeway_seconds < 0) {
        return Error::make("F0000", "the leeway must not be negative");
    }
    return std::unique_ptr<JwtVerifier>(new JwtVerifier(std::move(settings), std::move(key)));
}

Result<void> JwtVerifier::check_signature(std::string_view signing_input, std::string_view signature) const {
    bool valid = false;
    switch (settings_.algorithm) {
    case JwtAlgorithm::hs256:
        valid = hmac_sha256_matches(settings_.secret, signing_input, signature);
        break;
    case JwtAlgorithm::rs256:
        valid = digest_verify(key_->public_key.get(), signing_input, signature);
        break;
    case JwtAlgorithm::es256: {
        if (signature.size() != kEs256SignatureBytes) {
            return invalid_token("an ES256 signature is 64 bytes (r || s), this one is " +
                                 std::to_string(signature.size()));
        }
        const std::string der = es256_signature_to_der(signature);
        valid = !der.empty() && digest_verify(key_->public_key.get(), signing_input, der);
        break;
    }
    }
    if (!valid) {
        return invalid_token("invalid token signature");
    }
    return {};
}

std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) {
        return std::nullopt; // 6 bits cannot make a byte
    }
    std::string out;
    out.reserve(text.size() * 3 / 4);
    uint32_t bits = 0;
    int bit_count = 0;
    for (char c : text) {
        int value = 0;
        if (c >= 'A' && c <= 'Z') {
            value = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            value = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            value = c - '0' + 52;
        } else if (c == '-') {
            value = 62;
        } else if (c == '_') {
            value = 63;
        } else {
            return std::nullopt;
        }
        bits = (bits << 6) | static_cast<uint32_t>(value);
        bit_count += 6;
        if (bit_count >= 8) {
            bit_count -= 8;
            out.push_back(static_cast<char>((bits >> bit_count) & 0xff));
        }
    }
    // Leftover bits must be zero, so that each byte string has exactly one encoding.
    if ((bits & ((1u << bit_count) - 1)) != 0) {
        return std::nullopt;
    }
    return out;
}

std::string base64url_encode(std::string_view bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    uint32_t bits = 0;
    int bit_count = 0;
    for (unsigned char c : bytes) {
        bits = (bits << 8) | c;
        bit_count += 8;
        while (bit_count >= 6) {
            bit_count -= 6;
            out.push_back(alphabet[(bits >> bit_count) & 63]);
        }
    }
    if (bit_count > 0) {
        out.push_back(alphabet[(bits << (6 - bit_count)) & 63]);
    }
    return out;
}

} // namespace nectar::rest
