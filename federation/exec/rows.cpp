// Rows as hash keys and sort keys, shared by the operators that group, join, sort or dedupe.

#include "federation/exec/operators.hpp"

namespace nectar::federation::exec {

size_t RowHash::operator()(const Row& row) const {
    size_t h = 0x9e3779b97f4a7c15ull;
    for (const auto& v : row)
        h ^= hash_value(v) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

bool RowEq::operator()(const Row& a, const Row& b) const {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (!values_equal_for_grouping(a[i], b[i]))
            return false;
    }
    return true;
}

int compare_sort_value(const Value& a, const Value& b, bool descending, bool nulls_first) {
    if (a.is_null() || b.is_null()) {
        if (a.is_null() && b.is_null())
            return 0;
        // NULL placement is absolute: nulls_first puts them first whatever the direction.
        int null_side = a.is_null() ? 1 : -1;
        return nulls_first ? -null_side : null_side;
    }
    int c = compare_values(a, b);
    return descending ? -c : c;
}

Result<void> evaluate_all(const std::vector<ExprPtr>& exprs, const Row& row, ExecContext& ctx, Row& out) {
    out.clear();
    out.reserve(exprs.size());
    for (const auto& e : exprs) {
        // Bare columns, the usual Project and GROUP BY input, are copied straight in.
        if (e->kind == Expr::Kind::Column && e->column >= 0 && static_cast<size_t>(e->column) < row.size()) {
            out.push_back(row[e->column]);
            continue;
        }
        auto v = evaluate(*e, row, ctx);
        if (!v)
            return v.error();
        out.push_back(std::move(*v));
    }
    return {};
}

} // namespace nectar::federation::exec
