#include "proxy/auto_prepare.hpp"

#include "federation/types/type.hpp"

#include <array>

namespace nectar::proxy {

namespace {

using federation::Type;
using federation::type_oid;

// The types PostgreSQL gives number literals, from the one pg_type table (federation/types).
const uint32_t kInt4 = type_oid(Type::Int4);
const uint32_t kInt8 = type_oid(Type::Int8);
const uint32_t kNumeric = type_oid(Type::Numeric);
constexpr uint32_t kUnspecified = 0; ///< a Parse parameter type left for PostgreSQL to infer

struct Token {
    enum class Kind { word, quoted_word, number, integer, decimal, op, punct, string };
    Kind kind;
    size_t begin;
    size_t end;
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_word_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_word_char(char c) {
    return is_word_start(c) || is_digit(c);
}

/// The number starting at `start`, as PostgreSQL's lexer reads it: digits, a fraction, an
/// exponent. An integer (42) or a decimal (1.5, .5, 1e3, 2.5E-3); anything glued to it that
/// PostgreSQL reads otherwise (12abc is "12 AS abc", 1e is "1 AS e", 1..2, 1.2.3) is a number
/// left as it is.
Token number_token(std::string_view sql, size_t start) {
    size_t i = start;
    auto digits = [&sql, &i]() {
        size_t from = i;
        while (i < sql.size() && is_digit(sql[i])) {
            ++i;
        }
        return i > from;
    };
    digits();
    bool decimal = false;
    if (i < sql.size() && sql[i] == '.' && !(i + 1 < sql.size() && sql[i + 1] == '.')) {
        ++i;
        digits();
        decimal = true;
    }
    if (i < sql.size() && (sql[i] == 'e' || sql[i] == 'E')) {
        size_t mark = i++;
        if (i < sql.size() && (sql[i] == '+' || sql[i] == '-')) {
            ++i;
        }
        if (!digits()) {
            i = mark;
            while (i < sql.size() && is_word_char(sql[i])) {
                ++i;
            }
            return {Token::Kind::number, start, i};
        }
        decimal = true;
    }
    if (i < sql.size() && (sql[i] == '.' || is_word_char(sql[i]))) {
        while (i < sql.size() && (sql[i] == '.' || is_word_char(sql[i]))) {
            ++i;
        }
        return {Token::Kind::number, start, i};
    }
    return {decimal ? Token::Kind::decimal : Token::Kind::integer, start, i};
}

bool is_op_char(char c) {
    return std::string_view("+-*/<>=~!@#%^&|`?").find(c) != std::string_view::npos;
}

bool equals_ignoring_case(std::string_view word, std::string_view lower) {
    if (word.size() != lower.size()) {
        return false;
    }
    for (size_t i = 0; i < word.size(); ++i) {
        char c = word[i];
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        if (c != lower[i]) {
            return false;
        }
    }
    return true;
}

/// PostgreSQL's tokens, as far as needed here; nothing when the text holds anything whose
/// lexing is subtle (comments, `$`, backslashes) or more than one statement.
std::optional<std::vector<Token>> tokenize(std::string_view sql) {
    std::vector<Token> tokens;
    size_t i = 0;
    while (i < sql.size()) {
        char c = sql[i];
        size_t start = i;
        if (is_space(c)) {
            ++i;
            continue;
        }
        if (c == '$' || c == '\\') {
            return std::nullopt; // dollar quoting or parameters; backslash escapes
        }
        if ((c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') ||
            (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*')) {
            return std::nullopt; // comments
        }
        if (c == '\'' || c == '"') {
            // A string or quoted identifier; a doubled quote stands for itself.
            for (++i;; ++i) {
                if (i >= sql.size() || sql[i] == '\\') {
                    return std::nullopt; // unterminated (PostgreSQL says so), or E'' escapes
                }
                if (sql[i] == c) {
                    if (i + 1 < sql.size() && sql[i + 1] == c) {
                        ++i;
                        continue;
                    }
                    break;
                }
            }
            ++i;
            tokens.push_back({c == '\'' ? Token::Kind::string : Token::Kind::quoted_word, start, i});
            continue;
        }
        if (is_digit(c) || (c == '.' && i + 1 < sql.size() && is_digit(sql[i + 1]))) {
            tokens.push_back(number_token(sql, i));
            i = tokens.back().end;
            continue;
        }
        if (is_word_start(c)) {
            while (i < sql.size() && is_word_char(sql[i])) {
                ++i;
            }
            tokens.push_back({Token::Kind::word, start, i});
            continue;
        }
        if (is_op_char(c)) {
            while (i < sql.size() && is_op_char(sql[i])) {
                ++i;
            }
            tokens.push_back({Token::Kind::op, start, i});
            continue;
        }
        if (c == ';') {
            for (++i; i < sql.size(); ++i) {
                if (!is_space(sql[i])) {
                    return std::nullopt; // another statement follows
                }
            }
            tokens.push_back({Token::Kind::punct, start, start + 1});
            continue;
        }
        ++i;
        tokens.push_back({Token::Kind::punct, start, i});
    }
    return tokens;
}

bool is_comparison(std::string_view op) {
    return op == "=" || op == "<>" || op == "!=" || op == "<" || op == ">" || op == "<=" || op == ">=";
}

/// What may follow a comparison's right operand without taking the literal into a larger
/// expression: the literal is then the whole operand, so a parameter of its type is the same.
bool ends_operand(std::string_view sql, const Token* next) {
    if (next == nullptr) {
        return true;
    }
    std::string_view text = sql.substr(next->begin, next->end - next->begin);
    if (next->kind == Token::Kind::punct) {
        return text == ")" || text == ";";
    }
    if (next->kind != Token::Kind::word) {
        return false;
    }
    static constexpr std::array<std::string_view, 13> kClauses = {
        "and", "or", "order", "group", "limit", "offset", "for", "having", "window", "union", "except", "intersect",
        "fetch"};
    for (std::string_view clause : kClauses) {
        if (equals_ignoring_case(text, clause)) {
            return true;
        }
    }
    return false;
}

/// int4, int8 or numeric, as PostgreSQL types an integer literal of these digits.
uint32_t integer_type(std::string_view digits) {
    size_t first = digits.find_first_not_of('0');
    std::string_view value = first == std::string_view::npos ? std::string_view("0") : digits.substr(first);
    auto at_most = [&value](std::string_view limit) {
        return value.size() < limit.size() || (value.size() == limit.size() && value <= limit);
    };
    if (at_most("2147483647")) {
        return kInt4;
    }
    if (at_most("9223372036854775807")) {
        return kInt8;
    }
    return kNumeric;
}

/// What a quoted string stands for: the text between its quotes, a doubled quote as one (the
/// tokenizer let no backslash through, so nothing else is escaped).
std::string string_value(std::string_view quoted) {
    std::string value;
    std::string_view inside = quoted.substr(1, quoted.size() - 2);
    value.reserve(inside.size());
    for (size_t i = 0; i < inside.size(); ++i) {
        value.push_back(inside[i]);
        i += inside[i] == '\'' ? 1 : 0;
    }
    return value;
}

} // namespace

std::optional<QueryShape> shape_of(std::string_view sql) {
    // Cheap refusals first: this runs for every simple query outside a transaction block.
    size_t start = 0;
    while (start < sql.size() && is_space(sql[start])) {
        ++start;
    }
    if (sql.size() > kMaxShapedQueryBytes || sql.size() - start < 6 ||
        !equals_ignoring_case(sql.substr(start, 6), "select")) {
        return std::nullopt;
    }
    auto tokens = tokenize(sql);
    if (!tokens || tokens->empty()) {
        return std::nullopt;
    }
    auto word = [&sql](const Token& t) { return sql.substr(t.begin, t.end - t.begin); };
    if ((*tokens)[0].kind != Token::Kind::word || !equals_ignoring_case(word((*tokens)[0]), "select")) {
        return std::nullopt;
    }
    QueryShape shape;
    size_t copied = 0;
    for (size_t k = 0; k < tokens->size(); ++k) {
        const Token& t = (*tokens)[k];
        if (t.kind == Token::Kind::word && equals_ignoring_case(word(t), "into")) {
            return std::nullopt; // SELECT ... INTO creates a table: not a query
        }
        bool literal =
            t.kind == Token::Kind::integer || t.kind == Token::Kind::decimal || t.kind == Token::Kind::string;
        if (!literal || k == 0) {
            continue;
        }
        const Token& before = (*tokens)[k - 1];
        const Token* after = k + 1 < tokens->size() ? &(*tokens)[k + 1] : nullptr;
        if (before.kind != Token::Kind::op || !is_comparison(word(before)) || !ends_operand(sql, after)) {
            continue;
        }
        // A string is of unknown type, and so is a parameter sent untyped: both take the type
        // the other operand asks for, by the same rules.
        uint32_t type = t.kind == Token::Kind::string    ? kUnspecified
                        : t.kind == Token::Kind::decimal ? kNumeric
                                                         : integer_type(word(t));
        shape.text.append(sql.substr(copied, t.begin - copied));
        shape.text.push_back('$');
        shape.text.append(std::to_string(shape.values.size() + 1));
        copied = t.end;
        shape.values.emplace_back(t.kind == Token::Kind::string ? string_value(word(t)) : std::string(word(t)));
        shape.types.push_back(type);
    }
    if (shape.values.empty()) {
        return std::nullopt;
    }
    shape.text.append(sql.substr(copied));
    return shape;
}

AutoPrepareCache::Statement* AutoPrepareCache::note(const QueryShape& shape) {
    std::string key = shape.text;
    for (uint32_t type : shape.types) {
        key.push_back('\0'); // never in a query's text
        key += std::to_string(type);
    }
    auto found = shapes_.find(key);
    if (found == shapes_.end()) {
        if (shapes_.size() >= kMaxShapes) {
            shapes_.clear();
        }
        Statement fresh;
        fresh.server_name.assign(kAutoPreparedPrefix).append(std::to_string(next_id_++));
        found = shapes_.emplace(std::move(key), std::move(fresh)).first;
    }
    Statement& statement = found->second;
    statement.seen += statement.seen < UINT32_MAX ? 1 : 0;
    return statement.seen >= 2 && !statement.broken ? &statement : nullptr;
}

void AutoPrepareCache::note_refused(std::string_view server_name, bool for_good) {
    for (auto& [key, statement] : shapes_) {
        if (statement.server_name == server_name) {
            statement.refusals += 1;
            statement.broken = statement.broken || for_good || statement.refusals >= kMaxRefusals;
            return;
        }
    }
}

} // namespace nectar::proxy
