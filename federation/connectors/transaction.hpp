#pragma once
// A transaction on one service, pinned to one backend connection from begin to commit or
// rollback. Writes through the engine run inside one (autocommit statements in their own);
// a session transaction that writes to two services commits them with two-phase commit.

#include "federation/connectors/connector.hpp"

#include <utility>
#include <boost/asio/awaitable.hpp>

#include <random>
#include <string>
#include <vector>

namespace nectar::federation {

class Transaction {
  public:
    /// A transaction still open is rolled back (in the background; a prepared one too).
    virtual ~Transaction() = default;

    virtual const std::string& service() const = 0;

    /// A SELECT inside the transaction; all its rows (for small reads: keys, RETURNING emulation).
    virtual boost::asio::awaitable<Result<std::vector<Row>>> query(std::string sql, std::vector<Type> types) = 0;
    /// An INSERT/UPDATE/DELETE inside the transaction, as Connector::execute.
    virtual boost::asio::awaitable<Result<CommandResult>> execute(std::string sql,
                                                                   std::vector<Type> returning_types) = 0;

    /// Whether prepare() exists (PostgreSQL, MariaDB XA); SQLite has no two-phase commit.
    virtual bool can_prepare() const = 0;
    /// Phase one of two-phase commit: after it the transaction survives a crash and only
    /// commit() or rollback() end it. On failure the transaction is rolled back.
    virtual boost::asio::awaitable<Result<void>> prepare() = 0;
    /// Commits (the prepared transaction after prepare()). The connection goes back to its pool.
    virtual boost::asio::awaitable<Result<void>> commit() = 0;
    /// Rolls back (also after prepare()). The connection goes back to its pool, or is closed.
    virtual boost::asio::awaitable<Result<void>> rollback() = 0;
};

/// A fresh global transaction id: "nectar_" and 32 hex digits.
inline std::string new_transaction_id() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    static const char* digits = "0123456789abcdef";
    std::string id = "nectar_";
    for (int part = 0; part < 2; ++part) {
        uint64_t bits = generator();
        for (int i = 0; i < 16; ++i) {
            id += digits[(bits >> (i * 4)) & 0xF];
        }
    }
    return id;
}

inline boost::asio::awaitable<Result<std::unique_ptr<Transaction>>> Connector::begin_transaction(bool) {
    co_return Error::make("0A000", "service \"" + service() + "\" does not support writes through Nectar");
}

} // namespace nectar::federation
