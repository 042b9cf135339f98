#pragma once
// Reading the bodies of messages a client (frontend) sends, and writing the few that Nectar
// itself sends to a PostgreSQL server as a client. A body is what Frame::body holds.

#include "protocol/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nectar::protocol {

/// Frontend message type bytes.
namespace fe {
inline constexpr char kQuery = 'Q', kParse = 'P', kBind = 'B', kDescribe = 'D', kExecute = 'E', kClose = 'C',
                      kSync = 'S', kFlush = 'H', kTerminate = 'X', kPassword = 'p', kCopyData = 'd',
                      kCopyDone = 'c', kCopyFail = 'f', kFunctionCall = 'F';
} // namespace fe

struct StartupMessage {
    uint32_t protocol_version = 196608; ///< 3.0
    std::vector<std::pair<std::string, std::string>> parameters; ///< in the order sent
    const std::string* find(std::string_view name) const;
};
/// Parses the body of a v3 startup packet (after the version word): name\0value\0...\0.
Result<StartupMessage> parse_startup(std::string_view body);

struct CancelRequest {
    int32_t process_id = 0;
    int32_t secret_key = 0;
};
Result<CancelRequest> parse_cancel_request(std::string_view body); ///< body after the code

/// 'Q': the statement string.
Result<std::string_view> parse_query(std::string_view body);

/// 'P'
struct ParseMessage {
    std::string_view statement; ///< "" is the unnamed statement
    std::string_view query;
    std::vector<uint32_t> param_types;
};
Result<ParseMessage> parse_parse(std::string_view body);

/// 'B': only the names are parsed; `rest` is everything after the statement name, kept as
/// bytes so that a Bind can be re-addressed to another statement name without decoding values.
struct BindMessage {
    std::string_view portal;
    std::string_view statement;
    std::string_view rest;
};
Result<BindMessage> parse_bind(std::string_view body);

/// 'D' and 'C': 'S' (statement) or 'P' (portal), then the name.
struct TargetMessage {
    char kind = 'S';
    std::string_view name;
};
Result<TargetMessage> parse_describe_or_close(std::string_view body);

/// 'E'
struct ExecuteMessage {
    std::string_view portal;
    int32_t max_rows = 0;
};
Result<ExecuteMessage> parse_execute(std::string_view body);

/// 'p' during SASL: SASLInitialResponse (mechanism, then the client-first message).
struct SaslInitialResponse {
    std::string_view mechanism;
    std::string_view data; ///< empty when the client sent length -1
};
Result<SaslInitialResponse> parse_sasl_initial_response(std::string_view body);
/// 'p' as a plain password: a NUL-terminated string.
Result<std::string_view> parse_password_message(std::string_view body);

// Writers append one whole message (type, length, body) to `out`.

void write_startup(std::string& out, const std::vector<std::pair<std::string, std::string>>& params);
void write_ssl_request(std::string& out);
void write_cancel_request(std::string& out, int32_t process_id, int32_t secret_key);
void write_query(std::string& out, std::string_view sql);
void write_parse(std::string& out, std::string_view statement, std::string_view query,
                 const std::vector<uint32_t>& param_types);
/// A Bind carrying `rest` (from BindMessage::rest) under new portal and statement names.
void write_bind(std::string& out, std::string_view portal, std::string_view statement, std::string_view rest);
/// A Bind with every parameter in text (nullopt: NULL) and every result column in text.
void write_text_bind(std::string& out, std::string_view portal, std::string_view statement,
                     const std::vector<std::optional<std::string>>& values);
void write_describe(std::string& out, char kind, std::string_view name);
void write_close(std::string& out, char kind, std::string_view name);
void write_execute(std::string& out, std::string_view portal, int32_t max_rows);
void write_sync(std::string& out);
void write_flush(std::string& out);
void write_terminate(std::string& out);
void write_password(std::string& out, std::string_view password); ///< cleartext or md5 answer
void write_sasl_initial_response(std::string& out, std::string_view mechanism, std::string_view data);
void write_sasl_response(std::string& out, std::string_view data);

} // namespace nectar::protocol
