// Joins: the right child (the planner puts the smaller side there) is built into a hash
// table (JoinTable) on the equi-join keys of the condition; the left child streams through it.
// Without an equi key the right side is kept as a row list and every pair is tested (nested loop).

#include "federation/exec/join_table.hpp"
#include "federation/exec/operators.hpp"

#include <unordered_set>

namespace nectar::federation::exec {
namespace {

// The condition split into hashable key pairs and what is left to test on each pair of rows.
struct JoinCondition {
    std::vector<ExprPtr> left_keys;  ///< over the left row
    std::vector<ExprPtr> right_keys; ///< over the right row (columns rebased to 0)
    std::vector<ExprPtr> residual;   ///< over left columns followed by right columns
};

void flatten_and(const ExprPtr& e, std::vector<ExprPtr>& out) {
    if (e->kind == Expr::Kind::And) {
        for (const auto& a : e->args)
            flatten_and(a, out);
    } else {
        out.push_back(e);
    }
}

// Which inputs an expression reads: bit 1 left, bit 2 right, bit 4 "cannot be rebased".
int sides(const Expr& e, int left_width) {
    int s = 0;
    if (e.kind == Expr::Kind::Column)
        s |= e.column < left_width ? 1 : 2;
    if (e.kind == Expr::Kind::Subquery)
        s |= 4; // subquery results are found by the Expr's address: keep it in place
    for (const auto& a : e.args)
        s |= sides(*a, left_width);
    return s;
}

ExprPtr rebase(const ExprPtr& e, int shift) {
    auto copy = std::make_shared<Expr>(*e);
    if (copy->kind == Expr::Kind::Column)
        copy->column -= shift;
    for (auto& a : copy->args)
        a = rebase(a, shift);
    return copy;
}

JoinCondition split_condition(const ExprPtr& condition, int left_width) {
    JoinCondition jc;
    if (!condition)
        return jc;
    std::vector<ExprPtr> conjuncts;
    flatten_and(condition, conjuncts);
    for (const auto& c : conjuncts) {
        bool is_eq = c->kind == Expr::Kind::Call && c->fn && c->fn->name == "=" && c->args.size() == 2;
        int s0 = is_eq ? sides(*c->args[0], left_width) : 0;
        int s1 = is_eq ? sides(*c->args[1], left_width) : 0;
        if (s0 == 1 && s1 == 2) {
            jc.left_keys.push_back(c->args[0]);
            jc.right_keys.push_back(rebase(c->args[1], left_width));
        } else if (s0 == 2 && s1 == 1) {
            jc.left_keys.push_back(c->args[1]);
            jc.right_keys.push_back(rebase(c->args[0], left_width));
        } else {
            jc.residual.push_back(c);
        }
    }
    return jc;
}

// Where each key value of a row is: a column read in place, or an expression evaluated into
// `computed` (no temporary Row per lookup).
class KeyReader {
  public:
    /// `exprs` over rows of `width` columns.
    KeyReader(std::vector<ExprPtr> exprs, size_t width)
        : exprs_(std::move(exprs))
        , width_(width)
        , values(exprs_.size()) {
        size_t count = 0;
        for (const auto& e : exprs_)
            count += in_place(*e) ? 0 : 1;
        computed.resize(count);
    }

    /// False with `error` set when a key expression fails.
    bool read(const Row& row, ExecContext& ctx, Error& error) {
        size_t c = 0;
        for (size_t i = 0; i < exprs_.size(); ++i) {
            const Expr& e = *exprs_[i];
            if (in_place(e) && static_cast<size_t>(e.column) < row.size()) {
                values[i] = &row[e.column];
                continue;
            }
            auto v = evaluate(e, row, ctx);
            if (!v) {
                error = v.error();
                return false;
            }
            computed[c] = std::move(*v);
            values[i] = &computed[c++];
        }
        return true;
    }
    /// Every key is a bare column: reading the keys cannot fail and costs nothing.
    bool all_in_place() const { return computed.empty(); }
    bool has_null() const {
        for (const Value* v : values) {
            if (v->is_null())
                return true;
        }
        return false;
    }
    /// Where each key sits in a stored build row: its column, or after the row's columns.
    std::vector<size_t> stored_columns() const {
        std::vector<size_t> columns;
        size_t c = 0;
        for (const auto& e : exprs_)
            columns.push_back(in_place(*e) ? static_cast<size_t>(e->column) : width_ + c++);
        return columns;
    }

  private:
    bool in_place(const Expr& e) const {
        return e.kind == Expr::Kind::Column && e.column >= 0 && static_cast<size_t>(e.column) < width_;
    }

    std::vector<ExprPtr> exprs_;
    size_t width_;

  public:
    std::vector<const Value*> values; ///< per key, valid until the row or `computed` changes
    std::vector<Value> computed;      ///< the keys that are not bare columns, in order
};

class Join final : public Operator {
  public:
    Join(const PlanNode& node, OperatorPtr left, OperatorPtr right, ExecContext& ctx)
        : node_(node)
        , type_(node.join_type)
        , left_width_(node.children[0]->columns.size())
        , right_width_(node.children[1]->columns.size())
        , cond_(split_condition(node.condition, static_cast<int>(left_width_)))
        , left_(std::move(left))
        , right_(std::move(right))
        , ctx_(ctx)
        , memory_(ctx)
        , probe_keys_(cond_.left_keys, left_width_)
        , build_keys_(cond_.right_keys, right_width_)
        , table_(right_width_, build_keys_.stored_columns()) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        if (!built_) {
            auto b = co_await build();
            if (!b)
                co_return b.error();
        }
        if (table_.rows() == 0 && !preserves_left())
            co_return false; // nothing can match: the left side is never read
        size_t limit = batch.rows.size() + Batch::kBatchRows;
        while (batch.rows.size() < limit) {
            if (in_row_) {
                if (!probe_row(batch, limit))
                    co_return error_;
            } else if (probe_pos_ < probe_.rows.size()) {
                if (!start_row())
                    co_return error_;
            } else if (!left_done_) {
                probe_.rows.clear();
                probe_pos_ = 0;
                auto r = co_await left_->next(probe_);
                if (!r)
                    co_return r.error();
                left_done_ = !*r;
                look_up_batch();
            } else if (keeps_unmatched_build()) {
                if (!emit_unmatched(batch, limit))
                    co_return false;
            } else {
                co_return false;
            }
        }
        co_return true;
    }

  private:
    static constexpr uint32_t kNone = JoinTable::kNone;

    bool hashed() const { return !cond_.left_keys.empty(); }
    bool preserves_left() const {
        return type_ == JoinType::Left || type_ == JoinType::Full || type_ == JoinType::Anti;
    }
    bool keeps_unmatched_build() const { return type_ == JoinType::Right || type_ == JoinType::Full; }

    boost::asio::awaitable<Result<void>> build() {
        bool more = true;
        Batch in;
        while (more) {
            in.rows.clear();
            auto r = co_await right_->next(in);
            if (!r)
                co_return r.error();
            more = *r;
            for (const auto& row : in.rows) {
                if (!add_build_row(row))
                    co_return error_;
            }
        }
        table_.finish();
        auto s = sync_memory();
        if (!s)
            co_return s;
        if (keeps_unmatched_build()) {
            auto m = memory_.add(table_.rows());
            if (!m)
                co_return m;
            matched_.assign(table_.rows(), 0);
        }
        built_ = true;
        reduce_probe_side();
        co_return Result<void>{};
    }

    // Brings the table's bytes counted against the query's limit up (or down) to what it holds.
    Result<void> sync_memory() {
        size_t now = table_.memory_bytes();
        if (now < accounted_) {
            memory_.release(accounted_ - now);
            accounted_ = now;
        } else if (now > accounted_) {
            auto m = memory_.add(now - accounted_);
            if (!m)
                return m;
            accounted_ = now;
        }
        return {};
    }

    /// Semi-join reduction: when the probe side is one remote query and only its matching rows
    /// can appear in the result, ship the build side's distinct keys to it as IN (...) batches.
    void reduce_probe_side() {
        static constexpr size_t kMaxKeys = 100'000;   // beyond this, shipping keys costs more than it saves
        static constexpr size_t kKeysPerBatch = 5'000; // one remote query per batch keeps statements small
        const PlanNode& probe = *node_.children[0];
        bool drops_unmatched_probe = type_ == JoinType::Inner || type_ == JoinType::Semi || type_ == JoinType::Right;
        if (!hashed() || !drops_unmatched_probe || probe.kind != PlanNode::Kind::Remote || table_.groups() == 0 ||
            table_.groups() > kMaxKeys) {
            return;
        }
        // The first key that is a bare column of the probe query's output.
        size_t key = cond_.left_keys.size();
        for (size_t i = 0; i < cond_.left_keys.size(); i++) {
            if (cond_.left_keys[i]->kind == Expr::Kind::Column) {
                key = i;
                break;
            }
        }
        Connector* connector = ctx_.connector ? ctx_.connector(probe.service) : nullptr;
        if (key == cond_.left_keys.size() || connector == nullptr) {
            return;
        }
        const Dialect& dialect = connector->dialect();
        std::unordered_set<Row, RowHash, RowEq> seen;
        std::vector<std::string> literals;
        table_.for_each_group([&](uint32_t group) {
            Row one{table_.key(group, key)};
            if (seen.insert(one).second) {
                literals.push_back(dialect.literal(one[0]));
            }
        });
        std::string column = "nectar_sj." + dialect.quote_identifier("c" + std::to_string(cond_.left_keys[key]->column));
        std::vector<std::string> batches;
        for (size_t begin = 0; begin < literals.size(); begin += kKeysPerBatch) {
            std::string sql = "SELECT * FROM (" + probe.remote_sql + ") nectar_sj WHERE " + column + " IN (";
            for (size_t i = begin; i < std::min(literals.size(), begin + kKeysPerBatch); i++) {
                sql += (i > begin ? ", " : "") + literals[i];
            }
            batches.push_back(sql + ")");
        }
        ctx_.notes[&node_] = "Semi-join reduction: " + std::to_string(literals.size()) + " keys sent to " +
                             probe.service + " in " + std::to_string(batches.size()) + " batch(es)";
        ctx_.remote_rewrites[&probe] = std::move(batches);
    }

    // Per-row steps return false with error_ set (a bool is the cheapest thing to test per row).
    bool add_build_row(const Row& row) {
        if (row.size() < right_width_) {
            error_ = Error::make("XX000", "join input row has " + std::to_string(row.size()) +
                                              " columns, expected " + std::to_string(right_width_));
            return false;
        }
        if (hashed()) {
            if (!build_keys_.read(row, ctx_, error_))
                return false;
            // NULL keys never match; only an outer join on this side still needs the row.
            if (build_keys_.has_null() && !keeps_unmatched_build())
                return true;
        }
        table_.add(row, build_keys_.computed, build_keys_.values);
        if (table_.memory_bytes() == accounted_)
            return true;
        auto m = sync_memory();
        if (!m)
            error_ = m.error();
        return m.ok();
    }

    // Looks up a whole probe batch in three passes (hash, find, reach the row), each issuing
    // prefetches the next pass uses, so the cache misses of many rows overlap.
    void look_up_batch() {
        batch_candidates_.clear();
        if (!hashed() || !probe_keys_.all_in_place() || table_.groups() == 0)
            return;
        size_t n = probe_.rows.size();
        batch_hashes_.resize(n);
        batch_candidates_.assign(n, kNone);
        std::vector<char> skip(n);
        for (size_t i = 0; i < n; ++i) {
            if (!probe_keys_.read(probe_.rows[i], ctx_, error_)) {
                batch_candidates_.clear(); // row by row, where the error is reported
                return;
            }
            skip[i] = probe_keys_.has_null();
            if (!skip[i]) {
                batch_hashes_[i] = JoinTable::hash(probe_keys_.values);
                table_.prefetch_slot(batch_hashes_[i]);
            }
        }
        for (size_t i = 0; i < n; ++i) {
            if (skip[i] || !probe_keys_.read(probe_.rows[i], ctx_, error_))
                continue;
            batch_candidates_[i] = table_.find(probe_keys_.values, batch_hashes_[i]);
            if (batch_candidates_[i] != kNone)
                table_.prefetch_offset(batch_candidates_[i]);
        }
        bool reads_rows = !(type_ == JoinType::Semi || type_ == JoinType::Anti) || !cond_.residual.empty();
        for (size_t i = 0; i < n && reads_rows; ++i) {
            if (batch_candidates_[i] != kNone)
                table_.prefetch_row(batch_candidates_[i]);
        }
    }

    // Finds the first candidate of the next probe row.
    bool start_row() {
        const Row& left = probe_.rows[probe_pos_];
        cand_ = table_.rows() > 0 ? 0 : kNone; // nested loop: every build row
        if (!batch_candidates_.empty()) {
            cand_ = batch_candidates_[probe_pos_];
        } else if (hashed()) {
            if (!probe_keys_.read(left, ctx_, error_))
                return false;
            cand_ = probe_keys_.has_null() ? kNone : table_.find(probe_keys_.values);
        }
        if (!cond_.residual.empty() && cand_ != kNone) {
            scratch_.assign(left.begin(), left.begin() + std::min(left.size(), left_width_));
            scratch_.resize(left_width_);
        }
        row_matched_ = false;
        in_row_ = true;
        return true;
    }

    uint32_t next_candidate(uint32_t row) const {
        if (hashed())
            return table_.next_in_group(row);
        return row + 1 < table_.rows() ? row + 1 : kNone;
    }

    Result<bool> residual_holds(const Row& combined) {
        for (const auto& c : cond_.residual) {
            auto ok = evaluate_predicate(*c, combined, ctx_);
            if (!ok || !*ok)
                return ok;
        }
        return true;
    }

    // The probe row's columns then build row `row`'s; the probe row is moved out when `last`.
    Row joined(Row& left, uint32_t row, bool last) const {
        Row out;
        out.reserve(left_width_ + right_width_);
        auto end = left.begin() + std::min(left.size(), left_width_);
        if (last)
            out.insert(out.end(), std::make_move_iterator(left.begin()), std::make_move_iterator(end));
        else
            out.insert(out.end(), left.begin(), end);
        out.resize(left_width_);
        table_.read(row, out);
        return out;
    }

    // Tests candidates of the current probe row until it is done or the batch is full.
    bool probe_row(Batch& batch, size_t limit) {
        bool semi_or_anti = type_ == JoinType::Semi || type_ == JoinType::Anti;
        bool residual = !cond_.residual.empty();
        while (cand_ != kNone && batch.rows.size() < limit) {
            uint32_t row = cand_;
            cand_ = next_candidate(row);
            bool last = cand_ == kNone;
            if (residual) {
                scratch_.resize(left_width_);
                table_.read(row, scratch_);
                auto ok = residual_holds(scratch_);
                if (!ok) {
                    error_ = ok.error();
                    return false;
                }
                if (!*ok)
                    continue;
            }
            row_matched_ = true;
            if (keeps_unmatched_build())
                matched_[row] = 1;
            if (semi_or_anti) {
                cand_ = kNone;
            } else if (!residual) {
                batch.rows.push_back(joined(probe_.rows[probe_pos_], row, last));
            } else if (last) {
                batch.rows.push_back(std::move(scratch_));
            } else {
                batch.rows.push_back(scratch_);
            }
        }
        if (cand_ != kNone)
            return true; // batch full: resume this row on the next call
        finish_row(batch);
        return true;
    }

    void finish_row(Batch& batch) {
        Row& left = probe_.rows[probe_pos_];
        if (type_ == JoinType::Semi && row_matched_) {
            batch.rows.push_back(std::move(left));
        } else if (type_ == JoinType::Anti && !row_matched_) {
            batch.rows.push_back(std::move(left));
        } else if (!row_matched_ && (type_ == JoinType::Left || type_ == JoinType::Full)) {
            left.resize(left_width_ + right_width_); // NULLs for the right columns
            batch.rows.push_back(std::move(left));
        }
        ++probe_pos_;
        in_row_ = false;
    }

    // Right/Full: build rows no probe row matched, NULL-extended on the left. False when done.
    bool emit_unmatched(Batch& batch, size_t limit) {
        while (unmatched_pos_ < table_.rows() && batch.rows.size() < limit) {
            auto i = static_cast<uint32_t>(unmatched_pos_++);
            if (matched_[i])
                continue;
            Row out;
            out.reserve(left_width_ + right_width_);
            out.resize(left_width_);
            table_.read(i, out);
            batch.rows.push_back(std::move(out));
        }
        return unmatched_pos_ < table_.rows();
    }

    const PlanNode& node_;
    JoinType type_;
    size_t left_width_;
    size_t right_width_;
    JoinCondition cond_;
    OperatorPtr left_;
    OperatorPtr right_;
    ExecContext& ctx_;
    MemoryReservation memory_;
    KeyReader probe_keys_;
    KeyReader build_keys_;

    bool built_ = false;
    JoinTable table_;
    size_t accounted_ = 0;  ///< bytes of table_ already counted in memory_
    std::vector<char> matched_; ///< Right/Full: which build rows met a probe row

    Batch probe_;
    size_t probe_pos_ = 0;
    bool left_done_ = false;
    bool in_row_ = false;
    uint32_t cand_ = kNone; ///< the current probe row's next candidate build row
    std::vector<uint64_t> batch_hashes_;
    std::vector<uint32_t> batch_candidates_; ///< per row of probe_ when looked up together, else empty
    bool row_matched_ = false;
    Row scratch_; ///< with a residual: the probe row followed by the candidate build row
    size_t unmatched_pos_ = 0;
    Error error_; ///< why the last per-row step returned false
};

} // namespace

OperatorPtr make_join(const PlanNode& node, OperatorPtr left, OperatorPtr right, ExecContext& ctx) {
    return std::make_unique<Join>(node, std::move(left), std::move(right), ctx);
}

} // namespace nectar::federation::exec
