#include "protocol/frontend_messages.hpp"

#include "protocol/message_reader.hpp"
#include "protocol/message_writer.hpp"

namespace nectar::protocol {

namespace {

constexpr int32_t kProtocolV3 = 196608;
constexpr int32_t kSslRequestCode = 80877103;
constexpr int32_t kCancelRequestCode = 80877102;

/// A body that is exactly one NUL-terminated string.
bool read_only_cstring(std::string_view body, std::string_view& value) {
    MessageReader reader(body);
    return reader.cstring(value) && reader.at_end();
}

bool valid_format_code(int16_t code) {
    return code == 0 || code == 1;
}

/// Reads an int16 count of format codes and the codes; each must be 0 (text) or 1 (binary).
const char* read_format_codes(MessageReader& reader, int16_t& count) {
    if (!reader.int16(count)) {
        return "truncated format code count";
    }
    if (count < 0) {
        return "negative format code count";
    }
    for (int16_t i = 0; i < count; ++i) {
        int16_t code = 0;
        if (!reader.int16(code)) {
            return "truncated format codes";
        }
        if (!valid_format_code(code)) {
            return "format code other than 0 (text) or 1 (binary)";
        }
    }
    return nullptr;
}

/// Checks the part of a Bind after the statement name: formats, values, result formats.
const char* validate_bind_rest(std::string_view rest) {
    MessageReader reader(rest);
    int16_t format_count = 0;
    if (const char* why = read_format_codes(reader, format_count)) {
        return why;
    }
    int16_t param_count = 0;
    if (!reader.int16(param_count)) {
        return "truncated parameter count";
    }
    if (param_count < 0) {
        return "negative parameter count";
    }
    if (format_count > 1 && format_count != param_count) {
        return "parameter format count differs from parameter count";
    }
    for (int16_t i = 0; i < param_count; ++i) {
        int32_t length = 0;
        if (!reader.int32(length)) {
            return "truncated parameter length";
        }
        if (length == -1) {
            continue; // NULL
        }
        if (length < 0) {
            return "negative parameter length";
        }
        if (!reader.skip(static_cast<size_t>(length))) {
            return "parameter value longer than the message";
        }
    }
    int16_t result_format_count = 0;
    if (const char* why = read_format_codes(reader, result_format_count)) {
        return why;
    }
    if (!reader.at_end()) {
        return "extra bytes after the result format codes";
    }
    return nullptr;
}

} // namespace

const std::string* StartupMessage::find(std::string_view name) const {
    // PostgreSQL lets a repeated parameter override the earlier one.
    for (auto it = parameters.rbegin(); it != parameters.rend(); ++it) {
        if (it->first == name) {
            return &it->second;
        }
    }
    return nullptr;
}

Result<StartupMessage> parse_startup(std::string_view body) {
    StartupMessage message;
    MessageReader reader(body);
    while (true) {
        std::string_view name;
        if (!reader.cstring(name)) {
            return malformed("startup", "expected terminator as last byte", "FATAL");
        }
        if (name.empty()) {
            if (!reader.at_end()) {
                return malformed("startup", "expected terminator as last byte", "FATAL");
            }
            break;
        }
        std::string_view value;
        if (!reader.cstring(value)) {
            return malformed("startup", "missing value for parameter \"" + std::string(name) + "\"", "FATAL");
        }
        message.parameters.emplace_back(std::string(name), std::string(value));
    }
    const std::string* user = message.find("user");
    if (user == nullptr || user->empty()) {
        return Error::make("28000", "no PostgreSQL user name specified in startup packet", "FATAL");
    }
    return message;
}

Result<CancelRequest> parse_cancel_request(std::string_view body) {
    MessageReader reader(body);
    CancelRequest request;
    if (!reader.int32(request.process_id) || !reader.int32(request.secret_key) || !reader.at_end()) {
        return malformed("CancelRequest", "expected a process id and a secret key", "FATAL");
    }
    return request;
}

Result<std::string_view> parse_query(std::string_view body) {
    std::string_view sql;
    if (!read_only_cstring(body, sql)) {
        return malformed("Query", "expected one NUL-terminated string");
    }
    return sql;
}

Result<ParseMessage> parse_parse(std::string_view body) {
    MessageReader reader(body);
    ParseMessage message;
    if (!reader.cstring(message.statement) || !reader.cstring(message.query)) {
        return malformed("Parse", "unterminated statement name or query string");
    }
    int16_t count = 0;
    if (!reader.int16(count)) {
        return malformed("Parse", "truncated parameter type count");
    }
    if (count < 0) {
        return malformed("Parse", "negative parameter type count");
    }
    if (reader.remaining() != static_cast<size_t>(count) * 4) {
        return malformed("Parse", "parameter type count does not match the message length");
    }
    message.param_types.resize(static_cast<size_t>(count));
    for (auto& oid : message.param_types) {
        reader.uint32(oid);
    }
    return message;
}

Result<BindMessage> parse_bind(std::string_view body) {
    MessageReader reader(body);
    BindMessage message;
    if (!reader.cstring(message.portal) || !reader.cstring(message.statement)) {
        return malformed("Bind", "unterminated portal or statement name");
    }
    message.rest = reader.rest();
    if (const char* why = validate_bind_rest(message.rest)) {
        return malformed("Bind", why);
    }
    return message;
}

Result<TargetMessage> parse_describe_or_close(std::string_view body) {
    MessageReader reader(body);
    TargetMessage message;
    if (!reader.byte(message.kind) || !reader.cstring(message.name) || !reader.at_end()) {
        return malformed("Describe or Close", "expected a kind byte and a NUL-terminated name");
    }
    if (message.kind != 'S' && message.kind != 'P') {
        return malformed("Describe or Close", "kind must be 'S' (statement) or 'P' (portal)");
    }
    return message;
}

Result<ExecuteMessage> parse_execute(std::string_view body) {
    MessageReader reader(body);
    ExecuteMessage message;
    if (!reader.cstring(message.portal) || !reader.int32(message.max_rows) || !reader.at_end()) {
        return malformed("Execute", "expected a portal name and a row limit");
    }
    return message;
}

Result<SaslInitialResponse> parse_sasl_initial_response(std::string_view body) {
    MessageReader reader(body);
    SaslInitialResponse message;
    int32_t length = 0;
    if (!reader.cstring(message.mechanism) || !reader.int32(length)) {
        return malformed("SASLInitialResponse", "expected a mechanism name and a data length");
    }
    if (length == -1) {
        if (!reader.at_end()) {
            return malformed("SASLInitialResponse", "extra bytes after absent data");
        }
        return message;
    }
    if (length < 0 || reader.remaining() != static_cast<size_t>(length)) {
        return malformed("SASLInitialResponse", "data length does not match the message length");
    }
    message.data = reader.rest();
    return message;
}

Result<std::string_view> parse_password_message(std::string_view body) {
    std::string_view password;
    if (!read_only_cstring(body, password)) {
        return malformed("PasswordMessage", "expected one NUL-terminated string");
    }
    return password;
}

void write_startup(std::string& out, const std::vector<std::pair<std::string, std::string>>& params) {
    MessageWriter w(out);
    w.begin_untyped();
    w.int32(kProtocolV3);
    for (const auto& [name, value] : params) {
        w.cstring(name);
        w.cstring(value);
    }
    w.byte('\0');
    w.end();
}

void write_ssl_request(std::string& out) {
    MessageWriter w(out);
    w.begin_untyped();
    w.int32(kSslRequestCode);
    w.end();
}

void write_cancel_request(std::string& out, int32_t process_id, int32_t secret_key) {
    MessageWriter w(out);
    w.begin_untyped();
    w.int32(kCancelRequestCode);
    w.int32(process_id);
    w.int32(secret_key);
    w.end();
}

void write_query(std::string& out, std::string_view sql) {
    MessageWriter w(out);
    w.begin(fe::kQuery);
    w.cstring(sql);
    w.end();
}

void write_parse(std::string& out, std::string_view statement, std::string_view query,
                 const std::vector<uint32_t>& param_types) {
    MessageWriter w(out);
    w.begin(fe::kParse);
    w.cstring(statement);
    w.cstring(query);
    w.int16(static_cast<int16_t>(param_types.size()));
    for (uint32_t oid : param_types) {
        w.int32(static_cast<int32_t>(oid));
    }
    w.end();
}

void write_bind(std::string& out, std::string_view portal, std::string_view statement,
                std::string_view rest) {
    MessageWriter w(out);
    w.begin(fe::kBind);
    w.cstring(portal);
    w.cstring(statement);
    w.bytes(rest);
    w.end();
}

void write_text_bind(std::string& out, std::string_view portal, std::string_view statement,
                     const std::vector<std::optional<std::string>>& values) {
    MessageWriter w(out);
    w.begin(fe::kBind);
    w.cstring(portal);
    w.cstring(statement);
    w.int16(0); // no parameter format codes: all text
    w.int16(static_cast<int16_t>(values.size()));
    for (const auto& value : values) {
        w.int32(value ? static_cast<int32_t>(value->size()) : -1); // -1: NULL
        if (value) {
            w.bytes(*value);
        }
    }
    w.int16(0); // no result format codes: all text
    w.end();
}

namespace {

void write_target(std::string& out, char type, char kind, std::string_view name) {
    MessageWriter w(out);
    w.begin(type);
    w.byte(kind);
    w.cstring(name);
    w.end();
}

void write_empty(std::string& out, char type) {
    MessageWriter w(out);
    w.begin(type);
    w.end();
}

} // namespace

void write_describe(std::string& out, char kind, std::string_view name) {
    write_target(out, fe::kDescribe, kind, name);
}

void write_close(std::string& out, char kind, std::string_view name) {
    write_target(out, fe::kClose, kind, name);
}

void write_execute(std::string& out, std::string_view portal, int32_t max_rows) {
    MessageWriter w(out);
    w.begin(fe::kExecute);
    w.cstring(portal);
    w.int32(max_rows);
    w.end();
}

void write_sync(std::string& out) {
    write_empty(out, fe::kSync);
}
void write_flush(std::string& out) {
    write_empty(out, fe::kFlush);
}
void write_terminate(std::string& out) {
    write_empty(out, fe::kTerminate);
}

void write_password(std::string& out, std::string_view password) {
    MessageWriter w(out);
    w.begin(fe::kPassword);
    w.cstring(password);
    w.end();
}

void write_sasl_initial_response(std::string& out, std::string_view mechanism, std::string_view data) {
    MessageWriter w(out);
    w.begin(fe::kPassword);
    w.cstring(mechanism);
    w.int32(static_cast<int32_t>(data.size()));
    w.bytes(data);
    w.end();
}

void write_sasl_response(std::string& out, std::string_view data) {
    MessageWriter w(out);
    w.begin(fe::kPassword);
    w.bytes(data);
    w.end();
}

} // namespace nectar::protocol
