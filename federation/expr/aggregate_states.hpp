#pragma once
// The running states behind each aggregate (see aggregates.cpp for which signature uses which).

#include "federation/expr/functions.hpp"
#include "federation/types/numeric.hpp"

namespace nectar::federation::expr {

class CountState : public AggregateState {
  public:
    explicit CountState(bool star)
        : star_(star) {}
    Result<void> add(std::span<const Value> args) override;
    Result<Value> finish() override { return Value::int8(n_); }

  private:
    bool star_;
    int64_t n_ = 0;
};

/// sum(int2/int4) → int8.
class SumIntState : public AggregateState {
  public:
    Result<void> add(std::span<const Value> args) override;
    Result<Value> finish() override;

  private:
    int64_t sum_ = 0;
    bool any_ = false;
};

/// An exact running sum of decimals of up to 18 digits, kept as a 128-bit integer of units of
/// 10^-scale, so no Decimal is parsed per row. Refuses (returns false)
/// what it cannot hold exactly; the caller then adds that value the slow way.
class SmallDecimalSum {
  public:
    bool add_text(std::string_view canonical);
    bool add_int(int64_t value) { return add_units(value, 0); }
    bool empty() const { return !any_; }
    Decimal to_decimal() const;

  private:
    bool add_units(int64_t units, int scale);
    __int128 units_ = 0;
    int scale_ = 0;
    bool any_ = false;
};

/// sum(int8/numeric) → numeric and avg(any integer or numeric) → numeric, exact.
class DecimalSumState : public AggregateState {
  public:
    enum Mode { Sum, Avg };
    explicit DecimalSumState(Mode mode)
        : mode_(mode) {}
    Result<void> add(std::span<const Value> args) override;
    Result<Value> finish() override;

  private:
    Mode mode_;
    SmallDecimalSum fast_;
    Decimal sum_; ///< what the fast sum refused (NaN, Infinity, long values)
    int64_t n_ = 0;
};

/// sum(float4) → float4, sum(float8) → float8, avg(float) → float8.
class FloatSumState : public AggregateState {
  public:
    FloatSumState(Type result, bool avg)
        : result_(result)
        , avg_(avg) {}
    Result<void> add(std::span<const Value> args) override;
    Result<Value> finish() override;

  private:
    Type result_;
    bool avg_;
    double sum_ = 0;
    int64_t n_ = 0;
};

class IntervalSumState : public AggregateState {
  public:
    Result<void> add(std::span<const Value> args) override;
    Result<Value> finish() override;

  private:
    __int128 months_ = 0, days_ = 0, micros_ = 0;
    bool any_ = false;
};

/// Variance and standard deviation over exact numerics (numeric.c's sum of squares formula).
class DecimalVarianceState : public AggregateState {
  public:
    DecimalVarianceState(bool sample, bool stddev)
        : sample_(sample)
        , stddev_(stddev) {}
    Result<void> add(std::span<const Value> args) override;
    Result<Value> finish() override;

  private:
    bool sample_, stddev_;
    Decimal sum_, sum_sq_;
    int64_t n_ = 0;
};

/// Variance and standard deviation over floats (Youngs-Cramer, as float.c accumulates).
class FloatVarianceState : public AggregateState {
  public:
    FloatVarianceState(bool sample, bool stddev)
        : sample_(sample)
        , stddev_(stddev) {}
    Result<void> add(std::span<const Value> args) override;
    Result<Value> finish() override;

  private:
    bool sample_, stddev_;
    double n_ = 0, sx_ = 0, sxx_ = 0;
};

class ExtremumState : public AggregateState {
  public:
    ExtremumState(Type type, bool max)
        : type_(type)
        , max_(max) {}
    Result<void> add(std::span<const Value> args) override;
    Result<Value> finish() override { return best_.is_null() ? Value::null(type_) : best_; }

  private:
    Type type_;
    bool max_;
    Value best_;
};

/// bool_and / every (all_ = true) and bool_or.
class BoolState : public AggregateState {
  public:
    explicit BoolState(bool all)
        : all_(all) {}
    Result<void> add(std::span<const Value> args) override;
    Result<Value> finish() override { return any_ ? Value::boolean(acc_) : Value::null(Type::Bool); }

  private:
    bool all_;
    bool acc_ = false;
    bool any_ = false;
};

class StringAggState : public AggregateState {
  public:
    explicit StringAggState(Type type)
        : type_(type) {}
    Result<void> add(std::span<const Value> args) override;
    Result<Value> finish() override { return any_ ? Value::string(type_, out_) : Value::null(type_); }

  private:
    Type type_;
    std::string out_;
    bool any_ = false;
};

/// array_agg as PostgreSQL's array text form: {1,2,NULL}, {"a b","x\"y"}.
class ArrayAggState : public AggregateState {
  public:
    Result<void> add(std::span<const Value> args) override;
    Result<Value> finish() override;

  private:
    std::string out_;
    bool any_ = false;
};

} // namespace nectar::federation::expr
