// MysqlConnector's discovery: tables, columns, indexes and foreign keys of the URL's database
// from information_schema (one query per kind, never one per table), and its routines.
#include "federation/connectors/mysql/mysql_connector.hpp"

#include "federation/connectors/mysql/mysql_values.hpp"

#include <map>
#include <set>

namespace nectar::federation {

namespace {

const std::string& text_or_empty(const std::optional<std::string>& field) {
    static const std::string empty;
    return field ? *field : empty;
}

/// `name` from MariaDB's JSON check clause "json_valid(`name`)"; empty for other checks.
std::string json_checked_column(const std::string& clause) {
    const std::string prefix = "json_valid(`";
    if (clause.rfind(prefix, 0) != 0 || clause.size() < prefix.size() + 2 ||
        clause.substr(clause.size() - 2) != "`)") {
        return {};
    }
    std::string name;
    std::string quoted = clause.substr(prefix.size(), clause.size() - prefix.size() - 2);
    for (size_t i = 0; i < quoted.size(); ++i) {
        name += quoted[i];
        if (quoted[i] == '`') {
            ++i; // `` stands for one backtick
        }
    }
    return name;
}

using TableKey = std::pair<std::string, std::string>; ///< table, column

/// A column of information_schema.COLUMNS' row (TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE,
/// IS_NULLABLE, COLUMN_DEFAULT, EXTRA).
ColumnInfo column_from(const MysqlConnection::TextRow& row, const std::set<TableKey>& primary, const std::set<TableKey>& json) {
    ColumnInfo column;
    column.name = text_or_empty(row[1]);
    TableKey key{text_or_empty(row[0]), column.name};
    column.remote_type = text_or_empty(row[3]);
    column.type = mysql_column_type(text_or_empty(row[2]), column.remote_type, json.count(key) > 0);
    column.nullable = text_or_empty(row[4]) == "YES";
    column.primary_key = primary.count(key) > 0;
    // MariaDB writes "NULL" for a nullable column without a default: the same as none.
    if (row[5] && *row[5] != "NULL") {
        column.default_value = *row[5];
    }
    column.auto_increment = text_or_empty(row[6]).find("auto_increment") != std::string::npos;
    return column;
}

/// STATISTICS rows (TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME), in index order.
void add_indexes(const std::vector<MysqlConnection::TextRow>& rows, std::vector<TableInfo>& tables,
                 const std::map<std::string, size_t>& index) {
    for (const auto& row : rows) {
        auto it = index.find(text_or_empty(row[0]));
        if (it == index.end()) {
            continue;
        }
        std::vector<IndexInfo>& indexes = tables[it->second].indexes;
        if (indexes.empty() || indexes.back().name != text_or_empty(row[1])) {
            IndexInfo info;
            info.name = text_or_empty(row[1]);
            info.unique = text_or_empty(row[2]) == "0";
            info.primary = info.name == "PRIMARY";
            indexes.push_back(std::move(info));
        }
        indexes.back().columns.push_back(text_or_empty(row[3]));
    }
}

/// KEY_COLUMN_USAGE rows (TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA,
/// REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME), in key order.
void add_foreign_keys(const std::vector<MysqlConnection::TextRow>& rows, std::vector<TableInfo>& tables,
                      const std::map<std::string, size_t>& index) {
    for (const auto& row : rows) {
        auto it = index.find(text_or_empty(row[0]));
        if (it == index.end()) {
            continue;
        }
        std::vector<ForeignKeyInfo>& keys = tables[it->second].foreign_keys;
        if (keys.empty() || keys.back().name != text_or_empty(row[1])) {
            ForeignKeyInfo key;
            key.name = text_or_empty(row[1]);
            key.referenced_schema = text_or_empty(row[3]);
            key.referenced_table = text_or_empty(row[4]);
            keys.push_back(std::move(key));
        }
        keys.back().columns.push_back(text_or_empty(row[2]));
        keys.back().referenced_columns.push_back(text_or_empty(row[5]));
    }
}

} // namespace

boost::asio::awaitable<Result<std::vector<TableInfo>>> MysqlConnector::discover() {
    auto acquired = co_await pool_.acquire();
    if (!acquired) {
        co_return acquired.error();
    }
    std::unique_ptr<MysqlConnection> conn = std::move(acquired.value());
    auto tables = co_await conn->query_all(
        "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, TABLE_ROWS FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME");
    auto columns = co_await conn->query_all(
        "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA "
        "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
        "ORDER BY TABLE_NAME, ORDINAL_POSITION");
    auto keys =
        co_await conn->query_all("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
                                 "WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'PRIMARY'");
    auto indexes = co_await conn->query_all(
        "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS "
        "WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX");
    auto foreign = co_await conn->query_all(
        "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, "
        "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
        "WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL "
        "ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION");
    // MariaDB's JSON is a longtext with a json_valid() check; MySQL 8 has no TABLE_NAME here
    // (and a real json type), so a failure of this query only means "no such checks".
    auto checks =
        co_await conn->query_all("SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                                 "WHERE CONSTRAINT_SCHEMA = DATABASE()");
    conn->broken ? pool_.discard(std::move(conn)) : pool_.release(std::move(conn));
    for (const auto* step : {&tables, &columns, &keys, &indexes, &foreign}) {
        if (!*step) {
            co_return step->error();
        }
    }

    std::set<TableKey> primary, json;
    for (const auto& row : *keys) {
        primary.emplace(text_or_empty(row[0]), text_or_empty(row[1]));
    }
    if (checks) {
        for (const auto& row : *checks) {
            std::string column = json_checked_column(text_or_empty(row[1]));
            if (!column.empty()) {
                json.emplace(text_or_empty(row[0]), column);
            }
        }
    }
    std::vector<TableInfo> out;
    std::map<std::string, size_t> index;
    for (const auto& row : *tables) {
        TableInfo info;
        info.schema = text_or_empty(row[0]);
        info.name = text_or_empty(row[1]);
        info.is_view = text_or_empty(row[2]) == "VIEW";
        info.row_estimate = row[3] ? std::stoll(*row[3]) : -1;
        index[info.name] = out.size();
        out.push_back(std::move(info));
    }
    for (const auto& row : *columns) {
        auto it = index.find(text_or_empty(row[0]));
        if (it == index.end()) {
            continue; // created between the two queries
        }
        out[it->second].columns.push_back(column_from(row, primary, json));
    }
    add_indexes(*indexes, out, index);
    add_foreign_keys(*foreign, out, index);
    for (TableInfo& table : out) {
        mark_unique_columns(table);
    }
    co_return out;
}

boost::asio::awaitable<Result<std::vector<RoutineInfo>>> MysqlConnector::discover_routines() {
    auto acquired = co_await pool_.acquire();
    if (!acquired) {
        co_return acquired.error();
    }
    std::unique_ptr<MysqlConnection> conn = std::move(acquired.value());
    // Ordinal 0 is a function's return value: DTD_IDENTIFIER of the routine already says it.
    auto rows = co_await conn->query_all(
        "SELECT r.ROUTINE_SCHEMA, r.ROUTINE_NAME, r.ROUTINE_TYPE, r.DTD_IDENTIFIER, "
        "p.PARAMETER_MODE, p.PARAMETER_NAME, p.DTD_IDENTIFIER, p.ORDINAL_POSITION "
        "FROM information_schema.ROUTINES r LEFT JOIN information_schema.PARAMETERS p "
        "ON p.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA AND p.SPECIFIC_NAME = r.SPECIFIC_NAME "
        "AND p.ROUTINE_TYPE = r.ROUTINE_TYPE AND p.ORDINAL_POSITION > 0 "
        "WHERE r.ROUTINE_SCHEMA = DATABASE() ORDER BY r.ROUTINE_NAME, r.ROUTINE_TYPE, p.ORDINAL_POSITION");
    conn->broken ? pool_.discard(std::move(conn)) : pool_.release(std::move(conn));
    if (!rows) {
        co_return rows.error();
    }
    std::vector<RoutineInfo> routines;
    for (const auto& row : *rows) {
        bool procedure = text_or_empty(row[2]) == "PROCEDURE";
        if (routines.empty() || routines.back().name != text_or_empty(row[1]) ||
            routines.back().procedure != procedure) {
            RoutineInfo routine;
            routine.schema = text_or_empty(row[0]);
            routine.name = text_or_empty(row[1]);
            routine.procedure = procedure;
            routine.return_type = procedure ? std::string() : text_or_empty(row[3]);
            routines.push_back(std::move(routine));
        }
        if (row[7]) {
            // A function's parameters have no mode in MariaDB: they are all IN.
            std::string mode = row[4] ? *row[4] : std::string("IN");
            routines.back().arguments.push_back(RoutineArgument{text_or_empty(row[5]), text_or_empty(row[6]), mode});
        }
    }
    co_return routines;
}

} // namespace nectar::federation
