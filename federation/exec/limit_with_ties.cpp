// FETCH FIRST n ROWS WITH TIES: the first n rows in sort order, then every row equal to the
// n-th on the sort keys. Over a Remote query ordered by the backend whose dialect has no usable
// WITH TIES (MariaDB, SQLite), two small queries replace one sorted scan of the whole input:
// ORDER BY ... LIMIT n (an index scan), then the rows equal to the n-th row's keys.

#include "federation/exec/operators.hpp"

namespace nectar::federation::exec {
namespace {

Result<Row> keys_of(const std::vector<SortKey>& keys, const Row& row, ExecContext& ctx) {
    Row out;
    out.reserve(keys.size());
    for (const auto& key : keys) {
        auto v = evaluate(*key.expr, row, ctx);
        if (!v)
            return v.error();
        out.push_back(std::move(*v));
    }
    return out;
}

bool same_keys(const std::vector<SortKey>& keys, const Row& a, const Row& b) {
    for (size_t k = 0; k < keys.size(); ++k) {
        if (compare_sort_value(a[k], b[k], keys[k].descending, keys[k].nulls_first) != 0)
            return false;
    }
    return true;
}

// Over input already in sort order: skips the offset, passes n rows, then their ties.
class LimitWithTies final : public Operator {
  public:
    LimitWithTies(const PlanNode& limit, OperatorPtr sorted, ExecContext& ctx)
        : keys_(limit.sort_keys)
        , child_(std::move(sorted))
        , ctx_(ctx)
        , to_skip_(limit.offset)
        , remaining_(limit.limit.value_or(0)) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        while (!done_) {
            Batch in;
            auto r = co_await child_->next(in);
            if (!r)
                co_return r.error();
            for (size_t i = 0; i < in.rows.size() && !done_; ++i) {
                auto taken = take(std::move(in.rows[i]), batch);
                if (!taken)
                    co_return taken.error();
            }
            if (!*r)
                done_ = true;
            if (!batch.rows.empty())
                co_return !done_;
        }
        co_return false;
    }

  private:
    Result<void> take(Row row, Batch& batch) {
        if (to_skip_ > 0) {
            --to_skip_;
            return {};
        }
        if (remaining_ == 0 && last_keys_.empty()) {
            done_ = true; // FETCH FIRST 0 ROWS
            return {};
        }
        auto keys = keys_of(keys_, row, ctx_);
        if (!keys)
            return keys.error();
        if (remaining_ > 0) {
            if (--remaining_ == 0)
                last_keys_ = std::move(*keys); // the n-th row: what a tie must equal
        } else if (!same_keys(keys_, *keys, last_keys_)) {
            done_ = true;
            return {};
        }
        batch.rows.push_back(std::move(row));
        return {};
    }

    const std::vector<SortKey>& keys_;
    OperatorPtr child_;
    ExecContext& ctx_;
    int64_t to_skip_;
    int64_t remaining_;
    Row last_keys_;
    bool done_ = false;
};

// Over a Remote query with ORDER BY on the sort keys, every key a column of its output.
class RemoteLimitWithTies final : public Operator {
  public:
    RemoteLimitWithTies(const PlanNode& limit, const PlanNode& remote, ExecContext& ctx)
        : limit_(limit)
        , remote_(remote)
        , ctx_(ctx)
        , memory_(ctx) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        if (!fetched_) {
            auto f = co_await fetch();
            if (!f)
                co_return f.error();
            fetched_ = true;
            pos_ = std::min(rows_.size(), static_cast<size_t>(std::max<int64_t>(limit_.offset, 0)));
        }
        if (whole_) {
            co_return co_await whole_->next(batch);
        }
        size_t produced = 0;
        while (pos_ < rows_.size() && produced < Batch::kBatchRows) {
            batch.rows.push_back(std::move(rows_[pos_++]));
            ++produced;
        }
        co_return pos_ < rows_.size();
    }

  private:
    boost::asio::awaitable<Result<void>> run(std::string sql, std::vector<Row>& out) {
        ctx_.remote_rewrites[&remote_] = {std::move(sql)};
        OperatorPtr scan = make_remote_scan(remote_, ctx_);
        bool more = true;
        while (more) {
            Batch in;
            auto r = co_await scan->next(in);
            if (!r)
                co_return r.error();
            more = *r;
            for (auto& row : in.rows) {
                auto m = memory_.add(row_bytes(row));
                if (!m)
                    co_return m;
                out.push_back(std::move(row));
            }
        }
        co_return Result<void>{};
    }

    boost::asio::awaitable<Result<void>> fetch() {
        Connector* connector = ctx_.connector ? ctx_.connector(remote_.service) : nullptr;
        if (!connector)
            co_return Error::make("08003", "service \"" + remote_.service + "\" is not connected");
        const Dialect& dialect = connector->dialect();
        const int64_t wanted = limit_.offset + *limit_.limit;
        auto first = co_await run(remote_.remote_sql + dialect.limit_offset(wanted, 0), rows_);
        if (!first)
            co_return first;
        if (wanted == 0 || static_cast<int64_t>(rows_.size()) < wanted)
            co_return Result<void>{}; // the input holds no more rows, so no more ties
        auto boundary = keys_of(limit_.sort_keys, rows_.back(), ctx_);
        if (!boundary)
            co_return boundary.error();
        // Rows before the n-th row's keys stay; the backend returns every row with those keys.
        while (!rows_.empty()) {
            auto k = keys_of(limit_.sort_keys, rows_.back(), ctx_);
            if (!k)
                co_return k.error();
            if (!same_keys(limit_.sort_keys, *k, *boundary))
                break;
            rows_.pop_back();
        }
        for (const Value& v : *boundary) {
            if (!v.is_null() && !dialect.supports_literal(v)) {
                // No literal for the boundary (NaN in MySQL...): read the sorted input up to its ties.
                rows_.clear();
                ctx_.remote_rewrites[&remote_] = {remote_.remote_sql};
                whole_ = make_limit_with_ties(limit_, make_remote_scan(remote_, ctx_), ctx_);
                co_return Result<void>{};
            }
        }
        std::string where;
        for (size_t i = 0; i < limit_.sort_keys.size(); i++) {
            const Expr& key = *limit_.sort_keys[i].expr;
            std::string column = "nectar_ties." + dialect.quote_identifier("c" + std::to_string(key.column));
            where += (i ? " AND " : "") + ((*boundary)[i].is_null() ? column + " IS NULL"
                                                                   : dialect.render_operator("=", column,
                                                                                             dialect.literal((*boundary)[i]),
                                                                                             key.type, key.type));
        }
        std::vector<Row> ties;
        auto second = co_await run("SELECT * FROM (" + remote_.remote_sql + ") nectar_ties WHERE " + where, ties);
        if (!second)
            co_return second;
        ctx_.notes[&limit_] = "Remote ties: LIMIT " + std::to_string(wanted) + " in order, then " +
                              std::to_string(ties.size()) + " row(s) equal to the last fetched by value";
        for (auto& row : ties) {
            auto k = keys_of(limit_.sort_keys, row, ctx_);
            if (!k)
                co_return k.error();
            if (same_keys(limit_.sort_keys, *k, *boundary)) // PostgreSQL's equality, whatever the backend's
                rows_.push_back(std::move(row));
        }
        co_return Result<void>{};
    }

    const PlanNode& limit_;
    const PlanNode& remote_;
    ExecContext& ctx_;
    MemoryReservation memory_;
    std::vector<Row> rows_;
    OperatorPtr whole_; ///< set when the ties cannot be asked for by value
    bool fetched_ = false;
    size_t pos_ = 0;
};

} // namespace

bool can_fetch_ties_remotely(const PlanNode& limit, const Dialect& dialect) {
    for (const auto& k : limit.sort_keys) {
        if (k.expr->kind != Expr::Kind::Column || !dialect.supports_operator("=", k.expr->type, k.expr->type))
            return false;
    }
    return limit.limit.has_value() && !limit.sort_keys.empty();
}

OperatorPtr make_limit_with_ties(const PlanNode& limit, OperatorPtr sorted, ExecContext& ctx) {
    return std::make_unique<LimitWithTies>(limit, std::move(sorted), ctx);
}

OperatorPtr make_remote_limit_with_ties(const PlanNode& limit, const PlanNode& remote, ExecContext& ctx) {
    return std::make_unique<RemoteLimitWithTies>(limit, remote, ctx);
}

} // namespace nectar::federation::exec
