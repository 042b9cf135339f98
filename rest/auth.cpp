#include "rest/auth.hpp"

#include <algorithm>
#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace nectar::rest {

namespace {

std::array<unsigned char, 32> sha256(std::string_view text) {
    std::array<unsigned char, 32> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
    return digest;
}

HttpResponse unauthorized(std::string_view message) {
    HttpResponse r = HttpResponse::error(401, "28000", message);
    r.headers.emplace_back("WWW-Authenticate", "X-API-Key realm=\"nectar\"");
    return r;
}

} // namespace

Authenticator::Authenticator(const std::vector<ApiKey>& keys, bool authentication_configured)
    : authentication_configured_(authentication_configured) {
    for (const ApiKey& k : keys) {
        keys_.push_back(StoredKey{sha256(k.key), k.roles});
    }
}

std::optional<HttpResponse> Authenticator::authenticate(HttpRequest& request) const {
    const std::string* key = request.header("x-api-key");
    const std::string* authorization = request.header("authorization");
    if (key == nullptr && authorization != nullptr) {
        return unauthorized("JWT bearer tokens are not accepted by Nectar yet: send an X-API-Key");
    }
    if (key == nullptr) {
        if (!authentication_configured_ && request.peer_is_loopback) {
            request.anonymous = true; // SPEC §1: no authentication configured, loopback only
            return std::nullopt;
        }
        return unauthorized("authentication required: send an X-API-Key header");
    }
    // Every stored digest is compared, whatever matched, so the time taken says nothing.
    const Digest given = sha256(*key);
    const StoredKey* found = nullptr;
    for (const StoredKey& k : keys_) {
        if (CRYPTO_memcmp(k.digest.data(), given.data(), given.size()) == 0) {
            found = &k;
        }
    }
    if (found == nullptr) {
        return unauthorized("invalid API key");
    }
    request.roles = found->roles;
    static constexpr char hex[] = "0123456789abcdef";
    request.principal = "key:";
    for (int i = 0; i < 8; ++i) { // a digest prefix names the key without revealing it
        request.principal += hex[found->digest[i] >> 4];
        request.principal += hex[found->digest[i] & 15];
    }
    if (const std::string* role = request.header("x-role")) {
        if (std::find(found->roles.begin(), found->roles.end(), *role) == found->roles.end()) {
            return HttpResponse::error(403, "42501", "role \"" + *role + "\" is not one of this API key's roles");
        }
        request.role = *role;
    } else if (!found->roles.empty()) {
        request.role = found->roles.front();
    }
    return std::nullopt;
}

} // namespace nectar::rest
