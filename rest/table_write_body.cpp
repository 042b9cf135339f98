// The JSON bodies of the REST writes, parsed with simdjson and checked against the table before
// anything reaches a backend (see table_write_body.hpp).
#include "rest/table_write_body.hpp"

#include "rest/filter.hpp"

#include <simdjson.h>

#include <algorithm>
#include <string>

namespace nectar::rest {

using federation::ColumnInfo;
using federation::TableInfo;
using federation::Type;
using federation::Value;
using simdjson::dom::element;
using simdjson::dom::object;

namespace {

Error bad(std::string sqlstate, std::string message) { return Error::make(std::move(sqlstate), std::move(message)); }

/// "row 3: " inside a bulk insert (1-based), nothing for a single object.
std::string where_in_body(size_t row, bool bulk) { return bulk ? "row " + std::to_string(row + 1) + ": " : ""; }

int column_index(const TableInfo& table, std::string_view name) {
    for (size_t i = 0; i < table.columns.size(); ++i) {
        if (table.columns[i].name == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

/// One member's value as a value of its column.
Result<Value> member_value(element v, const ColumnInfo& column) {
    bool json_column = column.type == Type::Json || column.type == Type::Jsonb;
    if (!json_column && (v.is_object() || v.is_array())) {
        return bad("22P02", "column " + quoted_name(column.name) + " of type " +
                                std::string(federation::type_name(column.type)) + " takes a single value, not " +
                                (v.is_object() ? "an object" : "an array"));
    }
    auto value = column_value(v, column.type);
    if (!value) {
        Error e = value.error();
        e.message = "invalid value " + quoted_name(simdjson::to_string(v)) + " for column " + quoted_name(column.name) +
                    " of type " + std::string(federation::type_name(column.type)) + ": " + e.message;
        return e;
    }
    return value;
}

/// Every member of `o` as (column index, value), in the object's order.
Result<ColumnValues> object_values(object o, const TableInfo& table, const std::string& where) {
    ColumnValues out;
    for (auto [key, v] : o) {
        int index = column_index(table, key);
        if (index < 0) {
            return bad("42703", where + "column " + quoted_name(key) + " does not exist in table " +
                                    quoted_name(table.name));
        }
        bool repeated = std::any_of(out.begin(), out.end(), [&](const auto& cv) { return cv.first == index; });
        if (repeated) {
            return bad("22023", where + "column " + quoted_name(key) + " is given twice");
        }
        auto value = member_value(v, table.columns[index]);
        if (!value) {
            Error e = value.error();
            e.message = where + e.message;
            return e;
        }
        out.emplace_back(index, std::move(*value));
    }
    if (out.empty()) {
        return bad("22023", where + "an empty object: give at least one column");
    }
    return out;
}

/// One object of a bulk insert laid out as the first object's columns (the same set, any order).
Result<std::vector<Value>> row_in_order(ColumnValues values, const std::vector<int>& columns, const TableInfo& table,
                                        const std::string& where) {
    std::vector<Value> row;
    for (int c : columns) {
        auto it = std::find_if(values.begin(), values.end(), [&](const auto& cv) { return cv.first == c; });
        if (it == values.end()) {
            return bad("22023", where + "column " + quoted_name(table.columns[c].name) +
                                    " is missing: every object of a bulk insert must name the same columns");
        }
        row.push_back(std::move(it->second));
    }
    if (values.size() != columns.size()) {
        for (const auto& [c, v] : values) {
            if (std::find(columns.begin(), columns.end(), c) == columns.end()) {
                return bad("22023", where + "column " + quoted_name(table.columns[c].name) +
                                        " is not in the first object: every object of a bulk insert must name the "
                                        "same columns");
            }
        }
    }
    return row;
}

Result<element> parse(simdjson::dom::parser& parser, std::string_view body) {
    element root;
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return bad("22P02", "the body is empty: expected a JSON object");
    }
    auto error = parser.parse(body.data(), body.size()).get(root);
    if (error != simdjson::SUCCESS) {
        return bad("22P02", std::string("the body is not valid JSON: ") + simdjson::error_message(error));
    }
    return root;
}

} // namespace

std::string quoted_name(std::string_view name) {
    constexpr size_t kMaxShown = 100;
    size_t end = name.size();
    if (end > kMaxShown) {
        end = kMaxShown;
        while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80) {
            --end; // never split a UTF-8 sequence
        }
    }
    std::string out = "\"";
    out += name.substr(0, end);
    out += end < name.size() ? "...\"" : "\"";
    return out;
}

Result<InsertRows> read_insert_body(std::string_view body, const TableInfo& table) {
    simdjson::dom::parser parser;
    auto root = parse(parser, body);
    if (!root) {
        return root.error();
    }
    std::vector<element> objects;
    InsertRows out;
    if (root->is_object()) {
        objects.push_back(*root);
        out.single = true;
    } else if (root->is_array()) {
        simdjson::dom::array items = root->get_array().value(); // named: value() of a temporary dangles
        for (element item : items) {
            objects.push_back(item);
        }
        if (objects.empty()) {
            return bad("22023", "an empty array: nothing to insert");
        }
    } else {
        return bad("22P02", "the body must be a JSON object (one row) or an array of objects (rows)");
    }
    for (size_t r = 0; r < objects.size(); ++r) {
        std::string where = where_in_body(r, !out.single);
        if (!objects[r].is_object()) {
            return bad("22P02", where + "each row must be a JSON object");
        }
        auto values = object_values(objects[r].get_object().value(), table, where);
        if (!values) {
            return values.error();
        }
        if (r == 0) {
            for (const auto& [c, v] : *values) {
                out.columns.push_back(c);
            }
        }
        auto row = row_in_order(std::move(*values), out.columns, table, where);
        if (!row) {
            return row.error();
        }
        out.rows.push_back(std::move(*row));
    }
    return out;
}

Result<ColumnValues> read_update_body(std::string_view body, const TableInfo& table, bool replace) {
    simdjson::dom::parser parser;
    auto root = parse(parser, body);
    if (!root) {
        return root.error();
    }
    if (!root->is_object()) {
        return bad("22P02", "the body must be a JSON object of the columns to write");
    }
    auto values = object_values(root->get_object().value(), table, "");
    if (!values || !replace) {
        return values;
    }
    std::string missing;
    for (size_t i = 0; i < table.columns.size(); ++i) {
        bool given = std::any_of(values->begin(), values->end(), [&](const auto& cv) { return cv.first == int(i); });
        if (!table.columns[i].primary_key && !given) {
            missing += (missing.empty() ? "" : ", ") + quoted_name(table.columns[i].name);
        }
    }
    if (!missing.empty()) {
        return bad("23502", "PUT replaces the whole row: every column but the primary key must be given; missing: " +
                                missing + " (PATCH changes only the columns given)");
    }
    return values;
}

Result<std::vector<int>> read_conflict_columns(std::string_view text, const TableInfo& table) {
    std::vector<int> out;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t comma = std::min(text.find(',', pos), text.size());
        std::string_view name = text.substr(pos, comma - pos);
        while (!name.empty() && name.front() == ' ') {
            name.remove_prefix(1);
        }
        while (!name.empty() && name.back() == ' ') {
            name.remove_suffix(1);
        }
        int index = column_index(table, name);
        if (name.empty()) {
            return bad("22023", "onConflict: an empty column name (write onConflict=col or onConflict=a,b)");
        }
        if (index < 0) {
            return bad("42703", "onConflict: column " + quoted_name(name) + " does not exist in table " +
                                    quoted_name(table.name));
        }
        if (std::find(out.begin(), out.end(), index) == out.end()) {
            out.push_back(index);
        }
        pos = comma + 1;
    }
    return out;
}

} // namespace nectar::rest
