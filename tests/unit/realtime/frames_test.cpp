// SPEC §6's client frames read, and server frames written as REST prints values.
#include "realtime/frames.hpp"

#include <doctest.h>

using namespace nectar::realtime;
using nectar::federation::TableInfo;
using nectar::federation::Type;
using nectar::federation::Value;

namespace {

nectar::Result<ClientFrame> parse(std::string_view text, std::string* id = nullptr) {
    static simdjson::dom::parser parser;
    std::string ignored;
    return parse_client_frame(parser, text, id ? *id : ignored);
}

} // namespace

TEST_CASE("client frames: subscribe with every member") {
    auto f = parse(R"({"type":"subscribe","id":"s1","service":"shop","table":"orders","events":["INSERT","DELETE"],
                       "filter":{"status":{"$in":["a","b"]}},"mode":"poll","pollInterval":250,"resumeFrom":12})");
    REQUIRE(f);
    CHECK(f->type == ClientFrame::Type::Subscribe);
    CHECK(f->subscribe.id == "s1");
    CHECK(f->subscribe.service == "shop");
    CHECK(f->subscribe.table == "orders");
    CHECK(f->subscribe.events == std::vector<ChangeKind>{ChangeKind::Insert, ChangeKind::Delete});
    CHECK(f->subscribe.filter == R"({"status":{"$in":["a","b"]}})");
    CHECK(f->subscribe.mode == std::optional<std::string>("poll"));
    CHECK(f->subscribe.poll_interval_ms == 250);
    CHECK(f->subscribe.resume_from == 12);

    auto minimal = parse(R"({"type":"subscribe","id":"s2","service":"a","table":"b"})");
    REQUIRE(minimal);
    CHECK(minimal->subscribe.events.size() == 3);
    CHECK(minimal->subscribe.filter.empty());
    CHECK_FALSE(minimal->subscribe.mode);
    CHECK(parse(R"({"type":"ping"})")->type == ClientFrame::Type::Ping);
    CHECK(parse(R"({"type":"unsubscribe","id":"s1"})")->id == "s1");
}

TEST_CASE("client frames: bad input says what is wrong") {
    auto message = [](std::string_view text) {
        auto f = parse(text);
        REQUIRE_FALSE(f);
        return f.error().message;
    };
    CHECK(message("{") == "frame is not valid JSON");
    CHECK(message("[1]") == "frame must be a JSON object");
    CHECK(message(R"({"id":"x"})").find("\"type\"") != std::string::npos);
    CHECK(message(R"({"type":"hello"})").find("unknown frame type \"hello\"") != std::string::npos);
    CHECK(message(R"({"type":"subscribe","service":"a","table":"b"})").find("\"id\"") != std::string::npos);
    CHECK(message(R"({"type":"subscribe","id":"s","table":"b"})").find("\"service\"") != std::string::npos);
    CHECK(message(R"({"type":"subscribe","id":"s","service":"a","table":7})") == "\"table\" must be a string");
    CHECK(message(R"({"type":"subscribe","id":"s","service":"a","table":"b","events":["TRUNCATE"]})")
              .find("unknown event \"TRUNCATE\"") != std::string::npos);
    CHECK(message(R"({"type":"subscribe","id":"s","service":"a","table":"b","events":[]})").find("non-empty") !=
          std::string::npos);
    CHECK(message(R"({"type":"subscribe","id":"s","service":"a","table":"b","mode":"push"})")
              .find("unknown mode \"push\"") != std::string::npos);
    CHECK(message(R"({"type":"subscribe","id":"s","service":"a","table":"b","pollInterval":5})")
              .find("between 100 and") != std::string::npos);
    CHECK(message(R"({"type":"subscribe","id":"s","service":"a","table":"b","resumeFrom":"x"})") ==
          "\"resumeFrom\" must be an integer");
    std::string id;
    CHECK_FALSE(parse(R"({"type":"subscribe","id":"mine","service":"a"})", &id));
    CHECK(id == "mine"); // the error frame names the subscription
}

TEST_CASE("server frames") {
    TableInfo t;
    t.columns = {{"id", Type::Int4}, {"price", Type::Numeric}, {"at", Type::Timestamp}};
    ChangeEvent e;
    e.kind = ChangeKind::Update;
    e.seq = 41;
    e.new_row = {Value::int4(1), Value::numeric("12.50"), Value::null(Type::Timestamp)};
    e.old_row = {Value::int4(1), Value::null(Type::Numeric), Value::null(Type::Timestamp)};
    e.commit_time_us = 0;
    e.position = "0/16B3748";
    CHECK(change_frame("s1", t, e) ==
          R"({"type":"change","id":"s1","seq":41,"event":"UPDATE","new":{"id":1,"price":12.50,"at":null},)"
          R"("old":{"id":1,"price":null,"at":null},"commitTime":"2000-01-01T00:00:00+00:00","position":"0/16B3748"})");
    e.kind = ChangeKind::Insert;
    e.old_row.clear();
    CHECK(change_frame("s1", t, e).find(R"("old":null)") != std::string::npos);
    auto error = error_frame("s1", 404, nectar::Error::make("42P01", "table \"x\" does not exist"));
    CHECK(error ==
          R"({"type":"error","id":"s1","error":{"code":404,"sqlstate":"42P01","message":"table \"x\" does not exist"}})");
    CHECK(subscribed_frame("s1", "pg", "users", false, 0, 9) ==
          R"({"type":"subscribed","id":"s1","service":"pg","table":"users","mode":"trigger","seq":9})");
    nectar::federation::Row r = {Value::int4(2), Value::numeric("1"), Value::null(Type::Timestamp)};
    CHECK(snapshot_frame("p", t, {&r}) == R"({"type":"snapshot","id":"p","data":[{"id":2,"price":1,"at":null}]})");
    CHECK(pong_frame() == R"({"type":"pong"})");
}

TEST_CASE("notification payloads: the change, or its key when too big") {
    TableInfo t;
    t.columns = {{"id", Type::Int4}, {"name", Type::Text}};
    t.columns[0].primary_key = true;
    ChangeEvent e;
    e.kind = ChangeKind::Update;
    e.new_row = {Value::int4(1), Value::text("new")};
    e.old_row = {Value::int4(1), Value::text("old")};
    CHECK(notification_payload(t, e) == R"({"event":"UPDATE","new":{"id":1,"name":"new"},"old":{"id":1,"name":"old"}})");
    e.kind = ChangeKind::Insert;
    e.old_row.clear();
    CHECK(notification_payload(t, e) == R"({"event":"INSERT","new":{"id":1,"name":"new"},"old":null})");

    e.new_row[1] = Value::text(std::string(kMaxNotificationPayload, 'x'));
    CHECK(notification_payload(t, e) == R"({"event":"INSERT","key":{"id":1},"truncated":true})");
    e.kind = ChangeKind::Delete;
    e.old_row = {Value::int4(2), Value::text(std::string(kMaxNotificationPayload, 'x'))};
    e.new_row.clear();
    CHECK(notification_payload(t, e) == R"({"event":"DELETE","key":{"id":2},"truncated":true})");

    // Just at the limit is whole; one byte more is not.
    e.kind = ChangeKind::Insert;
    e.old_row.clear();
    std::string prefix = R"({"event":"INSERT","new":{"id":1,"name":")";
    std::string suffix = R"("},"old":null})";
    e.new_row = {Value::int4(1), Value::text(std::string(kMaxNotificationPayload - prefix.size() - suffix.size(), 'y'))};
    CHECK(notification_payload(t, e).size() == kMaxNotificationPayload);
    e.new_row[1] = Value::text(std::string(kMaxNotificationPayload - prefix.size() - suffix.size() + 1, 'y'));
    CHECK(notification_payload(t, e) == R"({"event":"INSERT","key":{"id":1},"truncated":true})");

    // Without a primary key the key is every column.
    t.columns[0].primary_key = false;
    CHECK(notification_payload(t, e).find(R"("key":{"id":1,"name":"yyy)") != std::string::npos);
}
