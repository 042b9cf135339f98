// The structural half of JwtVerifier: splitting and decoding a compact token, its JOSE header
// (the pinned algorithm) and its claims (times, audience, issuer, subject, roles).

#include "rest/jwt.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <simdjson.h>

namespace nectar::rest {

namespace {

using simdjson::dom::element;

Error invalid_token(std::string message) { return Error::make("28000", std::move(message)); }

std::string quote(std::string_view text) {
    std::string out; // appended, not `"\"" + ...`, which trips g++ 12's -Wrestrict false positive
    out.reserve(text.size() + 2);
    out.append(1, '"').append(text).append(1, '"');
    return out;
}

/// A JSON object from decoded header or payload bytes; `what` names the segment for messages.
Result<simdjson::dom::object> parse_object(simdjson::dom::parser& parser, const std::string& json,
                                           const char* what) {
    element root;
    if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
        return invalid_token(std::string("the token's ") + what + " is not valid JSON");
    }
    simdjson::dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS) {
        return invalid_token(std::string("the token's ") + what + " is not a JSON object");
    }
    return object;
}

/// "2026-11-27T17:05:00Z", for messages about exp and nbf.
std::string utc_time(double seconds) {
    if (!std::isfinite(seconds) || std::fabs(seconds) > 1e12) {
        return std::to_string(seconds);
    }
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

/// A NumericDate claim (RFC 7519 §2) if present: nullopt when absent, an Error when not a number.
Result<std::optional<double>> numeric_date(simdjson::dom::object claims, const char* name) {
    element value;
    if (claims[name].get(value) != simdjson::SUCCESS) {
        return std::optional<double>();
    }
    double seconds = 0;
    if (!value.is_number() || value.get_double().get(seconds) != simdjson::SUCCESS) {
        return invalid_token(std::string("the token's ") + name + " claim is not a number of seconds");
    }
    return std::optional<double>(seconds);
}

bool audience_matches(element aud, const std::string& wanted) {
    std::string_view one;
    if (aud.get_string().get(one) == simdjson::SUCCESS) {
        return one == wanted;
    }
    simdjson::dom::array many;
    if (aud.get_array().get(many) != simdjson::SUCCESS) {
        return false;
    }
    for (element item : many) {
        if (item.get_string().get(one) == simdjson::SUCCESS && one == wanted) {
            return true;
        }
    }
    return false;
}

/// The claim at a dotted path ("realm_access.roles"), or an error code when absent.
simdjson::simdjson_result<element> claim_at(simdjson::dom::object claims, std::string_view path) {
    simdjson::dom::object object = claims;
    while (true) {
        const size_t dot = path.find('.');
        element current;
        if (object[path.substr(0, dot)].get(current) != simdjson::SUCCESS) {
            return simdjson::NO_SUCH_FIELD;
        }
        if (dot == std::string_view::npos) {
            return current;
        }
        if (current.get_object().get(object) != simdjson::SUCCESS) {
            return simdjson::NO_SUCH_FIELD;
        }
        path.remove_prefix(dot + 1);
    }
}

Result<std::vector<std::string>> roles_from(simdjson::dom::object claims, const std::string& roles_claim) {
    std::vector<std::string> roles;
    element value;
    if (claim_at(claims, roles_claim).get(value) != simdjson::SUCCESS) {
        return roles; // a token without roles: authenticated, no role
    }
    const std::string problem = "the token's " + quote(roles_claim) + " claim must be an array of strings or a string";
    std::string_view one;
    if (value.get_string().get(one) == simdjson::SUCCESS) {
        roles.emplace_back(one);
        return roles;
    }
    simdjson::dom::array many;
    if (value.get_array().get(many) != simdjson::SUCCESS) {
        return invalid_token(problem);
    }
    for (element item : many) {
        if (item.get_string().get(one) != simdjson::SUCCESS) {
            return invalid_token(problem);
        }
        roles.emplace_back(one);
    }
    return roles;
}

} // namespace

std::string_view jwt_algorithm_name(JwtAlgorithm algorithm) {
    switch (algorithm) {
    case JwtAlgorithm::hs256:
        return "HS256";
    case JwtAlgorithm::rs256:
        return "RS256";
    case JwtAlgorithm::es256:
        return "ES256";
    }
    return "?";
}

std::optional<JwtAlgorithm> parse_jwt_algorithm(std::string_view name) {
    for (JwtAlgorithm a : {JwtAlgorithm::hs256, JwtAlgorithm::rs256, JwtAlgorithm::es256}) {
        if (name == jwt_algorithm_name(a)) {
            return a;
        }
    }
    return std::nullopt;
}

Result<JwtIdentity> JwtVerifier::verify(std::string_view token, int64_t now) const {
    if (token.empty()) {
        return invalid_token("the bearer token is empty");
    }
    if (token.size() > kMaxJwtBytes) {
        return invalid_token("the token is " + std::to_string(token.size()) + " bytes long; at most " +
                             std::to_string(kMaxJwtBytes) + " are accepted");
    }
    const auto dots = std::count(token.begin(), token.end(), '.');
    if (dots != 2) {
        return invalid_token("a JWT is three base64url segments separated by '.', this token has " +
                             std::to_string(dots + 1));
    }
    const size_t first = token.find('.');
    const size_t second = token.find('.', first + 1);
    if (auto header = check_header(token.substr(0, first)); !header) {
        return header.error();
    }
    auto signature = base64url_decode(token.substr(second + 1));
    if (!signature) {
        return invalid_token("the token's signature is not base64url");
    }
    if (auto checked = check_signature(token.substr(0, second), *signature); !checked) {
        return checked.error();
    }
    auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
    if (!payload) {
        return invalid_token("the token's payload is not base64url");
    }
    return read_claims(*payload, now);
}

Result<void> JwtVerifier::check_header(std::string_view header_base64) const {
    auto header = base64url_decode(header_base64);
    if (!header) {
        return invalid_token("the token's header is not base64url");
    }
    // One parser per thread: verification runs on every worker, and a parser's buffers are reused.
    thread_local simdjson::dom::parser parser;
    auto header_object = parse_object(parser, *header, "header");
    if (!header_object) {
        return header_object.error();
    }
    std::string_view alg;
    if ((*header_object)["alg"].get_string().get(alg) != simdjson::SUCCESS) {
        return invalid_token("the token's header has no \"alg\" string");
    }
    std::string alg_lower(alg);
    std::transform(alg_lower.begin(), alg_lower.end(), alg_lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (alg_lower == "none") {
        return invalid_token("unsigned tokens (alg \"none\") are never accepted");
    }
    // The algorithm is the configuration's, never the token's (no RS256/HS256 key confusion).
    if (alg != jwt_algorithm_name(settings_.algorithm)) {
        return invalid_token("the token is signed with " + quote(alg) + ", but this server accepts only " +
                             std::string(jwt_algorithm_name(settings_.algorithm)));
    }
    element crit;
    if ((*header_object)["crit"].get(crit) == simdjson::SUCCESS) {
        return invalid_token("the token's header lists critical extensions (crit), which Nectar does not support");
    }
    return {};
}

Result<JwtIdentity> JwtVerifier::read_claims(std::string_view payload_json, int64_t now) const {
    thread_local simdjson::dom::parser parser;
    auto parsed = parse_object(parser, std::string(payload_json), "payload");
    if (!parsed) {
        return parsed.error();
    }
    simdjson::dom::object claims = *parsed;
    JwtIdentity identity;
    for (auto [key, value] : claims) {
        std::string_view string_value;
        auto [slot, added] = identity.claims.try_emplace(std::string(key));
        if (!added) {
            // Lookups see the first of two equal names: refuse rather than let readers disagree.
            return invalid_token("the token's payload repeats the claim " + quote(key));
        }
        slot->second = value.get_string().get(string_value) == simdjson::SUCCESS ? std::string(string_value)
                                                                                 : simdjson::minify(value);
    }
    const double leeway = static_cast<double>(settings_.leeway_seconds);
    auto exp = numeric_date(claims, "exp");
    if (!exp) {
        return exp.error();
    }
    if (*exp && static_cast<double>(now) >= **exp + leeway) {
        return invalid_token("the token expired at " + utc_time(**exp));
    }
    auto nbf = numeric_date(claims, "nbf");
    if (!nbf) {
        return nbf.error();
    }
    if (*nbf && static_cast<double>(now) + leeway < **nbf) {
        return invalid_token("the token is not valid before " + utc_time(**nbf));
    }
    std::string_view text;
    if (!settings_.issuer.empty() &&
        (claims["iss"].get_string().get(text) != simdjson::SUCCESS || text != settings_.issuer)) {
        return invalid_token("the token's issuer (iss) is not " + quote(settings_.issuer));
    }
    element aud;
    if (!settings_.audience.empty() &&
        (claims["aud"].get(aud) != simdjson::SUCCESS || !audience_matches(aud, settings_.audience))) {
        return invalid_token("the token's audience (aud) does not include " + quote(settings_.audience));
    }
    if (claims["sub"].get_string().get(text) != simdjson::SUCCESS || text.empty()) {
        return invalid_token("the token has no subject: a non-empty \"sub\" string naming the user");
    }
    identity.subject = std::string(text);
    auto roles = roles_from(claims, settings_.roles_claim);
    if (!roles) {
        return roles.error();
    }
    identity.roles = std::move(*roles);
    return identity;
}

} // namespace nectar::rest
