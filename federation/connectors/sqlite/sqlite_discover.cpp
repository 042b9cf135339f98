// SqliteConnector's discovery: tables and views from sqlite_master, their columns, indexes and
// foreign keys from the table-valued pragmas, and row estimates.
#include "federation/connectors/sqlite/sqlite_discover.hpp"

#include "federation/connectors/sqlite/sqlite_connections.hpp"
#include "federation/connectors/sqlite/sqlite_dialect.hpp"
#include "federation/connectors/sqlite/sqlite_types.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace nectar::federation {

namespace {

/// Tables up to this many rows are counted for their estimate; bigger ones are estimated.
constexpr int64_t kCountedRows = 10'000;

std::string quote_identifier(std::string_view name) {
    return sqlite_dialect().quote_identifier(name);
}

/// Runs a query whose first column of each row `on_row` reads; errors as SQLSTATEs.
template <typename OnRow>
Result<void> for_each_row(sqlite3* db, std::string_view sql, const std::vector<std::string>& params,
                          OnRow on_row) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    StatementPtr stmt(raw);
    if (rc != SQLITE_OK) {
        return sqlite_error(db, rc);
    }
    for (size_t i = 0; i < params.size(); ++i) {
        sqlite3_bind_text(raw, static_cast<int>(i + 1), params[i].data(), static_cast<int>(params[i].size()),
                          SQLITE_TRANSIENT);
    }
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
        on_row(raw);
    }
    if (rc != SQLITE_DONE) {
        return sqlite_error(db, rc);
    }
    return {};
}

std::string text_column(sqlite3_stmt* stmt, int col) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
    return text != nullptr ? std::string(text, sqlite3_column_bytes(stmt, col)) : std::string();
}

std::string upper(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return text;
}

/// Columns of one table or view. A lone INTEGER PRIMARY KEY is the rowid (never NULL); other
/// primary key columns may hold NULL in SQLite unless declared NOT NULL or WITHOUT ROWID.
Result<std::vector<ColumnInfo>> read_columns(sqlite3* db, const std::string& table, bool without_rowid) {
    std::vector<ColumnInfo> columns;
    int key_columns = 0;
    auto r = for_each_row(
        db, "SELECT name, type, \"notnull\", pk, hidden, dflt_value FROM pragma_table_xinfo(?1) ORDER BY cid", {table},
        [&](sqlite3_stmt* row) {
            // hidden = 1: a virtual table's hidden column; 2 and 3 are generated columns.
            if (sqlite3_column_int(row, 4) == 1) {
                return;
            }
            ColumnInfo column;
            column.name = text_column(row, 0);
            column.remote_type = text_column(row, 1);
            column.type = type_from_declared(column.remote_type);
            column.primary_key = sqlite3_column_int(row, 3) > 0;
            column.nullable = sqlite3_column_int(row, 2) == 0;
            if (sqlite3_column_type(row, 5) != SQLITE_NULL) {
                column.default_value = text_column(row, 5);
            }
            key_columns += column.primary_key ? 1 : 0;
            columns.push_back(std::move(column));
        });
    if (!r) {
        return r.error();
    }
    for (ColumnInfo& column : columns) {
        bool rowid = key_columns == 1 && upper(column.remote_type) == "INTEGER";
        if (column.primary_key && (rowid || without_rowid)) {
            column.nullable = false;
        }
        // The rowid alias takes the next rowid when inserted without a value (AUTOINCREMENT or not).
        column.auto_increment = column.primary_key && rowid && !without_rowid;
    }
    return columns;
}

/// sqlite_stat1's row count when ANALYZE ran, else an exact count of a small table, else the
/// largest rowid (cheap, and close unless many rows were deleted); -1 when nothing is cheap.
int64_t estimate_rows(sqlite3* db, const std::string& table, bool has_stat1, bool without_rowid) {
    int64_t estimate = -1;
    auto first_number = [&](sqlite3_stmt* row) {
        if (sqlite3_column_type(row, 0) != SQLITE_NULL) {
            std::string stat = text_column(row, 0);
            int64_t n = 0;
            auto [end, ec] = std::from_chars(stat.data(), stat.data() + stat.size(), n);
            if (ec == std::errc()) {
                estimate = n;
            }
        }
    };
    if (has_stat1) {
        auto r =
            for_each_row(db, "SELECT stat FROM sqlite_stat1 WHERE tbl = ?1 ORDER BY idx IS NOT NULL LIMIT 1",
                         {table}, first_number);
        if (r && estimate >= 0) {
            return estimate;
        }
    }
    std::string quoted = quote_identifier(table);
    auto r = for_each_row(db,
                          "SELECT count(*) FROM (SELECT 1 FROM " + quoted + " LIMIT " +
                              std::to_string(kCountedRows + 1) + ")",
                          {}, first_number);
    if (!r || estimate <= kCountedRows || without_rowid) {
        return r ? estimate : -1;
    }
    estimate = -1;
    r = for_each_row(db, "SELECT max(rowid) FROM " + quoted, {}, first_number);
    return r ? estimate : -1;
}

TableInfo* find_table(std::vector<TableInfo>& tables, const std::string& name) {
    for (TableInfo& t : tables) {
        if (t.name == name) {
            return &t;
        }
    }
    return nullptr;
}

/// Every table's indexes in one query over pragma_index_list/pragma_index_info. The rowid key
/// has no index; another primary key's index has origin 'pk'.
Result<void> add_indexes(sqlite3* db, std::vector<TableInfo>& tables) {
    return for_each_row(
        db,
        "SELECT m.name, il.name, il.\"unique\", il.origin, il.partial, ii.name "
        "FROM sqlite_master m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii "
        "WHERE m.type = 'table' ORDER BY m.name, il.name, ii.seqno",
        {}, [&](sqlite3_stmt* row) {
            TableInfo* table = find_table(tables, text_column(row, 0));
            if (table == nullptr) {
                return; // SQLite's own tables
            }
            std::string name = text_column(row, 1);
            if (table->indexes.empty() || table->indexes.back().name != name) {
                IndexInfo index;
                index.name = std::move(name);
                index.unique = sqlite3_column_int(row, 2) != 0;
                index.primary = text_column(row, 3) == "pk";
                index.partial = sqlite3_column_int(row, 4) != 0;
                table->indexes.push_back(std::move(index));
            }
            table->indexes.back().columns.push_back(text_column(row, 5)); // "" for an expression
        });
}

/// Every table's foreign keys in one query over pragma_foreign_key_list. SQLite keeps no key
/// names: each is named <table>_<columns>_fkey as PostgreSQL would; a key written without its
/// referenced columns references the other table's primary key.
Result<void> add_foreign_keys(sqlite3* db, std::vector<TableInfo>& tables) {
    int64_t last_id = -1;
    auto read = for_each_row(
        db,
        "SELECT m.name, fk.id, fk.\"table\", fk.\"from\", fk.\"to\" "
        "FROM sqlite_master m, pragma_foreign_key_list(m.name) fk "
        "WHERE m.type = 'table' ORDER BY m.name, fk.id, fk.seq",
        {}, [&](sqlite3_stmt* row) {
            TableInfo* table = find_table(tables, text_column(row, 0));
            if (table == nullptr) {
                return;
            }
            int64_t id = sqlite3_column_int64(row, 1);
            if (table->foreign_keys.empty() || id != last_id) {
                ForeignKeyInfo key;
                key.referenced_schema = "main";
                key.referenced_table = text_column(row, 2);
                table->foreign_keys.push_back(std::move(key));
                last_id = id;
            }
            ForeignKeyInfo& key = table->foreign_keys.back();
            key.columns.push_back(text_column(row, 3));
            key.referenced_columns.push_back(text_column(row, 4)); // "" when the key names none
        });
    if (!read) {
        return read.error();
    }
    for (TableInfo& table : tables) {
        for (ForeignKeyInfo& key : table.foreign_keys) {
            key.name = table.name;
            for (const std::string& c : key.columns) {
                key.name += "_" + c;
            }
            key.name += "_fkey";
            const TableInfo* referenced = find_table(tables, key.referenced_table);
            bool implicit = std::all_of(key.referenced_columns.begin(), key.referenced_columns.end(),
                                        [](const std::string& c) { return c.empty(); });
            if (implicit && referenced != nullptr) {
                key.referenced_columns.clear();
                for (const ColumnInfo& c : referenced->columns) {
                    if (c.primary_key) {
                        key.referenced_columns.push_back(c.name);
                    }
                }
            }
        }
    }
    return {};
}

} // namespace

Result<std::vector<TableInfo>> discover_tables(sqlite3* db) {
    struct Entry {
        std::string name;
        bool is_view;
        bool without_rowid;
    };
    std::vector<Entry> entries;
    bool has_stat1 = false;
    auto r = for_each_row(
        db,
        "SELECT name, type, coalesce(sql, '') FROM sqlite_master WHERE type IN ('table', 'view') "
        "ORDER BY name",
        {}, [&](sqlite3_stmt* row) {
            std::string name = text_column(row, 0);
            // sqlite_sequence, sqlite_stat1...: SQLite's own bookkeeping.
            if (name.rfind("sqlite_", 0) == 0) {
                has_stat1 = has_stat1 || name == "sqlite_stat1";
                return;
            }
            bool view = text_column(row, 1) == "view";
            bool without_rowid = upper(text_column(row, 2)).find("WITHOUT ROWID") != std::string::npos;
            entries.push_back({std::move(name), view, without_rowid});
        });
    if (!r) {
        return r.error();
    }
    std::vector<TableInfo> tables;
    for (const Entry& entry : entries) {
        auto columns = read_columns(db, entry.name, entry.without_rowid);
        if (!columns) {
            return columns.error();
        }
        TableInfo table;
        table.schema = "main";
        table.name = entry.name;
        table.columns = std::move(*columns);
        table.is_view = entry.is_view;
        // Counting a view runs its query: no estimate for views.
        table.row_estimate =
            entry.is_view ? -1 : estimate_rows(db, entry.name, has_stat1, entry.without_rowid);
        tables.push_back(std::move(table));
    }
    auto indexed = add_indexes(db, tables);
    if (!indexed) {
        return indexed.error();
    }
    auto keyed = add_foreign_keys(db, tables);
    if (!keyed) {
        return keyed.error();
    }
    for (TableInfo& table : tables) {
        mark_unique_columns(table);
    }
    return tables;
}


} // namespace nectar::federation
