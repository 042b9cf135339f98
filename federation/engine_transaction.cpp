// A transaction block that writes: BEGIN ... COMMIT/ROLLBACK across services, one pinned
// backend transaction per service written, queries inside the block run on those, and commit
// refused rather than half done (SPEC §4 "Writes").
#include "federation/engine_write.hpp"

#include "federation/engine.hpp"
#include "federation/sql/parse_tree.hpp"

#include <algorithm>

namespace nectar::federation {

namespace {

/// Rows already read whole.
class RowsStream final : public RowStream {
  public:
    explicit RowsStream(std::vector<Row> rows)
        : rows_(std::move(rows)) {}
    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        size_t end = std::min(rows_.size(), next_ + Batch::kBatchRows);
        for (; next_ < end; ++next_) {
            batch.rows.push_back(std::move(rows_[next_]));
        }
        co_return next_ < rows_.size();
    }

  private:
    std::vector<Row> rows_;
    size_t next_ = 0;
};

/// A service's connector as seen inside a transaction block that writes to it: queries run on
/// the block's pinned transaction (read whole, so one query never holds the connection).
class PinnedConnector final : public Connector {
  public:
    PinnedConnector(Connector& base, Transaction& txn)
        : base_(base)
        , txn_(txn) {}
    const std::string& service() const override { return base_.service(); }
    const Dialect& dialect() const override { return base_.dialect(); }
    boost::asio::awaitable<Result<std::vector<TableInfo>>> discover() override { return base_.discover(); }
    boost::asio::awaitable<Result<std::unique_ptr<RowStream>>> query(std::string sql, std::vector<Type> types) override {
        auto rows = co_await txn_.query(std::move(sql), std::move(types));
        if (!rows) {
            co_return rows.error();
        }
        co_return std::unique_ptr<RowStream>(std::make_unique<RowsStream>(std::move(*rows)));
    }
    boost::asio::awaitable<Result<CommandResult>> execute(std::string sql, std::vector<Type> types) override {
        return txn_.execute(std::move(sql), std::move(types));
    }
    boost::asio::awaitable<Result<int64_t>> estimate_rows(std::string sql) override {
        return base_.estimate_rows(std::move(sql)); // EXPLAIN reads nothing the block wrote
    }

  private:
    Connector& base_;
    Transaction& txn_;
};

bool ends_block(std::string_view transaction_kind) {
    return transaction_kind == "TRANS_STMT_COMMIT" || transaction_kind == "TRANS_STMT_ROLLBACK";
}

} // namespace

Connector* SessionTransaction::connector_for(std::string_view service, Connector* base) {
    if (base == nullptr) {
        return nullptr;
    }
    if (auto it = pinned_.find(service); it != pinned_.end()) {
        return it->second.get();
    }
    for (auto& txn : services_) {
        if (txn->service() == service) {
            auto [it, added] = pinned_.emplace(std::string(service), std::make_unique<PinnedConnector>(*base, *txn));
            return it->second.get();
        }
    }
    return base;
}

Result<void> WriteRunner::check_block(std::string_view kind, const simdjson::dom::element& fields,
                                      const SessionTransaction& transaction) {
    if (transaction.state_ != SessionTransaction::State::failed) {
        return Result<void>();
    }
    if (kind == "TransactionStmt" && ends_block(string_field(fields, "kind"))) {
        return Result<void>();
    }
    return Error::make("25P02", "current transaction is aborted, commands ignored until end of transaction block");
}

boost::asio::awaitable<Result<void>> WriteRunner::run_transaction_statement(const simdjson::dom::element& fields,
                                                                            ResultSink& sink) {
    std::string_view kind = string_field(fields, "kind");
    using State = SessionTransaction::State;
    if (kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START") {
        if (transaction_.state_ == State::idle) {
            transaction_.state_ = State::open;
        }
        sink.command_complete("BEGIN");
        co_return Result<void>();
    }
    if (kind == "TRANS_STMT_ROLLBACK" || (kind == "TRANS_STMT_COMMIT" && transaction_.state_ == State::failed)) {
        co_await rollback_all();
        transaction_.state_ = State::idle;
        transaction_.end_ = SessionTransaction::End::rollback;
        sink.command_complete("ROLLBACK"); // COMMIT of a failed block rolls back, as in PostgreSQL
        co_return Result<void>();
    }
    if (kind == "TRANS_STMT_COMMIT") {
        auto committed = co_await commit_all();
        transaction_.state_ = State::idle;
        transaction_.end_ = committed ? SessionTransaction::End::commit : SessionTransaction::End::rollback;
        notify_block_written(); // even after a failed commit: some services may have committed
        if (!committed) {
            co_return committed.error();
        }
        sink.command_complete("COMMIT");
        co_return Result<void>();
    }
    co_return Error::make("0A000", "this transaction statement (" + std::string(kind) +
                                       ") is not supported by Nectar's federated engine yet");
}

void WriteRunner::notify_block_written() {
    for (const auto& [service, table] : transaction_.written_) {
        engine_.notify_written(service, table);
    }
    transaction_.written_.clear();
}

boost::asio::awaitable<void> WriteRunner::rollback_all() {
    transaction_.pinned_.clear();
    transaction_.written_.clear();
    auto services = std::move(transaction_.services_);
    transaction_.services_.clear();
    for (auto& txn : services) {
        co_await txn->rollback(); // a failure leaves the handle to roll back as it goes
    }
}

boost::asio::awaitable<Result<void>> WriteRunner::commit_all() {
    transaction_.pinned_.clear();
    auto services = std::move(transaction_.services_);
    transaction_.services_.clear();
    if (services.size() == 1) {
        co_return co_await services[0]->commit();
    }
    // Two-phase commit: nothing commits until every service has prepared.
    for (size_t i = 0; i < services.size(); ++i) {
        auto prepared = co_await services[i]->prepare();
        if (prepared) {
            continue;
        }
        std::string names;
        for (size_t j = 0; j < services.size(); ++j) {
            names += (j ? ", " : "") + services[j]->service();
            if (j != i) {
                co_await services[j]->rollback();
            }
        }
        Error e = prepared.error();
        e.message = "COMMIT failed: could not prepare the transaction on service \"" + services[i]->service() +
                    "\": " + e.message;
        e.detail = "The transaction was rolled back on every service it wrote to (" + names + ").";
        co_return e;
    }
    std::optional<Error> failed;
    for (auto& txn : services) {
        auto committed = co_await txn->commit();
        if (!committed && !failed) {
            failed = committed.error();
            failed->message = "COMMIT PREPARED failed on service \"" + txn->service() + "\": " + failed->message;
            failed->detail = "Every service had prepared the transaction, so it commits everywhere: the services "
                             "that committed keep it, and this one holds it prepared (an id starting with "
                             "nectar_) until it is committed there.";
        }
    }
    if (failed) {
        co_return *failed;
    }
    co_return Result<void>();
}

boost::asio::awaitable<Result<Transaction*>> WriteRunner::transaction_for(const std::string& service,
                                                                         std::unique_ptr<Transaction>& owned) {
    Connector* connector = engine_.connector(service);
    if (connector == nullptr) {
        co_return Error::make("42P01", "service \"" + service + "\" is not available on this worker");
    }
    if (transaction_.outer_block_) {
        co_return Error::make("0A000", "cannot write to service \"" + service + "\" inside a transaction block of "
                                       "the session's own PostgreSQL service: the two could not commit together");
    }
    if (transaction_.state_ == SessionTransaction::State::idle) {
        auto begun = co_await connector->begin_transaction(false);
        if (!begun) {
            co_return begun.error();
        }
        owned = std::move(*begun);
        co_return owned.get();
    }
    for (auto& txn : transaction_.services_) {
        if (txn->service() == service) {
            co_return txn.get();
        }
    }
    auto begun = co_await connector->begin_transaction(true);
    if (!begun) {
        co_return begun.error();
    }
    std::unique_ptr<Transaction> txn = std::move(*begun);
    for (auto& other : transaction_.services_) {
        if (!txn->can_prepare() || !other->can_prepare()) {
            const std::string& single = txn->can_prepare() ? other->service() : service;
            std::string message = "a transaction cannot write to both service \"" + other->service() +
                                  "\" and service \"" + service + "\": service \"" + single +
                                  "\" has no two-phase commit, so they could not commit together";
            co_await txn->rollback();
            co_return Error::make("0A000", message);
        }
    }
    transaction_.services_.push_back(std::move(txn));
    co_return transaction_.services_.back().get();
}

} // namespace nectar::federation
