#pragma once
// Typed engine expressions for REST requests, built the way the SQL binder builds them:
// operators from the engine's catalog with their operands cast to its parameter types.

#include "federation/plan/expr.hpp"
#include "protocol/error.hpp"

#include <string_view>
#include <vector>

namespace nectar::rest {

/// `expr` as `target`: a constant converted now, anything else wrapped in a Cast node.
Result<federation::ExprPtr> coerce(federation::ExprPtr expr, federation::Type target);
/// left `op` right ("=", "<", "~~"...); the engine's error when no such operator exists.
Result<federation::ExprPtr> operator_call(std::string_view op, federation::ExprPtr left, federation::ExprPtr right);
/// AND of `terms` (at least one); a single term stands alone.
federation::ExprPtr all_of(std::vector<federation::ExprPtr> terms);

} // namespace nectar::rest
