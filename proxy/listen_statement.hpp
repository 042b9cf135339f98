#pragma once
// Recognising a simple Query that is one LISTEN / UNLISTEN whose channel may name a Nectar
// table ("service.table"), without a full parse: everything else goes on as usual.

#include <optional>
#include <string>
#include <string_view>

namespace nectar::proxy {

struct ListenStatement {
    bool unlisten = false;
    bool all = false;    ///< UNLISTEN *
    std::string channel; ///< the quoted identifier's value
};

/// A Query text (without its NUL) that is exactly one `LISTEN "x"`, `UNLISTEN "x"` or
/// `UNLISTEN *`, with an optional `;`. Quoted names only: a service.table name needs quotes
/// (PostgreSQL's grammar refuses a dotted plain name); a name over 63 bytes (which PostgreSQL
/// would truncate) is not recognised either.
std::optional<ListenStatement> parse_listen_statement(std::string_view sql);

} // namespace nectar::proxy
