#include "realtime/mysql_capture.hpp"

#include "realtime/binlog_connection.hpp"
#include "realtime/binlog_event.hpp"
#include "realtime/binlog_rows.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>

namespace nectar::realtime {

using federation::TableInfo;
using TableKey = std::pair<std::string, std::string>; ///< database, table

namespace {

constexpr auto kMinBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(10);
/// An idle dump still returns this often, so that a table joining a running stream goes live
/// (and a dead connection is noticed) promptly.
constexpr int kHeartbeatMs = 100;
constexpr int64_t kUnixToPgEpochSeconds = 946684800;
constexpr unsigned int kBinlogGone = 1236; // ER_MASTER_FATAL_ERROR_READING_BINLOG

TableKey key_of(const TableInfo& table) {
    return {table.schema, table.name};
}

bool statement_is(const std::string& sql, std::string_view word) {
    size_t start = sql.find_first_not_of(" \t\r\n");
    if (start == std::string::npos || sql.size() - start < word.size()) {
        return false;
    }
    for (size_t i = 0; i < word.size(); i++) {
        char c = sql[start + i];
        if ((c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c) != word[i]) {
            return false;
        }
    }
    size_t end = start + word.size();
    return end == sql.size() || sql.find_first_not_of(" \t\r\n;", end) == std::string::npos;
}

} // namespace

uint32_t binlog_server_id(const std::string& data_dir, const std::string& service) {
    auto dir = std::filesystem::absolute(data_dir).lexically_normal();
    if (!dir.has_filename() && dir.has_parent_path()) {
        dir = dir.parent_path();
    }
    std::string where = dir.string() + '\0' + service;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(where.data()), where.size(), digest);
    uint32_t id = static_cast<uint32_t>(digest[0]) << 24 | digest[1] << 16 | digest[2] << 8 | digest[3];
    return id | 0x80000000u;
}

struct MysqlBinlogStream::State {
    struct Followed {
        TableInfo table;
        std::shared_ptr<CaptureSink> sink;
        bool live = false; ///< told live() on the current connection (stream thread only)
    };
    /// A table map and how its columns land in the followed table's (stream thread only).
    struct Mapped {
        binlog::TableMap map;
        std::shared_ptr<const Followed> mapped_for;
        std::vector<int> to_column;
    };

    std::string service;
    federation::ServiceUrl url;
    uint32_t server_id;

    std::mutex mutex;
    std::condition_variable wake;
    std::map<TableKey, std::shared_ptr<Followed>> tables; ///< guarded by mutex
    BinlogConnection* connection = nullptr;               ///< guarded: the live one, to interrupt
    std::atomic<bool> stopping{false};
    std::atomic<bool> restart{false};    ///< every table left: drop the connection quietly
    std::atomic<bool> new_tables{false}; ///< a table waits for live()

    // The stream thread's own state.
    BinlogPosition resume;    ///< after the last transaction fully handed over
    bool skip_backlog = true; ///< start at the server's current position (first start, idle restart)
    std::string file;         ///< the binlog file being read
    binlog::StreamFormat format;
    std::map<uint64_t, Mapped> maps;
    std::map<TableKey, std::vector<ChangeEvent>> pending; ///< the open transaction's changes
    bool in_transaction = false;

    State(std::string s, federation::ServiceUrl u, uint32_t id)
        : service(std::move(s))
        , url(std::move(u))
        , server_id(id) {}

    void interrupt_locked() {
        if (connection != nullptr) {
            connection->interrupt();
        }
    }

    std::shared_ptr<Followed> followed(const TableKey& key) {
        std::lock_guard lock(mutex);
        auto found = tables.find(key);
        return found == tables.end() ? nullptr : found->second;
    }

    std::vector<std::shared_ptr<CaptureSink>> sinks() {
        std::lock_guard lock(mutex);
        std::vector<std::shared_ptr<CaptureSink>> out;
        for (auto& [key, followed] : tables) {
            out.push_back(followed->sink);
        }
        return out;
    }

    void run() {
        auto backoff = std::chrono::milliseconds(kMinBackoff);
        std::unique_lock lock(mutex);
        while (!stopping) {
            if (tables.empty()) {
                skip_backlog = true; // nobody asked for what is committed meanwhile
                wake.wait(lock, [this] { return stopping || !tables.empty(); });
                continue;
            }
            restart = false;
            new_tables = false;
            lock.unlock();
            bool streamed = false;
            unsigned int server_errno = 0;
            auto outcome = stream_once(streamed, server_errno);
            lock.lock();
            if (stopping || restart || tables.empty()) {
                continue;
            }
            if (streamed) {
                backoff = kMinBackoff;
            }
            Error error = outcome ? Error::make("08006", "the binlog stream ended") : outcome.error();
            if (server_errno == kBinlogGone && !skip_backlog) {
                // The resume point's binlog file is gone (purged): start again from now, and say so.
                error.message +=
                    " (changes committed since " + resume.text() + " could not be read and are lost)";
                skip_backlog = true;
            }
            spdlog::warn("realtime: capture of service \"{}\" interrupted: {}; retrying in {} ms", service,
                         error.message, backoff.count());
            lock.unlock();
            for (auto& sink : sinks()) {
                sink->failed(error);
            }
            lock.lock();
            // A new table retries at once, so that its subscriber hears how it goes.
            wake.wait_for(lock, backoff, [this] { return stopping || restart || new_tables; });
            backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
        }
        spdlog::info("realtime: binlog stream of service \"{}\" stopped", service);
    }

    Result<void> stream_once(bool& streamed, unsigned int& server_errno) {
        BinlogConnection conn;
        {
            std::lock_guard lock(mutex);
            if (stopping || restart) {
                return Result<void>();
            }
            connection = &conn;
        }
        auto outcome = stream_on(conn, streamed);
        server_errno = conn.last_errno();
        std::lock_guard lock(mutex);
        connection = nullptr;
        return outcome;
    }

    Result<void> stream_on(BinlogConnection& conn, bool& streamed) {
        if (auto connected = conn.connect(url); !connected) {
            return connected.error();
        }
        if (auto checked = conn.check_server(service); !checked) {
            return checked.error();
        }
        BinlogPosition from = resume;
        if (skip_backlog || !from.known()) {
            auto now = conn.current_position(service);
            if (!now) {
                return now.error();
            }
            from = *now;
        }
        if (auto started = conn.start_dump(from, server_id, kHeartbeatMs); !started) {
            return started.error();
        }
        format = {};
        format.checksum = conn.checksums();
        maps.clear();
        pending.clear();
        in_transaction = false;
        file = from.file;
        for (;;) {
            auto bytes = conn.fetch();
            if (!bytes) {
                return bytes.error();
            }
            if (stopping || restart) {
                return Result<void>();
            }
            if (!streamed) {
                // The server accepted the dump: every change committed from now on will be read.
                streamed = true;
                skip_backlog = false;
                resume = from;
                spdlog::info("realtime: streaming service \"{}\" from binlog {} (replica server_id {})",
                             service, from.text(), server_id);
                announce_live(true);
            } else if (new_tables.exchange(false)) {
                announce_live(false);
            }
            if (auto handled = handle(*bytes); !handled) {
                return handled.error();
            }
        }
    }

    /// Tells the tables not told yet on this connection (all of them when `all`) that they are live.
    void announce_live(bool all) {
        std::vector<std::shared_ptr<CaptureSink>> told;
        {
            std::lock_guard lock(mutex);
            for (auto& [key, followed] : tables) {
                if (all || !followed->live) {
                    followed->live = true;
                    told.push_back(followed->sink);
                }
            }
        }
        for (auto& sink : told) {
            sink->live();
        }
    }

    Result<void> handle(std::string_view bytes) {
        auto event = binlog::split_event(bytes, format);
        if (!event) {
            return event.error();
        }
        const binlog::EventHeader& header = event->header;
        switch (header.type) {
        case binlog::kRotateEvent: {
            auto rotate = binlog::parse_rotate(*event);
            if (!rotate) {
                return rotate.error();
            }
            file = rotate->file;
            if (!in_transaction) {
                resume = {file, rotate->position};
            }
            return Result<void>();
        }
        case binlog::kMariaGtidEvent: {
            auto gtid = binlog::parse_gtid(*event);
            if (!gtid) {
                return gtid.error();
            }
            pending.clear();
            in_transaction = !gtid->standalone();
            return Result<void>();
        }
        case binlog::kQueryEvent:
            return query(*event);
        case binlog::kXidEvent:
            commit(header);
            return Result<void>();
        case binlog::kTableMapEvent:
            return table_map(*event);
        case binlog::kHeartbeatEvent:
        case binlog::kFormatDescriptionEvent:
            return Result<void>();
        default:
            if (binlog::is_rows_event(header.type)) {
                return rows(*event);
            }
            if (!in_transaction) {
                end_of_transaction(header);
            }
            return Result<void>();
        }
    }

    Result<void> query(const binlog::Event& event) {
        auto parsed = binlog::parse_query(event);
        if (!parsed) {
            return parsed.error();
        }
        if (statement_is(parsed->sql, "BEGIN")) {
            pending.clear();
            in_transaction = true;
        } else if (statement_is(parsed->sql, "COMMIT")) {
            commit(event.header);
        } else if (statement_is(parsed->sql, "ROLLBACK")) {
            pending.clear(); // a transaction that touched non-transactional tables, rolled back
            end_of_transaction(event.header);
        } else if (!in_transaction) {
            end_of_transaction(event.header); // DDL and other standalone statements
        }
        return Result<void>();
    }

    Result<void> table_map(const binlog::Event& event) {
        auto map = binlog::parse_table_map(event, format);
        if (!map) {
            return map.error();
        }
        Mapped& mapped = maps[map->table_id];
        mapped.map = std::move(*map);
        mapped.mapped_for = nullptr;
        return Result<void>();
    }

    Result<void> rows(const binlog::Event& event) {
        auto parsed = binlog::parse_rows(event, format);
        if (!parsed) {
            return parsed.error();
        }
        auto mapped = maps.find(parsed->table_id);
        if (mapped == maps.end()) {
            return Error::make("XX001", "binlog: a row event for table id " +
                                            std::to_string(parsed->table_id) + " without its table map");
        }
        Mapped& m = mapped->second;
        TableKey key{m.map.schema, m.map.table};
        auto followed = this->followed(key);
        if (!followed) {
            return Result<void>(); // a table nobody follows: not even decoded
        }
        if (m.mapped_for != followed) {
            m.to_column = binlog::map_columns(m.map, followed->table);
            m.mapped_for = followed;
        }
        auto images = binlog::decode_rows(*parsed, m.map, &followed->table);
        if (!images) {
            return images.error();
        }
        auto& events = pending[key];
        for (auto& image : *images) {
            ChangeEvent change;
            change.kind = parsed->kind == binlog::RowsKind::Write    ? ChangeKind::Insert
                          : parsed->kind == binlog::RowsKind::Update ? ChangeKind::Update
                                                                     : ChangeKind::Delete;
            if (change.kind != ChangeKind::Delete) {
                change.new_row = binlog::to_table_row(image.after, m.map, m.to_column, followed->table);
            }
            if (change.kind != ChangeKind::Insert) {
                change.old_row = binlog::to_table_row(image.before, m.map, m.to_column, followed->table);
            }
            events.push_back(std::move(change));
        }
        return Result<void>();
    }

    void end_of_transaction(const binlog::EventHeader& header) {
        in_transaction = false;
        if (header.next_position != 0) {
            resume = {file, header.next_position};
        }
    }

    void commit(const binlog::EventHeader& header) {
        end_of_transaction(header);
        std::string position = resume.text();
        int64_t commit_time = (static_cast<int64_t>(header.timestamp) - kUnixToPgEpochSeconds) * 1000000;
        for (auto& [key, events] : pending) {
            auto followed = this->followed(key);
            if (!followed || events.empty()) {
                continue;
            }
            for (auto& event : events) {
                event.position = position;
                event.commit_time_us = commit_time;
            }
            followed->sink->changes(std::move(events));
        }
        pending.clear();
    }
};

MysqlBinlogStream::MysqlBinlogStream(std::string service, federation::ServiceUrl url, uint32_t server_id)
    : state_(std::make_shared<State>(std::move(service), std::move(url), server_id)) {
    thread_ = std::thread([state = state_] { state->run(); });
}

MysqlBinlogStream::~MysqlBinlogStream() {
    {
        std::lock_guard lock(state_->mutex);
        state_->stopping = true;
        state_->interrupt_locked();
    }
    state_->wake.notify_all();
    thread_.join();
}

void MysqlBinlogStream::add_table(const TableInfo& table, std::shared_ptr<CaptureSink> sink) {
    {
        std::lock_guard lock(state_->mutex);
        auto followed = std::make_shared<State::Followed>();
        followed->table = table;
        followed->sink = std::move(sink);
        state_->tables[key_of(table)] = std::move(followed);
        state_->new_tables = true;
    }
    state_->wake.notify_all();
}

void MysqlBinlogStream::remove_table(const TableInfo& table, const std::shared_ptr<CaptureSink>& sink) {
    std::lock_guard lock(state_->mutex);
    auto found = state_->tables.find(key_of(table));
    if (found == state_->tables.end() || found->second->sink != sink) {
        return;
    }
    state_->tables.erase(found);
    if (state_->tables.empty()) {
        state_->restart = true;
        state_->interrupt_locked();
        spdlog::info("realtime: no table of service \"{}\" has subscribers: closing its binlog stream",
                     state_->service);
    }
}

} // namespace nectar::realtime
