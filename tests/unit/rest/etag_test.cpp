// ETags: one digest per body, and If-Match / If-None-Match lists compared as RFC 9110 says.

#include "rest/etag.hpp"

#include <doctest.h>

using namespace nectar::rest;

TEST_CASE("etag: a quoted digest that changes with the body") {
    const std::string a = etag_of(R"({"id":1})");
    CHECK(a.size() == 34);
    CHECK(a.front() == '"');
    CHECK(a.back() == '"');
    CHECK(a == etag_of(R"({"id":1})"));
    CHECK(a != etag_of(R"({"id":2})"));
}

TEST_CASE("etag: header lists, *, weak prefixes and near misses") {
    const std::string tag = etag_of("x");
    CHECK(etag_matches(tag, tag));
    CHECK(etag_matches("*", tag));
    CHECK(etag_matches("\"abc\", " + tag, tag));
    CHECK(etag_matches("W/" + tag, tag));
    CHECK_FALSE(etag_matches("\"abc\"", tag));
    CHECK_FALSE(etag_matches("", tag));
    CHECK_FALSE(etag_matches(tag.substr(1, 32), tag)); // unquoted is another tag
}
