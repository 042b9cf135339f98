#pragma once
// HTTP requests and responses as the REST face's handlers see them (no Beast types), and the
// router that picks a handler by method and path.

#include <utility>

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::federation {
class Engine;
}

namespace nectar::rest {

struct HttpRequest {
    std::string method;                                      ///< "GET", "POST"...
    std::string path;                                        ///< percent-decoded, without the query
    std::vector<std::pair<std::string, std::string>> query;  ///< decoded, in order
    std::vector<std::pair<std::string, std::string>> headers; ///< names lower-case
    std::string body;
    bool peer_is_loopback = false;
    std::string peer_address; ///< the client's IP address ("127.0.0.1", "::1")
    /// The {name} segments of the route that matched, decoded ("/_table/{table}" → table).
    std::vector<std::pair<std::string, std::string>> path_params;
    /// The worker's engine (the connection's worker runs the request's plans).
    federation::Engine* engine = nullptr;
    /// Who is calling (set by the router's authentication): an anonymous loopback caller, or
    /// the roles of the API key or JWT and the one X-Role picked (the first when none).
    bool anonymous = false;
    std::vector<std::string> roles;
    std::string role;
    /// Who the caller is, for rate limits and cache keys: "key:<digest prefix>" for an API key,
    /// "user:<sub>" for a JWT; empty when anonymous.
    std::string principal;
    /// A JWT caller's sub, and every claim of the token (strings as they are, other values as
    /// JSON text): what row policies read as current_user_id() and current_claim('name').
    std::string user_id;
    std::map<std::string, std::string> claims;

    /// The first header of that (lower-case) name, or null.
    const std::string* header(std::string_view name) const;
    /// The first query parameter of that name, or null.
    const std::string* param(std::string_view name) const;
    /// A {name} segment of the matched route ("" when the route has none of that name).
    const std::string& path_param(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; ///< extra headers

    /// SPEC §5's error body: {"error":{"code":status,"sqlstate":...,"message":...}}.
    static HttpResponse error(int status, std::string_view sqlstate, std::string_view message);
};

/// Request bodies nested deeper than this are refused (400) before any handler parses them.
constexpr int kMaxJsonDepth = 64;
/// The deepest nesting of objects and arrays in `json` (strings skipped; not a validator).
int json_nesting_depth(std::string_view json);

/// Splits a request target ("/a%20b?x=1&y") into its decoded path and query parameters; an
/// invalid escape, or a NUL anywhere, is nullopt (the caller answers 400).
struct DecodedTarget {
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
};
std::optional<DecodedTarget> decode_target(std::string_view target);

/// Handlers by method and path. A path is exact ("/healthz") or a pattern whose {name}
/// segments match any one non-empty segment ("/api/v2/{service}/_table/{table}"); exact paths
/// win, then patterns in the order added. Everything else is a JSON 404, or 405 when the path
/// exists with another method.
class HttpRouter {
  public:
    using Handler = std::function<boost::asio::awaitable<HttpResponse>(const HttpRequest&)>;
    /// Runs around the handler of every protected route, after authentication: it may answer
    /// itself (a 429, a cached response) or call `next` and change what it returns (headers).
    using Middleware =
        std::function<boost::asio::awaitable<HttpResponse>(const HttpRequest&, const Handler& next)>;

    /// `open`: answered without authentication (/healthz for load balancers and probes).
    void add(std::string method, std::string path, Handler handler, bool open = false);
    /// Checks every request to a route that is not open (returns the 401/403 to send instead).
    void set_authentication(std::function<std::optional<HttpResponse>(HttpRequest&)> authenticate) {
        authenticate_ = std::move(authenticate);
    }
    /// Middlewares run in the order added, the first outermost.
    void add_middleware(Middleware middleware) { middlewares_.push_back(std::move(middleware)); }
    /// Fills request.path_params from the matching pattern, authenticates, runs the middlewares
    /// and the handler.
    boost::asio::awaitable<HttpResponse> route(HttpRequest& request) const;

  private:
    struct Route {
        Handler handler;
        bool open = false;
    };
    using Methods = std::map<std::string, Route, std::less<>>;
    struct Pattern {
        std::vector<std::string> segments; ///< "{name}" or a literal
        Methods methods;
    };
    const Methods* match(HttpRequest& request) const;
    boost::asio::awaitable<HttpResponse> run_chain(size_t index, const HttpRequest& request,
                                                   const Handler& handler) const;

    std::map<std::string, Methods, std::less<>> exact_; ///< path → method → handler
    std::vector<Pattern> patterns_;
    std::function<std::optional<HttpResponse>(HttpRequest&)> authenticate_;
    std::vector<Middleware> middlewares_;
};

} // namespace nectar::rest
