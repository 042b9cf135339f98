// PostgreSQL's numeric: stored as base-10000 digits with a weight and a display scale; arithmetic
// runs on a scaled big integer (the value times 10^scale) so that scale rules stay explicit.
#include "federation/types/numeric.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace nectar::federation {

namespace {

constexpr int32_t kBase = 10000;
constexpr int kBaseDigits = 4;
constexpr int kMinSignificantDigits = 16; // PostgreSQL's NUMERIC_MIN_SIG_DIGITS
constexpr int kMaxDisplayScale = 1000;    // NUMERIC_MAX_DISPLAY_SCALE
constexpr long kMaxInputExponent = 1'000'000; // far past any representable value
constexpr int kMaxDscale = 16383;          // NUMERIC_DSCALE_MAX
constexpr int kMaxWeight = 32767;          // NUMERIC_WEIGHT_MAX (base-10000 digits)

/// Magnitude of a big integer: base-10000 limbs, least significant first, no high zero limbs.
using Limbs = std::vector<int32_t>;

void trim(Limbs& a) {
    while (!a.empty() && a.back() == 0)
        a.pop_back();
}

int compare_mag(const Limbs& a, const Limbs& b) {
    if (a.size() != b.size())
        return a.size() < b.size() ? -1 : 1;
    for (size_t i = a.size(); i-- > 0;) {
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

Limbs add_mag(const Limbs& a, const Limbs& b) {
    Limbs r(std::max(a.size(), b.size()) + 1, 0);
    int32_t carry = 0;
    for (size_t i = 0; i < r.size(); ++i) {
        int32_t s = carry + (i < a.size() ? a[i] : 0) + (i < b.size() ? b[i] : 0);
        r[i] = s % kBase;
        carry = s / kBase;
    }
    trim(r);
    return r;
}

/// a - b for a >= b.
Limbs sub_mag(const Limbs& a, const Limbs& b) {
    Limbs r(a.size(), 0);
    int32_t borrow = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        int32_t s = a[i] - borrow - (i < b.size() ? b[i] : 0);
        borrow = s < 0 ? 1 : 0;
        r[i] = s + borrow * kBase;
    }
    trim(r);
    return r;
}

Limbs mul_mag(const Limbs& a, const Limbs& b) {
    if (a.empty() || b.empty())
        return {};
    std::vector<int64_t> acc(a.size() + b.size(), 0);
    for (size_t i = 0; i < a.size(); ++i) {
        for (size_t j = 0; j < b.size(); ++j)
            acc[i + j] += int64_t(a[i]) * b[j];
        // Propagate now and then so the 64-bit accumulators never overflow.
        if (i % 4096 == 4095) {
            for (size_t k = 0; k + 1 < acc.size(); ++k) {
                acc[k + 1] += acc[k] / kBase;
                acc[k] %= kBase;
            }
        }
    }
    Limbs r(acc.size(), 0);
    int64_t carry = 0;
    for (size_t k = 0; k < acc.size(); ++k) {
        int64_t s = acc[k] + carry;
        r[k] = int32_t(s % kBase);
        carry = s / kBase;
    }
    trim(r);
    return r;
}

Limbs mul_small(const Limbs& a, int32_t m) {
    Limbs r(a.size() + 1, 0);
    int64_t carry = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        int64_t s = int64_t(a[i]) * m + carry;
        r[i] = int32_t(s % kBase);
        carry = s / kBase;
    }
    r[a.size()] = int32_t(carry);
    trim(r);
    return r;
}

/// Floor division by a small divisor (< 10000); the remainder goes to *rem when asked.
Limbs div_small(const Limbs& a, int32_t d, int32_t* rem = nullptr) {
    Limbs r(a.size(), 0);
    int64_t carry = 0;
    for (size_t i = a.size(); i-- > 0;) {
        int64_t cur = carry * kBase + a[i];
        r[i] = int32_t(cur / d);
        carry = cur % d;
    }
    trim(r);
    if (rem)
        *rem = int32_t(carry);
    return r;
}

int32_t pow10_small(int k) {
    int32_t p = 1;
    while (k-- > 0)
        p *= 10;
    return p;
}

/// a * 10^k.
Limbs mul_pow10(Limbs a, int k) {
    if (a.empty() || k <= 0)
        return a;
    a.insert(a.begin(), size_t(k / kBaseDigits), 0);
    return mul_small(a, pow10_small(k % kBaseDigits));
}

/// floor(a / 10^k).
Limbs div_pow10(Limbs a, int k) {
    if (k <= 0)
        return a;
    size_t drop = size_t(k / kBaseDigits);
    if (drop >= a.size())
        return {};
    a.erase(a.begin(), a.begin() + long(drop));
    return div_small(a, pow10_small(k % kBaseDigits));
}

/// Long division (Knuth's algorithm D): quotient of a / b, remainder to *rem; b is non-zero.
Limbs divmod_mag(const Limbs& a, const Limbs& b, Limbs* rem) {
    if (compare_mag(a, b) < 0) {
        if (rem)
            *rem = a;
        return {};
    }
    if (b.size() == 1) {
        int32_t r = 0;
        Limbs q = div_small(a, b[0], &r);
        if (rem)
            *rem = r ? Limbs{r} : Limbs{};
        return q;
    }
    // Normalize so the divisor's top limb is at least kBase/2: trial quotients are then off by <= 2.
    int32_t norm = kBase / (b.back() + 1);
    Limbs u = mul_small(a, norm);
    Limbs v = mul_small(b, norm);
    size_t n = v.size();
    u.resize(std::max(u.size(), a.size()) + 1, 0);
    size_t m = u.size() - n - 1;
    Limbs q(m + 1, 0);
    for (size_t j = m + 1; j-- > 0;) {
        int64_t top = int64_t(u[j + n]) * kBase + u[j + n - 1];
        int64_t qhat = top / v[n - 1];
        int64_t rhat = top % v[n - 1];
        while (qhat >= kBase || qhat * v[n - 2] > rhat * kBase + u[j + n - 2]) {
            --qhat;
            rhat += v[n - 1];
            if (rhat >= kBase)
                break;
        }
        // u[j..j+n] -= qhat * v, adding back once if qhat was still one too large.
        int64_t borrow = 0, carry = 0;
        for (size_t i = 0; i <= n; ++i) {
            int64_t p = (i < n ? qhat * v[i] : 0) + carry;
            carry = p / kBase;
            int64_t s = u[i + j] - p % kBase - borrow;
            borrow = s < 0 ? 1 : 0;
            u[i + j] = int32_t(s + borrow * kBase);
        }
        if (borrow) {
            --qhat;
            int32_t c = 0;
            for (size_t i = 0; i <= n; ++i) {
                int32_t s = u[i + j] + (i < n ? v[i] : 0) + c;
                c = s >= kBase ? 1 : 0;
                u[i + j] = s - c * kBase;
            }
        }
        q[j] = int32_t(qhat);
    }
    trim(q);
    if (rem) {
        trim(u);
        *rem = div_small(u, norm);
    }
    return q;
}

Limbs mag_from_u64(uint64_t v) {
    Limbs r;
    while (v) {
        r.push_back(int32_t(v % kBase));
        v /= kBase;
    }
    return r;
}

/// Rounds (or truncates) a magnitude held at `from` decimal places to `to` places (to < from).
Limbs reduce_scale(const Limbs& mag, int from, int to, bool round) {
    if (!round)
        return div_pow10(mag, from - to);
    Limbs q = div_pow10(mag, from - to - 1);
    int32_t last = 0;
    q = div_small(q, 10, &last);
    return last >= 5 ? add_mag(q, Limbs{1}) : q;
}

} // namespace

/// A signed scaled integer: the value is (negative ? -1 : 1) * mag / 10^scale.
struct Decimal::Fixed {
    bool negative = false;
    Limbs mag;
    int scale = 0;
};

Decimal::Fixed Decimal::to_fixed() const {
    Fixed f;
    f.negative = negative_;
    f.scale = dscale_;
    if (digits_.empty())
        return f;
    // Stored digits reversed are the magnitude at 4 decimal places per fractional limb.
    int ndigits = int(digits_.size());
    int lowest = weight_ - ndigits + 1; // base-10000 exponent of the last digit
    Limbs mag(digits_.rbegin(), digits_.rend());
    if (lowest > 0)
        mag.insert(mag.begin(), size_t(lowest), 0);
    int held = lowest < 0 ? -lowest * kBaseDigits : 0;
    f.mag = held > dscale_ ? div_pow10(mag, held - dscale_) : mul_pow10(mag, dscale_ - held);
    return f;
}

Decimal Decimal::from_fixed(Fixed f) {
    Decimal d;
    d.dscale_ = std::max(f.scale, 0);
    trim(f.mag);
    if (f.mag.empty())
        return d;
    int pad = (kBaseDigits - d.dscale_ % kBaseDigits) % kBaseDigits;
    Limbs mag = mul_pow10(std::move(f.mag), pad);
    int frac_limbs = (d.dscale_ + pad) / kBaseDigits;
    d.negative_ = f.negative;
    d.weight_ = int(mag.size()) - 1 - frac_limbs;
    size_t low_zeros = 0;
    while (mag[low_zeros] == 0)
        ++low_zeros;
    d.digits_.assign(mag.rbegin(), mag.rend() - long(low_zeros));
    return d;
}

Result<Decimal> Decimal::parse(std::string_view text) {
    auto bad = [&] {
        return Error::make("22P02", "invalid input syntax for type numeric: \"" + std::string(text) + "\"");
    };
    size_t i = 0, n = text.size();
    while (i < n && std::isspace(static_cast<unsigned char>(text[i])))
        ++i;
    while (n > i && std::isspace(static_cast<unsigned char>(text[n - 1])))
        --n;
    std::string_view body = text.substr(i, n - i);
    if (body.size() == 3 && (body[0] | 0x20) == 'n' && (body[1] | 0x20) == 'a' && (body[2] | 0x20) == 'n')
        return nan();
    size_t p = 0;
    bool negative = false;
    if (p < body.size() && (body[p] == '+' || body[p] == '-'))
        negative = body[p++] == '-';
    std::string digits;
    int frac_digits = 0;
    bool seen_point = false;
    for (; p < body.size(); ++p) {
        char c = body[p];
        if (c >= '0' && c <= '9') {
            digits.push_back(c);
            frac_digits += seen_point ? 1 : 0;
        } else if (c == '.' && !seen_point) {
            seen_point = true;
        } else {
            break;
        }
    }
    if (digits.empty())
        return bad();
    long exponent = 0;
    if (p < body.size() && (body[p] == 'e' || body[p] == 'E')) {
        ++p;
        bool exp_negative = false;
        if (p < body.size() && (body[p] == '+' || body[p] == '-'))
            exp_negative = body[p++] == '-';
        if (p >= body.size())
            return bad();
        for (; p < body.size() && body[p] >= '0' && body[p] <= '9'; ++p) {
            exponent = exponent * 10 + (body[p] - '0');
            if (exponent > kMaxInputExponent)
                return Error::make("22003", "value overflows numeric format");
        }
        exponent = exp_negative ? -exponent : exponent;
    }
    if (p != body.size())
        return bad();
    // "1.50e1" is 15.0: the exponent moves the point and shortens the display scale.
    long scale = frac_digits - exponent;
    if (scale < 0) {
        digits.append(size_t(-scale), '0');
        scale = 0;
    }
    if (scale > kMaxDscale)
        return Error::make("22003", "value overflows numeric format");
    Fixed f;
    f.negative = negative;
    f.scale = int(scale);
    for (size_t end = digits.size(); end > 0;) {
        size_t begin = end >= 4 ? end - 4 : 0;
        f.mag.push_back(std::stoi(digits.substr(begin, end - begin)));
        end = begin;
    }
    Decimal d = from_fixed(std::move(f));
    if (d.weight_ > kMaxWeight)
        return Error::make("22003", "value overflows numeric format");
    return d;
}

Decimal Decimal::from_int(int64_t value) {
    Fixed f;
    f.negative = value < 0;
    uint64_t mag = value < 0 ? uint64_t(0) - uint64_t(value) : uint64_t(value);
    f.mag = mag_from_u64(mag);
    return from_fixed(std::move(f));
}

Result<Decimal> Decimal::from_double(double value) {
    if (std::isnan(value))
        return nan();
    if (std::isinf(value))
        return Error::make("22003", "cannot convert infinity to numeric");
    // PostgreSQL 15 prints the double with DBL_DIG (15) significant digits and reads that back.
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.15g", value);
    return parse(buf);
}

Decimal Decimal::nan() {
    Decimal d;
    d.nan_ = true;
    return d;
}

std::string Decimal::to_string() const {
    if (nan_)
        return "NaN";
    std::string out = negative_ ? "-" : "";
    auto digit_at = [&](int w) { // base-10000 digit at weight w, 0 outside the stored range
        int index = weight_ - w;
        return index >= 0 && index < int(digits_.size()) ? digits_[size_t(index)] : 0;
    };
    if (digits_.empty() || weight_ < 0) {
        out += '0';
    } else {
        out += std::to_string(digit_at(weight_));
        char buf[8];
        for (int w = weight_ - 1; w >= 0; --w) {
            std::snprintf(buf, sizeof buf, "%04d", digit_at(w));
            out += buf;
        }
    }
    if (dscale_ > 0) {
        out += '.';
        std::string frac;
        char buf[8];
        for (int w = -1; int(frac.size()) < dscale_; --w) {
            std::snprintf(buf, sizeof buf, "%04d", digit_at(w));
            frac += buf;
        }
        out.append(frac, 0, size_t(dscale_));
    }
    return out;
}

double Decimal::to_double() const {
    if (nan_)
        return std::numeric_limits<double>::quiet_NaN();
    return std::strtod(to_string().c_str(), nullptr);
}

Result<int64_t> Decimal::to_int64() const {
    if (nan_)
        return Error::make("0A000", "cannot convert NaN to bigint");
    Fixed f = round(0).to_fixed();
    // The magnitude must fit in 2^63 (exactly 2^63 only when negative).
    uint64_t mag = 0;
    constexpr uint64_t kLimit = uint64_t(1) << 63;
    for (size_t i = f.mag.size(); i-- > 0;) {
        if (mag > (kLimit - uint64_t(f.mag[i])) / uint64_t(kBase))
            return Error::make("22003", "bigint out of range");
        mag = mag * uint64_t(kBase) + uint64_t(f.mag[i]);
    }
    if (mag == kLimit && !f.negative)
        return Error::make("22003", "bigint out of range");
    return f.negative ? int64_t(uint64_t(0) - mag) : int64_t(mag);
}

int Decimal::sign() const {
    if (nan_ || digits_.empty())
        return 0;
    return negative_ ? -1 : 1;
}

Decimal Decimal::add(const Decimal& other) const {
    if (nan_ || other.nan_)
        return nan();
    Fixed a = to_fixed(), b = other.to_fixed();
    int scale = std::max(a.scale, b.scale);
    a.mag = mul_pow10(std::move(a.mag), scale - a.scale);
    b.mag = mul_pow10(std::move(b.mag), scale - b.scale);
    Fixed r;
    r.scale = scale;
    if (a.negative == b.negative) {
        r.negative = a.negative;
        r.mag = add_mag(a.mag, b.mag);
    } else if (compare_mag(a.mag, b.mag) >= 0) {
        r.negative = a.negative;
        r.mag = sub_mag(a.mag, b.mag);
    } else {
        r.negative = b.negative;
        r.mag = sub_mag(b.mag, a.mag);
    }
    return from_fixed(std::move(r));
}

Decimal Decimal::sub(const Decimal& other) const { return add(other.negate()); }

Decimal Decimal::mul(const Decimal& other) const {
    if (nan_ || other.nan_)
        return nan();
    Fixed a = to_fixed(), b = other.to_fixed();
    Fixed r;
    r.negative = a.negative != b.negative;
    r.mag = mul_mag(a.mag, b.mag);
    r.scale = a.scale + b.scale; // exact: the product's display scale is the sum of the scales
    return from_fixed(std::move(r));
}

int Decimal::select_div_scale(const Decimal& other) const {
    // Aim for at least 16 significant digits, judged from the leading base-10000 digits.
    int weight1 = digits_.empty() ? 0 : weight_;
    int first1 = digits_.empty() ? 0 : digits_[0];
    int weight2 = other.digits_.empty() ? 0 : other.weight_;
    int first2 = other.digits_.empty() ? 0 : other.digits_[0];
    int qweight = weight1 - weight2;
    if (first1 <= first2)
        --qweight;
    int rscale = kMinSignificantDigits - qweight * kBaseDigits;
    rscale = std::max({rscale, dscale_, other.dscale_, 0});
    return std::min(rscale, kMaxDisplayScale);
}

Result<Decimal> Decimal::div(const Decimal& other) const {
    return div_with_scale(other, select_div_scale(other));
}

Result<Decimal> Decimal::div_with_scale(const Decimal& other, int scale) const {
    if (nan_ || other.nan_)
        return nan();
    if (other.sign() == 0)
        return Error::make("22012", "division by zero");
    scale = std::max(scale, 0);
    Fixed a = to_fixed(), b = other.to_fixed();
    // a/b * 10^(scale+1) = a.mag * 10^(b.scale + scale + 1) / (b.mag * 10^a.scale); one extra digit to round.
    Limbs num = mul_pow10(std::move(a.mag), b.scale + scale + 1);
    Limbs den = mul_pow10(std::move(b.mag), a.scale);
    Fixed r;
    r.negative = a.negative != b.negative;
    r.mag = reduce_scale(divmod_mag(num, den, nullptr), scale + 1, scale, true);
    r.scale = scale;
    return from_fixed(std::move(r));
}

Result<Decimal> Decimal::mod(const Decimal& other) const {
    if (nan_ || other.nan_)
        return nan();
    if (other.sign() == 0)
        return Error::make("22012", "division by zero");
    Fixed a = to_fixed(), b = other.to_fixed();
    int scale = std::max(a.scale, b.scale);
    Fixed r;
    r.negative = a.negative; // a remainder of a truncating division takes the dividend's sign
    r.scale = scale;
    divmod_mag(mul_pow10(std::move(a.mag), scale - a.scale), mul_pow10(std::move(b.mag), scale - b.scale),
               &r.mag);
    return from_fixed(std::move(r));
}

Decimal Decimal::negate() const {
    Decimal d = *this;
    if (!d.digits_.empty())
        d.negative_ = !d.negative_;
    return d;
}

Decimal Decimal::abs() const {
    Decimal d = *this;
    d.negative_ = false;
    return d;
}

Decimal Decimal::rescale(int scale, bool round) const {
    if (nan_)
        return nan();
    Fixed f = to_fixed();
    if (scale >= f.scale) {
        f.mag = mul_pow10(std::move(f.mag), scale - f.scale);
        f.scale = scale;
        return from_fixed(std::move(f));
    }
    f.mag = reduce_scale(f.mag, f.scale, scale, round);
    if (scale < 0) // round(1234.5, -2) is 1200: back to whole units, display scale 0
        f.mag = mul_pow10(std::move(f.mag), -scale);
    f.scale = std::max(scale, 0);
    return from_fixed(std::move(f));
}

Decimal Decimal::round(int scale) const { return rescale(scale, true); }

Decimal Decimal::trunc(int scale) const { return rescale(scale, false); }

Decimal Decimal::ceil() const {
    Decimal t = trunc(0);
    if (!nan_ && !negative_ && compare(t) != 0)
        return t.add(from_int(1));
    return t;
}

Decimal Decimal::floor() const {
    Decimal t = trunc(0);
    if (!nan_ && negative_ && compare(t) != 0)
        return t.sub(from_int(1));
    return t;
}

int Decimal::compare(const Decimal& other) const {
    if (nan_ || other.nan_)
        return nan_ == other.nan_ ? 0 : (nan_ ? 1 : -1);
    int sa = sign(), sb = other.sign();
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    // Same sign: compare magnitudes (digits are normalized: no leading or trailing zero digits).
    int mag = 0;
    if (weight_ != other.weight_) {
        mag = weight_ < other.weight_ ? -1 : 1;
    } else {
        size_t n = std::max(digits_.size(), other.digits_.size());
        for (size_t i = 0; i < n && mag == 0; ++i) {
            int x = i < digits_.size() ? digits_[i] : 0;
            int y = i < other.digits_.size() ? other.digits_[i] : 0;
            mag = x == y ? 0 : (x < y ? -1 : 1);
        }
    }
    return sa < 0 ? -mag : mag;
}

} // namespace nectar::federation
