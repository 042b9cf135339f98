#pragma once
// Shared by the session-state tests: state statements written out as readable text.

#include "proxy/state_statement.hpp"

#include <string>
#include <string_view>

namespace nectar::proxy::test {

/// The state statements found in `sql` as "kind(key)" words, in order: "set(x) reset_all()".
inline std::string found(std::string_view sql) {
    static const char* const kNames[] = {"set",        "reset",       "reset_all", "prepare",
                                         "deallocate", "deallocate_all", "discard_all", "listen",
                                         "unlisten_all"};
    std::string out;
    for (const StateStatement& statement : find_state_statements(sql)) {
        out += out.empty() ? "" : " ";
        out += kNames[static_cast<int>(statement.kind)];
        out += "(" + statement.key + ")";
    }
    return out;
}

} // namespace nectar::proxy::test
