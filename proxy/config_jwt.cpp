// The JWT settings of SPEC §5 checked together at start, so that a server that starts can verify
// the tokens it was told to accept (a bad key file is one clear message and exit code 2).

#include "proxy/config_values.hpp"
#include "rest/jwt.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace nectar::proxy {

namespace {

constexpr std::uintmax_t kMaxPemBytes = 1 << 20; ///< a public key or certificate chain is a few KiB

std::string read_pem_file(const std::string& path, const std::string& where) {
    if (::access(path.c_str(), R_OK) != 0) {
        throw_config_error(where, "cannot read " + in_quotes(path) + ": " + std::strerror(errno));
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw_config_error(where, in_quotes(path) + " is not a file");
    }
    if (std::filesystem::file_size(path, ec) > kMaxPemBytes) {
        throw_config_error(where, in_quotes(path) + " is larger than 1 MiB: not a PEM public key");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

void check_jwt_settings(Config& c, const std::function<std::string(const std::string&)>& origin) {
    const bool public_key_algorithm = c.jwt_algorithm != "HS256";
    if (public_key_algorithm && c.jwt_public_key.empty()) {
        throw_config_error(origin("jwt-algorithm"), c.jwt_algorithm + " needs --jwt-public-key FILE (a PEM public key)");
    }
    if (public_key_algorithm && !c.jwt_secret.empty()) {
        throw_config_error(origin("jwt-secret"), "a JWT secret is for HS256, but jwt-algorithm is " + c.jwt_algorithm);
    }
    if (!public_key_algorithm && !c.jwt_public_key.empty()) {
        throw_config_error(origin("jwt-public-key"),
                           "a public key is for RS256 or ES256: set --jwt-algorithm RS256 or ES256 (HS256 uses --jwt-secret)");
    }
    const bool jwt_enabled = !c.jwt_secret.empty() || !c.jwt_public_key.empty();
    if (!jwt_enabled) {
        for (const auto& [key, is_set] : {std::pair{"jwt-audience", !c.jwt_audience.empty()},
                                          std::pair{"jwt-issuer", !c.jwt_issuer.empty()},
                                          std::pair{"jwt-roles-claim", c.jwt_roles_claim != "roles"},
                                          std::pair{"jwt-leeway-seconds", c.jwt_leeway_seconds != 30}}) {
            if (is_set) {
                throw_config_error(origin(key), "is set but JWT bearer tokens are off: add --jwt-secret or "
                                                "--jwt-algorithm with --jwt-public-key");
            }
        }
        return;
    }
    c.jwt_public_key_pem = public_key_algorithm ? read_pem_file(c.jwt_public_key, origin("jwt-public-key")) : "";
    rest::JwtSettings settings;
    settings.algorithm = *rest::parse_jwt_algorithm(c.jwt_algorithm);
    settings.secret = c.jwt_secret;
    settings.public_key_pem = c.jwt_public_key_pem;
    auto verifier = rest::JwtVerifier::create(std::move(settings));
    if (!verifier) {
        throw_config_error(origin(public_key_algorithm ? "jwt-public-key" : "jwt-secret"),
                           (public_key_algorithm ? in_quotes(c.jwt_public_key) + ": " : "") + verifier.error().message);
    }
}

} // namespace nectar::proxy
