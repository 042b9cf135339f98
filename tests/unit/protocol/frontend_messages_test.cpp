#include "protocol/frontend_messages.hpp"
#include "test_util.hpp"

using namespace nectar::protocol;
using nectar::protocol::test::bytes;
using nectar::protocol::test::ExactBuffer;
using nectar::protocol::test::only_message;

namespace {

/// A Bind's bytes after the statement name, built by hand.
struct BindRest {
    std::string bytes;
    BindRest& int16(int16_t v) {
        bytes += static_cast<char>((static_cast<uint16_t>(v) >> 8) & 0xFF);
        bytes += static_cast<char>(static_cast<uint16_t>(v) & 0xFF);
        return *this;
    }
    BindRest& int32(int32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            bytes += static_cast<char>((static_cast<uint32_t>(v) >> shift) & 0xFF);
        }
        return *this;
    }
    BindRest& raw(std::string_view s) {
        bytes += s;
        return *this;
    }
};

template <typename Parse> void check_malformed(Parse parse, const std::string& body) {
    ExactBuffer buffer(body);
    auto result = parse(buffer.view());
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().sqlstate == "08P01");
    CHECK(result.error().message.find("malformed") != std::string::npos);
}

} // namespace

TEST_CASE("startup packet round trip") {
    std::string packet;
    write_startup(packet, {{"user", "alice"}, {"database", "shop"}, {"application_name", ""}});
    StartupFrame frame = next_startup_frame(packet);
    REQUIRE(frame.status == FrameStatus::ready);
    CHECK(frame.code == 196608);
    auto startup = parse_startup(frame.body);
    REQUIRE(startup.ok());
    REQUIRE(startup->parameters.size() == 3);
    CHECK(startup->parameters[1].first == "database");
    CHECK(startup->parameters[1].second == "shop");
    REQUIRE(startup->find("user") != nullptr);
    CHECK(*startup->find("user") == "alice");
    REQUIRE(startup->find("application_name") != nullptr);
    CHECK(startup->find("application_name")->empty());
    CHECK(startup->find("options") == nullptr);
}

TEST_CASE("a repeated startup parameter overrides the earlier one") {
    auto startup = parse_startup(bytes("user\0a\0user\0b\0\0"));
    REQUIRE(startup.ok());
    CHECK(*startup->find("user") == "b");
}

TEST_CASE("startup packet without a user is refused like PostgreSQL does") {
    for (const std::string& body : {bytes("database\0shop\0\0"), bytes("\0"), bytes("user\0\0\0")}) {
        auto startup = parse_startup(body);
        REQUIRE_FALSE(startup.ok());
        CHECK(startup.error().sqlstate == "28000");
        CHECK(startup.error().severity == "FATAL");
        CHECK(startup.error().message == "no PostgreSQL user name specified in startup packet");
    }
}

TEST_CASE("malformed startup packets") {
    auto parse = [](std::string_view b) { return parse_startup(b); };
    check_malformed(parse, "");
    check_malformed(parse, bytes("user\0bob\0"));     // no terminator
    check_malformed(parse, bytes("user\0bob"));       // unterminated value
    check_malformed(parse, bytes("user\0"));          // missing value
    check_malformed(parse, bytes("user\0bob\0\0\0")); // bytes after the terminator
    check_malformed(parse, bytes("user\0bob\0\0x"));
}

TEST_CASE("CancelRequest body") {
    CHECK(parse_cancel_request(bytes("\0\0\0\x01\0\0\0\x02")).ok());
    auto parse = [](std::string_view b) { return parse_cancel_request(b); };
    check_malformed(parse, bytes("\0\0\0\x01\0\0\0"));
    check_malformed(parse, bytes("\0\0\0\x01\0\0\0\x02\0"));
}

TEST_CASE("Query round trip") {
    std::string out;
    write_query(out, "select 1; select 2");
    auto m = only_message(out);
    CHECK(m.type == 'Q');
    auto sql = parse_query(m.body);
    REQUIRE(sql.ok());
    CHECK(*sql == "select 1; select 2");

    auto parse = [](std::string_view b) { return parse_query(b); };
    check_malformed(parse, "");
    check_malformed(parse, "select 1");
    check_malformed(parse, bytes("select 1\0garbage"));
    check_malformed(parse, bytes("select 1\0\0"));
}

TEST_CASE("Parse round trip") {
    std::string out;
    write_parse(out, "s1", "select $1::int + $2", {23, 0, 4294967295u});
    auto m = only_message(out);
    CHECK(m.type == 'P');
    auto parse = parse_parse(m.body);
    REQUIRE(parse.ok());
    CHECK(parse->statement == "s1");
    CHECK(parse->query == "select $1::int + $2");
    CHECK(parse->param_types == std::vector<uint32_t>{23, 0, 4294967295u});

    out.clear();
    write_parse(out, "", "select 1", {});
    auto unnamed_message = only_message(out);
    auto unnamed = parse_parse(unnamed_message.body);
    REQUIRE(unnamed.ok());
    CHECK(unnamed->statement.empty());
    CHECK(unnamed->param_types.empty());
}

TEST_CASE("malformed Parse") {
    auto parse = [](std::string_view b) { return parse_parse(b); };
    check_malformed(parse, bytes("s\0select 1\0"));                   // no count
    check_malformed(parse, bytes("s\0select 1\0\0"));                 // half a count
    check_malformed(parse, bytes("s\0select 1\0\0\x01\0\0\0"));       // short oid
    check_malformed(parse, bytes("s\0select 1\0\0\x01\0\0\0\x17\0")); // extra byte
    check_malformed(parse, bytes("s\0select 1\0\xff\xff"));           // count -1
    check_malformed(parse, bytes("s\0select 1"));
}

TEST_CASE("Bind round trip keeps the rest verbatim") {
    // 2 format codes (text, binary), 2 params ('42', NULL), 1 result format (binary).
    BindRest rest;
    rest.int16(2).int16(0).int16(1).int16(2).int32(2).raw("42").int32(-1).int16(1).int16(1);
    std::string out;
    write_bind(out, "portal", "stmt", rest.bytes);
    auto m = only_message(out);
    CHECK(m.type == 'B');
    auto bind = parse_bind(m.body);
    REQUIRE(bind.ok());
    CHECK(bind->portal == "portal");
    CHECK(bind->statement == "stmt");
    CHECK(bind->rest == rest.bytes);

    // Re-addressed to another statement, the values are untouched.
    std::string moved;
    write_bind(moved, "", "nectar_7", bind->rest);
    auto again_message = only_message(moved);
    auto again = parse_bind(again_message.body);
    REQUIRE(again.ok());
    CHECK(again->portal.empty());
    CHECK(again->statement == "nectar_7");
    CHECK(again->rest == rest.bytes);
}

TEST_CASE("Bind variants that are valid") {
    auto valid = [](const BindRest& rest) { return parse_bind(bytes("\0\0") + rest.bytes).ok(); };
    CHECK(valid(BindRest().int16(0).int16(0).int16(0)));
    CHECK(valid(BindRest().int16(1).int16(1).int16(3).int32(0).int32(-1).int32(1).raw("x").int16(0)));
    CHECK(valid(BindRest().int16(0).int16(1).int32(0).int16(3).int16(0).int16(1).int16(0)));
}

TEST_CASE("malformed Bind") {
    auto parse = [](std::string_view b) { return parse_bind(b); };
    auto body = [](const BindRest& rest) { return bytes("p\0s\0") + rest.bytes; };
    check_malformed(parse, bytes("p\0s"));
    check_malformed(parse, bytes("p\0s\0"));
    check_malformed(parse, body(BindRest().int16(-1).int16(0).int16(0)));         // negative format count
    check_malformed(parse, body(BindRest().int16(1).int16(2).int16(0).int16(0))); // format code 2
    check_malformed(parse, body(BindRest().int16(0).int16(-3).int16(0)));         // negative param count
    check_malformed(
        parse, body(BindRest().int16(2).int16(0).int16(0).int16(1).int32(-1).int16(0))); // 2 formats, 1 param
    check_malformed(parse, body(BindRest().int16(0).int16(1).int32(-2).int16(0)));       // length -2
    check_malformed(parse,
                    body(BindRest().int16(0).int16(1).int32(0x7FFFFFFF).int16(0))); // value past the end
    check_malformed(parse, body(BindRest().int16(0).int16(1).int32(3).raw("ab")));  // truncated value
    check_malformed(parse, body(BindRest().int16(0).int16(0)));                     // no result formats
    check_malformed(parse, body(BindRest().int16(0).int16(0).int16(-1)));           // negative result count
    check_malformed(parse, body(BindRest().int16(0).int16(0).int16(1).int16(7)));   // result format 7
    check_malformed(parse, body(BindRest().int16(0).int16(0).int16(0).raw("x")));   // trailing byte
}

TEST_CASE("Describe and Close round trip") {
    std::string out;
    write_describe(out, 'S', "s1");
    auto m = only_message(out);
    CHECK(m.type == 'D');
    auto describe = parse_describe_or_close(m.body);
    REQUIRE(describe.ok());
    CHECK(describe->kind == 'S');
    CHECK(describe->name == "s1");

    out.clear();
    write_close(out, 'P', "");
    m = only_message(out);
    CHECK(m.type == 'C');
    auto close = parse_describe_or_close(m.body);
    REQUIRE(close.ok());
    CHECK(close->kind == 'P');
    CHECK(close->name.empty());

    auto parse = [](std::string_view b) { return parse_describe_or_close(b); };
    check_malformed(parse, "");
    check_malformed(parse, "S");
    check_malformed(parse, bytes("X\0"));
    check_malformed(parse, bytes("Sname\0x"));
}

TEST_CASE("Execute round trip") {
    std::string out;
    write_execute(out, "c1", 100);
    auto m = only_message(out);
    CHECK(m.type == 'E');
    auto execute = parse_execute(m.body);
    REQUIRE(execute.ok());
    CHECK(execute->portal == "c1");
    CHECK(execute->max_rows == 100);

    auto parse = [](std::string_view b) { return parse_execute(b); };
    check_malformed(parse, bytes("c1\0\0\0\0"));
    check_malformed(parse, bytes("c1\0\0\0\0\0\0"));
    check_malformed(parse, bytes("c1"));
}

TEST_CASE("Sync, Flush and Terminate are empty messages") {
    std::string out;
    write_sync(out);
    write_flush(out);
    write_terminate(out);
    CHECK(out == bytes("S\0\0\0\x04H\0\0\0\x04X\0\0\0\x04"));
}

TEST_CASE("PasswordMessage round trip") {
    std::string out;
    write_password(out, "md5abc");
    auto m = only_message(out);
    CHECK(m.type == 'p');
    auto password = parse_password_message(m.body);
    REQUIRE(password.ok());
    CHECK(*password == "md5abc");

    auto parse = [](std::string_view b) { return parse_password_message(b); };
    check_malformed(parse, "secret");
    check_malformed(parse, bytes("secret\0x"));
}

TEST_CASE("SASLInitialResponse and SASLResponse round trip") {
    std::string out;
    write_sasl_initial_response(out, "SCRAM-SHA-256", "n,,n=,r=abc");
    auto m = only_message(out);
    CHECK(m.type == 'p');
    auto initial = parse_sasl_initial_response(m.body);
    REQUIRE(initial.ok());
    CHECK(initial->mechanism == "SCRAM-SHA-256");
    CHECK(initial->data == "n,,n=,r=abc");

    std::string absent_body = bytes("SCRAM-SHA-256\0\xff\xff\xff\xff");
    auto absent = parse_sasl_initial_response(absent_body);
    REQUIRE(absent.ok());
    CHECK(absent->mechanism == "SCRAM-SHA-256");
    CHECK(absent->data.empty());

    out.clear();
    write_sasl_response(out, "c=biws,r=abc,p=xyz");
    m = only_message(out);
    CHECK(m.type == 'p');
    CHECK(m.body == "c=biws,r=abc,p=xyz");

    auto parse = [](std::string_view b) { return parse_sasl_initial_response(b); };
    check_malformed(parse, bytes("SCRAM-SHA-256"));
    check_malformed(parse, bytes("SCRAM-SHA-256\0\0\0\0\x05"
                                 "abcd"));
    check_malformed(parse, bytes("SCRAM-SHA-256\0\0\0\0\x03"
                                 "abcd"));
    check_malformed(parse, bytes("SCRAM-SHA-256\0\xff\xff\xff\xfe"));
    check_malformed(parse, bytes("SCRAM-SHA-256\0\xff\xff\xff\xffx"));
    check_malformed(parse, bytes("SCRAM-SHA-256\0\x80\0\0\0"));
}

TEST_CASE("SSLRequest and CancelRequest bytes") {
    std::string out;
    write_ssl_request(out);
    CHECK(out == bytes("\0\0\0\x08\x04\xd2\x16\x2f"));
    out.clear();
    write_cancel_request(out, 1, 2);
    CHECK(out == bytes("\0\0\0\x10\x04\xd2\x16\x2e\0\0\0\x01\0\0\0\x02"));
}
