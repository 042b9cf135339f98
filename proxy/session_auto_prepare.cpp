// Auto-prepare on the session (auto_prepare.hpp says what and why): a simple query sent as
// Bind/Describe/Execute/Sync of its shape's statement, and run as it came instead when
// PostgreSQL refuses the statement, so the client only ever sees PostgreSQL's own answer to it.

#include "proxy/pg_session.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

namespace nectar::proxy {

bool PgSession::forward_auto_prepared(std::string_view sql, bool alone) {
    using Kind = Expectation::Kind;
    // Outside a transaction block only: there a failed Parse ends nothing, and the retry runs
    // where the query would have. Alone: a retry must not overtake a later request. Not with
    // session pooling, whose client would see the statements in pg_prepared_statements.
    if (!alone || !backend_ || !pool_->config().auto_prepare || session_pooling_ || backend_status_ != 'I' ||
        reader_running_ || state_.listening()) {
        return false;
    }
    auto shape = shape_of(sql);
    if (!shape) {
        return false;
    }
    AutoPrepareCache::Statement* statement = worker_.auto_prepared.note(*shape);
    if (statement == nullptr) {
        return false; // seen once: a one-off query is not worth a statement on the server
    }
    const std::string& name = statement->server_name;
    if (backend_->prepared.count(name) == 0) {
        size_t kept = std::count_if(backend_->prepared.begin(), backend_->prepared.end(),
                                    [](const std::string& n) { return n.starts_with(kAutoPreparedPrefix); });
        if (kept >= kMaxAutoPreparedPerConnection) {
            return false;
        }
        protocol::write_parse(backend_out_, name, shape->text, shape->types);
        backend_->prepared.insert(name);
        expect(Expectation{.kind = Kind::parse, .swallow = true, .auto_prepared = true});
    }
    protocol::write_text_bind(backend_out_, "", name, shape->values);
    expect(Expectation{.kind = Kind::bind, .swallow = true, .auto_prepared = true});
    protocol::write_describe(backend_out_, 'P', ""); // the RowDescription a simple query gets
    expect(Expectation{.kind = Kind::describe, .hide_no_data = true});
    protocol::write_execute(backend_out_, "", 0);
    expect(Expectation{.kind = Kind::execute});
    protocol::write_sync(backend_out_);
    expect(Expectation{.kind = Kind::sync});
    mark_flush_point();
    auto_query_.assign(sql);
    auto_statement_ = name;
    return true;
}

bool PgSession::retry_auto_prepared(const Expectation& head, const Error& error) {
    using Kind = Expectation::Kind;
    // Errors of the statement itself (syntax, names, types, stale or missing statement); not
    // cancels, shutdowns or resource errors, which the query run as it came would meet too.
    std::string_view error_class = std::string_view(error.sqlstate).substr(0, 2);
    if (!backend_) {
        return false;
    }
    bool retry = error_class == "0A" || error_class == "22" || error_class == "26" || error_class == "42";
    if (head.kind == Kind::parse || retry) {
        backend_->prepared.erase(auto_statement_); // not created, or closed by the retry
    }
    if (!retry) {
        return false;
    }
    if (head.kind == Kind::parse) {
        spdlog::debug("session {}: auto-prepare of {} refused ({}): sending it as it came", id_, auto_query_,
                      error.message);
        worker_.auto_prepared.note_refused(auto_statement_, error.sqlstate == "42601");
    }
    expected_.pop_front();
    skip_until_sync(); // the server skips the rest of the request up to its Sync
    if (expected_.empty() || expected_.front().kind != Kind::sync) {
        return true; // (cannot happen: the request ends with its Sync)
    }
    expected_.front().swallow = true;
    error_in_segment_ = false;
    protocol::write_close(auto_retry_out_, 'S', auto_statement_); // a stale one, if it exists
    protocol::write_sync(auto_retry_out_);
    protocol::write_query(auto_retry_out_, auto_query_);
    expect(Expectation{.kind = Kind::close, .swallow = true});
    expect(Expectation{.kind = Kind::sync, .swallow = true});
    Expectation query{.kind = Kind::query};
    query.query_changes = find_state_statements(auto_query_);
    expect(std::move(query));
    mark_flush_point();
    return true;
}

asio::awaitable<void> PgSession::send_auto_retry() {
    boost::system::error_code ec;
    std::string_view pending = auto_retry_out_;
    if (!backend_->try_write(pending, ec) && !ec) {
        co_await backend_->write_all(pending, ec);
    }
    auto_retry_out_.clear();
    if (ec) {
        on_backend_lost();
    }
}

} // namespace nectar::proxy
