// Joins: the right child (the planner puts the smaller side there) is built into a hash
// table on the equi-join keys of the condition; the left child streams through it. Without
// an equi key the right side is kept in a list and every pair is tested (nested loop).

#include "federation/exec/operators.hpp"

#include <unordered_map>
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

bool has_null(const Row& key) {
    for (const auto& v : key) {
        if (v.is_null())
            return true;
    }
    return false;
}

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
        , memory_(ctx) {}

    boost::asio::awaitable<Result<bool>> next(Batch& batch) override {
        if (!built_) {
            auto b = co_await build();
            if (!b)
                co_return b.error();
        }
        if (build_rows_.empty() && !preserves_left())
            co_return false; // nothing can match: the left side is never read
        size_t limit = batch.rows.size() + Batch::kBatchRows;
        while (batch.rows.size() < limit) {
            if (in_row_) {
                auto p = probe_row(batch, limit);
                if (!p)
                    co_return p.error();
            } else if (probe_pos_ < probe_.rows.size()) {
                auto s = start_row();
                if (!s)
                    co_return s.error();
            } else if (!left_done_) {
                probe_.rows.clear();
                probe_pos_ = 0;
                auto r = co_await left_->next(probe_);
                if (!r)
                    co_return r.error();
                left_done_ = !*r;
            } else if (type_ == JoinType::Right || type_ == JoinType::Full) {
                if (!emit_unmatched(batch, limit))
                    co_return false;
            } else {
                co_return false;
            }
        }
        co_return true;
    }

  private:
    bool hashed() const { return !cond_.left_keys.empty(); }
    bool preserves_left() const {
        return type_ == JoinType::Left || type_ == JoinType::Full || type_ == JoinType::Anti;
    }
    bool keeps_unmatched_build() const { return type_ == JoinType::Right || type_ == JoinType::Full; }

    boost::asio::awaitable<Result<void>> build() {
        bool more = true;
        while (more) {
            Batch in;
            auto r = co_await right_->next(in);
            if (!r)
                co_return r.error();
            more = *r;
            for (auto& row : in.rows) {
                auto added = add_build_row(std::move(row));
                if (!added)
                    co_return added;
            }
        }
        matched_.assign(build_rows_.size(), 0);
        built_ = true;
        reduce_probe_side();
        co_return Result<void>{};
    }

    /// Semi-join reduction: when the probe side is one remote query and only its matching rows
    /// can appear in the result, ship the build side's distinct keys to it as IN (...) batches.
    void reduce_probe_side() {
        static constexpr size_t kMaxKeys = 100'000;   // beyond this, shipping keys costs more than it saves
        static constexpr size_t kKeysPerBatch = 5'000; // one remote query per batch keeps statements small
        const PlanNode& probe = *node_.children[0];
        bool drops_unmatched_probe = type_ == JoinType::Inner || type_ == JoinType::Semi || type_ == JoinType::Right;
        if (!hashed() || !drops_unmatched_probe || probe.kind != PlanNode::Kind::Remote || table_.empty() ||
            table_.size() > kMaxKeys) {
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
        for (const auto& [k, rows] : table_) {
            Row one{k[key]};
            if (seen.insert(one).second) {
                literals.push_back(dialect.literal(k[key]));
            }
        }
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

    Result<void> add_build_row(Row row) {
        Row key;
        if (hashed()) {
            auto k = evaluate_all(cond_.right_keys, row, ctx_, key);
            if (!k)
                return k;
            // NULL keys never match; only an outer join on this side still needs the row.
            if (has_null(key) && !keeps_unmatched_build())
                return {};
        }
        auto m = memory_.add(row_bytes(row) + row_bytes(key) + sizeof(uint32_t) * 4);
        if (!m)
            return m;
        auto index = static_cast<uint32_t>(build_rows_.size());
        build_rows_.push_back(std::move(row));
        if (hashed() && !has_null(key))
            table_[std::move(key)].push_back(index);
        return {};
    }

    // Looks up the candidates of the next probe row.
    Result<void> start_row() {
        const Row& left = probe_.rows[probe_pos_];
        candidates_ = nullptr;
        candidate_count_ = build_rows_.size();
        if (hashed()) {
            Row key;
            auto k = evaluate_all(cond_.left_keys, left, ctx_, key);
            if (!k)
                return k;
            auto it = has_null(key) ? table_.end() : table_.find(key);
            candidates_ = it == table_.end() ? nullptr : &it->second;
            candidate_count_ = candidates_ ? candidates_->size() : 0;
        }
        scratch_.assign(left.begin(), left.end());
        scratch_.resize(left_width_ + right_width_);
        candidate_pos_ = 0;
        row_matched_ = false;
        in_row_ = true;
        return {};
    }

    Result<bool> residual_holds(const Row& combined) {
        for (const auto& c : cond_.residual) {
            auto ok = evaluate_predicate(*c, combined, ctx_);
            if (!ok || !*ok)
                return ok;
        }
        return true;
    }

    // Tests candidates of the current probe row until it is done or the batch is full.
    Result<void> probe_row(Batch& batch, size_t limit) {
        bool semi_or_anti = type_ == JoinType::Semi || type_ == JoinType::Anti;
        while (candidate_pos_ < candidate_count_ && batch.rows.size() < limit) {
            uint32_t index = candidates_ ? (*candidates_)[candidate_pos_] : candidate_pos_;
            ++candidate_pos_;
            const Row& right = build_rows_[index];
            std::copy(right.begin(), right.end(), scratch_.begin() + left_width_);
            auto ok = residual_holds(scratch_);
            if (!ok)
                return ok.error();
            if (!*ok)
                continue;
            row_matched_ = true;
            matched_[index] = 1;
            if (semi_or_anti)
                break;
            batch.rows.push_back(scratch_);
        }
        if (candidate_pos_ < candidate_count_ && !(semi_or_anti && row_matched_))
            return {}; // batch full: resume this row on the next call
        finish_row(batch);
        return {};
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
        while (unmatched_pos_ < build_rows_.size() && batch.rows.size() < limit) {
            size_t i = unmatched_pos_++;
            if (matched_[i])
                continue;
            Row out(left_width_);
            auto& right = build_rows_[i];
            out.insert(out.end(), std::make_move_iterator(right.begin()), std::make_move_iterator(right.end()));
            batch.rows.push_back(std::move(out));
        }
        return unmatched_pos_ < build_rows_.size();
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

    bool built_ = false;
    std::vector<Row> build_rows_;
    std::vector<char> matched_;
    std::unordered_map<Row, std::vector<uint32_t>, RowHash, RowEq> table_;

    Batch probe_;
    size_t probe_pos_ = 0;
    bool left_done_ = false;
    bool in_row_ = false;
    const std::vector<uint32_t>* candidates_ = nullptr; ///< null: every build row (nested loop)
    size_t candidate_count_ = 0;
    size_t candidate_pos_ = 0;
    bool row_matched_ = false;
    Row scratch_; ///< the probe row followed by the candidate build row
    size_t unmatched_pos_ = 0;
};

} // namespace

OperatorPtr make_join(const PlanNode& node, OperatorPtr left, OperatorPtr right, ExecContext& ctx) {
    return std::make_unique<Join>(node, std::move(left), std::move(right), ctx);
}

} // namespace nectar::federation::exec
