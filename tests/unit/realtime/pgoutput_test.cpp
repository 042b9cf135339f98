// pgoutput messages and replication framing, built byte by byte as PostgreSQL 15 sends them.
#include "realtime/pg_capture.hpp"
#include "realtime/pgoutput.hpp"

#include <doctest.h>

using namespace nectar::realtime;

namespace {

struct Bytes {
    std::string s;
    Bytes& c(char v) {
        s += v;
        return *this;
    }
    Bytes& u(uint64_t v, int width) {
        for (int shift = (width - 1) * 8; shift >= 0; shift -= 8) {
            s += static_cast<char>((v >> shift) & 0xff);
        }
        return *this;
    }
    Bytes& str(const std::string& v) {
        s += v;
        s += '\0';
        return *this;
    }
    Bytes& text(const std::string& v) {
        c('t');
        u(v.size(), 4);
        s += v;
        return *this;
    }
};

} // namespace

TEST_CASE("lsn text") {
    CHECK(format_lsn(0x16B3748) == "0/16B3748");
    CHECK(format_lsn((uint64_t(0x1A) << 32) | 0xFF) == "1A/FF");
    CHECK(parse_lsn("1A/FF") == ((uint64_t(0x1A) << 32) | 0xFF));
    CHECK(parse_lsn("0/16b3748") == 0x16B3748);
    CHECK_FALSE(parse_lsn("16B3748"));
    CHECK_FALSE(parse_lsn("0/"));
    CHECK_FALSE(parse_lsn("G/1"));
    CHECK_FALSE(parse_lsn("123456789/1"));
}

TEST_CASE("pgoutput: relation, begin, insert, update with old key, delete, commit") {
    auto relation = parse_pgoutput(Bytes()
                                       .c('R')
                                       .u(16384, 4)
                                       .str("public")
                                       .str("users")
                                       .c('d')
                                       .u(2, 2)
                                       .c(1)
                                       .str("id")
                                       .u(23, 4)
                                       .u(0xffffffff, 4)
                                       .c(0)
                                       .str("name")
                                       .u(25, 4)
                                       .u(0xffffffff, 4)
                                       .s);
    REQUIRE(relation);
    CHECK(relation->kind == PgOutputMessage::Kind::Relation);
    CHECK(relation->relation_id == 16384);
    CHECK(relation->schema == "public");
    CHECK(relation->table == "users");
    REQUIRE(relation->columns.size() == 2);
    CHECK(relation->columns[0].key);
    CHECK(relation->columns[1].name == "name");
    CHECK(relation->columns[1].type_oid == 25);

    auto begin = parse_pgoutput(Bytes().c('B').u(0x5000, 8).u(777, 8).u(42, 4).s);
    REQUIRE(begin);
    CHECK(begin->kind == PgOutputMessage::Kind::Begin);
    CHECK(begin->commit_time_us == 777);

    auto insert = parse_pgoutput(Bytes().c('I').u(16384, 4).c('N').u(2, 2).text("7").c('n').s);
    REQUIRE(insert);
    CHECK(insert->kind == PgOutputMessage::Kind::Insert);
    REQUIRE(insert->new_tuple.size() == 2);
    CHECK(insert->new_tuple[0].text == "7");
    CHECK(insert->new_tuple[1].kind == PgTupleValue::Kind::Null);

    auto update = parse_pgoutput(
        Bytes().c('U').u(16384, 4).c('K').u(2, 2).text("7").c('n').c('N').u(2, 2).text("8").c('u').s);
    REQUIRE(update);
    CHECK(update->old_is_key_only);
    CHECK(update->old_tuple[0].text == "7");
    CHECK(update->new_tuple[0].text == "8");
    CHECK(update->new_tuple[1].kind == PgTupleValue::Kind::Unchanged);

    auto plain_update = parse_pgoutput(Bytes().c('U').u(16384, 4).c('N').u(1, 2).text("x").s);
    REQUIRE(plain_update);
    CHECK(plain_update->old_tuple.empty());

    auto del = parse_pgoutput(Bytes().c('D').u(16384, 4).c('O').u(2, 2).text("8").text("bob").s);
    REQUIRE(del);
    CHECK(del->kind == PgOutputMessage::Kind::Delete);
    CHECK_FALSE(del->old_is_key_only);
    CHECK(del->old_tuple[1].text == "bob");

    auto commit = parse_pgoutput(Bytes().c('C').c(0).u(0x5000, 8).u(0x5038, 8).u(777, 8).s);
    REQUIRE(commit);
    CHECK(commit->kind == PgOutputMessage::Kind::Commit);
    CHECK(commit->final_lsn == 0x5038);
}

TEST_CASE("pgoutput: malformed messages are errors, not crashes") {
    CHECK_FALSE(parse_pgoutput(""));
    CHECK_FALSE(parse_pgoutput("Z"));
    CHECK_FALSE(parse_pgoutput(Bytes().c('I').u(1, 4).c('N').u(3, 2).text("1").s)); // 3 columns announced, 1 sent
    CHECK_FALSE(parse_pgoutput(Bytes().c('I').u(1, 4).c('N').u(1, 2).c('t').u(100, 4).s)); // length past the end
    CHECK_FALSE(parse_pgoutput(Bytes().c('I').u(1, 4).c('N').u(1, 2).c('q').s));          // unknown tuple tag
    CHECK_FALSE(parse_pgoutput(Bytes().c('R').u(1, 4).str("public").s));
    CHECK_FALSE(parse_pgoutput(Bytes().c('B').u(1, 8).s));
    auto full = Bytes().c('U').u(1, 4).c('K').u(1, 2).text("1").c('N').u(1, 2).text("2").s;
    // Every truncation of a valid message fails cleanly.
    for (size_t n = 0; n < full.size(); n++) {
        CHECK_FALSE(parse_pgoutput(full.substr(0, n)));
    }
    CHECK(parse_pgoutput(full));
    CHECK(parse_pgoutput("O")->kind == PgOutputMessage::Kind::Ignored);
}

TEST_CASE("replication frames and standby status") {
    // The frame views its input: keep the bytes alive while it is read.
    const std::string data_bytes = Bytes().c('w').u(0x10, 8).u(0x20, 8).u(5, 8).c('B').s;
    auto data = parse_replication_frame(data_bytes);
    REQUIRE(data);
    CHECK(data->kind == ReplicationFrame::Kind::XLogData);
    CHECK(data->wal_start == 0x10);
    CHECK(data->message == "B");
    const std::string keepalive_bytes = Bytes().c('k').u(0x30, 8).u(5, 8).c(1).s;
    auto keepalive = parse_replication_frame(keepalive_bytes);
    REQUIRE(keepalive);
    CHECK(keepalive->kind == ReplicationFrame::Kind::Keepalive);
    CHECK(keepalive->reply_requested);
    CHECK_FALSE(parse_replication_frame(Bytes().c('k').u(0x30, 8).s));
    CHECK_FALSE(parse_replication_frame("x"));

    std::string status = standby_status_update(0x1122334455667788ULL, 99);
    REQUIRE(status.size() == 34);
    CHECK(status[0] == 'r');
    CHECK(static_cast<unsigned char>(status[1]) == 0x11);
    CHECK(static_cast<unsigned char>(status[8]) == 0x88);
    CHECK(status.substr(1, 8) == status.substr(9, 8));
    CHECK(status[33] == '\0');
}

TEST_CASE("replication slot names: per data dir and service, valid PostgreSQL names") {
    std::string a = replication_slot_name("/var/lib/nectar", "shop");
    CHECK(a.rfind("nectar_shop_", 0) == 0);
    CHECK(a.size() == 12 + 16);
    CHECK(a == replication_slot_name("/var/lib/nectar/", "shop"));      // the same directory
    CHECK(a != replication_slot_name("/var/lib/nectar-2", "shop"));     // another Nectar
    CHECK(a != replication_slot_name("/var/lib/nectar", "shop2"));      // another service
    std::string odd = replication_slot_name("/d", std::string(80, 'X') + "-é");
    CHECK(odd.size() <= 63);
    for (char c : odd) {
        CHECK(((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'));
    }
}
