#pragma once
// Finding, in a client's SQL, the statements that change session state (SET, RESET, PREPARE,
// DEALLOCATE, DISCARD, LISTEN, UNLISTEN), so transaction pooling can carry that state from one
// server connection to the next. A light lexer, not a parser: it only needs statement
// boundaries and each statement's first words.

#include <string>
#include <string_view>
#include <vector>

namespace nectar::proxy {

struct StateStatement {
    enum class Kind { set, reset, reset_all, prepare, deallocate, deallocate_all, discard_all, listen, unlisten_all };
    Kind kind;
    std::string key;  ///< setting key (lower-case, aliases resolved) or prepared statement name
    std::string text; ///< the statement itself, to replay on another connection
};

/// The state-changing statements of `sql` in order; empty for ordinary statements (the common
/// case, decided after one pass over the text).
std::vector<StateStatement> find_state_statements(std::string_view sql);

/// `name` as a double-quoted SQL identifier ("myapp.user" works where myapp.user does not).
std::string quote_identifier(const std::string& name);

/// The statement that undoes a `set` for `key`, back to the connection's startup value.
std::string reset_statement_for(const std::string& key);

/// `SET name = 'value'` with the value quoted as a string literal.
std::string set_statement(const std::string& name, const std::string& value);

/// Splits a startup packet's `options` (-c name=value / --name=value, backslash escapes).
std::vector<std::pair<std::string, std::string>> parse_startup_options(std::string_view options);

} // namespace nectar::proxy
