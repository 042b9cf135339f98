// Plan subtree → one SELECT. Operators fold into the current query block while SQL's clause
// order allows (FROM, WHERE, GROUP BY, HAVING, SELECT, DISTINCT, ORDER BY, LIMIT); otherwise the
// block so far becomes a derived table and a new block starts on top of it.
#include "federation/plan/sql_render.hpp"

#include <functional>

namespace nectar::federation {

namespace {

bool is_symbolic(std::string_view name) {
    return !name.empty() && !std::isalpha(static_cast<unsigned char>(name[0])) && name[0] != '_';
}

/// Whether column `col` of `n` is a NOT NULL column of a table, passed through unchanged.
bool never_null(const PlanNode& n, size_t col) {
    switch (n.kind) {
    case PlanNode::Kind::Scan:
        return col < n.columns.size() && n.columns[col].not_null;
    case PlanNode::Kind::Filter:
    case PlanNode::Kind::Sort:
    case PlanNode::Kind::Limit:
    case PlanNode::Kind::Distinct:
        return never_null(*n.children[0], col);
    case PlanNode::Kind::Project: {
        const ExprPtr& e = n.exprs.at(col);
        return e->kind == Expr::Kind::Column && never_null(*n.children[0], static_cast<size_t>(e->column));
    }
    case PlanNode::Kind::Join: {
        const size_t left_width = n.children[0]->columns.size();
        if (col < left_width) {
            return n.join_type != JoinType::Right && n.join_type != JoinType::Full && never_null(*n.children[0], col);
        }
        return (n.join_type == JoinType::Inner || n.join_type == JoinType::Cross) &&
               never_null(*n.children[1], col - left_width);
    }
    default:
        return false;
    }
}

bool is_like_operator(std::string_view name) {
    return name == "~~" || name == "~~*" || name == "!~~" || name == "!~~*";
}

/// One SELECT being built.
struct Block {
    std::string from;
    std::vector<std::string> cols; ///< SQL of each output column, valid in this block
    std::vector<Type> types;       ///< type of each output column (set once the node is rendered)
    std::vector<std::string> where;
    std::vector<std::string> group_by;
    std::vector<std::string> having;
    std::vector<std::string> order_by;
    std::optional<int64_t> limit;
    int64_t offset = 0;
    bool with_ties = false; ///< the limit keeps rows tying the last on order_by
    bool distinct = false;
    bool aggregated = false;
    bool projected = false; ///< some cols are computed expressions (not NULL-extended by an outer join)

    bool simple() const {
        return group_by.empty() && !aggregated && having.empty() && order_by.empty() && !limit &&
               offset == 0 && !distinct;
    }
};

/// Whether a value of `type` may go to PostgreSQL as text for a placeholder whose type it infers
/// from the column it is compared with (the same engine type, so the same text form).
bool bindable_type(Type type) {
    switch (type) {
    case Type::Bool:
    case Type::Int2:
    case Type::Int4:
    case Type::Int8:
    case Type::Numeric:
    case Type::Text:
    case Type::Varchar:
    case Type::Date:
    case Type::Timestamp:
    case Type::TimestampTz:
    case Type::Uuid:
        return true;
    default:
        return false;
    }
}

bool is_comparison(std::string_view op) {
    return op == "=" || op == "<>" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=";
}

struct Renderer {
    const Dialect& dialect;
    const std::vector<Value>& params;
    int next_alias = 1;
    /// Bound rendering (render_bound_select): values placed as $n, in $n order.
    std::vector<std::optional<std::string>>* binds = nullptr;
    int inlined = 0; ///< values spelled as literals in bound rendering

    const Value* value_of(const Expr& e) const {
        if (e.kind == Expr::Kind::Const) {
            return &e.value;
        }
        if (e.kind == Expr::Kind::Param && e.param >= 1 && static_cast<size_t>(e.param) <= params.size()) {
            return &params[e.param - 1];
        }
        return nullptr;
    }

    std::string placeholder(std::optional<std::string> text) {
        binds->push_back(std::move(text));
        return "$" + std::to_string(binds->size());
    }

    /// `column op value` with the value as a placeholder, when bound rendering may place it.
    std::optional<std::string> bound_comparison(const Expr& e, const std::vector<std::string>& cols) {
        if (binds == nullptr || e.args.size() != 2 || !is_comparison(e.fn->name)) {
            return std::nullopt;
        }
        const Expr& left = *e.args[0];
        const Expr& right = *e.args[1];
        bool column_left = left.kind == Expr::Kind::Column;
        const Expr& column = column_left ? left : right;
        const Value* value = value_of(column_left ? right : left);
        if (column.kind != Expr::Kind::Column || value == nullptr || value->is_null() ||
            value->type() != column.type || !bindable_type(column.type)) {
            return std::nullopt;
        }
        std::string column_sql = cols.at(column.column);
        std::string param = placeholder(to_pg_text(*value));
        return column_left ? dialect.render_operator(e.fn->name, column_sql, param, left.type, right.type)
                           : dialect.render_operator(e.fn->name, param, column_sql, left.type, right.type);
    }

    std::string expr(const Expr& e, const std::vector<std::string>& cols) {
        switch (e.kind) {
        case Expr::Kind::Column:
            return cols.at(e.column);
        case Expr::Kind::Const:
            inlined++;
            return dialect.literal(e.value);
        case Expr::Kind::Param:
            inlined++;
            return dialect.literal(params.at(e.param - 1));
        case Expr::Kind::Call: {
            if (auto bound = bound_comparison(e, cols)) {
                return *bound;
            }
            std::vector<std::string> args;
            std::vector<Type> types;
            for (auto& a : e.args) {
                args.push_back(expr(*a, cols));
                types.push_back(a->type);
            }
            const std::string& name = e.fn->name;
            if (is_symbolic(name) || is_like_operator(name)) {
                if (args.size() == 1) {
                    return dialect.render_unary(name, args[0], types[0]);
                }
                return dialect.render_operator(name, args[0], args[1], types[0], types[1]);
            }
            return dialect.render_function(name, args, types);
        }
        case Expr::Kind::Cast:
            return dialect.render_cast(expr(*e.args[0], cols), e.args[0]->type, e.type);
        case Expr::Kind::And:
        case Expr::Kind::Or: {
            std::string s = "(";
            for (size_t i = 0; i < e.args.size(); i++) {
                s += (i ? (e.kind == Expr::Kind::And ? " AND " : " OR ") : "") + expr(*e.args[i], cols);
            }
            return s + ")";
        }
        case Expr::Kind::Not:
            return "(NOT " + expr(*e.args[0], cols) + ")";
        case Expr::Kind::IsNull:
            return "(" + expr(*e.args[0], cols) + (e.negated ? " IS NOT NULL)" : " IS NULL)");
        case Expr::Kind::IsDistinct:
            return dialect.render_operator(e.negated ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM",
                                           expr(*e.args[0], cols), expr(*e.args[1], cols), e.args[0]->type,
                                           e.args[1]->type);
        case Expr::Kind::Case: {
            std::string s = "CASE";
            for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
                s += " WHEN " + expr(*e.args[i], cols) + " THEN " + expr(*e.args[i + 1], cols);
            }
            return s + " ELSE " + expr(*e.args.back(), cols) + " END";
        }
        case Expr::Kind::Coalesce: {
            std::string s = "COALESCE(";
            for (size_t i = 0; i < e.args.size(); i++) {
                s += (i ? ", " : "") + expr(*e.args[i], cols);
            }
            return s + ")";
        }
        case Expr::Kind::NullIf:
            return dialect.render_nullif(expr(*e.args[0], cols), expr(*e.args[1], cols), e.args[0]->type,
                                         e.args[1]->type);
        case Expr::Kind::InList: {
            std::vector<std::string> items;
            std::vector<Type> item_types;
            for (size_t i = 1; i < e.args.size(); i++) {
                items.push_back(expr(*e.args[i], cols));
                item_types.push_back(e.args[i]->type);
            }
            return dialect.render_in_list(expr(*e.args[0], cols), items, e.args[0]->type, item_types,
                                          e.negated);
        }
        default:
            return "NULL"; // never reached: can_render refuses the rest
        }
    }

    std::string select_sql(const Block& b) {
        std::string s = b.distinct ? "SELECT DISTINCT " : "SELECT ";
        if (b.cols.empty()) {
            s += "1";
        }
        for (size_t i = 0; i < b.cols.size(); i++) {
            Type type = i < b.types.size() ? b.types[i] : Type::Unknown;
            s += (i ? ", " : "") + dialect.render_select_item(b.cols[i], type) + " AS " +
                 dialect.quote_identifier("c" + std::to_string(i));
        }
        if (!b.from.empty()) {
            s += " FROM " + b.from;
        }
        for (size_t i = 0; i < b.where.size(); i++) {
            s += (i ? " AND " : " WHERE ") + b.where[i];
        }
        for (size_t i = 0; i < b.group_by.size(); i++) {
            s += (i ? ", " : " GROUP BY ") + b.group_by[i];
        }
        for (size_t i = 0; i < b.having.size(); i++) {
            s += (i ? " AND " : " HAVING ") + b.having[i];
        }
        for (size_t i = 0; i < b.order_by.size(); i++) {
            s += (i ? ", " : " ORDER BY ") + b.order_by[i];
        }
        if (b.with_ties) {
            return s + dialect.fetch_first_with_ties(*b.limit, b.offset);
        }
        if (binds != nullptr) {
            // PostgreSQL's spelling, the count a placeholder: one statement for every page.
            if (b.limit) {
                s += " LIMIT " + placeholder(std::to_string(*b.limit));
            }
            if (b.offset > 0) {
                s += " OFFSET " + placeholder(std::to_string(b.offset));
            }
            return s;
        }
        return s + dialect.limit_offset(b.limit, b.offset);
    }

    /// The block so far becomes a derived table; a fresh block reads its columns.
    Block wrap(const Block& b) {
        std::string alias = "d" + std::to_string(next_alias++);
        Block w;
        w.from = "(" + select_sql(b) + ") " + alias;
        for (size_t i = 0; i < b.cols.size(); i++) {
            w.cols.push_back(alias + "." + dialect.quote_identifier("c" + std::to_string(i)));
        }
        w.types = b.types;
        return w;
    }

    /// The node's block, its columns typed as the node's output.
    Block node(const PlanNode& n) {
        Block b = build(n);
        b.types.clear();
        for (auto& c : n.columns) {
            b.types.push_back(c.type);
        }
        return b;
    }

    Block build(const PlanNode& n) {
        switch (n.kind) {
        case PlanNode::Kind::Scan: {
            Block b;
            std::string alias = "t" + std::to_string(next_alias++);
            b.from = dialect.qualified_table(n.schema, n.table) + " " + alias;
            for (auto& c : n.columns) {
                b.cols.push_back(alias + "." + dialect.quote_identifier(c.name));
            }
            return b;
        }
        case PlanNode::Kind::Filter: {
            Block b = node(*n.children[0]);
            if (b.limit || b.offset || b.distinct || !b.order_by.empty()) {
                b = wrap(b);
            }
            (b.aggregated ? b.having : b.where).push_back(expr(*n.predicate, b.cols));
            return b;
        }
        case PlanNode::Kind::Project: {
            Block b = node(*n.children[0]);
            if (b.distinct) {
                b = wrap(b);
            }
            std::vector<std::string> cols;
            for (auto& e : n.exprs) {
                cols.push_back(expr(*e, b.cols));
            }
            b.cols = std::move(cols);
            for (auto& e : n.exprs) {
                b.projected |= e->kind != Expr::Kind::Column; // bare columns stay bare columns
            }
            return b;
        }
        case PlanNode::Kind::Aggregate: {
            Block b = node(*n.children[0]);
            if (!b.simple()) {
                b = wrap(b);
            }
            std::vector<std::string> cols;
            // Each key is selected as the dialect compares it (a representative of its group).
            for (auto& g : n.group_by) {
                cols.push_back(dialect.render_group_key(expr(*g, b.cols), g->type));
                b.group_by.push_back(cols.back());
            }
            for (auto& a : n.aggregates) {
                std::vector<std::string> args;
                std::vector<Type> types;
                for (auto& x : a.args) {
                    args.push_back(expr(*x, b.cols));
                    types.push_back(x->type);
                }
                std::string call = dialect.render_aggregate(a.impl.name, args, types, a.distinct, a.star);
                if (a.filter) {
                    call += " FILTER (WHERE " + expr(*a.filter, b.cols) + ")";
                }
                cols.push_back(call);
            }
            b.cols = std::move(cols);
            b.aggregated = true;
            return b;
        }
        case PlanNode::Kind::Sort: {
            Block b = node(*n.children[0]);
            if (b.limit || b.offset) {
                b = wrap(b);
            }
            b.order_by.clear();
            for (auto& k : n.sort_keys) {
                bool may_be_null = k.expr->kind != Expr::Kind::Column ||
                                   !never_null(*n.children[0], static_cast<size_t>(k.expr->column));
                b.order_by.push_back(dialect.render_order_item(expr(*k.expr, b.cols), k.descending,
                                                               k.nulls_first, k.expr->type, may_be_null));
            }
            return b;
        }
        case PlanNode::Kind::Limit: {
            Block b = node(*n.children[0]);
            if (b.limit || b.offset) {
                b = wrap(b);
            }
            b.limit = n.limit;
            b.offset = n.offset;
            b.with_ties = n.with_ties;
            return b;
        }
        case PlanNode::Kind::Distinct: {
            Block b = node(*n.children[0]);
            if (b.limit || b.offset || !b.order_by.empty()) {
                b = wrap(b);
            }
            // DISTINCT compares the selected values: select them as the dialect compares them.
            for (size_t i = 0; i < b.cols.size() && i < n.columns.size(); i++) {
                b.cols[i] = dialect.render_group_key(b.cols[i], n.columns[i].type);
            }
            b.distinct = true;
            return b;
        }
        case PlanNode::Kind::Join: {
            Block l = node(*n.children[0]);
            Block r = node(*n.children[1]);
            bool inner = n.join_type == JoinType::Inner || n.join_type == JoinType::Cross;
            // Outer joins need each side's own filters inside it; inner joins can share WHERE.
            if (!l.simple() || (!inner && (l.projected || !l.where.empty()))) {
                l = wrap(l);
            }
            if (!r.simple() || (!inner && (r.projected || !r.where.empty()))) {
                r = wrap(r);
            }
            Block b;
            b.cols = l.cols;
            b.cols.insert(b.cols.end(), r.cols.begin(), r.cols.end());
            const char* keyword = n.join_type == JoinType::Left    ? " LEFT JOIN "
                                  : n.join_type == JoinType::Right ? " RIGHT JOIN "
                                  : n.join_type == JoinType::Full  ? " FULL JOIN "
                                  : n.join_type == JoinType::Cross ? " CROSS JOIN "
                                                                   : " JOIN ";
            b.from = l.from + keyword + r.from;
            if (n.join_type != JoinType::Cross) {
                b.from += " ON " + (n.condition ? expr(*n.condition, b.cols) : std::string("1 = 1"));
            }
            b.where = l.where;
            b.where.insert(b.where.end(), r.where.begin(), r.where.end());
            return b;
        }
        default:
            return Block{}; // never reached: can_render_node refuses the rest
        }
    }
};

} // namespace

bool can_render(const Expr& e, const Dialect& d, const std::vector<Value>* params) {
    for (auto& a : e.args) {
        if (!can_render(*a, d, params)) {
            return false;
        }
    }
    switch (e.kind) {
    case Expr::Kind::Column:
    case Expr::Kind::And:
    case Expr::Kind::Or:
    case Expr::Kind::Not:
    case Expr::Kind::IsNull:
        return true;
    case Expr::Kind::Case:
    case Expr::Kind::Coalesce:
        // A numeric keeps its own display scale per value only in PostgreSQL; MariaDB and SQLite
        // give every branch the widest scale (2749.41 would come back as 2749.410).
        return e.type != Type::Numeric || d.name() == "postgresql";
    case Expr::Kind::Const:
    case Expr::Kind::Param: {
        if (e.type == Type::Unknown || e.type == Type::Interval || e.type == Type::Time) {
            return false;
        }
        if (e.kind == Expr::Kind::Const) {
            return d.supports_literal(e.value);
        }
        // A parameter's value is known only when the caller passes the statement's parameters.
        bool known = params != nullptr && e.param >= 1 && static_cast<size_t>(e.param) <= params->size();
        return !known || d.supports_literal((*params)[e.param - 1]);
    }
    case Expr::Kind::Call: {
        if (e.fn->volatile_fn) {
            return false; // now(), random(): Nectar's clock and generator, once per statement
        }
        std::vector<Type> types;
        for (auto& a : e.args) {
            types.push_back(a->type);
        }
        const std::string& name = e.fn->name;
        if (is_symbolic(name) || is_like_operator(name)) {
            return types.size() == 1 ? d.supports_operator(name, Type::Unknown, types[0])
                                     : d.supports_operator(name, types[0], types[1]);
        }
        return d.supports_function(name, types);
    }
    case Expr::Kind::Cast:
        return d.supports_cast(e.args[0]->type, e.type);
    case Expr::Kind::IsDistinct:
        return d.supports_operator(e.negated ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM", e.args[0]->type,
                                   e.args[1]->type);
    case Expr::Kind::NullIf:
        return d.supports_operator("=", e.args[0]->type, e.args[1]->type);
    case Expr::Kind::InList:
        for (size_t i = 1; i < e.args.size(); i++) {
            if (!d.supports_operator("=", e.args[0]->type, e.args[i]->type)) {
                return false;
            }
        }
        return true;
    default:
        return false; // subqueries run in Nectar first
    }
}

namespace {

bool can_render_aggregate(const PlanNode& n, const Dialect& d, const std::vector<Value>* params) {
    if (!n.grouping_sets.empty()) {
        return false;
    }
    std::vector<Type> key_types;
    for (auto& g : n.group_by) {
        if (!can_render(*g, d, params)) {
            return false;
        }
        key_types.push_back(g->type);
    }
    if (!d.supports_group_by(key_types)) {
        return false;
    }
    for (auto& a : n.aggregates) {
        if (a.impl.name == "grouping") { // computed from the grouping set, not a backend aggregate
            return false;
        }
        std::vector<Type> types;
        for (auto& x : a.args) {
            if (!can_render(*x, d, params)) {
                return false;
            }
            types.push_back(x->type);
        }
        if (!a.order_by.empty() || (a.filter && d.name() != "postgresql") ||
            (a.filter && !can_render(*a.filter, d, params)) ||
            !d.supports_aggregate(a.impl.name, types, a.distinct)) {
            return false;
        }
    }
    return true;
}

} // namespace

bool can_render_node(const PlanNode& n, const Dialect& d, const std::vector<Value>* params) {
    switch (n.kind) {
    case PlanNode::Kind::Scan:
        return true;
    case PlanNode::Kind::Filter:
        return can_render(*n.predicate, d, params);
    case PlanNode::Kind::Project:
        for (auto& e : n.exprs) {
            if (!can_render(*e, d, params)) {
                return false;
            }
        }
        return true;
    case PlanNode::Kind::Aggregate:
        return can_render_aggregate(n, d, params);
    case PlanNode::Kind::Sort:
        for (auto& k : n.sort_keys) {
            if (!can_render(*k.expr, d, params) || !d.supports_order_by(k.expr->type)) {
                return false;
            }
        }
        return true;
    case PlanNode::Kind::Limit:
        return d.supports_limit() && (!n.with_ties || d.supports_fetch_with_ties());
    case PlanNode::Kind::Distinct: {
        // DISTINCT compares rows as GROUP BY compares keys (render_group_key).
        std::vector<Type> types;
        for (auto& c : n.columns) {
            types.push_back(c.type);
        }
        return d.supports_group_by(types);
    }
    case PlanNode::Kind::Join: {
        const char* kind = n.join_type == JoinType::Inner   ? "inner"
                           : n.join_type == JoinType::Left  ? "left"
                           : n.join_type == JoinType::Right ? "right"
                           : n.join_type == JoinType::Full  ? "full"
                           : n.join_type == JoinType::Cross ? "cross"
                                                            : nullptr;
        return kind != nullptr && d.supports_join(kind) &&
               (!n.condition || can_render(*n.condition, d, params));
    }
    default:
        return false;
    }
}

std::string render_select(const PlanNode& node, const Dialect& dialect, const std::vector<Value>& params) {
    Renderer r{dialect, params};
    Block b = r.node(node);
    return r.select_sql(b);
}

std::optional<BoundSql> render_bound_select(const PlanNode& node, const Dialect& dialect,
                                            const std::vector<Value>& params) {
    if (!dialect.binds_parameters()) {
        return std::nullopt;
    }
    BoundSql bound;
    Renderer r{dialect, params};
    r.binds = &bound.values;
    Block b = r.node(node);
    bound.sql = r.select_sql(b);
    if (r.inlined > 0) {
        return std::nullopt; // its text changes with its values: nothing to reuse
    }
    return bound;
}

} // namespace nectar::federation
