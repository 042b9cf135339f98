#pragma once
// Shared machinery of the function and operator catalogs: PostgreSQL's type categories, its
// overload resolution (func_select_candidate), and the helpers every implementation uses.

#include "federation/expr/functions.hpp"
#include "federation/types/datetime.hpp"
#include "federation/types/numeric.hpp"

#include <locale.h>

#include <string>
#include <string_view>
#include <vector>

namespace nectar::federation::expr {

/// pg_type.typcategory: B boolean, N numeric, S string, D date/time, T timespan, U user, X unknown.
char type_category(Type t);
/// pg_type.typispreferred: float8, text, timestamptz, interval, bool.
bool is_preferred_type(Type t);

using ScalarFn = std::function<Result<Value>(std::span<const Value>)>;

/// One catalog entry: a function or operator signature and its implementation.
struct Overload {
    std::vector<Type> params;
    Type result = Type::Unknown;
    ScalarFn fn;
    bool strict = true;
    bool volatile_fn = false;
};

/// Index of the overload PostgreSQL would pick for `args`; kNoMatch or kAmbiguous otherwise.
constexpr int kNoMatch = -1;
constexpr int kAmbiguous = -2;
int select_overload(const std::vector<Overload>& candidates, std::span<const Type> args);

/// "integer out of range", "bigint out of range", "smallint out of range" (22003).
Error int_out_of_range(Type t);
/// An integer of type `t` after a range check against that type.
Result<Value> checked_int(Type t, __int128 v);
/// A float result of type `t` with PostgreSQL's overflow/underflow checks (22003).
Result<Value> checked_float(Type t, double result, bool inputs_infinite, bool underflow_possible);
Error division_by_zero();

/// Numeric view of an integer or numeric value.
Decimal to_decimal(const Value& v);
inline Value numeric_value(const Decimal& d) { return Value::numeric(d.to_string()); }
/// Double view of any numeric-family value.
double to_double(const Value& v);

/// A date's first microsecond as a timestamp; ±infinity map to the timestamp infinities.
int64_t date_to_timestamp(int64_t days);

/// "integer, text" as PostgreSQL lists argument types in messages.
std::string type_list(std::span<const Type> args);

/// The C.UTF-8 LC_CTYPE, made once (nullptr if the C library lacks it): case mapping and regular
/// expressions use it per call instead of the process-global setlocale().
locale_t utf8_ctype_locale();
/// Byte length of the UTF-8 character whose first byte is `lead` (1 for stray bytes).
size_t utf8_char_len(unsigned char lead);
/// lower()/upper() as a UTF-8 database with LC_CTYPE C.UTF-8 folds: towlower_l/towupper_l per character.
std::string utf8_lower(std::string_view s);
std::string utf8_upper(std::string_view s);

/// to_char(numeric-family value, template) with the 9 0 . D , G S MI PL SG FM patterns (number_format.cpp).
Result<Value> to_char_number(const Value& v, std::string_view tmpl);

/// The catalogs, filled once: operators by name and functions by name.
void register_arithmetic_operators(std::vector<std::pair<std::string, Overload>>& out);
void register_temporal_operators(std::vector<std::pair<std::string, Overload>>& out);
void register_string_functions(std::vector<std::pair<std::string, Overload>>& out);
void register_math_functions(std::vector<std::pair<std::string, Overload>>& out);
void register_datetime_functions(std::vector<std::pair<std::string, Overload>>& out);
void register_regex_operators(std::vector<std::pair<std::string, Overload>>& out);
void register_regex_functions(std::vector<std::pair<std::string, Overload>>& out);
void register_formatting_functions(std::vector<std::pair<std::string, Overload>>& out);

} // namespace nectar::federation::expr
