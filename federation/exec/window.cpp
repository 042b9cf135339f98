// Window functions: the input is held, then for each window call sorted by its partition and
// order keys and walked partition by partition. Rows come out in the last call's order.
// Frames (ROWS / GROUPS / RANGE without offsets) slide: count, sum and avg over exact types
// let rows leave the frame; other aggregates restart when the frame's start moves.

#include "federation/exec/operators.hpp"
#include "federation/expr/overload.hpp"

#include <algorithm>
#include <numeric>

namespace nectar::federation::exec {
namespace {

using Bound = WindowFrame::Bound;
using Mode = WindowFrame::Mode;

// One window call's inputs per input row, and the rows in its partition + order sequence.
struct CallInputs {
    std::vector<Row> partition;
    std::vector<Row> order;
    std::vector<Row> args;
    std::vector<size_t> sequence;
};

// A call's frame with its offsets evaluated (they are the same for every row).
struct Frame {
    Mode mode = Mode::Range;
    Bound start = Bound::UnboundedPreceding;
    Bound end = Bound::CurrentRow;
    size_t start_n = 0;
    size_t end_n = 0;
};

// a - k and a + k clamped to [0, limit]: offsets may be as large as int8 allows.
size_t back(size_t a, size_t k) {
    return k >= a ? 0 : a - k;
}
size_t ahead(size_t a, size_t k, size_t limit) {
    return k >= limit - std::min(a, limit) ? limit : a + k;
}

// A partition being computed: positions index `rows`, which index the call's inputs.
struct Partition {
    const WindowCall& call;
    const Frame& frame;
    const CallInputs& in;
    const size_t* rows; ///< input row numbers in partition order
    size_t size;
    std::vector<size_t> group_of;    ///< per position: its peer group's number
    std::vector<size_t> group_start; ///< per peer group: its first position; then `size`

    const Row& args(size_t pos) const { return in.args[rows[pos]]; }
    size_t groups() const { return group_start.size() - 1; }
    size_t peer_start(size_t pos) const { return group_start[group_of[pos]]; }
    size_t peer_end(size_t pos) const { return group_start[group_of[pos] + 1]; }

    /// First position of the frame of the row at `pos`.
    size_t frame_start(size_t pos) const {
        const bool rows_mode = frame.mode == Mode::Rows;
        const size_t g = group_of[pos];
        switch (frame.start) {
        case Bound::UnboundedPreceding:
            return 0;
        case Bound::Preceding:
            return rows_mode ? back(pos, frame.start_n) : group_start[back(g, frame.start_n)];
        case Bound::CurrentRow:
            return rows_mode ? pos : group_start[g];
        case Bound::Following:
            return rows_mode ? ahead(pos, frame.start_n, size)
                             : group_start[ahead(g, frame.start_n, groups())];
        case Bound::UnboundedFollowing:
            break;
        }
        return size;
    }
    /// One past the last position of the frame (not above frame_start when the frame is empty).
    size_t frame_end(size_t pos) const {
        const bool rows_mode = frame.mode == Mode::Rows;
        const size_t g = group_of[pos];
        switch (frame.end) {
        case Bound::UnboundedPreceding:
            return 0;
        case Bound::Preceding:
            if (rows_mode)
                return frame.end_n > pos ? 0 : pos - frame.end_n + 1;
            return frame.end_n > g ? 0 : group_start[g - frame.end_n + 1];
        case Bound::CurrentRow:
            return rows_mode ? pos + 1 : group_start[g + 1];
        case Bound::Following:
            return rows_mode ? ahead(pos + 1, frame.end_n, size)
                             : group_start[ahead(g + 1, frame.end_n, groups())];
        case Bound::UnboundedFollowing:
            break;
        }
        return size;
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

// first_value, last_value, nth_value: a row of the frame, NULL when the frame has no such row.
Result<Value> frame_value(const Partition& p, size_t pos) {
    const std::string& name = p.call.name;
    size_t start = p.frame_start(pos), end = p.frame_end(pos);
    Value none = Value::null(p.call.type);
    if (name == "first_value")
        return start < end ? arg_or_null(p, start, 0) : none;
    if (name == "last_value")
        return start < end ? arg_or_null(p, end - 1, 0) : none;
    Value n = arg_or_null(p, pos, 1);
    if (n.is_null())
        return none;
    if (n.as_int() <= 0)
        return Error::make("22016", "argument of nth_value must be greater than zero");
    auto k = static_cast<size_t>(n.as_int());
    return start < end && k <= end - start ? arg_or_null(p, start + k - 1, 0) : none;
}

// Ranking, navigation and value functions for every row of one partition.
Result<void> compute_function(const Partition& p, std::vector<Value>& out) {
    const std::string& name = p.call.name;
    for (size_t pos = 0; pos < p.size; ++pos) {
        size_t peer_start = p.peer_start(pos);
        Value v;
        if (name == "row_number") {
            v = typed_int(p.call, static_cast<int64_t>(pos + 1));
        } else if (name == "rank") {
            v = typed_int(p.call, static_cast<int64_t>(peer_start + 1));
        } else if (name == "dense_rank") {
            v = typed_int(p.call, static_cast<int64_t>(p.group_of[pos] + 1));
        } else if (name == "percent_rank") {
            v = Value::float8(p.size > 1 ? double(peer_start) / double(p.size - 1) : 0.0);
        } else if (name == "cume_dist") {
            v = Value::float8(double(p.peer_end(pos)) / double(p.size));
        } else if (name == "ntile") {
            auto n = ntile(p, pos);
            if (!n)
                return n.error();
            v = std::move(*n);
        } else if (name == "lag" || name == "lead") {
            v = shifted(p, pos, name == "lead");
        } else if (name == "first_value" || name == "last_value" || name == "nth_value") {
            auto f = frame_value(p, pos);
            if (!f)
                return f.error();
            v = std::move(*f);
        } else {
            return Error::make("42883", "function " + name + "() is not a window function");
        }
        out[p.rows[pos]] = std::move(v);
    }
    return {};
}

// count, sum and avg over exact types, able to forget rows that leave a sliding frame. The sum
// keeps the largest display scale of the values in the frame, as PostgreSQL's does: when the
// last value of that scale leaves, remove() says so and the caller restarts from the frame.
class MovingSum {
  public:
    enum class Kind { Count, IntSum, DecimalSum, DecimalAvg };
    explicit MovingSum(Kind kind, bool star)
        : kind_(kind)
        , star_(star) {}

    /// The moving form of an aggregate call, if it has one.
    static std::optional<MovingSum> of(const WindowCall& call) {
        const AggregateImpl& impl = *call.aggregate;
        if (impl.name == "count")
            return MovingSum(Kind::Count, call.star || impl.params.empty());
        if (impl.params.size() != 1 || !(is_integer(impl.params[0]) || impl.params[0] == Type::Numeric))
            return std::nullopt;
        if (impl.name == "sum" && impl.result == Type::Int8)
            return MovingSum(Kind::IntSum, false);
        if (impl.name == "sum" && impl.result == Type::Numeric)
            return MovingSum(Kind::DecimalSum, false);
        if (impl.name == "avg" && impl.result == Type::Numeric)
            return MovingSum(Kind::DecimalAvg, false);
        return std::nullopt;
    }

    Result<void> add(const Row& args) {
        if (star_) {
            ++n_;
            return {};
        }
        const Value& v = args[0];
        if (v.is_null())
            return {};
        ++n_;
        if (kind_ == Kind::IntSum) {
            if (__builtin_add_overflow(int_sum_, v.as_int(), &int_sum_))
                return Error::make("22003", "bigint out of range");
        } else if (kind_ != Kind::Count) {
            Decimal d = expr::to_decimal(v);
            note_scale(d, +1);
            sum_ = sum_.add(d);
        }
        return {};
    }

    /// Forgets one input; false when the sum cannot forget it exactly (restart instead).
    bool remove(const Row& args) {
        if (!star_ && args[0].is_null())
            return true;
        if (kind_ == Kind::DecimalSum || kind_ == Kind::DecimalAvg) {
            Decimal d = expr::to_decimal(args[0]);
            if (d.is_nan() || sum_.is_nan() || (d.scale() == max_scale_ && max_count_ == 1 && max_scale_ > 0))
                return false;
            note_scale(d, -1);
            sum_ = sum_.sub(d);
        } else if (kind_ == Kind::IntSum) {
            int_sum_ -= args[0].as_int();
        }
        --n_;
        return true;
    }

    Result<Value> finish() const {
        switch (kind_) {
        case Kind::Count:
            return Value::int8(n_);
        case Kind::IntSum:
            return n_ == 0 ? Value::null(Type::Int8) : Value::int8(int_sum_);
        case Kind::DecimalSum:
            return n_ == 0 ? Value::null(Type::Numeric) : expr::numeric_value(sum_);
        case Kind::DecimalAvg:
            break;
        }
        if (n_ == 0)
            return Value::null(Type::Numeric);
        auto avg = sum_.div(Decimal::from_int(n_));
        if (!avg)
            return avg.error();
        return expr::numeric_value(*avg);
    }

  private:
    void note_scale(const Decimal& d, int change) {
        if (d.scale() > max_scale_) {
            max_scale_ = d.scale();
            max_count_ = 0;
        }
        if (d.scale() == max_scale_)
            max_count_ += change;
    }

    Kind kind_;
    bool star_;
    int64_t n_ = 0;
    int64_t int_sum_ = 0;
    Decimal sum_;
    int max_scale_ = 0;
    int64_t max_count_ = 0;
};

// The running state of one aggregate over a frame that moves forward: [lo, hi) is what it holds.
class FrameAggregate {
  public:
    explicit FrameAggregate(const Partition& p)
        : p_(p)
        , moving_prototype_(MovingSum::of(p.call)) {
        restart(0);
    }

    /// The aggregate over positions [start, end); both only grow from one call to the next.
    Result<Value> over(size_t start, size_t end) {
        if (start >= end)
            return empty();
        // An aggregate that cannot forget rows starts again when the frame's start moves.
        if (start >= hi_ || (start > lo_ && !moving_))
            restart(start);
        for (; hi_ < end; ++hi_) {
            auto a = moving_ ? moving_->add(p_.args(hi_)) : state_->add(p_.args(hi_));
            if (!a)
                return a.error();
        }
        for (; lo_ < start; ++lo_) {
            if (!moving_->remove(p_.args(lo_)))
                return restart_and_fill(start, end);
        }
        return moving_ ? moving_->finish() : state_->finish();
    }

  private:
    void restart(size_t at) {
        lo_ = hi_ = at;
        moving_ = moving_prototype_;
        if (!moving_)
            state_ = p_.call.aggregate->make_state();
    }

    Result<Value> restart_and_fill(size_t start, size_t end) {
        restart(start);
        return over(start, end);
    }

    Result<Value> empty() const {
        if (moving_prototype_)
            return moving_prototype_->finish();
        return p_.call.aggregate->make_state()->finish();
    }

    const Partition& p_;
    std::optional<MovingSum> moving_prototype_; ///< a fresh moving sum, when the call has one
    std::optional<MovingSum> moving_;
    std::unique_ptr<AggregateState> state_;
    size_t lo_ = 0, hi_ = 0;
};

// An aggregate over each row's frame, finished again only when the frame changes.
Result<void> compute_aggregate(const Partition& p, std::vector<Value>& out) {
    FrameAggregate agg(p);
    bool have = false;
    size_t last_start = 0, last_end = 0;
    Value current;
    for (size_t pos = 0; pos < p.size; ++pos) {
        size_t start = p.frame_start(pos), end = p.frame_end(pos);
        if (!have || start != last_start || end != last_end) {
            have = true;
            auto v = agg.over(start, end);
            if (!v)
                return v.error();
            current = std::move(*v);
            last_start = start;
            last_end = end;
        }
        out[p.rows[pos]] = current;
    }
    return {};
}

// One frame offset: a non-negative int8 evaluated once, as PostgreSQL checks it.
Result<size_t> frame_offset(const ExprPtr& offset, const char* which, ExecContext& ctx) {
    if (!offset)
        return Error::make("XX000", std::string("window frame ") + which + " offset is missing");
    auto v = evaluate(*offset, Row{}, ctx);
    if (!v)
        return v.error();
    if (v->is_null())
        return Error::make("22004", std::string("frame ") + which + " offset must not be null");
    if (v->as_int() < 0)
        return Error::make("22013", std::string("frame ") + which + " offset must not be negative");
    return static_cast<size_t>(v->as_int());
}

// The call's frame with offsets evaluated; the older shorthands win over `frame`.
Result<Frame> resolve_frame(const WindowCall& call, ExecContext& ctx) {
    Frame f{call.frame.mode, call.frame.start, call.frame.end, 0, 0};
    if (call.whole_partition)
        return Frame{Mode::Rows, Bound::UnboundedPreceding, Bound::UnboundedFollowing, 0, 0};
    if (call.rows_frame)
        return Frame{Mode::Rows, Bound::UnboundedPreceding, Bound::CurrentRow, 0, 0};
    bool start_offset = f.start == Bound::Preceding || f.start == Bound::Following;
    bool end_offset = f.end == Bound::Preceding || f.end == Bound::Following;
    if (f.mode == Mode::Range && (start_offset || end_offset))
        return Error::make("0A000", "RANGE with offset PRECEDING/FOLLOWING is not supported by Nectar's "
                                    "federated engine yet");
    if (start_offset) {
        auto n = frame_offset(call.frame.start_offset, "starting", ctx);
        if (!n)
            return n.error();
        f.start_n = *n;
    }
    if (end_offset) {
        auto n = frame_offset(call.frame.end_offset, "ending", ctx);
        if (!n)
            return n.error();
        f.end_n = *n;
    }
    return f;
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
        auto frame = resolve_frame(call, ctx_); // checked even when there are no rows
        if (!frame)
            return frame.error();
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
            while (end < in.sequence.size() &&
                   same(in.partition[in.sequence[start]], in.partition[in.sequence[end]]))
                ++end;
            Partition p{call, *frame, in, in.sequence.data() + start, end - start, {}, {}};
            p.group_of.resize(p.size);
            for (size_t pos = 0; pos < p.size; ++pos) {
                bool peer_of_previous = pos > 0 && same(in.order[p.rows[pos - 1]], in.order[p.rows[pos]]);
                if (!peer_of_previous)
                    p.group_start.push_back(pos);
                p.group_of[pos] = p.group_start.size() - 1;
            }
            p.group_start.push_back(p.size);
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
