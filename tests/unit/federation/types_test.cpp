// The value layer against PostgreSQL 15: every expected string below is what a PostgreSQL 15.20
// server printed for the same input (select '<text>'::<type>, numeric operators, date_trunc, extract).
#include "federation/types/datetime.hpp"
#include "federation/types/numeric.hpp"
#include "federation/types/type.hpp"
#include "federation/types/value.hpp"

#include <doctest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace nectar::federation;

namespace {

struct TextCase {
    const char* type;
    const char* input;
    const char* output; ///< PostgreSQL's output, when the input is accepted
    const char* sqlstate; ///< PostgreSQL's SQLSTATE, when it is refused
    const char* message;
};

// select '<input>'::<type> on PostgreSQL 15.
const TextCase kTextCases[] = {
    {"int4", "42", "42", "", ""},
    {"int4", " -17 ", "-17", "", ""},
    {"int4", "+5", "5", "", ""},
    {"int4", "x", "", "22P02", "invalid input syntax for type integer: \"x\""},
    {"int4", "99999999999", "", "22003", "value \"99999999999\" is out of range for type integer"},
    {"int4", "2147483647", "2147483647", "", ""},
    {"int4", "-2147483648", "-2147483648", "", ""},
    {"int4", "2147483648", "", "22003", "value \"2147483648\" is out of range for type integer"},
    {"int4", "", "", "22P02", "invalid input syntax for type integer: \"\""},
    {"int4", "1.5", "", "22P02", "invalid input syntax for type integer: \"1.5\""},
    {"int2", "32768", "", "22003", "value \"32768\" is out of range for type smallint"},
    {"int2", "-32768", "-32768", "", ""},
    {"int8", "-9223372036854775808", "-9223372036854775808", "", ""},
    {"int8", "9223372036854775808", "", "22003", "value \"9223372036854775808\" is out of range for type bigint"},
    {"bool", "t", "t", "", ""},
    {"bool", "TRUE", "t", "", ""},
    {"bool", "yes", "t", "", ""},
    {"bool", "on", "t", "", ""},
    {"bool", "1", "t", "", ""},
    {"bool", "off", "f", "", ""},
    {"bool", "of", "f", "", ""},
    {"bool", "o", "", "22P02", "invalid input syntax for type boolean: \"o\""},
    {"bool", "N", "f", "", ""},
    {"bool", "  fal  ", "f", "", ""},
    {"bool", "maybe", "", "22P02", "invalid input syntax for type boolean: \"maybe\""},
    {"float8", "1.5", "1.5", "", ""},
    {"float8", "0.1", "0.1", "", ""},
    {"float8", "1e20", "1e+20", "", ""},
    {"float8", "1e15", "1e+15", "", ""},
    {"float8", "123456789012345", "123456789012345", "", ""},
    {"float8", "1e-5", "1e-05", "", ""},
    {"float8", "0.0001", "0.0001", "", ""},
    {"float8", "-0", "-0", "", ""},
    {"float8", "NaN", "NaN", "", ""},
    {"float8", "Infinity", "Infinity", "", ""},
    {"float8", "-inf", "-Infinity", "", ""},
    {"float8", "1e400", "", "22003", "\"1e400\" is out of range for type double precision"},
    {"float8", "1e-400", "", "22003", "\"1e-400\" is out of range for type double precision"},
    {"float8", "abc", "", "22P02", "invalid input syntax for type double precision: \"abc\""},
    {"float8", "3.141592653589793", "3.141592653589793", "", ""},
    {"float8", "100", "100", "", ""},
    {"float8", "1.7976931348623157e308", "1.7976931348623157e+308", "", ""},
    {"float8", "5e-324", "5e-324", "", ""},
    {"float8", " 2.5 ", "2.5", "", ""},
    {"float4", "1.5", "1.5", "", ""},
    {"float4", "0.1", "0.1", "", ""},
    {"float4", "1e6", "1e+06", "", ""},
    {"float4", "123456", "123456", "", ""},
    {"float4", "1234567", "1.234567e+06", "", ""},
    {"float4", "3.14159265", "3.1415927", "", ""},
    {"float4", "1e50", "", "22003", "\"1e50\" is out of range for type real"},
    {"float4", "1e-5", "1e-05", "", ""},
    {"numeric", "12.50", "12.50", "", ""},
    {"numeric", "-0.001", "-0.001", "", ""},
    {"numeric", "1e3", "1000", "", ""},
    {"numeric", "1.50e1", "15.0", "", ""},
    {"numeric", "1e-2", "0.01", "", ""},
    {"numeric", "NaN", "NaN", "", ""},
    {"numeric", "  nan ", "NaN", "", ""},
    {"numeric", ".5", "0.5", "", ""},
    {"numeric", "5.", "5", "", ""},
    {"numeric", "-0", "0", "", ""},
    {"numeric", "0.000", "0.000", "", ""},
    {"numeric", "abc", "", "22P02", "invalid input syntax for type numeric: \"abc\""},
    {"numeric", "1e", "", "22P02", "invalid input syntax for type numeric: \"1e\""},
    {"numeric", "123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789", "", ""},
    {"numeric", "+7", "7", "", ""},
    {"bytea", "\\x0aff", "\\x0aff", "", ""},
    {"bytea", "\\x0A FF", "\\x0aff", "", ""},
    {"bytea", "abc", "\\x616263", "", ""},
    {"bytea", "a\\\\b\\001", "\\x615c6201", "", ""},
    {"bytea", "\\xzz", "", "22023", "invalid hexadecimal digit: \"z\""},
    {"bytea", "\\x123", "", "22023", "invalid hexadecimal data: odd number of digits"},
    {"bytea", "a\\b", "", "22P02", "invalid input syntax for type bytea"},
    {"uuid", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "", ""},
    {"uuid", "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "", ""},
    {"uuid", "a0eebc999c0b4ef8bb6d6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "", ""},
    {"uuid", "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "", ""},
    {"uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "", "22P02", "invalid input syntax for type uuid: \"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1\""},
    {"uuid", "xyz", "", "22P02", "invalid input syntax for type uuid: \"xyz\""},
    {"uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-", "", "22P02", "invalid input syntax for type uuid: \"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-\""},
    {"date", "2024-01-02", "2024-01-02", "", ""},
    {"date", "0044-03-15 BC", "0044-03-15 BC", "", ""},
    {"date", "2024-02-29", "2024-02-29", "", ""},
    {"date", "2024-02-30", "", "22008", "date/time field value out of range: \"2024-02-30\""},
    {"date", "2023-02-29", "", "22008", "date/time field value out of range: \"2023-02-29\""},
    {"date", "2024-13-01", "", "22008", "date/time field value out of range: \"2024-13-01\""},
    {"date", "x", "", "22007", "invalid input syntax for type date: \"x\""},
    {"date", "0000-01-01", "", "22008", "date/time field value out of range: \"0000-01-01\""},
    {"date", "infinity", "infinity", "", ""},
    {"date", "-infinity", "-infinity", "", ""},
    {"date", "epoch", "1970-01-01", "", ""},
    {"date", "2024-01-02 03:04:05", "2024-01-02", "", ""},
    {"date", "20240102", "2024-01-02", "", ""},
    {"date", "10000-01-01", "10000-01-01", "", ""},
    {"date", "4714-11-24 BC", "4714-11-24 BC", "", ""},
    {"date", "4714-11-23 BC", "", "22008", "date out of range: \"4714-11-23 BC\""},
    {"date", "5874897-12-31", "5874897-12-31", "", ""},
    {"date", "5874898-01-01", "", "22008", "date out of range: \"5874898-01-01\""},
    {"time", "03:04:05.123", "03:04:05.123", "", ""},
    {"time", "03:04:05", "03:04:05", "", ""},
    {"time", "03:04", "03:04:00", "", ""},
    {"time", "24:00:00", "24:00:00", "", ""},
    {"time", "24:00:01", "", "22008", "date/time field value out of range: \"24:00:01\""},
    {"time", "25:00:00", "", "22008", "date/time field value out of range: \"25:00:00\""},
    {"time", "12:60:00", "", "22008", "date/time field value out of range: \"12:60:00\""},
    {"time", "allballs", "00:00:00", "", ""},
    {"time", "03:04:05.1234567", "03:04:05.123457", "", ""},
    {"time", "2024-01-02 03:04:05", "03:04:05", "", ""},
    {"time", "x", "", "22007", "invalid input syntax for type time: \"x\""},
    {"timestamp", "2024-01-02 03:04:05.5", "2024-01-02 03:04:05.5", "", ""},
    {"timestamp", "2024-01-02T03:04:05", "2024-01-02 03:04:05", "", ""},
    {"timestamp", "2024-01-02 03:04:05+05:30", "2024-01-02 03:04:05", "", ""},
    {"timestamp", "2024-01-02", "2024-01-02 00:00:00", "", ""},
    {"timestamp", "2024-01-02 03:04:05 BC", "2024-01-02 03:04:05 BC", "", ""},
    {"timestamp", "infinity", "infinity", "", ""},
    {"timestamp", "-infinity", "-infinity", "", ""},
    {"timestamp", "epoch", "1970-01-01 00:00:00", "", ""},
    {"timestamp", "x", "", "22007", "invalid input syntax for type timestamp: \"x\""},
    {"timestamp", "2024-01-02 03:04:05.000", "2024-01-02 03:04:05", "", ""},
    {"timestamp", "2024-01-02 03:04:05.1234565", "2024-01-02 03:04:05.123456", "", ""},
    {"timestamp", "294277-01-01", "", "22008", "timestamp out of range: \"294277-01-01\""},
    {"timestamp", "294276-12-31 23:59:59", "294276-12-31 23:59:59", "", ""},
    {"timestamp", "1999-12-31 23:59:59.999999", "1999-12-31 23:59:59.999999", "", ""},
    {"timestamp", "1900-01-01 00:00:00", "1900-01-01 00:00:00", "", ""},
    {"timestamptz", "2024-01-02 03:04:05+05:30", "2024-01-01 21:34:05+00", "", ""},
    {"timestamptz", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05+00", "", ""},
    {"timestamptz", "2024-01-02 03:04:05-08", "2024-01-02 11:04:05+00", "", ""},
    {"timestamptz", "2024-01-02 03:04:05 +0530", "2024-01-01 21:34:05+00", "", ""},
    {"timestamptz", "2024-01-02 03:04:05", "2024-01-02 03:04:05+00", "", ""},
    {"timestamptz", "2024-01-02 03:04:05 UTC", "2024-01-02 03:04:05+00", "", ""},
    {"timestamptz", "2024-01-02 03:04:05 BC", "2024-01-02 03:04:05+00 BC", "", ""},
    {"timestamptz", "x", "", "22007", "invalid input syntax for type timestamp with time zone: \"x\""},
    {"interval", "1 year 2 mons 3 days 04:05:06", "1 year 2 mons 3 days 04:05:06", "", ""},
    {"interval", "-00:00:01", "-00:00:01", "", ""},
    {"interval", "00:00:00", "00:00:00", "", ""},
    {"interval", "0", "00:00:00", "", ""},
    {"interval", "1 day", "1 day", "", ""},
    {"interval", "2 hours", "02:00:00", "", ""},
    {"interval", "3 mins", "00:03:00", "", ""},
    {"interval", "-1 day +2 hours", "-1 days +02:00:00", "", ""},
    {"interval", "1 year -1 mons", "11 mons", "", ""},
    {"interval", "1.5 days", "1 day 12:00:00", "", ""},
    {"interval", "1.5 mons", "1 mon 15 days", "", ""},
    {"interval", "1.01 years", "1 year", "", ""},
    {"interval", "1.5 weeks", "10 days 12:00:00", "", ""},
    {"interval", "1 12:00:00", "1 day 12:00:00", "", ""},
    {"interval", "5", "00:00:05", "", ""},
    {"interval", "2 hours ago", "-02:00:00", "", ""},
    {"interval", "@ 1 day", "1 day", "", ""},
    {"interval", "10min", "00:10:00", "", ""},
    {"interval", "1 day -00:00:01.5", "1 day -00:00:01.5", "", ""},
    {"interval", "100 hours", "100:00:00", "", ""},
    {"interval", "-1 days -02:00:00", "-1 days -02:00:00", "", ""},
    {"interval", "1 day 99:60:00", "", "22015", "interval field value out of range: \"1 day 99:60:00\""},
    {"interval", "x", "", "22007", "invalid input syntax for type interval: \"x\""},
    {"interval", "1 fortnight", "", "22007", "invalid input syntax for type interval: \"1 fortnight\""},
    {"interval", "3 years 14 months", "4 years 2 mons", "", ""},
    {"interval", "1 millisecond", "00:00:00.001", "", ""},
    {"interval", "1500 ms", "00:00:01.5", "", ""},
    {"interval", "2 decades", "20 years", "", ""},
    {"interval", "1 century", "100 years", "", ""},
    {"interval", "0.5 hours", "00:30:00", "", ""},
    {"interval", "-1 year -2 mons -3 days -04:05:06.789", "-1 years -2 mons -3 days -04:05:06.789", "", ""},
    {"interval", "1 day 01:02", "1 day 01:02:00", "", ""},
    {"interval", "1 mon -1 day", "1 mon -1 days", "", ""},
    {"interval", "-1 mon 1 day", "-1 mons +1 day", "", ""},
};

struct OpCase {
    const char* op;
    const char* a;
    const char* b;
    const char* output;
    const char* sqlstate;
    const char* message;
};

// add/sub/mul/div/mod: a::numeric <op> b::numeric; round/trunc(a::numeric, b); ceil/floor(a::numeric);
// fromdouble: a::float8::numeric; toint: a::numeric::int8; addiv: a::timestamp + b::interval;
// datetrunc: date_trunc(a, b::timestamp); extract: extract(a from b::timestamp).
const OpCase kOpCases[] = {
    {"add", "1.5", "2.25", "3.75", "", ""},
    {"add", "-1.5", "1.5", "0.0", "", ""},
    {"add", "99999999.9999", "0.0001", "100000000.0000", "", ""},
    {"sub", "1", "0.001", "0.999", "", ""},
    {"sub", "0.1", "0.3", "-0.2", "", ""},
    {"mul", "1.5", "2.25", "3.375", "", ""},
    {"mul", "-0.001", "1000", "-1.000", "", ""},
    {"mul", "12345678901234567890", "98765432109876543210", "1219326311370217952237463801111263526900", "", ""},
    {"mul", "0.00", "5", "0.00", "", ""},
    {"div", "10", "3", "3.3333333333333333", "", ""},
    {"div", "1", "3", "0.33333333333333333333", "", ""},
    {"div", "2", "3", "0.66666666666666666667", "", ""},
    {"div", "1", "7", "0.14285714285714285714", "", ""},
    {"div", "100", "3", "33.3333333333333333", "", ""},
    {"div", "10.00", "4", "2.5000000000000000", "", ""},
    {"div", "1", "0", "", "22012", "division by zero"},
    {"div", "0", "5", "0.00000000000000000000", "", ""},
    {"div", "123456789", "0.001", "123456789000.00000000", "", ""},
    {"div", "0.000001", "3", "0.000000333333333333333333", "", ""},
    {"div", "12345678901234567890", "7", "1763668414462081127", "", ""},
    {"div", "-7", "2", "-3.5000000000000000", "", ""},
    {"div", "NaN", "0", "NaN", "", ""},
    {"div", "1", "NaN", "NaN", "", ""},
    {"div", "9999", "1", "9999.0000000000000000", "", ""},
    {"div", "1", "9999", "0.00010001000100010001", "", ""},
    {"div", "1.0000", "10000", "0.000100000000000000000000", "", ""},
    {"div", "22", "7.0000000000000000000000000", "3.1428571428571428571428571", "", ""},
    {"div", "5", "0.5", "10.0000000000000000", "", ""},
    {"mod", "10", "3", "1", "", ""},
    {"mod", "10.5", "3", "1.5", "", ""},
    {"mod", "-10", "3", "-1", "", ""},
    {"mod", "10", "-3", "1", "", ""},
    {"mod", "10", "0", "", "22012", "division by zero"},
    {"mod", "7.25", "0.5", "0.25", "", ""},
    {"round", "12.345", "2", "12.35", "", ""},
    {"round", "12.5", "0", "13", "", ""},
    {"round", "-12.5", "0", "-13", "", ""},
    {"round", "1234.5", "-2", "1200", "", ""},
    {"round", "1.5", "3", "1.500", "", ""},
    {"round", "0.5", "0", "1", "", ""},
    {"round", "-0.0049", "2", "0.00", "", ""},
    {"round", "9999.5", "0", "10000", "", ""},
    {"trunc", "12.345", "2", "12.34", "", ""},
    {"trunc", "-12.345", "1", "-12.3", "", ""},
    {"trunc", "1234.5", "-2", "1200", "", ""},
    {"trunc", "1.5", "3", "1.500", "", ""},
    {"ceil", "1.1", "", "2", "", ""},
    {"ceil", "-1.1", "", "-1", "", ""},
    {"ceil", "2.000", "", "2", "", ""},
    {"floor", "1.9", "", "1", "", ""},
    {"floor", "-1.1", "", "-2", "", ""},
    {"floor", "-2.0", "", "-2", "", ""},
    {"fromdouble", "0.1", "", "0.1", "", ""},
    {"fromdouble", "1e20", "", "100000000000000000000", "", ""},
    {"fromdouble", "3.141592653589793", "", "3.14159265358979", "", ""},
    {"fromdouble", "-1.5e-7", "", "-0.00000015", "", ""},
    {"fromdouble", "123456789012345678", "", "123456789012346000", "", ""},
    {"fromdouble", "1e-20", "", "0.00000000000000000001", "", ""},
    {"fromdouble", "nan", "", "NaN", "", ""},
    {"toint", "12.5", "", "13", "", ""},
    {"toint", "-12.5", "", "-13", "", ""},
    {"toint", "9223372036854775807", "", "9223372036854775807", "", ""},
    {"toint", "9223372036854775808", "", "", "22003", "bigint out of range"},
    {"toint", "-9223372036854775808", "", "-9223372036854775808", "", ""},
    {"toint", "-9223372036854775808.5", "", "", "22003", "bigint out of range"},
    {"toint", "1e30", "", "", "22003", "bigint out of range"},
    {"addiv", "2024-02-29", "1 year", "2025-02-28 00:00:00", "", ""},
    {"addiv", "2024-01-31", "1 mon", "2024-02-29 00:00:00", "", ""},
    {"addiv", "2024-03-31", "-1 mon", "2024-02-29 00:00:00", "", ""},
    {"addiv", "2024-01-02 03:04:05", "1 day 02:00:00", "2024-01-03 05:04:05", "", ""},
    {"addiv", "2023-12-31 23:00:00", "2 hours", "2024-01-01 01:00:00", "", ""},
    {"addiv", "2024-01-31 12:00:00", "1 mon 1 day", "2024-03-01 12:00:00", "", ""},
    {"addiv", "0001-01-01", "-1 day", "0001-12-31 00:00:00 BC", "", ""},
    {"addiv", "2000-01-01", "-1 year", "1999-01-01 00:00:00", "", ""},
    {"addiv", "294276-12-31", "1 year", "", "22008", "timestamp out of range"},
    {"datetrunc", "microseconds", "2024-05-17 13:14:15.123456", "2024-05-17 13:14:15.123456", "", ""},
    {"datetrunc", "milliseconds", "2024-05-17 13:14:15.123456", "2024-05-17 13:14:15.123", "", ""},
    {"datetrunc", "second", "2024-05-17 13:14:15.123456", "2024-05-17 13:14:15", "", ""},
    {"datetrunc", "minute", "2024-05-17 13:14:15.123456", "2024-05-17 13:14:00", "", ""},
    {"datetrunc", "hour", "2024-05-17 13:14:15.123456", "2024-05-17 13:00:00", "", ""},
    {"datetrunc", "day", "2024-05-17 13:14:15.123456", "2024-05-17 00:00:00", "", ""},
    {"datetrunc", "week", "2024-05-17 13:14:15.123456", "2024-05-13 00:00:00", "", ""},
    {"datetrunc", "week", "2024-01-01 10:00:00", "2024-01-01 00:00:00", "", ""},
    {"datetrunc", "month", "2024-05-17 13:14:15.123456", "2024-05-01 00:00:00", "", ""},
    {"datetrunc", "quarter", "2024-05-17 13:14:15.123456", "2024-04-01 00:00:00", "", ""},
    {"datetrunc", "year", "2024-05-17 13:14:15.123456", "2024-01-01 00:00:00", "", ""},
    {"datetrunc", "decade", "2024-05-17 13:14:15.123456", "2020-01-01 00:00:00", "", ""},
    {"datetrunc", "century", "2024-05-17 13:14:15.123456", "2001-01-01 00:00:00", "", ""},
    {"datetrunc", "century", "2000-05-17", "1901-01-01 00:00:00", "", ""},
    {"datetrunc", "millennium", "2024-05-17 13:14:15.123456", "2001-01-01 00:00:00", "", ""},
    {"datetrunc", "millennium", "2000-12-31", "1001-01-01 00:00:00", "", ""},
    {"datetrunc", "century", "0044-03-15 BC", "0100-01-01 00:00:00 BC", "", ""},
    {"datetrunc", "decade", "0044-03-15 BC", "0051-01-01 00:00:00 BC", "", ""},
    {"datetrunc", "millennium", "0044-03-15 BC", "1000-01-01 00:00:00 BC", "", ""},
    {"datetrunc", "YEARS", "2024-05-17", "2024-01-01 00:00:00", "", ""},
    {"datetrunc", "foo", "2024-05-17", "", "22023", "unit \"foo\" not recognized for type timestamp without time zone"},
    {"datetrunc", "dow", "2024-05-17", "", "22023", "unit \"dow\" not recognized for type timestamp without time zone"},
    {"datetrunc", "day", "1999-12-31 23:59:59.9", "1999-12-31 00:00:00", "", ""},
    {"extract", "year", "2024-01-02 03:04:05.5", "2024", "", ""},
    {"extract", "month", "2024-01-02 03:04:05.5", "1", "", ""},
    {"extract", "day", "2024-01-02 03:04:05.5", "2", "", ""},
    {"extract", "hour", "2024-01-02 03:04:05.5", "3", "", ""},
    {"extract", "minute", "2024-01-02 03:04:05.5", "4", "", ""},
    {"extract", "second", "2024-01-02 03:04:05.5", "5.500000", "", ""},
    {"extract", "milliseconds", "2024-01-02 03:04:05.5", "5500.000", "", ""},
    {"extract", "microseconds", "2024-01-02 03:04:05.5", "5500000", "", ""},
    {"extract", "epoch", "2024-01-02 03:04:05.5", "1704164645.500000", "", ""},
    {"extract", "epoch", "1960-01-02 03:04:05.5", "-315521754.500000", "", ""},
    {"extract", "epoch", "1999-12-31 23:59:59.999999", "946684799.999999", "", ""},
    {"extract", "dow", "2024-01-07", "0", "", ""},
    {"extract", "isodow", "2024-01-07", "7", "", ""},
    {"extract", "doy", "2024-12-31", "366", "", ""},
    {"extract", "week", "2024-01-01", "1", "", ""},
    {"extract", "week", "2021-01-03", "53", "", ""},
    {"extract", "isoyear", "2021-01-03", "2020", "", ""},
    {"extract", "week", "2020-12-31", "53", "", ""},
    {"extract", "week", "2026-12-31", "53", "", ""},
    {"extract", "quarter", "2024-05-17", "2", "", ""},
    {"extract", "decade", "2024-05-17", "202", "", ""},
    {"extract", "century", "2000-05-17", "20", "", ""},
    {"extract", "century", "2001-05-17", "21", "", ""},
    {"extract", "millennium", "2024-05-17", "3", "", ""},
    {"extract", "year", "0044-03-15 BC", "-44", "", ""},
    {"extract", "century", "0044-03-15 BC", "-1", "", ""},
    {"extract", "decade", "0044-03-15 BC", "-5", "", ""},
    {"extract", "millennium", "0044-03-15 BC", "-1", "", ""},
    {"extract", "isoyear", "0001-01-01 BC", "-2", "", ""},
    {"extract", "julian", "2024-01-02 03:04:05.5", "2460312.12784143518518518519", "", ""},
    {"extract", "julian", "2024-01-02", "2460312.0000000000000000000000000000", "", ""},
    {"extract", "foo", "2024-01-02", "", "22023", "unit \"foo\" not recognized for type timestamp without time zone"},
    {"extract", "timezone", "2024-01-02", "", "0A000", "unit \"timezone\" not supported for type timestamp without time zone"},
    {"extract", "second", "2024-01-02 03:04:00", "0.000000", "", ""},
    {"extract", "milliseconds", "2024-01-02 03:04:00", "0.000", "", ""},
};

std::string outcome(const nectar::Result<std::string>& r) {
    return r.ok() ? r.value() : "ERROR " + r.error().sqlstate + " " + r.error().message;
}

std::string run_op(const OpCase& c) {
    std::string op = c.op;
    auto num = [](const char* s) { return Decimal::parse(s).value(); };
    auto dec_text = [](const Decimal& d) { return d.to_string(); };
    auto dec = [&](const nectar::Result<Decimal>& r) -> nectar::Result<std::string> {
        if (!r.ok())
            return r.error();
        return dec_text(r.value());
    };
    if (op == "add")
        return num(c.a).add(num(c.b)).to_string();
    if (op == "sub")
        return num(c.a).sub(num(c.b)).to_string();
    if (op == "mul")
        return num(c.a).mul(num(c.b)).to_string();
    if (op == "div")
        return outcome(dec(num(c.a).div(num(c.b))));
    if (op == "mod")
        return outcome(dec(num(c.a).mod(num(c.b))));
    if (op == "round")
        return num(c.a).round(std::stoi(c.b)).to_string();
    if (op == "trunc")
        return num(c.a).trunc(std::stoi(c.b)).to_string();
    if (op == "ceil")
        return num(c.a).ceil().to_string();
    if (op == "floor")
        return num(c.a).floor().to_string();
    if (op == "fromdouble")
        return outcome(dec(Decimal::from_double(std::stod(c.a))));
    if (op == "toint") {
        auto r = num(c.a).to_int64();
        return r.ok() ? std::to_string(r.value()) : "ERROR " + r.error().sqlstate + " " + r.error().message;
    }
    auto timestamp = [](const char* s) { return parse_timestamp(s, false).value(); };
    auto ts_text = [](const nectar::Result<int64_t>& r) -> nectar::Result<std::string> {
        if (!r.ok())
            return r.error();
        return format_timestamp(r.value(), false);
    };
    if (op == "addiv")
        return outcome(ts_text(add_interval(timestamp(c.a), parse_interval(c.b).value())));
    if (op == "datetrunc")
        return outcome(ts_text(truncate_timestamp(c.a, timestamp(c.b))));
    if (op == "extract")
        return outcome(extract_field(c.a, timestamp(c.b)));
    return "unknown op " + op;
}

Value parsed(Type type, const char* text) { return from_pg_text(type, text).value(); }

} // namespace

TEST_CASE("from_pg_text and to_pg_text print what PostgreSQL 15 prints, and fail as it fails") {
    for (const auto& c : kTextCases) {
        CAPTURE(c.type);
        CAPTURE(c.input);
        auto type = type_from_name(c.type);
        REQUIRE(type.has_value());
        auto v = from_pg_text(*type, c.input);
        if (*c.sqlstate == '\0') {
            REQUIRE(v.ok());
            CHECK(v->type() == *type);
            CHECK(to_pg_text(*v) == c.output);
        } else {
            REQUIRE_FALSE(v.ok());
            CHECK(v.error().sqlstate == c.sqlstate);
            CHECK(v.error().message == c.message);
        }
    }
}

TEST_CASE("numeric arithmetic, casts and date/time functions match PostgreSQL 15") {
    for (const auto& c : kOpCases) {
        CAPTURE(c.op);
        CAPTURE(c.a);
        CAPTURE(c.b);
        std::string expected = *c.sqlstate ? "ERROR " + std::string(c.sqlstate) + " " + c.message : c.output;
        CHECK(run_op(c) == expected);
    }
}

TEST_CASE("floats computed in the engine print as PostgreSQL prints them") {
    // select 0.1::float8+0.2::float8, 1/3::float8, 1e300::float8*10, 0.1::float4+0.2::float4, 2::float8^0.5
    CHECK(to_pg_text(Value::float8(0.1 + 0.2)) == "0.30000000000000004");
    CHECK(to_pg_text(Value::float8(1.0 / 3)) == "0.3333333333333333");
    CHECK(to_pg_text(Value::float8(1e300 * 10)) == "1e+301");
    CHECK(to_pg_text(Value::floating(Type::Float4, double(0.1f + 0.2f))) == "0.3");
    CHECK(to_pg_text(Value::float8(std::sqrt(2.0))) == "1.4142135623730951");
    CHECK(to_pg_text(Value::float8(-0.0)) == "-0");
    CHECK(to_pg_text(Value::float8(std::numeric_limits<double>::quiet_NaN())) == "NaN");
    CHECK(to_pg_text(Value::float8(-std::numeric_limits<double>::infinity())) == "-Infinity");
    CHECK(to_pg_text(Value::boolean(true)) == "t");
    CHECK(to_pg_text(Value::boolean(false)) == "f");
    CHECK(to_pg_text(Value::string(Type::Bytea, std::string("\x0a\xff", 2))) == "\\x0aff");
}

TEST_CASE("interval output follows IntervalStyle postgres") {
    // select interval '1 year 2 mons 3 days 04:05:06', interval '-00:00:01', interval '0', ...
    CHECK(to_pg_text(Value::interval({4 * 3600 * kMicrosPerSecond + 5 * 60 * kMicrosPerSecond + 6 * kMicrosPerSecond,
                                      3, 14})) == "1 year 2 mons 3 days 04:05:06");
    CHECK(to_pg_text(Value::interval({-kMicrosPerSecond, 0, 0})) == "-00:00:01");
    CHECK(to_pg_text(Value::interval({0, 0, 0})) == "00:00:00");
    CHECK(to_pg_text(Value::interval({2 * 3600 * kMicrosPerSecond, -1, 0})) == "-1 days +02:00:00");
    CHECK(to_pg_text(Value::interval({0, 1, 1})) == "1 mon 1 day");
    CHECK(to_pg_text(Value::interval({0, -1, 1})) == "1 mon -1 days");
}

TEST_CASE("type OIDs, names and lengths are pg_type's") {
    // select format_type(oid, null), typlen from pg_type
    CHECK(type_oid(Type::Int4) == 23);
    CHECK(type_oid(Type::Int8) == 20);
    CHECK(type_oid(Type::Numeric) == 1700);
    CHECK(type_oid(Type::TimestampTz) == 1184);
    CHECK(type_oid(Type::Jsonb) == 3802);
    CHECK(type_oid(Type::Unknown) == 705);
    CHECK(type_from_oid(1043) == Type::Varchar);
    CHECK(type_from_oid(1114) == Type::Timestamp);
    CHECK(type_from_oid(2950) == Type::Uuid);
    CHECK(type_from_oid(600) == Type::Text); // point: not modelled
    for (Type t : {Type::Bool, Type::Int2, Type::Int4, Type::Int8, Type::Float4, Type::Float8, Type::Numeric,
                   Type::Text, Type::Bytea, Type::Date, Type::Time, Type::Timestamp, Type::TimestampTz,
                   Type::Interval, Type::Uuid, Type::Json, Type::Jsonb, Type::Unknown})
        CHECK(type_from_oid(type_oid(t)) == t);
    CHECK(type_name(Type::Int4) == "integer");
    CHECK(type_name(Type::Float8) == "double precision");
    CHECK(type_name(Type::Time) == "time without time zone");
    CHECK(type_name(Type::TimestampTz) == "timestamp with time zone");
    CHECK(type_name(Type::Bool) == "boolean");
    CHECK(type_length(Type::Int4) == 4);
    CHECK(type_length(Type::Interval) == 16);
    CHECK(type_length(Type::Uuid) == 16);
    CHECK(type_length(Type::Text) == -1);
    CHECK(type_length(Type::Unknown) == -2);
}

TEST_CASE("type names and aliases") {
    CHECK(type_from_name("int") == Type::Int4);
    CHECK(type_from_name("INTEGER") == Type::Int4);
    CHECK(type_from_name("smallint") == Type::Int2);
    CHECK(type_from_name("bigint") == Type::Int8);
    CHECK(type_from_name("real") == Type::Float4);
    CHECK(type_from_name("double  precision") == Type::Float8);
    CHECK(type_from_name("float") == Type::Float8);
    CHECK(type_from_name("float(24)") == Type::Float4);
    CHECK(type_from_name("float(25)") == Type::Float8);
    CHECK(type_from_name("decimal(10,2)") == Type::Numeric);
    CHECK(type_from_name("character varying(20)") == Type::Varchar);
    CHECK(type_from_name("varchar") == Type::Varchar);
    CHECK(type_from_name("char(3)") == Type::Text);
    CHECK(type_from_name("bpchar") == Type::Text);
    CHECK(type_from_name("name") == Type::Text);
    CHECK(type_from_name("pg_catalog.int4") == Type::Int4);
    CHECK(type_from_name("boolean") == Type::Bool);
    CHECK(type_from_name("timestamp without time zone") == Type::Timestamp);
    CHECK(type_from_name("timestamp(3) with time zone") == Type::TimestampTz);
    CHECK(type_from_name("timestamptz") == Type::TimestampTz);
    CHECK(type_from_name("time") == Type::Time);
    CHECK(type_from_name("interval") == Type::Interval);
    CHECK(type_from_name("uuid") == Type::Uuid);
    CHECK(type_from_name("json") == Type::Json);
    CHECK(type_from_name("jsonb") == Type::Jsonb);
    CHECK(type_from_name("bytea") == Type::Bytea);
    CHECK_FALSE(type_from_name("point").has_value());
}

TEST_CASE("calendar arithmetic") {
    CHECK(days_from_civil(2000, 1, 1) == 0);
    CHECK(days_from_civil(1970, 1, 1) == -10957);
    CHECK(days_from_civil(2024, 1, 2) == 8767); // select '2024-01-02'::date - '2000-01-01'
    CHECK(days_from_civil(-4713, 11, 24) == -2451545); // julian day 0
    for (int64_t d : {-2451545, -1, 0, 59, 60, 8767, 1000000}) {
        CivilDate c = civil_from_days(d);
        CHECK(days_from_civil(c.year, c.month, c.day) == d);
    }
    CivilDate leap = civil_from_days(days_from_civil(2024, 2, 29));
    CHECK((leap.year == 2024 && leap.month == 2 && leap.day == 29));
    CHECK(days_in_month(2024, 2) == 29);
    CHECK(days_in_month(2023, 2) == 28);
    CHECK(days_in_month(1900, 2) == 28);
    CHECK(days_in_month(2000, 2) == 29);
    CHECK(days_in_month(2024, 4) == 30);
    // select '2024-02-29'::date + interval '1 year'
    auto ts = add_interval(days_from_civil(2024, 2, 29) * kMicrosPerDay, Interval{0, 0, 12});
    REQUIRE(ts.ok());
    CHECK(format_timestamp(*ts, false) == "2025-02-28 00:00:00");
    CHECK(add_interval(kTimestampInfinity, Interval{0, 1, 0}).value() == kTimestampInfinity);
}

TEST_CASE("Decimal basics") {
    CHECK(Decimal().to_string() == "0");
    CHECK(Decimal::from_int(-9223372036854775807LL - 1).to_string() == "-9223372036854775808");
    CHECK(Decimal::parse("12.50")->scale() == 2);
    CHECK(Decimal::parse("-3")->sign() == -1);
    CHECK(Decimal::parse("0.00")->sign() == 0);
    CHECK(Decimal::nan().sign() == 0);
    CHECK(Decimal::parse("-1.25")->abs().to_string() == "1.25");
    CHECK(Decimal::parse("1.25")->negate().to_string() == "-1.25");
    CHECK(Decimal::parse("0.5")->to_double() == 0.5);
    CHECK(std::isnan(Decimal::nan().to_double()));
    // select 10::numeric / 3
    CHECK(Decimal::from_int(10).div(Decimal::from_int(3))->to_string() == "3.3333333333333333");
    CHECK(Decimal::from_int(2).div_with_scale(Decimal::from_int(3), 4)->to_string() == "0.6667");
    CHECK(Decimal::from_int(1).div_with_scale(Decimal::from_int(0), 4).error().sqlstate == "22012");
    CHECK(Decimal::from_double(std::numeric_limits<double>::infinity()).error().sqlstate == "22003");
    // NaN sorts above everything and equals itself; 1.0 = 1.00.
    CHECK(Decimal::nan().compare(*Decimal::parse("1e100")) > 0);
    CHECK(Decimal::nan().compare(Decimal::nan()) == 0);
    CHECK(Decimal::parse("1.0")->compare(*Decimal::parse("1.00")) == 0);
    CHECK(Decimal::parse("-2")->compare(*Decimal::parse("-1.5")) < 0);
    CHECK(Decimal::parse("0.0001")->compare(*Decimal::parse("0.00009")) > 0);
    CHECK(Decimal::parse("10000")->compare(*Decimal::parse("9999.9999")) > 0);
}

TEST_CASE("compare_values orders like PostgreSQL across the numeric family and time") {
    CHECK(compare_values(Value::int4(1), Value::int8(2)) < 0);
    CHECK(compare_values(Value::int4(1), Value::numeric("1.0")) == 0); // select 1::int4 = 1.0::numeric
    CHECK(compare_values(Value::numeric("1.5"), Value::float8(1.5)) == 0);
    CHECK(compare_values(Value::numeric("NaN"), Value::numeric("1e100")) > 0);
    CHECK(compare_values(Value::float8(NAN), Value::float8(NAN)) == 0); // 'NaN'::float8 = 'NaN'::float8
    CHECK(compare_values(Value::float8(NAN), Value::float8(1e308)) > 0);
    CHECK(compare_values(Value::float8(-0.0), Value::int4(0)) == 0);
    CHECK(compare_values(Value::text("abc"), Value::text("abd")) < 0);
    CHECK(compare_values(Value::text("ab"), Value::text("abc")) < 0);
    CHECK(compare_values(Value::text("B"), Value::text("a")) < 0); // C collation: bytes
    CHECK(compare_values(Value::text("x"), Value::string(Type::Unknown, "x")) == 0);
    CHECK(compare_values(Value::boolean(false), Value::boolean(true)) < 0);
    // select '2024-01-02'::date = '2024-01-02 00:00'::timestamp
    CHECK(compare_values(parsed(Type::Date, "2024-01-02"), parsed(Type::Timestamp, "2024-01-02 00:00")) == 0);
    CHECK(compare_values(parsed(Type::Date, "infinity"), parsed(Type::Timestamp, "294276-01-01")) > 0);
    // select '1 mon'::interval = '30 days'::interval
    CHECK(compare_values(parsed(Type::Interval, "1 mon"), parsed(Type::Interval, "30 days")) == 0);
    CHECK(compare_values(parsed(Type::Interval, "1 day"), parsed(Type::Interval, "23 hours")) > 0);
    CHECK(compare_values(parsed(Type::Time, "10:00"), parsed(Type::Time, "09:59:59.999999")) > 0);
}

TEST_CASE("grouping equality and hashes agree across types") {
    CHECK(values_equal_for_grouping(Value::null(Type::Int4), Value::null(Type::Text)));
    CHECK_FALSE(values_equal_for_grouping(Value::null(Type::Int4), Value::int4(0)));
    CHECK(values_equal_for_grouping(Value::int4(1), Value::int8(1)));
    CHECK_FALSE(values_equal_for_grouping(Value::int4(1), Value::int8(2)));
    const Value ones[] = {Value::integer(Type::Int2, 1), Value::int4(1), Value::int8(1), Value::numeric("1"),
                          Value::numeric("1.000"), Value::float8(1.0), Value::floating(Type::Float4, 1.0)};
    for (const auto& a : ones) {
        for (const auto& b : ones) {
            CHECK(values_equal_for_grouping(a, b));
            CHECK(hash_value(a) == hash_value(b));
        }
    }
    CHECK(hash_value(Value::numeric("0.5")) == hash_value(Value::float8(0.5)));
    CHECK(hash_value(Value::numeric("0.50")) == hash_value(Value::numeric("0.5")));
    CHECK(hash_value(Value::float8(-0.0)) == hash_value(Value::int4(0)));
    CHECK(hash_value(Value::float8(NAN)) == hash_value(Value::numeric("NaN")));
    CHECK(hash_value(Value::int8(int64_t(1) << 60)) == hash_value(Value::numeric("1152921504606846976")));
    CHECK(hash_value(Value::int4(1)) != hash_value(Value::int4(2)));
    CHECK(hash_value(Value::text("a")) == hash_value(Value::string(Type::Unknown, "a")));
    CHECK(hash_value(parsed(Type::Interval, "1 mon")) == hash_value(parsed(Type::Interval, "30 days")));
    CHECK(hash_value(parsed(Type::Date, "2024-01-02")) == hash_value(parsed(Type::Timestamp, "2024-01-02")));
    CHECK(hash_value(Value::null(Type::Int4)) == hash_value(Value::null(Type::Text)));
}

TEST_CASE("date/time special values and text forms") {
    CHECK(format_date(kDateInfinity) == "infinity");
    CHECK(format_timestamp(kTimestampMinusInfinity, true) == "-infinity");
    CHECK(to_pg_text(parsed(Type::TimestampTz, "2024-01-02 03:04:05 BC")) == "2024-01-02 03:04:05+00 BC");
    CHECK(to_pg_text(parsed(Type::Time, "24:00:00")) == "24:00:00");
    CHECK(parse_time("12:00").value() == 12 * 3600 * kMicrosPerSecond);
    CHECK(canonical_time_unit("Hours") == "hour");
    CHECK(canonical_time_unit("mons") == "month");
    CHECK(extract_field("year", kTimestampInfinity).value() == "Infinity");
    CHECK(truncate_timestamp("day", kTimestampMinusInfinity).value() == kTimestampMinusInfinity);
    // 'now' and 'today' are the current time: only their relation is checked.
    auto today = parse_timestamp("today", true).value(), now = parse_timestamp("now", true).value();
    CHECK(today <= now);
    CHECK(now - today < kMicrosPerDay);
    CHECK(parse_date("tomorrow").value() == today / kMicrosPerDay + 1);
}
