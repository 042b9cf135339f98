#include "rest/auth.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace nectar::rest {

namespace {

/// The one path whose query may carry credentials (apikey=, access_token=): the realtime upgrade.
constexpr std::string_view kQueryCredentialPath = "/api/v2/realtime";


std::array<unsigned char, 32> sha256(std::string_view text) {
    std::array<unsigned char, 32> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
    return digest;
}

HttpResponse unauthorized(std::string_view message, std::string challenge) {
    HttpResponse r = HttpResponse::error(401, "28000", message);
    r.headers.emplace_back("WWW-Authenticate", std::move(challenge));
    return r;
}

/// An RFC 6750 §3 challenge with an error code; the description may not hold '"' or '\'.
std::string bearer_error(std::string_view error, std::string_view description) {
    std::string text(description);
    std::replace_if(text.begin(), text.end(), [](char c) { return c == '"' || c == '\\' || c < 0x20; }, '\'');
    return "Bearer realm=\"nectar\", error=\"" + std::string(error) + "\", error_description=\"" + text + "\"";
}

/// The token of "Bearer <token>" (the scheme ignores case, RFC 7235 §2.1), or nullopt for
/// another scheme.
std::optional<std::string_view> bearer_token(std::string_view authorization) {
    constexpr std::string_view scheme = "bearer";
    if (authorization.size() < scheme.size() ||
        !std::equal(scheme.begin(), scheme.end(), authorization.begin(),
                    [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
        return std::nullopt;
    }
    std::string_view rest = authorization.substr(scheme.size());
    if (!rest.empty() && rest.front() != ' ') {
        return std::nullopt; // "Bearerish ..."
    }
    while (!rest.empty() && rest.front() == ' ') {
        rest.remove_prefix(1);
    }
    while (!rest.empty() && rest.back() == ' ') {
        rest.remove_suffix(1);
    }
    return rest;
}

/// Applies X-Role (or the first role) once the caller's roles are known; the 403 if X-Role
/// names a role the caller lacks.
std::optional<HttpResponse> pick_role(HttpRequest& request, std::string_view whose) {
    if (const std::string* role = request.header("x-role")) {
        if (std::find(request.roles.begin(), request.roles.end(), *role) == request.roles.end()) {
            return HttpResponse::error(403, "42501", "role \"" + *role + "\" is not one of " + std::string(whose) + "'s roles");
        }
        request.role = *role;
    } else if (!request.roles.empty()) {
        request.role = request.roles.front();
    }
    return std::nullopt;
}

} // namespace

Authenticator::Authenticator(const std::vector<ApiKey>& keys, bool authentication_configured,
                             std::unique_ptr<JwtVerifier> jwt)
    : authentication_configured_(authentication_configured || jwt != nullptr), jwt_(std::move(jwt)) {
    for (const ApiKey& k : keys) {
        keys_.push_back(StoredKey{sha256(k.key), k.roles});
    }
}

std::optional<HttpResponse> require_admin(const HttpRequest& request, std::string_view what) {
    if (request.anonymous || request.role == "admin") {
        return std::nullopt;
    }
    bool has_admin = std::find(request.roles.begin(), request.roles.end(), "admin") != request.roles.end();
    std::string message = std::string(what) + " needs the role \"admin\"";
    message += has_admin ? ": send X-Role: admin" : ", which this caller does not have";
    return HttpResponse::error(403, "42501", message);
}

std::string Authenticator::challenge() const {
    return jwt_ ? "Bearer realm=\"nectar\", X-API-Key realm=\"nectar\"" : "X-API-Key realm=\"nectar\"";
}

std::optional<HttpResponse> Authenticator::authenticate(HttpRequest& request) const {
    const std::string* key = request.header("x-api-key");
    const std::string* authorization = request.header("authorization");
    if (key != nullptr && authorization != nullptr) {
        // RFC 6750 §3.1: more than one way of authenticating is an invalid request.
        HttpResponse r = HttpResponse::error(400, "28000", "send either X-API-Key or Authorization, not both");
        r.headers.emplace_back("WWW-Authenticate", bearer_error("invalid_request", "more than one credential"));
        return r;
    }
    if (authorization != nullptr) {
        return authenticate_bearer(request, *authorization);
    }
    if (key != nullptr) {
        return authenticate_key(request, *key);
    }
    if (request.path == kQueryCredentialPath) {
        // A browser's WebSocket cannot send headers: the realtime upgrade may carry them in its
        // query instead (only there, so that keys stay out of ordinary URLs and their logs).
        const std::string* query_key = request.param("apikey");
        const std::string* query_token = request.param("access_token");
        if (query_key != nullptr && query_token != nullptr) {
            return HttpResponse::error(400, "28000", "send either apikey or access_token, not both");
        }
        if (query_token != nullptr) {
            return authenticate_bearer(request, "Bearer " + *query_token);
        }
        if (query_key != nullptr) {
            return authenticate_key(request, *query_key);
        }
    }
    if (!authentication_configured_ && request.peer_is_loopback) {
        request.anonymous = true; // SPEC §1: no authentication configured, loopback only
        return std::nullopt;
    }
    // RFC 6750 §3.1: a request without credentials gets a challenge with no error code.
    return unauthorized(jwt_ ? "authentication required: send Authorization: Bearer <JWT> or an X-API-Key header"
                             : "authentication required: send an X-API-Key header",
                        challenge());
}

std::optional<HttpResponse> Authenticator::authenticate_key(HttpRequest& request, const std::string& key) const {
    // Every stored digest is compared, whatever matched, so the time taken says nothing.
    const Digest given = sha256(key);
    const StoredKey* found = nullptr;
    for (const StoredKey& k : keys_) {
        if (CRYPTO_memcmp(k.digest.data(), given.data(), given.size()) == 0) {
            found = &k;
        }
    }
    if (found == nullptr) {
        return unauthorized("invalid API key", challenge());
    }
    request.roles = found->roles;
    static constexpr char hex[] = "0123456789abcdef";
    request.principal = "key:";
    for (int i = 0; i < 8; ++i) { // a digest prefix names the key without revealing it
        request.principal += hex[found->digest[i] >> 4];
        request.principal += hex[found->digest[i] & 15];
    }
    return pick_role(request, "this API key");
}

std::optional<HttpResponse> Authenticator::authenticate_bearer(HttpRequest& request,
                                                               const std::string& authorization) const {
    auto token = bearer_token(authorization);
    if (!token) {
        const std::string scheme = authorization.substr(0, std::min(authorization.find(' '), size_t{20}));
        return unauthorized("unsupported Authorization scheme \"" + scheme +
                                "\": send Authorization: Bearer <JWT> or an X-API-Key header",
                            challenge());
    }
    if (!jwt_) {
        return unauthorized("JWT bearer tokens are not enabled on this server (no --jwt-secret or --jwt-public-key): "
                            "send an X-API-Key",
                            challenge());
    }
    auto identity = jwt_->verify(*token, static_cast<int64_t>(std::time(nullptr)));
    if (!identity) {
        const std::string& message = identity.error().message;
        return unauthorized("invalid bearer token: " + message, bearer_error("invalid_token", message));
    }
    request.user_id = identity->subject;
    request.principal = "user:" + identity->subject;
    request.roles = std::move(identity->roles);
    request.claims = std::move(identity->claims);
    auto refused = pick_role(request, "this token");
    if (refused) {
        refused->headers.emplace_back("WWW-Authenticate", bearer_error("insufficient_scope", "X-Role is not one of the token's roles"));
    }
    return refused;
}

} // namespace nectar::rest
