#include "protocol/scram.hpp"

#include <algorithm>
#include <charconv>
#include <memory>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdexcept>

namespace nectar::protocol {

namespace {

constexpr size_t kRawNonceLength = 18; // as PostgreSQL's SCRAM_RAW_NONCE_LEN
constexpr size_t kDefaultSaltLength = 16;
constexpr std::string_view kChannelBindingType = "tls-server-end-point";
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Error scram_error(const char* sqlstate, std::string message, std::string detail = {}) {
    Error error = Error::make(sqlstate, std::move(message), "FATAL");
    error.detail = std::move(detail);
    return error;
}

Error malformed_scram(std::string detail) {
    return scram_error("08P01", "malformed SCRAM message", std::move(detail));
}

std::string random_bytes(size_t count) {
    std::string raw(count, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(count)) != 1) {
        // A predictable nonce or salt would be worse than failing the session.
        throw std::runtime_error("RAND_bytes failed: no secure random bytes available");
    }
    return raw;
}

std::string random_nonce() {
    return base64_encode(random_bytes(kRawNonceLength));
}

std::string_view view(const Sha256Digest& digest) {
    return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
    Sha256Digest out{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
    return out;
}

Sha256Digest sha256(std::string_view data) {
    Sha256Digest out{};
    EVP_Digest(data.data(), data.size(), out.data(), nullptr, EVP_sha256(), nullptr);
    return out;
}

Sha256Digest salted_password(std::string_view password, std::string_view salt, int iterations) {
    Sha256Digest out{};
    PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                      reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                      iterations, EVP_sha256(), static_cast<int>(out.size()), out.data());
    return out;
}

Sha256Digest xor_digests(const Sha256Digest& a, const Sha256Digest& b) {
    Sha256Digest out{};
    for (size_t i = 0; i < out.size(); ++i) {
        out[i] = a[i] ^ b[i];
    }
    return out;
}

/// printable = %x21-2B / %x2D-7E (RFC 5802): visible ASCII except ','.
bool is_scram_printable(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x21 && c <= 0x7E && c != ','; });
}

/// Reads the comma-separated "a=value" attributes of a SCRAM message.
class AttributeReader {
  public:
    explicit AttributeReader(std::string_view text)
        : text_(text) {}

    /// Reads attribute `attr`; the comma after its value is consumed.
    bool read(char attr, std::string_view& value) {
        if (pos_ >= text_.size() || text_[pos_] != attr) {
            return false;
        }
        return read_value(value);
    }

    /// Reads whichever attribute comes next (a letter, '=', a value).
    bool read_any(char& attr, std::string_view& value) {
        if (pos_ >= text_.size()) {
            return false;
        }
        attr = text_[pos_];
        bool letter = (attr >= 'a' && attr <= 'z') || (attr >= 'A' && attr <= 'Z');
        return letter && read_value(value);
    }

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[pos_]; }
    size_t position() const { return pos_; }
    void advance() { ++pos_; }

  private:
    bool read_value(std::string_view& value) {
        if (pos_ + 1 >= text_.size() || text_[pos_ + 1] != '=') {
            return false;
        }
        size_t begin = pos_ + 2;
        size_t comma = text_.find(',', begin);
        if (comma == std::string_view::npos) {
            value = text_.substr(begin);
            pos_ = text_.size();
        } else {
            value = text_.substr(begin, comma - begin);
            pos_ = comma + 1;
        }
        return true;
    }

    std::string_view text_;
    size_t pos_ = 0;
};

std::string escape_sasl_name(std::string_view name) {
    std::string out;
    for (char c : name) {
        if (c == '=') {
            out += "=3D";
        } else if (c == ',') {
            out += "=2C";
        } else {
            out += c;
        }
    }
    return out;
}

std::string hex(const unsigned char* data, size_t length) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (size_t i = 0; i < length; ++i) {
        out += kDigits[data[i] >> 4];
        out += kDigits[data[i] & 0x0F];
    }
    return out;
}

std::string md5_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr);
    return hex(digest, length);
}

} // namespace

ScramSecret make_scram_secret(std::string_view password, int iterations, std::string salt) {
    ScramSecret secret;
    secret.salt = salt.empty() ? random_bytes(kDefaultSaltLength) : std::move(salt);
    secret.iterations = std::max(iterations, 1); // PBKDF2 needs at least one round
    Sha256Digest salted = salted_password(password, secret.salt, secret.iterations);
    secret.stored_key = sha256(view(hmac_sha256(view(salted), "Client Key")));
    secret.server_key = hmac_sha256(view(salted), "Server Key");
    return secret;
}

ScramServer::ScramServer(ScramSecret secret, std::string channel_binding, std::string nonce)
    : secret_(std::move(secret))
    , channel_binding_(std::move(channel_binding))
    , server_nonce_(nonce.empty() ? random_nonce() : std::move(nonce)) {}

Result<std::string> ScramServer::handle_client_first(std::string_view mechanism,
                                                     std::string_view client_first) {
    if (state_ != State::client_first) {
        state_ = State::done;
        return malformed_scram("Unexpected client-first-message.");
    }
    state_ = State::done; // until this message is accepted
    bool binding_in_use = false;
    if (mechanism == kScramSha256Plus && !channel_binding_.empty()) {
        binding_in_use = true;
    } else if (mechanism != kScramSha256) {
        return scram_error("08P01", "client selected an invalid SASL authentication mechanism");
    }
    mechanism_ = std::string(mechanism);

    // gs2-header: the channel binding flag, then an (unsupported) authzid.
    AttributeReader reader(client_first);
    char flag = reader.peek();
    switch (flag) {
    case 'n':
    case 'y':
        if (binding_in_use) {
            return malformed_scram("The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not "
                                   "include channel binding data.");
        }
        if (flag == 'y' && !channel_binding_.empty()) {
            // The client could bind but believes we cannot: someone stripped PLUS from our offer.
            return scram_error("28000", "SCRAM channel binding negotiation error",
                               "The client supports SCRAM channel binding but thinks the server does not.  "
                               "However, this server does support channel binding.");
        }
        reader.advance();
        if (reader.peek() != ',') {
            return malformed_scram("Comma expected after the channel-binding flag.");
        }
        reader.advance();
        break;
    case 'p': {
        if (!binding_in_use) {
            return malformed_scram("The client selected SCRAM-SHA-256 without channel binding, but the SCRAM "
                                   "message includes channel binding data.");
        }
        std::string_view type;
        if (!reader.read('p', type)) {
            return malformed_scram("Expected \"p=\" and a channel-binding type.");
        }
        if (type != kChannelBindingType) {
            return scram_error("08P01",
                               "unsupported SCRAM channel-binding type \"" + std::string(type) + "\"");
        }
        break;
    }
    default:
        return malformed_scram("Unexpected channel-binding flag.");
    }
    if (reader.peek() == 'a') {
        return scram_error("0A000", "client uses authorization identity, but it is not supported");
    }
    if (reader.peek() != ',') {
        return malformed_scram("Unexpected attribute in client-first-message.");
    }
    reader.advance();
    gs2_header_ = std::string(client_first.substr(0, reader.position()));
    std::string_view bare = client_first.substr(reader.position());

    if (reader.peek() == 'm') {
        return scram_error("0A000", "client requires an unsupported SCRAM extension");
    }
    // The user name is ignored: PostgreSQL authenticates the startup packet's user.
    std::string_view user_name;
    std::string_view client_nonce;
    if (!reader.read('n', user_name) || !reader.read('r', client_nonce)) {
        return malformed_scram("Expected the n= and r= attributes in client-first-message.");
    }
    if (client_nonce.empty() || !is_scram_printable(client_nonce)) {
        return malformed_scram("The client nonce is empty or contains non-printable characters.");
    }
    while (!reader.at_end()) {
        char attr = 0;
        std::string_view ignored;
        if (!reader.read_any(attr, ignored)) {
            return malformed_scram("Malformed extension attribute in client-first-message.");
        }
    }

    client_first_bare_ = std::string(bare);
    combined_nonce_ = std::string(client_nonce) + server_nonce_;
    server_first_ = "r=" + combined_nonce_ + ",s=" + base64_encode(secret_.salt) +
                    ",i=" + std::to_string(secret_.iterations);
    state_ = State::client_final;
    return server_first_;
}

Result<std::string> ScramServer::handle_client_final(std::string_view client_final) {
    if (state_ != State::client_final) {
        state_ = State::done;
        return malformed_scram("Unexpected client-final-message.");
    }
    state_ = State::done;
    bool binding_in_use = mechanism_ == kScramSha256Plus;

    AttributeReader reader(client_final);
    std::string_view binding;
    std::string_view nonce;
    if (!reader.read('c', binding)) {
        return malformed_scram("Expected the c= attribute in client-final-message.");
    }
    // c= repeats the gs2 header, followed by our certificate hash when binding is in use.
    std::string expected = base64_encode(binding_in_use ? gs2_header_ + channel_binding_ : gs2_header_);
    if (binding != expected) {
        if (binding_in_use) {
            return scram_error("28000", "SCRAM channel binding check failed");
        }
        return scram_error("08P01", "unexpected SCRAM channel-binding attribute in client-final-message");
    }
    if (!reader.read('r', nonce)) {
        return malformed_scram("Expected the r= attribute in client-final-message.");
    }
    size_t proof_at = 0;
    char attr = 0;
    std::string_view proof_text;
    do {
        proof_at = reader.position();
        if (!reader.read_any(attr, proof_text)) {
            return malformed_scram("Expected the p= attribute in client-final-message.");
        }
    } while (attr != 'p');
    std::string proof;
    if (!base64_decode(proof_text, proof) || proof.size() != Sha256Digest{}.size()) {
        return malformed_scram("Malformed proof in client-final-message.");
    }
    if (!reader.at_end()) {
        return malformed_scram("Garbage found at the end of client-final-message.");
    }
    if (nonce != combined_nonce_) {
        return scram_error("08P01", "invalid SCRAM response", "Nonce does not match.");
    }

    // proof_at is the 'p' of ",p=": the message without proof stops before that comma.
    std::string auth_message =
        client_first_bare_ + "," + server_first_ + "," + std::string(client_final.substr(0, proof_at - 1));
    Sha256Digest client_signature = hmac_sha256(view(secret_.stored_key), auth_message);
    Sha256Digest client_proof{};
    std::copy(proof.begin(), proof.end(), client_proof.begin());
    Sha256Digest client_key = xor_digests(client_proof, client_signature);
    if (!constant_time_equal(view(sha256(view(client_key))), view(secret_.stored_key))) {
        return scram_error("28P01", "password authentication failed");
    }
    return "v=" + base64_encode(view(hmac_sha256(view(secret_.server_key), auth_message)));
}

ScramClient::ScramClient(std::string password, std::string nonce)
    : password_(std::move(password))
    , nonce_(nonce.empty() ? random_nonce() : std::move(nonce)) {}

std::string ScramClient::client_first() {
    return client_first(std::string_view{});
}

std::string ScramClient::client_first(std::string_view user_name) {
    client_first_bare_ = "n=" + escape_sasl_name(user_name) + ",r=" + nonce_;
    return "n,," + client_first_bare_;
}

Result<std::string> ScramClient::handle_server_first(std::string_view server_first) {
    if (client_first_bare_.empty()) {
        return malformed_scram("server-first-message before client-first-message.");
    }
    AttributeReader reader(server_first);
    if (reader.peek() == 'm') {
        return scram_error("0A000", "server requires an unsupported SCRAM extension");
    }
    std::string_view nonce;
    std::string_view salt_text;
    std::string_view iterations_text;
    if (!reader.read('r', nonce) || !reader.read('s', salt_text) || !reader.read('i', iterations_text) ||
        !reader.at_end()) {
        return malformed_scram("Expected r=, s= and i= in server-first-message.");
    }
    if (nonce.size() <= nonce_.size() || nonce.substr(0, nonce_.size()) != nonce_ ||
        !is_scram_printable(nonce)) {
        return scram_error("08P01", "invalid SCRAM response", "Nonce does not match.");
    }
    std::string salt;
    if (!base64_decode(salt_text, salt) || salt.empty()) {
        return malformed_scram("Invalid salt in server-first-message.");
    }
    int iterations = 0;
    const char* end = iterations_text.data() + iterations_text.size();
    auto [parsed_end, ec] = std::from_chars(iterations_text.data(), end, iterations);
    if (ec != std::errc() || parsed_end != end || iterations < 1) {
        return malformed_scram("Invalid iteration count in server-first-message.");
    }

    Sha256Digest salted = salted_password(password_, salt, iterations);
    Sha256Digest client_key = hmac_sha256(view(salted), "Client Key");
    Sha256Digest stored_key = sha256(view(client_key));
    server_key_ = hmac_sha256(view(salted), "Server Key");

    // Without channel binding c= is base64("n,,").
    std::string without_proof = "c=biws,r=" + std::string(nonce);
    auth_message_ = client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
    Sha256Digest proof = xor_digests(client_key, hmac_sha256(view(stored_key), auth_message_));
    return without_proof + ",p=" + base64_encode(view(proof));
}

Result<void> ScramClient::verify_server_final(std::string_view server_final) {
    if (auth_message_.empty()) {
        return malformed_scram("server-final-message before server-first-message.");
    }
    AttributeReader reader(server_final);
    std::string_view value;
    if (reader.read('e', value)) {
        const char* sqlstate = value == "invalid-proof" ? "28P01" : "28000";
        return scram_error(sqlstate, "SCRAM authentication failed: " + std::string(value));
    }
    std::string signature;
    if (!reader.read('v', value) || !reader.at_end() || !base64_decode(value, signature)) {
        return malformed_scram("Expected v= in server-final-message.");
    }
    std::string expected(view(hmac_sha256(view(server_key_), auth_message_)));
    if (!constant_time_equal(signature, expected)) {
        return scram_error("28000", "invalid SCRAM server signature",
                           "The server does not know the password: it may not be the server it claims.");
    }
    return {};
}

std::string md5_password_answer(std::string_view user, std::string_view password, std::string_view salt4) {
    std::string inner = md5_hex(std::string(password) + std::string(user));
    return "md5" + md5_hex(inner + std::string(salt4));
}

std::string tls_server_end_point(std::string_view der_certificate) {
    const auto* cursor = reinterpret_cast<const unsigned char*>(der_certificate.data());
    const auto* end = cursor + der_certificate.size();
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        d2i_X509(nullptr, &cursor, static_cast<long>(der_certificate.size())), X509_free);
    if (!cert || cursor != end) {
        return {};
    }
    int digest_nid = NID_undef;
    if (!OBJ_find_sigid_algs(X509_get_signature_nid(cert.get()), &digest_nid, nullptr)) {
        return {};
    }
    // RFC 5929 §4.1, as PostgreSQL and libpq do it: MD5 and SHA-1 become SHA-256.
    const EVP_MD* md =
        (digest_nid == NID_md5 || digest_nid == NID_sha1) ? EVP_sha256() : EVP_get_digestbynid(digest_nid);
    if (md == nullptr) {
        return {};
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_digest(cert.get(), md, digest, &length) != 1) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string base64_encode(std::string_view raw) {
    std::string out;
    out.reserve((raw.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= raw.size(); i += 3) {
        uint32_t n = (static_cast<uint8_t>(raw[i]) << 16) | (static_cast<uint8_t>(raw[i + 1]) << 8) |
                     static_cast<uint8_t>(raw[i + 2]);
        out += kBase64Alphabet[(n >> 18) & 63];
        out += kBase64Alphabet[(n >> 12) & 63];
        out += kBase64Alphabet[(n >> 6) & 63];
        out += kBase64Alphabet[n & 63];
    }
    size_t left = raw.size() - i;
    if (left > 0) {
        uint32_t n = static_cast<uint8_t>(raw[i]) << 16;
        if (left == 2) {
            n |= static_cast<uint8_t>(raw[i + 1]) << 8;
        }
        out += kBase64Alphabet[(n >> 18) & 63];
        out += kBase64Alphabet[(n >> 12) & 63];
        out += left == 2 ? kBase64Alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

bool base64_decode(std::string_view text, std::string& raw) {
    raw.clear();
    if (text.size() % 4 != 0) {
        return false;
    }
    size_t padding = 0;
    if (!text.empty() && text.back() == '=') {
        padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
    }
    raw.reserve(text.size() / 4 * 3);
    uint32_t bits = 0;
    int bit_count = 0;
    for (size_t i = 0; i < text.size() - padding; ++i) {
        size_t value = kBase64Alphabet.find(text[i]);
        if (value == std::string_view::npos) {
            raw.clear();
            return false; // also rejects '=' before the end
        }
        bits = (bits << 6) | static_cast<uint32_t>(value);
        bit_count += 6;
        if (bit_count >= 8) {
            bit_count -= 8;
            raw += static_cast<char>((bits >> bit_count) & 0xFF);
        }
    }
    return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false; // lengths are not secret
    }
    return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace nectar::protocol
