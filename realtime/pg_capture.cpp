#include "realtime/pg_capture.hpp"

#include "realtime/pgoutput.hpp"
#include "realtime/pq_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <map>
#include <openssl/sha.h>
#include <set>
#include <spdlog/spdlog.h>

namespace nectar::realtime {

namespace asio = boost::asio;
using federation::Row;
using federation::TableInfo;
using federation::Value;
using Clock = std::chrono::steady_clock;
using TableKey = std::pair<std::string, std::string>; ///< schema, table

namespace {

constexpr auto kStatusInterval = std::chrono::seconds(1);
constexpr auto kMinBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(10);

TableKey key_of(const TableInfo& table) { return {table.schema, table.name}; }

/// How a pgoutput relation's columns land in the followed table's columns.
struct RelationMap {
    TableKey table;
    std::vector<int> to_column; ///< relation column → table column, -1 when the table has none of that name
};

} // namespace

std::string replication_slot_name(const std::string& data_dir, const std::string& service) {
    auto dir = std::filesystem::absolute(data_dir).lexically_normal();
    if (!dir.has_filename() && dir.has_parent_path()) {
        dir = dir.parent_path(); // "/var/lib/nectar/" is "/var/lib/nectar"
    }
    std::string where = dir.string() + '\0' + service;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(where.data()), where.size(), digest);
    std::string name = "nectar_";
    for (char c : service.substr(0, 32)) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        name += plain ? c : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : '_';
    }
    name += '_';
    static const char* hex = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        name += hex[digest[i] >> 4];
        name += hex[digest[i] & 15];
    }
    return name;
}

struct PgReplicationStream::State : std::enable_shared_from_this<State> {
    struct Followed {
        TableInfo table;
        std::shared_ptr<CaptureSink> sink;
    };

    asio::any_io_executor executor;
    std::string service;
    federation::PgTarget target;
    std::string slot;
    // Everything below is touched on the executor only.
    std::map<TableKey, Followed> tables;
    std::set<TableKey> published; ///< tables the publication held when the current stream started
    bool running = false;
    bool restart = false;
    bool stopped = false;
    PqConnection* connection = nullptr; ///< the live one, to interrupt
    uint64_t confirmed_lsn = 0;         ///< end of the last commit handed to the hub
    /// The stream stopped for lack of subscribers: its next start skips what was committed
    /// meanwhile (nobody asked for it) instead of replaying it to new subscribers.
    bool skip_backlog = false;
    std::map<uint32_t, RelationMap> relations;
    std::map<TableKey, std::vector<ChangeEvent>> pending; ///< the open transaction's changes
    int64_t commit_time_us = 0;
    asio::steady_timer backoff_timer;

    State(asio::any_io_executor e, std::string s, federation::PgTarget t, std::string sl)
        : executor(e)
        , service(std::move(s))
        , target(std::move(t))
        , slot(std::move(sl))
        , backoff_timer(e) {}

    void add(const TableInfo& table, std::shared_ptr<CaptureSink> sink) {
        tables[key_of(table)] = Followed{table, std::move(sink)};
        if (!running) {
            running = true;
            asio::co_spawn(executor, [self = shared_from_this()] { return self->run(); }, asio::detached);
        } else if (!published.count(key_of(table))) {
            // The publication must gain the table: reconnect now (resuming where the stream was).
            wake(true);
        }
    }

    void remove(const TableInfo& table) {
        tables.erase(key_of(table));
        if (tables.empty()) {
            wake(false);
        }
    }

    void wake(bool restart_stream) {
        restart = restart || restart_stream;
        if (connection != nullptr) {
            connection->interrupt();
        }
        backoff_timer.cancel();
    }

    void fail_all(const Error& error) {
        for (auto& [key, followed] : tables) {
            followed.sink->failed(error);
        }
    }

    asio::awaitable<void> run() {
        auto self = shared_from_this(); // the loop keeps the state alive
        auto backoff = std::chrono::milliseconds(kMinBackoff);
        while (!tables.empty() && !stopped) {
            restart = false;
            bool streamed = false;
            auto outcome = co_await stream_once(streamed);
            if (tables.empty() || stopped) {
                break;
            }
            if (restart) {
                continue;
            }
            if (streamed) {
                backoff = kMinBackoff;
            }
            Error error = outcome ? Error::make("08006", "the replication stream ended") : outcome.error();
            spdlog::warn("realtime: capture of service \"{}\" interrupted: {}; retrying in {} ms", service,
                         error.message, backoff.count());
            fail_all(error);
            backoff_timer.expires_after(backoff);
            boost::system::error_code ec;
            co_await backoff_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
        }
        running = false;
        skip_backlog = true;
        spdlog::info("realtime: stopped streaming service \"{}\": no table has subscribers", service);
    }

    PqConnection::Params connection_params() const {
        PqConnection::Params params = {{"host", target.host},
                                       {"port", std::to_string(target.port)},
                                       {"user", target.user},
                                       {"password", target.password},
                                       {"dbname", target.database},
                                       {"replication", "database"},
                                       {"sslmode", target.sslmode},
                                       {"application_name", "nectar realtime"}};
        if (!target.sslrootcert.empty()) {
            params.emplace_back("sslrootcert", target.sslrootcert);
        }
        return params;
    }

    /// One connection: checks, publication, slot, then streams until an error or a wake-up.
    asio::awaitable<Result<void>> stream_once(bool& streamed) {
        auto opened = co_await PqConnection::connect(executor, connection_params(), std::chrono::seconds(10));
        if (!opened) {
            co_return opened.error();
        }
        std::unique_ptr<PqConnection> conn = std::move(*opened);
        connection = conn.get();
        auto prepared = co_await prepare(*conn);
        Result<void> outcome = prepared;
        if (prepared && !restart && !tables.empty()) {
            streamed = true;
            outcome = co_await stream(*conn);
        }
        connection = nullptr;
        co_return outcome;
    }

    asio::awaitable<Result<void>> prepare(PqConnection& conn) {
        auto level = co_await conn.query("SHOW wal_level");
        if (!level) {
            co_return level.error();
        }
        std::string wal_level = level->empty() || !(*level)[0][0] ? "" : *(*level)[0][0];
        if (wal_level != "logical") {
            co_return Error::make("55000", "realtime capture of service \"" + service +
                                               "\" needs wal_level=logical on its PostgreSQL server (it is \"" +
                                               wal_level + "\"): set wal_level = logical and restart the server, "
                                               "or subscribe with \"mode\":\"poll\"");
        }
        auto published_now = co_await ensure_publication(conn);
        if (!published_now) {
            co_return published_now.error();
        }
        auto slot_ready = co_await ensure_slot(conn);
        if (!slot_ready) {
            co_return slot_ready.error();
        }
        if (skip_backlog) {
            // The insert position, not the write one: a commit already acknowledged with
            // synchronous_commit=off may not be written yet, and must still count as before.
            auto now = co_await conn.query("SELECT pg_catalog.pg_current_wal_insert_lsn()");
            if (!now) {
                co_return now.error();
            }
            auto lsn = now->empty() || !(*now)[0][0] ? std::nullopt : parse_lsn(*(*now)[0][0]);
            if (lsn && *lsn > confirmed_lsn) {
                confirmed_lsn = *lsn;
            }
            skip_backlog = false;
        }
        co_return Result<void>();
    }

    asio::awaitable<Result<void>> ensure_publication(PqConnection& conn) {
        std::string name = conn.quote_identifier(slot);
        auto found = co_await conn.query("SELECT puballtables FROM pg_catalog.pg_publication WHERE pubname = " +
                                         conn.quote_literal(slot));
        if (!found) {
            co_return found.error();
        }
        std::set<TableKey> wanted;
        for (const auto& [key, followed] : tables) {
            wanted.insert(key);
        }
        auto qualified = [&conn](const TableKey& key) {
            return conn.quote_identifier(key.first) + "." + conn.quote_identifier(key.second);
        };
        if (found->empty()) {
            std::string list;
            for (const TableKey& key : wanted) {
                list += (list.empty() ? "" : ", ") + qualified(key);
            }
            auto created = co_await conn.query("CREATE PUBLICATION " + name + " FOR TABLE " + list);
            if (!created) {
                co_return publication_error(created.error());
            }
        } else if ((*found)[0][0] != std::optional<std::string>("t")) {
            auto members = co_await conn.query(
                "SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables WHERE pubname = " +
                conn.quote_literal(slot));
            if (!members) {
                co_return members.error();
            }
            std::set<TableKey> have;
            for (const auto& row : *members) {
                have.insert({row[0].value_or(""), row[1].value_or("")});
            }
            for (const TableKey& key : wanted) {
                if (have.count(key)) {
                    continue;
                }
                auto added = co_await conn.query("ALTER PUBLICATION " + name + " ADD TABLE " + qualified(key));
                if (!added) {
                    co_return publication_error(added.error());
                }
            }
        }
        published = wanted;
        co_return Result<void>();
    }

    Error publication_error(Error error) const {
        error.message = "realtime capture of service \"" + service + "\" cannot publish its tables (publication \"" +
                        slot + "\"): " + error.message;
        return error;
    }

    asio::awaitable<Result<void>> ensure_slot(PqConnection& conn) {
        auto found = co_await conn.query("SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = " +
                                         conn.quote_literal(slot));
        if (!found) {
            co_return found.error();
        }
        if (!found->empty()) {
            co_return Result<void>();
        }
        auto created = co_await conn.query("CREATE_REPLICATION_SLOT " + conn.quote_identifier(slot) +
                                           " LOGICAL pgoutput NOEXPORT_SNAPSHOT");
        if (!created && created.error().sqlstate != "42710") { // 42710: made meanwhile
            Error error = created.error();
            error.message = "realtime capture of service \"" + service + "\" cannot create replication slot \"" +
                            slot + "\": " + error.message;
            co_return error;
        }
        spdlog::info("realtime: created replication slot \"{}\" for service \"{}\"", slot, service);
        co_return Result<void>();
    }

    asio::awaitable<Result<void>> stream(PqConnection& conn) {
        relations.clear();
        pending.clear();
        auto started = co_await conn.start_copy_both("START_REPLICATION SLOT " + conn.quote_identifier(slot) +
                                                     " LOGICAL " + format_lsn(confirmed_lsn) +
                                                     " (proto_version '1', publication_names " +
                                                     conn.quote_literal(conn.quote_identifier(slot)) + ")");
        if (!started) {
            co_return started.error();
        }
        spdlog::info("realtime: streaming service \"{}\" from slot \"{}\" after {}", service, slot,
                     format_lsn(confirmed_lsn));
        // The slot exists and the publication holds these tables: their changes from now on arrive.
        for (const TableKey& key : published) {
            if (auto followed = tables.find(key); followed != tables.end()) {
                followed->second.sink->live();
            }
        }
        auto last_status = Clock::now();
        for (;;) {
            auto message = co_await conn.read_copy(last_status + kStatusInterval);
            if (!message) {
                co_return message.error();
            }
            if (restart || tables.empty() || stopped) {
                co_return Result<void>();
            }
            bool reply = !*message;
            if (*message) {
                auto handled = handle_copy_data(**message, reply);
                if (!handled) {
                    co_return handled.error();
                }
            }
            if (reply || Clock::now() - last_status >= kStatusInterval) {
                auto sent = co_await conn.write_copy(standby_status_update(confirmed_lsn, now_pg_epoch_us()));
                if (!sent) {
                    co_return sent.error();
                }
                last_status = Clock::now();
            }
        }
    }

    Result<void> handle_copy_data(const std::string& data, bool& reply) {
        auto frame = parse_replication_frame(data);
        if (!frame) {
            return frame.error();
        }
        if (frame->kind == ReplicationFrame::Kind::Keepalive) {
            reply = frame->reply_requested;
            return Result<void>();
        }
        auto message = parse_pgoutput(frame->message);
        if (!message) {
            return message.error();
        }
        handle_message(*message);
        return Result<void>();
    }

    void handle_message(const PgOutputMessage& m) {
        using Kind = PgOutputMessage::Kind;
        switch (m.kind) {
        case Kind::Relation:
            relations[m.relation_id] = relation_map(m);
            break;
        case Kind::Begin:
            pending.clear();
            commit_time_us = m.commit_time_us;
            break;
        case Kind::Insert:
        case Kind::Update:
        case Kind::Delete:
            row_change(m);
            break;
        case Kind::Commit:
            commit(m.final_lsn);
            break;
        case Kind::Truncate: // not a row event in SPEC §6
        case Kind::Ignored:
            break;
        }
    }

    RelationMap relation_map(const PgOutputMessage& m) const {
        RelationMap map;
        map.table = {m.schema, m.table};
        auto followed = tables.find(map.table);
        for (const PgColumnDesc& column : m.columns) {
            int index = -1;
            if (followed != tables.end()) {
                const auto& columns = followed->second.table.columns;
                for (size_t i = 0; i < columns.size(); i++) {
                    if (columns[i].name == column.name) {
                        index = static_cast<int>(i);
                    }
                }
            }
            map.to_column.push_back(index);
        }
        return map;
    }

    static Row to_row(const std::vector<PgTupleValue>& tuple, const RelationMap& map, const TableInfo& table) {
        Row row;
        for (const auto& column : table.columns) {
            row.push_back(Value::null(column.type));
        }
        for (size_t i = 0; i < tuple.size() && i < map.to_column.size(); i++) {
            int at = map.to_column[i];
            if (at < 0 || tuple[i].kind != PgTupleValue::Kind::Text) {
                continue; // NULL, or a TOASTed value the server did not resend: NULL
            }
            auto& column = table.columns[static_cast<size_t>(at)];
            auto value = federation::from_pg_text(column.type, tuple[i].text);
            row[static_cast<size_t>(at)] = value ? std::move(*value) : Value::text(tuple[i].text);
        }
        return row;
    }

    void row_change(const PgOutputMessage& m) {
        auto relation = relations.find(m.relation_id);
        if (relation == relations.end()) {
            return;
        }
        auto followed = tables.find(relation->second.table);
        if (followed == tables.end()) {
            return;
        }
        const TableInfo& table = followed->second.table;
        ChangeEvent event;
        event.kind = m.kind == PgOutputMessage::Kind::Insert   ? ChangeKind::Insert
                     : m.kind == PgOutputMessage::Kind::Update ? ChangeKind::Update
                                                               : ChangeKind::Delete;
        if (event.kind != ChangeKind::Delete) {
            event.new_row = to_row(m.new_tuple, relation->second, table);
        }
        if (!m.old_tuple.empty()) {
            event.old_row = to_row(m.old_tuple, relation->second, table);
        } else if (event.kind == ChangeKind::Update) {
            // No old tuple: the key did not change, so the old key is the new row's.
            event.old_row = event.new_row;
            for (size_t i = 0; i < table.columns.size(); i++) {
                if (!table.columns[i].primary_key) {
                    event.old_row[i] = Value::null(table.columns[i].type);
                }
            }
        }
        event.commit_time_us = commit_time_us;
        pending[relation->second.table].push_back(std::move(event));
    }

    void commit(uint64_t end_lsn) {
        // After a reconnect the server may resend a transaction already handed over.
        if (end_lsn <= confirmed_lsn) {
            pending.clear();
            return;
        }
        std::string position = format_lsn(end_lsn);
        for (auto& [key, events] : pending) {
            auto followed = tables.find(key);
            if (followed == tables.end()) {
                continue;
            }
            for (auto& event : events) {
                event.position = position;
            }
            followed->second.sink->changes(std::move(events));
        }
        pending.clear();
        confirmed_lsn = end_lsn;
    }
};

PgReplicationStream::PgReplicationStream(asio::any_io_executor executor, std::string service,
                                         federation::PgTarget target, std::string slot)
    : state_(std::make_shared<State>(executor, std::move(service), std::move(target), std::move(slot))) {}

PgReplicationStream::~PgReplicationStream() {
    asio::post(state_->executor, [state = state_] {
        state->stopped = true;
        state->wake(false);
    });
}

void PgReplicationStream::add_table(const TableInfo& table, std::shared_ptr<CaptureSink> sink) {
    asio::post(state_->executor, [state = state_, table, sink = std::move(sink)]() mutable {
        state->add(table, std::move(sink));
    });
}

void PgReplicationStream::remove_table(const TableInfo& table) {
    asio::post(state_->executor, [state = state_, table] { state->remove(table); });
}

} // namespace nectar::realtime
