#include "rest/docs_page.hpp"

#include "rest/etag.hpp"

#include <string>

namespace nectar::rest {

namespace {

constexpr std::string_view kPageAsset = "index.html";

const DocsAsset* find_asset(std::string_view name) {
    for (const DocsAsset& asset : docs_assets()) {
        if (asset.name == name) {
            return &asset;
        }
    }
    return nullptr;
}

HttpResponse serve(const HttpRequest& request, const DocsAsset& asset, std::string_view cache_control) {
    HttpResponse response;
    response.headers.emplace_back("ETag", std::string(asset.etag));
    response.headers.emplace_back("Cache-Control", std::string(cache_control));
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.content_type = std::string(asset.content_type);
    if (const std::string* tags = request.header("if-none-match"); tags != nullptr && etag_matches(*tags, asset.etag)) {
        response.status = 304;
        return response;
    }
    response.body = std::string(asset.body);
    return response;
}

HttpResponse page(const HttpRequest& request) {
    const DocsAsset* asset = find_asset(kPageAsset);
    if (asset == nullptr) {
        return HttpResponse::error(500, "XX000", "the docs page was not embedded at build time");
    }
    HttpResponse response = serve(request, *asset, "no-cache"); // revalidated: the page names the assets
    // The page runs only its own scripts and talks only to this Nectar.
    response.headers.emplace_back("Content-Security-Policy",
                                  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                  "frame-ancestors 'none'");
    response.headers.emplace_back("X-Frame-Options", "DENY");
    return response;
}

HttpResponse asset(const HttpRequest& request) {
    const std::string& name = request.path_param("asset");
    if (name == kPageAsset) {
        return page(request);
    }
    const DocsAsset* found = find_asset(name);
    if (found == nullptr) {
        return HttpResponse::error(404, "42704", "no docs file \"" + name + "\" (the page is at /docs)");
    }
    // An hour, then revalidated by ETag: the files change only when Nectar is upgraded.
    return serve(request, *found, "public, max-age=3600");
}

} // namespace

void add_docs_routes(HttpRouter& router) {
    auto page_handler = [](const HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
        co_return page(request);
    };
    router.add("GET", "/docs", page_handler, true);
    router.add("GET", "/docs/", page_handler, true);
    router.add(
        "GET", "/docs/{asset}",
        [](const HttpRequest& request) -> boost::asio::awaitable<HttpResponse> { co_return asset(request); }, true);
}

} // namespace nectar::rest
