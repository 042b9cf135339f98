// ORDER BY: a full in-memory sort, or for Limit(Sort) a bounded heap of the best
// offset+limit rows (top-N), so that ORDER BY ... LIMIT 10 over millions of rows holds ten.

#include "federation/exec/operators.hpp"

#include <algorithm>

namespace nectar::federation::exec {
namespace {

// A row with its evaluated sort keys and arrival number (ties keep input order).
struct SortEntry {
    Row keys;
    Row row;
    uint64_t seq = 0;
};

struct EntryLess {
    const std::vector<SortKey>* keys;
    bool operator()(const SortEntry& a, const SortEntry& b) const {
        for (size_t k = 0; k < keys->size(); ++k) {
            const auto& key = (*keys)[k];
            int c = compare_sort_value(a.keys[k], b.keys[k], key.descending, key.nulls_first);
            if (c != 0)
                return c < 0;
        }
        return a.seq < b.seq;
    }
};

Result<SortEntry> make_entry(const std::vector<SortKey>& keys, Row row, uint64_t seq, ExecContext& ctx) {
    SortEntry e;
    e.keys.reserve(keys.size());
    for (const auto& key : keys) {
        auto v = evaluate(*key.expr, row, ctx);
        if (!v)
            return v.error();
        e.keys.push_back(std::move(*v));
    }
    e.row = std::move(row);
    e.seq = seq;
    return e;
}

size_t entry_bytes(const SortEntry& e) { return row_bytes(e.keys) + row_bytes(e.row) + sizeof(SortEntry); }

class Sort final : public Operator {
  public:
    Sort(const PlanNode& node, OperatorPtr child, ExecContext& ctx)
        : node_(node)
        , child_(std::move(child))
        , ctx_(ctx)
        , memory_(ctx) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        if (!sorted_) {
            auto c = co_await consume();
            if (!c)
                co_return c.error();
        }
        size_t produced = 0;
        while (pos_ < entries_.size() && produced < Batch::kBatchRows) {
            batch.rows.push_back(std::move(entries_[pos_].row));
            ++pos_;
            ++produced;
        }
        co_return pos_ < entries_.size();
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
                auto e = make_entry(node_.sort_keys, std::move(row), entries_.size(), ctx_);
                if (!e)
                    co_return e.error();
                auto m = memory_.add(entry_bytes(*e));
                if (!m)
                    co_return m;
                entries_.push_back(std::move(*e));
            }
        }
        std::sort(entries_.begin(), entries_.end(), EntryLess{&node_.sort_keys});
        sorted_ = true;
        co_return Result<void>{};
    }

    const PlanNode& node_;
    OperatorPtr child_;
    ExecContext& ctx_;
    MemoryReservation memory_;
    bool sorted_ = false;
    std::vector<SortEntry> entries_;
    size_t pos_ = 0;
};

class TopN final : public Operator {
  public:
    TopN(const PlanNode& limit, const PlanNode& sort, OperatorPtr child, ExecContext& ctx)
        : sort_(sort)
        , child_(std::move(child))
        , ctx_(ctx)
        , memory_(ctx)
        , offset_(static_cast<size_t>(std::max<int64_t>(limit.offset, 0)))
        , keep_(offset_ + static_cast<size_t>(std::max<int64_t>(*limit.limit, 0))) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        if (!done_) {
            auto c = co_await consume();
            if (!c)
                co_return c.error();
        }
        size_t produced = 0;
        while (pos_ < heap_.size() && produced < Batch::kBatchRows) {
            batch.rows.push_back(std::move(heap_[pos_].row));
            ++pos_;
            ++produced;
        }
        co_return pos_ < heap_.size();
    }

  private:
    boost::asio::awaitable<Result<void>> consume() {
        bool more = keep_ > 0;
        uint64_t seq = 0;
        while (more) {
            Batch in;
            auto r = co_await child_->next(in);
            if (!r)
                co_return r.error();
            more = *r;
            for (auto& row : in.rows) {
                auto a = offer(std::move(row), seq++);
                if (!a)
                    co_return a;
            }
        }
        // Ascending order from the max-heap; then the OFFSET rows are dropped.
        std::sort_heap(heap_.begin(), heap_.end(), EntryLess{&sort_.sort_keys});
        size_t skip = std::min(offset_, heap_.size());
        heap_.erase(heap_.begin(), heap_.begin() + static_cast<std::ptrdiff_t>(skip));
        done_ = true;
        co_return Result<void>{};
    }

    // Keeps the row if it beats the worst of the best `keep_` rows seen so far.
    Result<void> offer(Row row, uint64_t seq) {
        auto e = make_entry(sort_.sort_keys, std::move(row), seq, ctx_);
        if (!e)
            return e.error();
        EntryLess less{&sort_.sort_keys};
        if (heap_.size() == keep_) {
            if (!less(*e, heap_.front()))
                return {};
            std::pop_heap(heap_.begin(), heap_.end(), less);
            memory_.release(entry_bytes(heap_.back()));
            heap_.pop_back();
        }
        auto m = memory_.add(entry_bytes(*e));
        if (!m)
            return m;
        heap_.push_back(std::move(*e));
        std::push_heap(heap_.begin(), heap_.end(), less);
        return {};
    }

    const PlanNode& sort_;
    OperatorPtr child_;
    ExecContext& ctx_;
    MemoryReservation memory_;
    size_t offset_;
    size_t keep_;
    std::vector<SortEntry> heap_; ///< max-heap by sort order: front() is the worst kept row
    bool done_ = false;
    size_t pos_ = 0;
};

} // namespace

OperatorPtr make_sort(const PlanNode& node, OperatorPtr child, ExecContext& ctx) {
    return std::make_unique<Sort>(node, std::move(child), ctx);
}

OperatorPtr make_top_n(const PlanNode& limit, const PlanNode& sort, OperatorPtr child, ExecContext& ctx) {
    return std::make_unique<TopN>(limit, sort, std::move(child), ctx);
}

} // namespace nectar::federation::exec
