#pragma once
// GET /docs (SPEC §5): Swagger UI, from npm's swagger-ui-dist (pinned in rest/docs/package.json),
// on /api/v2/openapi.json. The page and its files are embedded in the binary at build time
// (rest/docs/embed_assets.py), so a single nectar binary serves them with nothing beside it.

#include "rest/http_message.hpp"

#include <span>
#include <string_view>

namespace nectar::rest {

/// One embedded file of the docs page.
struct DocsAsset {
    std::string_view name;         ///< the URL name under /docs/ ("swagger-ui.css")
    std::string_view content_type;
    std::string_view body;
    std::string_view etag;         ///< quoted, a digest of the body
};

/// Every embedded file (defined in the generated docs_assets.cpp).
std::span<const DocsAsset> docs_assets();

/// GET /docs (the page) and /docs/{asset}: open routes, since they hold no data (the document
/// the page loads follows the normal authentication).
void add_docs_routes(HttpRouter& router);

} // namespace nectar::rest
