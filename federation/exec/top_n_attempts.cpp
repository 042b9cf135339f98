// TopNAttempts: runs its inputs in turn until one yields the wanted number of rows (see
// plan/top_n_join.cpp); the last input, the unlimited query, always answers.

#include "federation/exec/operators.hpp"

#include <fmt/format.h>

namespace nectar::federation::exec {
namespace {

class TopNAttempts final : public Operator {
  public:
    TopNAttempts(const PlanNode& node, std::function<Result<OperatorPtr>(size_t)> build_child, ExecContext& ctx)
        : node_(node)
        , build_child_(std::move(build_child))
        , ctx_(ctx) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        if (!chosen_) {
            auto r = co_await choose();
            if (!r)
                co_return r.error();
        }
        if (!answer_.empty()) { // a limited attempt's rows, all held
            for (auto& row : answer_)
                batch.rows.push_back(std::move(row));
            answer_.clear();
            co_return false;
        }
        if (!fallback_)
            co_return false;
        auto r = co_await fallback_->next(batch);
        co_return r;
    }

  private:
    /// Runs the limited attempts in order; the first with enough rows is the answer, else the
    /// last input streams.
    boost::asio::awaitable<Result<void>> choose() {
        chosen_ = true;
        const size_t last = node_.children.size() - 1;
        const size_t wanted = static_cast<size_t>(*node_.limit);
        for (size_t i = 0; i < last; i++) {
            auto op = build_child_(i);
            if (!op)
                co_return op.error();
            std::vector<Row> rows;
            for (bool more = true; more;) {
                Batch b;
                auto r = co_await (*op)->next(b);
                if (!r)
                    co_return r.error();
                more = *r;
                for (auto& row : b.rows)
                    rows.push_back(std::move(row));
            }
            if (rows.size() >= wanted) {
                answer_ = std::move(rows);
                note(fmt::format("attempt {} of {} answered with {} rows", i + 1, last, answer_.size()));
                co_return Result<void>{};
            }
        }
        note(last == 0 ? "ran the unlimited input"
                       : fmt::format("{} attempt(s) yielded too few rows; ran the unlimited input", last));
        auto op = build_child_(last);
        if (!op)
            co_return op.error();
        fallback_ = std::move(*op);
        co_return Result<void>{};
    }

    void note(std::string text) {
        if (ctx_.collect_stats)
            ctx_.notes[&node_] = std::move(text);
    }

    const PlanNode& node_;
    std::function<Result<OperatorPtr>(size_t)> build_child_;
    ExecContext& ctx_;
    bool chosen_ = false;
    std::vector<Row> answer_;
    OperatorPtr fallback_;
};

} // namespace

OperatorPtr make_top_n_attempts(const PlanNode& node, std::function<Result<OperatorPtr>(size_t)> build_child,
                                ExecContext& ctx) {
    return std::make_unique<TopNAttempts>(node, std::move(build_child), ctx);
}

} // namespace nectar::federation::exec
