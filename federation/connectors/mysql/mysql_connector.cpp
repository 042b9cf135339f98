#include "federation/connectors/mysql/mysql_connector.hpp"

#include "federation/connectors/mysql/mysql_values.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <cctype>

namespace nectar::federation {

namespace {

/// Rows of one mysql_use_result, converted batch by batch. An unfinished stream takes its
/// connection with it: the socket is shut so the rest of the result is never read.
class MysqlRowStream : public RowStream {
  public:
    MysqlRowStream(MysqlPool& pool, std::unique_ptr<MysqlConnection> conn, MYSQL_RES* result,
                   std::vector<Type> types)
        : pool_(&pool)
        , pool_alive_(pool.alive_token())
        , conn_(std::move(conn))
        , result_(result)
        , types_(std::move(types))
        , fields_(mysql_fetch_fields(result)) {}

    ~MysqlRowStream() override {
        if (!conn_) {
            return;
        }
        // Freeing an unbuffered result reads what is left of it: shut the socket first, so
        // that ends at once, then drop the connection (it is mid-result, never reusable).
        conn_->abort_socket();
        mysql_free_result(result_);
        if (*pool_alive_) {
            pool_->discard(std::move(conn_));
        }
    }

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        if (failed_) {
            co_return *failed_;
        }
        if (!conn_) {
            co_return false;
        }
        size_t appended = 0;
        while (appended < Batch::kBatchRows) {
            MYSQL_ROW row = co_await conn_->fetch_row(result_);
            if (row == nullptr) {
                co_return co_await finish(appended > 0);
            }
            unsigned long* lengths = mysql_fetch_lengths(result_);
            Row out;
            out.reserve(types_.size());
            for (size_t i = 0; i < types_.size(); ++i) {
                if (row[i] == nullptr) {
                    out.push_back(Value::null(types_[i]));
                    continue;
                }
                auto value = mysql_value(std::string_view(row[i], lengths[i]), fields_[i], types_[i]);
                if (!value) {
                    failed_ = value.error(); // the destructor drops the connection mid-result
                    co_return value.error();
                }
                out.push_back(std::move(value.value()));
            }
            batch.rows.push_back(std::move(out));
            appended++;
        }
        co_return true;
    }

  private:
    /// The end of the rows: an error the server sent mid-result, or a clean end.
    boost::asio::awaitable<Result<bool>> finish(bool appended) {
        if (mysql_errno(conn_->handle()) != 0) {
            failed_ = mysql_error_of(conn_->handle());
            co_return *failed_;
        }
        co_await conn_->free_result(result_);
        if (*pool_alive_) {
            pool_->release(std::move(conn_));
        }
        conn_.reset();
        co_return appended;
    }

    MysqlPool* pool_;
    std::shared_ptr<bool> pool_alive_;
    std::unique_ptr<MysqlConnection> conn_;
    MYSQL_RES* result_;
    std::vector<Type> types_;
    MYSQL_FIELD* fields_;
    std::optional<Error> failed_;
};

/// The stream of a statement without a result set: no rows.
class EmptyRowStream : public RowStream {
  public:
    boost::asio::awaitable<Result<bool>> next(Batch&) override { co_return false; }
};

/// The first keyword of a statement, upper-cased, after blanks and comments.
std::string first_keyword(std::string_view sql) {
    size_t i = 0;
    for (;;) {
        while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) {
            ++i;
        }
        if (sql.substr(i, 2) == "/*") {
            size_t end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? sql.size() : end + 2;
        } else if (sql.substr(i, 2) == "--" || sql.substr(i, 1) == "#") {
            size_t end = sql.find('\n', i);
            i = end == std::string_view::npos ? sql.size() : end + 1;
        } else {
            break;
        }
    }
    std::string word;
    while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i]))) {
        word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
    }
    return word;
}

const std::string& text_or_empty(const std::optional<std::string>& field) {
    static const std::string empty;
    return field ? *field : empty;
}

/// Every row of a result on a connection that stays with its owner (a transaction), converted
/// to `types`; columns past `types` are dropped. A failure mid-result marks the connection broken.
boost::asio::awaitable<Result<std::vector<Row>>> read_all_rows(MysqlConnection& conn, MYSQL_RES* result,
                                                               const std::vector<Type>& types) {
    MYSQL_FIELD* fields = mysql_fetch_fields(result);
    size_t columns = std::min<size_t>(types.size(), mysql_num_fields(result));
    std::vector<Row> rows;
    std::optional<Error> failed;
    for (;;) {
        MYSQL_ROW row = co_await conn.fetch_row(result);
        if (row == nullptr) {
            break;
        }
        unsigned long* lengths = mysql_fetch_lengths(result);
        Row out;
        for (size_t i = 0; i < columns && !failed; ++i) {
            if (row[i] == nullptr) {
                out.push_back(Value::null(types[i]));
                continue;
            }
            auto value = mysql_value(std::string_view(row[i], lengths[i]), fields[i], types[i]);
            if (!value) {
                failed = value.error(); // keep reading: the result must be consumed
            } else {
                out.push_back(std::move(*value));
            }
        }
        if (!failed) {
            rows.push_back(std::move(out));
        }
    }
    if (mysql_errno(conn.handle()) != 0) {
        failed = mysql_error_of(conn.handle());
        conn.broken = true;
    }
    co_await conn.free_result(result);
    if (failed) {
        co_return *failed;
    }
    co_return rows;
}

/// A transaction on one pinned connection: START TRANSACTION ... COMMIT, or with an xid
/// XA START ... XA END, XA PREPARE, XA COMMIT (XA COMMIT ... ONE PHASE when never prepared).
class MysqlTransaction final : public Transaction {
  public:
    MysqlTransaction(MysqlPool& pool, boost::asio::any_io_executor executor, std::string service,
                     std::unique_ptr<MysqlConnection> conn, std::string xid)
        : pool_(pool)
        , alive_(pool.alive_token())
        , executor_(std::move(executor))
        , service_(std::move(service))
        , conn_(std::move(conn))
        , xid_(std::move(xid)) {}

    ~MysqlTransaction() override {
        if (!conn_) {
            return;
        }
        if (!prepared_) {
            pool_.discard(std::move(conn_)); // closing the connection rolls back
            return;
        }
        // A prepared XA transaction outlives its connection: end it explicitly (commit only
        // once COMMIT was decided).
        std::string sql = (committing_ ? "XA COMMIT " : "XA ROLLBACK ") + quoted_xid();
        boost::asio::co_spawn(
            executor_,
            [&pool = pool_, alive = alive_, conn = std::move(conn_), sql]() mutable -> boost::asio::awaitable<void> {
                auto done = co_await conn->real_query(sql);
                if (*alive) {
                    done && !conn->broken ? pool.release(std::move(conn)) : pool.discard(std::move(conn));
                }
            },
            boost::asio::detached);
    }

    const std::string& service() const override { return service_; }

    boost::asio::awaitable<Result<std::vector<Row>>> query(std::string sql, std::vector<Type> types) override {
        auto result = co_await run(sql, types);
        if (!result) {
            co_return result.error();
        }
        co_return std::move(result->returning);
    }

    boost::asio::awaitable<Result<CommandResult>> execute(std::string sql,
                                                          std::vector<Type> returning_types) override {
        if (!returning_types.empty() && first_keyword(sql) == "UPDATE") {
            co_return Error::make("0A000", "mysql: UPDATE ... RETURNING is not supported by MySQL/MariaDB (service \"" +
                                               service_ + "\")");
        }
        co_return co_await run(sql, returning_types);
    }

    bool can_prepare() const override { return !xid_.empty(); }

    boost::asio::awaitable<Result<void>> prepare() override {
        if (xid_.empty()) {
            co_return Error::make("XX000", "mysql: this transaction was not started for two-phase commit");
        }
        auto ended = co_await control("XA END");
        if (ended) {
            ended = co_await control("XA PREPARE");
        }
        if (!ended) {
            if (conn_) {
                co_await control("XA ROLLBACK"); // best effort: the error below says what failed
            }
            finish();
            co_return ended.error();
        }
        prepared_ = true;
        co_return Result<void>();
    }

    boost::asio::awaitable<Result<void>> commit() override {
        committing_ = true;
        Result<void> done;
        if (xid_.empty()) {
            done = co_await control("COMMIT", false);
        } else if (prepared_) {
            done = co_await control("XA COMMIT");
        } else {
            done = co_await control("XA END");
            if (done) {
                done = co_await control("XA COMMIT", true, " ONE PHASE");
            }
        }
        if (done) {
            prepared_ = false;
            finish();
        }
        co_return done;
    }

    boost::asio::awaitable<Result<void>> rollback() override {
        Result<void> done;
        if (xid_.empty()) {
            done = co_await control("ROLLBACK", false);
        } else {
            if (!prepared_) {
                co_await control("XA END"); // fails if already ended: fine
            }
            done = co_await control("XA ROLLBACK");
        }
        if (done) {
            prepared_ = false;
        }
        finish(); // unprepared work dies with a discarded connection anyway
        co_return done;
    }

  private:
    std::string quoted_xid() const { return "'" + xid_ + "'"; }

    /// One statement on the pinned connection, its result rows read whole.
    boost::asio::awaitable<Result<CommandResult>> run(std::string_view sql, const std::vector<Type>& types) {
        if (!conn_) {
            co_return Error::make("08003", "mysql: the transaction on service \"" + service_ +
                                               "\" has lost its connection");
        }
        auto sent = co_await conn_->real_query(sql);
        if (!sent) {
            lose_if_broken();
            co_return sent.error();
        }
        CommandResult out;
        if (mysql_field_count(conn_->handle()) == 0) {
            out.rows_affected = static_cast<int64_t>(mysql_affected_rows(conn_->handle()));
            co_return out;
        }
        MYSQL_RES* result = mysql_use_result(conn_->handle());
        if (result == nullptr) {
            conn_->broken = true;
            Error e = mysql_error_of(conn_->handle());
            lose_if_broken();
            co_return e;
        }
        auto rows = co_await read_all_rows(*conn_, result, types);
        if (!rows) {
            lose_if_broken();
            co_return rows.error();
        }
        out.returning = std::move(*rows);
        out.rows_affected = static_cast<int64_t>(out.returning.size());
        co_return out;
    }

    /// A statement without rows (XA ..., COMMIT); `verb` is followed by the xid when `with_xid`.
    boost::asio::awaitable<Result<void>> control(const char* verb, bool with_xid = true, const char* after = "") {
        std::string sql = std::string(verb) + (with_xid ? " " + quoted_xid() : std::string()) + after;
        std::vector<Type> no_rows;
        auto done = co_await run(sql, no_rows);
        if (!done) {
            co_return done.error();
        }
        co_return Result<void>();
    }

    void lose_if_broken() {
        if (conn_ && conn_->broken) {
            pool_.discard(std::move(conn_));
        }
    }

    /// The transaction has ended: the connection goes back to the pool (only a clean one).
    void finish() {
        if (!conn_) {
            return;
        }
        !conn_->broken && !prepared_ ? pool_.release(std::move(conn_)) : pool_.discard(std::move(conn_));
    }

    MysqlPool& pool_;
    std::shared_ptr<bool> alive_;
    boost::asio::any_io_executor executor_;
    std::string service_;
    std::unique_ptr<MysqlConnection> conn_; ///< null once ended or lost
    std::string xid_;                       ///< empty: a plain transaction
    bool prepared_ = false;
    bool committing_ = false; ///< commit() was called: a prepared transaction may only commit now
};

} // namespace

MysqlConnector::MysqlConnector(boost::asio::io_context& io, ServiceSpec spec)
    : spec_(std::move(spec))
    , pool_(io.get_executor(), spec_.name, spec_.url, spec_.pool) {
    pool_.start();
}

MysqlConnector::~MysqlConnector() {
    pool_.stop();
}

boost::asio::awaitable<Result<std::unique_ptr<RowStream>>> MysqlConnector::query(std::string sql,
                                                                                 std::vector<Type> types) {
    auto acquired = co_await pool_.acquire();
    if (!acquired) {
        co_return acquired.error();
    }
    std::unique_ptr<MysqlConnection> conn = std::move(acquired.value());
    auto sent = co_await conn->real_query(sql);
    if (!sent) {
        // A server-side error (syntax, missing table) leaves the connection ready for more.
        conn->broken ? pool_.discard(std::move(conn)) : pool_.release(std::move(conn));
        co_return sent.error();
    }
    MYSQL_RES* result = mysql_use_result(conn->handle());
    if (result == nullptr) {
        if (mysql_errno(conn->handle()) != 0) {
            Error e = mysql_error_of(conn->handle());
            pool_.discard(std::move(conn));
            co_return e;
        }
        pool_.release(std::move(conn));
        co_return std::unique_ptr<RowStream>(std::make_unique<EmptyRowStream>());
    }
    if (mysql_num_fields(result) != types.size()) {
        Error e =
            Error::make("XX000", "mysql: the query returned " + std::to_string(mysql_num_fields(result)) +
                                     " columns where " + std::to_string(types.size()) + " were expected");
        MysqlRowStream abandoned(pool_, std::move(conn), result, {}); // drops the connection
        co_return e;
    }
    co_return std::unique_ptr<RowStream>(
        std::make_unique<MysqlRowStream>(pool_, std::move(conn), result, std::move(types)));
}

boost::asio::awaitable<Result<CommandResult>> MysqlConnector::execute(std::string sql,
                                                                      std::vector<Type> returning_types) {
    if (!returning_types.empty() && first_keyword(sql) == "UPDATE") {
        co_return Error::make("0A000",
                              "mysql: UPDATE ... RETURNING is not supported by MySQL/MariaDB (service \"" +
                                  spec_.name + "\")");
    }
    auto acquired = co_await pool_.acquire();
    if (!acquired) {
        co_return acquired.error();
    }
    std::unique_ptr<MysqlConnection> conn = std::move(acquired.value());
    auto sent = co_await conn->real_query(sql);
    if (!sent) {
        conn->broken ? pool_.discard(std::move(conn)) : pool_.release(std::move(conn));
        co_return sent.error();
    }
    CommandResult out;
    if (mysql_field_count(conn->handle()) == 0) {
        out.rows_affected = static_cast<int64_t>(mysql_affected_rows(conn->handle()));
        pool_.release(std::move(conn));
        co_return out;
    }
    // RETURNING rows (MariaDB 10.5+): PostgreSQL counts the rows the statement returned.
    MYSQL_RES* result = mysql_use_result(conn->handle());
    if (result == nullptr) {
        Error e = mysql_error_of(conn->handle());
        pool_.discard(std::move(conn));
        co_return e;
    }
    unsigned int columns = mysql_num_fields(result);
    std::vector<Type> types = returning_types;
    types.resize(columns, Type::Text); // columns nobody asked a type for come back as text
    MysqlRowStream rows(pool_, std::move(conn), result, std::move(types));
    for (;;) {
        Batch batch;
        auto more = co_await rows.next(batch);
        if (!more) {
            co_return more.error();
        }
        for (Row& row : batch.rows) {
            row.resize(returning_types.size());
            out.returning.push_back(std::move(row));
        }
        if (!*more) {
            break;
        }
    }
    out.rows_affected = static_cast<int64_t>(out.returning.size());
    if (returning_types.empty()) {
        out.returning.clear();
    }
    co_return out;
}

boost::asio::awaitable<Result<int64_t>> MysqlConnector::estimate_rows(std::string sql) {
    // MariaDB: {"query_block": {"select_id": 1, "table": {"table_name": "t1", ..., "rows": 1993632, ...
    return rows_from_explain(*this, "EXPLAIN FORMAT=JSON " + sql, "\"rows\": ");
}

boost::asio::awaitable<Result<std::unique_ptr<Transaction>>> MysqlConnector::begin_transaction(bool two_phase) {
    auto executor = co_await boost::asio::this_coro::executor;
    auto acquired = co_await pool_.acquire();
    if (!acquired) {
        co_return acquired.error();
    }
    std::unique_ptr<MysqlConnection> conn = std::move(acquired.value());
    std::string xid = two_phase ? new_transaction_id() : std::string();
    std::string sql = two_phase ? "XA START '" + xid + "'" : std::string("START TRANSACTION");
    auto begun = co_await conn->real_query(sql);
    if (!begun) {
        conn->broken ? pool_.discard(std::move(conn)) : pool_.release(std::move(conn));
        co_return begun.error();
    }
    co_return std::unique_ptr<Transaction>(
        std::make_unique<MysqlTransaction>(pool_, executor, spec_.name, std::move(conn), std::move(xid)));
}

} // namespace nectar::federation
