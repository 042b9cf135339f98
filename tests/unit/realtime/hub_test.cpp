// The hub with a capture the test drives by hand: seq numbering, fan-out, replay and resync,
// reference-counted captures with linger, filters per event, the bounded outbound queue.
#include "realtime/event_filter.hpp"
#include "realtime/hub.hpp"
#include "realtime/outbound_queue.hpp"
#include "rest/filter.hpp"

#include <doctest.h>

#include <thread>

using namespace nectar::realtime;
using nectar::federation::ColumnInfo;
using nectar::federation::Row;
using nectar::federation::TableInfo;
using nectar::federation::Type;
using nectar::federation::Value;

namespace {

struct FakeCapture final : Capture {
    std::shared_ptr<CaptureSink> sink;
    int* live;
    explicit FakeCapture(std::shared_ptr<CaptureSink> s, int* l)
        : sink(std::move(s))
        , live(l) {}
    void start() override { ++*live; }
    void stop() override { --*live; }
};

struct Recorder final : Subscriber {
    std::vector<std::pair<uint64_t, FeedMessage>> got;
    void deliver(uint64_t handle, const FeedMessage& message) override { got.emplace_back(handle, message); }
};

TableInfo users() {
    TableInfo t;
    t.schema = "public";
    t.name = "users";
    t.columns = {{"id", Type::Int4, "int4", false, true}, {"status", Type::Text, "text", true, false}};
    return t;
}

FeedSpec spec() {
    FeedSpec s;
    s.service = "pg";
    s.service_kind = "postgresql";
    s.table = users();
    return s;
}

ChangeEvent insert(int id, const char* status) {
    ChangeEvent e;
    e.kind = ChangeKind::Insert;
    e.new_row = {Value::int4(id), Value::text(status)};
    return e;
}

struct Fixture {
    int live = 0;
    std::vector<std::shared_ptr<CaptureSink>> sinks;
    Hub hub;
    explicit Fixture(HubLimits limits = {})
        : hub(limits, [this](const FeedSpec&, std::shared_ptr<CaptureSink> sink) {
            sinks.push_back(sink);
            return nectar::Result<std::unique_ptr<Capture>>(std::make_unique<FakeCapture>(sink, &live));
        }) {}
};

} // namespace

TEST_CASE("hub: one capture per feed, events numbered and fanned out in order") {
    Fixture f;
    auto a = std::make_shared<Recorder>();
    auto b = std::make_shared<Recorder>();
    auto sa = f.hub.subscribe(spec(), a, std::nullopt);
    auto sb = f.hub.subscribe(spec(), b, std::nullopt);
    REQUIRE(sa);
    REQUIRE(sb);
    CHECK(f.live == 1);
    CHECK(f.sinks.size() == 1);
    CHECK(f.hub.feeds() == 1);
    f.sinks[0]->changes({insert(1, "a"), insert(2, "b")});
    f.sinks[0]->changes({insert(3, "c")});
    REQUIRE(a->got.size() == 3);
    REQUIRE(b->got.size() == 3);
    CHECK(a->got[0].second.change->seq == sa->last_seq + 1);
    CHECK(a->got[2].second.change->seq == sa->last_seq + 3);
    CHECK(a->got[1].second.change->new_row[0].as_int() == 2);
    CHECK(b->got[2].second.change == a->got[2].second.change); // shared, not copied
    CHECK(a->got[0].first == sa->handle);
    CHECK(b->got[0].first == sb->handle);

    // A poll feed of the same table is another feed; another interval another one again.
    FeedSpec poll = spec();
    poll.poll = true;
    poll.poll_interval_ms = 500;
    auto sp = f.hub.subscribe(poll, a, std::nullopt);
    REQUIRE(sp);
    CHECK(f.hub.feeds() == 2);
    CHECK(f.live == 2);
}

TEST_CASE("hub: resumeFrom replays what was missed once, in order; resync past the buffer") {
    HubLimits limits;
    limits.replay.max_events = 3;
    Fixture f(limits);
    auto a = std::make_shared<Recorder>();
    auto first = f.hub.subscribe(spec(), a, std::nullopt);
    REQUIRE(first);
    int64_t start = first->last_seq;
    f.sinks[0]->changes({insert(1, "a"), insert(2, "b")});
    int64_t seen = a->got[0].second.change->seq; // the client saw the first event, then dropped
    f.hub.unsubscribe(first->handle);
    f.sinks[0]->changes({insert(3, "c")});

    auto b = std::make_shared<Recorder>();
    auto resumed = f.hub.subscribe(spec(), b, seen);
    REQUIRE(resumed);
    CHECK_FALSE(resumed->resync);
    REQUIRE(resumed->replay.size() == 2);
    CHECK(resumed->replay[0]->seq == seen + 1);
    CHECK(resumed->replay[1]->new_row[0].as_int() == 3);
    CHECK(resumed->last_seq == start + 3);

    // Nothing missed: an empty replay, no resync.
    auto current = f.hub.subscribe(spec(), b, resumed->last_seq);
    REQUIRE(current);
    CHECK_FALSE(current->resync);
    CHECK(current->replay.empty());

    // Two more events push the first ones out of the 3-event buffer.
    f.sinks[0]->changes({insert(4, "d"), insert(5, "e")});
    auto late = f.hub.subscribe(spec(), b, seen);
    REQUIRE(late);
    CHECK(late->resync);
    CHECK(late->replay.empty());
    // A position from the future, or from before this feed existed, is a resync too.
    CHECK(f.hub.subscribe(spec(), b, late->last_seq + 10)->resync);
    CHECK(f.hub.subscribe(spec(), b, start - 100)->resync);
}

TEST_CASE("hub: replay ages out") {
    HubLimits limits;
    limits.replay.max_age = std::chrono::milliseconds(20);
    Fixture f(limits);
    auto a = std::make_shared<Recorder>();
    auto s = f.hub.subscribe(spec(), a, std::nullopt);
    f.sinks[0]->changes({insert(1, "a")});
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    f.hub.sweep();
    CHECK(f.hub.subscribe(spec(), a, s->last_seq)->resync);
}

TEST_CASE("hub: the capture stops after the last subscriber leaves and the linger time passes") {
    HubLimits limits;
    limits.linger = std::chrono::milliseconds(30);
    Fixture f(limits);
    auto a = std::make_shared<Recorder>();
    auto s1 = f.hub.subscribe(spec(), a, std::nullopt);
    auto s2 = f.hub.subscribe(spec(), a, std::nullopt);
    f.hub.unsubscribe(s1->handle);
    f.hub.sweep();
    CHECK(f.live == 1);
    f.hub.unsubscribe(s2->handle);
    f.hub.sweep();
    CHECK(f.live == 1); // lingers for resumeFrom
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    f.hub.sweep();
    CHECK(f.live == 0);
    CHECK(f.hub.feeds() == 0);
    // A late event from the stopped capture is ignored.
    f.sinks[0]->changes({insert(9, "z")});
    CHECK(a->got.empty());
    // A new subscriber starts a new feed whose positions are all after the old one's.
    auto s3 = f.hub.subscribe(spec(), a, std::nullopt);
    CHECK(f.live == 1);
    CHECK(s3->last_seq > s2->last_seq);
}

TEST_CASE("hub: subscribers hear once when the capture goes live") {
    Fixture f;
    auto a = std::make_shared<Recorder>();
    auto s1 = f.hub.subscribe(spec(), a, std::nullopt);
    CHECK_FALSE(s1->live);
    f.sinks[0]->live();
    f.sinks[0]->live(); // a reconnecting capture says it again
    REQUIRE(a->got.size() == 1);
    CHECK(a->got[0].second.type == FeedMessage::Type::Live);
    CHECK(a->got[0].second.seq == s1->last_seq);
    auto s2 = f.hub.subscribe(spec(), a, std::nullopt);
    CHECK(s2->live);
}

TEST_CASE("hub: capture errors reach subscribers once and are reported to newcomers") {
    Fixture f;
    auto a = std::make_shared<Recorder>();
    f.hub.subscribe(spec(), a, std::nullopt);
    auto err = nectar::Error::make("55000", "needs wal_level=logical");
    f.sinks[0]->failed(err);
    f.sinks[0]->failed(err);
    REQUIRE(a->got.size() == 1);
    CHECK(a->got[0].second.type == FeedMessage::Type::Error);
    auto b = f.hub.subscribe(spec(), std::make_shared<Recorder>(), std::nullopt);
    REQUIRE(b->error);
    CHECK(b->error->sqlstate == "55000");
}

TEST_CASE("hub: a factory error is the subscription's error") {
    Hub hub({}, [](const FeedSpec&, std::shared_ptr<CaptureSink>) {
        return nectar::Result<std::unique_ptr<Capture>>(nectar::Error::make("0A000", "no native capture"));
    });
    auto s = hub.subscribe(spec(), std::make_shared<Recorder>(), std::nullopt);
    REQUIRE_FALSE(s);
    CHECK(s.error().sqlstate == "0A000");
    CHECK(hub.feeds() == 0);
}

TEST_CASE("event filter: kinds, and the REST filter on the new row (old row for DELETE)") {
    auto bound = nectar::rest::bind_filter(R"({"status":"active","id":{"$gt":1}})", users().columns);
    REQUIRE(bound);
    EventFilter filter({ChangeKind::Insert, ChangeKind::Delete}, *bound);
    CHECK(filter.matches(insert(2, "active")));
    CHECK_FALSE(filter.matches(insert(1, "active")));
    CHECK_FALSE(filter.matches(insert(2, "banned")));
    ChangeEvent update = insert(2, "active");
    update.kind = ChangeKind::Update;
    CHECK_FALSE(filter.matches(update)); // UPDATE not asked for
    ChangeEvent del;
    del.kind = ChangeKind::Delete;
    del.old_row = {Value::int4(5), Value::text("active")};
    CHECK(filter.matches(del));
    del.old_row = {Value::int4(5), Value::null(Type::Text)}; // key-only old row: NULL never matches
    CHECK_FALSE(filter.matches(del));
    EventFilter all({ChangeKind::Insert}, nullptr);
    CHECK(all.matches(insert(1, "x")));
    CHECK(all.keeps({Value::int4(1), Value::null(Type::Text)}));
}

TEST_CASE("outbound queue: bounded by frames and by bytes") {
    OutboundQueue q(3, 10);
    CHECK(q.push("abc"));
    CHECK(q.push("def"));
    CHECK_FALSE(q.push("ghijk")); // 11 bytes
    CHECK(q.push("gh"));
    CHECK_FALSE(q.push("i")); // 4 frames
    CHECK(q.size() == 3);
    CHECK(q.bytes() == 8);
    CHECK(q.pop() == "abc");
    CHECK(q.push("i"));
    q.clear();
    CHECK(q.empty());
    CHECK(q.bytes() == 0);
    // An empty queue takes one frame bigger than the byte bound, and nothing after it.
    CHECK(q.push("0123456789abc"));
    CHECK_FALSE(q.push("d"));
    CHECK(q.pop() == "0123456789abc");
}
