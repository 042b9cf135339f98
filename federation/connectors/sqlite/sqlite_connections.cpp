#include "federation/connectors/sqlite/sqlite_connections.hpp"

#include <sqlite3.h>

namespace nectar::federation {

namespace {

/// Idle connections kept per file: opening one costs a file open and a few pragmas.
constexpr size_t kMaxIdle = 4;

bool mentions(std::string_view message, std::string_view words) {
    return message.find(words) != std::string_view::npos;
}

std::string sqlstate_for(int extended, std::string_view message) {
    switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID:
        return "23505";
    case SQLITE_CONSTRAINT_NOTNULL:
        return "23502";
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return "23503";
    case SQLITE_CONSTRAINT_CHECK:
        return "23514";
    default:
        break;
    }
    switch (extended & 0xFF) {
    case SQLITE_CONSTRAINT:
        return "23000";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return "55P03"; // lock_not_available: another writer held the file past busy_timeout
    case SQLITE_CANTOPEN:
        return "08001";
    case SQLITE_READONLY:
        return "25006";
    case SQLITE_FULL:
        return "53100";
    case SQLITE_NOMEM:
        return "53200";
    case SQLITE_TOOBIG:
        return "54000";
    case SQLITE_INTERRUPT:
        return "57014";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return "XX001";
    case SQLITE_IOERR:
        return "58030";
    case SQLITE_MISMATCH:
        return "42804";
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return "42501";
    default:
        break;
    }
    // SQLITE_ERROR covers every SQL mistake; its message says which.
    if (mentions(message, "no such table") || mentions(message, "no such view")) {
        return "42P01";
    }
    if (mentions(message, "no such column")) {
        return "42703";
    }
    if (mentions(message, "no such function") || mentions(message, "wrong number of arguments")) {
        return "42883";
    }
    if (mentions(message, "syntax error") || mentions(message, "incomplete input") ||
        mentions(message, "unrecognized token")) {
        return "42601";
    }
    if (mentions(message, "already exists")) {
        return "42P07";
    }
    if (mentions(message, "integer overflow")) {
        return "22003";
    }
    return "42000";
}

/// Runs a pragma (or any statement) whose result rows do not matter.
int run_simple(sqlite3* db, const char* sql) {
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
}

} // namespace

void ConnectionCloser::operator()(sqlite3* db) const {
    sqlite3_close_v2(db);
}
void StatementFinalizer::operator()(sqlite3_stmt* stmt) const {
    sqlite3_finalize(stmt);
}

Error sqlite_error(sqlite3* db, int rc) {
    int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    return Error::make(sqlstate_for(extended, message), message);
}

Result<ConnectionPtr> SqliteConnections::open() const {
    sqlite3* raw = nullptr;
    // No SQLITE_OPEN_CREATE: a mistyped path must fail, not become an empty database.
    int flags = options_.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    int rc = sqlite3_open_v2(options_.path.c_str(), &raw, flags, nullptr);
    ConnectionPtr db(raw);
    if (rc != SQLITE_OK) {
        Error e = Error::make("08001", "could not open SQLite database \"" + options_.path + "\": " +
                                           (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
        return e;
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), options_.busy_timeout_ms);
    // Readers never block the writer nor each other (persistent in the file once set).
    if (!options_.read_only) {
        run_simple(db.get(), "PRAGMA journal_mode = WAL");
    }
    // PostgreSQL enforces foreign keys; SQLite does only when asked, per connection.
    // SqliteDialect renders PostgreSQL's LIKE as SQLite's LIKE, which then is case-sensitive.
    rc = run_simple(db.get(), "PRAGMA foreign_keys = ON; PRAGMA case_sensitive_like = ON");
    if (rc != SQLITE_OK) {
        Error e = sqlite_error(db.get(), rc);
        e.sqlstate = "08001";
        e.message = "could not set up SQLite database \"" + options_.path + "\": " + e.message;
        return e;
    }
    // Reading the schema proves the file is a database (open alone does not read it).
    rc = run_simple(db.get(), "SELECT count(*) FROM sqlite_master");
    if (rc != SQLITE_OK) {
        Error e = sqlite_error(db.get(), rc);
        e.message = "could not read SQLite database \"" + options_.path + "\": " + e.message;
        return e;
    }
    return db;
}

Result<ConnectionPtr> SqliteConnections::acquire() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            ConnectionPtr conn = std::move(idle_.back());
            idle_.pop_back();
            return conn;
        }
        if (open_ >= options_.max_connections) {
            Error e = Error::make("53300", "too many SQLite connections open for \"" + options_.path + "\"");
            e.detail = "maxConnections is " + std::to_string(options_.max_connections) +
                       "; each open result set holds one.";
            return e;
        }
        ++open_; // counted before opening so that concurrent openers respect the limit
    }
    auto conn = open();
    if (!conn) {
        std::lock_guard lock(mutex_);
        --open_;
    }
    return conn;
}

void SqliteConnections::release(ConnectionPtr conn) {
    // A connection left inside a transaction (an explicit BEGIN) must not serve the next caller.
    bool healthy = sqlite3_get_autocommit(conn.get()) != 0;
    std::lock_guard lock(mutex_);
    if (healthy && idle_.size() < kMaxIdle) {
        idle_.push_back(std::move(conn));
        return;
    }
    --open_;
    conn.reset();
}

Result<OpenStatement> prepare_statement(const std::shared_ptr<SqliteConnections>& connections,
                                        std::string_view sql) {
    auto conn = connections->acquire();
    if (!conn) {
        return conn.error();
    }
    Lease lease(connections, std::move(*conn));
    auto stmt = prepare_on(lease.get(), sql);
    if (!stmt) {
        return stmt.error();
    }
    return OpenStatement{std::move(lease), std::move(*stmt)};
}

Result<StatementPtr> prepare_on(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, &tail);
    StatementPtr stmt(raw);
    if (rc != SQLITE_OK) {
        return sqlite_error(db, rc);
    }
    if (!stmt) {
        return Error::make("42601", "empty statement sent to SQLite");
    }
    // What follows the statement may only be blanks, semicolons and comments: SQLite prepares
    // those to no statement at all.
    const char* end = sql.data() + sql.size();
    while (tail != nullptr && tail < end) {
        sqlite3_stmt* next = nullptr;
        rc = sqlite3_prepare_v2(db, tail, static_cast<int>(end - tail), &next, &tail);
        StatementPtr extra(next);
        if (rc != SQLITE_OK || extra) {
            return Error::make("42601", "cannot insert multiple commands into a prepared statement");
        }
    }
    return stmt;
}

} // namespace nectar::federation
