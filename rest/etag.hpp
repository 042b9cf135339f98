#pragma once
// Entity tags of the REST face (SPEC §5): a GET response's ETag is a digest of its body, so a
// row's ETag (GET .../_table/{table}/{id}) is what a PATCH/PUT/DELETE `If-Match` compares.

#include <string>
#include <string_view>

namespace nectar::rest {

/// A strong ETag for a response body: `"` + 32 hex digits of the body's SHA-256 + `"`.
std::string etag_of(std::string_view body);

/// Whether an If-Match / If-None-Match header value names `etag`: `*`, or a comma-separated
/// list of tags (a `W/` weak prefix is ignored, as RFC 9110's weak comparison does).
bool etag_matches(std::string_view header_value, std::string_view etag);

} // namespace nectar::rest
