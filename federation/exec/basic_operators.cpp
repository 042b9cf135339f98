// Streaming operators that hold no more than one input batch: Filter, Project, Limit and
// Values; and Distinct, which streams but remembers the rows it has sent.

#include "federation/exec/operators.hpp"
#include "federation/plan/planner.hpp"

#include <unordered_set>

namespace nectar::federation::exec {
namespace {

class Filter final : public Operator {
  public:
    Filter(const PlanNode& node, OperatorPtr child, ExecContext& ctx)
        : node_(node)
        , child_(std::move(child))
        , ctx_(ctx) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        // Keep pulling until something passes, so a selective filter does not return empty batches.
        size_t start = batch.rows.size();
        bool more = true;
        while (more && batch.rows.size() == start) {
            Batch in;
            auto r = co_await child_->next(in);
            if (!r)
                co_return r.error();
            more = *r;
            for (auto& row : in.rows) {
                auto keep = evaluate_predicate(*node_.predicate, row, ctx_);
                if (!keep)
                    co_return keep.error();
                if (*keep)
                    batch.rows.push_back(std::move(row));
            }
        }
        co_return more;
    }

  private:
    const PlanNode& node_;
    OperatorPtr child_;
    ExecContext& ctx_;
};

class Project final : public Operator {
  public:
    Project(const PlanNode& node, OperatorPtr child, ExecContext& ctx)
        : node_(node)
        , child_(std::move(child))
        , ctx_(ctx)
        , moved_(movable_columns(node.exprs)) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        Batch in;
        auto r = co_await child_->next(in);
        if (!r)
            co_return r.error();
        const auto& exprs = node_.exprs;
        for (auto& row : in.rows) {
            Row out;
            out.reserve(exprs.size());
            for (size_t i = 0; i < exprs.size(); i++) {
                if (moved_[i] && static_cast<size_t>(exprs[i]->column) < row.size()) {
                    out.push_back(std::move(row[exprs[i]->column]));
                    continue;
                }
                auto v = evaluate(*exprs[i], row, ctx_);
                if (!v)
                    co_return v.error();
                out.push_back(std::move(*v));
            }
            batch.rows.push_back(std::move(out));
        }
        co_return *r;
    }

  private:
    /// Bare column references no other expression reads: the input row is dropped after the
    /// projection, so their values (strings included) are moved rather than copied.
    static std::vector<bool> movable_columns(const std::vector<ExprPtr>& exprs) {
        std::vector<int> reads;
        for (const auto& e : exprs)
            collect_columns(*e, reads);
        std::vector<bool> moved(exprs.size(), false);
        for (size_t i = 0; i < exprs.size(); i++) {
            const Expr& e = *exprs[i];
            moved[i] = e.kind == Expr::Kind::Column && e.column >= 0 &&
                       std::count(reads.begin(), reads.end(), e.column) == 1;
        }
        return moved;
    }

    const PlanNode& node_;
    OperatorPtr child_;
    ExecContext& ctx_;
    std::vector<bool> moved_;
};

class Limit final : public Operator {
  public:
    Limit(const PlanNode& node, OperatorPtr child)
        : child_(std::move(child))
        , to_skip_(node.offset)
        , remaining_(node.limit ? *node.limit : -1) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        // Once the limit is reached the child is never pulled again.
        while (remaining_ != 0) {
            Batch in;
            auto r = co_await child_->next(in);
            if (!r)
                co_return r.error();
            size_t i = 0;
            for (; i < in.rows.size() && to_skip_ > 0; ++i)
                --to_skip_;
            for (; i < in.rows.size() && remaining_ != 0; ++i) {
                batch.rows.push_back(std::move(in.rows[i]));
                if (remaining_ > 0)
                    --remaining_;
            }
            if (!*r)
                co_return false;
            if (!batch.rows.empty())
                co_return remaining_ != 0;
        }
        co_return false;
    }

  private:
    OperatorPtr child_;
    int64_t to_skip_;
    int64_t remaining_; ///< -1: no limit (OFFSET only)
};

class Values final : public Operator {
  public:
    Values(const PlanNode& node, ExecContext& ctx)
        : node_(node)
        , ctx_(ctx) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        static const Row kNoInput;
        size_t produced = 0;
        while (next_row_ < node_.rows.size() && produced < Batch::kBatchRows) {
            Row out;
            auto ok = evaluate_all(node_.rows[next_row_], kNoInput, ctx_, out);
            if (!ok)
                co_return ok.error();
            batch.rows.push_back(std::move(out));
            ++next_row_;
            ++produced;
        }
        co_return next_row_ < node_.rows.size();
    }

  private:
    const PlanNode& node_;
    ExecContext& ctx_;
    size_t next_row_ = 0;
};

class Distinct final : public Operator {
  public:
    Distinct(OperatorPtr child, ExecContext& ctx)
        : child_(std::move(child))
        , memory_(ctx) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        size_t start = batch.rows.size();
        bool more = true;
        while (more && batch.rows.size() == start) {
            Batch in;
            auto r = co_await child_->next(in);
            if (!r)
                co_return r.error();
            more = *r;
            for (auto& row : in.rows) {
                if (seen_.count(row))
                    continue;
                auto m = memory_.add(row_bytes(row) + sizeof(void*) * 2);
                if (!m)
                    co_return m.error();
                seen_.insert(row);
                batch.rows.push_back(std::move(row));
            }
        }
        co_return more;
    }

  private:
    OperatorPtr child_;
    MemoryReservation memory_;
    std::unordered_set<Row, RowHash, RowEq> seen_;
};

} // namespace

OperatorPtr make_filter(const PlanNode& node, OperatorPtr child, ExecContext& ctx) {
    return std::make_unique<Filter>(node, std::move(child), ctx);
}
OperatorPtr make_project(const PlanNode& node, OperatorPtr child, ExecContext& ctx) {
    return std::make_unique<Project>(node, std::move(child), ctx);
}
OperatorPtr make_limit(const PlanNode& node, OperatorPtr child) {
    return std::make_unique<Limit>(node, std::move(child));
}
OperatorPtr make_values(const PlanNode& node, ExecContext& ctx) {
    return std::make_unique<Values>(node, ctx);
}
OperatorPtr make_distinct(OperatorPtr child, ExecContext& ctx) {
    return std::make_unique<Distinct>(std::move(child), ctx);
}

} // namespace nectar::federation::exec
