// Function calls: scalar functions, aggregates (DISTINCT, FILTER, ORDER BY) and window calls.
#include "federation/sql/binder.hpp"

#include "federation/sql/binder_rewrite.hpp"

namespace nectar::federation {

namespace {



bool is_window_only(std::string_view name) {
    for (const char* w : {"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
                          "first_value", "last_value", "nth_value"}) {
        if (name == w) {
            return true;
        }
    }
    return false;
}

// PostgreSQL's frame option bits (parsenodes.h).
constexpr int64_t kFrameRows = 0x4;
constexpr int64_t kFrameStartUnboundedPreceding = 0x20;
constexpr int64_t kFrameEndUnboundedFollowing = 0x100;
constexpr int64_t kFrameEndCurrentRow = 0x400;
constexpr int64_t kFrameNonDefault = 0x1;

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
        return error_at("42P20", "window functions are not allowed in " + std::string(ctx.clause), loc);
    }
    JsonNode over = field(f, "over");
    if (has_field(over, "refname") || has_field(over, "name")) {
        return error_at("0A000", "named windows are not supported by Nectar's federated engine yet", loc);
    }
    // Arguments, partitions and orders may use aggregates of the same block, not other windows.
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
    if (is_aggregate_name(name) || call.star) {
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
        call.type = impl->result;
        call.aggregate = std::move(*impl);
    } else if (name == "row_number" || name == "rank" || name == "dense_rank") {
        call.type = Type::Int8;
    } else if (name == "percent_rank" || name == "cume_dist") {
        call.type = Type::Float8;
    } else if (name == "ntile") {
        call.type = Type::Int4;
    } else if (name == "lag" || name == "lead" || name == "first_value" || name == "last_value") {
        if (call.args.empty()) {
            return error_at("42883", "function " + std::string(name) + "() does not exist", loc);
        }
        call.type = call.args[0]->type;
        for (size_t i = 1; i < call.args.size(); i++) {
            auto c = coerce(call.args[i], i == 1 ? Type::Int4 : call.type, loc); // offset, default
            if (!c) {
                return c.error();
            }
            call.args[i] = *c;
        }
    } else {
        return error_at("42883", "function " + std::string(name) + " is not a window function Nectar supports", loc);
    }
    for (JsonNode p : list_field(over, "partitionClause")) {
        auto e = bind_expr(p, inner);
        if (!e) {
            return e.error();
        }
        call.partition_by.push_back(*e);
    }
    for (JsonNode item : list_field(over, "orderClause")) {
        auto [k, sort_by] = node_kind(item);
        auto e = bind_expr(field(sort_by, "node"), inner);
        if (!e) {
            return e.error();
        }
        call.order_by.push_back(sort_key(*e, sort_by));
    }
    int64_t frame = int_field(over, "frameOptions", 0);
    if (frame & kFrameNonDefault) {
        bool unbounded_start = frame & kFrameStartUnboundedPreceding;
        if (unbounded_start && (frame & kFrameEndUnboundedFollowing)) {
            call.whole_partition = true;
        } else if (unbounded_start && (frame & kFrameEndCurrentRow) && (frame & kFrameRows)) {
            call.rows_frame = true;
        } else if (!(unbounded_start && (frame & kFrameEndCurrentRow))) {
            return error_at("0A000", "this window frame is not supported by Nectar's federated engine yet", loc);
        }
    }
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::WindowRef;
    e->type = call.type;
    e->column = static_cast<int>(windows.size());
    e->label = call.name;
    windows.push_back(std::move(call));
    return ExprPtr(e);
}

} // namespace nectar::federation
