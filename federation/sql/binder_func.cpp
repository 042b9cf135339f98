// Function calls: scalar functions, aggregates (DISTINCT, FILTER, ORDER BY) and window calls.
#include "federation/expr/overload.hpp"
#include "federation/sql/binder.hpp"
#include "federation/sql/binder_rewrite.hpp"

namespace nectar::federation {

namespace {

bool is_window_only(std::string_view name) {
    for (const char* w : {"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag",
                          "lead", "first_value", "last_value", "nth_value"}) {
        if (name == w) {
            return true;
        }
    }
    return false;
}

// PostgreSQL's frame option bits (parsenodes.h).
constexpr int64_t kFrameNonDefault = 0x1;
constexpr int64_t kFrameRange = 0x2;
constexpr int64_t kFrameRows = 0x4;
constexpr int64_t kFrameGroups = 0x8;
constexpr int64_t kFrameStartUnboundedPreceding = 0x20;
constexpr int64_t kFrameEndUnboundedFollowing = 0x100;
constexpr int64_t kFrameStartCurrentRow = 0x200;
constexpr int64_t kFrameEndCurrentRow = 0x400;
constexpr int64_t kFrameStartOffsetPreceding = 0x800;
constexpr int64_t kFrameEndOffsetPreceding = 0x1000;
constexpr int64_t kFrameStartOffsetFollowing = 0x2000;
constexpr int64_t kFrameEndOffsetFollowing = 0x4000;
constexpr int64_t kFrameExclusion = 0x8000 | 0x10000 | 0x20000;
constexpr int64_t kFrameDefaults = kFrameRange | kFrameStartUnboundedPreceding | kFrameEndCurrentRow;

// A window specification after following its reference to a named window.
struct WindowSpec {
    std::vector<JsonNode> partition;
    std::vector<JsonNode> order;
    JsonNode frame; ///< the definition whose frameOptions and offsets apply
};

int64_t frame_options(JsonNode def) {
    return int_field(def, "frameOptions", kFrameDefaults);
}

std::string quoted(std::string_view name) {
    return "\"" + std::string(name) + "\"";
}

// SQL's copy rules for `(w ...)`: PARTITION BY comes from w, ORDER BY from w unless w has
// none, the frame never (w must not have one). `clause[0..limit)` are the windows visible.
Result<WindowSpec> resolve_definition(const std::vector<JsonNode>& clause, JsonNode def, size_t limit,
                                      bool in_window_clause) {
    WindowSpec spec{list_field(def, "partitionClause"), list_field(def, "orderClause"), def};
    if (!has_field(def, "refname"))
        return spec;
    std::string_view ref = string_field(def, "refname");
    const int loc = static_cast<int>(int_field(def, "location", -1));
    size_t found = 0;
    while (found < limit && string_field(node_kind(clause[found]).second, "name") != ref)
        ++found;
    if (found == limit)
        return error_at("42704", "window " + quoted(ref) + " does not exist", loc);
    JsonNode base_def = node_kind(clause[found]).second;
    auto base = resolve_definition(clause, base_def, found, true);
    if (!base)
        return base.error();
    if (!spec.partition.empty())
        return error_at("42P20", "cannot override PARTITION BY clause of window " + quoted(ref), loc);
    spec.partition = base->partition;
    if (!spec.order.empty() && !base->order.empty())
        return error_at("42P20", "cannot override ORDER BY clause of window " + quoted(ref), loc);
    if (spec.order.empty())
        spec.order = base->order;
    if (frame_options(base_def) != kFrameDefaults) {
        Error e =
            error_at("42P20", "cannot copy window " + quoted(ref) + " because it has a frame clause", loc);
        // OVER (w) alone is taken for OVER w with parentheses by mistake.
        if (!in_window_clause && list_field(def, "orderClause").empty() &&
            frame_options(def) == kFrameDefaults)
            e.hint = "Omit the parentheses in this OVER clause.";
        return e;
    }
    return spec;
}

// The window an OVER clause means: a WINDOW clause entry by name, or an inline definition.
Result<WindowSpec> window_spec(const std::vector<JsonNode>& clause, JsonNode over) {
    if (!has_field(over, "name"))
        return resolve_definition(clause, over, clause.size(), false);
    std::string_view name = string_field(over, "name");
    for (size_t i = 0; i < clause.size(); ++i) {
        JsonNode def = node_kind(clause[i]).second;
        if (string_field(def, "name") == name)
            return resolve_definition(clause, def, i, true);
    }
    return error_at("42704", "window " + quoted(name) + " does not exist",
                    static_cast<int>(int_field(over, "location", -1)));
}

Error window_not_allowed(std::string_view clause, int loc) {
    if (clause == "window function arguments")
        return error_at("42P20", "window function calls cannot be nested", loc);
    if (clause == "aggregate")
        return error_at("42803", "aggregate function calls cannot contain window function calls", loc);
    if (clause.starts_with("window "))
        return error_at("42P20", "window functions are not allowed in window definitions", loc);
    return error_at("42P20", "window functions are not allowed in " + std::string(clause), loc);
}

// Where PostgreSQL reports an expression: its leftmost token ('a'::text at the quote, a + b at a).
int leftmost_location(JsonNode node) {
    auto [kind, f] = node_kind(node);
    int loc = location_of(node);
    const char* inner = kind == "TypeCast" ? "arg" : kind == "A_Expr" ? "lexpr" : nullptr;
    if (inner != nullptr && has_field(f, inner)) {
        int l = leftmost_location(field(f, inner));
        if (l >= 0 && (loc < 0 || l < loc)) {
            loc = l;
        }
    }
    return loc;
}

bool has_column_or_subquery(const Expr& e, bool& subquery) {
    if (e.kind == Expr::Kind::Subquery)
        subquery = true;
    if (e.kind == Expr::Kind::Column)
        return true;
    for (const auto& a : e.args) {
        if (a && has_column_or_subquery(*a, subquery))
            return true;
    }
    return false;
}

// The call's result type and implementation; arguments coerced to its parameters.
Result<void> type_window_call(Binder& b, WindowCall& call, const std::vector<Type>& types, int loc) {
    const std::string& name = call.name;
    if (is_aggregate_name(name) || call.star) {
        auto impl = resolve_aggregate(name, types, call.star);
        if (!impl) {
            return with_position(impl.error(), loc);
        }
        for (size_t i = 0; i < call.args.size() && i < impl->params.size(); i++) {
            auto c = b.coerce(call.args[i], impl->params[i], loc);
            if (!c) {
                return c.error();
            }
            call.args[i] = *c;
        }
        call.type = impl->result;
        call.aggregate = std::move(*impl);
    } else if (name == "row_number" || name == "rank" || name == "dense_rank") {
        call.type = Type::Int8;
    } else if (name == "percent_rank" || name == "cume_dist") {
        call.type = Type::Float8;
    } else if (name == "ntile") {
        call.type = Type::Int4;
    } else if (name == "lag" || name == "lead" || name == "first_value" || name == "last_value" ||
               name == "nth_value") {
        size_t most = name == "nth_value" ? 2 : name.ends_with("_value") ? 1 : 3;
        size_t least = name == "nth_value" ? 2 : 1;
        if (call.args.size() < least || call.args.size() > most) {
            std::vector<Type> actual;
            for (const auto& a : call.args) {
                actual.push_back(a->type);
            }
            Error e = error_at("42883",
                               "function " + name + "(" + expr::type_list(actual) + ") does not exist", loc);
            e.hint = "No function matches the given name and argument types. You might need to add explicit "
                     "type casts.";
            return e;
        }
        call.type = call.args[0]->type;
        for (size_t i = 1; i < call.args.size(); i++) {
            auto c = b.coerce(call.args[i], i == 1 ? Type::Int4 : call.type, loc); // offset or n, default
            if (!c) {
                return c.error();
            }
            call.args[i] = *c;
        }
    } else {
        return error_at("42883", "function " + name + " is not a window function Nectar supports", loc);
    }
    return {};
}

// A ROWS/GROUPS offset: an int8 expression without column references (RANGE offsets: 0A000).
Result<ExprPtr> bind_frame_offset(Binder& b, JsonNode node, WindowFrame::Mode mode, size_t order_keys,
                                  int def_loc, Binder::ExprContext& outer) {
    const char* what = mode == WindowFrame::Mode::Rows     ? "ROWS"
                       : mode == WindowFrame::Mode::Groups ? "GROUPS"
                                                           : "RANGE";
    std::string clause = std::string("window ") + what;
    Binder::ExprContext ctx{outer.scope, false, false, clause};
    auto bound = b.bind_expr(node, ctx);
    if (!bound) {
        return bound.error();
    }
    const int loc = leftmost_location(node);
    if (mode == WindowFrame::Mode::Range) {
        if (order_keys != 1) {
            return error_at("42P20",
                            "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column",
                            def_loc);
        }
        return error_at(
            "0A000",
            "RANGE with offset PRECEDING/FOLLOWING is not supported by Nectar's federated engine yet", loc);
    }
    Type t = (*bound)->type;
    if (!is_numeric_family(t) && t != Type::Unknown) { // assignment casts only: 1.5 rounds to 2
        return error_at("42804",
                        std::string("argument of ") + what + " must be type bigint, not type " +
                            std::string(type_name(t)),
                        loc);
    }
    auto as_int8 = b.coerce(*bound, Type::Int8, loc);
    if (!as_int8) {
        return as_int8.error();
    }
    bool subquery = false;
    if (has_column_or_subquery(**as_int8, subquery)) {
        return error_at("42P10", std::string("argument of ") + what + " must not contain variables", loc);
    }
    if (subquery) {
        return error_at(
            "0A000", "subqueries in window frame offsets are not supported by Nectar's federated engine yet",
            loc);
    }
    return *as_int8;
}

// The frame clause of a window definition (PostgreSQL's default when it has none).
Result<void> bind_frame(Binder& b, JsonNode def, Binder::ExprContext& ctx, WindowCall& call) {
    const int64_t opts = frame_options(def);
    const int loc = static_cast<int>(int_field(def, "location", -1));
    WindowFrame& frame = call.frame;
    if (!(opts & kFrameNonDefault)) {
        return {};
    }
    frame.mode = opts & kFrameRows     ? WindowFrame::Mode::Rows
                 : opts & kFrameGroups ? WindowFrame::Mode::Groups
                                       : WindowFrame::Mode::Range;
    using Bound = WindowFrame::Bound;
    frame.start = opts & kFrameStartOffsetPreceding   ? Bound::Preceding
                  : opts & kFrameStartCurrentRow      ? Bound::CurrentRow
                  : opts & kFrameStartOffsetFollowing ? Bound::Following
                                                      : Bound::UnboundedPreceding;
    frame.end = opts & kFrameEndOffsetPreceding      ? Bound::Preceding
                : opts & kFrameEndOffsetFollowing    ? Bound::Following
                : opts & kFrameEndUnboundedFollowing ? Bound::UnboundedFollowing
                                                     : Bound::CurrentRow;
    for (auto [bound, key] : {std::pair{frame.start, "startOffset"}, std::pair{frame.end, "endOffset"}}) {
        if (bound != Bound::Preceding && bound != Bound::Following) {
            continue;
        }
        auto offset = bind_frame_offset(b, field(def, key), frame.mode, call.order_by.size(), loc, ctx);
        if (!offset) {
            return offset.error();
        }
        (std::string_view(key) == "startOffset" ? frame.start_offset : frame.end_offset) = *offset;
    }
    if (frame.mode == WindowFrame::Mode::Groups && call.order_by.empty()) {
        return error_at("42P20", "GROUPS mode requires an ORDER BY clause", loc);
    }
    if (opts & kFrameExclusion) {
        return error_at("0A000",
                        "frame exclusion (EXCLUDE) is not supported by Nectar's federated engine yet", loc);
    }
    return {};
}

// PARTITION BY, ORDER BY and frame of a window call.
Result<void> bind_window_spec(Binder& b, const WindowSpec& spec, Binder::ExprContext& ctx, WindowCall& call) {
    for (JsonNode p : spec.partition) {
        auto e = b.bind_expr(p, ctx);
        if (!e) {
            return e.error();
        }
        call.partition_by.push_back(*e);
    }
    for (JsonNode item : spec.order) {
        auto [k, sort_by] = node_kind(item);
        auto e = b.bind_expr(field(sort_by, "node"), ctx);
        if (!e) {
            return e.error();
        }
        call.order_by.push_back(sort_key(*e, sort_by));
    }
    return bind_frame(b, spec.frame, ctx, call);
}

} // namespace

Result<ExprPtr> Binder::bind_func_call(JsonNode f, ExprContext& ctx) {
    auto names = name_list(f, "funcname");
    std::string name = names.empty() ? "" : names.back();
    const int loc = static_cast<int>(int_field(f, "location", -1));
    if (names.size() > 1 && names[0] != "pg_catalog") {
        return error_at("42883", "function " + names[0] + "." + name + " does not exist", loc);
    }
    if (has_field(f, "over")) {
        return bind_window(name, f, ctx);
    }
    if (is_aggregate_name(name) || bool_field(f, "agg_star")) {
        return bind_aggregate(name, f, ctx);
    }
    if (is_window_only(name)) {
        return error_at("42809", "window function " + name + " requires an OVER clause", loc);
    }
    std::vector<ExprPtr> args;
    std::vector<Type> types;
    for (JsonNode a : list_field(f, "args")) {
        auto arg = bind_expr(a, ctx);
        if (!arg) {
            return arg.error();
        }
        args.push_back(*arg);
        types.push_back((*arg)->type);
    }
    auto impl = resolve_function(name, types);
    if (!impl) {
        return with_position(impl.error(), loc);
    }
    for (size_t i = 0; i < args.size() && i < impl->params.size(); i++) {
        auto c = coerce(args[i], impl->params[i], loc);
        if (!c) {
            return c.error();
        }
        args[i] = *c;
    }
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::Call;
    e->type = impl->result;
    e->fn = std::make_shared<ScalarImpl>(std::move(*impl));
    e->args = std::move(args);
    e->label = name;
    return ExprPtr(e);
}

Result<ExprPtr> Binder::bind_aggregate(std::string_view name, JsonNode f, ExprContext& ctx) {
    const int loc = static_cast<int>(int_field(f, "location", -1));
    if (!ctx.allow_aggregates) {
        if (ctx.clause == "aggregate") {
            return error_at("42803", "aggregate function calls cannot be nested", loc);
        }
        return error_at("42803", "aggregate functions are not allowed in " + std::string(ctx.clause), loc);
    }
    // Arguments see the block's input rows; aggregates inside them are nested calls.
    ExprContext inner{ctx.scope, false, false, "aggregate"};
    AggregateCall call;
    call.star = bool_field(f, "agg_star");
    call.distinct = bool_field(f, "agg_distinct");
    std::vector<Type> types;
    for (JsonNode a : list_field(f, "args")) {
        auto arg = bind_expr(a, inner);
        if (!arg) {
            return arg.error();
        }
        call.args.push_back(*arg);
        types.push_back((*arg)->type == Type::Unknown ? Type::Text : (*arg)->type);
    }
    auto impl = resolve_aggregate(name, types, call.star);
    if (!impl) {
        return with_position(impl.error(), loc);
    }
    for (size_t i = 0; i < call.args.size() && i < impl->params.size(); i++) {
        auto c = coerce(call.args[i], impl->params[i], loc);
        if (!c) {
            return c.error();
        }
        call.args[i] = *c;
    }
    call.impl = std::move(*impl);
    if (has_field(f, "agg_filter")) {
        auto filter = bind_expr(field(f, "agg_filter"), inner);
        if (!filter) {
            return filter.error();
        }
        auto as_bool = coerce(*filter, Type::Bool, loc);
        if (!as_bool) {
            return as_bool.error();
        }
        call.filter = *as_bool;
    }
    for (JsonNode item : list_field(f, "agg_order")) {
        auto [k, sort_by] = node_kind(item);
        auto key = bind_expr(field(sort_by, "node"), inner);
        if (!key) {
            return key.error();
        }
        call.order_by.emplace_back(*key, string_field(sort_by, "sortby_dir") == "SORTBY_DESC");
    }
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::AggregateRef;
    e->type = call.impl.result;
    e->column = static_cast<int>(aggregates.size());
    e->label = std::string(name);
    aggregates.push_back(std::move(call));
    return ExprPtr(e);
}

Result<ExprPtr> Binder::bind_window(std::string_view name, JsonNode f, ExprContext& ctx) {
    const int loc = static_cast<int>(int_field(f, "location", -1));
    if (!ctx.allow_windows) {
        return window_not_allowed(ctx.clause, loc);
    }
    if (bool_field(f, "agg_distinct")) {
        return error_at("0A000", "DISTINCT is not implemented for window functions", loc);
    }
    if (has_field(f, "agg_order")) {
        return error_at("0A000", "aggregate ORDER BY is not implemented for window functions", loc);
    }
    // Arguments may use aggregates of the same block, not other windows.
    ExprContext inner{ctx.scope, ctx.allow_aggregates, false, "window function arguments"};
    WindowCall call;
    call.name = std::string(name);
    call.star = bool_field(f, "agg_star");
    std::vector<Type> types;
    for (JsonNode a : list_field(f, "args")) {
        auto arg = bind_expr(a, inner);
        if (!arg) {
            return arg.error();
        }
        call.args.push_back(*arg);
        types.push_back((*arg)->type == Type::Unknown ? Type::Text : (*arg)->type);
    }
    auto typed = type_window_call(*this, call, types, loc);
    if (!typed) {
        return typed.error();
    }
    if (has_field(f, "agg_filter")) {
        return error_at("0A000",
                        call.aggregate
                            ? "FILTER in window aggregates is not supported by Nectar's federated engine yet"
                            : "FILTER is not implemented for non-aggregate window functions",
                        loc);
    }
    auto spec = window_spec(window_clause_, field(f, "over"));
    if (!spec) {
        return spec.error();
    }
    ExprContext definition{ctx.scope, ctx.allow_aggregates, false, "window definitions"};
    auto bound = bind_window_spec(*this, *spec, definition, call);
    if (!bound) {
        return bound.error();
    }
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::WindowRef;
    e->type = call.type;
    e->column = static_cast<int>(windows.size());
    e->label = call.name;
    windows.push_back(std::move(call));
    return ExprPtr(e);
}

Result<void> Binder::check_window_clause(const Scope& scope) {
    // Unused definitions are checked too; what binding them collects is dropped again.
    const size_t aggregates_before = aggregates.size();
    for (size_t i = 0; i < window_clause_.size(); i++) {
        JsonNode def = node_kind(window_clause_[i]).second;
        std::string_view name = string_field(def, "name");
        for (size_t j = 0; j < i; j++) {
            if (string_field(node_kind(window_clause_[j]).second, "name") == name) {
                return error_at("42P20", "window " + quoted(name) + " is already defined",
                                static_cast<int>(int_field(def, "location", -1)));
            }
        }
        auto spec = resolve_definition(window_clause_, def, i, true);
        if (!spec) {
            return spec.error();
        }
        ExprContext ctx{&scope, true, false, "window definitions"};
        WindowCall probe;
        auto bound = bind_window_spec(*this, *spec, ctx, probe);
        if (!bound) {
            return bound.error();
        }
    }
    aggregates.resize(aggregates_before);
    return {};
}

Result<ExprPtr> Binder::bind_grouping_func(JsonNode f, ExprContext& ctx) {
    const int loc = static_cast<int>(int_field(f, "location", -1));
    if (!ctx.allow_aggregates) {
        if (ctx.clause == "aggregate") {
            return error_at("42803", "aggregate function calls cannot be nested", loc);
        }
        return error_at("42803", "grouping operations are not allowed in " + std::string(ctx.clause), loc);
    }
    auto items = list_field(f, "args");
    if (items.size() > 31) {
        return error_at("54023", "GROUPING must have fewer than 32 arguments", loc);
    }
    ExprContext inner{ctx.scope, false, false, "aggregate"};
    AggregateCall call;
    for (JsonNode a : items) {
        auto arg = bind_expr(a, inner);
        if (!arg) {
            return arg.error();
        }
        call.args.push_back(*arg);
        call.impl.params.push_back((*arg)->type);
    }
    // No state: the Aggregate node computes it from each group's grouping set (grouping_args).
    call.impl.name = "grouping";
    call.impl.result = Type::Int4;
    call.impl.make_state = [] { return std::unique_ptr<AggregateState>(); };
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::AggregateRef;
    e->type = Type::Int4;
    e->column = static_cast<int>(aggregates.size());
    e->label = "grouping";
    aggregates.push_back(std::move(call));
    return ExprPtr(e);
}

Result<void> resolve_grouping_calls(PlanNode& agg) {
    agg.grouping_args.assign(agg.aggregates.size(), {});
    bool any = false;
    for (size_t i = 0; i < agg.aggregates.size(); i++) {
        const AggregateCall& call = agg.aggregates[i];
        if (call.impl.name != "grouping" || call.impl.make_state()) {
            continue;
        }
        for (const auto& arg : call.args) {
            size_t j = 0;
            while (j < agg.group_by.size() && !same_expr(*arg, *agg.group_by[j])) {
                j++;
            }
            if (j == agg.group_by.size()) {
                return Error::make(
                    "42803",
                    "arguments to GROUPING must be grouping expressions of the associated query level");
            }
            agg.grouping_args[i].push_back(static_cast<int>(j));
        }
        any = true;
    }
    // No dialect renders grouping() from a plan: a plain GROUP BY becomes its one grouping set,
    // which keeps the aggregation in Nectar.
    if (any && agg.grouping_sets.empty()) {
        std::vector<int> all(agg.group_by.size());
        for (size_t j = 0; j < all.size(); j++) {
            all[j] = static_cast<int>(j);
        }
        agg.grouping_sets = {all};
    }
    return {};
}

} // namespace nectar::federation
