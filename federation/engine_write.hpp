#pragma once
// Writes through the federation engine: INSERT / UPDATE / DELETE on any service, and the
// session's transaction block (BEGIN ... COMMIT / ROLLBACK) with one pinned backend
// transaction per service written; two services commit with two-phase commit.

#include "federation/connectors/transaction.hpp"
#include "protocol/error.hpp"

#include <utility>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace simdjson::dom {
class element;
}

namespace nectar::federation {

class Engine;
class ResultSink;
struct BoundWrite;

/// What a write built by another face (REST) checks before it writes: called with the rows its
/// WHERE selects (every column, table order), read and locked in the write's own transaction; an
/// error stops the write (nothing is written) and is what the write returns.
using WritePrecondition = std::function<Result<void>(const std::vector<Row>& current)>;

/// One pg-wire session's transaction block as the engine runs it; the session owns it.
class SessionTransaction {
  public:
    SessionTransaction() = default;
    SessionTransaction(const SessionTransaction&) = delete;
    SessionTransaction& operator=(const SessionTransaction&) = delete;
    /// Backend transactions still open are rolled back (in the background) with their handles.
    ~SessionTransaction() = default;

    /// ReadyForQuery's status: 'I' idle, 'T' in a block, 'E' in a failed block.
    char status() const { return state_ == State::idle ? 'I' : state_ == State::open ? 'T' : 'E'; }
    /// An error inside a block: from now on only ROLLBACK (or COMMIT, which rolls back) runs.
    void mark_failed() {
        if (state_ == State::open) {
            state_ = State::failed;
        }
    }
    /// The connector reads of `service` go through: inside a block that has written to it, one
    /// that queries on the block's pinned transaction (so reads see the block's writes), else `base`.
    Connector* connector_for(std::string_view service, Connector* base);
    /// Whether the session's own PostgreSQL connection is inside a transaction block the engine
    /// does not run: writes through the engine are refused then (they could not commit with it).
    void set_outer_block(bool open) { outer_block_ = open; }
    /// How the last block ended, reported once: for effects that wait for it (LISTEN in a block).
    enum class End { none, commit, rollback };
    End take_end() { return std::exchange(end_, End::none); }

  private:
    friend class WriteRunner;
    enum class State { idle, open, failed };
    State state_ = State::idle;
    bool outer_block_ = false;
    End end_ = End::none;
    std::vector<std::unique_ptr<Transaction>> services_; ///< written in this block, first write first
    std::map<std::string, std::unique_ptr<Connector>, std::less<>> pinned_; ///< connector_for's, per service
    std::vector<std::pair<std::string, std::string>> written_; ///< (service, table) the block wrote, told at COMMIT
};

/// Runs the write and transaction statements of Engine::run_statement for one session.
class WriteRunner {
  public:
    WriteRunner(Engine& engine, SessionTransaction& transaction)
        : engine_(engine)
        , transaction_(transaction) {}

    /// 25P02 for any statement but COMMIT/ROLLBACK inside a failed block, as PostgreSQL does.
    static Result<void> check_block(std::string_view kind, const simdjson::dom::element& fields,
                                    const SessionTransaction& transaction);

    /// An InsertStmt, UpdateStmt or DeleteStmt (`kind`, its fields).
    boost::asio::awaitable<Result<void>> run_write(std::string_view kind, const simdjson::dom::element& fields,
                                                   std::string_view whole_sql, const std::string& default_service,
                                                   ResultSink& sink);
    /// A write already bound (Engine::write) in an autocommit transaction of its own; the
    /// precondition, when given, sees the target rows locked, so no other writer can change them
    /// between the check and the write.
    boost::asio::awaitable<Result<CommandResult>> run_bound(const BoundWrite& w, const WritePrecondition& precondition);
    /// BEGIN / START TRANSACTION / COMMIT / ROLLBACK.
    boost::asio::awaitable<Result<void>> run_transaction_statement(const simdjson::dom::element& fields,
                                                                   ResultSink& sink);

  private:
    /// The transaction a write to `service` runs in: the block's (opened on first write) or a new
    /// autocommit one (`owned` then holds it).
    boost::asio::awaitable<Result<Transaction*>> transaction_for(const std::string& service,
                                                                std::unique_ptr<Transaction>& owned);
    boost::asio::awaitable<Result<CommandResult>> execute(const BoundWrite& w, Transaction& txn);
    /// The precondition on the locked target rows, then the write.
    boost::asio::awaitable<Result<CommandResult>> checked_execute(const BoundWrite& w, Transaction& txn,
                                                                  const WritePrecondition& precondition);
    boost::asio::awaitable<Result<CommandResult>> run_insert(const BoundWrite& w, Transaction& txn);
    boost::asio::awaitable<Result<CommandResult>> run_update_delete(const BoundWrite& w, Transaction& txn);
    /// UPDATE/DELETE with expressions the service cannot compute: Nectar computes them over the
    /// target rows and writes row by row by primary key.
    boost::asio::awaitable<Result<CommandResult>> compute_locally(const BoundWrite& w, Transaction& txn);
    boost::asio::awaitable<Result<CommandResult>> emulate_update_returning(const BoundWrite& w, Transaction& txn,
                                                                           const std::string& set_sql,
                                                                           const std::string& where_sql);
    /// COMMIT of the block: one service commits; two or more prepare all, then commit all.
    boost::asio::awaitable<Result<void>> commit_all();
    boost::asio::awaitable<void> rollback_all();
    /// Tells the engine's write listener about every table the block wrote, and forgets them.
    void notify_block_written();

    Engine& engine_;
    SessionTransaction& transaction_;
};

} // namespace nectar::federation
