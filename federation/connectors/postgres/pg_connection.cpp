#include "federation/connectors/postgres/pg_connection.hpp"

#include "federation/connectors/socket_write.hpp"

#include "protocol/backend_messages.hpp"
#include "protocol/framing.hpp"
#include "protocol/frontend_messages.hpp"
#include "protocol/scram.hpp"

#include <cerrno>
#include <optional>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace nectar::federation {

namespace {

using boost::system::error_code;
constexpr auto kUseAwaitable = asio::use_awaitable;

/// The connected socket re-registered with the event loop. Connecting left it watched for
/// writability, and on an edge-triggered epoll that wakes the loop at every ACK.
template <typename Connected>
PgConnection::Socket fresh_socket(asio::any_io_executor executor, Connected& connected, int family, int protocol) {
    error_code ec;
    auto fd = connected.release(ec);
    PgConnection::Socket socket(executor);
    socket.assign(asio::generic::stream_protocol(family, protocol), fd, ec);
    socket.non_blocking(true, ec); // so that try_write never blocks
    return socket;
}

Error connection_error(const PgTarget& target, const std::string& what) {
    return Error::make("08001", "could not connect to server " + target.describe() + ": " + what);
}

} // namespace

std::string PgTarget::describe() const {
    if (is_unix_socket()) {
        return host + "/.s.PGSQL." + std::to_string(port) + " database " + database;
    }
    return host + ":" + std::to_string(port) + "/" + database;
}

PgConnection::PgConnection(Socket socket, const PgTarget& target)
    : socket_(std::move(socket))
    , target_(&target) {}

std::unique_ptr<PgConnection> PgConnection::unconnected(asio::any_io_executor executor,
                                                        const PgTarget& target) {
    return std::unique_ptr<PgConnection>(new PgConnection(Socket(executor), target));
}

PgConnection::~PgConnection() { close(); }

asio::awaitable<Result<std::unique_ptr<PgConnection>>>
PgConnection::open(asio::any_io_executor executor, const PgTarget& target, asio::ssl::context* tls,
                   std::chrono::milliseconds timeout) {
    // Past the timeout, closing the socket makes whatever step is waiting fail.
    auto abort = std::make_shared<std::function<void()>>();
    auto timed_out = std::make_shared<bool>(false);
    asio::steady_timer limit(executor);
    limit.expires_after(timeout);
    limit.async_wait([abort, timed_out](error_code ec) {
        if (!ec && *abort) {
            *timed_out = true;
            (*abort)();
        }
    });
    auto result = co_await open_within(executor, target, tls, abort);
    *abort = nullptr;
    limit.cancel();
    if (!result && *timed_out) {
        co_return connection_error(target, "timed out after " + std::to_string(timeout.count()) + " ms");
    }
    co_return result;
}

asio::awaitable<Result<std::unique_ptr<PgConnection>>>
PgConnection::open_within(asio::any_io_executor executor, const PgTarget& target, asio::ssl::context* tls,
                          std::shared_ptr<std::function<void()>> abort) {
    error_code ec;
    Socket socket(executor);
    if (target.is_unix_socket()) {
        asio::local::stream_protocol::socket unix_socket(executor);
        *abort = [&unix_socket] { unix_socket.close(); };
        std::string path = target.host + "/.s.PGSQL." + std::to_string(target.port);
        co_await unix_socket.async_connect(asio::local::stream_protocol::endpoint(path),
                                           asio::redirect_error(kUseAwaitable, ec));
        if (ec) {
            co_return connection_error(target, ec.message());
        }
        socket = fresh_socket(executor, unix_socket, AF_UNIX, 0);
    } else {
        asio::ip::tcp::resolver resolver(executor);
        *abort = [&resolver] { resolver.cancel(); };
        auto endpoints = co_await resolver.async_resolve(target.host, std::to_string(target.port),
                                                         asio::redirect_error(kUseAwaitable, ec));
        if (ec) {
            co_return connection_error(target, ec.message());
        }
        asio::ip::tcp::socket tcp_socket(executor);
        *abort = [&tcp_socket] { tcp_socket.close(); };
        co_await asio::async_connect(tcp_socket, endpoints, asio::redirect_error(kUseAwaitable, ec));
        if (ec) {
            co_return connection_error(target, ec.message());
        }
        tcp_socket.set_option(asio::ip::tcp::no_delay(true), ec);
        socket = fresh_socket(executor, tcp_socket, tcp_socket.local_endpoint(ec).protocol().family(), IPPROTO_TCP);
    }

    std::unique_ptr<PgConnection> conn(new PgConnection(std::move(socket), target));
    PgConnection* raw = conn.get();
    *abort = [raw] { raw->close(); };
    bool want_tls = target.sslmode != "disable" && target.sslmode != "allow" && !target.is_unix_socket();
    if (want_tls && tls != nullptr) {
        auto started = co_await conn->start_tls(*tls);
        if (!started) {
            co_return started.error();
        }
    } else if (want_tls && target.sslmode != "prefer") {
        co_return connection_error(target, "TLS requested (sslmode=" + target.sslmode + ") but not configured");
    }
    auto logged_in = co_await conn->login();
    if (!logged_in) {
        co_return logged_in.error();
    }
    co_return std::move(conn);
}

asio::awaitable<Result<void>> PgConnection::start_tls(asio::ssl::context& tls) {
    std::string request;
    protocol::write_ssl_request(request);
    error_code ec;
    co_await asio::async_write(socket_, asio::buffer(request), asio::redirect_error(kUseAwaitable, ec));
    char answer = 0;
    if (!ec) {
        co_await asio::async_read(socket_, asio::buffer(&answer, 1), asio::redirect_error(kUseAwaitable, ec));
    }
    if (ec) {
        co_return connection_error(*target_, ec.message());
    }
    if (answer == 'N') {
        if (target_->sslmode == "prefer") {
            co_return Result<void>();
        }
        co_return connection_error(*target_, "server does not support SSL, but SSL was required");
    }
    if (answer != 'S') {
        co_return connection_error(*target_, "unexpected answer to SSL negotiation");
    }
    tls_ = std::make_unique<asio::ssl::stream<Socket&>>(socket_, tls);
    if (target_->sslmode == "verify-ca" || target_->sslmode == "verify-full") {
        tls_->set_verify_mode(asio::ssl::verify_peer);
        if (target_->sslmode == "verify-full") {
            tls_->set_verify_callback(asio::ssl::host_name_verification(target_->host));
        }
    } else {
        tls_->set_verify_mode(asio::ssl::verify_none);
    }
    SSL_set_tlsext_host_name(tls_->native_handle(), target_->host.c_str());
    co_await tls_->async_handshake(asio::ssl::stream_base::client, asio::redirect_error(kUseAwaitable, ec));
    if (ec) {
        co_return connection_error(*target_, "TLS handshake failed: " + ec.message());
    }
    co_return Result<void>();
}

asio::awaitable<Result<void>> PgConnection::read_message(char& type, std::string_view& body) {
    for (;;) {
        auto frame = protocol::next_frame(in_.view());
        if (frame.status == protocol::FrameStatus::ready) {
            type = frame.type;
            body = frame.body;
            co_return Result<void>();
        }
        if (frame.status == protocol::FrameStatus::error) {
            co_return Error::make("08P01", "invalid message from server " + target_->describe());
        }
        error_code ec;
        auto [where, room] = in_.writable(4096, 65536);
        size_t n = co_await read_some(asio::buffer(where, room), ec);
        in_.commit(n);
        if (ec || n == 0) {
            co_return connection_error(*target_, "server closed the connection during login");
        }
    }
}

Result<void> PgConnection::answer_authentication(std::string_view body, std::unique_ptr<protocol::ScramClient>& scram,
                                                std::string& out) {
    auto request = protocol::parse_auth_request(body);
    if (!request) {
        return request.error();
    }
    switch (request->code) {
    case protocol::AuthCode::ok:
        break;
    case protocol::AuthCode::cleartext_password:
        protocol::write_password(out, target_->password);
        break;
    case protocol::AuthCode::md5_password:
        protocol::write_password(
            out, protocol::md5_password_answer(target_->user, target_->password, request->data));
        break;
    case protocol::AuthCode::sasl: {
        bool offered = false;
        for (auto mechanism : protocol::split_sasl_mechanisms(request->data)) {
            offered = offered || mechanism == protocol::kScramSha256;
        }
        if (!offered) {
            return connection_error(*target_, "server offers no SASL mechanism Nectar supports");
        }
        scram = std::make_unique<protocol::ScramClient>(target_->password);
        protocol::write_sasl_initial_response(out, protocol::kScramSha256, scram->client_first());
        break;
    }
    case protocol::AuthCode::sasl_continue: {
        if (!scram) {
            return connection_error(*target_, "unexpected SASL continuation");
        }
        auto final_message = scram->handle_server_first(request->data);
        if (!final_message) {
            return final_message.error();
        }
        protocol::write_sasl_response(out, *final_message);
        break;
    }
    case protocol::AuthCode::sasl_final: {
        if (!scram) {
            return connection_error(*target_, "unexpected SASL completion");
        }
        auto verified = scram->verify_server_final(request->data);
        if (!verified) {
            return connection_error(*target_, "server signature did not verify");
        }
        break;
    }
    default:
        return connection_error(*target_, "server asks for an authentication method Nectar lacks");
    }
    return Result<void>();
}

asio::awaitable<Result<void>> PgConnection::login() {
    std::vector<std::pair<std::string, std::string>> params{{"user", target_->user},
                                                            {"database", target_->database}};
    params.insert(params.end(), target_->startup_params.begin(), target_->startup_params.end());
    std::string out;
    protocol::write_startup(out, params);
    error_code ec;
    co_await write_all(out, ec);
    if (ec) {
        co_return connection_error(*target_, ec.message());
    }

    std::unique_ptr<protocol::ScramClient> scram;
    for (;;) {
        char type = 0;
        std::string_view body;
        auto read = co_await read_message(type, body);
        if (!read) {
            co_return read.error();
        }
        size_t frame_size = 5 + body.size();
        out.clear();
        switch (type) {
        case protocol::be::kAuthentication: {
            auto answered = answer_authentication(body, scram, out);
            if (!answered) {
                co_return answered.error();
            }
            break;
        }
        case protocol::be::kParameterStatus: {
            auto status = protocol::parse_parameter_status(body);
            if (status) {
                parameters_[std::string(status->name)] = std::string(status->value);
            }
            break;
        }
        case protocol::be::kBackendKeyData: {
            auto key = protocol::parse_backend_key_data(body);
            if (key) {
                process_id_ = key->process_id;
                secret_key_ = key->secret_key;
            }
            break;
        }
        case protocol::be::kErrorResponse: {
            auto error = protocol::parse_error_response(body);
            co_return error ? error.value() : error.error();
        }
        case protocol::be::kReadyForQuery:
            in_.consume(frame_size);
            co_return Result<void>();
        default: // NoticeResponse, NegotiateProtocolVersion: nothing to do
            break;
        }
        in_.consume(frame_size);
        if (!out.empty()) {
            co_await write_all(out, ec);
            if (ec) {
                co_return connection_error(*target_, ec.message());
            }
        }
    }
}

asio::awaitable<Result<void>> PgConnection::run_simple_query(std::string_view sql) {
    std::string out;
    protocol::write_query(out, sql);
    error_code ec;
    co_await write_all(out, ec);
    if (ec) {
        co_return connection_error(*target_, ec.message());
    }
    std::optional<Error> first_error;
    for (;;) {
        char type = 0;
        std::string_view body;
        auto read = co_await read_message(type, body);
        if (!read) {
            co_return read.error();
        }
        if (type == protocol::be::kErrorResponse && !first_error) {
            auto error = protocol::parse_error_response(body);
            first_error = error ? error.value() : error.error();
        } else if (type == protocol::be::kParameterStatus) {
            if (auto status = protocol::parse_parameter_status(body)) {
                parameters_[std::string(status->name)] = std::string(status->value);
            }
        }
        in_.consume(5 + body.size());
        if (type == protocol::be::kReadyForQuery) {
            break;
        }
    }
    if (first_error) {
        co_return *first_error;
    }
    co_return Result<void>();
}

asio::awaitable<size_t> PgConnection::read_some(asio::mutable_buffer into, error_code& ec) {
    if (tls_) {
        return tls_->async_read_some(into, asio::redirect_error(kUseAwaitable, ec));
    }
    return socket_.async_read_some(into, asio::redirect_error(kUseAwaitable, ec));
}

bool PgConnection::try_write(std::string_view& data, error_code& ec) {
    return !tls_ && try_write_now(socket_, data, ec);
}

asio::awaitable<void> PgConnection::write_all(std::string_view data, error_code& ec) {
    if (tls_) {
        co_await asio::async_write(*tls_, asio::buffer(data), asio::redirect_error(kUseAwaitable, ec));
    } else {
        co_await asio::async_write(socket_, asio::buffer(data), asio::redirect_error(kUseAwaitable, ec));
    }
}

bool PgConnection::looks_alive() {
    if (!socket_.is_open()) {
        return false;
    }
    char byte;
    ssize_t n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void PgConnection::cancel() {
    error_code ec;
    socket_.cancel(ec);
}

void PgConnection::close() {
    if (socket_.is_open()) {
        error_code ec;
        if (!tls_) {
            // A polite Terminate lets the server end the session at once.
            std::string bye;
            protocol::write_terminate(bye);
            socket_.send(asio::buffer(bye), Socket::message_flags(0), ec);
        }
        socket_.close(ec);
    }
}

asio::awaitable<void> send_cancel_request(asio::any_io_executor executor, const PgTarget& target,
                                          int32_t process_id, int32_t secret_key) {
    std::string request;
    protocol::write_cancel_request(request, process_id, secret_key);
    error_code ec;
    if (target.is_unix_socket()) {
        asio::local::stream_protocol::socket socket(executor);
        co_await socket.async_connect(
            asio::local::stream_protocol::endpoint(target.host + "/.s.PGSQL." + std::to_string(target.port)),
            asio::redirect_error(kUseAwaitable, ec));
        if (!ec) {
            co_await asio::async_write(socket, asio::buffer(request), asio::redirect_error(kUseAwaitable, ec));
        }
        co_return;
    }
    asio::ip::tcp::resolver resolver(executor);
    auto endpoints = co_await resolver.async_resolve(target.host, std::to_string(target.port),
                                                     asio::redirect_error(kUseAwaitable, ec));
    if (ec) {
        co_return;
    }
    asio::ip::tcp::socket socket(executor);
    co_await asio::async_connect(socket, endpoints, asio::redirect_error(kUseAwaitable, ec));
    if (!ec) {
        co_await asio::async_write(socket, asio::buffer(request), asio::redirect_error(kUseAwaitable, ec));
        // The server closes the connection once it has read the request.
        char byte;
        co_await socket.async_read_some(asio::buffer(&byte, 1), asio::redirect_error(kUseAwaitable, ec));
    }
}

} // namespace nectar::federation
