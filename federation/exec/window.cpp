// Window functions: the input is held, then for each window call sorted by its partition and
// order keys and walked partition by partition. Rows come out in the last call's order.

#include "federation/exec/operators.hpp"

#include <algorithm>
#include <numeric>

namespace nectar::federation::exec {
namespace {

// One window call's inputs per input row, and the rows in its partition + order sequence.
struct CallInputs {
    std::vector<Row> partition;
    std::vector<Row> order;
    std::vector<Row> args;
    std::vector<size_t> sequence;
};

// A partition being computed: positions index `rows`, which index the call's inputs.
struct Partition {
    const WindowCall& call;
    const CallInputs& in;
    const size_t* rows; ///< input row numbers in partition order
    size_t size;
    std::vector<size_t> peer_end; ///< per position: one past the last peer

    const Row& args(size_t pos) const { return in.args[rows[pos]]; }
    /// One past the last row of the frame of the row at `pos` (the frame always starts at 0).
    size_t frame_end(size_t pos) const {
        if (call.whole_partition || (call.order_by.empty() && !call.rows_frame))
            return size;
        return call.rows_frame ? pos + 1 : peer_end[pos];
    }
};

Value typed_int(const WindowCall& call, int64_t n) {
    return Value::integer(is_integer(call.type) ? call.type : Type::Int8, n);
}

Value arg_or_null(const Partition& p, size_t pos, size_t arg) {
    const Row& a = p.args(pos);
    return arg < a.size() ? a[arg] : Value::null(p.call.type);
}

// lag/lead(value [, offset [, default]]): the value `offset` rows before/after, else the default.
Value shifted(const Partition& p, size_t pos, bool lead) {
    const Row& a = p.args(pos);
    int64_t offset = 1;
    if (a.size() > 1) {
        if (a[1].is_null())
            return Value::null(p.call.type);
        offset = a[1].as_int();
    }
    int64_t target = static_cast<int64_t>(pos) + (lead ? offset : -offset);
    if (target >= 0 && target < static_cast<int64_t>(p.size))
        return arg_or_null(p, static_cast<size_t>(target), 0);
    return a.size() > 2 ? a[2] : Value::null(p.call.type);
}

Result<Value> ntile(const Partition& p, size_t pos) {
    Value buckets = arg_or_null(p, 0, 0);
    if (buckets.is_null())
        return Value::null(p.call.type);
    if (buckets.as_int() <= 0)
        return Error::make("22014", "argument of ntile must be greater than zero");
    // The first (size % k) buckets get one extra row, as PostgreSQL distributes them.
    auto k = static_cast<size_t>(buckets.as_int());
    size_t per = p.size / k, extra = p.size % k;
    size_t big = extra * (per + 1);
    size_t bucket = pos < big ? pos / (per + 1) : extra + (pos - big) / std::max<size_t>(per, 1);
    return typed_int(p.call, static_cast<int64_t>(bucket + 1));
}

// Ranking, navigation and value functions for every row of one partition.
Result<void> compute_function(const Partition& p, std::vector<Value>& out) {
    const std::string& name = p.call.name;
    int64_t dense = 0;
    size_t peer_start = 0;
    for (size_t pos = 0; pos < p.size; ++pos) {
        if (pos == 0 || p.peer_end[pos - 1] == pos) {
            ++dense;
            peer_start = pos;
        }
        Value v;
        if (name == "row_number") {
            v = typed_int(p.call, static_cast<int64_t>(pos + 1));
        } else if (name == "rank") {
            v = typed_int(p.call, static_cast<int64_t>(peer_start + 1));
        } else if (name == "dense_rank") {
            v = typed_int(p.call, dense);
        } else if (name == "percent_rank") {
            v = Value::float8(p.size > 1 ? double(peer_start) / double(p.size - 1) : 0.0);
        } else if (name == "cume_dist") {
            v = Value::float8(double(p.peer_end[pos]) / double(p.size));
        } else if (name == "ntile") {
            auto n = ntile(p, pos);
            if (!n)
                return n.error();
            v = std::move(*n);
        } else if (name == "lag" || name == "lead") {
            v = shifted(p, pos, name == "lead");
        } else if (name == "first_value") {
            v = arg_or_null(p, 0, 0);
        } else if (name == "last_value") {
            v = arg_or_null(p, p.frame_end(pos) - 1, 0);
        } else if (name == "nth_value") {
            Value n = arg_or_null(p, pos, 1);
            if (!n.is_null() && n.as_int() <= 0)
                return Error::make("22016", "argument of nth_value must be greater than zero");
            bool inside = !n.is_null() && static_cast<size_t>(n.as_int()) <= p.frame_end(pos);
            v = inside ? arg_or_null(p, static_cast<size_t>(n.as_int()) - 1, 0) : Value::null(p.call.type);
        } else {
            return Error::make("42883", "function " + name + "() is not a window function");
        }
        out[p.rows[pos]] = std::move(v);
    }
    return {};
}

// An aggregate over each row's frame: rows are added as frames grow, finished at each new end.
Result<void> compute_aggregate(const Partition& p, std::vector<Value>& out) {
    auto state = p.call.aggregate->make_state();
    size_t added = 0;
    size_t finished_at = 0;
    Value current;
    for (size_t pos = 0; pos < p.size; ++pos) {
        size_t end = p.frame_end(pos);
        for (; added < end; ++added) {
            auto a = state->add(p.args(added));
            if (!a)
                return a;
        }
        if (finished_at != end) {
            auto v = state->finish();
            if (!v)
                return v.error();
            current = std::move(*v);
            finished_at = end;
        }
        out[p.rows[pos]] = current;
    }
    return {};
}

class Window final : public Operator {
  public:
    Window(const PlanNode& node, OperatorPtr child, ExecContext& ctx)
        : node_(node)
        , child_(std::move(child))
        , ctx_(ctx)
        , memory_(ctx) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        if (!computed_) {
            auto c = co_await consume();
            if (!c)
                co_return c.error();
            auto w = compute();
            if (!w)
                co_return w.error();
        }
        size_t produced = 0;
        while (pos_ < order_.size() && produced < Batch::kBatchRows) {
            size_t i = order_[pos_++];
            Row row = std::move(rows_[i]);
            for (auto& column : results_)
                row.push_back(std::move(column[i]));
            batch.rows.push_back(std::move(row));
            ++produced;
        }
        co_return pos_ < order_.size();
    }

  private:
    boost::asio::awaitable<Result<void>> consume() {
        bool more = true;
        while (more) {
            Batch in;
            auto r = co_await child_->next(in);
            if (!r)
                co_return r.error();
            more = *r;
            for (auto& row : in.rows) {
                auto m = memory_.add(row_bytes(row) + node_.windows.size() * sizeof(Value));
                if (!m)
                    co_return m;
                rows_.push_back(std::move(row));
            }
        }
        co_return Result<void>{};
    }

    Result<void> compute() {
        order_.resize(rows_.size());
        std::iota(order_.begin(), order_.end(), size_t{0});
        for (const auto& call : node_.windows) {
            auto c = compute_call(call);
            if (!c)
                return c;
        }
        computed_ = true;
        return {};
    }

    Result<void> evaluate_inputs(const WindowCall& call, CallInputs& in, MemoryReservation& scratch) {
        in.partition.resize(rows_.size());
        in.order.resize(rows_.size());
        in.args.resize(rows_.size());
        for (size_t i = 0; i < rows_.size(); ++i) {
            auto a = evaluate_all(call.partition_by, rows_[i], ctx_, in.partition[i]);
            if (a)
                a = evaluate_all(call.args, rows_[i], ctx_, in.args[i]);
            in.order[i].clear();
            for (size_t k = 0; a && k < call.order_by.size(); ++k) {
                auto v = evaluate(*call.order_by[k].expr, rows_[i], ctx_);
                if (!v)
                    return v.error();
                in.order[i].push_back(std::move(*v));
            }
            if (!a)
                return a;
            a = scratch.add(row_bytes(in.partition[i]) + row_bytes(in.order[i]) + row_bytes(in.args[i]));
            if (!a)
                return a;
        }
        return {};
    }

    void sort_inputs(const WindowCall& call, CallInputs& in) {
        in.sequence.resize(rows_.size());
        std::iota(in.sequence.begin(), in.sequence.end(), size_t{0});
        std::stable_sort(in.sequence.begin(), in.sequence.end(), [&](size_t a, size_t b) {
            for (size_t k = 0; k < in.partition[a].size(); ++k) {
                int c = compare_sort_value(in.partition[a][k], in.partition[b][k], false, false);
                if (c != 0)
                    return c < 0;
            }
            for (size_t k = 0; k < call.order_by.size(); ++k) {
                const auto& key = call.order_by[k];
                int c = compare_sort_value(in.order[a][k], in.order[b][k], key.descending, key.nulls_first);
                if (c != 0)
                    return c < 0;
            }
            return false;
        });
    }

    Result<void> compute_call(const WindowCall& call) {
        CallInputs in;
        MemoryReservation scratch(ctx_); // this call's keys and arguments, freed after it
        auto e = evaluate_inputs(call, in, scratch);
        if (!e)
            return e;
        sort_inputs(call, in);
        std::vector<Value> column(rows_.size());
        RowEq same;
        size_t start = 0;
        while (start < in.sequence.size()) {
            size_t end = start + 1;
            while (end < in.sequence.size() && same(in.partition[in.sequence[start]], in.partition[in.sequence[end]]))
                ++end;
            Partition p{call, in, in.sequence.data() + start, end - start, {}};
            p.peer_end.resize(p.size);
            for (size_t pos = p.size; pos-- > 0;) {
                bool peer_of_next = pos + 1 < p.size && same(in.order[p.rows[pos]], in.order[p.rows[pos + 1]]);
                p.peer_end[pos] = peer_of_next ? p.peer_end[pos + 1] : pos + 1;
            }
            auto r = call.aggregate ? compute_aggregate(p, column) : compute_function(p, column);
            if (!r)
                return r;
            start = end;
        }
        results_.push_back(std::move(column));
        order_ = std::move(in.sequence);
        return {};
    }

    const PlanNode& node_;
    OperatorPtr child_;
    ExecContext& ctx_;
    MemoryReservation memory_;
    bool computed_ = false;
    std::vector<Row> rows_;
    std::vector<std::vector<Value>> results_; ///< one column per window call, by input row
    std::vector<size_t> order_;               ///< output sequence of input rows
    size_t pos_ = 0;
};

} // namespace

OperatorPtr make_window(const PlanNode& node, OperatorPtr child, ExecContext& ctx) {
    return std::make_unique<Window>(node, std::move(child), ctx);
}

} // namespace nectar::federation::exec
