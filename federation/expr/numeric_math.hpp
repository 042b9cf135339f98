#pragma once
// sqrt, exp, ln, log10 and power over numeric with PostgreSQL's result scales, computed with
// Decimal arithmetic at extra working precision and rounded at the end.

#include "federation/types/numeric.hpp"
#include "protocol/error.hpp"

namespace nectar::federation::expr {

Result<Decimal> numeric_sqrt(const Decimal& x);
Result<Decimal> numeric_exp(const Decimal& x);
Result<Decimal> numeric_ln(const Decimal& x);
Result<Decimal> numeric_log10(const Decimal& x);
Result<Decimal> numeric_power(const Decimal& base, const Decimal& exp);
/// Square root of x >= 0 rounded to `scale` decimals (stddev uses the variance's scale).
Decimal numeric_sqrt_scaled(const Decimal& x, int scale);

} // namespace nectar::federation::expr
