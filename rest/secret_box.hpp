#pragma once
// Encryption of the secrets Nectar keeps in its catalog store (SPEC §1: backend passwords in it
// are encrypted). AES-256-GCM through OpenSSL's EVP API: a random 96-bit nonce per value, and
// the owner's name (the service) as additional authenticated data, so a value copied onto
// another service's row does not decrypt.
//
// The key (resolve_secret_key): the config key `secret-key` (or `secret_key`), else the
// environment variable NECTAR_SECRET_KEY. A value that is base64 of exactly 32 bytes is the key
// itself; any other value is a passphrase (at least 16 characters) stretched with
// PBKDF2-HMAC-SHA256 (kPassphraseIterations rounds, a fixed salt: the key must be the same on
// every start). With neither, the key is read from <data_dir>/secret.key (base64 of 32 bytes),
// which is generated with mode 0600 on the first start.

#include "protocol/error.hpp"

#include <array>
#include <string>
#include <string_view>

namespace nectar::rest {

constexpr int kPassphraseIterations = 200000;

struct SecretKey {
    std::array<unsigned char, 32> bytes{};
    std::string origin; ///< where it came from, for messages: "secret-key", "NECTAR_SECRET_KEY", a path
};

/// The key from `configured` (the config value; empty: look at NECTAR_SECRET_KEY), else from
/// <data_dir>/secret.key, generating that file when absent (`generated` tells the caller to log it).
Result<SecretKey> resolve_secret_key(const std::string& configured, const std::string& data_dir,
                                     bool& generated);

/// A key from one configured value: base64 of 32 bytes, or a passphrase of 16+ characters.
Result<SecretKey> secret_key_from_text(std::string_view text, std::string origin);

/// "v1." + base64(nonce || ciphertext || tag).
std::string seal_secret(const SecretKey& key, std::string_view plaintext, std::string_view owner);

/// The plaintext, or an Error when the key is wrong or the value was altered (the tag fails).
Result<std::string> open_secret(const SecretKey& key, std::string_view sealed, std::string_view owner);

} // namespace nectar::rest
