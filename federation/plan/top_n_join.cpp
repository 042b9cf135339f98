// Top-N through a join: ORDER BY columns of one join input + LIMIT n needs only that input's
// first rows in that order. The ordered input is fetched with ORDER BY ... LIMIT L pushed down,
// joined, and cut to n. For a LEFT join whose preserved side is that input, L = offset + n is
// exact. For an inner join rows may find no partner, so the plan tries L, then a larger L, and
// falls back to the unlimited join only when an attempt yields fewer than n rows.
//
// Why an attempt that yields n rows is right: every row it joined comes from the ordered
// input's first L rows, and any row it did not see sorts at or after the L-th of them, so the
// joined rows it returns are a prefix of the full join's order (ties in any order, as in SQL).

#include "federation/plan/top_n_join.hpp"

namespace nectar::federation {
namespace {

constexpr int64_t kMaxTopN = 10'000;        // beyond this, pulling the first rows saves little
constexpr int64_t kMaxAttemptRows = 100'000; // the largest ordered prefix an attempt fetches

/// The expression with every column i replaced by exprs[i] (a Project's expressions inlined).
ExprPtr inline_columns(const ExprPtr& e, const std::vector<ExprPtr>& exprs) {
    if (e->kind == Expr::Kind::Column) {
        return exprs.at(e->column);
    }
    if (e->args.empty()) {
        return e;
    }
    auto copy = std::make_shared<Expr>(*e);
    for (auto& a : copy->args) {
        a = inline_columns(a, exprs);
    }
    return copy;
}

/// A node's own expressions hold a subquery (they are planned in place, so such trees are not copied).
bool holds_subquery(const PlanNode& n) {
    auto any = [](const std::vector<ExprPtr>& v) {
        return std::any_of(v.begin(), v.end(), [](const ExprPtr& e) { return e && has_subquery(*e); });
    };
    if ((n.predicate && has_subquery(*n.predicate)) || (n.condition && has_subquery(*n.condition)) ||
        any(n.exprs) || any(n.group_by)) {
        return true;
    }
    for (auto& k : n.sort_keys) {
        if (has_subquery(*k.expr)) {
            return true;
        }
    }
    return std::any_of(n.children.begin(), n.children.end(), [](const PlanPtr& c) { return holds_subquery(*c); });
}

PlanPtr clone_tree(const PlanPtr& n) {
    auto copy = std::make_shared<PlanNode>(*n);
    for (auto& c : copy->children) {
        c = clone_tree(c);
    }
    return copy;
}

/// Which join input the keys read: 0 left, 1 right, -1 both or neither.
int side_of_keys(const std::vector<SortKey>& keys, size_t left_width) {
    std::vector<int> cols;
    for (auto& k : keys) {
        collect_columns(*k.expr, cols);
    }
    if (cols.empty()) {
        return -1;
    }
    bool left = std::all_of(cols.begin(), cols.end(), [&](int c) { return c < static_cast<int>(left_width); });
    bool right = std::none_of(cols.begin(), cols.end(), [&](int c) { return c < static_cast<int>(left_width); });
    return left ? 0 : right ? 1 : -1;
}

/// The leading keys one index scan can deliver: up to the first key whose direction or NULL
/// placement differs from the first key's (MariaDB sorts `amount DESC, id` with a filesort).
size_t uniform_prefix(const std::vector<SortKey>& keys) {
    size_t n = 1;
    while (n < keys.size() && keys[n].descending == keys[0].descending && keys[n].nulls_first == keys[0].nulls_first) {
        n++;
    }
    return n;
}

/// One copy of the Limit subtree (from `limit` down to `join`) where the join's `side` input
/// is replaced by its first `rows` rows in `keys` order. With `ties`, only the keys' uniform
/// prefix orders the input and rows tying the last one come too: every row left out sorts
/// strictly after every row fetched, so the argument above still holds.
PlanPtr limited_copy(const PlanPtr& limit, int side, std::vector<SortKey> keys, int64_t rows, bool ties) {
    if (ties) {
        keys.resize(uniform_prefix(keys));
    }
    PlanPtr top = clone_tree(limit);
    PlanNode* n = top.get();
    while (n->kind != PlanNode::Kind::Join) {
        n = n->children[0].get();
    }
    const PlanPtr& input = n->children[side];
    auto sort = PlanNode::make(PlanNode::Kind::Sort);
    sort->columns = input->columns;
    sort->sort_keys = keys;
    sort->children = {input};
    auto cut = PlanNode::make(PlanNode::Kind::Limit);
    cut->columns = input->columns;
    cut->limit = rows;
    cut->with_ties = ties;
    if (ties) {
        cut->sort_keys = keys;
    }
    cut->children = {sort};
    n->children[side] = cut;
    return top;
}

struct Candidate {
    const PlanNode* join = nullptr;
    int side = -1;               ///< the ordered input
    std::vector<SortKey> keys;   ///< over that input's columns
};

/// Limit(Sort(Project*(Join))) whose sort keys read one input of an inner join, or the
/// preserved input of a left join.
std::optional<Candidate> match(const PlanNode& limit) {
    if (!limit.limit || limit.with_ties || *limit.limit + limit.offset > kMaxTopN || limit.children.empty() ||
        limit.children[0]->kind != PlanNode::Kind::Sort) {
        return std::nullopt;
    }
    const PlanNode* n = limit.children[0]->children[0].get();
    std::vector<SortKey> keys = limit.children[0]->sort_keys;
    while (n->kind == PlanNode::Kind::Project) {
        for (auto& k : keys) {
            k.expr = inline_columns(k.expr, n->exprs);
        }
        n = n->children[0].get();
    }
    if (n->kind != PlanNode::Kind::Join || (n->join_type != JoinType::Inner && n->join_type != JoinType::Left)) {
        return std::nullopt;
    }
    const size_t left_width = n->children[0]->columns.size();
    Candidate c{n, side_of_keys(keys, left_width), std::move(keys)};
    if (c.side < 0 || (n->join_type == JoinType::Left && c.side != 0)) {
        return std::nullopt;
    }
    if (c.side == 1) {
        std::vector<int> shift(left_width + n->children[1]->columns.size(), -1);
        for (size_t i = left_width; i < shift.size(); i++) {
            shift[i] = static_cast<int>(i - left_width);
        }
        for (auto& k : c.keys) {
            k.expr = remap_columns(k.expr, shift);
        }
    }
    return c;
}

} // namespace

PlanPtr push_top_n_through_joins(const PlanPtr& node, const std::function<bool(const PlanNode&)>& pushable) {
    for (auto& c : node->children) {
        c = push_top_n_through_joins(c, pushable);
    }
    if (node->kind != PlanNode::Kind::Limit || holds_subquery(*node)) {
        return node;
    }
    auto candidate = match(*node);
    if (!candidate) {
        return node;
    }
    const int64_t wanted = *node->limit + node->offset;
    const int side = candidate->side;
    // The ordered input runs remotely with its ORDER BY ... LIMIT, or the rewrite saves little.
    // Mixed directions are fetched by their uniform prefix WITH TIES: pushed down where the
    // backend has it, else as ORDER BY ... LIMIT plus a query for the ties (prefix of columns).
    auto pushed = [&](const PlanPtr& copy, bool ties) {
        const PlanNode* probe = copy.get();
        while (probe->kind != PlanNode::Kind::Join) {
            probe = probe->children[0].get();
        }
        const PlanNode& cut = *probe->children[side];
        return pushable(ties ? *cut.children[0] : cut);
    };
    const size_t prefix = uniform_prefix(candidate->keys);
    bool ties = prefix < candidate->keys.size() &&
                std::all_of(candidate->keys.begin(), candidate->keys.begin() + static_cast<std::ptrdiff_t>(prefix),
                            [](const SortKey& k) { return k.expr->kind == Expr::Kind::Column; }) &&
                pushed(limited_copy(node, side, candidate->keys, wanted, true), true);
    if (candidate->join->join_type == JoinType::Left) {
        return limited_copy(node, side, candidate->keys, wanted, ties);
    }
    PlanPtr first = limited_copy(node, side, candidate->keys, 2 * wanted + 64, ties);
    if (!pushed(first, ties)) {
        return node;
    }
    auto attempts = PlanNode::make(PlanNode::Kind::TopNAttempts);
    attempts->columns = node->columns;
    attempts->limit = node->limit;
    attempts->children = {first};
    const int64_t larger = std::min<int64_t>(64 * (2 * wanted + 64), kMaxAttemptRows);
    if (larger > 2 * wanted + 64) {
        attempts->children.push_back(limited_copy(node, side, candidate->keys, larger, ties));
    }
    attempts->children.push_back(node);
    return attempts;
}

} // namespace nectar::federation
