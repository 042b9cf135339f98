#include "rest/secret_box.hpp"

#include "protocol/scram.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nectar::rest {

namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr std::string_view kSealPrefix = "v1.";
constexpr std::string_view kPassphraseSalt = "nectar-catalog-secret-key-v1";
constexpr size_t kMinPassphrase = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

Error key_error(std::string message) {
    return Error::make("F0000", std::move(message));
}

std::string trim(std::string text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.pop_back();
    }
    size_t start = 0;
    while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) {
        ++start;
    }
    return text.substr(start);
}

Result<SecretKey> read_key_file(const std::string& path) {
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
        return key_error("cannot read the secret key file " + path + ": " + std::strerror(errno));
    }
    std::string raw;
    if (!protocol::base64_decode(trim(text), raw) || raw.size() != 32) {
        return key_error("the secret key file " + path + " does not hold base64 of 32 bytes");
    }
    SecretKey key;
    std::memcpy(key.bytes.data(), raw.data(), 32);
    key.origin = path;
    return key;
}

Result<SecretKey> generate_key_file(const std::string& path) {
    SecretKey key;
    key.origin = path;
    if (RAND_bytes(key.bytes.data(), static_cast<int>(key.bytes.size())) != 1) {
        return key_error("cannot draw random bytes for a secret key");
    }
    // O_EXCL: two instances starting on one data dir must not each write their own key.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        return key_error("cannot create the secret key file " + path + ": " + std::strerror(errno));
    }
    std::string text = protocol::base64_encode(std::string_view(
                           reinterpret_cast<const char*>(key.bytes.data()), key.bytes.size())) +
                       "\n";
    bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    written = ::fsync(fd) == 0 && written;
    ::close(fd);
    if (!written) {
        ::unlink(path.c_str());
        return key_error("cannot write the secret key file " + path + ": " + std::strerror(errno));
    }
    return key;
}

} // namespace

Result<SecretKey> secret_key_from_text(std::string_view text, std::string origin) {
    SecretKey key;
    key.origin = std::move(origin);
    std::string raw;
    if (protocol::base64_decode(text, raw) && raw.size() == 32) {
        std::memcpy(key.bytes.data(), raw.data(), 32);
        return key;
    }
    if (text.size() < kMinPassphrase) {
        return key_error(key.origin +
                         ": the secret key must be base64 of 32 bytes or a passphrase of at least " +
                         std::to_string(kMinPassphrase) + " characters");
    }
    if (PKCS5_PBKDF2_HMAC(text.data(), static_cast<int>(text.size()),
                          reinterpret_cast<const unsigned char*>(kPassphraseSalt.data()),
                          static_cast<int>(kPassphraseSalt.size()), kPassphraseIterations, EVP_sha256(),
                          static_cast<int>(key.bytes.size()), key.bytes.data()) != 1) {
        return key_error(key.origin + ": cannot derive a key from the passphrase");
    }
    return key;
}

Result<SecretKey> resolve_secret_key(const std::string& configured, const std::string& data_dir,
                                     bool& generated) {
    generated = false;
    if (!configured.empty()) {
        return secret_key_from_text(configured, "secret-key");
    }
    if (const char* env = std::getenv("NECTAR_SECRET_KEY"); env != nullptr && *env != '\0') {
        return secret_key_from_text(env, "NECTAR_SECRET_KEY");
    }
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    std::string path = (std::filesystem::path(data_dir) / "secret.key").string();
    if (std::filesystem::exists(path, ec)) {
        return read_key_file(path);
    }
    auto key = generate_key_file(path);
    generated = key.ok();
    return key;
}

std::string seal_secret(const SecretKey& key, std::string_view plaintext, std::string_view owner) {
    std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
    auto* bytes = reinterpret_cast<unsigned char*>(out.data());
    RAND_bytes(bytes, kNonceBytes);
    CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int length = 0;
    EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr);
    EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes.data(), bytes);
    EVP_EncryptUpdate(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(owner.data()),
                      static_cast<int>(owner.size()));
    EVP_EncryptUpdate(ctx.get(), bytes + kNonceBytes, &length,
                      reinterpret_cast<const unsigned char*>(plaintext.data()),
                      static_cast<int>(plaintext.size()));
    EVP_EncryptFinal_ex(ctx.get(), bytes + kNonceBytes + length, &length);
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, bytes + kNonceBytes + plaintext.size());
    return std::string(kSealPrefix) + protocol::base64_encode(out);
}

Result<std::string> open_secret(const SecretKey& key, std::string_view sealed, std::string_view owner) {
    std::string raw;
    if (sealed.substr(0, kSealPrefix.size()) != kSealPrefix ||
        !protocol::base64_decode(sealed.substr(kSealPrefix.size()), raw) ||
        raw.size() < kNonceBytes + kTagBytes) {
        return key_error("the encrypted value is malformed");
    }
    auto* bytes = reinterpret_cast<unsigned char*>(raw.data());
    size_t cipher_size = raw.size() - kNonceBytes - kTagBytes;
    std::string plain(cipher_size, '\0');
    CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int length = 0;
    EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr);
    EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes.data(), bytes);
    EVP_DecryptUpdate(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(owner.data()),
                      static_cast<int>(owner.size()));
    EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &length, bytes + kNonceBytes,
                      static_cast<int>(cipher_size));
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, bytes + kNonceBytes + cipher_size);
    int tail = 0;
    // The tag check: a wrong key, another owner or an altered value all fail here.
    if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + length, &tail) != 1) {
        return key_error("authentication of the encrypted value failed (wrong secret key, or the value was "
                         "altered)");
    }
    return plain;
}

} // namespace nectar::rest
