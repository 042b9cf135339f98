// Random and mutated input thrown at every decoder: no crash, no read past the buffer (run under
// AddressSanitizer), and only protocol-violation errors.

#include "protocol/backend_messages.hpp"
#include "protocol/frontend_messages.hpp"
#include "protocol/scram.hpp"
#include "test_util.hpp"

#include <functional>
#include <random>
#include <vector>

using namespace nectar::protocol;
using nectar::protocol::test::ExactBuffer;

namespace {

/// A body parser and the SQLSTATEs it may answer with besides 08P01.
struct Parser {
    const char* name;
    std::function<bool(std::string_view)> parse; ///< true when the body parsed
    bool prefixes_fail = true;                   ///< a strict prefix of a valid body is always malformed
};

template <typename Result> bool checked(const Result& result, const char* also_allowed = nullptr) {
    if (!result.ok()) {
        const std::string& state = result.error().sqlstate;
        bool allowed = state == "08P01" || (also_allowed != nullptr && state == also_allowed);
        CHECK_MESSAGE(allowed, "unexpected SQLSTATE " << state);
        CHECK_FALSE(result.error().message.empty());
    }
    return result.ok();
}

std::vector<Parser> parsers() {
    return {
        {"startup", [](std::string_view b) { return checked(parse_startup(b), "28000"); }},
        {"cancel", [](std::string_view b) { return checked(parse_cancel_request(b)); }},
        {"query", [](std::string_view b) { return checked(parse_query(b)); }},
        {"parse", [](std::string_view b) { return checked(parse_parse(b)); }},
        {"bind", [](std::string_view b) { return checked(parse_bind(b)); }},
        {"describe", [](std::string_view b) { return checked(parse_describe_or_close(b)); }},
        {"execute", [](std::string_view b) { return checked(parse_execute(b)); }},
        {"sasl initial", [](std::string_view b) { return checked(parse_sasl_initial_response(b)); }},
        {"password", [](std::string_view b) { return checked(parse_password_message(b)); }},
        {"auth", [](std::string_view b) { return checked(parse_auth_request(b)); }, false},
        {"parameter status", [](std::string_view b) { return checked(parse_parameter_status(b)); }},
        {"key data", [](std::string_view b) { return checked(parse_backend_key_data(b)); }},
        {"ready", [](std::string_view b) { return checked(parse_ready_for_query(b)); }},
        {"error", [](std::string_view b) { return checked(parse_error_response(b)); }},
        {"notification", [](std::string_view b) { return checked(parse_notification(b)); }},
        {"command complete", [](std::string_view b) { return checked(parse_command_complete(b)); }},
    };
}

/// Valid messages (whole, with type byte and length) to mutate.
std::vector<std::string> samples() {
    std::vector<std::string> out;
    auto add = [&](auto&& write) {
        std::string m;
        write(m);
        out.push_back(std::move(m));
    };
    add([](std::string& m) { write_query(m, "select 1"); });
    add([](std::string& m) { write_parse(m, "s", "select $1, $2", {23, 25}); });
    add([](std::string& m) {
        write_bind(m, "p", "s", std::string("\0\x01\0\x01\0\x02\0\0\0\x01x\xff\xff\xff\xff\0\x01\0\0", 19));
    });
    add([](std::string& m) { write_describe(m, 'S', "s"); });
    add([](std::string& m) { write_execute(m, "p", 10); });
    add([](std::string& m) { write_sasl_initial_response(m, "SCRAM-SHA-256", "n,,n=,r=abc"); });
    add([](std::string& m) { write_password(m, "secret"); });
    add([](std::string& m) { write_auth_sasl(m, {"SCRAM-SHA-256"}); });
    add([](std::string& m) { write_parameter_status(m, "a", "b"); });
    add([](std::string& m) { write_backend_key_data(m, 1, 2); });
    add([](std::string& m) { write_ready_for_query(m, 'I'); });
    add([](std::string& m) {
        nectar::Error e = nectar::Error::make("42000", "boom");
        e.position = 3;
        write_error(m, e);
    });
    add([](std::string& m) { write_notification(m, 1, "c", "p"); });
    add([](std::string& m) { write_command_complete(m, "SELECT 1"); });
    return out;
}

std::string random_bytes(std::mt19937_64& rng, size_t n) {
    std::string out(n, '\0');
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> kind(0, 3);
    for (char& c : out) {
        // Bias towards NUL and 0xFF, the bytes that terminate strings and make lengths negative.
        int k = kind(rng);
        c = k == 0 ? '\0' : k == 1 ? '\xff' : static_cast<char>(byte(rng));
    }
    return out;
}

std::string mutate(std::mt19937_64& rng, std::string m) {
    std::uniform_int_distribution<int> op(0, 3);
    std::uniform_int_distribution<int> byte(0, 255);
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !m.empty(); ++e) {
        size_t at = rng() % m.size();
        switch (op(rng)) {
        case 0:
            m[at] = static_cast<char>(byte(rng));
            break;
        case 1:
            m.erase(at, 1 + rng() % 4);
            break;
        case 2:
            m.insert(at, 1, static_cast<char>(byte(rng)));
            break;
        default:
            m.resize(at);
            break;
        }
    }
    return m;
}

void check_frames(std::string_view data) {
    Frame frame = next_frame(data);
    if (frame.status == FrameStatus::ready) {
        REQUIRE(frame.size <= data.size());
        REQUIRE(frame.size == frame.body.size() + 5);
        REQUIRE(frame.body.data() == data.data() + 5);
    } else if (frame.status == FrameStatus::need_more) {
        REQUIRE((frame.declared_size == 0 || frame.declared_size > data.size()));
    }
    StartupFrame startup = next_startup_frame(data);
    if (startup.status == FrameStatus::ready) {
        REQUIRE(startup.size <= data.size());
        REQUIRE(startup.size == startup.body.size() + 8);
        REQUIRE(startup.size <= kMaxStartupPacketLength);
    }
}

void throw_at_everything(std::string_view data, const std::vector<Parser>& all) {
    check_frames(data);
    for (const auto& parser : all) {
        parser.parse(data);
        if (data.size() >= 5) {
            parser.parse(data.substr(5));
        }
    }
    split_sasl_mechanisms(data);
    std::string raw;
    base64_decode(data, raw);
}

} // namespace

TEST_CASE("10,000 random and mutated buffers never crash a decoder") {
    std::mt19937_64 rng(0x4e65637461720001ull); // fixed seed: failures reproduce
    const auto all = parsers();
    const auto valid = samples();
    int parsed = 0;
    for (int i = 0; i < 10000; ++i) {
        std::string data;
        switch (i % 3) {
        case 0:
            data = random_bytes(rng, rng() % (i % 50 == 0 ? 2048 : 64));
            break;
        case 1:
            data = mutate(rng, valid[rng() % valid.size()]);
            break;
        default: {
            // A plausible header with a random body, so the frame is often complete.
            std::string body = random_bytes(rng, rng() % 48);
            data = valid[rng() % valid.size()].substr(0, 1);
            uint32_t length = static_cast<uint32_t>(body.size() + 4);
            for (int shift = 24; shift >= 0; shift -= 8) {
                data += static_cast<char>((length >> shift) & 0xFF);
            }
            data += body;
            break;
        }
        }
        ExactBuffer buffer(data);
        throw_at_everything(buffer.view(), all);
        Frame frame = next_frame(buffer.view());
        if (frame.status == FrameStatus::ready) {
            for (const auto& parser : all) {
                parsed += parser.parse(frame.body) ? 1 : 0;
            }
        }
    }
    // The mutations keep some messages valid, so the parsers' success paths ran too.
    CHECK(parsed > 100);
}

TEST_CASE("random SCRAM messages get an error, never a crash") {
    std::mt19937_64 rng(7);
    ScramSecret secret = make_scram_secret("pencil", 1, "salt");
    const std::string templates[] = {"n,,n=,r=abc", "p=tls-server-end-point,,n=,r=abc", "y,,n=u,r=x,ext=1",
                                     "c=biws,r=abcSERVER,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="};
    for (int i = 0; i < 2000; ++i) {
        std::string first = mutate(rng, templates[rng() % 3]);
        std::string final = mutate(rng, templates[3]);
        for (const char* cb : {"", "0123456789abcdef0123456789abcdef"}) {
            for (auto mechanism : {kScramSha256, kScramSha256Plus}) {
                ScramServer server(secret, cb, "SERVER");
                ExactBuffer a(first);
                auto server_first = server.handle_client_first(mechanism, a.view());
                if (server_first.ok()) {
                    ExactBuffer b(final);
                    auto server_final = server.handle_client_final(b.view());
                    CHECK_FALSE(server_final.ok()); // nobody here knows the proof
                }
            }
        }
        ScramClient client("pencil", "abc");
        client.client_first();
        ExactBuffer c(mutate(rng, "r=abcdef,s=c2FsdA==,i=1"));
        auto client_final = client.handle_server_first(c.view());
        if (client_final.ok()) {
            ExactBuffer d(mutate(rng, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
            CHECK_FALSE(client.verify_server_final(d.view()).ok());
        }
    }
}

TEST_CASE("every truncation of a valid message is need_more, of a valid body an error") {
    const auto all = parsers();
    for (const std::string& message : samples()) {
        CAPTURE(message);
        for (size_t n = 0; n < message.size(); ++n) {
            ExactBuffer prefix(message.substr(0, n));
            CHECK(next_frame(prefix.view()).status == FrameStatus::need_more);
        }
        std::string body = message.substr(5);
        int accepted_by = 0;
        for (const auto& parser : all) {
            ExactBuffer whole(body);
            if (!parser.parse(whole.view())) {
                continue;
            }
            ++accepted_by;
            if (!parser.prefixes_fail) {
                continue;
            }
            for (size_t n = 0; n < body.size(); ++n) {
                CAPTURE(parser.name);
                CAPTURE(n);
                ExactBuffer prefix(body.substr(0, n));
                CHECK_FALSE(parser.parse(prefix.view()));
            }
        }
        CHECK(accepted_by > 0);
    }
}
