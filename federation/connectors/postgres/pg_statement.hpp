#pragma once
// One statement on one pooled PostgreSQL connection, for PgConnector and its transactions: sent
// with the extended protocol (prepared once per connection when bound) and read a message at a
// time.

#include "federation/connectors/postgres/pg_pool.hpp"
#include "federation/connectors/connector.hpp"

#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::federation {

/// One DataRow's fields as text (nullopt for NULL), pointing into the connection's buffer.
using PgFields = std::vector<std::optional<std::string_view>>;

/// The error the engine reports when `conn` failed with `cause` (08006 unless a protocol error).
Error connection_lost(const PgConnection& conn, const Error& cause);
/// One row's text values converted to the engine types the caller asked for.
Result<Row> convert_row(const PgFields& fields, const std::vector<Type>& types);
/// Brings a connection to the connector's settings (outside any transaction block); on failure
/// the connection is discarded.
asio::awaitable<Result<void>> sync_settings(PgPool& pool, std::unique_ptr<PgConnection>& conn);

/// One statement on one leased connection: sent with the extended protocol (one Parse, Bind,
/// Execute, Sync), then its results read one message at a time as the caller asks.
class PgStatement {
  public:
    PgStatement(PgPool& pool, std::shared_ptr<bool> alive, asio::any_io_executor executor)
        : pool_(pool)
        , alive_(std::move(alive))
        , executor_(std::move(executor)) {}
    /// A statement on a transaction's connection: it stays with the statement when it ends,
    /// for take_connection() (a statement dropped before its end drains and pools it instead).
    PgStatement(PgPool& pool, std::shared_ptr<bool> alive, asio::any_io_executor executor,
                std::unique_ptr<PgConnection> pinned)
        : pool_(pool)
        , alive_(std::move(alive))
        , executor_(std::move(executor))
        , conn_(std::move(pinned))
        , pinned_(true) {}
    PgStatement(const PgStatement&) = delete;
    PgStatement& operator=(const PgStatement&) = delete;

    /// Before its end, cancels the statement if rows are still coming and drains the connection
    /// in the background.
    ~PgStatement();

    /// The pinned connection once the statement has ended (null if it was lost).
    std::unique_ptr<PgConnection> take_connection() { return finished_ ? std::move(conn_) : nullptr; }

    /// Takes a connection, brings it to the connector's settings, sends `sql` and reads up to
    /// its BindComplete, so that parse and bind errors come back from here.
    asio::awaitable<Result<void>> start(std::string_view sql);
    /// start() for a statement with placeholders: prepared under a name of its text the first
    /// time on a connection (Close, Parse), then only bound and executed there.
    asio::awaitable<Result<void>> start_bound(const BoundSql& bound);
    /// The next row's fields (valid until the next call); false once the statement is done.
    asio::awaitable<Result<bool>> next_row(PgFields& fields);
    /// The CommandComplete tag, once next_row() has returned false.
    const std::string& tag() const { return tag_; }
    /// Asks (before start()) for the result's RowDescription: columns() then holds it once the
    /// first next_row() has returned (a routine call's columns are not known beforehand).
    void describe_columns() { describe_ = true; }
    /// The result's columns (name, type OID); empty for a statement without rows.
    const std::vector<std::pair<std::string, uint32_t>>& columns() const { return columns_; }

  private:
    enum class Step { other, bound, row, finished };

    asio::awaitable<Result<void>> send(std::string_view sql, const std::vector<std::optional<std::string>>* values);

    /// Reads and handles one message.
    asio::awaitable<Result<Step>> step(PgFields& fields);
    /// The ReadyForQuery that ends the statement: the connection goes back to the pool when idle.
    void finish(std::string_view ready_body);
    /// Closes a connection in an unknown state.
    void drop() {
        if (conn_) {
            pool_.discard(std::move(conn_));
        }
    }
    /// Lets go of the DataRow the last fields pointed into.
    void release_held() {
        if (held_) {
            conn_->consume_message(*held_);
            held_.reset();
        }
    }

    PgPool& pool_;
    std::shared_ptr<bool> alive_;
    asio::any_io_executor executor_;
    std::unique_ptr<PgConnection> conn_;
    std::optional<std::string_view> held_;
    bool rows_done_ = false; ///< CommandComplete or ErrorResponse seen: nothing left to cancel
    std::optional<Error> error_;
    std::string tag_;
    bool pinned_ = false;
    bool finished_ = false; ///< ReadyForQuery seen on a pinned connection
    bool describe_ = false;
    std::string statement_; ///< the named statement bound, if any
    std::string parsing_;   ///< the named statement being parsed, until its ParseComplete
    std::vector<std::pair<std::string, uint32_t>> columns_;
};

/// Runs an INSERT/UPDATE/DELETE (or any statement) to its end: the row count and RETURNING rows.
asio::awaitable<Result<CommandResult>> run_command(PgStatement& statement, std::string_view sql,
                                                   const std::vector<Type>& returning_types);

} // namespace nectar::federation
