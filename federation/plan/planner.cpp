#include "federation/plan/planner.hpp"

#include "federation/plan/sql_render.hpp"
#include "federation/plan/top_n_join.hpp"

#include <algorithm>

namespace nectar::federation {

void collect_columns(const Expr& expr, std::vector<int>& out) {
    if (expr.kind == Expr::Kind::Column) {
        out.push_back(expr.column);
    }
    for (auto& a : expr.args) {
        collect_columns(*a, out);
    }
}

ExprPtr remap_columns(const ExprPtr& expr, const std::vector<int>& map) {
    if (expr->kind == Expr::Kind::Column) {
        auto e = std::make_shared<Expr>(*expr);
        e->column = map.at(expr->column);
        return e;
    }
    if (expr->args.empty()) {
        return expr;
    }
    auto e = std::make_shared<Expr>(*expr);
    for (auto& a : e->args) {
        a = remap_columns(a, map);
    }
    return e;
}

bool has_subquery(const Expr& e) {
    if (e.kind == Expr::Kind::Subquery) {
        return true;
    }
    for (auto& a : e.args) {
        if (has_subquery(*a)) {
            return true;
        }
    }
    return false;
}

namespace {

void split_conjuncts(const ExprPtr& e, std::vector<ExprPtr>& out) {
    if (e->kind == Expr::Kind::And) {
        for (auto& a : e->args) {
            split_conjuncts(a, out);
        }
    } else {
        out.push_back(e);
    }
}

ExprPtr conjunction(std::vector<ExprPtr> parts) {
    if (parts.empty()) {
        return nullptr;
    }
    if (parts.size() == 1) {
        return parts[0];
    }
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::And;
    e->type = Type::Bool;
    e->args = std::move(parts);
    return e;
}


PlanPtr add_filter(PlanPtr child, std::vector<ExprPtr> predicates) {
    if (predicates.empty()) {
        return child;
    }
    auto filter = PlanNode::make(PlanNode::Kind::Filter);
    filter->columns = child->columns;
    filter->children = {std::move(child)};
    filter->predicate = conjunction(std::move(predicates));
    return filter;
}

/// Which side of a join a predicate reads: 1 left only, 2 right only, 3 both, 0 neither.
int sides_of(const Expr& e, int left_width) {
    std::vector<int> cols;
    collect_columns(e, cols);
    int sides = 0;
    for (int c : cols) {
        sides |= c < left_width ? 1 : 2;
    }
    return sides;
}

std::vector<int> shift_map(int width, int total, int delta) {
    std::vector<int> map(total, -1);
    for (int i = 0; i < total; i++) {
        map[i] = i + delta;
    }
    (void)width;
    return map;
}

PlanPtr push_filters(PlanPtr node);

/// A pruned subtree and where each of the old node's columns went (−1: dropped).
struct Pruned {
    PlanPtr node;
    std::vector<int> map;
};

Pruned prune(const PlanPtr& node, const std::vector<bool>& need);

/// Moves predicates above or inside a join down to the side they read, where the join type allows.
PlanPtr push_into_join(PlanPtr join, std::vector<ExprPtr> above) {
    const int lw = static_cast<int>(join->children[0]->columns.size());
    const int total = static_cast<int>(join->columns.size());
    JoinType t = join->join_type;
    std::vector<ExprPtr> on;
    if (join->condition) {
        split_conjuncts(join->condition, on);
    }
    // Predicates above an inner/cross join are as good as ON conditions.
    if (t == JoinType::Inner || t == JoinType::Cross) {
        on.insert(on.end(), above.begin(), above.end());
        above.clear();
    }
    std::vector<ExprPtr> left, right, keep_on, keep_above;
    bool left_ok_above = t == JoinType::Left || t == JoinType::Semi || t == JoinType::Anti;
    bool right_ok_above = t == JoinType::Right;
    for (auto& p : above) {
        int s = sides_of(*p, lw);
        if (!has_subquery(*p) && s == 1 && left_ok_above) {
            left.push_back(p);
        } else if (!has_subquery(*p) && s == 2 && right_ok_above) {
            right.push_back(remap_columns(p, shift_map(lw, total, -lw)));
        } else {
            keep_above.push_back(p);
        }
    }
    bool inner = t == JoinType::Inner || t == JoinType::Cross;
    for (auto& p : on) {
        int s = sides_of(*p, lw);
        // ON conditions of an outer join may only filter the side whose rows it may drop.
        bool to_left = s == 1 && (inner || t == JoinType::Right);
        bool to_right = s == 2 && (inner || t == JoinType::Left || t == JoinType::Semi || t == JoinType::Anti);
        if (!has_subquery(*p) && to_left) {
            left.push_back(p);
        } else if (!has_subquery(*p) && to_right) {
            right.push_back(remap_columns(p, shift_map(lw, total, -lw)));
        } else {
            keep_on.push_back(p);
        }
    }
    join->children[0] = push_filters(add_filter(join->children[0], left));
    join->children[1] = push_filters(add_filter(join->children[1], right));
    join->condition = conjunction(keep_on);
    if (t == JoinType::Cross && join->condition) {
        join->join_type = JoinType::Inner;
    }
    return add_filter(join, keep_above);
}

PlanPtr push_filters(PlanPtr node) {
    if (node->kind == PlanNode::Kind::Filter) {
        PlanPtr child = node->children[0];
        std::vector<ExprPtr> preds;
        split_conjuncts(node->predicate, preds);
        if (child->kind == PlanNode::Kind::Join) {
            return push_into_join(child, preds);
        }
        if (child->kind == PlanNode::Kind::Filter) { // merge stacked filters
            std::vector<ExprPtr> more;
            split_conjuncts(child->predicate, more);
            preds.insert(preds.end(), more.begin(), more.end());
            return push_filters(add_filter(child->children[0], preds));
        }
        node->children[0] = push_filters(child);
        return node;
    }
    if (node->kind == PlanNode::Kind::Join) {
        return push_into_join(node, {});
    }
    for (auto& c : node->children) {
        c = push_filters(c);
    }
    return node;
}

/// The single service every scan below runs on, when the whole subtree can run there.
struct Pushability {
    bool pushable = false;
    std::string service;
};

struct Planner {
    const DialectLookup& dialects;
    const std::vector<Value>& params;
    Error error;
    bool failed = false;

    /// Plans the subquery trees inside a node's expressions (they run before the main tree).
    void plan_subqueries(const Expr& e) {
        if (e.kind == Expr::Kind::Subquery && e.subquery) {
            PlanPtr pushed = push_filters(e.subquery);
            pushed = prune(pushed, std::vector<bool>(pushed->columns.size(), true)).node;
            PlanPtr planned = plan(pushed);
            *e.subquery = *planned;
        }
        for (auto& a : e.args) {
            plan_subqueries(*a);
        }
    }

    void plan_node_subqueries(PlanNode& n) {
        auto visit = [&](const ExprPtr& e) {
            if (e) {
                plan_subqueries(*e);
            }
        };
        visit(n.predicate);
        visit(n.condition);
        for (auto& e : n.exprs) visit(e);
        for (auto& e : n.group_by) visit(e);
        for (auto& a : n.aggregates) {
            for (auto& x : a.args) visit(x);
            visit(a.filter);
        }
        for (auto& k : n.sort_keys) visit(k.expr);
        for (auto& row : n.rows) {
            for (auto& e : row) visit(e);
        }
    }

    Pushability analyze(const PlanNode& n, std::map<const PlanNode*, Pushability>& memo) {
        Pushability p;
        if (n.kind == PlanNode::Kind::Scan) {
            p.service = n.service;
            p.pushable = dialects(n.service) != nullptr;
        } else if (n.kind == PlanNode::Kind::Remote || n.children.empty()) {
            p.pushable = false;
        } else {
            p.pushable = true;
            for (size_t i = 0; i < n.children.size(); i++) {
                Pushability c = analyze(*n.children[i], memo);
                if (!c.pushable || (i > 0 && c.service != p.service)) {
                    p.pushable = false;
                }
                if (i == 0) {
                    p.service = c.service;
                }
            }
            if (p.pushable) {
                const Dialect* d = dialects(p.service);
                p.pushable = d != nullptr && can_render_node(n, *d, &params);
            }
        }
        memo[&n] = p;
        return p;
    }

    PlanPtr remote(const PlanNode& n, const std::string& service) {
        auto r = PlanNode::make(PlanNode::Kind::Remote);
        r->columns = n.columns;
        r->service = service;
        r->remote_sql = render_select(n, *dialects(service), params);
        if (auto bound = render_bound_select(n, *dialects(service), params)) {
            r->remote_bound = std::move(*bound);
        }
        r->row_estimate = static_row_estimate(n);
        return r;
    }

    PlanPtr replace(const PlanPtr& n, std::map<const PlanNode*, Pushability>& memo) {
        const Pushability& p = memo[n.get()];
        if (p.pushable) {
            return remote(*n, p.service);
        }
        for (auto& c : n->children) {
            c = replace(c, memo);
        }
        plan_node_subqueries(*n);
        return n;
    }

    PlanPtr plan(PlanPtr root) {
        std::map<const PlanNode*, Pushability> memo;
        analyze(*root, memo);
        return replace(root, memo);
    }
};

/// Hash joins build on the right input: put the side expected to be smaller there.
PlanPtr order_joins(PlanPtr node) {
    for (auto& c : node->children) {
        c = order_joins(c);
    }
    if (node->kind != PlanNode::Kind::Join || node->join_type != JoinType::Inner ||
        static_row_estimate(*node->children[0]) >= static_row_estimate(*node->children[1])) {
        return node;
    }
    return swap_join_inputs(node);
}

std::vector<int> identity_map(size_t n) {
    std::vector<int> map(n);
    for (size_t i = 0; i < n; i++) {
        map[i] = static_cast<int>(i);
    }
    return map;
}

void require(const ExprPtr& e, std::vector<bool>& need) {
    if (!e) {
        return;
    }
    std::vector<int> cols;
    collect_columns(*e, cols);
    for (int c : cols) {
        need.at(c) = true;
    }
}

Pruned prune(const PlanPtr& node, const std::vector<bool>& need);

/// Keeps every column of a node whose operator needs them all, pruning below it.
Pruned keep_all(const PlanPtr& node) {
    for (auto& c : node->children) {
        c = prune(c, std::vector<bool>(c->columns.size(), true)).node;
    }
    return {node, identity_map(node->columns.size())};
}

/// A filter reads its predicate's columns; those nothing above reads are dropped right above
/// it, so a remote query filters on them without returning them.
Pruned prune_filter(const PlanPtr& node, const std::vector<bool>& need) {
    std::vector<bool> child_need = need;
    require(node->predicate, child_need);
    Pruned child = prune(node->children[0], child_need);
    node->children[0] = child.node;
    node->columns = child.node->columns;
    node->predicate = remap_columns(node->predicate, child.map);
    std::vector<int> map(need.size(), -1);
    auto project = PlanNode::make(PlanNode::Kind::Project);
    for (size_t i = 0; i < need.size(); i++) {
        if (need[i] && child.map[i] >= 0) {
            map[i] = static_cast<int>(project->exprs.size());
            const OutputColumn& c = node->columns[child.map[i]];
            project->exprs.push_back(Expr::column_ref(child.map[i], c.type, c.name));
            project->columns.push_back(c);
        }
    }
    if (project->exprs.size() == node->columns.size()) {
        return {node, child.map};
    }
    project->children = {node};
    return {project, map};
}

/// Column pruning: scans fetch only the columns something above reads, so remote queries
/// select only those (a projection right above each scan, pushed down with it).
Pruned prune(const PlanPtr& node, const std::vector<bool>& need) {
    switch (node->kind) {
    case PlanNode::Kind::Scan: {
        std::vector<int> map(node->columns.size(), -1);
        std::vector<ExprPtr> exprs;
        auto project = PlanNode::make(PlanNode::Kind::Project);
        for (size_t i = 0; i < node->columns.size(); i++) {
            if (need[i]) {
                map[i] = static_cast<int>(exprs.size());
                exprs.push_back(Expr::column_ref(static_cast<int>(i), node->columns[i].type, node->columns[i].name));
                project->columns.push_back(node->columns[i]);
            }
        }
        if (exprs.size() == node->columns.size()) {
            return {node, identity_map(node->columns.size())};
        }
        project->exprs = std::move(exprs);
        project->children = {node};
        return {project, map};
    }
    case PlanNode::Kind::Filter:
        return prune_filter(node, need);
    case PlanNode::Kind::Sort:
    case PlanNode::Kind::Limit: {
        std::vector<bool> child_need = need;
        require(node->predicate, child_need);
        for (auto& k : node->sort_keys) {
            require(k.expr, child_need);
        }
        Pruned child = prune(node->children[0], child_need);
        node->children[0] = child.node;
        node->columns = child.node->columns;
        if (node->predicate) {
            node->predicate = remap_columns(node->predicate, child.map);
        }
        for (auto& k : node->sort_keys) {
            k.expr = remap_columns(k.expr, child.map);
        }
        return {node, child.map};
    }
    case PlanNode::Kind::Project: {
        std::vector<bool> child_need(node->children[0]->columns.size(), false);
        for (auto& e : node->exprs) {
            require(e, child_need);
        }
        Pruned child = prune(node->children[0], child_need);
        node->children[0] = child.node;
        for (auto& e : node->exprs) {
            e = remap_columns(e, child.map);
        }
        return {node, identity_map(node->columns.size())};
    }
    case PlanNode::Kind::Aggregate: {
        std::vector<bool> child_need(node->children[0]->columns.size(), false);
        for (auto& g : node->group_by) {
            require(g, child_need);
        }
        for (auto& a : node->aggregates) {
            for (auto& x : a.args) {
                require(x, child_need);
            }
            require(a.filter, child_need);
            for (auto& [k, desc] : a.order_by) {
                require(k, child_need);
            }
        }
        Pruned child = prune(node->children[0], child_need);
        node->children[0] = child.node;
        for (auto& g : node->group_by) {
            g = remap_columns(g, child.map);
        }
        for (auto& a : node->aggregates) {
            for (auto& x : a.args) {
                x = remap_columns(x, child.map);
            }
            if (a.filter) {
                a.filter = remap_columns(a.filter, child.map);
            }
            for (auto& [k, desc] : a.order_by) {
                k = remap_columns(k, child.map);
            }
        }
        return {node, identity_map(node->columns.size())};
    }
    case PlanNode::Kind::Join: {
        const size_t lw = node->children[0]->columns.size();
        std::vector<bool> all(lw + node->children[1]->columns.size(), false); // semi/anti output only the left
        std::copy(need.begin(), need.end(), all.begin());
        require(node->condition, all);
        std::vector<bool> left_need(all.begin(), all.begin() + lw);
        std::vector<bool> right_need(node->children[1]->columns.size(), false);
        for (size_t i = lw; i < all.size() && i - lw < right_need.size(); i++) {
            right_need[i - lw] = all[i];
        }
        Pruned left = prune(node->children[0], left_need);
        Pruned right = prune(node->children[1], right_need);
        const int new_lw = static_cast<int>(left.node->columns.size());
        std::vector<int> map(left.map);
        for (int r : right.map) {
            map.push_back(r < 0 ? -1 : new_lw + r);
        }
        node->children = {left.node, right.node};
        node->columns = left.node->columns;
        if (node->join_type != JoinType::Semi && node->join_type != JoinType::Anti) {
            node->columns.insert(node->columns.end(), right.node->columns.begin(), right.node->columns.end());
        }
        if (node->condition) {
            node->condition = remap_columns(node->condition, map);
        }
        map.resize(node->join_type == JoinType::Semi || node->join_type == JoinType::Anti ? lw : map.size());
        return {node, map};
    }
    default:
        return keep_all(node);
    }
}

} // namespace

// Project(Project(x)): see planner.hpp.
PlanPtr merge_projects(PlanPtr node) {
    for (auto& c : node->children) {
        c = merge_projects(c);
    }
    // A projection right above a scan is column pruning's: it decides what the remote selects.
    if (node->kind != PlanNode::Kind::Project || node->children[0]->kind != PlanNode::Kind::Project ||
        node->children[0]->children[0]->kind == PlanNode::Kind::Scan) {
        return node;
    }
    const PlanNode& inner = *node->children[0];
    std::vector<int> map;
    for (auto& e : inner.exprs) {
        if (e->kind != Expr::Kind::Column) {
            return node;
        }
        map.push_back(e->column);
    }
    // Planned subqueries are found by their Expr's address: such expressions are not copied.
    if (std::any_of(node->exprs.begin(), node->exprs.end(), [](const ExprPtr& e) { return has_subquery(*e); })) {
        return node;
    }
    auto merged = PlanNode::make(PlanNode::Kind::Project);
    merged->columns = node->columns;
    merged->children = inner.children;
    for (auto& e : node->exprs) {
        merged->exprs.push_back(remap_columns(e, map));
    }
    return merged;
}

int64_t static_row_estimate(const PlanNode& n) {
    if (n.kind == PlanNode::Kind::Remote) {
        return n.row_estimate < 0 ? kUnknownRows : n.row_estimate;
    }
    const PlanNode* p = &n;
    bool filtered = false;
    int64_t cap = kUnknownRows; // a LIMIT below caps the rows whatever the table holds
    while (!p->children.empty() && p->kind != PlanNode::Kind::Join) {
        filtered |= p->kind == PlanNode::Kind::Filter;
        if (p->kind == PlanNode::Kind::Limit && p->limit) {
            cap = std::min(cap, *p->limit + p->offset);
        }
        p = p->children[0].get();
    }
    int64_t rows = p->kind == PlanNode::Kind::Scan ? p->row_estimate : -1;
    return std::min(cap, rows < 0 ? kUnknownRows : (filtered ? rows / 10 : rows));
}

PlanPtr swap_join_inputs(const PlanPtr& node) {
    // Swap the inputs and restore the original column order with a projection above.
    const int lw = static_cast<int>(node->children[0]->columns.size());
    const int rw = static_cast<int>(node->children[1]->columns.size());
    std::vector<int> map(lw + rw);
    for (int i = 0; i < lw; i++) {
        map[i] = rw + i;
    }
    for (int i = 0; i < rw; i++) {
        map[lw + i] = i;
    }
    auto swapped = PlanNode::make(PlanNode::Kind::Join);
    swapped->join_type = JoinType::Inner;
    swapped->children = {node->children[1], node->children[0]};
    swapped->columns = node->children[1]->columns;
    swapped->columns.insert(swapped->columns.end(), node->children[0]->columns.begin(),
                            node->children[0]->columns.end());
    if (node->condition) {
        swapped->condition = remap_columns(node->condition, map);
    }
    auto project = PlanNode::make(PlanNode::Kind::Project);
    project->columns = node->columns;
    project->children = {swapped};
    for (int i = 0; i < lw + rw; i++) {
        project->exprs.push_back(Expr::column_ref(map[i], node->columns[i].type, node->columns[i].name));
    }
    return project;
}

Result<PlanPtr> plan_query(const PlanPtr& logical, const DialectLookup& dialects, const std::vector<Value>& params) {
    PlanPtr tree = push_filters(logical);
    tree = prune(tree, std::vector<bool>(tree->columns.size(), true)).node;
    Planner planner{dialects, params, {}, false};
    // Whole-tree pushdown first; only what cannot be pushed is reordered for hash joins.
    std::map<const PlanNode*, Pushability> memo;
    if (planner.analyze(*tree, memo).pushable) {
        return planner.remote(*tree, memo[tree.get()].service);
    }
    tree = push_top_n_through_joins(tree, [&](const PlanNode& n) {
        std::map<const PlanNode*, Pushability> scratch;
        return planner.analyze(n, scratch).pushable;
    });
    tree = merge_projects(order_joins(tree));
    return planner.plan(tree);
}

} // namespace nectar::federation
