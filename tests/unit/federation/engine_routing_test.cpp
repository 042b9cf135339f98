// Which pg-wire statements the federation engine takes over from the pass-through path.
#include "federation/engine.hpp"

#include <doctest.h>

using namespace nectar::federation;

TEST_CASE("engine routing: a statement naming another service (or nectar.) goes to the engine") {
    Engine engine(std::make_shared<CatalogCache>());
    engine.add_connector("app", "postgresql", nullptr);
    engine.add_connector("my1", "mysql", nullptr);
    engine.add_connector("lite", "sqlite", nullptr);

    // The session's own service and unqualified names stay on the fast path.
    CHECK_FALSE(engine.mentions_other_service("SELECT abalance FROM pgbench_accounts WHERE aid = 1;", "app"));
    CHECK_FALSE(engine.mentions_other_service("select * from app.t join public.u using (id)", "app"));
    // Another service, in any case, quoted or not, at an identifier start.
    CHECK(engine.mentions_other_service("select * from my1.orders", "app"));
    CHECK(engine.mentions_other_service("SELECT * FROM MY1.orders", "app"));
    CHECK(engine.mentions_other_service("select * from \"lite\".products", "app"));
    CHECK(engine.mentions_other_service("call nectar.refresh_catalog()", "app"));
    // Not a service: a longer identifier ending or starting with the name, or a quoted different case.
    CHECK_FALSE(engine.mentions_other_service("select * from xmy1.orders", "app"));
    CHECK_FALSE(engine.mentions_other_service("select * from my10.orders", "app"));
    CHECK_FALSE(engine.mentions_other_service("select * from \"MY1\".orders", "app"));
    // From a MySQL session, PostgreSQL's service is the other one.
    CHECK(engine.mentions_other_service("select * from app.t", "my1"));
}
