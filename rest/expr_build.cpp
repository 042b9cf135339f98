#include "rest/expr_build.hpp"

#include "federation/expr/functions.hpp"

namespace nectar::rest {

using namespace federation;

Result<ExprPtr> coerce(ExprPtr expr, Type target) {
    if (expr->type == target) {
        return expr;
    }
    if (expr->kind == Expr::Kind::Const) {
        auto v = cast_value(expr->value, target);
        if (!v) {
            return v.error();
        }
        return Expr::constant(std::move(*v));
    }
    auto cast = std::make_shared<Expr>();
    cast->kind = Expr::Kind::Cast;
    cast->type = target;
    cast->args = {expr};
    cast->label = expr->label;
    return ExprPtr(cast);
}

Result<ExprPtr> operator_call(std::string_view op, ExprPtr left, ExprPtr right) {
    auto impl = resolve_operator(op, left->type, right->type);
    if (!impl) {
        return impl.error();
    }
    auto l = coerce(left, impl->params[0]);
    if (!l) {
        return l.error();
    }
    auto r = coerce(right, impl->params[1]);
    if (!r) {
        return r.error();
    }
    auto call = std::make_shared<Expr>();
    call->kind = Expr::Kind::Call;
    call->type = impl->result;
    call->fn = std::make_shared<ScalarImpl>(std::move(*impl));
    call->args = {*l, *r};
    return ExprPtr(call);
}

ExprPtr all_of(std::vector<ExprPtr> terms) {
    if (terms.size() == 1) {
        return terms[0];
    }
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::And;
    e->type = Type::Bool;
    e->args = std::move(terms);
    return e;
}

} // namespace nectar::rest
