// Statement-level binding: query blocks, FROM, GROUP BY/HAVING, windows, ORDER BY, LIMIT,
// set operations, VALUES and CTEs. Expressions are bound in binder_expr.cpp.
#include "federation/sql/binder.hpp"

#include "federation/sql/binder_rewrite.hpp"

#include <algorithm>

namespace nectar::federation {

namespace {


void add_scope_columns(Scope& scope, const PlanNode& plan, const std::string& qualifier,
                       const std::vector<std::string>& renames = {}) {
    for (size_t i = 0; i < plan.columns.size(); i++) {
        std::string name = i < renames.size() ? renames[i] : plan.columns[i].name;
        scope.columns.push_back({qualifier, name, plan.columns[i].type, false});
    }
}

PlanPtr clone_plan(const PlanPtr& plan) {
    auto copy = std::make_shared<PlanNode>(*plan);
    for (auto& c : copy->children) {
        c = clone_plan(c);
    }
    return copy;
}

PlanPtr make_join(JoinType type, PlanPtr left, PlanPtr right, ExprPtr condition) {
    auto join = PlanNode::make(PlanNode::Kind::Join);
    join->join_type = type;
    join->columns = left->columns;
    join->columns.insert(join->columns.end(), right->columns.begin(), right->columns.end());
    join->children = {std::move(left), std::move(right)};
    join->condition = std::move(condition);
    return join;
}

/// A USING / NATURAL join's merged columns, the copies they hide, and the join equality.
struct UsingColumns {
    std::vector<ExprPtr> columns; ///< one merged column per name, over the join's columns
    std::vector<int> hidden;      ///< join-relative positions of both sides' copies
    ExprPtr condition;            ///< AND of left = right; null without USING
};

/// The one column of columns[begin, end) an unqualified `name` reaches: -1 none, -2 several.
int find_visible(const std::vector<ScopeColumn>& columns, size_t begin, size_t end, const std::string& name) {
    int found = -1;
    for (size_t i = begin; i < end; i++) {
        if (columns[i].name == name && !columns[i].hidden_from_star) {
            if (found != -1) {
                return -2;
            }
            found = static_cast<int>(i);
        }
    }
    return found;
}

/// USING (names) or NATURAL: each name's left and right columns, compared with "=", merge into
/// one column of their common type (parse_clause.c's buildMergedJoinVar): INNER takes the side
/// that needs no cast (left first), LEFT the left, RIGHT the right, FULL COALESCE(left, right).
Result<UsingColumns> bind_using(Binder& binder, JsonNode fields, const Scope& join_scope, int right_offset,
                                JoinType type) {
    const auto& cols = join_scope.columns;
    const size_t right_begin = static_cast<size_t>(right_offset);
    std::vector<std::string> names = name_list(fields, "usingClause");
    const int loc = -1; // PostgreSQL reports these errors without a position
    for (size_t i = 0; i < names.size(); i++) {
        if (std::count(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), names[i]) > 0) {
            return error_at("42701", "column name \"" + names[i] + "\" appears more than once in USING clause", loc);
        }
    }
    if (bool_field(fields, "isNatural")) {
        for (size_t i = 0; i < right_begin; i++) {
            bool common = !cols[i].hidden_from_star && find_visible(cols, right_begin, cols.size(), cols[i].name) != -1;
            if (common && std::find(names.begin(), names.end(), cols[i].name) == names.end()) {
                names.push_back(cols[i].name);
            }
        }
    }
    UsingColumns out;
    for (const std::string& name : names) {
        int l = find_visible(cols, 0, right_begin, name);
        int r = find_visible(cols, right_begin, cols.size(), name);
        if (l == -2 || r == -2) {
            return error_at("42702", "common column name \"" + name + "\" appears more than once in " +
                                         (l == -2 ? "left" : "right") + " table", loc);
        }
        if (l < 0 || r < 0) {
            return error_at("42703", "column \"" + name + "\" specified in USING clause does not exist in " +
                                         (l < 0 ? "left" : "right") + " table", loc);
        }
        ExprPtr lref = Expr::column_ref(l, cols[l].type, name);
        ExprPtr rref = Expr::column_ref(r, cols[r].type, name);
        auto eq = binder.make_operator("=", lref, rref, loc);
        if (!eq) {
            return eq.error();
        }
        out.condition = out.condition ? make_and({out.condition, *eq}) : *eq;
        auto unified = binder.unify({lref, rref}, "JOIN/USING", loc);
        if (!unified) {
            return unified.error();
        }
        ExprPtr lc = (*unified)[0], rc = (*unified)[1];
        std::shared_ptr<Expr> merged;
        if (type == JoinType::Full) {
            merged = make_expr(Expr::Kind::Coalesce, lc->type);
            merged->args = {lc, rc};
        } else {
            bool use_right = type == JoinType::Right ||
                             (type != JoinType::Left && lc->kind != Expr::Kind::Column && rc->kind == Expr::Kind::Column);
            merged = std::make_shared<Expr>(use_right ? *rc : *lc);
        }
        merged->label = name;
        out.columns.push_back(merged);
        out.hidden.push_back(l);
        out.hidden.push_back(r);
    }
    return out;
}

} // namespace

Binder::Binder(const Catalog& catalog, std::string default_service, std::vector<Type> param_types)
    : catalog_(catalog)
    , default_service_(std::move(default_service))
    , param_types_(std::move(param_types)) {}

Result<PlanPtr> Binder::bind_select(JsonNode fields, const Scope* outer) {
    if (has_field(fields, "withClause")) {
        auto ctes = bind_ctes(field(fields, "withClause"));
        if (!ctes) {
            return ctes.error();
        }
    }
    std::string_view op = string_field(fields, "op");
    if (!op.empty() && op != "SETOP_NONE") {
        return bind_set_operation(fields, outer);
    }
    if (has_field(fields, "valuesLists")) {
        return bind_set_operation(fields, outer); // same ORDER BY / LIMIT handling on output names
    }
    return bind_select_block(fields, outer);
}

Result<void> Binder::bind_ctes(JsonNode with_clause) {
    if (bool_field(with_clause, "recursive")) {
        return error_at("0A000", "WITH RECURSIVE is not supported by Nectar's federated engine yet",
                        location_of(with_clause));
    }
    for (JsonNode item : list_field(with_clause, "ctes")) {
        auto [kind, cte] = node_kind(item);
        std::string name(string_field(cte, "ctename"));
        auto [qkind, query] = node_kind(field(cte, "ctequery"));
        if (qkind != "SelectStmt") {
            return error_at("0A000", "data-modifying statements in WITH are not supported", location_of(item));
        }
        Binder inner = nested();
        inner.ctes_ = ctes_;
        auto plan = inner.bind_select(query);
        if (!plan) {
            return plan.error();
        }
        param_types_ = inner.param_types_;
        services_.insert(services_.end(), inner.services_.begin(), inner.services_.end());
        auto names = name_list(cte, "aliascolnames");
        for (size_t i = 0; i < names.size() && i < (*plan)->columns.size(); i++) {
            (*plan)->columns[i].name = names[i];
        }
        ctes_[name] = Cte{*plan};
    }
    return {};
}

Result<PlanPtr> Binder::bind_from(JsonNode fields, Scope& scope, const Scope* outer) {
    auto items = list_field(fields, "fromClause");
    if (items.empty()) {
        auto values = PlanNode::make(PlanNode::Kind::Values);
        values->rows.emplace_back(); // one row, no columns: SELECT 1
        return values;
    }
    PlanPtr plan;
    for (JsonNode item : items) {
        auto next = bind_from_item(item, scope, outer);
        if (!next) {
            return next.error();
        }
        plan = plan ? make_join(JoinType::Cross, plan, *next, nullptr) : *next;
    }
    return plan;
}

Result<PlanPtr> Binder::bind_from_item(JsonNode node, Scope& scope, const Scope* outer) {
    auto [kind, fields] = node_kind(node);
    if (kind == "RangeVar") {
        std::vector<std::string> names;
        for (const char* part : {"catalogname", "schemaname", "relname"}) {
            if (has_field(fields, part)) {
                names.emplace_back(string_field(fields, part));
            }
        }
        JsonNode alias = field(fields, "alias");
        std::string qualifier(has_field(fields, "alias") ? string_field(alias, "aliasname") : names.back());
        auto renames = has_field(fields, "alias") ? name_list(alias, "colnames") : std::vector<std::string>{};
        if (names.size() == 1) {
            if (auto cte = ctes_.find(names[0]); cte != ctes_.end()) {
                add_scope_columns(scope, *cte->second.plan, qualifier, renames);
                return clone_plan(cte->second.plan); // the planner rewrites trees in place
            }
        }
        auto resolved = catalog_.resolve(names, default_service_);
        if (!resolved) {
            Error e = resolved.error();
            e.position = location_of(node) + 1;
            return e;
        }
        auto scan = PlanNode::make(PlanNode::Kind::Scan);
        scan->service = resolved->service;
        scan->schema = resolved->table->schema;
        scan->table = resolved->table->name;
        scan->row_estimate = resolved->table->row_estimate;
        for (const ColumnInfo& c : resolved->table->columns) {
            scan->columns.push_back({c.name, c.type, !c.nullable});
        }
        if (std::find(services_.begin(), services_.end(), scan->service) == services_.end()) {
            services_.push_back(scan->service);
        }
        add_scope_columns(scope, *scan, qualifier, renames);
        return scan;
    }
    if (kind == "RangeSubselect") {
        if (bool_field(fields, "lateral")) {
            return error_at("0A000", "LATERAL subqueries are not supported by Nectar's federated engine yet",
                            location_of(node));
        }
        auto [skind, sub] = node_kind(field(fields, "subquery"));
        Binder inner = nested();
        inner.ctes_ = ctes_;
        auto plan = inner.bind_select(sub, outer);
        if (!plan) {
            return plan.error();
        }
        param_types_ = inner.param_types_;
        services_.insert(services_.end(), inner.services_.begin(), inner.services_.end());
        JsonNode alias = field(fields, "alias");
        add_scope_columns(scope, **plan, std::string(string_field(alias, "aliasname")), name_list(alias, "colnames"));
        return plan;
    }
    if (kind == "JoinExpr") {
        return bind_join(fields, scope, outer);
    }
    return error_at("0A000", "FROM item " + std::string(kind) + " is not supported by Nectar's federated engine yet",
                    location_of(node));
}

Result<PlanPtr> Binder::bind_join(JsonNode fields, Scope& scope, const Scope* outer) {
    size_t left_begin = scope.columns.size();
    auto left = bind_from_item(field(fields, "larg"), scope, outer);
    if (!left) {
        return left.error();
    }
    size_t right_begin = scope.columns.size();
    auto right = bind_from_item(field(fields, "rarg"), scope, outer);
    if (!right) {
        return right.error();
    }
    std::string_view jt = string_field(fields, "jointype");
    JoinType type = jt == "JOIN_LEFT"    ? JoinType::Left
                    : jt == "JOIN_RIGHT" ? JoinType::Right
                    : jt == "JOIN_FULL"  ? JoinType::Full
                                         : JoinType::Inner;
    // The join's own columns are numbered from 0 within the join; the scope may hold earlier items.
    Scope join_scope;
    join_scope.outer = scope.outer;
    join_scope.columns.assign(scope.columns.begin() + left_begin, scope.columns.end());
    const int right_offset = static_cast<int>(right_begin - left_begin);

    auto merged = bind_using(*this, fields, join_scope, right_offset, type);
    if (!merged) {
        return merged.error();
    }
    ExprPtr condition = merged->condition;
    if (has_field(fields, "quals")) {
        ExprContext ctx{&join_scope, false, false, "JOIN/ON"};
        auto quals = bind_expr(field(fields, "quals"), ctx);
        if (!quals) {
            return quals.error();
        }
        auto as_bool = coerce(*quals, Type::Bool, location_of(field(fields, "quals")));
        if (!as_bool) {
            return as_bool.error();
        }
        condition = condition ? make_and({condition, *as_bool}) : *as_bool;
    }
    if (type == JoinType::Inner && !condition) {
        type = JoinType::Cross;
    }
    PlanPtr join = make_join(type, *left, *right, condition);
    if (merged->columns.empty()) {
        return join;
    }
    // USING columns come first, then every column of both sides (the USING copies stay
    // reachable by qualified name only), as PostgreSQL's join output is laid out.
    std::vector<ExprPtr> exprs = merged->columns;
    std::vector<std::string> names;
    std::vector<ScopeColumn> merged_scope;
    for (const ExprPtr& e : merged->columns) {
        names.push_back(e->label);
        merged_scope.push_back({"", e->label, e->type, false});
    }
    for (size_t i = 0; i < join->columns.size(); i++) {
        exprs.push_back(Expr::column_ref(static_cast<int>(i), join->columns[i].type, join->columns[i].name));
        names.push_back(join->columns[i].name);
    }
    for (int c : merged->hidden) {
        scope.columns[left_begin + c].hidden_from_star = true;
    }
    scope.columns.insert(scope.columns.begin() + static_cast<std::ptrdiff_t>(left_begin), merged_scope.begin(),
                         merged_scope.end());
    return make_project(join, exprs, names);
}

Result<std::optional<int64_t>> Binder::bind_limit_value(JsonNode node, const char* what) {
    auto [kind, fields] = node_kind(node);
    if (kind == "A_Const") {
        if (bool_field(fields, "isnull")) {
            return std::optional<int64_t>{};
        }
        if (has_field(fields, "ival")) {
            // libpg_query writes {} for 0 and negative numbers: read those from the text.
            int64_t v = has_field(field(fields, "ival"), "ival")
                            ? int_field(field(fields, "ival"), "ival")
                            : literal_integer_at(source_, location_of(node));
            if (v < 0) {
                return error_at(std::string(what) == "OFFSET" ? "2201X" : "2201W",
                                std::string(what) + " must not be negative", location_of(node));
            }
            return std::optional<int64_t>(v);
        }
    }
    Scope empty;
    ExprContext ctx{&empty, false, false, what};
    auto expr = bind_expr(node, ctx);
    if (!expr) {
        return expr.error();
    }
    auto as_int = coerce(*expr, Type::Int8, location_of(node));
    if (!as_int) {
        return as_int.error();
    }
    if ((*as_int)->kind == Expr::Kind::Const) {
        const Value& v = (*as_int)->value;
        if (v.is_null()) {
            return std::optional<int64_t>{};
        }
        if (v.as_int() < 0) {
            return error_at(std::string(what) == "OFFSET" ? "2201X" : "2201W",
                            std::string(what) + " must not be negative", location_of(node));
        }
        return std::optional<int64_t>(v.as_int());
    }
    return error_at("0A000", std::string(what) + " must be a constant in Nectar's federated engine",
                    location_of(node));
}

Result<PlanPtr> Binder::bind_values(JsonNode fields) {
    auto values = PlanNode::make(PlanNode::Kind::Values);
    Scope empty;
    size_t width = 0;
    for (JsonNode list : list_field(fields, "valuesLists")) {
        auto [kind, items_fields] = node_kind(list);
        std::vector<ExprPtr> row;
        for (JsonNode item : list_field(items_fields, "items")) {
            ExprContext ctx{&empty, false, false, "VALUES"};
            auto e = bind_expr(item, ctx);
            if (!e) {
                return e.error();
            }
            row.push_back(*e);
        }
        if (width != 0 && row.size() != width) {
            return error_at("42601", "VALUES lists must all be the same length", location_of(list));
        }
        width = row.size();
        values->rows.push_back(std::move(row));
    }
    // Each column takes the common type of its rows, as PostgreSQL resolves VALUES.
    for (size_t c = 0; c < width; c++) {
        std::vector<ExprPtr> column;
        for (auto& row : values->rows) {
            column.push_back(row[c]);
        }
        auto unified = unify(std::move(column), "VALUES", -1);
        if (!unified) {
            return unified.error();
        }
        for (size_t r = 0; r < values->rows.size(); r++) {
            values->rows[r][c] = (*unified)[r];
        }
        Type t = (*unified)[0]->type == Type::Unknown ? Type::Text : (*unified)[0]->type;
        if (t != (*unified)[0]->type) {
            for (auto& row : values->rows) {
                auto text = coerce(row[c], Type::Text);
                if (!text) {
                    return text.error();
                }
                row[c] = *text;
            }
        }
        values->columns.push_back({"column" + std::to_string(c + 1), t});
    }
    return values;
}

Result<PlanPtr> Binder::bind_set_operation(JsonNode fields, const Scope* outer) {
    PlanPtr plan;
    if (has_field(fields, "valuesLists")) {
        auto values = bind_values(fields);
        if (!values) {
            return values.error();
        }
        plan = *values;
    } else {
        Binder left_binder = nested();
        left_binder.ctes_ = ctes_;
        auto left = left_binder.bind_select(field(fields, "larg"), outer);
        if (!left) {
            return left.error();
        }
        Binder right_binder = nested();
        right_binder.param_types_ = left_binder.param_types_;
        right_binder.ctes_ = ctes_;
        auto right = right_binder.bind_select(field(fields, "rarg"), outer);
        if (!right) {
            return right.error();
        }
        param_types_ = right_binder.param_types_;
        for (auto* b : {&left_binder, &right_binder}) {
            services_.insert(services_.end(), b->services_.begin(), b->services_.end());
        }
        std::string_view op = string_field(fields, "op");
        const char* op_name = op == "SETOP_UNION" ? "UNION" : op == "SETOP_INTERSECT" ? "INTERSECT" : "EXCEPT";
        auto set = set_operation(*left, *right, op_name, bool_field(fields, "all"), *this);
        if (!set) {
            return set.error();
        }
        plan = *set;
    }
    // ORDER BY and LIMIT of a set operation or VALUES see only the output columns.
    Scope out;
    add_scope_columns(out, *plan, "");
    std::vector<SortKey> keys;
    for (JsonNode item : list_field(fields, "sortClause")) {
        auto [k, sort_by] = node_kind(item);
        JsonNode key = field(sort_by, "node");
        auto [kk, kf] = node_kind(key);
        ExprPtr expr;
        if (kk == "A_Const" && has_field(kf, "ival")) {
            int64_t n = int_field(field(kf, "ival"), "ival");
            if (n < 1 || n > static_cast<int64_t>(plan->columns.size())) {
                return error_at("42P10", "ORDER BY position " + std::to_string(n) + " is not in select list",
                                location_of(key));
            }
            expr = Expr::column_ref(static_cast<int>(n - 1), plan->columns[n - 1].type);
        } else {
            ExprContext ctx{&out, false, false, "ORDER BY"};
            auto e = bind_expr(key, ctx);
            if (!e) {
                return e.error();
            }
            expr = *e;
        }
        keys.push_back(sort_key(expr, sort_by));
    }
    if (!keys.empty()) {
        auto sort = PlanNode::make(PlanNode::Kind::Sort);
        sort->columns = plan->columns;
        sort->children = {plan};
        sort->sort_keys = std::move(keys);
        plan = sort;
    }
    return apply_limit(plan, fields);
}

Result<PlanPtr> Binder::apply_limit(PlanPtr plan, JsonNode fields) {
    if (!has_field(fields, "limitCount") && !has_field(fields, "limitOffset")) {
        return plan;
    }
    auto limit = PlanNode::make(PlanNode::Kind::Limit);
    limit->columns = plan->columns;
    limit->children = {plan};
    if (has_field(fields, "limitCount")) {
        auto count = bind_limit_value(field(fields, "limitCount"), "LIMIT");
        if (!count) {
            return count.error();
        }
        limit->limit = *count;
    }
    if (has_field(fields, "limitOffset")) {
        auto offset = bind_limit_value(field(fields, "limitOffset"), "OFFSET");
        if (!offset) {
            return offset.error();
        }
        limit->offset = offset->value_or(0);
    }
    if (string_field(fields, "limitOption") == "LIMIT_OPTION_WITH_TIES") {
        // Ties are judged on the ORDER BY keys, so the Limit must sit right on the Sort.
        if (plan->kind != PlanNode::Kind::Sort) {
            return Error::make("42601", "WITH TIES cannot be specified without ORDER BY clause");
        }
        limit->with_ties = limit->limit.has_value(); // FETCH FIRST NULL ROWS: every row, as in PostgreSQL
        limit->sort_keys = plan->sort_keys;
    }
    return limit;
}

} // namespace nectar::federation
