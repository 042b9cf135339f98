#pragma once
// Who is calling the HTTP face (SPEC §1 security defaults, §5 auth). With no authentication
// configured, anonymous callers are accepted from loopback only (the server refuses to listen
// elsewhere then). Once any authentication is configured, every protected request needs either a
// valid `X-API-Key` (kept as SHA-256 digests, compared in constant time) or an
// `Authorization: Bearer <JWT>` that the configured JwtVerifier accepts. Refusals follow RFC 6750:
// 401 with a WWW-Authenticate challenge for missing or bad credentials, 400 for a request that
// sends two kinds at once, 403 when X-Role names a role the caller does not hold.

#include "rest/http_message.hpp"
#include "rest/jwt.hpp"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nectar::rest {

struct ApiKey {
    std::string key;
    std::vector<std::string> roles;
};

/// Null for an administrator (the role "admin" chosen, or an anonymous loopback caller when no
/// authentication is configured); else the 403 saying that `what` needs the role "admin".
std::optional<HttpResponse> require_admin(const HttpRequest& request, std::string_view what);

class Authenticator {
  public:
    /// `authentication_configured`: users, API keys or a JWT key exist (Config::has_authentication).
    /// `jwt`: verifies bearer tokens; without it a bearer token is refused with a 401 saying so.
    Authenticator(const std::vector<ApiKey>& keys, bool authentication_configured,
                  std::unique_ptr<JwtVerifier> jwt = nullptr);

    /// Fills request.roles/role/anonymous/principal (and user_id/claims for a JWT), or returns
    /// the 400/401/403 to answer instead.
    std::optional<HttpResponse> authenticate(HttpRequest& request) const;

  private:
    using Digest = std::array<unsigned char, 32>;
    struct StoredKey {
        Digest digest;
        std::vector<std::string> roles;
    };
    std::optional<HttpResponse> authenticate_key(HttpRequest& request, const std::string& key) const;
    std::optional<HttpResponse> authenticate_bearer(HttpRequest& request, const std::string& authorization) const;
    /// The challenge naming every credential this server takes.
    std::string challenge() const;

    std::vector<StoredKey> keys_;
    bool authentication_configured_;
    std::unique_ptr<JwtVerifier> jwt_;
};

} // namespace nectar::rest
