#pragma once
// SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses it, both sides, with
// tls-server-end-point channel binding (RFC 5929) for SCRAM-SHA-256-PLUS. Also the md5
// password answer, for backends that still ask for it.

#include "protocol/error.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace nectar::protocol {

inline constexpr std::string_view kScramSha256 = "SCRAM-SHA-256";
inline constexpr std::string_view kScramSha256Plus = "SCRAM-SHA-256-PLUS";

using Sha256Digest = std::array<uint8_t, 32>;

/// What a server keeps for a user instead of the password.
struct ScramSecret {
    std::string salt; ///< raw bytes
    int iterations = 4096;
    Sha256Digest stored_key{};
    Sha256Digest server_key{};
};

/// Derives the secret; an empty `salt` draws 16 random bytes.
ScramSecret make_scram_secret(std::string_view password, int iterations = 4096, std::string salt = {});

/// The server side of one SCRAM exchange.
class ScramServer {
  public:
    /// `channel_binding` is the tls-server-end-point hash of our certificate, empty without TLS.
    /// `nonce` is for tests only; empty draws 18 random bytes (base64-encoded).
    ScramServer(ScramSecret secret, std::string channel_binding, std::string nonce = {});

    /// SASLInitialResponse: returns the server-first-message, or an Error (SQLSTATE 08P01 for
    /// malformed messages, 28000 for a channel binding mismatch such as a downgrade).
    Result<std::string> handle_client_first(std::string_view mechanism, std::string_view client_first);
    /// SASLResponse: returns the server-final-message (v=...), or an Error: 28P01 for a wrong
    /// password, 08P01 for a malformed message.
    Result<std::string> handle_client_final(std::string_view client_final);

  private:
    enum class State { client_first, client_final, done };

    ScramSecret secret_;
    std::string channel_binding_;
    std::string server_nonce_;
    std::string mechanism_;
    std::string gs2_header_;
    std::string client_first_bare_;
    std::string server_first_;
    std::string combined_nonce_;
    State state_ = State::client_first;
};

/// The client side of one SCRAM exchange (Nectar logging in to a PostgreSQL server).
class ScramClient {
  public:
    /// `nonce` is for tests only; empty draws 18 random bytes (base64-encoded).
    explicit ScramClient(std::string password, std::string nonce = {});

    /// The client-first-message for SCRAM-SHA-256 without channel binding ("n,,n=,r=...").
    std::string client_first();
    /// The same with a user name in n= (escaped); PostgreSQL ignores it and libpq sends none.
    std::string client_first(std::string_view user_name);
    /// Answers the server-first-message with the client-final-message.
    Result<std::string> handle_server_first(std::string_view server_first);
    /// Checks the server's signature in the server-final-message.
    Result<void> verify_server_final(std::string_view server_final);

  private:
    std::string password_;
    std::string nonce_;
    std::string client_first_bare_;
    std::string auth_message_;
    Sha256Digest server_key_{};
};

/// "md5" + md5(md5(password + user) + salt), as a PostgreSQL server asks with AuthenticationMD5.
std::string md5_password_answer(std::string_view user, std::string_view password, std::string_view salt4);

/// tls-server-end-point hash (RFC 5929 §4.1) of a DER certificate: SHA-256 unless the
/// certificate's signature uses a stronger hash. Empty on failure.
std::string tls_server_end_point(std::string_view der_certificate);

std::string base64_encode(std::string_view raw);
/// Empty optional-like: returns false on malformed input.
bool base64_decode(std::string_view text, std::string& raw);

/// Compares without early exit, for secrets.
bool constant_time_equal(std::string_view a, std::string_view b);

} // namespace nectar::protocol
