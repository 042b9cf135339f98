// One HTTP connection on Boost.Beast: read a request within the limits, route it, write the
// answer, and again while the client keeps the connection alive. The same code serves TCP and
// TLS (a template over the stream); Beast is included here and nowhere else.

#include "rest/http_server.hpp"
#include "rest/websocket_endpoint.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cctype>

namespace nectar::rest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

/// The client end of a connection.
struct Peer {
    bool loopback = false;
    std::string address; ///< "" when the socket could not say
};

/// How a failed read is answered; 0 when the connection just ends (closed, timed out, reset).
int status_for_read_error(const boost::system::error_code& ec) {
    if (ec == http::error::header_limit) {
        return 431;
    }
    if (ec == http::error::body_limit) {
        return 413;
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof || ec.category() == asio::error::get_ssl_category() ||
        ec == asio::ssl::error::stream_truncated) {
        return 0;
    }
    return 400; // a malformed request line, header, chunk or length
}

std::string read_error_message(int status, const HttpLimits& limits, const boost::system::error_code& ec) {
    if (status == 431) {
        return "request headers exceed " + std::to_string(limits.header_bytes) + " bytes";
    }
    if (status == 413) {
        return "request body exceeds " + std::to_string(limits.body_bytes) + " bytes";
    }
    return "malformed HTTP request: " + ec.message();
}

HttpRequest to_request(http::request<http::string_body>& in, std::string_view path,
                       std::vector<std::pair<std::string, std::string>> query, const Peer& peer) {
    HttpRequest r;
    r.method = std::string(in.method_string());
    r.path = std::string(path);
    r.query = std::move(query);
    for (const auto& field : in) {
        std::string name(field.name_string());
        for (char& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        r.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    r.body = std::move(in.body()); // up to body_bytes: moved, not copied
    r.peer_is_loopback = peer.loopback;
    r.peer_address = peer.address;
    return r;
}

void count(const HttpContext& context, int status) {
    if (context.stats == nullptr) {
        return;
    }
    context.stats->requests++;
    (status >= 500 ? context.stats->responses_5xx : status >= 400 ? context.stats->responses_4xx
                                                                  : context.stats->responses_2xx)++;
}

http::response<http::string_body> to_beast(HttpResponse&& response, unsigned version, bool keep_alive, bool head) {
    http::response<http::string_body> out{static_cast<http::status>(response.status), version};
    out.set(http::field::server, "nectar");
    out.set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) {
        out.set(name, value);
    }
    out.keep_alive(keep_alive);
    out.body() = std::move(response.body);
    out.prepare_payload();
    if (head) {
        out.body().clear(); // Content-Length stays what GET would send
    }
    return out;
}

template <typename Stream> beast::tcp_stream& tcp_of(Stream& stream) { return beast::get_lowest_layer(stream); }

/// Reads, answers, repeats while the connection is kept alive.
template <typename Stream>
asio::awaitable<void> serve_requests(Stream& stream, const HttpContext& context, const Peer& peer,
                                     federation::Engine* engine) {
    const HttpLimits& limits = context.limits;
    beast::flat_buffer buffer;
    for (;;) {
        boost::system::error_code ec;
        // An idle keep-alive connection waits up to idle_timeout for its next request; the
        // whole request must then arrive within read_timeout.
        tcp_of(stream).expires_after(limits.idle_timeout);
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes));
        parser.body_limit(limits.body_bytes);
        co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) {
            tcp_of(stream).expires_after(limits.read_timeout);
            co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        }
        bool draining = context.draining != nullptr && context.draining->load();
        HttpResponse response;
        unsigned version = 11;
        bool keep_alive = false;
        bool head = false;
        if (ec) {
            int status = status_for_read_error(ec);
            if (status == 0) {
                co_return;
            }
            response = HttpResponse::error(status, status == 400 ? "08P01" : "54000",
                                           read_error_message(status, limits, ec));
        } else {
            auto& in = parser.get();
            version = in.version();
            keep_alive = in.keep_alive() && !draining;
            head = in.method() == http::verb::head;
            auto target = decode_target(std::string_view(in.target().data(), in.target().size()));
            if (!target) {
                response = HttpResponse::error(400, "22021", "malformed request target (bad %-escape or NUL)");
            } else {
                HttpRequest request = to_request(in, target->path, std::move(target->query), peer);
                request.engine = engine;
                response = co_await context.router->route(request);
                // A route accepted a WebSocket upgrade: the connection is the endpoint's from now on.
                if (response.status == 101 && context.websocket != nullptr && beast::websocket::is_upgrade(in)) {
                    count(context, response.status);
                    co_await context.websocket->serve(stream, parser.release(), std::move(request));
                    co_return;
                }
                if (response.status == 101) {
                    response = HttpResponse::error(400, "08P01", "malformed WebSocket upgrade request");
                }
            }
        }
        count(context, response.status);
        auto out = to_beast(std::move(response), version, keep_alive, head);
        tcp_of(stream).expires_after(limits.read_timeout);
        if (head) {
            http::response_serializer<http::string_body> serializer(out);
            co_await http::async_write_header(stream, serializer, asio::redirect_error(asio::use_awaitable, ec));
        } else {
            co_await http::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
        }
        if (ec || !keep_alive) {
            co_return;
        }
    }
}

} // namespace

asio::awaitable<void> serve_http_connection(asio::ip::tcp::socket socket, const HttpContext& context,
                                            federation::Engine* engine) {
    boost::system::error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    Peer peer;
    if (!ec) {
        auto address = endpoint.address();
        if (address.is_v6() && address.to_v6().is_v4_mapped()) {
            address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
        }
        peer.loopback = address.is_loopback();
        peer.address = address.to_string();
    }
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    if (context.stats != nullptr) {
        context.stats->connections++;
    }
    beast::tcp_stream tcp(std::move(socket));
    if (context.tls == nullptr) {
        co_await serve_requests(tcp, context, peer, engine);
        tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    } else {
        beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), *context.tls);
        tls.next_layer().expires_after(context.limits.read_timeout);
        co_await tls.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) {
            co_await serve_requests(tls, context, peer, engine);
            tls.next_layer().expires_after(std::chrono::seconds(5));
            co_await tls.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
        }
    }
    if (context.stats != nullptr) {
        context.stats->connections--;
    }
}

} // namespace nectar::rest
