// The SQL text of writes in a target service's dialect (see write_sql.hpp).
#include "federation/write_sql.hpp"

#include "federation/plan/sql_render.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace nectar::federation {

namespace {

bool is_operator_name(std::string_view name) {
    bool symbolic = !name.empty() && !std::isalpha(static_cast<unsigned char>(name[0])) && name[0] != '_';
    return symbolic || name == "~~" || name == "~~*" || name == "!~~" || name == "!~~*";
}

} // namespace

std::string expr_sql(const Expr& e, const Dialect& d, const std::vector<ColumnInfo>& columns) {
    auto sql = [&](const ExprPtr& a) { return expr_sql(*a, d, columns); };
    std::vector<std::string> args;
    std::vector<Type> types;
    for (const ExprPtr& a : e.args) {
        args.push_back(sql(a));
        types.push_back(a->type);
    }
    auto joined = [&](size_t from, const char* separator) {
        std::string s;
        for (size_t i = from; i < args.size(); ++i) {
            s += (i > from ? separator : "") + args[i];
        }
        return s;
    };
    switch (e.kind) {
    case Expr::Kind::Column:
        return d.quote_identifier(columns.at(e.column).name);
    case Expr::Kind::Const:
        return d.literal(e.value);
    case Expr::Kind::Call:
        if (is_operator_name(e.fn->name)) {
            return args.size() == 1 ? d.render_unary(e.fn->name, args[0], types[0])
                                    : d.render_operator(e.fn->name, args[0], args[1], types[0], types[1]);
        }
        return d.render_function(e.fn->name, args, types);
    case Expr::Kind::Cast:
        return d.render_cast(args[0], types[0], e.type);
    case Expr::Kind::And:
        return "(" + joined(0, " AND ") + ")";
    case Expr::Kind::Or:
        return "(" + joined(0, " OR ") + ")";
    case Expr::Kind::Not:
        return "(NOT " + args[0] + ")";
    case Expr::Kind::IsNull:
        return "(" + args[0] + (e.negated ? " IS NOT NULL)" : " IS NULL)");
    case Expr::Kind::IsDistinct:
        return d.render_operator(e.negated ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM", args[0], args[1],
                                 types[0], types[1]);
    case Expr::Kind::Case: {
        std::string s = "CASE";
        for (size_t i = 0; i + 1 < args.size(); i += 2) {
            s += " WHEN " + args[i] + " THEN " + args[i + 1];
        }
        return s + " ELSE " + args.back() + " END";
    }
    case Expr::Kind::Coalesce:
        return "COALESCE(" + joined(0, ", ") + ")";
    case Expr::Kind::NullIf:
        return d.render_nullif(args[0], args[1], types[0], types[1]);
    case Expr::Kind::InList: {
        std::vector<std::string> items(args.begin() + 1, args.end());
        std::vector<Type> item_types(types.begin() + 1, types.end());
        return d.render_in_list(args[0], items, types[0], item_types, e.negated);
    }
    default:
        return "NULL"; // never reached: can_render refuses the rest (parameters, subqueries)
    }
}

bool pushable(const BoundWrite& w, const Dialect& dialect) {
    static const std::vector<Value> no_params;
    if (w.where && !can_render(*w.where, dialect, &no_params)) {
        return false;
    }
    for (const auto& [column, value] : w.assignments) {
        if (!can_render(*value, dialect, &no_params)) {
            return false;
        }
    }
    return true;
}

std::vector<int> primary_key(const BoundWrite& w) {
    std::vector<int> keys;
    for (size_t i = 0; i < w.columns.size(); ++i) {
        if (w.columns[i].primary_key) {
            keys.push_back(static_cast<int>(i));
        }
    }
    return keys;
}

std::string quoted_columns(const BoundWrite& w, const Dialect& dialect, const std::vector<int>& indexes) {
    std::string out;
    for (int i : indexes) {
        out += (out.empty() ? "" : ", ") + dialect.quote_identifier(w.columns[i].name);
    }
    return out;
}

std::vector<int> all_columns(const BoundWrite& w) {
    std::vector<int> out;
    for (size_t i = 0; i < w.columns.size(); ++i) {
        out.push_back(static_cast<int>(i));
    }
    return out;
}

std::vector<Type> column_types(const BoundWrite& w, const std::vector<int>& indexes) {
    std::vector<Type> out;
    for (int i : indexes) {
        out.push_back(w.columns[i].type);
    }
    return out;
}

std::string read_columns_sql(const BoundWrite& w, const Dialect& dialect) {
    std::string items;
    for (const ColumnInfo& c : w.columns) {
        items += (items.empty() ? "" : ", ") + dialect.render_select_item(dialect.quote_identifier(c.name), c.type);
    }
    return items;
}

std::string returning_sql(const BoundWrite& w, const Dialect& dialect) {
    return w.has_returning() ? " RETURNING " + read_columns_sql(w, dialect) : std::string();
}

std::vector<Type> returning_types(const BoundWrite& w) {
    return w.has_returning() ? column_types(w, all_columns(w)) : std::vector<Type>{};
}

std::string upsert_sql(const BoundWrite& w, const Dialect& dialect) {
    bool mysql = dialect.name() == "mysql";
    std::vector<int> updated;
    for (int c : w.insert_columns) {
        if (std::find(w.upsert_keys.begin(), w.upsert_keys.end(), c) == w.upsert_keys.end()) {
            updated.push_back(c);
        }
    }
    if (updated.empty()) {
        updated = w.upsert_keys; // a no-op update, so that the existing row is still returned
    }
    std::string sql = mysql ? " ON DUPLICATE KEY UPDATE " : " ON CONFLICT (" + quoted_columns(w, dialect, w.upsert_keys) +
                                                                ") DO UPDATE SET ";
    for (size_t i = 0; i < updated.size(); ++i) {
        std::string column = dialect.quote_identifier(w.columns[updated[i]].name);
        sql += (i ? ", " : "") + column + " = " + (mysql ? "VALUES(" + column + ")" : "EXCLUDED." + column);
    }
    return sql;
}

Result<std::string> lock_rows_sql(const BoundWrite& w, const Dialect& dialect) {
    static const std::vector<Value> no_params;
    if (w.where && !can_render(*w.where, dialect, &no_params)) {
        return Error::make("0A000", "service \"" + w.service + "\" cannot compute this condition on table \"" +
                                        w.table + "\" exactly as PostgreSQL does");
    }
    std::string items = read_columns_sql(w, dialect);
    std::string where = w.where ? " WHERE " + expr_sql(*w.where, dialect, w.columns) : std::string();
    return "SELECT " + items + " FROM " + dialect.qualified_table(w.schema, w.table) + where +
           (dialect.name() == "sqlite" ? "" : " FOR UPDATE");
}

std::string values_row(const Row& row, const Dialect& dialect) {
    std::string out = "(";
    for (size_t i = 0; i < row.size(); ++i) {
        out += (i ? ", " : "") + dialect.literal(row[i]);
    }
    return out + ")";
}

std::string key_match(const BoundWrite& w, const Dialect& dialect, const std::vector<int>& keys,
                      const std::vector<Row>& rows) {
    std::string out;
    if (keys.size() == 1) {
        out = dialect.quote_identifier(w.columns[keys[0]].name);
    } else {
        std::string columns = quoted_columns(w, dialect, keys); // named: g++ 12 warns on "(" + temporary
        out = "(" + columns + ")";
    }
    out += " IN (";
    for (size_t r = 0; r < rows.size(); ++r) {
        out += (r ? ", " : "") + (keys.size() == 1 ? dialect.literal(rows[r][0]) : values_row(rows[r], dialect));
    }
    return out + ")";
}

} // namespace nectar::federation
