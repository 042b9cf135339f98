#include "rest/http_message.hpp"

#include "federation/connectors/service_url.hpp"
#include "rest/json_writer.hpp"

#include <algorithm>

namespace nectar::rest {

namespace {

/// A decoded path or query part, or nullopt (bad escape, NUL).
std::optional<std::string> decode_part(std::string_view in, bool plus_is_space) {
    std::string out;
    if (!federation::percent_decode(in, out, plus_is_space)) {
        return std::nullopt;
    }
    return out;
}

const std::string* find_pair(const std::vector<std::pair<std::string, std::string>>& pairs, std::string_view name) {
    auto it = std::find_if(pairs.begin(), pairs.end(), [&](const auto& p) { return p.first == name; });
    return it == pairs.end() ? nullptr : &it->second;
}

} // namespace

const std::string* HttpRequest::header(std::string_view name) const { return find_pair(headers, name); }

const std::string* HttpRequest::param(std::string_view name) const { return find_pair(query, name); }

const std::string& HttpRequest::path_param(std::string_view name) const {
    static const std::string none;
    const std::string* value = find_pair(path_params, name);
    return value ? *value : none;
}

HttpResponse HttpResponse::error(int status, std::string_view sqlstate, std::string_view message) {
    HttpResponse r;
    r.status = status;
    JsonWriter w(r.body);
    w.begin_object();
    w.key("error");
    w.begin_object();
    w.key("code");
    w.integer(status);
    w.key("sqlstate");
    w.string(sqlstate);
    w.key("message");
    w.string(message);
    w.end_object();
    w.end_object();
    return r;
}

std::optional<DecodedTarget> decode_target(std::string_view target) {
    DecodedTarget decoded;
    size_t question = target.find('?');
    auto path = decode_part(target.substr(0, question), false);
    if (!path || path->empty() || (*path)[0] != '/') {
        return std::nullopt;
    }
    decoded.path = std::move(*path);
    if (question == std::string_view::npos) {
        return decoded;
    }
    std::string_view rest = target.substr(question + 1);
    while (!rest.empty()) {
        size_t amp = rest.find('&');
        std::string_view part = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (part.empty()) {
            continue;
        }
        size_t eq = part.find('=');
        auto name = decode_part(part.substr(0, eq), true);
        auto value = decode_part(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true);
        if (!name || !value) {
            return std::nullopt;
        }
        decoded.query.emplace_back(std::move(*name), std::move(*value));
    }
    return decoded;
}

namespace {

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> segments;
    size_t start = 1; // after the leading '/'
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        size_t end = slash == std::string_view::npos ? path.size() : slash;
        segments.emplace_back(path.substr(start, end - start));
        start = end + 1;
    }
    return segments;
}

bool is_placeholder(const std::string& segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

} // namespace

void HttpRouter::add(std::string method, std::string path, Handler handler, bool open) {
    Route route{std::move(handler), open};
    if (path.find('{') == std::string::npos) {
        exact_[std::move(path)][std::move(method)] = std::move(route);
        return;
    }
    std::vector<std::string> segments = split_path(path);
    for (auto& p : patterns_) {
        if (p.segments == segments) {
            p.methods[std::move(method)] = std::move(route);
            return;
        }
    }
    patterns_.push_back(Pattern{std::move(segments), {}});
    patterns_.back().methods[std::move(method)] = std::move(route);
}

const HttpRouter::Methods* HttpRouter::match(HttpRequest& request) const {
    if (auto exact = exact_.find(request.path); exact != exact_.end()) {
        return &exact->second;
    }
    // Matched on the decoded path: a %2F inside a name is a slash, so names cannot hold one.
    std::vector<std::string> segments = split_path(request.path);
    for (const auto& p : patterns_) {
        if (p.segments.size() != segments.size()) {
            continue;
        }
        std::vector<std::pair<std::string, std::string>> params;
        bool same = true;
        for (size_t i = 0; i < segments.size() && same; i++) {
            if (is_placeholder(p.segments[i])) {
                same = !segments[i].empty();
                params.emplace_back(p.segments[i].substr(1, p.segments[i].size() - 2), segments[i]);
            } else {
                same = p.segments[i] == segments[i];
            }
        }
        if (same) {
            request.path_params = std::move(params);
            return &p.methods;
        }
    }
    return nullptr;
}

int json_nesting_depth(std::string_view json) {
    int depth = 0;
    int deepest = 0;
    bool in_string = false;
    for (size_t i = 0; i < json.size(); ++i) {
        char c = json[i];
        if (in_string) {
            if (c == '\\') {
                ++i; // the escaped character cannot end the string
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            deepest = std::max(deepest, ++depth);
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return deepest;
}

boost::asio::awaitable<HttpResponse> HttpRouter::route(HttpRequest& request) const {
    const Methods* methods = match(request);
    if (methods == nullptr) {
        co_return HttpResponse::error(404, "42704", "no such endpoint: " + request.path);
    }
    auto handler = methods->find(request.method);
    if (handler == methods->end() && request.method == "HEAD") {
        handler = methods->find("GET"); // the session drops the body
    }
    if (handler == methods->end()) {
        std::string allowed;
        for (const auto& [method, h] : *methods) {
            allowed += (allowed.empty() ? "" : ", ") + method;
        }
        HttpResponse r = HttpResponse::error(405, "0A000", "method " + request.method + " is not allowed on " +
                                                               request.path + " (allowed: " + allowed + ")");
        r.headers.emplace_back("Allow", allowed);
        co_return r;
    }
    if (handler->second.open) {
        co_return co_await handler->second.handler(request);
    }
    if (authenticate_) {
        if (auto refused = authenticate_(request)) {
            co_return std::move(*refused);
        }
    }
    // Deep nesting costs parsers stack and time: refused before anyone parses it.
    if (!request.body.empty() && json_nesting_depth(request.body) > kMaxJsonDepth) {
        co_return HttpResponse::error(400, "54000", "the request body's JSON is nested deeper than " +
                                                         std::to_string(kMaxJsonDepth) + " levels");
    }
    co_return co_await run_chain(0, request, handler->second.handler);
}

boost::asio::awaitable<HttpResponse> HttpRouter::run_chain(size_t index, const HttpRequest& request,
                                                           const Handler& handler) const {
    if (index == middlewares_.size()) {
        co_return co_await handler(request);
    }
    // `next` is a plain function returning the rest of the chain's coroutine, so no lambda
    // coroutine frame outlives its closure.
    const Handler next = [this, index, &handler](const HttpRequest& r) { return run_chain(index + 1, r, handler); };
    co_return co_await middlewares_[index](request, next);
}

} // namespace nectar::rest
