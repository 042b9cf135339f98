#pragma once
// JSON Web Tokens (RFC 7519) as SPEC §5's bearer credentials: a compact JWS (RFC 7515) signed
// with the one algorithm the configuration pins (HS256, RS256 or ES256; never "none"), whose
// exp/nbf/aud/iss claims are checked, and whose subject, roles and other claims become who the
// caller is. Verification never throws: every refusal is an Error whose message says what was wrong.

#include "protocol/error.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::rest {

enum class JwtAlgorithm { hs256, rs256, es256 };

/// "HS256", "RS256", "ES256".
std::string_view jwt_algorithm_name(JwtAlgorithm algorithm);
/// The inverse of jwt_algorithm_name (exact spelling, as in a JOSE header).
std::optional<JwtAlgorithm> parse_jwt_algorithm(std::string_view name);

struct JwtSettings {
    JwtAlgorithm algorithm = JwtAlgorithm::hs256;
    std::string secret;         ///< HS256's shared secret
    std::string public_key_pem; ///< RS256/ES256: a PEM public key (or certificate)
    std::string audience;       ///< when set, the token's aud (string or array) must hold it
    std::string issuer;         ///< when set, the token's iss must equal it
    int64_t leeway_seconds = 30; ///< clock skew allowed on exp and nbf
    /// Claim holding the caller's roles (an array of strings, or one string); a dotted name
    /// ("realm_access.roles") walks into nested objects.
    std::string roles_claim = "roles";
};

/// What a valid token says about its bearer.
struct JwtIdentity {
    std::string subject;            ///< the sub claim
    std::vector<std::string> roles; ///< from the roles claim, in order
    /// Every top-level claim: strings as they are, other values as JSON text.
    std::map<std::string, std::string> claims;
};

/// Longest token accepted; real tokens are well under 2 KiB (and HTTP headers stop at 16 KiB).
constexpr size_t kMaxJwtBytes = 8 * 1024;

class JwtVerifier {
  public:
    /// Checks the settings (a secret for HS256, a PEM key of the right type for RS256/ES256);
    /// the Error's message says what is wrong with them.
    static Result<std::unique_ptr<JwtVerifier>> create(JwtSettings settings);
    ~JwtVerifier();
    JwtVerifier(const JwtVerifier&) = delete;
    JwtVerifier& operator=(const JwtVerifier&) = delete;

    /// Verifies a compact token at `now` (seconds since the epoch).
    Result<JwtIdentity> verify(std::string_view token, int64_t now) const;

    const JwtSettings& settings() const { return settings_; }

  private:
    struct Key;
    JwtVerifier(JwtSettings settings, std::unique_ptr<Key> key);
    /// The JOSE header: JSON with the pinned alg (never "none") and no crit extensions.
    Result<void> check_header(std::string_view header_base64) const;
    Result<void> check_signature(std::string_view signing_input, std::string_view signature) const;
    Result<JwtIdentity> read_claims(std::string_view payload_json, int64_t now) const;

    JwtSettings settings_;
    std::unique_ptr<Key> key_;
};

/// RFC 4648 §5 base64url without padding (as JWS uses it); nullopt on any other character or an
/// impossible length.
std::optional<std::string> base64url_decode(std::string_view text);
std::string base64url_encode(std::string_view bytes);

} // namespace nectar::rest
