// The shared catalog cache: fresh entries serve as they are; past max_age the old tables keep
// serving while exactly one caller is told to rediscover.

#include "federation/catalog/catalog.hpp"

#include <doctest.h>

#include <thread>

using namespace nectar::federation;

namespace {

ServiceTables tables_named(const std::string& name) {
    ServiceTables st;
    st.kind = "postgresql";
    st.tables.push_back(TableInfo{"public", name, {}, false, -1});
    return st;
}

} // namespace

TEST_CASE("catalog cache: stale tables keep serving and one caller refreshes") {
    CatalogCache cache(std::chrono::seconds(0)); // everything is stale at once
    CHECK_FALSE(cache.lookup("pg").tables);
    cache.put("pg", tables_named("a"));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    auto first = cache.lookup("pg");
    REQUIRE(first.tables);
    CHECK(first.refresh);
    auto second = cache.lookup("pg"); // while the first refreshes
    CHECK(second.tables == first.tables);
    CHECK_FALSE(second.refresh);
    cache.put("pg", tables_named("b"));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    auto third = cache.lookup("pg");
    CHECK(third.tables->tables[0].name == "b");
    CHECK(third.refresh);
    cache.refresh_failed("pg"); // the old tables stay; the next stale lookup refreshes again
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    CHECK(cache.lookup("pg").refresh);
    cache.invalidate("pg");
    CHECK_FALSE(cache.lookup("pg").tables);
}

TEST_CASE("catalog cache: a fresh entry is not refreshed") {
    CatalogCache cache(std::chrono::seconds(60));
    cache.put("pg", tables_named("a"));
    auto found = cache.lookup("pg");
    REQUIRE(found.tables);
    CHECK_FALSE(found.refresh);
}
