#include "realtime/pgoutput.hpp"

#include <cstdio>

namespace nectar::realtime {

namespace {

Error malformed(std::string_view what) {
    return Error::make("08P01", "malformed logical replication message: " + std::string(what));
}

/// Big-endian reads over a byte string; `ok` turns false (and stays) past the end.
class Reader {
  public:
    explicit Reader(std::string_view bytes)
        : bytes_(bytes) {}
    bool ok() const { return ok_; }
    bool done() const { return pos_ >= bytes_.size(); }

    uint64_t uint(size_t width) {
        if (!need(width)) {
            return 0;
        }
        uint64_t v = 0;
        for (size_t i = 0; i < width; i++) {
            v = (v << 8) | static_cast<unsigned char>(bytes_[pos_ + i]);
        }
        pos_ += width;
        return v;
    }
    int64_t int64() { return static_cast<int64_t>(uint(8)); }
    char byte() { return static_cast<char>(uint(1)); }
    std::string cstring() {
        auto end = bytes_.find('\0', pos_);
        if (!ok_ || end == std::string_view::npos) {
            ok_ = false;
            return {};
        }
        std::string s(bytes_.substr(pos_, end - pos_));
        pos_ = end + 1;
        return s;
    }
    std::string_view bytes(size_t n) {
        if (!need(n)) {
            return {};
        }
        auto s = bytes_.substr(pos_, n);
        pos_ += n;
        return s;
    }
    std::string_view rest() const { return ok_ ? bytes_.substr(pos_) : std::string_view{}; }

  private:
    bool need(size_t n) {
        if (!ok_ || bytes_.size() - pos_ < n) {
            ok_ = false;
            return false;
        }
        return true;
    }
    std::string_view bytes_;
    size_t pos_ = 0;
    bool ok_ = true;
};

bool read_tuple(Reader& r, std::vector<PgTupleValue>& out) {
    auto count = r.uint(2);
    out.clear();
    out.reserve(count);
    for (uint64_t i = 0; i < count && r.ok(); i++) {
        PgTupleValue v;
        switch (r.byte()) {
        case 'n':
            v.kind = PgTupleValue::Kind::Null;
            break;
        case 'u':
            v.kind = PgTupleValue::Kind::Unchanged;
            break;
        case 't': {
            v.kind = PgTupleValue::Kind::Text;
            auto length = r.uint(4);
            v.text = std::string(r.bytes(length));
            break;
        }
        default:
            return false;
        }
        out.push_back(std::move(v));
    }
    return r.ok();
}

Result<PgOutputMessage> parse_relation(Reader& r, PgOutputMessage m) {
    m.relation_id = static_cast<uint32_t>(r.uint(4));
    m.schema = r.cstring();
    m.table = r.cstring();
    r.byte(); // replica identity setting
    auto count = r.uint(2);
    for (uint64_t i = 0; i < count && r.ok(); i++) {
        PgColumnDesc c;
        c.key = (r.uint(1) & 1) != 0;
        c.name = r.cstring();
        c.type_oid = static_cast<uint32_t>(r.uint(4));
        r.uint(4); // type modifier
        m.columns.push_back(std::move(c));
    }
    if (!r.ok()) {
        return malformed("truncated Relation");
    }
    return m;
}

Result<PgOutputMessage> parse_row_change(Reader& r, PgOutputMessage m) {
    m.relation_id = static_cast<uint32_t>(r.uint(4));
    char tag = r.byte();
    if (tag == 'K' || tag == 'O') {
        m.old_is_key_only = tag == 'K';
        if (!read_tuple(r, m.old_tuple)) {
            return malformed("bad old tuple");
        }
        if (m.kind == PgOutputMessage::Kind::Delete) {
            return m;
        }
        tag = r.byte();
    }
    if (tag != 'N' || m.kind == PgOutputMessage::Kind::Delete || !read_tuple(r, m.new_tuple)) {
        return malformed("bad new tuple");
    }
    return m;
}

} // namespace

std::string format_lsn(uint64_t lsn) {
    char text[32];
    std::snprintf(text, sizeof text, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn));
    return text;
}

std::optional<uint64_t> parse_lsn(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size() || slash > 8 ||
        text.size() - slash - 1 > 8) {
        return std::nullopt;
    }
    uint64_t hi = 0;
    uint64_t lo = 0;
    for (size_t i = 0; i < text.size(); i++) {
        if (i == slash) {
            continue;
        }
        char c = text[i];
        int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0) {
            return std::nullopt;
        }
        uint64_t& part = i < slash ? hi : lo;
        part = part * 16 + static_cast<uint64_t>(digit);
    }
    return (hi << 32) | lo;
}

Result<ReplicationFrame> parse_replication_frame(std::string_view copy_data) {
    Reader r(copy_data);
    ReplicationFrame frame;
    char tag = r.byte();
    if (tag == 'w') {
        frame.kind = ReplicationFrame::Kind::XLogData;
        frame.wal_start = r.uint(8);
        frame.wal_end = r.uint(8);
        r.uint(8); // server send time
        frame.message = r.rest();
    } else if (tag == 'k') {
        frame.kind = ReplicationFrame::Kind::Keepalive;
        frame.wal_end = r.uint(8);
        r.uint(8);
        frame.reply_requested = r.byte() != 0;
    } else {
        return malformed("unknown replication frame '" + std::string(1, tag) + "'");
    }
    if (!r.ok()) {
        return malformed("truncated replication frame");
    }
    return frame;
}

std::string standby_status_update(uint64_t lsn, int64_t now_pg_us) {
    std::string out;
    out += 'r';
    auto put = [&out](uint64_t v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out += static_cast<char>((v >> shift) & 0xff);
        }
    };
    put(lsn); // written
    put(lsn); // flushed
    put(lsn); // applied
    put(static_cast<uint64_t>(now_pg_us));
    out += '\0'; // no reply requested
    return out;
}

Result<PgOutputMessage> parse_pgoutput(std::string_view bytes) {
    Reader r(bytes);
    PgOutputMessage m;
    char tag = r.byte();
    switch (tag) {
    case 'B':
        m.kind = PgOutputMessage::Kind::Begin;
        m.final_lsn = r.uint(8);
        m.commit_time_us = r.int64();
        r.uint(4); // xid
        break;
    case 'C':
        m.kind = PgOutputMessage::Kind::Commit;
        r.uint(1); // flags
        r.uint(8); // commit LSN
        m.final_lsn = r.uint(8);
        m.commit_time_us = r.int64();
        break;
    case 'R':
        m.kind = PgOutputMessage::Kind::Relation;
        return parse_relation(r, std::move(m));
    case 'I':
        m.kind = PgOutputMessage::Kind::Insert;
        m.relation_id = static_cast<uint32_t>(r.uint(4));
        if (r.byte() != 'N' || !read_tuple(r, m.new_tuple)) {
            return malformed("bad Insert");
        }
        break;
    case 'U':
        m.kind = PgOutputMessage::Kind::Update;
        return parse_row_change(r, std::move(m));
    case 'D':
        m.kind = PgOutputMessage::Kind::Delete;
        return parse_row_change(r, std::move(m));
    case 'T': {
        m.kind = PgOutputMessage::Kind::Truncate;
        auto count = r.uint(4);
        r.uint(1); // options
        for (uint64_t i = 0; i < count && r.ok(); i++) {
            m.truncated.push_back(static_cast<uint32_t>(r.uint(4)));
        }
        break;
    }
    case 'O': // origin, type, logical message: nothing a subscriber sees
    case 'Y':
    case 'M':
        m.kind = PgOutputMessage::Kind::Ignored;
        return m;
    default:
        return malformed("unknown message '" + std::string(1, tag) + "'");
    }
    if (!r.ok()) {
        return malformed("truncated message '" + std::string(1, tag) + "'");
    }
    return m;
}

} // namespace nectar::realtime
