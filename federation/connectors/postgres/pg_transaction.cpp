// Transaction blocks on one pooled PostgreSQL connection (see pg_transaction.hpp).
#include "federation/connectors/postgres/pg_transaction.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace nectar::federation {

namespace {

/// A transaction block on one pinned connection: BEGIN ... COMMIT, or PREPARE TRANSACTION
/// then COMMIT PREPARED for two-phase commit.
class PgTransaction final : public Transaction {
  public:
    PgTransaction(PgPool& pool, std::shared_ptr<bool> alive, asio::any_io_executor executor, std::string service,
                  std::unique_ptr<PgConnection> conn)
        : pool_(pool)
        , alive_(std::move(alive))
        , executor_(std::move(executor))
        , service_(std::move(service))
        , conn_(std::move(conn)) {}

    ~PgTransaction() override {
        if (!conn_) {
            return;
        }
        // Still open: roll back in the background (a prepared transaction would outlive the
        // connection), then pool the connection. Once COMMIT was decided, only commit.
        std::string sql = !prepared_   ? "ROLLBACK"
                          : committing_ ? "COMMIT PREPARED '" + gid_ + "'"
                                        : "ROLLBACK PREPARED '" + gid_ + "'";
        asio::co_spawn(
            executor_,
            [&pool = pool_, alive = alive_, conn = std::move(conn_), sql]() mutable -> asio::awaitable<void> {
                auto done = co_await conn->run_simple_query(sql);
                if (*alive) {
                    done ? pool.release(std::move(conn)) : pool.discard(std::move(conn));
                }
            },
            asio::detached);
    }

    const std::string& service() const override { return service_; }

    asio::awaitable<Result<std::vector<Row>>> query(std::string sql, std::vector<Type> types) override {
        auto result = co_await run_pinned(sql, types);
        if (!result) {
            co_return result.error();
        }
        co_return std::move(result->returning);
    }

    asio::awaitable<Result<CommandResult>> execute(std::string sql, std::vector<Type> returning_types) override {
        co_return co_await run_pinned(sql, returning_types);
    }

    bool can_prepare() const override { return true; }

    asio::awaitable<Result<void>> prepare() override {
        gid_ = new_transaction_id();
        std::string sql = "PREPARE TRANSACTION '" + gid_ + "'";
        auto done = co_await control(sql);
        if (!done) {
            Error e = done.error();
            // PostgreSQL rolls the transaction back when PREPARE TRANSACTION fails.
            finish(e.sqlstate.rfind("08", 0) != 0);
            if (e.sqlstate == "55000") {
                e.message = "service \"" + service_ + "\" cannot take part in a two-phase commit: " + e.message;
                e.hint = "Set max_prepared_transactions to a value above zero on that PostgreSQL server.";
            }
            co_return e;
        }
        prepared_ = true;
        co_return Result<void>();
    }

    asio::awaitable<Result<void>> commit() override {
        committing_ = true;
        std::string sql = prepared_ ? "COMMIT PREPARED '" + gid_ + "'" : std::string("COMMIT");
        auto done = co_await control(sql);
        if (!done) {
            co_return done.error(); // a prepared transaction stays for the destructor to roll back
        }
        finish(true);
        co_return Result<void>();
    }

    asio::awaitable<Result<void>> rollback() override {
        std::string sql = prepared_ ? "ROLLBACK PREPARED '" + gid_ + "'" : std::string("ROLLBACK");
        auto done = co_await control(sql);
        if (!done) {
            co_return done.error();
        }
        finish(true);
        co_return Result<void>();
    }

  private:
    asio::awaitable<Result<CommandResult>> run_pinned(std::string_view sql, const std::vector<Type>& types) {
        if (!conn_) {
            co_return Error::make("08003", "the transaction on service \"" + service_ + "\" has lost its connection");
        }
        PgStatement statement(pool_, alive_, executor_, std::move(conn_));
        auto result = co_await run_command(statement, sql, types);
        conn_ = statement.take_connection();
        co_return result;
    }

    /// BEGIN, COMMIT and the like on the pinned connection; a lost connection is dropped.
    asio::awaitable<Result<void>> control(const std::string& sql) {
        if (!conn_) {
            co_return Error::make("08003", "the transaction on service \"" + service_ + "\" has lost its connection");
        }
        auto done = co_await conn_->run_simple_query(sql);
        if (!done && done.error().sqlstate.rfind("08", 0) == 0) {
            Error e = connection_lost(*conn_, done.error());
            pool_.discard(std::move(conn_));
            co_return e;
        }
        co_return done;
    }

    /// The transaction has ended: its connection goes back to the pool (or is closed).
    void finish(bool reusable) {
        if (conn_) {
            reusable ? pool_.release(std::move(conn_)) : pool_.discard(std::move(conn_));
        }
        prepared_ = false;
    }

    PgPool& pool_;
    std::shared_ptr<bool> alive_;
    asio::any_io_executor executor_;
    std::string service_;
    std::unique_ptr<PgConnection> conn_; ///< null once committed, rolled back or lost
    std::string gid_;
    bool prepared_ = false;
    bool committing_ = false; ///< commit() was called: a prepared transaction may only commit now
};

} // namespace

std::unique_ptr<Transaction> make_pg_transaction(PgPool& pool, std::shared_ptr<bool> alive,
                                                 asio::any_io_executor executor, std::string service,
                                                 std::unique_ptr<PgConnection> conn) {
    return std::make_unique<PgTransaction>(pool, std::move(alive), std::move(executor), std::move(service),
                                           std::move(conn));
}

} // namespace nectar::federation
