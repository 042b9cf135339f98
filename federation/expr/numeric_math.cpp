// Transcendental numeric functions. Result scales follow numeric.c's rules (16 significant
// digits, never fewer decimals than the input); the values are computed with Decimal series at
// a working scale well past the result scale, then rounded half away from zero.

#include "federation/expr/numeric_math.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace nectar::federation::expr {

namespace {

constexpr int kMinSigDigits = 16;
constexpr int kMaxScale = 1000;
constexpr int kGuard = 8;

Decimal dec(int64_t v) { return Decimal::from_int(v); }
Decimal pow10(int n) { return *Decimal::parse("1e" + std::to_string(n)); }

/// Decimal exponent of the first significant digit: 123.4 → 2, 0.05 → -2, 0 → 0.
int decimal_exponent(const Decimal& d) {
    std::string s = d.abs().to_string();
    size_t point = s.find('.');
    size_t int_len = point == std::string::npos ? s.size() : point;
    if (!(int_len == 1 && s[0] == '0'))
        return static_cast<int>(int_len) - 1;
    size_t first = s.find_first_not_of("0.", 0);
    if (first == std::string::npos)
        return 0;
    return -static_cast<int>(first - point);
}

int clamp_scale(int rscale) { return std::clamp(rscale, 0, kMaxScale); }

Decimal div(const Decimal& a, const Decimal& b, int scale) { return *a.div_with_scale(b, scale); }

/// Square root at absolute scale `ws` by Newton's iteration (x > 0).
Decimal sqrt_at(const Decimal& x, int ws) {
    double approx = x.to_double();
    Decimal y = std::isfinite(approx) && approx > 0 ? *Decimal::from_double(std::sqrt(approx))
                                                    : pow10(decimal_exponent(x) / 2);
    if (y.sign() <= 0)
        y = pow10(decimal_exponent(x) / 2);
    for (int i = 0; i < 200; ++i) {
        Decimal next = div(y.add(div(x, y, ws + 2)), dec(2), ws + 2);
        if (next.compare(y) == 0)
            break;
        y = next;
    }
    return y.round(ws);
}

/// ln(x) for x in [0.1, 10] with absolute error below 10^-ws.
Decimal ln_near_one(Decimal x, int ws) {
    int k = 0;
    Decimal lo = *Decimal::parse("0.99"), hi = *Decimal::parse("1.01");
    int wsi = ws + kGuard + 4; // the 2^k scaling below multiplies the error by at most 2^8
    while (x.compare(lo) < 0 || x.compare(hi) > 0) {
        x = sqrt_at(x, wsi);
        ++k;
    }
    Decimal z = div(x.sub(dec(1)), x.add(dec(1)), wsi);
    Decimal z2 = z.mul(z).round(wsi);
    Decimal term = z, sum = z;
    for (int n = 3; term.sign() != 0; n += 2) {
        term = term.mul(z2).round(wsi);
        sum = sum.add(div(term, dec(n), wsi));
    }
    return sum.mul(dec(int64_t{2} << k)).round(ws);
}

/// ln(x), x > 0, with absolute error below 10^-ws: x = m·10^e with m in [0.1, 1).
Decimal ln_at(const Decimal& x, int ws) {
    int e = decimal_exponent(x) + 1;
    Decimal m = x.mul(pow10(-e));
    if (e == 0)
        return ln_near_one(m, ws);
    int extra = static_cast<int>(std::log10(std::abs(e))) + 2;
    Decimal ln10 = ln_near_one(dec(10), ws + extra);
    return ln_near_one(m, ws + 1).add(ln10.mul(dec(e))).round(ws);
}

/// exp(x) with relative error well below 10^-(sig): halve x k times, Taylor, square k times.
Decimal exp_at(const Decimal& x, int result_scale) {
    double approx = x.to_double();
    int k = std::max(0, static_cast<int>(std::ceil(std::log2(std::abs(approx) / 0.01 + 1))));
    int magnitude = std::max(0, static_cast<int>(approx * 0.434294481903252)) + 1;
    int wsi = result_scale + magnitude + static_cast<int>(k * 0.302) + kGuard;
    Decimal r = div(x, pow10(0).mul(dec(int64_t{1} << std::min(k, 62))), wsi);
    Decimal term = dec(1), sum = dec(1);
    for (int n = 1; term.sign() != 0; ++n) {
        term = div(term.mul(r), dec(n), wsi);
        sum = sum.add(term);
    }
    for (int i = 0; i < k; ++i)
        sum = sum.mul(sum).round(wsi);
    return sum;
}

/// numeric.c's estimate_ln_dweight: decimal weight of ln(x).
int ln_dweight(const Decimal& x) {
    if (x.compare(*Decimal::parse("0.9")) >= 0 && x.compare(*Decimal::parse("1.1")) <= 0) {
        Decimal d = x.sub(dec(1));
        return d.sign() == 0 ? 0 : decimal_exponent(d);
    }
    double l = std::log(x.to_double());
    if (!std::isfinite(l))
        l = (decimal_exponent(x) + 0.5) * 2.302585092994046;
    return l == 0.0 ? 0 : static_cast<int>(std::log10(std::abs(l)));
}

Result<void> check_log_arg(const Decimal& x) {
    if (x.sign() == 0)
        return Error::make("2201E", "cannot take logarithm of zero");
    if (x.sign() < 0)
        return Error::make("2201E", "cannot take logarithm of a negative number");
    return {};
}

} // namespace

Result<Decimal> numeric_sqrt(const Decimal& x) {
    if (x.is_nan())
        return x;
    if (x.sign() < 0)
        return Error::make("2201F", "cannot take square root of a negative number");
    // weight in base-10000 digits, as numeric.c computes sweight from it
    int weight = x.sign() == 0 ? 0 : (decimal_exponent(x) >= 0 ? decimal_exponent(x) / 4
                                                               : -((-decimal_exponent(x) + 3) / 4));
    int sweight = (weight + 1) * 4 / 2 - 1;
    int rscale = clamp_scale(std::max(kMinSigDigits - sweight, x.scale()));
    if (x.sign() == 0)
        return dec(0).round(rscale);
    return sqrt_at(x, rscale + kGuard).round(rscale);
}

Decimal numeric_sqrt_scaled(const Decimal& x, int scale) {
    if (x.sign() <= 0)
        return dec(0).round(scale);
    return sqrt_at(x, scale + kGuard).round(scale);
}

Result<Decimal> numeric_exp(const Decimal& x) {
    if (x.is_nan())
        return x;
    double val = std::clamp(x.to_double() * 0.434294481903252, -2000.0, 2000.0);
    if (val > 1000)
        return Error::make("22003", "value overflows numeric format");
    int rscale = clamp_scale(std::max(kMinSigDigits - static_cast<int>(val), x.scale()));
    return exp_at(x, rscale).round(rscale);
}

Result<Decimal> numeric_ln(const Decimal& x) {
    if (x.is_nan())
        return x;
    auto ok = check_log_arg(x);
    if (!ok)
        return ok.error();
    int rscale = clamp_scale(std::max(kMinSigDigits - ln_dweight(x), x.scale()));
    return ln_at(x, rscale + kGuard).round(rscale);
}

Result<Decimal> numeric_log10(const Decimal& x) {
    if (x.is_nan())
        return x;
    auto ok = check_log_arg(x);
    if (!ok)
        return ok.error();
    int rscale = clamp_scale(std::max(kMinSigDigits - (ln_dweight(x) - ln_dweight(dec(10))), x.scale()));
    int ws = rscale + kGuard;
    return div(ln_at(x, ws + 2), ln_at(dec(10), ws + 2), ws).round(rscale);
}

Result<Decimal> numeric_power(const Decimal& base, const Decimal& exp) {
    if (base.is_nan() || exp.is_nan())
        return (base.compare(dec(1)) == 0 || exp.sign() == 0) && !(base.is_nan() && exp.is_nan())
                   ? dec(1)
                   : Decimal::nan();
    if (base.sign() == 0 && exp.sign() < 0)
        return Error::make("2201F", "zero raised to a negative power is undefined");
    bool integral = exp.compare(exp.trunc(0)) == 0;
    if (base.sign() < 0 && !integral)
        return Error::make("2201F", "a negative number raised to a non-integer power yields a complex result");
    if (integral && exp.abs().compare(dec(1'000'000)) < 0) {
        int rscale = clamp_scale(std::max(kMinSigDigits, base.scale()));
        int64_t n = *exp.abs().to_int64();
        // exact repeated squaring; the result is rounded once at the end
        Decimal result = dec(1), sq = base;
        for (int64_t bits = n; bits > 0; bits >>= 1) {
            if (bits & 1)
                result = result.mul(sq);
            if (bits > 1)
                sq = sq.mul(sq);
        }
        if (exp.sign() < 0)
            return div(dec(1), result, rscale);
        return result.round(rscale);
    }
    if (base.sign() == 0)
        return dec(0).round(clamp_scale(std::max({kMinSigDigits, base.scale(), exp.scale()})));
    double val = exp.to_double() * std::log(base.to_double()) * 0.434294481903252;
    if (val > 1000)
        return Error::make("22003", "value overflows numeric format");
    int rscale = clamp_scale(std::max({kMinSigDigits - static_cast<int>(val), base.scale(), exp.scale()}));
    int magnitude = static_cast<int>(std::log10(std::abs(exp.to_double()) + 1)) + 2;
    Decimal y = ln_at(base, rscale + std::max(0, static_cast<int>(val)) + magnitude + kGuard).mul(exp);
    return exp_at(y, rscale).round(rscale);
}

} // namespace nectar::federation::expr
