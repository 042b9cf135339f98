#pragma once
// What a session waits for from its server connection, one entry per message sent that the
// server answers, in order. It is how responses to Nectar's own injected messages are hidden
// and how answers Nectar gives itself keep their place among the server's.

#include "protocol/error.hpp"
#include "proxy/session_state.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nectar::proxy {

struct Expectation {
    enum class Kind : uint8_t {
        parse,    ///< ParseComplete or an error
        bind,     ///< BindComplete or an error
        describe, ///< [ParameterDescription] RowDescription/NoData, or an error
        close,    ///< CloseComplete or an error
        execute,  ///< rows, then CommandComplete/EmptyQueryResponse/PortalSuspended, or an error
        sync,     ///< ReadyForQuery
        query,    ///< anything, until ReadyForQuery (simple query, function call)
        local,    ///< no server message: `local_bytes` go to the client at this point
    };

    Kind kind;
    uint64_t seq = 0; ///< order of sending, to know which answers a flush point covers
    bool swallow = false; ///< Nectar's own message: the client never sees its answer
    /// parse: the statement being prepared; execute: the statement behind the portal.
    std::shared_ptr<const StatementInfo> statement;
    std::string client_statement; ///< parse/local: the client's name to forget if it fails;
                                  ///< bind/describe: the name errors must show instead of ours
    std::vector<StateStatement> query_changes; ///< query: session-state effects on success
    std::optional<Error> replace_error;        ///< parse: raise this error instead of the server's
    std::string local_bytes;                   ///< local: bytes for the client
    bool failed = false;                       ///< query: an ErrorResponse came
};

} // namespace nectar::proxy
