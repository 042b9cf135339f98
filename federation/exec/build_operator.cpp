// Turns a planned tree into running operators, one per node (Limit over Sort becomes one
// top-N operator), wrapped in a stats recorder when EXPLAIN ANALYZE asks for it.

#include "federation/exec/operators.hpp"

namespace nectar::federation {
namespace {

using exec::OperatorPtr;

// Counts rows, batches and time inside next() for one plan node.
class StatsRecorder final : public Operator {
  public:
    StatsRecorder(OperatorPtr inner, OperatorStats& stats)
        : inner_(std::move(inner))
        , stats_(stats) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        auto start = std::chrono::steady_clock::now();
        size_t before = batch.rows.size();
        auto r = co_await inner_->next(batch);
        stats_.elapsed += std::chrono::steady_clock::now() - start;
        if (r) {
            size_t added = batch.rows.size() - before;
            stats_.rows += static_cast<int64_t>(added);
            stats_.batches += added > 0 ? 1 : 0;
        }
        co_return r;
    }

  private:
    OperatorPtr inner_;
    OperatorStats& stats_;
};

// The root keeps the plan alive: operators refer to their nodes.
class PlanOwner final : public Operator {
  public:
    PlanOwner(PlanPtr plan, OperatorPtr root)
        : plan_(std::move(plan))
        , root_(std::move(root)) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        auto r = co_await root_->next(batch);
        co_return r;
    }

  private:
    PlanPtr plan_;
    OperatorPtr root_;
};

Error plan_error(std::string message) { return Error::make("XX000", std::move(message)); }

Result<OperatorPtr> build(const PlanNode& node, ExecContext& ctx);

Result<OperatorPtr> build_child(const PlanNode& node, size_t i, ExecContext& ctx) {
    if (node.children.size() <= i || !node.children[i])
        return plan_error("plan node is missing its input");
    return build(*node.children[i], ctx);
}

/// FETCH FIRST ... WITH TIES on limit.sort_keys. Its input is the Sort on those keys, or the
/// Remote query that Sort was pushed into (ordered by the backend).
Result<OperatorPtr> build_limit_with_ties(const PlanNode& node, ExecContext& ctx) {
    auto child = build_child(node, 0, ctx);
    if (!child)
        return child;
    const PlanNode& input = *node.children[0];
    if (input.kind == PlanNode::Kind::Remote) {
        Connector* connector = ctx.connector ? ctx.connector(input.service) : nullptr;
        if (connector && exec::can_fetch_ties_remotely(node, connector->dialect()))
            return exec::make_remote_limit_with_ties(node, input, ctx);
    } else if (input.kind != PlanNode::Kind::Sort) {
        child = exec::make_sort(node, std::move(*child), ctx); // never planned so; order it to be safe
    }
    return exec::make_limit_with_ties(node, std::move(*child), ctx);
}

Result<OperatorPtr> build_unary(const PlanNode& node, ExecContext& ctx) {
    using Kind = PlanNode::Kind;
    if (node.kind == Kind::Limit && node.with_ties) {
        return build_limit_with_ties(node, ctx);
    }
    // Limit(Sort(x)) with a LIMIT keeps only the best rows instead of sorting everything.
    if (node.kind == Kind::Limit && node.limit && !node.children.empty() && node.children[0] &&
        node.children[0]->kind == Kind::Sort) {
        const PlanNode& sort = *node.children[0];
        auto input = build_child(sort, 0, ctx);
        if (!input)
            return input;
        return exec::make_top_n(node, sort, std::move(*input), ctx);
    }
    auto child = build_child(node, 0, ctx);
    if (!child)
        return child;
    auto in = std::move(*child);
    switch (node.kind) {
    case Kind::Filter:
        return exec::make_filter(node, std::move(in), ctx);
    case Kind::Project:
        return exec::make_project(node, std::move(in), ctx);
    case Kind::Aggregate:
        return exec::make_aggregate(node, std::move(in), ctx);
    case Kind::Sort:
        return exec::make_sort(node, std::move(in), ctx);
    case Kind::Limit:
        return exec::make_limit(node, std::move(in));
    case Kind::Distinct:
        return exec::make_distinct(std::move(in), ctx);
    case Kind::Window:
        return exec::make_window(node, std::move(in), ctx);
    default:
        return plan_error("not a single-input plan node");
    }
}

Result<OperatorPtr> build_binary(const PlanNode& node, ExecContext& ctx) {
    auto left = build_child(node, 0, ctx);
    if (!left)
        return left;
    auto right = build_child(node, 1, ctx);
    if (!right)
        return right;
    if (node.kind == PlanNode::Kind::Join)
        return exec::make_join(node, std::move(*left), std::move(*right), ctx);
    return exec::make_set_op(node, std::move(*left), std::move(*right), ctx);
}

Result<OperatorPtr> build_node(const PlanNode& node, ExecContext& ctx) {
    using Kind = PlanNode::Kind;
    switch (node.kind) {
    case Kind::Scan:
        return plan_error("table \"" + node.table + "\" of service \"" + node.service +
                          "\" was not planned into a remote query");
    case Kind::Remote:
        return exec::make_remote_scan(node, ctx);
    case Kind::Values:
        return exec::make_values(node, ctx);
    case Kind::Join:
    case Kind::SetOp:
        return build_binary(node, ctx);
    case Kind::TopNAttempts:
        // Each attempt's operators are built only when it runs (an unneeded fallback costs nothing).
        return exec::make_top_n_attempts(node, [&node, &ctx](size_t i) { return build_child(node, i, ctx); }, ctx);
    default:
        return build_unary(node, ctx);
    }
}

Result<OperatorPtr> build(const PlanNode& node, ExecContext& ctx) {
    auto op = build_node(node, ctx);
    if (!op || !ctx.collect_stats)
        return op;
    return OperatorPtr(std::make_unique<StatsRecorder>(std::move(*op), ctx.stats[&node]));
}

} // namespace

Result<std::unique_ptr<Operator>> build_operator(const PlanPtr& plan, ExecContext& ctx) {
    if (!plan)
        return plan_error("empty plan");
    auto root = build(*plan, ctx);
    if (!root)
        return root.error();
    return std::unique_ptr<Operator>(std::make_unique<PlanOwner>(plan, std::move(*root)));
}

} // namespace nectar::federation
