// The startup phase of a PgSession: TLS negotiation, cancel requests, the startup packet,
// authentication, and the first ParameterStatus values (taken from a server connection
// brought to the client's settings, so they are exactly what PostgreSQL would report).

#include "protocol/backend_messages.hpp"
#include "proxy/pg_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

namespace nectar::proxy {

namespace {

constexpr auto kAuthenticationTimeout = std::chrono::seconds(60);
constexpr uint32_t kMaxAuthMessageLength = 65536;

Error fatal(std::string sqlstate, std::string message) {
    return Error::make(std::move(sqlstate), std::move(message), "FATAL");
}

} // namespace

asio::awaitable<void> PgSession::run() {
    auto self = shared_from_this();
    shared_.sessions++;
    worker_.sessions.insert(this);
    // Like PostgreSQL's authentication_timeout: a client that stalls in startup is dropped.
    asio::steady_timer startup_limit(worker_.io.get_executor());
    startup_limit.expires_after(kAuthenticationTimeout);
    startup_limit.async_wait([self](boost::system::error_code ec) {
        if (!ec) {
            self->client_.close();
        }
    });
    std::string failure;
    try {
        bool started = co_await startup();
        startup_limit.cancel();
        if (started) {
            co_await serve();
        }
    } catch (const std::exception& e) {
        failure = e.what(); // a bug: end this session cleanly, keep every other one running
    }
    if (!failure.empty()) {
        spdlog::error("session {}: internal error, closing the connection: {}", id_, failure);
        client_out_.clear();
        protocol::write_error(client_out_, Error::make("XX000", "internal error in Nectar: " + failure, "FATAL"));
    }
    if (!table_listens_.empty()) {
        unlisten_tables(); // session end ends its LISTEN "service.table" subscriptions
    }
    closing_ = true;
    if (backend_ && reader_running_) {
        backend_->cancel(); // the reader wakes up, ends, and hands the connection back
    }
    finish_detach();
    co_await flush_client();
    client_.close();
    if (process_id_ != 0) {
        shared_.cancels.remove(process_id_);
    }
    worker_.sessions.erase(this);
    shared_.sessions--;
}

void PgSession::drain() {
    draining_ = true;
    if (backend_ && !expected_.empty()) {
        return; // finish_detach ends the session once the request is answered
    }
    if (backend_ && backend_status_ != 'I') {
        return; // let the open transaction finish, within the drain timeout
    }
    end_for_shutdown();
}

void PgSession::end_for_shutdown() {
    asio::co_spawn(
        worker_.io,
        [self = shared_from_this()]() -> asio::awaitable<void> {
            co_await self->send_fatal(
                Error::make("57P01", "terminating connection due to administrator command", "FATAL"));
            self->client_broken_ = true;
            self->client_.close();
        },
        asio::detached);
}

asio::awaitable<bool> PgSession::read_startup_packet(protocol::StartupFrame& frame) {
    for (;;) {
        frame = protocol::next_startup_frame(client_in_.view());
        if (frame.status == protocol::FrameStatus::ready) {
            co_return true;
        }
        if (frame.status == protocol::FrameStatus::error) {
            co_await send_fatal(fatal("08P01", "invalid length of startup packet"));
            co_return false;
        }
        boost::system::error_code ec;
        auto [where, room] = client_in_.writable(1024, protocol::kMaxStartupPacketLength);
        size_t n = co_await client_.read_some(asio::buffer(where, room), ec);
        client_in_.commit(n);
        if (ec || n == 0) {
            co_return false; // the client went away; PostgreSQL logs this and says nothing
        }
    }
}

asio::awaitable<bool> PgSession::startup() {
    protocol::StartupFrame frame;
    for (;;) {
        bool have_packet = co_await read_startup_packet(frame);
        if (!have_packet) {
            co_return false;
        }
        std::string_view body = frame.body;
        client_in_.consume(frame.size);
        switch (frame.kind) {
        case protocol::StartupKind::ssl_request: {
            if (client_.is_tls()) {
                co_await send_fatal(fatal("08P01", "SSLRequest received on an encrypted connection"));
                co_return false;
            }
            if (!shared_.tls) {
                send("N");
                co_await flush_client();
                continue;
            }
            send("S");
            co_await flush_client();
            auto started = co_await client_.start_tls(*shared_.tls);
            if (!started) {
                spdlog::info("client {}: {}", client_.peer(), started.error().message);
                co_return false;
            }
            // Bytes that came with the SSLRequest were sent before encryption: refuse them
            // (a man in the middle may have injected them, CVE-2021-23214), as PostgreSQL does.
            if (!client_in_.empty()) {
                spdlog::warn("client {}: unencrypted data after SSLRequest, closing", client_.peer());
                Error error = fatal("08P01", "received unencrypted data after SSL request");
                error.detail = "This could be either a client-software bug or evidence of an attempted "
                               "man-in-the-middle attack.";
                co_await send_fatal(error);
                co_return false;
            }
            continue;
        }
        case protocol::StartupKind::gssenc_request:
            send("N");
            co_await flush_client();
            continue;
        case protocol::StartupKind::cancel_request:
            co_await cancel_request(body);
            co_return false;
        case protocol::StartupKind::unsupported_version:
            co_await send_fatal(fatal("0A000", "unsupported frontend protocol " + std::to_string(frame.code >> 16) +
                                                   "." + std::to_string(frame.code & 0xffff) +
                                                   ": server supports 3.0 to 3.0"));
            co_return false;
        case protocol::StartupKind::startup_v3:
            break;
        }
        break;
    }

    auto message = protocol::parse_startup(frame.body);
    if (!message) {
        Error error = message.error();
        error.severity = "FATAL";
        co_await send_fatal(error);
        co_return false;
    }
    std::string database;
    std::vector<std::string> unknown_protocol_options;
    for (const auto& [name, value] : message->parameters) {
        if (name == "user") {
            user_ = value;
        } else if (name == "database") {
            database = value;
        } else if (name == "replication") {
            if (value != "false" && value != "0" && value != "off" && value != "no") {
                co_await send_fatal(fatal("0A000", "Nectar does not accept replication connections"));
                co_return false;
            }
        } else if (name.rfind("_pq_.", 0) == 0) {
            unknown_protocol_options.push_back(name);
        } else if (name == "options") {
            for (const auto& [setting, setting_value] : parse_startup_options(value)) {
                state_.add_startup_setting(setting, setting_value);
            }
        } else {
            if (name == "application_name") {
                application_name_ = value;
            }
            state_.add_startup_setting(name, value);
        }
    }
    if (database.empty()) {
        database = user_;
    }
    if ((frame.code & 0xffff) != 0 || !unknown_protocol_options.empty()) {
        protocol::write_negotiate_protocol_version(client_out_, 0, unknown_protocol_options);
    }
    bool authenticated = co_await authenticate(user_);
    if (!authenticated) {
        co_return false;
    }
    // The startup packet's database names the service, else the default service (SPEC §2).
    const Config& config = shared_.config;
    if (config.find_service(database) != nullptr) {
        service_ = database;
    } else if (!config.default_service.empty()) {
        service_ = config.default_service;
    } else if (!config.services.empty()) {
        service_ = config.services.front().name;
    }
    pool_ = worker_.router.find(service_);
    if (pool_ == nullptr) {
        if (worker_.engine == nullptr || !worker_.engine->has_service(service_)) {
            co_await send_fatal(fatal("3D000", "database \"" + database + "\" does not exist"));
            co_return false;
        }
        engine_only_ = true;
        co_return co_await open_engine_session();
    }
    session_pooling_ = !pool_->config().transaction_pooling;
    co_return co_await open_server_session();
}

asio::awaitable<bool> PgSession::read_password_message(std::string_view& body) {
    for (;;) {
        auto frame = protocol::next_frame(client_in_.view(), kMaxAuthMessageLength);
        if (frame.status == protocol::FrameStatus::ready) {
            if (frame.type != protocol::fe::kPassword) {
                co_await send_fatal(fatal("08P01", std::string("expected password response, got message type ") +
                                                       frame.type));
                co_return false;
            }
            body = frame.body;
            client_in_.consume(frame.size); // the body stays readable until the next read
            co_return true;
        }
        if (frame.status == protocol::FrameStatus::error) {
            co_await send_fatal(fatal("08P01", "invalid password packet size"));
            co_return false;
        }
        boost::system::error_code ec;
        auto [where, room] = client_in_.writable(1024, kMaxAuthMessageLength);
        size_t n = co_await client_.read_some(asio::buffer(where, room), ec);
        client_in_.commit(n);
        if (ec || n == 0) {
            co_return false;
        }
    }
}

asio::awaitable<bool> PgSession::authenticate(const std::string& user) {
    auto users = shared_.users();
    if (users->empty()) {
        // SPEC §1: without configured users, only loopback clients are trusted.
        if (!client_.peer_is_loopback()) {
            co_await send_fatal(fatal("28000", "no authentication is configured: Nectar accepts only "
                                               "loopback clients (add --user)"));
            co_return false;
        }
        protocol::write_auth_ok(client_out_);
        co_return true;
    }
    bool ok = shared_.config.pg_auth_method == "password" && client_.is_tls()
                  ? co_await authenticate_password(*users, user)
                  : co_await authenticate_scram(*users, user);
    if (ok) {
        protocol::write_auth_ok(client_out_);
    }
    co_return ok;
}

asio::awaitable<bool> PgSession::authenticate_password(const UserMap& users, const std::string& user) {
    protocol::write_auth_cleartext(client_out_);
    co_await flush_client();
    std::string_view body;
    bool have_password = co_await read_password_message(body);
    if (!have_password) {
        co_return false;
    }
    auto password = protocol::parse_password_message(body);
    auto found = users.find(user);
    bool good = password && found != users.end() &&
                protocol::constant_time_equal(*password, found->second.password);
    if (!good) {
        co_await send_fatal(fatal("28P01", "password authentication failed for user \"" + user + "\""));
        co_return false;
    }
    co_return true;
}

asio::awaitable<bool> PgSession::authenticate_scram(const UserMap& users, const std::string& user) {
    std::vector<std::string> mechanisms;
    if (client_.is_tls() && !shared_.tls_end_point.empty()) {
        mechanisms.emplace_back(protocol::kScramSha256Plus);
    }
    mechanisms.emplace_back(protocol::kScramSha256);
    protocol::write_auth_sasl(client_out_, mechanisms);
    co_await flush_client();

    auto found = users.find(user);
    const protocol::ScramSecret& secret = found != users.end() ? found->second.scram : shared_.unknown_user_secret;
    protocol::ScramServer scram(secret, client_.is_tls() ? shared_.tls_end_point : std::string());

    std::string_view body;
    bool have_password = co_await read_password_message(body);
    if (!have_password) {
        co_return false;
    }
    auto initial = protocol::parse_sasl_initial_response(body);
    if (!initial) {
        co_await send_fatal(fatal("08P01", initial.error().message));
        co_return false;
    }
    auto server_first = scram.handle_client_first(initial->mechanism, initial->data);
    if (!server_first) {
        Error error = server_first.error();
        error.severity = "FATAL";
        co_await send_fatal(error);
        co_return false;
    }
    protocol::write_auth_sasl_continue(client_out_, *server_first);
    co_await flush_client();

    have_password = co_await read_password_message(body);
    if (!have_password) {
        co_return false;
    }
    auto server_final = scram.handle_client_final(body);
    if (!server_final || found == users.end()) {
        if (server_final || server_final.error().sqlstate == "28P01") {
            co_await send_fatal(fatal("28P01", "password authentication failed for user \"" + user + "\""));
        } else {
            Error error = server_final.error();
            error.severity = "FATAL";
            co_await send_fatal(error);
        }
        co_return false;
    }
    protocol::write_auth_sasl_final(client_out_, *server_final);
    co_return true;
}

asio::awaitable<bool> PgSession::open_server_session() {
    auto acquired = co_await pool_->acquire();
    if (!acquired) {
        Error error = acquired.error();
        error.severity = "FATAL";
        co_await send_fatal(error);
        co_return false;
    }
    std::unique_ptr<federation::PgConnection> conn = std::move(acquired.value());
    std::string sync = state_.sync_statements(*conn, id_);
    if (!sync.empty()) {
        auto applied = co_await conn->run_simple_query(sync);
        if (!applied) {
            pool_->discard(std::move(conn));
            Error error = applied.error();
            error.severity = "FATAL";
            co_await send_fatal(error);
            co_return false;
        }
    }
    for (const auto& [name, value] : conn->parameters()) {
        protocol::write_parameter_status(client_out_, name, value);
    }
    cancel_target_ = shared_.cancels.add(process_id_);
    protocol::write_backend_key_data(client_out_, process_id_, cancel_target_->secret_key);
    protocol::write_ready_for_query(client_out_, 'I');
    if (session_pooling_) {
        backend_ = std::move(conn);
        cancel_target_->set(&backend_->target(), backend_->process_id(), backend_->secret_key());
    } else {
        pool_->release(std::move(conn));
    }
    co_await flush_client();
    co_return !client_broken_;
}

asio::awaitable<void> PgSession::cancel_request(std::string_view body) {
    auto request = protocol::parse_cancel_request(body);
    if (!request) {
        co_return;
    }
    // A wrong key does nothing, and the client is told nothing either way (as PostgreSQL).
    auto server = shared_.cancels.find(request->process_id, request->secret_key);
    if (server) {
        co_await federation::send_cancel_request(worker_.io.get_executor(), server->server, server->process_id,
                                                 server->secret_key);
    }
}

} // namespace nectar::proxy
