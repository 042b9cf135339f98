// Hash aggregation: one group per distinct GROUP BY key (per grouping set), each holding one
// state per aggregate call, with DISTINCT, FILTER and ORDER BY inside the call.

#include "federation/exec/operators.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace nectar::federation::exec {
namespace {

// Rough size of one aggregate state beyond what is counted explicitly.
constexpr size_t kStateBytes = 96;

// One aggregate call's running state in one group.
struct AggSlot {
    std::unique_ptr<AggregateState> state;
    std::unique_ptr<std::unordered_set<Row, RowHash, RowEq>> seen; ///< DISTINCT argument tuples
    std::vector<std::pair<Row, Row>> ordered;                      ///< (ORDER BY keys, args) to sort
};

struct Group {
    Row key; ///< the grouping set index first when there are grouping sets
    std::vector<AggSlot> slots;
};

class HashAggregate final : public Operator {
  public:
    HashAggregate(const PlanNode& node, OperatorPtr child, ExecContext& ctx)
        : node_(node)
        , child_(std::move(child))
        , ctx_(ctx)
        , memory_(ctx) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        if (!consumed_) {
            auto c = co_await consume();
            if (!c)
                co_return c.error();
        }
        size_t produced = 0;
        while (emit_pos_ < groups_.size() && produced < Batch::kBatchRows) {
            auto row = finish_group(groups_[emit_pos_]);
            if (!row)
                co_return row.error();
            batch.rows.push_back(std::move(*row));
            groups_[emit_pos_] = Group{}; // its states are done: free them now
            ++emit_pos_;
            ++produced;
        }
        co_return emit_pos_ < groups_.size();
    }

  private:
    bool has_sets() const { return !node_.grouping_sets.empty(); }
    /// grouping(...) calls have no state: their value comes from the group's grouping set.
    bool is_grouping(size_t i) const {
        return i < node_.grouping_args.size() && !node_.grouping_args[i].empty();
    }

    boost::asio::awaitable<Result<void>> consume() {
        bool more = true;
        while (more) {
            Batch in;
            auto r = co_await child_->next(in);
            if (!r)
                co_return r.error();
            more = *r;
            for (const auto& row : in.rows) {
                auto a = add_row(row);
                if (!a)
                    co_return a;
            }
        }
        // Without GROUP BY (or for an empty grouping set) there is one row even for no input.
        if (!has_sets() && node_.group_by.empty()) {
            auto g = find_group(Row{});
            if (!g)
                co_return g.error();
        }
        for (size_t s = 0; s < node_.grouping_sets.size(); ++s) {
            if (node_.grouping_sets[s].empty()) {
                auto g = find_group(set_key(s, {}));
                if (!g)
                    co_return g.error();
            }
        }
        consumed_ = true;
        co_return Result<void>{};
    }

    // The key of grouping set `s`: its index, then the group values with the others NULL.
    Row set_key(size_t s, const Row& values) const {
        Row key;
        key.push_back(Value::int4(static_cast<int64_t>(s)));
        for (size_t j = 0; j < node_.group_by.size(); ++j)
            key.push_back(Value::null(node_.group_by[j]->type));
        for (int j : node_.grouping_sets[s]) {
            if (static_cast<size_t>(j) < values.size())
                key[j + 1] = values[j];
        }
        return key;
    }

    // Nearly every input row finds its group: the key is copied only when a group is created.
    Result<Group*> find_group(const Row& key) {
        auto it = index_.find(key);
        if (it != index_.end())
            return &groups_[it->second];
        auto m = memory_.add(2 * row_bytes(key) + sizeof(Group) + node_.aggregates.size() * kStateBytes);
        if (!m)
            return m.error();
        Group g;
        g.key = key;
        for (const auto& call : node_.aggregates) {
            AggSlot slot;
            slot.state = call.impl.make_state();
            if (call.distinct)
                slot.seen = std::make_unique<std::unordered_set<Row, RowHash, RowEq>>();
            g.slots.push_back(std::move(slot));
        }
        index_.emplace(key, groups_.size());
        groups_.push_back(std::move(g));
        return &groups_.back();
    }

    // Arguments and in-call ORDER BY keys of every aggregate for one row; skipped[i] by FILTER.
    Result<void> evaluate_calls(const Row& row) {
        size_t n = node_.aggregates.size();
        args_.resize(n);
        order_keys_.resize(n);
        skipped_.assign(n, 0);
        for (size_t i = 0; i < n; ++i) {
            const auto& call = node_.aggregates[i];
            if (is_grouping(i)) {
                skipped_[i] = 1;
                continue;
            }
            if (call.filter) {
                auto pass = evaluate_predicate(*call.filter, row, ctx_);
                if (!pass)
                    return pass.error();
                skipped_[i] = !*pass;
                if (skipped_[i])
                    continue;
            }
            auto a = evaluate_all(call.args, row, ctx_, args_[i]);
            if (!a)
                return a;
            order_keys_[i].clear();
            for (const auto& key : call.order_by) {
                auto v = evaluate(*key.first, row, ctx_);
                if (!v)
                    return v.error();
                order_keys_[i].push_back(std::move(*v));
            }
        }
        return {};
    }

    Result<void> add_row(const Row& row) {
        auto g = evaluate_all(node_.group_by, row, ctx_, group_values_);
        if (!g)
            return g;
        auto e = evaluate_calls(row);
        if (!e)
            return e;
        size_t sets = has_sets() ? node_.grouping_sets.size() : 1;
        for (size_t s = 0; s < sets; ++s) {
            auto group = find_group(has_sets() ? set_key(s, group_values_) : group_values_);
            if (!group)
                return group.error();
            for (size_t i = 0; i < node_.aggregates.size(); ++i) {
                if (skipped_[i])
                    continue;
                auto f = feed((*group)->slots[i], node_.aggregates[i], i);
                if (!f)
                    return f;
            }
        }
        return {};
    }

    Result<void> feed(AggSlot& slot, const AggregateCall& call, size_t i) {
        if (!slot.state) // a grouping() call the binder did not resolve
            return Error::make("XX000", "aggregate " + call.impl.name + " has no state");
        if (slot.seen) {
            if (slot.seen->count(args_[i]))
                return {};
            auto m = memory_.add(row_bytes(args_[i]) + sizeof(void*) * 2);
            if (!m)
                return m;
            slot.seen->insert(args_[i]);
        }
        if (!call.order_by.empty()) {
            auto m = memory_.add(row_bytes(args_[i]) + row_bytes(order_keys_[i]));
            if (!m)
                return m;
            slot.ordered.emplace_back(order_keys_[i], args_[i]);
            return {};
        }
        if (keeps_inputs(call)) {
            // string_agg/array_agg hold every input until finish(): count what they keep.
            auto m = memory_.add(row_bytes(args_[i]));
            if (!m)
                return m;
        }
        return slot.state->add(args_[i]);
    }

    // grouping(a, b, ...): bit set for each argument not grouped in the group's set, the
    // leftmost argument in the most significant bit; 0 under a plain GROUP BY.
    Value grouping_value(const Group& group, size_t i) const {
        int64_t bits = 0;
        const std::vector<int>* set = has_sets() ? &node_.grouping_sets[group.key[0].as_int()] : nullptr;
        for (int arg : node_.grouping_args[i]) {
            bool grouped = set == nullptr || std::find(set->begin(), set->end(), arg) != set->end();
            bits = (bits << 1) | (grouped ? 0 : 1);
        }
        return Value::int4(bits);
    }

    static bool keeps_inputs(const AggregateCall& call) {
        return call.impl.name == "string_agg" || call.impl.name == "array_agg";
    }

    Result<Row> finish_group(Group& group) {
        Row out;
        // Grouping-set keys carry the set index first; it is not an output column.
        size_t skip = has_sets() ? 1 : 0;
        out.assign(group.key.begin() + static_cast<std::ptrdiff_t>(skip), group.key.end());
        for (size_t i = 0; i < group.slots.size(); ++i) {
            auto& slot = group.slots[i];
            const auto& call = node_.aggregates[i];
            if (is_grouping(i)) {
                out.push_back(grouping_value(group, i));
                continue;
            }
            if (!slot.state)
                return Error::make("XX000", "aggregate " + call.impl.name + " has no state");
            if (!call.order_by.empty()) {
                // ORDER BY inside the call: NULLs last ascending, first descending (PostgreSQL's default).
                std::stable_sort(slot.ordered.begin(), slot.ordered.end(), [&](const auto& a, const auto& b) {
                    for (size_t k = 0; k < call.order_by.size(); ++k) {
                        bool desc = call.order_by[k].second;
                        int c = compare_sort_value(a.first[k], b.first[k], desc, desc);
                        if (c != 0)
                            return c < 0;
                    }
                    return false;
                });
                for (const auto& entry : slot.ordered) {
                    auto a = slot.state->add(entry.second);
                    if (!a)
                        return a.error();
                }
            }
            auto v = slot.state->finish();
            if (!v)
                return v.error();
            out.push_back(std::move(*v));
        }
        return out;
    }

    const PlanNode& node_;
    OperatorPtr child_;
    ExecContext& ctx_;
    MemoryReservation memory_;

    bool consumed_ = false;
    std::vector<Group> groups_; ///< in order of first appearance
    std::unordered_map<Row, size_t, RowHash, RowEq> index_;
    size_t emit_pos_ = 0;

    // Per-row scratch, reused to avoid allocations.
    Row group_values_;
    std::vector<Row> args_;
    std::vector<Row> order_keys_;
    std::vector<char> skipped_;
};

} // namespace

OperatorPtr make_aggregate(const PlanNode& node, OperatorPtr child, ExecContext& ctx) {
    return std::make_unique<HashAggregate>(node, std::move(child), ctx);
}

} // namespace nectar::federation::exec
