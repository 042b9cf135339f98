#pragma once
// Who is calling the HTTP face (SPEC §1 security defaults, §5 auth). With no authentication
// configured, anonymous callers are accepted from loopback only (the server refuses to listen
// elsewhere then). Once any authentication is configured, every protected request needs a
// valid `X-API-Key`; keys are kept as SHA-256 digests and compared in constant time.
// JWT bearer tokens are not accepted yet (a later part of issue 4): they get a 401 saying so.

#include "rest/http_message.hpp"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace nectar::rest {

struct ApiKey {
    std::string key;
    std::vector<std::string> roles;
};

class Authenticator {
  public:
    /// `authentication_configured`: users, API keys or a JWT secret exist (Config::has_authentication).
    Authenticator(const std::vector<ApiKey>& keys, bool authentication_configured);

    /// Fills request.roles/role/anonymous, or returns the 401/403 to answer instead.
    std::optional<HttpResponse> authenticate(HttpRequest& request) const;

  private:
    using Digest = std::array<unsigned char, 32>;
    struct StoredKey {
        Digest digest;
        std::vector<std::string> roles;
    };
    std::vector<StoredKey> keys_;
    bool authentication_configured_;
};

} // namespace nectar::rest
