// MysqlConnector::call_routine: stored functions and procedures of a MariaDB/MySQL service.
#include "federation/connectors/mysql/mysql_connector.hpp"
#include "federation/connectors/mysql/mysql_values.hpp"

namespace nectar::federation {

namespace {

/// The engine type a result column is read as, from the server's description of it.
Type field_type(const MYSQL_FIELD& field) {
    bool is_unsigned = (field.flags & UNSIGNED_FLAG) != 0;
    switch (field.type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_YEAR:
        return Type::Int4;
    case MYSQL_TYPE_LONG:
        return is_unsigned ? Type::Int8 : Type::Int4;
    case MYSQL_TYPE_LONGLONG:
        return is_unsigned ? Type::Numeric : Type::Int8; // past int8's range when unsigned
    case MYSQL_TYPE_FLOAT:
        return Type::Float4;
    case MYSQL_TYPE_DOUBLE:
        return Type::Float8;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
        return Type::Numeric;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
        return Type::Date;
    case MYSQL_TYPE_TIME:
        return Type::Time;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP:
        return Type::Timestamp;
    case MYSQL_TYPE_JSON:
        return Type::Json;
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_STRING:
        return field.charsetnr == 63 ? Type::Bytea : Type::Text; // 63: the binary "charset"
    default:
        return Type::Text;
    }
}

/// The current result of `conn` read whole: columns, and rows typed by field_type().
boost::asio::awaitable<Result<RoutineResultSet>> read_result_set(MysqlConnection& conn) {
    MYSQL_RES* result = mysql_use_result(conn.handle());
    if (result == nullptr) {
        conn.broken = true;
        co_return mysql_error_of(conn.handle());
    }
    RoutineResultSet set;
    MYSQL_FIELD* fields = mysql_fetch_fields(result);
    unsigned int count = mysql_num_fields(result);
    for (unsigned int i = 0; i < count; ++i) {
        set.columns.emplace_back(fields[i].name, fields[i].name_length);
        set.types.push_back(field_type(fields[i]));
    }
    std::optional<Error> failed;
    for (;;) {
        MYSQL_ROW row = co_await conn.fetch_row(result);
        if (row == nullptr) {
            break;
        }
        unsigned long* lengths = mysql_fetch_lengths(result);
        Row out;
        for (unsigned int i = 0; i < count && !failed; ++i) {
            auto value = row[i] == nullptr ? Result<Value>(Value::null(set.types[i]))
                                           : mysql_value(std::string_view(row[i], lengths[i]), fields[i], set.types[i]);
            if (!value) {
                failed = value.error(); // keep reading: the result must be consumed
            } else {
                out.push_back(std::move(*value));
            }
        }
        set.rows.push_back(std::move(out));
    }
    if (mysql_errno(conn.handle()) != 0) {
        failed = mysql_error_of(conn.handle());
        conn.broken = true;
    }
    co_await conn.free_result(result);
    if (failed) {
        co_return *failed;
    }
    co_return set;
}

/// Every result set the statement just sent produces, up to its final status result.
boost::asio::awaitable<Result<std::vector<RoutineResultSet>>> read_result_sets(MysqlConnection& conn) {
    std::vector<RoutineResultSet> sets;
    for (;;) {
        if (mysql_field_count(conn.handle()) > 0) {
            auto set = co_await read_result_set(conn);
            if (!set) {
                co_return set.error();
            }
            sets.push_back(std::move(*set));
        }
        auto more = co_await conn.next_result();
        if (!more) {
            co_return more.error();
        }
        if (!*more) {
            co_return sets;
        }
    }
}

/// The call's SQL: a literal per IN argument, a session variable per OUT/INOUT one (set first for
/// INOUT in `setup`); `outs` gets the variables to read back afterwards.
Result<std::string> call_sql(const Dialect& d, const RoutineInfo& routine, const std::vector<Value>& values,
                             std::string& setup, std::vector<std::string>& outs, std::vector<std::string>& out_names) {
    std::string args;
    size_t next = 0;
    for (size_t i = 0; i < routine.arguments.size(); i++) {
        const RoutineArgument& argument = routine.arguments[i];
        args += args.empty() ? "" : ", ";
        std::string literal;
        if (argument.mode != "OUT") {
            const Value& value = next < values.size() ? values[next] : Value();
            next++;
            if (!value.is_null() && !d.supports_literal(value)) {
                return Error::make("22023", "argument \"" + argument.name + "\" of \"" + routine.name +
                                                "\" has a value MySQL/MariaDB cannot hold");
            }
            literal = value.is_null() ? "NULL" : d.literal(value);
        }
        if (argument.mode == "IN" || argument.mode.empty()) {
            args += literal;
            continue;
        }
        // Generated names: nothing the caller sent reaches them.
        std::string variable = "@nectar_arg_" + std::to_string(i);
        if (argument.mode == "INOUT") {
            setup += (setup.empty() ? "SET " : ", ") + variable + " = " + literal;
        }
        args += variable;
        outs.push_back(variable);
        out_names.push_back(argument.name);
    }
    std::string callee = d.quote_identifier(routine.schema) + "." + d.quote_identifier(routine.name);
    return routine.procedure ? "CALL " + callee + "(" + args + ")"
                             : "SELECT " + callee + "(" + args + ") AS " + d.quote_identifier(routine.name);
}

/// Runs the call on `conn` and reads its result sets, then its OUT/INOUT values.
boost::asio::awaitable<Result<RoutineResult>> run_call(MysqlConnection& conn, const std::string& setup,
                                                       const std::string& sql, const std::vector<std::string>& outs) {
    if (!setup.empty()) {
        auto set = co_await conn.real_query(setup);
        if (!set) {
            co_return set.error();
        }
    }
    auto sent = co_await conn.real_query(sql);
    if (!sent) {
        co_return sent.error();
    }
    RoutineResult result;
    auto sets = co_await read_result_sets(conn);
    if (!sets) {
        co_return sets.error();
    }
    result.sets = std::move(*sets);
    if (outs.empty()) {
        co_return result;
    }
    std::string select = "SELECT ";
    for (size_t i = 0; i < outs.size(); i++) {
        select += (i ? ", " : "") + outs[i];
    }
    auto read = co_await conn.real_query(select);
    if (!read) {
        co_return read.error();
    }
    auto values = co_await read_result_sets(conn);
    if (!values) {
        co_return values.error();
    }
    if (!values->empty() && !values->front().rows.empty()) {
        result.out_values = std::move(values->front().rows.front());
    }
    co_return result;
}

} // namespace

boost::asio::awaitable<Result<RoutineResult>> MysqlConnector::call_routine(const RoutineInfo& routine,
                                                                           std::vector<Value> arguments) {
    std::string setup;
    std::vector<std::string> outs, out_names;
    auto sql = call_sql(dialect(), routine, arguments, setup, outs, out_names);
    if (!sql) {
        co_return sql.error();
    }
    auto acquired = co_await pool_.acquire();
    if (!acquired) {
        co_return acquired.error();
    }
    std::unique_ptr<MysqlConnection> conn = std::move(acquired.value());
    auto result = co_await run_call(*conn, setup, *sql, outs);
    // A routine may leave session state behind (variables, an open transaction): the
    // connection is only reused when the call ended cleanly.
    bool clean = result && !conn->broken && (conn->handle()->server_status & SERVER_STATUS_IN_TRANS) == 0;
    clean ? pool_.release(std::move(conn)) : pool_.discard(std::move(conn));
    if (!result) {
        co_return result.error();
    }
    result->out_names = std::move(out_names);
    co_return result;
}

} // namespace nectar::federation
