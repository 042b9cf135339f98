#pragma once
// Row images of binlog row events, decoded without I/O: each column as MySQL's text protocol
// would print it (what the MySQL connector reads), then typed by the connector's own rules
// (federation::mysql_value) over the followed table's columns, so a captured row equals the
// row REST or polling reads for the same data.

#include "federation/connectors/connector.hpp"
#include "federation/types/value.hpp"
#include "realtime/binlog_event.hpp"

#include <string>
#include <vector>

namespace nectar::realtime::binlog {

/// One column of a row image: absent (not in the image), NULL, or its text.
struct Cell {
    bool present = false;
    bool null = true;
    std::string text; ///< MySQL's text form ("12.50", "2024-01-02 03:04:05.120", raw bytes for BIT/BLOB)
};

/// One changed row: the before image (UPDATE, DELETE) and the after image (WRITE, UPDATE).
struct RowImages {
    std::vector<Cell> before;
    std::vector<Cell> after;
};

/// Every row of a row event, in order. `table` (the followed table, may be null) supplies what
/// the binlog does not say: the decimals of FLOAT(M,D) / DOUBLE(M,D) columns.
Result<std::vector<RowImages>> decode_rows(const RowsEvent& rows, const TableMap& map,
                                           const federation::TableInfo* table);

/// For each table map column, the index of the table's column of the same name (-1: none);
/// by position when the map has no names and the counts agree.
std::vector<int> map_columns(const TableMap& map, const federation::TableInfo& table);

/// The table's row from an image: columns the image lacks are NULL; values typed as the MySQL
/// connector types them (a value it would refuse, such as a zero date, stays text).
federation::Row to_table_row(const std::vector<Cell>& cells, const TableMap& map,
                             const std::vector<int>& to_column, const federation::TableInfo& table);

/// Text of a packed DECIMAL(precision, scale) as MySQL prints it; empty when malformed.
std::string decimal_text(std::string_view packed, int precision, int scale);
/// Bytes a packed DECIMAL(precision, scale) takes.
size_t decimal_size(int precision, int scale);

} // namespace nectar::realtime::binlog
