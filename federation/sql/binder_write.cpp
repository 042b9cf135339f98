// INSERT / UPDATE / DELETE → BoundWrite. Values are coerced to the target columns' types the
// way PostgreSQL's assignment does, so a bad literal fails here with PostgreSQL's SQLSTATE.
#include "federation/sql/binder_write.hpp"

#include "federation/sql/binder_rewrite.hpp"

#include <algorithm>

namespace nectar::federation {

namespace {

/// libpg_query writes typed fields (`RangeVar *relation`) without the node wrapper; accept both.
JsonNode unwrap(JsonNode node, std::string_view kind) {
    return has_field(node, kind) ? field(node, kind) : node;
}

/// The table the statement writes, with the scope its expressions see it in.
Result<ResolvedTable> resolve_target(const Catalog& catalog, JsonNode relation, const std::string& default_service,
                                     Scope& scope) {
    JsonNode rel = unwrap(relation, "RangeVar");
    std::vector<std::string> names;
    for (const char* part : {"catalogname", "schemaname", "relname"}) {
        if (has_field(rel, part)) {
            names.emplace_back(string_field(rel, part));
        }
    }
    auto resolved = catalog.resolve(names, default_service);
    if (!resolved) {
        Error e = resolved.error();
        e.position = location_of(rel) + 1;
        return e;
    }
    if (resolved->table->is_view) {
        return error_at("0A000", "cannot write to view \"" + resolved->table->name +
                                     "\" through Nectar's federated engine", location_of(rel));
    }
    std::string qualifier = has_field(rel, "alias") ? std::string(string_field(field(rel, "alias"), "aliasname"))
                                                    : names.back();
    for (const ColumnInfo& c : resolved->table->columns) {
        scope.columns.push_back({qualifier, c.name, c.type, false});
    }
    return resolved;
}

int column_index(const BoundWrite& w, std::string_view name) {
    for (size_t i = 0; i < w.columns.size(); ++i) {
        if (w.columns[i].name == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

Error unknown_column(const BoundWrite& w, std::string_view name, int location) {
    return error_at("42703", "column \"" + std::string(name) + "\" of relation \"" + w.table + "\" does not exist",
                    location);
}

/// RETURNING items over the table's columns; `*` stands for all of them.
Result<void> bind_returning(Binder& binder, JsonNode fields, const Scope& scope, BoundWrite& w) {
    for (JsonNode item : list_field(fields, "returningList")) {
        JsonNode target = unwrap(item, "ResTarget");
        JsonNode val = field(target, "val");
        auto [vk, vf] = node_kind(val);
        auto parts = list_field(vf, "fields");
        if (vk == "ColumnRef" && !parts.empty() && node_kind(parts.back()).first == "A_Star") {
            for (size_t i = 0; i < w.columns.size(); ++i) {
                w.returning.push_back(Expr::column_ref(static_cast<int>(i), w.columns[i].type, w.columns[i].name));
                w.returning_columns.push_back({w.columns[i].name, w.columns[i].type});
            }
            continue;
        }
        Binder::ExprContext ctx{&scope, false, false, "RETURNING"};
        auto e = binder.bind_expr(val, ctx);
        if (!e) {
            return e.error();
        }
        std::string name = has_field(target, "name") ? std::string(string_field(target, "name")) : default_label(val);
        w.returning.push_back(*e);
        w.returning_columns.push_back({name, (*e)->type == Type::Unknown ? Type::Text : (*e)->type});
    }
    return Result<void>();
}

Result<ExprPtr> bind_where(Binder& binder, JsonNode fields, const Scope& scope) {
    if (!has_field(fields, "whereClause")) {
        return ExprPtr();
    }
    JsonNode node = field(fields, "whereClause");
    Binder::ExprContext ctx{&scope, false, false, "WHERE"};
    auto e = binder.bind_expr(node, ctx);
    if (!e) {
        return e.error();
    }
    if ((*e)->type == Type::Unknown) {
        return binder.coerce(*e, Type::Bool, location_of(node));
    }
    if ((*e)->type != Type::Bool) {
        return error_at("42804", "argument of WHERE must be type boolean, not type " +
                                     std::string(type_name((*e)->type)), location_of(node));
    }
    return e;
}

/// VALUES rows of an INSERT, each value coerced to its target column. A column that is
/// DEFAULT in every row is left out of the INSERT (the backend fills it).
Result<PlanPtr> bind_insert_values(Binder& binder, JsonNode select, bool listed, BoundWrite& w) {
    std::vector<std::vector<JsonNode>> rows;
    for (JsonNode list : list_field(select, "valuesLists")) {
        auto [lk, lf] = node_kind(list);
        rows.push_back(list_field(lf, "items"));
        if (rows.size() > 1 && rows.back().size() != rows.front().size()) {
            return error_at("42601", "VALUES lists must all be the same length", location_of(list));
        }
        if (!listed && rows.back().size() < w.insert_columns.size()) {
            w.insert_columns.resize(rows.back().size()); // without a column list: the first columns
        }
        if (rows.back().size() > w.insert_columns.size()) {
            return error_at("42601", "INSERT has more expressions than target columns", location_of(list));
        }
        if (rows.back().size() < w.insert_columns.size()) {
            return error_at("42601", "INSERT has more target columns than expressions", location_of(list));
        }
    }
    std::vector<int> kept;
    for (size_t c = 0; c < w.insert_columns.size(); ++c) {
        size_t defaults = 0;
        for (auto& row : rows) {
            defaults += node_kind(row[c]).first == "SetToDefault";
        }
        if (defaults == rows.size()) {
            continue;
        }
        if (defaults != 0) {
            return Error::make("0A000", "DEFAULT mixed with values in one column of a multi-row INSERT is not "
                                        "supported by Nectar's federated engine");
        }
        kept.push_back(static_cast<int>(c));
    }
    auto values = PlanNode::make(PlanNode::Kind::Values);
    Scope empty;
    for (auto& row : rows) {
        std::vector<ExprPtr> bound;
        for (int c : kept) {
            const ColumnInfo& target = w.columns[w.insert_columns[c]];
            Binder::ExprContext ctx{&empty, false, false, "VALUES"};
            auto e = binder.bind_expr(row[c], ctx);
            if (!e) {
                return e.error();
            }
            auto coerced = binder.coerce(*e, target.type, location_of(row[c]));
            if (!coerced) {
                return coerced.error();
            }
            bound.push_back(*coerced);
        }
        values->rows.push_back(std::move(bound));
    }
    std::vector<int> columns;
    for (int c : kept) {
        columns.push_back(w.insert_columns[c]);
        values->columns.push_back({w.columns[w.insert_columns[c]].name, w.columns[w.insert_columns[c]].type});
    }
    w.insert_columns = std::move(columns);
    return values;
}

/// INSERT ... SELECT: the query's columns cast to the target columns' types.
Result<PlanPtr> bind_insert_select(Binder& binder, JsonNode select, int location, bool listed, BoundWrite& w) {
    auto plan = binder.bind_select(select);
    if (!plan) {
        return plan.error();
    }
    size_t width = (*plan)->columns.size();
    if (!listed && width < w.insert_columns.size()) {
        w.insert_columns.resize(width); // without a column list: the first columns
    }
    if (width != w.insert_columns.size()) {
        return error_at("42601", width > w.insert_columns.size() ? "INSERT has more expressions than target columns"
                                                                 : "INSERT has more target columns than expressions",
                        location);
    }
    auto project = PlanNode::make(PlanNode::Kind::Project);
    project->children = {*plan};
    for (size_t c = 0; c < width; ++c) {
        const ColumnInfo& target = w.columns[w.insert_columns[c]];
        auto cast = binder.coerce(Expr::column_ref(static_cast<int>(c), (*plan)->columns[c].type), target.type);
        if (!cast) {
            return cast.error();
        }
        project->exprs.push_back(*cast);
        project->columns.push_back({target.name, target.type});
    }
    return project;
}

Result<void> bind_insert(Binder& binder, JsonNode fields, BoundWrite& w) {
    for (JsonNode item : list_field(fields, "cols")) {
        JsonNode target = unwrap(item, "ResTarget");
        std::string_view name = string_field(target, "name");
        int index = column_index(w, name);
        if (index < 0) {
            return unknown_column(w, name, location_of(target));
        }
        if (std::find(w.insert_columns.begin(), w.insert_columns.end(), index) != w.insert_columns.end()) {
            return error_at("42701", "column \"" + std::string(name) + "\" specified more than once",
                            location_of(target));
        }
        w.insert_columns.push_back(index);
    }
    bool listed = !w.insert_columns.empty();
    if (!listed) {
        for (size_t i = 0; i < w.columns.size(); ++i) {
            w.insert_columns.push_back(static_cast<int>(i));
        }
    }
    if (has_field(fields, "onConflictClause")) {
        JsonNode clause = unwrap(field(fields, "onConflictClause"), "OnConflictClause");
        if (string_field(clause, "action") != "ONCONFLICT_NOTHING" || has_field(clause, "infer")) {
            return error_at("0A000", "only ON CONFLICT DO NOTHING (without a conflict target) is supported by "
                                     "Nectar's federated engine", location_of(clause));
        }
        w.on_conflict_do_nothing = true;
    }
    if (!has_field(fields, "selectStmt")) {
        w.insert_columns.clear(); // DEFAULT VALUES
        return Result<void>();
    }
    JsonNode select_node = field(fields, "selectStmt");
    auto [sk, select] = node_kind(select_node);
    bool plain_values = has_field(select, "valuesLists") && !has_field(select, "sortClause") &&
                        !has_field(select, "limitCount") && !has_field(select, "withClause");
    auto source = plain_values ? bind_insert_values(binder, select, listed, w)
                               : bind_insert_select(binder, select, location_of(select_node), listed, w);
    if (!source) {
        return source.error();
    }
    w.source = *source;
    return Result<void>();
}

Result<void> bind_update(Binder& binder, JsonNode fields, const Scope& scope, BoundWrite& w) {
    if (has_field(fields, "fromClause")) {
        return Error::make("0A000", "UPDATE ... FROM is not supported by Nectar's federated engine yet");
    }
    for (JsonNode item : list_field(fields, "targetList")) {
        JsonNode target = unwrap(item, "ResTarget");
        std::string_view name = string_field(target, "name");
        int index = column_index(w, name);
        if (index < 0) {
            return unknown_column(w, name, location_of(target));
        }
        if (has_field(target, "indirection")) {
            return error_at("0A000", "assigning to a field or element of a column is not supported by Nectar's "
                                     "federated engine", location_of(target));
        }
        for (auto& [done, unused] : w.assignments) {
            if (done == index) {
                return error_at("42601", "multiple assignments to same column \"" + std::string(name) + "\"",
                                location_of(target));
            }
        }
        JsonNode val = field(target, "val");
        if (node_kind(val).first == "SetToDefault") {
            return error_at("0A000", "SET column = DEFAULT is not supported by Nectar's federated engine",
                            location_of(val));
        }
        Binder::ExprContext ctx{&scope, false, false, "UPDATE"};
        auto e = binder.bind_expr(val, ctx);
        if (!e) {
            return e.error();
        }
        auto coerced = binder.coerce(*e, w.columns[index].type, location_of(val));
        if (!coerced) {
            return coerced.error();
        }
        w.assignments.emplace_back(index, *coerced);
    }
    return Result<void>();
}

} // namespace

Result<BoundWrite> bind_write(Binder& binder, const Catalog& catalog, std::string_view kind, JsonNode fields,
                              const std::string& default_service) {
    if (has_field(fields, "withClause")) {
        return Error::make("0A000", "WITH on INSERT/UPDATE/DELETE is not supported by Nectar's federated engine yet");
    }
    BoundWrite w;
    w.kind = kind == "InsertStmt" ? BoundWrite::Kind::Insert
             : kind == "UpdateStmt" ? BoundWrite::Kind::Update
                                    : BoundWrite::Kind::Delete;
    Scope scope;
    auto target = resolve_target(catalog, field(fields, "relation"), default_service, scope);
    if (!target) {
        return target.error();
    }
    w.service = target->service;
    w.schema = target->table->schema;
    w.table = target->table->name;
    w.columns = target->table->columns;

    Result<void> bound;
    if (w.kind == BoundWrite::Kind::Insert) {
        bound = bind_insert(binder, fields, w);
    } else if (w.kind == BoundWrite::Kind::Update) {
        bound = bind_update(binder, fields, scope, w);
    } else if (has_field(fields, "usingClause")) {
        return Error::make("0A000", "DELETE ... USING is not supported by Nectar's federated engine yet");
    }
    if (!bound) {
        return bound.error();
    }
    if (w.kind != BoundWrite::Kind::Insert) {
        auto where = bind_where(binder, fields, scope);
        if (!where) {
            return where.error();
        }
        w.where = *where;
    }
    auto returning = bind_returning(binder, fields, scope, w);
    if (!returning) {
        return returning.error();
    }
    if (!binder.param_types().empty()) {
        return Error::make("42P02", "there is no parameter $1");
    }
    return w;
}

} // namespace nectar::federation
