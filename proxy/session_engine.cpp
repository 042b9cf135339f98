// Statements the federation engine answers: every statement of a session whose service is not
// PostgreSQL, and statements that name another service. Rows stream to the client as they come.
#include "federation/engine.hpp"
#include "protocol/backend_messages.hpp"
#include "proxy/pg_session.hpp"

#include <cctype>

namespace nectar::proxy {

namespace {

/// Writes engine results as protocol messages into the session's output, flushing as it grows.
class WireSink : public federation::ResultSink {
  public:
    WireSink(std::string& out, std::function<asio::awaitable<void>()> flush)
        : out_(out)
        , flush_(std::move(flush)) {}

    void row_description(const std::vector<federation::OutputColumn>& columns) override {
        std::vector<protocol::FieldDescription> fields;
        for (const auto& c : columns) {
            protocol::FieldDescription f;
            f.name = c.name;
            f.type_oid = federation::type_oid(c.type);
            f.type_size = federation::type_length(c.type);
            fields.push_back(std::move(f));
        }
        protocol::write_row_description(out_, fields);
    }

    void data_row(const federation::Row& row) override {
        texts_.clear();
        for (const auto& v : row) {
            texts_.push_back(v.is_null() ? std::string() : federation::to_pg_text(v));
        }
        values_.clear();
        for (size_t i = 0; i < row.size(); i++) {
            values_.push_back(row[i].is_null() ? std::nullopt : std::optional<std::string_view>(texts_[i]));
        }
        protocol::write_data_row(out_, values_);
    }

    void command_complete(const std::string& tag) override { protocol::write_command_complete(out_, tag); }
    void empty_query() override { protocol::write_empty_query_response(out_); }

    asio::awaitable<void> maybe_flush() override {
        if (out_.size() >= kFlushBytes) {
            co_await flush_();
        }
    }

  private:
    static constexpr size_t kFlushBytes = 256 * 1024; ///< bounds memory for large results
    std::string& out_;
    std::function<asio::awaitable<void>()> flush_;
    std::vector<std::string> texts_;
    std::vector<std::optional<std::string_view>> values_;
};

/// CREATE, ALTER, DROP, TRUNCATE? Only the first keyword is looked at (cheap on every query).
bool starts_with_ddl(std::string_view sql) {
    size_t i = 0;
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) {
        i++;
    }
    for (std::string_view keyword : {"create", "alter", "drop"}) {
        if (sql.size() - i > keyword.size() && std::isspace(static_cast<unsigned char>(sql[i + keyword.size()]))) {
            bool same = true;
            for (size_t k = 0; k < keyword.size() && same; k++) {
                same = std::tolower(static_cast<unsigned char>(sql[i + k])) == keyword[k];
            }
            if (same) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

bool PgSession::wants_engine(const protocol::Frame& frame) const {
    if (engine_only_) {
        return true;
    }
    if (frame.type != protocol::fe::kQuery || worker_.engine == nullptr) {
        return false;
    }
    if (starts_with_ddl(frame.body)) {
        shared_.catalog->invalidate(service_); // the service's tables may change: rediscover next time
    }
    return worker_.engine->mentions_other_service(frame.body, service_);
}

asio::awaitable<void> PgSession::settle_backend() {
    if (!backend_) {
        co_return;
    }
    boost::system::error_code ec;
    if (!backend_out_.empty()) {
        std::string_view pending = backend_out_;
        if (!backend_->try_write(pending, ec)) {
            co_await backend_->write_all(pending, ec);
        }
        backend_out_.clear();
        if (ec) {
            backend_broken_ = true;
        }
    }
    if (!reader_running_ && answers_due()) {
        co_await relay_answers();
    }
}

asio::awaitable<void> PgSession::run_engine_frame(const protocol::Frame& frame) {
    if (frame.type != protocol::fe::kQuery) {
        // Only the simple protocol reaches the engine so far; answer like PostgreSQL does on an
        // error in an extended batch: the error now, nothing else until Sync.
        if (frame.type == protocol::fe::kSync) {
            if (!engine_skipping_) {
                // Sync alone (or after a batch we already failed): nothing more to answer.
            }
            engine_skipping_ = false;
            protocol::write_ready_for_query(client_out_, engine_status());
        } else if (!engine_skipping_ && frame.type != protocol::fe::kFlush) {
            protocol::write_error(client_out_, Error::make("0A000", "the extended query protocol is not supported "
                                                                    "yet for statements Nectar's federated engine "
                                                                    "runs (use the simple query protocol)"));
            engine_skipping_ = true;
        }
        co_return;
    }
    std::string sql(frame.body.substr(0, frame.body.empty() ? 0 : frame.body.size() - 1)); // drop the NUL
    co_await settle_backend();
    WireSink sink(client_out_, [this]() -> asio::awaitable<void> { co_await flush_client(); });
    std::string service = service_;
    // A block open on the session's own PostgreSQL server cannot commit with engine writes.
    engine_transaction_.set_outer_block(!engine_only_ && backend_ && backend_status_ != 'I');
    auto result =
        co_await worker_.engine->run_simple(std::move(sql), service, engine_settings_, engine_transaction_, sink);
    if (!result) {
        protocol::write_error(client_out_, result.error());
    }
    if (auto end = engine_transaction_.take_end(); end != federation::SessionTransaction::End::none) {
        settle_table_listens(end == federation::SessionTransaction::End::commit);
    }
    deliver_before_ready(engine_status());
    protocol::write_ready_for_query(client_out_, engine_status());
}

char PgSession::engine_status() const {
    if (!engine_only_ && engine_transaction_.status() == 'I') {
        return backend_ ? backend_status_ : 'I';
    }
    return engine_transaction_.status();
}

asio::awaitable<bool> PgSession::open_engine_session() {
    // What PostgreSQL 15 reports at startup; clients (psql, pgjdbc) check several of these.
    const std::pair<const char*, std::string> parameters[] = {
        {"application_name", application_name_},
        {"client_encoding", "UTF8"},
        {"DateStyle", "ISO, MDY"},
        {"default_transaction_read_only", "off"},
        {"in_hot_standby", "off"},
        {"integer_datetimes", "on"},
        {"IntervalStyle", "postgres"},
        {"is_superuser", "off"},
        {"server_encoding", "UTF8"},
        {"server_version", "15.0 (Nectar)"},
        {"session_authorization", user_},
        {"standard_conforming_strings", "on"},
        {"TimeZone", "UTC"},
    };
    for (const auto& [name, value] : parameters) {
        protocol::write_parameter_status(client_out_, name, value);
    }
    cancel_target_ = shared_.cancels.add(process_id_);
    protocol::write_backend_key_data(client_out_, process_id_, cancel_target_->secret_key);
    protocol::write_ready_for_query(client_out_, 'I');
    co_await flush_client();
    co_return !client_broken_;
}

} // namespace nectar::proxy
