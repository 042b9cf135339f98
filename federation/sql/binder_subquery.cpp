// Subquery tests in expressions: x IN (subquery) with row operands, and x op ANY/ALL (subquery)
// for ordering operators, reduced to one summary row where the subquery allows it.
#include "federation/sql/binder.hpp"

#include "federation/sql/binder_rewrite.hpp"

#include <optional>
#include <span>

namespace nectar::federation {

namespace {

/// The operands of x op ANY/ALL (subquery): x, or the fields of a ROW(...) / (a, b) test.
Result<std::vector<ExprPtr>> bind_test_operands(Binder& binder, JsonNode testexpr, Binder::ExprContext& ctx) {
    auto [kind, f] = node_kind(testexpr);
    std::vector<JsonNode> nodes = kind == "RowExpr" ? list_field(f, "args") : std::vector<JsonNode>{testexpr};
    std::vector<ExprPtr> operands;
    for (JsonNode n : nodes) {
        auto e = binder.bind_expr(n, ctx);
        if (!e) {
            return e.error();
        }
        operands.push_back(*e);
    }
    return operands;
}

/// (x, ...) IN (subquery): each operand compared with its subquery column by "=" as PostgreSQL
/// resolves it; casts the operator wants on the subquery side are applied by a projection.
Result<ExprPtr> make_in_subquery(Binder& binder, std::vector<ExprPtr> operands, PlanPtr plan, int loc) {
    std::vector<ExprPtr> columns;
    std::shared_ptr<const ScalarImpl> eq;
    bool cast = false;
    for (size_t i = 0; i < operands.size(); i++) {
        auto column = Expr::column_ref(static_cast<int>(i), plan->columns[i].type);
        auto compare = binder.make_operator("=", operands[i], column, loc);
        if (!compare) {
            return compare.error();
        }
        operands[i] = (*compare)->args[0];
        columns.push_back((*compare)->args[1]);
        cast |= (*compare)->args[1] != column;
        eq = eq ? eq : (*compare)->fn;
    }
    auto e = make_expr(Expr::Kind::Subquery, Type::Bool);
    e->sub_kind = Expr::SubKind::In;
    e->subquery = plan;
    if (cast) {
        std::vector<std::string> names;
        for (auto& c : plan->columns) {
            names.push_back(c.name);
        }
        e->subquery = make_project(plan, columns, names);
    }
    e->fn = eq;
    e->args = std::move(operands);
    e->label = "?column?";
    return ExprPtr(e);
}

/// The subquery as one row for op ANY/ALL: least and greatest value, rows, non-NULL values, so
/// that a backend can compute it; nullopt for types without min/max (the executor then reads the
/// values themselves).
std::optional<PlanPtr> summarise(PlanPtr plan) {
    const Type type[] = {plan->columns[0].type};
    const bool boolean = type[0] == Type::Bool;
    auto call = [&](const char* name, bool star) -> std::optional<AggregateCall> {
        auto impl = resolve_aggregate(name, star ? std::span<const Type>{} : type, star);
        if (!impl) {
            return std::nullopt;
        }
        std::vector<ExprPtr> args;
        if (!star) {
            args.push_back(Expr::column_ref(0, type[0]));
        }
        return AggregateCall{*impl, args, false, star, nullptr, {}};
    };
    auto summary = PlanNode::make(PlanNode::Kind::Aggregate);
    for (auto c : {call(boolean ? "bool_and" : "min", false), call(boolean ? "bool_or" : "max", false),
                   call("count", true), call("count", false)}) {
        if (!c) {
            return std::nullopt;
        }
        summary->columns.push_back({c->impl.name, c->impl.result});
        summary->aggregates.push_back(*c);
    }
    summary->children = {std::move(plan)};
    return summary;
}

/// x op ANY/ALL (subquery) for the operators the executor decides from the subquery's least and
/// greatest values; = ANY is IN and <> ALL is NOT IN. Row operands only with IN / NOT IN.
} // namespace

Result<ExprPtr> bind_quantified_sublink(Binder& binder, JsonNode f, Binder::ExprContext& ctx) {
    const bool all = string_field(f, "subLinkType") == "ALL_SUBLINK";
    const int loc = static_cast<int>(int_field(f, "location", -1));
    std::string named = last_name(name_list(f, "operName"));
    const std::string op = named.empty() ? std::string(1, '=') : std::move(named); // IN (subquery): no name
    Binder inner = binder.nested();
    auto [sk, sub] = node_kind(field(f, "subselect"));
    auto plan = inner.bind_select(sub, ctx.scope);
    if (!plan) {
        return plan.error();
    }
    binder.absorb(inner);
    auto operands = bind_test_operands(binder, field(f, "testexpr"), ctx);
    if (!operands) {
        return operands.error();
    }
    const size_t width = (*plan)->columns.size();
    if (width != operands->size()) {
        return error_at("42601", width > operands->size() ? "subquery has too many columns" : "subquery has too few columns",
                        loc);
    }
    if ((op == "=" && !all) || (op == "<>" && all)) {
        auto in = make_in_subquery(binder, std::move(*operands), *plan, loc);
        if (!in || !all) {
            return in;
        }
        auto e = make_expr(Expr::Kind::Not, Type::Bool);
        e->args = {*in};
        e->label = "?column?";
        return ExprPtr(e);
    }
    bool ordering = op == "<" || op == "<=" || op == ">" || op == ">=" || op == (all ? "=" : "<>");
    if (width != 1 || !ordering) {
        return error_at("0A000", (width != 1 ? "row comparison with " : "") + op + (all ? " ALL" : " ANY") +
                                     " (subquery) is not supported by Nectar's federated engine yet",
                        loc);
    }
    auto column = Expr::column_ref(0, (*plan)->columns[0].type);
    auto compare = binder.make_operator(op, (*operands)[0], column, loc);
    if (!compare) {
        return compare.error();
    }
    auto e = make_expr(Expr::Kind::Subquery, Type::Bool);
    e->sub_kind = all ? Expr::SubKind::All : Expr::SubKind::Any;
    e->subquery = *plan;
    if ((*compare)->args[1] != column) { // the operator wants the subquery's values cast
        e->subquery = make_project(*plan, {(*compare)->args[1]}, {(*plan)->columns[0].name});
    }
    e->subquery = summarise(e->subquery).value_or(e->subquery);
    e->fn = (*compare)->fn;
    e->args = {(*compare)->args[0]};
    e->label = "?column?";
    return ExprPtr(e);
}


} // namespace nectar::federation
