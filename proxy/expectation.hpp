#pragma once
// What a session waits for from its server connection, one entry per message sent that the
// server answers, in order. It is how responses to Nectar's own injected messages are hidden
// and how answers Nectar gives itself keep their place among the server's.

#include "protocol/error.hpp"
#include "proxy/session_state.hpp"

#include <memory>
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
        local,    ///< no server message: `local_message` goes to the client at this point
    };

    Kind kind = Kind::query;
    uint64_t seq = 0; ///< order of sending, to know which answers a flush point covers
    bool swallow = false; ///< Nectar's own message: the client never sees its answer
    /// parse: the statement being prepared; execute: the statement behind the portal.
    std::shared_ptr<const StatementInfo> statement;
    std::string client_statement; ///< parse/local: the client's name to forget if it fails;
                                  ///< bind/describe: the name errors must show instead of ours
    std::vector<StateStatement> query_changes; ///< query: session-state effects on success
    std::unique_ptr<Error> replace_error;      ///< parse: raise this error instead of the server's
    char local_message = 0;                    ///< local: ParseComplete or CloseComplete
    bool failed = false;                       ///< query: an ErrorResponse came
    bool auto_prepared = false; ///< parse/bind of an auto-prepared query: on error, run it as it came
    bool hide_no_data = false;  ///< describe: a NoData the client (which sent a simple query) must not see
};

/// A FIFO of expectations that reuses its storage: a request's entries are pushed and popped
/// without allocating once the session has seen a request of that size.
class ExpectationQueue {
  public:
    bool empty() const { return head_ == items_.size(); }
    Expectation& front() { return items_[head_]; }
    const Expectation& front() const { return items_[head_]; }
    void push_back(Expectation expectation) {
        if (empty()) {
            clear();
        }
        items_.push_back(std::move(expectation));
    }
    /// The entry stays in storage until the queue empties (each request's end), or until a
    /// long pipeline has popped many: then the popped ones are dropped.
    void pop_front() {
        if (++head_ == items_.size()) {
            clear();
        } else if (head_ >= 1024 && head_ * 2 >= items_.size()) {
            items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
            head_ = 0;
        }
    }
    void clear() {
        items_.clear();
        head_ = 0;
    }
    auto begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
    auto end() const { return items_.end(); }

  private:
    std::vector<Expectation> items_;
    size_t head_ = 0;
};

} // namespace nectar::proxy
