#pragma once
// Writing the messages a server (backend) sends, and reading the ones Nectar receives from a
// PostgreSQL server it connects to as a client.

#include "protocol/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::protocol {

/// Backend message type bytes.
namespace be {
inline constexpr char kAuthentication = 'R', kParameterStatus = 'S', kBackendKeyData = 'K',
                      kReadyForQuery = 'Z', kRowDescription = 'T', kDataRow = 'D', kCommandComplete = 'C',
                      kEmptyQueryResponse = 'I', kErrorResponse = 'E', kNoticeResponse = 'N',
                      kParseComplete = '1', kBindComplete = '2', kCloseComplete = '3', kNoData = 'n',
                      kParameterDescription = 't', kPortalSuspended = 's', kNotificationResponse = 'A',
                      kCopyInResponse = 'G', kCopyOutResponse = 'H', kCopyBothResponse = 'W',
                      kCopyData = 'd', kCopyDone = 'c', kNegotiateProtocolVersion = 'v',
                      kFunctionCallResponse = 'V';
} // namespace be

/// Authentication request codes ('R' messages).
enum class AuthCode : int32_t {
    ok = 0,
    cleartext_password = 3,
    md5_password = 5,
    sasl = 10,
    sasl_continue = 11,
    sasl_final = 12,
};

/// One column of a RowDescription.
struct FieldDescription {
    std::string name;
    uint32_t table_oid = 0;
    int16_t column_number = 0;
    uint32_t type_oid = 0;
    int16_t type_size = -1;
    int32_t type_modifier = -1;
    int16_t format = 0; ///< 0 text, 1 binary
};

// Writers append one whole message (type, length, body) to `out`.

void write_auth_ok(std::string& out);
void write_auth_cleartext(std::string& out);
void write_auth_sasl(std::string& out, const std::vector<std::string>& mechanisms);
void write_auth_sasl_continue(std::string& out, std::string_view data);
void write_auth_sasl_final(std::string& out, std::string_view data);
void write_parameter_status(std::string& out, std::string_view name, std::string_view value);
void write_backend_key_data(std::string& out, int32_t process_id, int32_t secret_key);
/// status: 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block.
void write_ready_for_query(std::string& out, char status);
/// ErrorResponse ('E') or NoticeResponse ('N') with S, V, C, M and D/H/P when set.
void write_error(std::string& out, const Error& error, char type = be::kErrorResponse);
void write_command_complete(std::string& out, std::string_view tag);
void write_empty_query_response(std::string& out);
void write_row_description(std::string& out, const std::vector<FieldDescription>& fields);
/// A DataRow; a std::nullopt value is SQL NULL.
void write_data_row(std::string& out, const std::vector<std::optional<std::string_view>>& values);
void write_parse_complete(std::string& out);
void write_bind_complete(std::string& out);
void write_close_complete(std::string& out);
void write_no_data(std::string& out);
void write_parameter_description(std::string& out, const std::vector<uint32_t>& types);
void write_portal_suspended(std::string& out);
void write_notification(std::string& out, int32_t process_id, std::string_view channel,
                        std::string_view payload);
/// 'v': the newest protocol 3.x minor version we speak and the startup options ("_pq_.*") we ignored.
void write_negotiate_protocol_version(std::string& out, int32_t newest_minor,
                                      const std::vector<std::string>& unsupported_options);

// Readers for server messages (bodies as Frame::body holds them).

struct AuthRequest {
    AuthCode code = AuthCode::ok;
    std::string_view data; ///< md5 salt (4 bytes), SASL mechanism list or SASL data
};
Result<AuthRequest> parse_auth_request(std::string_view body);
/// The NUL-separated SASL mechanism names of an AuthenticationSASL message's data.
std::vector<std::string_view> split_sasl_mechanisms(std::string_view data);

struct ParameterStatus {
    std::string_view name;
    std::string_view value;
};
Result<ParameterStatus> parse_parameter_status(std::string_view body);

struct BackendKeyData {
    int32_t process_id = 0;
    int32_t secret_key = 0;
};
Result<BackendKeyData> parse_backend_key_data(std::string_view body);

/// 'Z': the transaction status byte.
Result<char> parse_ready_for_query(std::string_view body);

/// ErrorResponse/NoticeResponse fields into an Error (unknown fields are skipped).
Result<Error> parse_error_response(std::string_view body);

struct Notification {
    int32_t process_id = 0;
    std::string_view channel;
    std::string_view payload;
};
Result<Notification> parse_notification(std::string_view body);

/// 'C': the command tag.
Result<std::string_view> parse_command_complete(std::string_view body);

} // namespace nectar::protocol
