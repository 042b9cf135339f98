#pragma once
// PostgreSQL's numeric: arbitrary precision decimal with PostgreSQL's scale rules and NaN.

#include "protocol/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::federation {

class Decimal {
  public:
    Decimal() = default; ///< 0
    /// PostgreSQL numeric input: "12.5", "-0.001", "1e3", "NaN" (22P02 on bad text).
    static Result<Decimal> parse(std::string_view text);
    static Decimal from_int(int64_t value);
    /// float8 → numeric as PostgreSQL casts it (15 significant digits); NaN kept, ±Infinity → 22003.
    static Result<Decimal> from_double(double value);
    static Decimal nan();

    /// Canonical text as PostgreSQL prints it (keeps the display scale: 12.50 stays "12.50").
    std::string to_string() const;
    double to_double() const;
    /// Rounded half away from zero; 22003 "bigint out of range" past int64.
    Result<int64_t> to_int64() const;

    bool is_nan() const { return nan_; }
    int sign() const; ///< -1, 0, 1 (NaN: 0)
    int scale() const { return dscale_; }

    Decimal add(const Decimal& other) const;
    Decimal sub(const Decimal& other) const;
    Decimal mul(const Decimal& other) const;
    /// Division with PostgreSQL's result scale (select_div_scale); 22012 on division by zero.
    Result<Decimal> div(const Decimal& other) const;
    Result<Decimal> mod(const Decimal& other) const;
    /// Division with a given result scale (avg() uses this), rounded half away from zero.
    Result<Decimal> div_with_scale(const Decimal& other, int scale) const;
    Decimal negate() const;
    Decimal abs() const;
    Decimal round(int scale) const; ///< round(x, s); negative s rounds left of the point
    Decimal trunc(int scale) const;
    Decimal ceil() const;
    Decimal floor() const;
    /// Total order with NaN greater than everything, as PostgreSQL sorts.
    int compare(const Decimal& other) const;

  private:
    struct Fixed; ///< the value as a scaled big integer, for arithmetic
    Fixed to_fixed() const;
    static Decimal from_fixed(Fixed f);
    int select_div_scale(const Decimal& other) const; ///< PostgreSQL's select_div_scale rule
    Decimal rescale(int scale, bool round) const;     ///< round() or trunc() to a scale

    bool negative_ = false;
    bool nan_ = false;
    int weight_ = 0;                ///< base-10000 weight of the first digit
    int dscale_ = 0;                ///< display scale: digits after the decimal point
    std::vector<int16_t> digits_;   ///< base-10000 digits, most significant first, no leading zeros
};

} // namespace nectar::federation
