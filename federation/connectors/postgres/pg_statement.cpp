// One statement on one pooled PostgreSQL connection (see pg_statement.hpp).
#include "federation/connectors/postgres/pg_statement.hpp"

#include "protocol/backend_messages.hpp"
#include "protocol/frontend_messages.hpp"
#include "protocol/message_reader.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <charconv>
#include <cstdio>
#include <functional>
#include <map>

namespace nectar::federation {

namespace {

/// Named statements Nectar keeps on one connection; past it, bound statements go unnamed.
constexpr size_t kMaxPreparedPerConnection = 256;

/// "nectar_" and 128 bits of two hashes of the text: one name per statement text.
std::string prepared_statement_name(std::string_view sql) {
    uint64_t fnv = 14695981039346656037ull;
    for (unsigned char c : sql) {
        fnv = (fnv ^ c) * 1099511628211ull;
    }
    char name[7 + 32 + 1];
    std::snprintf(name, sizeof name, "nectar_%016llx%016llx",
                  static_cast<unsigned long long>(std::hash<std::string_view>{}(sql)),
                  static_cast<unsigned long long>(fnv));
    return name;
}

namespace be = protocol::be;

/// Marks a pooled connection as brought to the connector's settings. Proxy sessions number
/// themselves from 1, so none is ever "in sync" with this state and each re-syncs after us.
constexpr std::pair<uint64_t, uint64_t> kConnectorState{UINT64_MAX, 1};

/// The settings the text conversions rely on (ISO dates, UTC, exact floats, hex bytea,
/// literal backslashes), keyed as the proxy's session state keys them so that the next proxy
/// session on the connection undoes them.
const std::map<std::string, std::string>& connector_settings() {
    static const std::map<std::string, std::string> settings{
        {"bytea_output", "SET bytea_output = 'hex'"},
        {"client_encoding", "SET client_encoding = 'UTF8'"},
        {"datestyle", "SET DateStyle = 'ISO, MDY'"},
        {"extra_float_digits", "SET extra_float_digits = 3"},
        {"intervalstyle", "SET IntervalStyle = 'postgres'"},
        {"standard_conforming_strings", "SET standard_conforming_strings = on"},
        {"timezone", "SET TimeZone = 'UTC'"},
    };
    return settings;
}

/// Undoes a setting a proxy session left on the connection (back to its startup value).
std::string reset_statement(const std::string& key) {
    if (key == "role") {
        return "RESET ROLE";
    }
    if (key == "session authorization") {
        return "RESET SESSION AUTHORIZATION";
    }
    if (key == "session characteristics") {
        return "RESET default_transaction_isolation; RESET default_transaction_read_only; "
               "RESET default_transaction_deferrable";
    }
    return "RESET " + postgres_dialect().quote_identifier(key);
}

/// SQL that brings a new connection, or one a proxy session used, to the connector's
/// settings; "" when it is already there.
std::string session_sync_sql(const PgConnection& conn) {
    if (conn.synced_state == kConnectorState) {
        return {};
    }
    const auto& wanted = connector_settings();
    std::string sql;
    for (const auto& [key, statement] : conn.applied_settings) {
        if (!wanted.count(key)) {
            sql += reset_statement(key) + ";\n";
        }
    }
    for (const auto& [key, statement] : wanted) {
        auto have = conn.applied_settings.find(key);
        if (have == conn.applied_settings.end() || have->second != statement) {
            sql += statement + ";\n";
        }
    }
    return sql;
}

/// A backend ErrorResponse as the engine reports it. The position points into Nectar's
/// remote SQL, not into the user's statement, so it is dropped.
Error backend_error(std::string_view body) {
    auto parsed = protocol::parse_error_response(body);
    if (!parsed) {
        return parsed.error();
    }
    Error error = std::move(parsed.value());
    error.position = 0;
    return error;
}

bool parse_data_row(std::string_view body, PgFields& fields) {
    protocol::MessageReader reader(body);
    int16_t count = 0;
    if (!reader.int16(count) || count < 0) {
        return false;
    }
    fields.clear();
    for (int16_t i = 0; i < count; ++i) {
        int32_t length = 0;
        if (!reader.int32(length)) {
            return false;
        }
        if (length < 0) {
            fields.emplace_back(std::nullopt);
            continue;
        }
        std::string_view value;
        if (!reader.bytes(static_cast<size_t>(length), value)) {
            return false;
        }
        fields.emplace_back(value);
    }
    return reader.at_end();
}

/// A RowDescription's column names and type OIDs.
bool parse_row_description(std::string_view body, std::vector<std::pair<std::string, uint32_t>>& columns) {
    protocol::MessageReader reader(body);
    int16_t count = 0;
    if (!reader.int16(count) || count < 0) {
        return false;
    }
    columns.clear();
    for (int16_t i = 0; i < count; ++i) {
        std::string_view name;
        uint32_t type_oid = 0;
        // name, table OID (4), column number (2), type OID, type size (2), modifier (4), format (2)
        if (!reader.cstring(name) || !reader.skip(6) || !reader.uint32(type_oid) || !reader.skip(8)) {
            return false;
        }
        columns.emplace_back(std::string(name), type_oid);
    }
    return reader.at_end();
}

/// The row count at the end of a CommandComplete tag ("INSERT 0 5", "UPDATE 3"); 0 if none.
int64_t rows_from_tag(std::string_view tag) {
    size_t space = tag.rfind(' ');
    std::string_view number = space == std::string_view::npos ? tag : tag.substr(space + 1);
    int64_t rows = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), rows);
    return ec == std::errc() && end == number.data() + number.size() ? rows : 0;
}

/// Reads a connection whose statement was abandoned up to its ReadyForQuery (after a
/// CancelRequest when rows were still coming), then gives it back to the pool.
void drain_in_background(PgPool& pool, std::shared_ptr<bool> alive, asio::any_io_executor executor,
                         std::unique_ptr<PgConnection> conn, bool cancel) {
    asio::co_spawn(
        executor,
        [&pool, alive, executor, conn = std::move(conn), cancel]() mutable -> asio::awaitable<void> {
            if (cancel) {
                PgTarget target = conn->target(); // a copy: the pool may go while this runs
                co_await send_cancel_request(executor, target, conn->process_id(), conn->secret_key());
            }
            bool clean = false;
            for (;;) {
                char type = 0;
                std::string_view body;
                auto read = co_await conn->read_message(type, body);
                if (!read) {
                    break;
                }
                bool ready = type == be::kReadyForQuery;
                if (ready) {
                    auto status = protocol::parse_ready_for_query(body);
                    clean = status && status.value() == 'I';
                }
                conn->consume_message(body);
                if (ready) {
                    break;
                }
            }
            if (!*alive) {
                co_return; // the connector (and maybe the pool) is gone: just close it
            }
            if (clean) {
                pool.release(std::move(conn));
            } else {
                pool.discard(std::move(conn));
            }
        },
        asio::detached);
}

} // namespace

Error connection_lost(const PgConnection& conn, const Error& cause) {
    if (cause.sqlstate == "08P01") {
        return cause;
    }
    return Error::make("08006", "lost the connection to server " + conn.target().describe());
}

Result<Row> convert_row(const PgFields& fields, const std::vector<Type>& types) {
    if (fields.size() != types.size()) {
        return Error::make("XX000", "remote query returned " + std::to_string(fields.size()) +
                                        " columns where " + std::to_string(types.size()) + " were expected");
    }
    Row row;
    row.reserve(types.size());
    for (size_t i = 0; i < types.size(); ++i) {
        if (!fields[i]) {
            row.push_back(Value::null(types[i]));
            continue;
        }
        auto value = from_pg_text(types[i], *fields[i]);
        if (!value) {
            return value.error();
        }
        row.push_back(std::move(value.value()));
    }
    return row;
}

asio::awaitable<Result<void>> sync_settings(PgPool& pool, std::unique_ptr<PgConnection>& conn) {
    std::string sync = session_sync_sql(*conn);
    if (sync.empty()) {
        co_return Result<void>();
    }
    auto synced = co_await conn->run_simple_query(sync);
    if (!synced) {
        const Error& cause = synced.error();
        Error error = cause.sqlstate.rfind("08", 0) == 0 ? connection_lost(*conn, cause) : cause;
        pool.discard(std::move(conn)); // some settings may have been applied, some not
        co_return error;
    }
    conn->applied_settings = connector_settings();
    conn->synced_state = kConnectorState;
    co_return Result<void>();
}

PgStatement::~PgStatement() {
    if (!conn_) {
        return;
    }
    if (finished_) {
        pool_.discard(std::move(conn_)); // a pinned connection nobody took back
        return;
    }
    release_held();
    drain_in_background(pool_, alive_, executor_, std::move(conn_), !rows_done_);
}

asio::awaitable<Result<void>> PgStatement::start(std::string_view sql) {
    co_return co_await send(sql, nullptr);
}

asio::awaitable<Result<void>> PgStatement::start_bound(const BoundSql& bound) {
    co_return co_await send(bound.sql, &bound.values);
}

asio::awaitable<Result<void>> PgStatement::send(std::string_view sql,
                                                const std::vector<std::optional<std::string>>* values) {
    if (!pinned_) {
        auto acquired = co_await pool_.acquire();
        if (!acquired) {
            co_return acquired.error();
        }
        conn_ = std::move(acquired.value());
        auto synced = co_await sync_settings(pool_, conn_);
        if (!synced) {
            co_return synced.error();
        }
    } else if (!conn_) {
        co_return Error::make("08003", "the transaction's connection is gone");
    }

    std::string out;
    std::string name;
    bool parse = true;
    if (values != nullptr) {
        // A bound statement's text repeats: prepared once per connection, under a name of its text.
        name = prepared_statement_name(sql);
        parse = !conn_->prepared.count(name);
        if (parse && conn_->prepared.size() >= kMaxPreparedPerConnection) {
            name.clear(); // full: this one goes unnamed, as an inline statement would
        }
        if (parse && !name.empty()) {
            // A statement of that name the bookkeeping forgot (never an error to close).
            protocol::write_close(out, 'S', name);
        }
    }
    if (parse) {
        protocol::write_parse(out, name, sql, {});
        parsing_ = name;
    }
    static const std::vector<std::optional<std::string>> kNoValues;
    protocol::write_text_bind(out, "", name, values ? *values : kNoValues);
    statement_ = name;
    if (describe_) {
        protocol::write_describe(out, 'P', "");
    }
    protocol::write_execute(out, "", 0);
    protocol::write_sync(out);
    if (parse && name.empty()) {
        // Our Parse replaces whatever unnamed statement a proxy session left there.
        conn_->unnamed_owner = {0, 0};
    }
    boost::system::error_code ec;
    co_await conn_->write_all(out, ec);
    if (ec) {
        Error error = Error::make("08006", "could not send to server " + conn_->target().describe() + ": " +
                                               ec.message());
        drop();
        co_return error;
    }

    PgFields unused;
    for (;;) {
        auto step_result = co_await step(unused);
        if (!step_result) {
            co_return step_result.error();
        }
        if (step_result.value() == Step::bound) {
            co_return Result<void>();
        }
        if (step_result.value() == Step::finished) {
            // Only an error ends a statement before its BindComplete.
            co_return error_ ? *error_
                             : Error::make("08P01", "server ended the statement without binding it");
        }
    }
}

asio::awaitable<Result<bool>> PgStatement::next_row(PgFields& fields) {
    for (;;) {
        if (!conn_ || finished_) {
            co_return false; // already finished
        }
        auto step_result = co_await step(fields);
        if (!step_result) {
            co_return step_result.error();
        }
        if (step_result.value() == Step::row) {
            co_return true;
        }
        if (step_result.value() == Step::finished) {
            if (error_) {
                co_return *error_;
            }
            co_return false;
        }
    }
}

asio::awaitable<Result<PgStatement::Step>> PgStatement::step(PgFields& fields) {
    release_held();
    char type = 0;
    std::string_view body;
    auto read = co_await conn_->read_message(type, body);
    if (!read) {
        // A FATAL ErrorResponse (the server shutting down) says more than the closed socket.
        Error error = error_ ? *error_ : connection_lost(*conn_, read.error());
        drop();
        co_return error;
    }
    Step result = Step::other;
    switch (type) {
    case be::kDataRow:
        if (!parse_data_row(body, fields)) {
            drop();
            co_return protocol::malformed("DataRow", "field lengths do not match the message length");
        }
        held_ = body; // the fields point into it until the next step
        co_return Step::row;
    case be::kBindComplete:
        result = Step::bound;
        break;
    case be::kCommandComplete: {
        auto tag = protocol::parse_command_complete(body);
        if (tag) {
            tag_ = std::string(tag.value());
        }
        rows_done_ = true;
        break;
    }
    case be::kErrorResponse:
        if (!error_) {
            error_ = backend_error(body);
        }
        rows_done_ = true;
        if (!statement_.empty()) {
            // Perhaps gone or stale (a changed table): the next use parses it afresh.
            conn_->prepared.erase(statement_);
        }
        break;
    case be::kParameterStatus:
        if (auto status = protocol::parse_parameter_status(body)) {
            conn_->parameters()[std::string(status->name)] = std::string(status->value);
        }
        break;
    case be::kReadyForQuery:
        finish(body);
        co_return Step::finished;
    case be::kRowDescription:
        if (describe_ && !parse_row_description(body, columns_)) {
            drop();
            co_return protocol::malformed("RowDescription", "field descriptions do not match the message length");
        }
        break;
    case be::kParseComplete:
        if (!parsing_.empty()) {
            conn_->prepared.insert(parsing_);
            parsing_.clear();
        }
        break;
    case be::kCloseComplete: // of the Close before a named Parse
    case be::kEmptyQueryResponse:
    case be::kNoData:
    case be::kNoticeResponse:
    case be::kNotificationResponse:
        break;
    default: {
        Error error = Error::make("08P01", std::string("unexpected message type '") + type +
                                               "' from server " + conn_->target().describe());
        drop();
        co_return error;
    }
    }
    conn_->consume_message(body);
    co_return result;
}

void PgStatement::finish(std::string_view ready_body) {
    auto status = protocol::parse_ready_for_query(ready_body);
    conn_->consume_message(ready_body);
    rows_done_ = true;
    if (pinned_) {
        finished_ = true; // the transaction takes its connection back
        return;
    }
    // Anything but idle (a statement that opened a transaction block) is not for the pool.
    if (status && status.value() == 'I') {
        pool_.release(std::move(conn_));
    } else {
        drop();
    }
}

asio::awaitable<Result<CommandResult>> run_command(PgStatement& statement, std::string_view sql,
                                                   const std::vector<Type>& returning_types) {
    auto started = co_await statement.start(sql);
    if (!started) {
        co_return started.error();
    }
    CommandResult result;
    PgFields fields;
    for (;;) {
        auto more = co_await statement.next_row(fields);
        if (!more) {
            co_return more.error();
        }
        if (!more.value()) {
            break;
        }
        if (returning_types.empty()) {
            continue;
        }
        auto row = convert_row(fields, returning_types);
        if (!row) {
            co_return row.error();
        }
        result.returning.push_back(std::move(row.value()));
    }
    result.rows_affected = rows_from_tag(statement.tag());
    co_return result;
}

} // namespace nectar::federation
