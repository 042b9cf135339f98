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
    /// The {name} segments of the route that matched, decoded ("/_table/{table}" → table).
    std::vector<std::pair<std::string, std::string>> path_params;
    /// The worker's engine (the connection's worker runs the request's plans).
    federation::Engine* engine = nullptr;

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

    void add(std::string method, std::string path, Handler handler);
    /// Fills request.path_params from the matching pattern, then runs its handler.
    boost::asio::awaitable<HttpResponse> route(HttpRequest& request) const;

  private:
    using Methods = std::map<std::string, Handler, std::less<>>;
    struct Pattern {
        std::vector<std::string> segments; ///< "{name}" or a literal
        Methods methods;
    };
    const Methods* match(HttpRequest& request) const;

    std::map<std::string, Methods, std::less<>> exact_; ///< path → method → handler
    std::vector<Pattern> patterns_;
};

} // namespace nectar::rest
