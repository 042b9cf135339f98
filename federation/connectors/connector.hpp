#pragma once
// What every backend connector gives the federation engine: discovery, a dialect to render
// pushed-down fragments in, and streams of rows for the SQL it is sent.

#include "federation/connectors/dialect.hpp"
#include "federation/connectors/pool_config.hpp"
#include "federation/connectors/service_url.hpp"
#include "federation/types/value.hpp"
#include "protocol/error.hpp"

#include <utility>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nectar::federation {

class Transaction;

/// A registered service as the connectors receive it.
struct ServiceSpec {
    std::string name;
    ServiceUrl url;
    PoolConfig pool;
    std::string data_dir; ///< Nectar's data dir (the SQLite demo lives there)
};

struct ColumnInfo {
    std::string name;
    Type type = Type::Text;
    std::string remote_type; ///< the backend's own type name ("tinyint(1)", "INTEGER")
    bool nullable = true;
    bool primary_key = false;
    bool auto_increment = false; ///< serial/identity, AUTO_INCREMENT, SQLite's INTEGER PRIMARY KEY
    bool unique = false;         ///< alone in a unique index or constraint (a one-column primary key too)
    std::optional<std::string> default_value; ///< the backend's default expression text; none: no default
};

struct IndexInfo {
    std::string name;
    std::vector<std::string> columns; ///< in index order; "" for an expression
    bool unique = false;
    bool primary = false; ///< the primary key's index
    bool partial = false; ///< has a WHERE: its uniqueness holds only for some rows
};

struct ForeignKeyInfo {
    std::string name;
    std::vector<std::string> columns; ///< of the referencing table, paired with referenced_columns
    std::string referenced_schema;
    std::string referenced_table;
    std::vector<std::string> referenced_columns;
};

struct TableInfo {
    std::string schema; ///< the backend's schema (PostgreSQL schema, MySQL database, SQLite "main")
    std::string name;
    std::vector<ColumnInfo> columns;
    bool is_view = false;
    int64_t row_estimate = -1; ///< -1 when unknown; the planner uses it to pick semi-join reduction
    std::vector<IndexInfo> indexes;
    std::vector<ForeignKeyInfo> foreign_keys;
};

/// Marks columns alone in a whole-column, non-partial unique index as unique.
void mark_unique_columns(TableInfo& table);

struct RoutineArgument {
    std::string name; ///< "" when unnamed
    std::string type; ///< the backend's type name
    std::string mode; ///< IN, OUT, INOUT (VARIADIC in PostgreSQL)
};

/// A stored procedure or function of a service.
struct RoutineInfo {
    std::string schema;
    std::string name;
    bool procedure = false; ///< false: a function
    std::vector<RoutineArgument> arguments;
    std::string return_type; ///< "" for procedures
};

/// One result set of a routine call: its column names and rows (values typed from the
/// backend's own description of the columns).
struct RoutineResultSet {
    std::vector<std::string> columns;
    std::vector<Type> types;
    std::vector<Row> rows;
};

/// What a routine call produced: its result sets in order (a function: one; a MariaDB procedure:
/// one per SELECT it ran) and its OUT/INOUT arguments' final values.
struct RoutineResult {
    std::vector<RoutineResultSet> sets;
    std::vector<std::string> out_names;
    Row out_values;
};

/// Rows of one remote query, a batch at a time, converted to the types the caller asked for.
class RowStream {
  public:
    virtual ~RowStream() = default;
    /// Appends up to Batch::kBatchRows rows to `batch.rows`; false once the result is exhausted.
    virtual boost::asio::awaitable<Result<bool>> next(Batch& batch) = 0;
};

/// The outcome of a write.
struct CommandResult {
    int64_t rows_affected = 0;
    std::vector<Row> returning; ///< rows of RETURNING when the SQL asked for them
};

/// A SELECT whose values travel apart from its text, as $1, $2... (each in the backend's text
/// form, or NULL): the text repeats across values, so the backend can keep it prepared.
struct BoundSql {
    std::string sql;
    std::vector<std::optional<std::string>> values;
};

/// One service's connector on one worker thread. Calls come from that worker's coroutines;
/// a connector whose driver blocks runs it elsewhere and resumes the caller on its worker.
class Connector {
  public:
    virtual ~Connector() = default;

    virtual const std::string& service() const = 0;
    virtual const Dialect& dialect() const = 0;

    /// Every table and view the service exposes, with columns mapped to engine types.
    virtual boost::asio::awaitable<Result<std::vector<TableInfo>>> discover() = 0;

    /// The service's procedures and functions (apart from discover(), which stays fast);
    /// none by default (SQLite has none).
    virtual boost::asio::awaitable<Result<std::vector<RoutineInfo>>> discover_routines();

    /// Calls `routine` (as discover_routines() listed it) with `arguments`: one value per IN and
    /// INOUT argument, in declared order, each sent as dialect().literal() cast to the declared
    /// type, never as text spliced in. Errors raised by the routine keep their SQLSTATE and
    /// message. 0A000 by default (a backend without routines).
    virtual boost::asio::awaitable<Result<RoutineResult>> call_routine(const RoutineInfo& routine,
                                                                       std::vector<Value> arguments);

    /// Runs one SELECT written in dialect(); each row is converted to `types` (one per column,
    /// in order). Errors keep the backend's message; SQLSTATE 08xxx when the backend is unreachable.
    virtual boost::asio::awaitable<Result<std::unique_ptr<RowStream>>> query(std::string sql,
                                                                              std::vector<Type> types) = 0;

    /// query() for a statement rendered with placeholders (dialect().binds_parameters()); the
    /// connector may keep it prepared. By default, and when `bound.sql` is empty, it runs
    /// `inline_sql`: the same statement with its values spelled out.
    virtual boost::asio::awaitable<Result<std::unique_ptr<RowStream>>> query_bound(const BoundSql& bound,
                                                                                    std::string inline_sql,
                                                                                    std::vector<Type> types);

    /// Runs one INSERT/UPDATE/DELETE written in dialect(); with `returning_types`, the
    /// statement's result rows (RETURNING) converted to those types.
    virtual boost::asio::awaitable<Result<CommandResult>> execute(std::string sql,
                                                                   std::vector<Type> returning_types) = 0;

    /// The backend's own estimate of the rows `sql` (a SELECT in dialect()) returns, from its
    /// EXPLAIN; -1 when it gives none. The planner asks only when its guesses cannot decide.
    virtual boost::asio::awaitable<Result<int64_t>> estimate_rows(std::string sql);

    /// Opens a transaction on a connection of its own (transaction.hpp). `two_phase`: the caller
    /// may need prepare() later (MariaDB then starts an XA transaction). 0A000 by default.
    virtual boost::asio::awaitable<Result<std::unique_ptr<Transaction>>> begin_transaction(bool two_phase);
};

/// Runs `explain_sql` through `connector` and reads the number after the first `marker` in its
/// first row ("rows=" in PostgreSQL's EXPLAIN, "\"rows\": " in MariaDB's JSON); -1 if none.
boost::asio::awaitable<Result<int64_t>> rows_from_explain(Connector& connector, std::string explain_sql,
                                                          std::string_view marker);

} // namespace nectar::federation

// Transaction and the default begin_transaction() (after Connector, which it needs).
#include "federation/connectors/transaction.hpp"
