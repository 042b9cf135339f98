// GROUP BY: ordinals, output names and expressions, and GROUPING SETS / ROLLUP / CUBE expanded
// into the list of grouping sets PostgreSQL would compute.
#include "federation/sql/binder.hpp"

#include "federation/sql/binder_rewrite.hpp"

#include <algorithm>
#include <functional>

namespace nectar::federation {

Result<std::vector<ExprPtr>> Binder::bind_group_by(JsonNode fields, const Scope& scope,
                                                   const std::vector<std::pair<ExprPtr, std::string>>& targets,
                                                   std::vector<std::vector<int>>& sets) {
    std::vector<ExprPtr> groups;
    // Binds one GROUP BY item (ordinal, output name or expression) and returns its index.
    auto bind_item = [&](JsonNode item) -> Result<int> {
        auto [kind, f] = node_kind(item);
        ExprPtr expr;
        if (kind == "A_Const" && has_field(f, "ival")) {
            int64_t n = int_field(field(f, "ival"), "ival");
            if (n < 1 || n > static_cast<int64_t>(targets.size())) {
                return error_at("42P10", "GROUP BY position " + std::to_string(n) + " is not in select list",
                                location_of(item));
            }
            expr = targets[n - 1].first;
        } else {
            ExprContext ctx{&scope, false, false, "GROUP BY"};
            auto bound = bind_expr(item, ctx);
            if (!bound && kind == "ColumnRef") {
                // PostgreSQL also accepts an output column name in GROUP BY.
                auto names = name_list(f, "fields");
                for (const auto& [e, name] : targets) {
                    if (names.size() == 1 && name == names[0]) {
                        expr = e;
                    }
                }
                if (!expr) {
                    return bound.error();
                }
            } else if (!bound) {
                return bound.error();
            } else {
                expr = *bound;
            }
        }
        if (contains_aggregate(*expr)) {
            return error_at("42803", "aggregate functions are not allowed in GROUP BY", location_of(item));
        }
        for (size_t i = 0; i < groups.size(); i++) {
            if (same_expr(*groups[i], *expr)) {
                return static_cast<int>(i);
            }
        }
        groups.push_back(expr);
        return static_cast<int>(groups.size() - 1);
    };

    // Each GROUP BY item contributes a list of alternative sets; the result is their cross product.
    std::vector<std::vector<std::vector<int>>> factors;
    bool any_grouping_set = false;
    for (JsonNode item : list_field(fields, "groupClause")) {
        auto [kind, f] = node_kind(item);
        if (kind != "GroupingSet") {
            auto idx = bind_item(item);
            if (!idx) {
                return idx.error();
            }
            factors.push_back({{*idx}});
            continue;
        }
        any_grouping_set = true;
        std::string_view gkind = string_field(f, "kind");
        std::vector<std::vector<int>> elements; // each content item: one column or a parenthesized list
        for (JsonNode c : list_field(f, "content")) {
            auto [ck, cf] = node_kind(c);
            std::vector<int> element;
            if (ck == "RowExpr" || ck == "List") {
                for (JsonNode sub : list_field(cf, ck == "List" ? "items" : "args")) {
                    auto idx = bind_item(sub);
                    if (!idx) {
                        return idx.error();
                    }
                    element.push_back(*idx);
                }
            } else if (ck == "GroupingSet" && string_field(cf, "kind") == "GROUPING_SET_EMPTY") {
            } else {
                auto idx = bind_item(c);
                if (!idx) {
                    return idx.error();
                }
                element.push_back(*idx);
            }
            elements.push_back(element);
        }
        std::vector<std::vector<int>> alternatives;
        if (gkind == "GROUPING_SET_ROLLUP") {
            for (size_t n = elements.size() + 1; n-- > 0;) {
                std::vector<int> set;
                for (size_t i = 0; i < n; i++) {
                    set.insert(set.end(), elements[i].begin(), elements[i].end());
                }
                alternatives.push_back(set);
            }
        } else if (gkind == "GROUPING_SET_CUBE") {
            size_t n = elements.size();
            for (size_t mask = (size_t{1} << n); mask-- > 0;) {
                std::vector<int> set;
                for (size_t i = 0; i < n; i++) {
                    if (mask & (size_t{1} << (n - 1 - i))) {
                        set.insert(set.end(), elements[i].begin(), elements[i].end());
                    }
                }
                alternatives.push_back(set);
            }
        } else if (gkind == "GROUPING_SET_EMPTY") {
            alternatives.push_back({});
        } else { // GROUPING_SET_SETS
            alternatives = elements;
        }
        factors.push_back(alternatives);
    }
    if (any_grouping_set) {
        std::vector<std::vector<int>> product{{}};
        for (const auto& alternatives : factors) {
            std::vector<std::vector<int>> next;
            for (const auto& prefix : product) {
                for (const auto& alt : alternatives) {
                    auto set = prefix;
                    set.insert(set.end(), alt.begin(), alt.end());
                    next.push_back(set);
                }
            }
            product = std::move(next);
        }
        sets = std::move(product);
    }
    return groups;
}

} // namespace nectar::federation
