#include "protocol/backend_messages.hpp"

#include "protocol/message_reader.hpp"
#include "protocol/message_writer.hpp"

#include <charconv>

namespace nectar::protocol {

namespace {

void write_auth(std::string& out, AuthCode code, std::string_view data = {}) {
    MessageWriter w(out);
    w.begin(be::kAuthentication);
    w.int32(static_cast<int32_t>(code));
    w.bytes(data);
    w.end();
}

void write_empty(std::string& out, char type) {
    MessageWriter w(out);
    w.begin(type);
    w.end();
}

void write_field(MessageWriter& w, char code, std::string_view value) {
    w.byte(code);
    w.cstring(value);
}

/// A body that is exactly one NUL-terminated string.
bool read_only_cstring(std::string_view body, std::string_view& value) {
    MessageReader reader(body);
    return reader.cstring(value) && reader.at_end();
}

/// A SASL mechanism list: NUL-terminated names, then an empty name, then nothing.
bool valid_mechanism_list(std::string_view data) {
    MessageReader reader(data);
    std::string_view name;
    do {
        if (!reader.cstring(name)) {
            return false;
        }
    } while (!name.empty());
    return reader.at_end();
}

} // namespace

void write_auth_ok(std::string& out) {
    write_auth(out, AuthCode::ok);
}
void write_auth_cleartext(std::string& out) {
    write_auth(out, AuthCode::cleartext_password);
}

void write_auth_sasl(std::string& out, const std::vector<std::string>& mechanisms) {
    MessageWriter w(out);
    w.begin(be::kAuthentication);
    w.int32(static_cast<int32_t>(AuthCode::sasl));
    for (const auto& mechanism : mechanisms) {
        w.cstring(mechanism);
    }
    w.byte('\0');
    w.end();
}

void write_auth_sasl_continue(std::string& out, std::string_view data) {
    write_auth(out, AuthCode::sasl_continue, data);
}

void write_auth_sasl_final(std::string& out, std::string_view data) {
    write_auth(out, AuthCode::sasl_final, data);
}

void write_parameter_status(std::string& out, std::string_view name, std::string_view value) {
    MessageWriter w(out);
    w.begin(be::kParameterStatus);
    w.cstring(name);
    w.cstring(value);
    w.end();
}

void write_backend_key_data(std::string& out, int32_t process_id, int32_t secret_key) {
    MessageWriter w(out);
    w.begin(be::kBackendKeyData);
    w.int32(process_id);
    w.int32(secret_key);
    w.end();
}

void write_ready_for_query(std::string& out, char status) {
    MessageWriter w(out);
    w.begin(be::kReadyForQuery);
    w.byte(status);
    w.end();
}

void write_error(std::string& out, const Error& error, char type) {
    MessageWriter w(out);
    w.begin(type);
    write_field(w, 'S', error.severity);
    write_field(w, 'V', error.severity);
    write_field(w, 'C', error.sqlstate);
    write_field(w, 'M', error.message);
    if (!error.detail.empty()) {
        write_field(w, 'D', error.detail);
    }
    if (!error.hint.empty()) {
        write_field(w, 'H', error.hint);
    }
    if (error.position != 0) {
        write_field(w, 'P', std::to_string(error.position));
    }
    for (const auto& [code, value] : error.other_fields) {
        write_field(w, code, value);
    }
    w.byte('\0');
    w.end();
}

void write_command_complete(std::string& out, std::string_view tag) {
    MessageWriter w(out);
    w.begin(be::kCommandComplete);
    w.cstring(tag);
    w.end();
}

void write_empty_query_response(std::string& out) {
    write_empty(out, be::kEmptyQueryResponse);
}

void write_row_description(std::string& out, const std::vector<FieldDescription>& fields) {
    MessageWriter w(out);
    w.begin(be::kRowDescription);
    w.int16(static_cast<int16_t>(fields.size()));
    for (const auto& field : fields) {
        w.cstring(field.name);
        w.int32(static_cast<int32_t>(field.table_oid));
        w.int16(field.column_number);
        w.int32(static_cast<int32_t>(field.type_oid));
        w.int16(field.type_size);
        w.int32(field.type_modifier);
        w.int16(field.format);
    }
    w.end();
}

void write_data_row(std::string& out, const std::vector<std::optional<std::string_view>>& values) {
    MessageWriter w(out);
    w.begin(be::kDataRow);
    w.int16(static_cast<int16_t>(values.size()));
    for (const auto& value : values) {
        if (!value) {
            w.int32(-1);
            continue;
        }
        w.int32(static_cast<int32_t>(value->size()));
        w.bytes(*value);
    }
    w.end();
}

void write_parse_complete(std::string& out) {
    write_empty(out, be::kParseComplete);
}
void write_bind_complete(std::string& out) {
    write_empty(out, be::kBindComplete);
}
void write_close_complete(std::string& out) {
    write_empty(out, be::kCloseComplete);
}
void write_no_data(std::string& out) {
    write_empty(out, be::kNoData);
}

void write_parameter_description(std::string& out, const std::vector<uint32_t>& types) {
    MessageWriter w(out);
    w.begin(be::kParameterDescription);
    w.int16(static_cast<int16_t>(types.size()));
    for (uint32_t oid : types) {
        w.int32(static_cast<int32_t>(oid));
    }
    w.end();
}

void write_portal_suspended(std::string& out) {
    write_empty(out, be::kPortalSuspended);
}

void write_notification(std::string& out, int32_t process_id, std::string_view channel,
                        std::string_view payload) {
    MessageWriter w(out);
    w.begin(be::kNotificationResponse);
    w.int32(process_id);
    w.cstring(channel);
    w.cstring(payload);
    w.end();
}

void write_negotiate_protocol_version(std::string& out, int32_t newest_minor,
                                      const std::vector<std::string>& unsupported_options) {
    MessageWriter w(out);
    w.begin(be::kNegotiateProtocolVersion);
    w.int32(newest_minor);
    w.int32(static_cast<int32_t>(unsupported_options.size()));
    for (const auto& option : unsupported_options) {
        w.cstring(option);
    }
    w.end();
}

Result<AuthRequest> parse_auth_request(std::string_view body) {
    MessageReader reader(body);
    int32_t code = 0;
    if (!reader.int32(code)) {
        return malformed("Authentication", "missing the request code");
    }
    AuthRequest request;
    request.code = static_cast<AuthCode>(code);
    request.data = reader.rest();
    switch (request.code) {
    case AuthCode::ok:
    case AuthCode::cleartext_password:
        if (!request.data.empty()) {
            return malformed("Authentication", "unexpected bytes after the request code");
        }
        break;
    case AuthCode::md5_password:
        if (request.data.size() != 4) {
            return malformed("Authentication", "MD5 salt must be 4 bytes");
        }
        break;
    case AuthCode::sasl:
        if (!valid_mechanism_list(request.data)) {
            return malformed("Authentication", "SASL mechanism list is not NUL-terminated");
        }
        break;
    default:
        // SASL data is opaque here; other methods are the caller's to refuse.
        break;
    }
    return request;
}

std::vector<std::string_view> split_sasl_mechanisms(std::string_view data) {
    std::vector<std::string_view> names;
    MessageReader reader(data);
    std::string_view name;
    while (reader.cstring(name) && !name.empty()) {
        names.push_back(name);
    }
    return names;
}

Result<ParameterStatus> parse_parameter_status(std::string_view body) {
    MessageReader reader(body);
    ParameterStatus status;
    if (!reader.cstring(status.name) || !reader.cstring(status.value) || !reader.at_end()) {
        return malformed("ParameterStatus", "expected two NUL-terminated strings");
    }
    return status;
}

Result<BackendKeyData> parse_backend_key_data(std::string_view body) {
    MessageReader reader(body);
    BackendKeyData key;
    if (!reader.int32(key.process_id) || !reader.int32(key.secret_key) || !reader.at_end()) {
        return malformed("BackendKeyData", "expected a process id and a secret key");
    }
    return key;
}

Result<char> parse_ready_for_query(std::string_view body) {
    if (body.size() != 1 || (body[0] != 'I' && body[0] != 'T' && body[0] != 'E')) {
        return malformed("ReadyForQuery", "expected one status byte: 'I', 'T' or 'E'");
    }
    return body[0];
}

Result<Error> parse_error_response(std::string_view body) {
    MessageReader reader(body);
    Error error;
    bool have_nonlocalized_severity = false;
    while (true) {
        char code = 0;
        if (!reader.byte(code)) {
            return malformed("ErrorResponse", "missing the terminating NUL");
        }
        if (code == '\0') {
            break;
        }
        std::string_view value;
        if (!reader.cstring(value)) {
            return malformed("ErrorResponse", "unterminated field value");
        }
        switch (code) {
        case 'S':
            if (!have_nonlocalized_severity) {
                error.severity = std::string(value);
            }
            break;
        case 'V':
            error.severity = std::string(value);
            have_nonlocalized_severity = true;
            break;
        case 'C':
            error.sqlstate = std::string(value);
            break;
        case 'M':
            error.message = std::string(value);
            break;
        case 'D':
            error.detail = std::string(value);
            break;
        case 'H':
            error.hint = std::string(value);
            break;
        case 'P': {
            int position = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), position);
            if (ec == std::errc() && end == value.data() + value.size() && position > 0) {
                error.position = position;
            }
            break;
        }
        default:
            // Where, schema, table, column, constraint, file, line, routine...: kept as they
            // came so that a relayed error reaches the client whole.
            error.other_fields.emplace_back(code, std::string(value));
            break;
        }
    }
    if (!reader.at_end()) {
        return malformed("ErrorResponse", "bytes after the terminating NUL");
    }
    return {std::in_place, std::move(error)};
}

Result<Notification> parse_notification(std::string_view body) {
    MessageReader reader(body);
    Notification notification;
    if (!reader.int32(notification.process_id) || !reader.cstring(notification.channel) ||
        !reader.cstring(notification.payload) || !reader.at_end()) {
        return malformed("NotificationResponse", "expected a process id, a channel and a payload");
    }
    return notification;
}

Result<std::string_view> parse_command_complete(std::string_view body) {
    std::string_view tag;
    if (!read_only_cstring(body, tag)) {
        return malformed("CommandComplete", "expected one NUL-terminated string");
    }
    return tag;
}

} // namespace nectar::protocol
