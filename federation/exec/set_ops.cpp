// UNION / INTERSECT / EXCEPT, with and without ALL. The left input always streams; UNION
// streams the right too, INTERSECT and EXCEPT count the right side's rows first. With ALL a
// row appearing m times on the left and n on the right comes out m+n, min(m,n) or max(m-n,0)
// times; without ALL at most once (rows compare with NULLs equal).

#include "federation/exec/operators.hpp"

#include <unordered_map>
#include <unordered_set>

namespace nectar::federation::exec {
namespace {

class SetOp final : public Operator {
  public:
    SetOp(const PlanNode& node, OperatorPtr left, OperatorPtr right, ExecContext& ctx)
        : op_(node.set_op)
        , all_(node.set_all)
        , left_(std::move(left))
        , right_(std::move(right))
        , memory_(ctx) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        if (op_ != SetOpType::Union && !right_counted_) {
            auto c = co_await count_right();
            if (!c)
                co_return c.error();
        }
        size_t start = batch.rows.size();
        // Pull until something comes out, so a selective INTERSECT does not return empty batches.
        while (batch.rows.size() == start) {
            bool on_left = !left_done_;
            if (!on_left && (op_ != SetOpType::Union || right_done_))
                co_return false;
            Batch in;
            auto r = co_await (on_left ? left_ : right_)->next(in);
            if (!r)
                co_return r.error();
            (on_left ? left_done_ : right_done_) = !*r;
            for (auto& row : in.rows) {
                auto keep = admit(row);
                if (!keep)
                    co_return keep.error();
                if (*keep)
                    batch.rows.push_back(std::move(row));
            }
        }
        co_return !(left_done_ && (op_ != SetOpType::Union || right_done_));
    }

  private:
    boost::asio::awaitable<Result<void>> count_right() {
        bool more = true;
        while (more) {
            Batch in;
            auto r = co_await right_->next(in);
            if (!r)
                co_return r.error();
            more = *r;
            for (auto& row : in.rows) {
                auto it = right_counts_.find(row);
                if (it != right_counts_.end()) {
                    ++it->second;
                    continue;
                }
                auto m = memory_.add(row_bytes(row) + 2 * sizeof(void*) + sizeof(int64_t));
                if (!m)
                    co_return m;
                right_counts_.emplace(std::move(row), 1);
            }
        }
        right_counted_ = true;
        right_done_ = true;
        co_return Result<void>{};
    }

    // Whether one row (of the side currently read) is part of the result.
    Result<bool> admit(const Row& row) {
        if (op_ == SetOpType::Union)
            return all_ ? Result<bool>(true) : remember(row);
        auto it = right_counts_.find(row);
        bool on_right = it != right_counts_.end() && it->second > 0;
        if (all_) {
            // Each right occurrence pairs off one left occurrence.
            if (on_right)
                --it->second;
            return op_ == SetOpType::Intersect ? on_right : !on_right;
        }
        bool wanted = op_ == SetOpType::Intersect ? on_right : !on_right;
        if (!wanted)
            return false;
        return remember(row);
    }

    // True the first time a row is seen.
    Result<bool> remember(const Row& row) {
        if (seen_.count(row))
            return false;
        auto m = memory_.add(row_bytes(row) + 2 * sizeof(void*));
        if (!m)
            return m.error();
        seen_.insert(row);
        return true;
    }

    SetOpType op_;
    bool all_;
    OperatorPtr left_;
    OperatorPtr right_;
    MemoryReservation memory_;
    bool left_done_ = false;
    bool right_done_ = false;
    bool right_counted_ = false;
    std::unordered_map<Row, int64_t, RowHash, RowEq> right_counts_;
    std::unordered_set<Row, RowHash, RowEq> seen_;
};

} // namespace

OperatorPtr make_set_op(const PlanNode& node, OperatorPtr left, OperatorPtr right, ExecContext& ctx) {
    return std::make_unique<SetOp>(node, std::move(left), std::move(right), ctx);
}

} // namespace nectar::federation::exec
