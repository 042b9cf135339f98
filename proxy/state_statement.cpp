#include "proxy/state_statement.hpp"

#include <cctype>

namespace nectar::proxy {

namespace {

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); }
bool is_ident_char(char c) { return is_ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$'; }

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

/// Reads words from one statement: identifiers (lower-cased), "quoted identifiers" (kept),
/// skipping whitespace and comments.
class WordReader {
  public:
    explicit WordReader(std::string_view text) : text_(text) {}

    /// The next word, or "" at the end or before punctuation. A qualified name (a."B".c) is one
    /// word, its quoted parts as written and the others lower-cased.
    std::string next() {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == '*') {
            ++pos_;
            return "*";
        }
        std::string word;
        while (pos_ < text_.size()) {
            if (text_[pos_] == '"') {
                word += quoted();
            } else if (is_ident_start(text_[pos_])) {
                size_t start = pos_;
                while (pos_ < text_.size() && is_ident_char(text_[pos_])) {
                    ++pos_;
                }
                word += lower(text_.substr(start, pos_ - start));
            } else {
                break;
            }
            if (pos_ >= text_.size() || text_[pos_] != '.') {
                break;
            }
            word += '.';
            ++pos_;
        }
        return word;
    }

  private:
    /// A "quoted identifier" at pos_, without its quotes.
    std::string quoted() {
        std::string word;
        for (++pos_; pos_ < text_.size(); ++pos_) {
            if (text_[pos_] == '"') {
                if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                    word += '"';
                    ++pos_;
                    continue;
                }
                ++pos_;
                break;
            }
            word += text_[pos_];
        }
        return word;
    }

    void skip_space() {
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (std::isspace(static_cast<unsigned char>(c))) {
                ++pos_;
            } else if (c == '-' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '-') {
                while (pos_ < text_.size() && text_[pos_] != '\n') {
                    ++pos_;
                }
            } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
                int depth = 0;
                do {
                    if (text_.compare(pos_, 2, "/*") == 0) {
                        ++depth;
                        pos_ += 2;
                    } else if (text_.compare(pos_, 2, "*/") == 0) {
                        --depth;
                        pos_ += 2;
                    } else {
                        ++pos_;
                    }
                } while (depth > 0 && pos_ < text_.size());
            } else {
                return;
            }
        }
    }

    std::string_view text_;
    size_t pos_ = 0;
};

/// Calls `on_statement(text, ends_in_line_comment)` for each ';'-separated statement, honouring
/// quotes, dollar quotes and comments so that a ';' inside them does not split.
template <typename F> void split_statements(std::string_view sql, F on_statement) {
    size_t start = 0;
    size_t i = 0;
    const size_t n = sql.size();
    bool ends_in_line_comment = false;
    while (i < n) {
        char c = sql[i];
        if (c == '\'') {
            // E'...' (not a name ending in e before a typed literal, as in name'a\')
            bool backslash_escapes =
                i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !is_ident_char(sql[i - 2]));
            for (++i; i < n; ++i) {
                if (backslash_escapes && sql[i] == '\\') {
                    ++i;
                } else if (sql[i] == '\'') {
                    if (i + 1 < n && sql[i + 1] == '\'') {
                        ++i;
                    } else {
                        break;
                    }
                }
            }
            ++i;
        } else if (c == '"') {
            i = sql.find('"', i + 1);
            i = i == std::string_view::npos ? n : i + 1;
        } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            i = sql.find('\n', i);
            ends_in_line_comment = i == std::string_view::npos;
            i = ends_in_line_comment ? n : i + 1;
        } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
            int depth = 0;
            do {
                if (sql.compare(i, 2, "/*") == 0) {
                    ++depth;
                    i += 2;
                } else if (sql.compare(i, 2, "*/") == 0) {
                    --depth;
                    i += 2;
                } else {
                    ++i;
                }
            } while (depth > 0 && i < n);
        } else if (c == '$' && (i == 0 || !is_ident_char(sql[i - 1]))) {
            // $tag$ ... $tag$ (a $1 parameter has no closing '$' before a non-identifier char)
            size_t j = i + 1;
            while (j < n && is_ident_char(sql[j]) && sql[j] != '$') {
                ++j;
            }
            if (j < n && sql[j] == '$' && !(j > i + 1 && std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
                std::string_view tag = sql.substr(i, j - i + 1);
                size_t close = sql.find(tag, j + 1);
                i = close == std::string_view::npos ? n : close + tag.size();
            } else {
                i = j;
            }
        } else if (c == ';') {
            on_statement(sql.substr(start, i - start), false);
            start = ++i;
        } else {
            ++i;
        }
    }
    if (start < n) {
        on_statement(sql.substr(start), ends_in_line_comment);
    }
}

/// Resolves the setting a SET/RESET names, reading more words where the syntax has them.
/// Returns "" for transaction-scoped forms that do not outlive the transaction.
std::string setting_key(WordReader& words, const std::string& first) {
    if (first == "local" || first == "transaction" || first == "constraints") {
        return {};
    }
    if (first == "session") {
        std::string second = words.next();
        if (second == "authorization") {
            return "session authorization";
        }
        if (second == "characteristics") {
            return "session characteristics";
        }
        return setting_key(words, second);
    }
    if (first == "time") {
        return "timezone";
    }
    if (first == "names") {
        return "client_encoding";
    }
    if (first == "schema") {
        return "search_path";
    }
    if (first == "xml") {
        return "xmloption";
    }
    return lower(first); // setting names are case-insensitive, even quoted ("TimeZone")
}

void classify(std::string_view statement, bool ends_in_line_comment, std::vector<StateStatement>& out) {
    WordReader words(statement);
    std::string verb = words.next();
    using Kind = StateStatement::Kind;
    // Replayed texts are joined with ";": a trailing -- comment must not swallow it.
    auto text = [&] {
        std::string replay(statement);
        if (ends_in_line_comment) {
            replay += '\n';
        }
        return replay;
    };
    if (verb == "set") {
        std::string key = setting_key(words, words.next());
        if (!key.empty()) {
            out.push_back({Kind::set, key, text()});
        }
    } else if (verb == "reset") {
        std::string first = words.next();
        if (first == "all") {
            out.push_back({Kind::reset_all, {}, text()});
        } else {
            std::string key = setting_key(words, first);
            if (!key.empty()) {
                out.push_back({Kind::reset, key, text()});
            }
        }
    } else if (verb == "prepare") {
        std::string name = words.next();
        if (name != "transaction" && !name.empty()) {
            out.push_back({Kind::prepare, name, text()});
        }
    } else if (verb == "deallocate") {
        std::string name = words.next();
        if (name == "prepare") {
            name = words.next();
        }
        if (name == "all") {
            out.push_back({Kind::deallocate_all, {}, text()});
        } else if (!name.empty()) {
            out.push_back({Kind::deallocate, name, text()});
        }
    } else if (verb == "discard") {
        if (words.next() == "all") {
            out.push_back({Kind::discard_all, {}, text()});
        }
    } else if (verb == "listen") {
        out.push_back({Kind::listen, words.next(), text()});
    } else if (verb == "unlisten") {
        if (words.next() == "*") {
            out.push_back({Kind::unlisten_all, {}, text()});
        }
    }
}

/// Whether the statement's first word may be one of the state-changing verbs: a check without
/// allocation, so ordinary statements (SELECT, INSERT...) cost one comparison.
bool may_change_state(std::string_view statement) {
    if (statement.empty() || statement[0] == '-' || statement[0] == '/') {
        return true; // a leading comment: let the full reader decide
    }
    char word[12];
    size_t n = 0;
    while (n < statement.size() && n < sizeof(word) && std::isalpha(static_cast<unsigned char>(statement[n]))) {
        word[n] = static_cast<char>(std::tolower(static_cast<unsigned char>(statement[n])));
        ++n;
    }
    std::string_view verb(word, n);
    return verb == "set" || verb == "reset" || verb == "prepare" || verb == "deallocate" || verb == "discard" ||
           verb == "listen" || verb == "unlisten";
}

} // namespace

std::vector<StateStatement> find_state_statements(std::string_view sql) {
    std::vector<StateStatement> out;
    // Fast path for the common single statement: no ';' but perhaps a final one.
    size_t semicolon = sql.find(';');
    bool single = semicolon == std::string_view::npos ||
                  sql.find_first_not_of(" \t\r\n", semicolon + 1) == std::string_view::npos;
    if (single) {
        size_t first = sql.find_first_not_of(" \t\r\n");
        if (first == std::string_view::npos || !may_change_state(sql.substr(first))) {
            return out;
        }
    }
    split_statements(sql, [&](std::string_view statement, bool ends_in_line_comment) {
        size_t first = statement.find_first_not_of(" \t\r\n");
        // Cheap filter: only statements starting with a comment or one of the verbs' letters.
        if (first == std::string_view::npos) {
            return;
        }
        if (may_change_state(statement.substr(first))) {
            classify(statement, ends_in_line_comment, out);
        }
    });
    return out;
}

std::string quote_identifier(const std::string& name) {
    std::string out = "\"";
    for (char c : name) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    return out + '"';
}

std::string reset_statement_for(const std::string& key) {
    if (key == "session authorization") {
        return "RESET SESSION AUTHORIZATION";
    }
    if (key == "session characteristics") {
        return "RESET default_transaction_isolation; RESET default_transaction_read_only; "
               "RESET default_transaction_deferrable";
    }
    if (key == "role") {
        return "RESET ROLE";
    }
    return "RESET " + quote_identifier(key);
}

std::string set_statement(const std::string& name, const std::string& value) {
    std::string out = "SET " + quote_identifier(name) + " = '";
    for (char c : value) {
        out += c;
        if (c == '\'') {
            out += '\'';
        }
    }
    return out + '\'';
}

std::vector<std::pair<std::string, std::string>> parse_startup_options(std::string_view options) {
    // Words separated by spaces; a backslash makes the next character literal.
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (size_t i = 0; i < options.size(); ++i) {
        char c = options[i];
        if (c == '\\' && i + 1 < options.size()) {
            word += options[++i];
            in_word = true;
        } else if (std::isspace(static_cast<unsigned char>(c))) {
            if (in_word) {
                words.push_back(std::move(word));
                word.clear();
                in_word = false;
            }
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) {
        words.push_back(std::move(word));
    }
    std::vector<std::pair<std::string, std::string>> settings;
    for (size_t i = 0; i < words.size(); ++i) {
        std::string setting;
        if (words[i] == "-c" && i + 1 < words.size()) {
            setting = words[++i];
        } else if (words[i].rfind("-c", 0) == 0 && words[i].size() > 2) {
            setting = words[i].substr(2);
        } else if (words[i].rfind("--", 0) == 0) {
            setting = words[i].substr(2);
        } else {
            continue;
        }
        size_t eq = setting.find('=');
        if (eq == std::string::npos) {
            continue;
        }
        std::string name = setting.substr(0, eq);
        for (char& ch : name) {
            if (ch == '-') {
                ch = '_';
            }
        }
        settings.emplace_back(name, setting.substr(eq + 1));
    }
    return settings;
}

} // namespace nectar::proxy
