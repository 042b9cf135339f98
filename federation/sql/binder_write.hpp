#pragma once
// Binding INSERT, UPDATE and DELETE: the target table of one service, the rows or assignments
// coerced to its column types (so errors match PostgreSQL's), and RETURNING over its columns.

#include "federation/sql/binder.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nectar::federation {

/// A write statement against one table; every expression reads the table's columns by index.
struct BoundWrite {
    enum class Kind { Insert, Update, Delete };
    Kind kind = Kind::Insert;
    std::string service;
    std::string schema;
    std::string table;
    std::vector<ColumnInfo> columns; ///< the target table's, in table order

    // INSERT
    std::vector<int> insert_columns; ///< indexes into `columns`, in the source's column order
    PlanPtr source;                  ///< rows to insert, typed as insert_columns; null: DEFAULT VALUES
    bool on_conflict_do_nothing = false;
    /// Upsert (REST ?upsert=true): ON CONFLICT (these columns) DO UPDATE every other inserted
    /// column (MariaDB: ON DUPLICATE KEY UPDATE, which fires on any unique key); empty: plain INSERT.
    std::vector<int> upsert_keys;

    // UPDATE
    std::vector<std::pair<int, ExprPtr>> assignments; ///< column index → new value
    ExprPtr where;                                    ///< UPDATE/DELETE; null: every row

    std::vector<ExprPtr> returning; ///< empty: no RETURNING clause
    std::vector<OutputColumn> returning_columns;

    bool has_returning() const { return !returning.empty(); }
};

/// Binds an InsertStmt, UpdateStmt or DeleteStmt (`kind`, its fields) with `binder`.
Result<BoundWrite> bind_write(Binder& binder, const Catalog& catalog, std::string_view kind, JsonNode fields,
                              const std::string& default_service);

} // namespace nectar::federation
