#include "rest/include_embed.hpp"

#include "federation/expr/functions.hpp"
#include "rest/expr_build.hpp"
#include "rest/table_query.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace nectar::rest {

using namespace federation;
using boost::asio::awaitable;

namespace {

using KeyText = std::vector<std::string>; ///< a key's parts as PostgreSQL text: int4 1 matches int8 1

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (;;) {
        size_t at = text.find(separator, start);
        parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos) {
            return parts;
        }
        start = at + 1;
    }
}

int column_of(const TableInfo& table, std::string_view name) {
    for (size_t i = 0; i < table.columns.size(); i++) {
        if (table.columns[i].name == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

std::vector<int> columns_of(const TableInfo& table, const std::vector<std::string>& names) {
    std::vector<int> out;
    for (const std::string& n : names) {
        out.push_back(column_of(table, n));
    }
    return out;
}

ExprPtr column_expr(const TableInfo& table, int i, int offset = 0) {
    return Expr::column_ref(i + offset, table.columns[i].type, table.columns[i].name);
}

/// `context`: "include", or "fields: \"rel.col\"".
Error unknown_relation(std::string_view context, const TableInfo& table, std::string_view name,
                       const std::vector<Relationship>& known) {
    std::string list;
    for (const Relationship& r : known) {
        list += (list.empty() ? "" : ", ") + r.name;
    }
    return Error::make("22023", "invalid " + std::string(context) + ": table \"" + table.name + "\" has no relationship \"" +
                                    std::string(name) + "\"" +
                                    (known.empty() ? " (it has none)" : " (known: " + list + ")"));
}

/// The "relation.column" items of fields=: each limits its embed to the columns named.
Result<void> read_embed_fields(const HttpRequest& request, const TableInfo& table,
                               const std::vector<Relationship>& known, std::vector<Embed>& embeds) {
    const std::string* fields = request.param("fields");
    if (fields == nullptr) {
        return {};
    }
    std::vector<bool> limited(embeds.size(), false);
    for (std::string_view item : split(*fields, ',')) {
        size_t dot = item.find('.');
        if (dot == std::string_view::npos) {
            continue;
        }
        std::string_view relation = item.substr(0, dot), column = item.substr(dot + 1);
        auto embed = std::find_if(embeds.begin(), embeds.end(),
                                  [&](const Embed& e) { return e.relationship.name == relation; });
        if (embed == embeds.end()) {
            bool exists = std::any_of(known.begin(), known.end(), [&](const Relationship& r) { return r.name == relation; });
            if (!exists) {
                return unknown_relation("fields: \"" + std::string(item) + "\"", table, relation, known);
            }
            return Error::make("22023", "invalid fields: \"" + std::string(item) + "\" names relationship \"" +
                                            std::string(relation) + "\", which include= does not embed (add include=" +
                                            std::string(relation) + ")");
        }
        const TableInfo& target = *embed->relationship.target;
        int index = column_of(target, column);
        if (index < 0) {
            return Error::make("42703", "column \"" + std::string(column) + "\" (in fields) does not exist in table \"" +
                                            target.name + "\" (relationship \"" + std::string(relation) + "\")");
        }
        size_t e = static_cast<size_t>(embed - embeds.begin());
        if (!limited[e]) {
            embed->columns.clear();
            limited[e] = true;
        }
        if (std::find(embed->columns.begin(), embed->columns.end(), index) == embed->columns.end()) {
            embed->columns.push_back(index);
        }
    }
    return {};
}

/// key IN (keys) for a one-column key, else OR of (k1 = v1 AND k2 = v2...).
Result<ExprPtr> key_match(const TableInfo& table, const std::vector<int>& columns, const std::vector<Row>& keys) {
    if (columns.size() == 1) {
        Type type = table.columns[columns[0]].type;
        auto eq = resolve_operator("=", type, type);
        if (!eq) {
            return eq.error();
        }
        auto column = coerce(column_expr(table, columns[0]), eq->params[0]);
        if (!column) {
            return column.error();
        }
        std::vector<ExprPtr> args{*column};
        for (const Row& key : keys) {
            auto value = coerce(Expr::constant(key[0]), eq->params[1]);
            if (!value) {
                return value.error();
            }
            args.push_back(*value);
        }
        auto in = std::make_shared<Expr>();
        in->kind = Expr::Kind::InList;
        in->type = Type::Bool;
        in->fn = std::make_shared<ScalarImpl>(std::move(*eq));
        in->args = std::move(args);
        return ExprPtr(in);
    }
    std::vector<ExprPtr> alternatives;
    for (const Row& key : keys) {
        std::vector<ExprPtr> terms;
        for (size_t k = 0; k < columns.size(); k++) {
            auto eq = operator_call("=", column_expr(table, columns[k]), Expr::constant(key[k]));
            if (!eq) {
                return eq.error();
            }
            terms.push_back(*eq);
        }
        alternatives.push_back(all_of(std::move(terms)));
    }
    if (alternatives.size() == 1) {
        return alternatives[0];
    }
    auto any = std::make_shared<Expr>();
    any->kind = Expr::Kind::Or;
    any->type = Type::Bool;
    any->args = std::move(alternatives);
    return ExprPtr(any);
}

PlanPtr on_top(PlanNode::Kind kind, PlanPtr child) {
    auto node = PlanNode::make(kind);
    node->columns = child->columns;
    node->children = {std::move(child)};
    return node;
}

/// The related table's primary key order (columns numbered from `offset`), so arrays are stable.
std::vector<SortKey> key_order(const TableInfo& table, int offset) {
    std::vector<SortKey> keys;
    for (size_t i = 0; i < table.columns.size(); i++) {
        if (table.columns[i].primary_key) {
            keys.push_back(SortKey{column_expr(table, static_cast<int>(i), offset), false, false});
        }
    }
    return keys;
}

/// Project of `exprs` (named by their labels) over `child`.
PlanPtr project(PlanPtr child, std::vector<ExprPtr> exprs) {
    auto node = PlanNode::make(PlanNode::Kind::Project);
    for (const ExprPtr& e : exprs) {
        node->columns.push_back({e->label, e->type});
    }
    node->exprs = std::move(exprs);
    node->children = {std::move(child)};
    return node;
}

/// One embed's related rows for a whole page, and where their keys and printed columns are.
struct Related {
    std::vector<Row> rows;
    std::vector<size_t> key_positions;   ///< match the parent's local key columns, in order
    std::vector<size_t> print_positions; ///< the embed's columns, in order
    std::map<KeyText, std::vector<size_t>> by_key;
};

/// belongsTo / hasMany: target where foreign columns IN the page's keys; prints then keys.
Result<PlanPtr> direct_plan(const std::string& service, const Embed& e, const std::vector<Row>& keys,
                            Related& related) {
    const TableInfo& target = *e.relationship.target;
    std::vector<int> foreign = columns_of(target, e.relationship.foreign_columns);
    auto match = key_match(target, foreign, keys);
    if (!match) {
        return match.error();
    }
    TableRef ref{service, &target, nullptr};
    PlanPtr plan = on_top(PlanNode::Kind::Filter, scan_of(ref));
    plan->predicate = *match;
    plan = on_top(PlanNode::Kind::Sort, plan);
    plan->sort_keys = key_order(target, 0);
    std::vector<int> fetched = e.columns;
    for (int f : foreign) {
        auto at = std::find(fetched.begin(), fetched.end(), f);
        related.key_positions.push_back(static_cast<size_t>(at - fetched.begin()));
        if (at == fetched.end()) {
            fetched.push_back(f);
        }
    }
    for (size_t i = 0; i < e.columns.size(); i++) {
        related.print_positions.push_back(i);
    }
    std::vector<ExprPtr> exprs;
    for (int c : fetched) {
        exprs.push_back(column_expr(target, c));
    }
    return project(plan, std::move(exprs));
}

/// manyToMany: junction where its local columns IN the page's keys, joined to the target on
/// its foreign columns; the junction's local columns then the printed target columns.
Result<PlanPtr> junction_plan(const std::string& service, const Embed& e, const std::vector<Row>& keys,
                              Related& related) {
    const Relationship& r = e.relationship;
    const TableInfo& junction = *r.junction;
    const TableInfo& target = *r.target;
    std::vector<int> near = columns_of(junction, r.junction_local_columns);
    auto match = key_match(junction, near, keys);
    if (!match) {
        return match.error();
    }
    PlanPtr left = on_top(PlanNode::Kind::Filter, scan_of(TableRef{service, &junction, nullptr}));
    left->predicate = *match;
    PlanPtr right = scan_of(TableRef{service, &target, nullptr});
    int offset = static_cast<int>(junction.columns.size());
    std::vector<ExprPtr> on;
    std::vector<int> far = columns_of(junction, r.junction_foreign_columns);
    std::vector<int> foreign = columns_of(target, r.foreign_columns);
    for (size_t k = 0; k < far.size(); k++) {
        auto eq = operator_call("=", column_expr(junction, far[k]), column_expr(target, foreign[k], offset));
        if (!eq) {
            return eq.error();
        }
        on.push_back(*eq);
    }
    auto join = PlanNode::make(PlanNode::Kind::Join);
    join->join_type = JoinType::Inner;
    join->columns = left->columns;
    join->columns.insert(join->columns.end(), right->columns.begin(), right->columns.end());
    join->condition = all_of(std::move(on));
    join->children = {left, right};
    PlanPtr plan = on_top(PlanNode::Kind::Sort, join);
    plan->sort_keys = key_order(target, offset);
    std::vector<ExprPtr> exprs;
    for (size_t k = 0; k < near.size(); k++) {
        exprs.push_back(column_expr(junction, near[k]));
        related.key_positions.push_back(k);
    }
    for (int c : e.columns) {
        related.print_positions.push_back(exprs.size());
        exprs.push_back(column_expr(target, c, offset));
    }
    return project(plan, std::move(exprs));
}

KeyText key_text(const Row& row, const std::vector<size_t>& positions) {
    KeyText key;
    for (size_t p : positions) {
        key.push_back(to_pg_text(row[p]));
    }
    return key;
}

/// The page's distinct, non-null keys at `positions` of its rows.
std::vector<Row> page_keys(const PageRows& page, const std::vector<size_t>& positions) {
    std::vector<Row> keys;
    std::map<KeyText, bool> seen;
    for (const Row& row : page.rows) {
        bool has_null = std::any_of(positions.begin(), positions.end(), [&](size_t p) { return row[p].is_null(); });
        if (has_null || !seen.emplace(key_text(row, positions), true).second) {
            continue;
        }
        Row key;
        for (size_t p : positions) {
            key.push_back(row[p]);
        }
        keys.push_back(std::move(key));
    }
    return keys;
}

/// Where the parent's local key columns of `e` are in the page's rows.
std::vector<size_t> local_positions(const TableInfo& table, const PageRows& page, const Embed& e) {
    std::vector<size_t> positions;
    for (int c : columns_of(table, e.relationship.local_columns)) {
        positions.push_back(static_cast<size_t>(std::find(page.columns.begin(), page.columns.end(), c) -
                                                page.columns.begin()));
    }
    return positions;
}

awaitable<Result<Related>> fetch_related(Engine& engine, const std::string& service, const std::vector<Row>& keys,
                                         const Embed& e) {
    Related related;
    if (keys.empty()) {
        co_return related; // no row of the page has a key: nothing to ask for
    }
    bool through_junction = e.relationship.kind == Relationship::Kind::many_to_many;
    auto plan = through_junction ? junction_plan(service, e, keys, related) : direct_plan(service, e, keys, related);
    if (!plan) {
        co_return plan.error();
    }
    RowsCollector rows(std::numeric_limits<int64_t>::max());
    auto ran = co_await engine.run_plan(*plan, rows);
    if (!ran) {
        co_return ran.error();
    }
    related.rows = std::move(rows.rows);
    for (size_t i = 0; i < related.rows.size(); i++) {
        related.by_key[key_text(related.rows[i], related.key_positions)].push_back(i);
    }
    co_return related;
}

void write_related_row(JsonWriter& w, const Embed& e, const Related& related, size_t i) {
    const TableInfo& target = *e.relationship.target;
    w.begin_object();
    for (size_t k = 0; k < e.columns.size(); k++) {
        w.key(target.columns[e.columns[k]].name);
        w.value(related.rows[i][related.print_positions[k]]);
    }
    w.end_object();
}

void write_embedded(JsonWriter& w, const Embed& e, const Related& related, const Row& row,
                    const std::vector<size_t>& local) {
    bool has_null = std::any_of(local.begin(), local.end(), [&](size_t p) { return row[p].is_null(); });
    auto found = has_null ? related.by_key.end() : related.by_key.find(key_text(row, local));
    w.key(e.relationship.name);
    if (e.relationship.kind == Relationship::Kind::belongs_to) {
        found == related.by_key.end() ? w.null() : write_related_row(w, e, related, found->second.front());
        return;
    }
    w.begin_array();
    if (found != related.by_key.end()) {
        for (size_t i : found->second) {
            write_related_row(w, e, related, i);
        }
    }
    w.end_array();
}

} // namespace

Result<std::vector<Embed>> embeds_named(const std::vector<std::string_view>& names, const std::string& service_name,
                                        const ServiceTables& service, const TableInfo& table,
                                        const ExposureStore& exposures) {
    std::vector<Embed> embeds;
    std::vector<Relationship> known = relationships_of(service, table);
    for (std::string_view name : names) {
        bool repeated =
            std::any_of(embeds.begin(), embeds.end(), [&](const Embed& e) { return e.relationship.name == name; });
        if (repeated) {
            continue;
        }
        auto r = std::find_if(known.begin(), known.end(), [&](const Relationship& k) { return k.name == name; });
        if (r == known.end()) {
            return unknown_relation("include", table, name, known);
        }
        if (!exposures.is_exposed(service_name, r->target->name)) {
            return Error::make("42501", "invalid include: relationship \"" + r->name + "\" leads to table \"" +
                                            r->target->name + "\", which is not exposed in service \"" +
                                            service_name + "\"");
        }
        Embed e{*r, {}};
        for (size_t i = 0; i < r->target->columns.size(); i++) {
            e.columns.push_back(static_cast<int>(i));
        }
        embeds.push_back(std::move(e));
    }
    return embeds;
}

Result<std::vector<Embed>> read_embeds(const HttpRequest& request, const ServiceTables& service,
                                       const TableInfo& table, const ExposureStore& exposures) {
    const std::string* include = request.param("include");
    std::vector<std::string_view> names;
    if (include != nullptr && !include->empty()) {
        names = split(*include, ',');
    }
    auto embeds = embeds_named(names, request.path_param("service"), service, table, exposures);
    if (!embeds) {
        return embeds.error();
    }
    auto fields = read_embed_fields(request, table, relationships_of(service, table), *embeds);
    if (!fields) {
        return fields.error();
    }
    return embeds;
}

std::vector<int> embed_key_columns(const TableInfo& table, const std::vector<Embed>& embeds) {
    std::vector<int> columns;
    for (const Embed& e : embeds) {
        for (int c : columns_of(table, e.relationship.local_columns)) {
            if (std::find(columns.begin(), columns.end(), c) == columns.end()) {
                columns.push_back(c);
            }
        }
    }
    return columns;
}

awaitable<Result<void>> write_with_embeds(Engine& engine, const std::string& service, const TableInfo& table,
                                          const PageRows& page, const std::vector<Embed>& embeds, JsonWriter& w) {
    std::vector<Related> related;
    std::vector<std::vector<size_t>> local;
    for (const Embed& e : embeds) {
        local.push_back(local_positions(table, page, e));
        std::vector<Row> keys = page_keys(page, local.back());
        auto fetched = co_await fetch_related(engine, service, keys, e);
        if (!fetched) {
            co_return fetched.error();
        }
        related.push_back(std::move(*fetched));
    }
    for (const Row& row : page.rows) {
        w.begin_object();
        for (size_t i = 0; i < page.printed; i++) {
            w.key(page.names.empty() ? table.columns[page.columns[i]].name : page.names[i]);
            w.value(row[i]);
        }
        for (size_t e = 0; e < embeds.size(); e++) {
            write_embedded(w, embeds[e], related[e], row, local[e]);
        }
        w.end_object();
    }
    co_return Result<void>{};
}

} // namespace nectar::rest
