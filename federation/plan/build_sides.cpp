#include "federation/plan/build_sides.hpp"

#include "federation/plan/planner.hpp"

#include <algorithm>

namespace nectar::federation {
namespace {

constexpr int64_t kAskAbove = 10'000; // below this the smaller side is cheap whichever it is
constexpr int64_t kTrustRatio = 10;   // guesses this far apart decide on their own

boost::asio::awaitable<int64_t> ask(const PlanNode& remote, const ConnectorLookup& connector) {
    Connector* c = connector ? connector(remote.service) : nullptr;
    if (c == nullptr) {
        co_return int64_t{-1};
    }
    auto rows = co_await c->estimate_rows(remote.remote_sql);
    co_return rows ? *rows : int64_t{-1};
}

/// Aggregate(Project of columns(x)) as Aggregate(x): the swap's Project would copy every row.
PlanPtr absorb_column_project(const PlanPtr& aggregate) {
    const PlanNode& project = *aggregate->children[0];
    std::vector<int> map;
    for (const auto& e : project.exprs) {
        if (e->kind != Expr::Kind::Column) {
            return aggregate;
        }
        map.push_back(e->column);
    }
    auto copy = std::make_shared<PlanNode>(*aggregate);
    auto remap = [&](ExprPtr& e) {
        if (e) {
            e = remap_columns(e, map);
        }
    };
    for (auto& g : copy->group_by) {
        remap(g);
    }
    for (auto& a : copy->aggregates) {
        for (auto& x : a.args) {
            remap(x);
        }
        remap(a.filter);
        for (auto& k : a.order_by) {
            remap(k.first);
        }
    }
    copy->children = project.children;
    return copy;
}

/// Whether any expression of an Aggregate holds a subquery (planned ones are found by address).
bool aggregate_holds_subquery(const PlanNode& n) {
    auto holds = [](const ExprPtr& e) { return e && has_subquery(*e); };
    for (const auto& g : n.group_by) {
        if (holds(g)) {
            return true;
        }
    }
    for (const auto& a : n.aggregates) {
        if (std::any_of(a.args.begin(), a.args.end(), holds) || holds(a.filter) ||
            std::any_of(a.order_by.begin(), a.order_by.end(), [&](const auto& k) { return holds(k.first); })) {
            return true;
        }
    }
    return false;
}

/// True when a Join at `node` was swapped, which leaves a Project of columns in its place.
boost::asio::awaitable<bool> choose_in(PlanPtr& node, const ConnectorLookup& connector) {
    bool child_swapped = false;
    for (auto& c : node->children) {
        bool swapped = co_await choose_in(c, connector);
        child_swapped |= swapped;
    }
    if (child_swapped && node->kind == PlanNode::Kind::Project) {
        node = merge_projects(node); // no second copy of every row
        co_return true;              // still a Project over the swapped join: a parent may absorb it
    }
    if (child_swapped && node->kind == PlanNode::Kind::Aggregate && node->children[0]->kind == PlanNode::Kind::Project &&
        !aggregate_holds_subquery(*node)) {
        node = absorb_column_project(node);
    }
    if (node->kind != PlanNode::Kind::Join || node->join_type != JoinType::Inner ||
        node->children[0]->kind != PlanNode::Kind::Remote || node->children[1]->kind != PlanNode::Kind::Remote) {
        co_return false;
    }
    const int64_t probe_guess = static_row_estimate(*node->children[0]);
    const int64_t build_guess = static_row_estimate(*node->children[1]);
    const int64_t smaller = std::min(probe_guess, build_guess);
    if (smaller < kAskAbove || std::max(probe_guess, build_guess) / smaller >= kTrustRatio) {
        co_return false;
    }
    const int64_t probe_rows = co_await ask(*node->children[0], connector);
    const int64_t build_rows = co_await ask(*node->children[1], connector);
    if (probe_rows < 0 || build_rows < 0) {
        co_return false;
    }
    node->children[0]->row_estimate = probe_rows;
    node->children[1]->row_estimate = build_rows;
    if (build_rows <= probe_rows) {
        co_return false;
    }
    node = swap_join_inputs(node);
    co_return true;
}

} // namespace

boost::asio::awaitable<void> choose_build_sides(PlanPtr& root, const ConnectorLookup& connector) {
    co_await choose_in(root, connector);
}

} // namespace nectar::federation
