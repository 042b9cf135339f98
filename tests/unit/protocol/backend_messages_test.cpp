#include "protocol/backend_messages.hpp"
#include "test_util.hpp"

using namespace nectar::protocol;
using nectar::Error;
using nectar::protocol::test::bytes;
using nectar::protocol::test::ExactBuffer;
using nectar::protocol::test::only_message;

namespace {

template <typename Parse> void check_malformed(Parse parse, const std::string& body) {
    ExactBuffer buffer(body);
    auto result = parse(buffer.view());
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().sqlstate == "08P01");
    CHECK(result.error().message.find("malformed") != std::string::npos);
}

} // namespace

TEST_CASE("authentication requests round trip") {
    std::string out;
    write_auth_ok(out);
    CHECK(out == bytes("R\0\0\0\x08\0\0\0\0"));
    auto ok_message = only_message(out);
    auto ok = parse_auth_request(ok_message.body);
    REQUIRE(ok.ok());
    CHECK(ok->code == AuthCode::ok);

    out.clear();
    write_auth_cleartext(out);
    auto cleartext_message = only_message(out);
    auto cleartext = parse_auth_request(cleartext_message.body);
    REQUIRE(cleartext.ok());
    CHECK(cleartext->code == AuthCode::cleartext_password);

    out.clear();
    write_auth_sasl(out, {"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"});
    CHECK(out == bytes("R\0\0\0\x2a\0\0\0\x0aSCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0"));
    auto sasl_message = only_message(out);
    auto sasl = parse_auth_request(sasl_message.body);
    REQUIRE(sasl.ok());
    CHECK(sasl->code == AuthCode::sasl);
    auto names = split_sasl_mechanisms(sasl->data);
    REQUIRE(names.size() == 2);
    CHECK(names[0] == "SCRAM-SHA-256-PLUS");
    CHECK(names[1] == "SCRAM-SHA-256");

    out.clear();
    write_auth_sasl_continue(out, "r=abc,s=xyz,i=4096");
    auto more_message = only_message(out);
    auto more = parse_auth_request(more_message.body);
    REQUIRE(more.ok());
    CHECK(more->code == AuthCode::sasl_continue);
    CHECK(more->data == "r=abc,s=xyz,i=4096");

    out.clear();
    write_auth_sasl_final(out, "v=abc");
    auto final_message = only_message(out);
    auto final = parse_auth_request(final_message.body);
    REQUIRE(final.ok());
    CHECK(final->code == AuthCode::sasl_final);
    CHECK(final->data == "v=abc");
}

TEST_CASE("AuthenticationMD5Password carries a 4-byte salt") {
    std::string body = bytes("\0\0\0\x05\x01\x02\x03\x04");
    auto md5 = parse_auth_request(body);
    REQUIRE(md5.ok());
    CHECK(md5->code == AuthCode::md5_password);
    CHECK(md5->data == bytes("\x01\x02\x03\x04"));
}

TEST_CASE("malformed authentication requests") {
    auto parse = [](std::string_view b) { return parse_auth_request(b); };
    check_malformed(parse, bytes("\0\0\0"));
    check_malformed(parse, bytes("\0\0\0\0x"));                 // ok with data
    check_malformed(parse, bytes("\0\0\0\x05\x01\x02\x03"));    // short salt
    check_malformed(parse, bytes("\0\0\0\x0aSCRAM-SHA-256\0")); // list not closed
    check_malformed(parse, bytes("\0\0\0\x0aSCRAM-SHA-256"));
    check_malformed(parse, bytes("\0\0\0\x0aSCRAM-SHA-256\0\0x"));
}

TEST_CASE("ParameterStatus round trip") {
    std::string out;
    write_parameter_status(out, "server_version", "15.4");
    auto m = only_message(out);
    CHECK(m.type == 'S');
    auto status = parse_parameter_status(m.body);
    REQUIRE(status.ok());
    CHECK(status->name == "server_version");
    CHECK(status->value == "15.4");

    auto parse = [](std::string_view b) { return parse_parameter_status(b); };
    check_malformed(parse, bytes("server_version\0"));
    check_malformed(parse, bytes("a\0b\0c"));
}

TEST_CASE("BackendKeyData round trip") {
    std::string out;
    write_backend_key_data(out, 4242, -17);
    auto m = only_message(out);
    CHECK(m.type == 'K');
    auto key = parse_backend_key_data(m.body);
    REQUIRE(key.ok());
    CHECK(key->process_id == 4242);
    CHECK(key->secret_key == -17);

    auto parse = [](std::string_view b) { return parse_backend_key_data(b); };
    check_malformed(parse, bytes("\0\0\0\x01\0\0\0"));
    check_malformed(parse, bytes("\0\0\0\x01\0\0\0\x01\0"));
}

TEST_CASE("ReadyForQuery round trip") {
    for (char status : {'I', 'T', 'E'}) {
        std::string out;
        write_ready_for_query(out, status);
        auto m = only_message(out);
        CHECK(m.type == 'Z');
        auto parsed = parse_ready_for_query(m.body);
        REQUIRE(parsed.ok());
        CHECK(*parsed == status);
    }
    auto parse = [](std::string_view b) { return parse_ready_for_query(b); };
    check_malformed(parse, "");
    check_malformed(parse, "X");
    check_malformed(parse, "II");
}

TEST_CASE("ErrorResponse and NoticeResponse round trip") {
    Error error = Error::make("42P01", "relation \"nope\" does not exist");
    error.detail = "some detail";
    error.hint = "a hint";
    error.position = 15;
    std::string out;
    write_error(out, error);
    auto m = only_message(out);
    CHECK(m.type == 'E');
    CHECK(m.body == bytes("SERROR\0VERROR\0C42P01\0Mrelation \"nope\" does not exist\0Dsome detail\0Ha hint\0"
                          "P15\0\0"));
    auto parsed = parse_error_response(m.body);
    REQUIRE(parsed.ok());
    CHECK(parsed->severity == "ERROR");
    CHECK(parsed->sqlstate == "42P01");
    CHECK(parsed->message == "relation \"nope\" does not exist");
    CHECK(parsed->detail == "some detail");
    CHECK(parsed->hint == "a hint");
    CHECK(parsed->position == 15);

    out.clear();
    write_error(out, Error::make("01000", "just so you know", "WARNING"), be::kNoticeResponse);
    m = only_message(out);
    CHECK(m.type == 'N');
    // D, H and P are left out when empty or zero.
    CHECK(m.body == bytes("SWARNING\0VWARNING\0C01000\0Mjust so you know\0\0"));
    auto notice = parse_error_response(m.body);
    REQUIRE(notice.ok());
    CHECK(notice->severity == "WARNING");
    CHECK(notice->position == 0);
    CHECK(notice->detail.empty());
}

TEST_CASE("parse_error_response prefers the non-localized severity and skips unknown fields") {
    auto parsed = parse_error_response(bytes("SFEHLER\0VERROR\0C22012\0Mdivision by zero\0Fint.c\0L821\0"
                                             "Rint4div\0Wsome context\0\0"));
    REQUIRE(parsed.ok());
    CHECK(parsed->severity == "ERROR");
    CHECK(parsed->sqlstate == "22012");
    CHECK(parsed->message == "division by zero");

    auto v_first = parse_error_response(bytes("VFATAL\0SFATALE\0\0"));
    REQUIRE(v_first.ok());
    CHECK(v_first->severity == "FATAL");

    auto old_server = parse_error_response(bytes("SNOTICE\0Mhello\0Pnot-a-number\0\0"));
    REQUIRE(old_server.ok());
    CHECK(old_server->severity == "NOTICE");
    CHECK(old_server->position == 0);

    auto parse = [](std::string_view b) { return parse_error_response(b); };
    check_malformed(parse, "");
    check_malformed(parse, bytes("SERROR\0")); // no terminator
    check_malformed(parse, bytes("SERROR"));   // unterminated value
    check_malformed(parse, bytes("S"));
    check_malformed(parse, bytes("SERROR\0\0x")); // after the terminator
}

TEST_CASE("CommandComplete and EmptyQueryResponse") {
    std::string out;
    write_command_complete(out, "INSERT 0 3");
    auto m = only_message(out);
    CHECK(m.type == 'C');
    auto tag = parse_command_complete(m.body);
    REQUIRE(tag.ok());
    CHECK(*tag == "INSERT 0 3");
    check_malformed([](std::string_view b) { return parse_command_complete(b); }, "SELECT 1");

    out.clear();
    write_empty_query_response(out);
    CHECK(out == bytes("I\0\0\0\x04"));
}

TEST_CASE("RowDescription bytes") {
    FieldDescription id;
    id.name = "id";
    id.table_oid = 16384;
    id.column_number = 1;
    id.type_oid = 23;
    id.type_size = 4;
    FieldDescription name;
    name.name = "name";
    name.type_oid = 25;
    name.format = 1;
    std::string out;
    write_row_description(out, {id, name});
    // Hand-assembled: count 2; "id", table 16384, column 1, int4, size 4, typmod -1, text;
    // "name", table 0, column 0, text type 25, size -1, typmod -1, binary.
    CHECK(out == bytes("T\0\0\0\x32\0\x02"
                       "id\0\0\0\x40\0\0\x01\0\0\0\x17\0\x04\xff\xff\xff\xff\0\0"
                       "name\0\0\0\0\0\0\0\0\0\0\x19\xff\xff\xff\xff\xff\xff\0\x01"));
}

TEST_CASE("DataRow bytes with a NULL and an empty string") {
    std::string out;
    write_data_row(out, {std::string_view("42"), std::nullopt, std::string_view("")});
    CHECK(out == bytes("D\0\0\0\x14\0\x03\0\0\0\x02"
                       "42\xff\xff\xff\xff\0\0\0\0"));
}

TEST_CASE("extended query responses") {
    std::string out;
    write_parse_complete(out);
    write_bind_complete(out);
    write_close_complete(out);
    write_no_data(out);
    write_portal_suspended(out);
    CHECK(out == bytes("1\0\0\0\x04"
                       "2\0\0\0\x04"
                       "3\0\0\0\x04n\0\0\0\x04s\0\0\0\x04"));
    out.clear();
    write_parameter_description(out, {23, 25, 4294967295u});
    CHECK(out == bytes("t\0\0\0\x12\0\x03\0\0\0\x17\0\0\0\x19\xff\xff\xff\xff"));
}

TEST_CASE("NotificationResponse round trip") {
    std::string out;
    write_notification(out, 77, "shop.orders", R"({"event":"INSERT"})");
    auto m = only_message(out);
    CHECK(m.type == 'A');
    auto note = parse_notification(m.body);
    REQUIRE(note.ok());
    CHECK(note->process_id == 77);
    CHECK(note->channel == "shop.orders");
    CHECK(note->payload == R"({"event":"INSERT"})");

    auto parse = [](std::string_view b) { return parse_notification(b); };
    check_malformed(parse, bytes("\0\0\0\x4d"
                                 "chan\0"));
    check_malformed(parse, bytes("\0\0\0"));
    check_malformed(parse, bytes("\0\0\0\x4d"
                                 "chan\0payload\0x"));
}

TEST_CASE("NegotiateProtocolVersion bytes") {
    std::string out;
    write_negotiate_protocol_version(out, 0, {"_pq_.x"});
    CHECK(out == bytes("v\0\0\0\x13\0\0\0\0\0\0\0\x01_pq_.x\0"));
    out.clear();
    write_negotiate_protocol_version(out, 0, {});
    CHECK(out == bytes("v\0\0\0\x0c\0\0\0\0\0\0\0\0"));
}
