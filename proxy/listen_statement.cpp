#include "proxy/listen_statement.hpp"

#include <cctype>

namespace nectar::proxy {

namespace {

/// PostgreSQL's identifier limit (NAMEDATALEN - 1): a longer channel name is truncated by it.
constexpr size_t kMaxChannelBytes = 63;

void skip_spaces(std::string_view sql, size_t& i) {
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) {
        i++;
    }
}

bool take_keyword(std::string_view sql, size_t& i, std::string_view keyword) {
    if (sql.size() - i < keyword.size()) {
        return false;
    }
    for (size_t k = 0; k < keyword.size(); k++) {
        if (std::tolower(static_cast<unsigned char>(sql[i + k])) != keyword[k]) {
            return false;
        }
    }
    i += keyword.size();
    return true;
}

/// `"..."` with `""` for a quote; false when not a complete quoted identifier.
bool take_quoted(std::string_view sql, size_t& i, std::string& value) {
    if (i >= sql.size() || sql[i] != '"') {
        return false;
    }
    for (i++; i < sql.size(); i++) {
        if (sql[i] != '"') {
            value += sql[i];
        } else if (i + 1 < sql.size() && sql[i + 1] == '"') {
            value += '"';
            i++;
        } else {
            i++;
            return !value.empty();
        }
    }
    return false;
}

} // namespace

std::optional<ListenStatement> parse_listen_statement(std::string_view sql) {
    ListenStatement statement;
    size_t i = 0;
    skip_spaces(sql, i);
    if (take_keyword(sql, i, "unlisten")) {
        statement.unlisten = true;
    } else if (!take_keyword(sql, i, "listen")) {
        return std::nullopt;
    }
    skip_spaces(sql, i); // none needed before '"' or '*': they end the keyword, as in PostgreSQL
    if (statement.unlisten && i < sql.size() && sql[i] == '*') {
        statement.all = true;
        i++;
    } else if (!take_quoted(sql, i, statement.channel) || statement.channel.size() > kMaxChannelBytes) {
        return std::nullopt;
    }
    skip_spaces(sql, i);
    if (i < sql.size() && sql[i] == ';') {
        i++;
        skip_spaces(sql, i);
    }
    if (i != sql.size()) {
        return std::nullopt;
    }
    return statement;
}

} // namespace nectar::proxy
