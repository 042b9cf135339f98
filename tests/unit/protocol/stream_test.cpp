// A stream of several messages must decode the same whatever chunks it arrives in.

#include "protocol/backend_messages.hpp"
#include "protocol/frontend_messages.hpp"
#include "test_util.hpp"

#include <vector>

using namespace nectar::protocol;
using nectar::protocol::test::ExactBuffer;
using nectar::protocol::test::Message;

namespace {

/// What a session's reader does: append each chunk, take every complete message off the front.
/// With `startup` the first packet is a startup-phase packet (reported with type '\0').
std::vector<Message> decode_chunks(const std::vector<std::string_view>& chunks, bool startup) {
    std::vector<Message> messages;
    std::string buffer;
    bool in_startup = startup;
    for (std::string_view chunk : chunks) {
        buffer.append(chunk);
        while (true) {
            ExactBuffer exact(buffer);
            if (in_startup) {
                StartupFrame frame = next_startup_frame(exact.view());
                REQUIRE(frame.status != FrameStatus::error);
                if (frame.status == FrameStatus::need_more) {
                    break;
                }
                messages.push_back({'\0', std::string(frame.body)});
                buffer.erase(0, frame.size);
                in_startup = false;
                continue;
            }
            Frame frame = next_frame(exact.view());
            REQUIRE(frame.status != FrameStatus::error);
            if (frame.status == FrameStatus::need_more) {
                if (frame.declared_size != 0) {
                    CHECK(frame.declared_size > buffer.size());
                }
                break;
            }
            messages.push_back({frame.type, std::string(frame.body)});
            buffer.erase(0, frame.size);
        }
    }
    CHECK(buffer.empty());
    return messages;
}

bool same(const std::vector<Message>& a, const std::vector<Message>& b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].type != b[i].type || a[i].body != b[i].body) {
            return false;
        }
    }
    return true;
}

std::string client_stream() {
    std::string out;
    write_startup(out, {{"user", "alice"}, {"database", "shop"}});
    write_query(out, "select 1");
    write_parse(out, "s1", "select $1::int", {23});
    std::string rest("\0\0\0\x01\0\0\0\x01"
                     "7\0\0",
                     11);
    write_bind(out, "", "s1", rest);
    write_describe(out, 'P', "");
    write_execute(out, "", 0);
    write_sync(out);
    write_query(out, std::string(300, 'x')); // longer than most chunks
    write_terminate(out);
    return out;
}

std::string server_stream() {
    std::string out;
    write_auth_ok(out);
    write_parameter_status(out, "server_version", "15.4");
    write_backend_key_data(out, 1, 2);
    write_ready_for_query(out, 'I');
    FieldDescription field;
    field.name = "n";
    field.type_oid = 23;
    write_row_description(out, {field});
    write_data_row(out, {std::string_view("1")});
    write_data_row(out, {std::nullopt});
    write_command_complete(out, "SELECT 2");
    write_error(out, nectar::Error::make("42601", "syntax error"));
    write_ready_for_query(out, 'E');
    return out;
}

void check_every_split(const std::string& stream, bool startup, size_t expected_count) {
    std::vector<Message> whole = decode_chunks({stream}, startup);
    REQUIRE(whole.size() == expected_count);
    std::string_view s(stream);
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
        CAPTURE(cut);
        REQUIRE(same(decode_chunks({s.substr(0, cut), s.substr(cut)}, startup), whole));
    }
    std::vector<std::string_view> one_by_one;
    for (size_t i = 0; i < stream.size(); ++i) {
        one_by_one.push_back(s.substr(i, 1));
    }
    CHECK(same(decode_chunks(one_by_one, startup), whole));
}

} // namespace

TEST_CASE("a client stream decodes the same split at every byte") {
    std::string stream = client_stream();
    check_every_split(stream, true, 9);
    std::vector<Message> messages = decode_chunks({stream}, true);
    CHECK(parse_startup(messages[0].body).ok());
    CHECK(*parse_query(messages[1].body) == "select 1");
    CHECK(parse_parse(messages[2].body)->param_types == std::vector<uint32_t>{23});
    CHECK(parse_bind(messages[3].body)->statement == "s1");
    CHECK(parse_describe_or_close(messages[4].body)->kind == 'P');
    CHECK(parse_execute(messages[5].body).ok());
    CHECK(messages[6].type == 'S');
    CHECK(parse_query(messages[7].body)->size() == 300);
    CHECK(messages[8].type == 'X');
}

TEST_CASE("a server stream decodes the same split at every byte") {
    std::string stream = server_stream();
    check_every_split(stream, false, 10);
    std::vector<Message> messages = decode_chunks({stream}, false);
    CHECK(parse_auth_request(messages[0].body)->code == AuthCode::ok);
    CHECK(parse_parameter_status(messages[1].body)->value == "15.4");
    CHECK(parse_error_response(messages[8].body)->sqlstate == "42601");
    CHECK(*parse_ready_for_query(messages[9].body) == 'E');
}

TEST_CASE("a short stream decodes the same in any three chunks") {
    std::string stream;
    write_query(stream, "select 1");
    write_sync(stream);
    write_execute(stream, "p", 5);
    std::vector<Message> whole = decode_chunks({stream}, false);
    REQUIRE(whole.size() == 3);
    std::string_view s(stream);
    for (size_t i = 0; i <= s.size(); ++i) {
        for (size_t j = i; j <= s.size(); ++j) {
            REQUIRE(same(decode_chunks({s.substr(0, i), s.substr(i, j - i), s.substr(j)}, false), whole));
        }
    }
}
