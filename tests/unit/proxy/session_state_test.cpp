#include "proxy/session_state.hpp"

#include "state_test_util.hpp"

#include <utility>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <doctest.h>
#include <set>
#include <thread>

using namespace nectar::proxy;
using nectar::federation::PgConnection;
using nectar::federation::PgTarget;
using nectar::proxy::test::found;

namespace {

/// Server connection objects without sockets, as the pool would hand them out.
class Connections {
  public:
    std::unique_ptr<PgConnection> make() { return PgConnection::unconnected(io_.get_executor(), target_); }

  private:
    boost::asio::io_context io_;
    PgTarget target_;
};

/// Runs `sql` "successfully" on `conn` as the session would: its state changes applied.
bool run(SessionState& state, PgConnection& conn, std::string_view sql) {
    return state.apply(find_state_statements(sql), conn);
}

constexpr uint64_t kSessionA = 1;
constexpr uint64_t kSessionB = 2;

} // namespace

TEST_CASE("StatementRegistry names each (query, parameter types) once") {
    StatementRegistry registry;
    auto a = registry.intern("SELECT $1", {23});
    auto again = registry.intern("SELECT $1", {23});
    auto other_types = registry.intern("SELECT $1", {25});
    auto no_types = registry.intern("SELECT $1", {});
    auto other_query = registry.intern("SELECT $1 ", {23});
    CHECK(a == again);
    CHECK(a->server_name == again->server_name);
    CHECK(a->query == "SELECT $1");
    CHECK(a->param_types == std::vector<uint32_t>{23});
    std::set<std::string> names{a->server_name, other_types->server_name, no_types->server_name,
                                other_query->server_name};
    CHECK(names.size() == 4);
    CHECK(names.count("") == 0);
    // Types are not confused by how their digits concatenate.
    CHECK(registry.intern("q", {1, 23})->server_name != registry.intern("q", {12, 3})->server_name);
    // The statement's own session-state effects come with it.
    auto set = registry.intern("SET search_path = a", {});
    REQUIRE(set->changes.size() == 1);
    CHECK(set->changes[0].key == "search_path");
    CHECK(a->changes.empty());
}

TEST_CASE("StatementRegistry is safe to intern from several threads") {
    StatementRegistry registry;
    constexpr int kThreads = 4;
    constexpr int kQueries = 200;
    std::vector<std::vector<std::string>> names(kThreads, std::vector<std::string>(kQueries));
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            while (!go.load()) {
                std::this_thread::yield();
            }
            // Each thread walks the queries in a different order.
            for (int i = 0; i < kQueries; ++i) {
                int q = (t % 2 == 0) ? i : kQueries - 1 - i;
                names[t][q] = registry.intern("SELECT " + std::to_string(q), {23})->server_name;
            }
        });
    }
    go = true;
    for (auto& thread : threads) {
        thread.join();
    }
    std::set<std::string> distinct;
    for (int q = 0; q < kQueries; ++q) {
        for (int t = 1; t < kThreads; ++t) {
            CHECK(names[t][q] == names[0][q]);
        }
        distinct.insert(names[0][q]);
    }
    CHECK(distinct.size() == kQueries);
}

TEST_CASE("a fresh connection gets the startup settings, once") {
    Connections connections;
    auto conn = connections.make();
    SessionState state;
    state.add_startup_setting("application_name", "app");
    state.add_startup_setting("DateStyle", "ISO, DMY");
    CHECK(state.sync_statements(*conn, kSessionA) ==
          "SET \"application_name\" = 'app';\nSET \"DateStyle\" = 'ISO, DMY';\n");
    CHECK(conn->applied_settings.size() == 2);
    CHECK(conn->applied_settings.count("datestyle") == 1);
    CHECK(state.sync_statements(*conn, kSessionA) == "");
    CHECK(state.sync_statements(*conn, kSessionA) == "");

    // A session with no settings of its own needs nothing on a fresh connection.
    SessionState plain;
    CHECK(plain.sync_statements(*connections.make(), kSessionB) == "");
}

TEST_CASE("a change made on one connection reaches the session's other connections") {
    Connections connections;
    auto first = connections.make();
    auto second = connections.make();
    SessionState state;
    state.add_startup_setting("application_name", "app");
    CHECK(!state.sync_statements(*first, kSessionA).empty());
    CHECK(!state.sync_statements(*second, kSessionA).empty());

    CHECK_FALSE(run(state, *first, "SET search_path = app, public"));
    CHECK(state.sync_statements(*first, kSessionA) == ""); // it ran there already
    CHECK(state.sync_statements(*second, kSessionA) == "SET search_path = app, public;\n");
    CHECK(state.sync_statements(*second, kSessionA) == "");
}

TEST_CASE("another session's settings are reset or overwritten") {
    Connections connections;
    auto conn = connections.make();
    SessionState a;
    a.add_startup_setting("application_name", "a");
    a.add_startup_setting("TimeZone", "UTC");
    a.sync_statements(*conn, kSessionA);
    run(a, *conn, "SET search_path = a; SET ROLE alice; SET myapp.tenant = '7'");

    SessionState b;
    b.add_startup_setting("application_name", "b");
    std::string sync = b.sync_statements(*conn, kSessionB);
    CHECK(sync == "RESET \"myapp.tenant\";\nRESET ROLE;\nRESET \"search_path\";\nRESET \"timezone\";\n"
                  "SET \"application_name\" = 'b';\n");
    CHECK(conn->applied_settings == std::map<std::string, std::string>{
                                        {"application_name", "SET \"application_name\" = 'b'"}});
    CHECK(b.sync_statements(*conn, kSessionB) == "");

    // Back to session a: all of its state again, whatever b did.
    std::string back = a.sync_statements(*conn, kSessionA);
    CHECK(found(back) == "set(application_name) set(myapp.tenant) set(search_path) set(timezone) set(role)");
}

TEST_CASE("the client's own SET wins over its startup value of the same setting") {
    Connections connections;
    auto conn = connections.make();
    SessionState state;
    state.add_startup_setting("TimeZone", "UTC");
    state.sync_statements(*conn, kSessionA);
    // Any spelling of the name is the same setting.
    run(state, *conn, "SET \"TimeZone\" = 'Europe/Paris'");
    CHECK(state.sync_statements(*conn, kSessionA) == "");
    CHECK(state.sync_statements(*connections.make(), kSessionA) == "SET \"TimeZone\" = 'Europe/Paris';\n");
    run(state, *conn, "SET TIME ZONE 'Asia/Tokyo'");
    CHECK(state.sync_statements(*connections.make(), kSessionA) == "SET TIME ZONE 'Asia/Tokyo';\n");
}

TEST_CASE("SQL PREPAREs are replayed, other sessions' ones deallocated") {
    Connections connections;
    auto conn = connections.make();
    SessionState a;
    CHECK(a.sync_statements(*conn, kSessionA) == "");
    CHECK_FALSE(run(a, *conn, "PREPARE pa AS SELECT 1; PREPARE \"Odd\"\"Name\" AS SELECT 2"));
    CHECK(conn->sql_prepares.size() == 2);

    auto other = connections.make();
    CHECK(a.sync_statements(*other, kSessionA) ==
          " PREPARE \"Odd\"\"Name\" AS SELECT 2;\nPREPARE pa AS SELECT 1;\n");

    SessionState b;
    CHECK(b.sync_statements(*conn, kSessionB) == "DEALLOCATE \"Odd\"\"Name\";\nDEALLOCATE \"pa\";\n");
    CHECK(conn->sql_prepares.empty());

    // Same name, another statement: the old one goes, the new one comes.
    run(b, *conn, "PREPARE pa AS SELECT 'b'");
    CHECK(a.sync_statements(*conn, kSessionA) ==
          "DEALLOCATE \"pa\";\n PREPARE \"Odd\"\"Name\" AS SELECT 2;\nPREPARE pa AS SELECT 1;\n");

    // DEALLOCATE forgets it for good.
    CHECK_FALSE(run(a, *conn, "DEALLOCATE pa"));
    CHECK(conn->sql_prepares.count("pa") == 0);
    CHECK(a.sync_statements(*connections.make(), kSessionA) == " PREPARE \"Odd\"\"Name\" AS SELECT 2;\n");
}

TEST_CASE("RESET of a startup setting makes the next sync re-apply it") {
    Connections connections;
    auto conn = connections.make();
    SessionState state;
    state.add_startup_setting("application_name", "app");
    state.sync_statements(*conn, kSessionA);
    run(state, *conn, "SET application_name = 'changed'");
    CHECK(state.sync_statements(*conn, kSessionA) == "");

    // The server's RESET goes back to the server connection's value, not the client's.
    run(state, *conn, "RESET application_name");
    CHECK(state.sync_statements(*conn, kSessionA) == "SET \"application_name\" = 'app';\n");
    CHECK(state.sync_statements(*conn, kSessionA) == "");

    // RESET of a setting that is not a startup one needs nothing more.
    run(state, *conn, "SET work_mem = '64MB'");
    run(state, *conn, "RESET work_mem");
    CHECK(state.sync_statements(*conn, kSessionA) == "");
    CHECK(conn->applied_settings.count("work_mem") == 0);
    CHECK(state.sync_statements(*connections.make(), kSessionA) == "SET \"application_name\" = 'app';\n");
}

TEST_CASE("RESET ALL") {
    Connections connections;
    auto conn = connections.make();
    SessionState state;
    state.add_startup_setting("application_name", "app");
    state.sync_statements(*conn, kSessionA);
    run(state, *conn, "SET search_path = x; SET application_name = 'other'; SET ROLE alice");
    CHECK_FALSE(run(state, *conn, "RESET ALL"));
    // Startup settings come back; SETs are gone, except the role, which RESET ALL leaves alone.
    CHECK(state.sync_statements(*conn, kSessionA) == "SET \"application_name\" = 'app';\n");
    CHECK(conn->applied_settings.count("search_path") == 0);
    CHECK(state.sync_statements(*connections.make(), kSessionA) ==
          "SET \"application_name\" = 'app';\n SET ROLE alice;\n");
    // Another session on that connection must not keep the role.
    SessionState other;
    CHECK(other.sync_statements(*conn, kSessionB) == "RESET \"application_name\";\nRESET ROLE;\n");
}

TEST_CASE("SET SESSION AUTHORIZATION resets the role, on replay too") {
    Connections connections;
    auto conn = connections.make();
    SessionState state;
    state.sync_statements(*conn, kSessionA);
    run(state, *conn, "SET SESSION AUTHORIZATION bob; SET ROLE alice");
    // On another connection the role must come after the authorization, or it is lost.
    CHECK(state.sync_statements(*connections.make(), kSessionA) ==
          "SET SESSION AUTHORIZATION bob;\n SET ROLE alice;\n");

    // The server drops the role when the authorization changes.
    run(state, *conn, "SET SESSION AUTHORIZATION carol");
    CHECK(conn->applied_settings.count("role") == 0);
    CHECK(state.sync_statements(*connections.make(), kSessionA) == "SET SESSION AUTHORIZATION carol;\n");

    // A connection where the role is in force but the authorization differs gets both again.
    SessionState other;
    auto shared = connections.make();
    other.sync_statements(*shared, kSessionB);
    run(other, *shared, "SET SESSION AUTHORIZATION bob; SET ROLE alice");
    SessionState same_role; // the same role under another authorization
    same_role.sync_statements(*shared, 3);
    run(same_role, *shared, "SET SESSION AUTHORIZATION dave; SET ROLE alice");
    CHECK(other.sync_statements(*shared, kSessionB) == "SET SESSION AUTHORIZATION bob;\n SET ROLE alice;\n");
}

TEST_CASE("DISCARD ALL and DEALLOCATE ALL drop every prepared statement") {
    Connections connections;
    auto conn = connections.make();
    SessionState state;
    state.add_startup_setting("application_name", "app");
    state.sync_statements(*conn, kSessionA);
    conn->prepared = {"nectar_1", "nectar_2"};
    run(state, *conn, "PREPARE p AS SELECT 1; SET search_path = x; LISTEN c");
    CHECK(state.listening());

    SUBCASE("DISCARD ALL") {
        CHECK(run(state, *conn, "DISCARD ALL"));
        CHECK(conn->prepared.empty());
        CHECK(conn->sql_prepares.empty());
        CHECK_FALSE(state.listening());
        CHECK(state.sync_statements(*conn, kSessionA) == "SET \"application_name\" = 'app';\n");
        CHECK(state.sync_statements(*connections.make(), kSessionA) == "SET \"application_name\" = 'app';\n");
    }
    SUBCASE("DEALLOCATE ALL") {
        CHECK(run(state, *conn, "DEALLOCATE ALL"));
        CHECK(conn->prepared.empty());
        CHECK(conn->sql_prepares.empty());
        CHECK(state.listening());
        CHECK(state.sync_statements(*conn, kSessionA) == "");
        CHECK(state.sync_statements(*connections.make(), kSessionA) ==
              "SET \"application_name\" = 'app';\n SET search_path = x;\n");
    }
    SUBCASE("other statements keep them") {
        CHECK_FALSE(run(state, *conn, "DISCARD PLANS; DEALLOCATE p; SET a.b = 1"));
        CHECK(conn->prepared.size() == 2);
    }
}

TEST_CASE("LISTEN and UNLISTEN * toggle listening") {
    Connections connections;
    auto conn = connections.make();
    SessionState state;
    CHECK_FALSE(state.listening());
    run(state, *conn, "LISTEN jobs");
    CHECK(state.listening());
    run(state, *conn, "UNLISTEN jobs"); // other channels may remain: still pinned
    CHECK(state.listening());
    run(state, *conn, "UNLISTEN *");
    CHECK_FALSE(state.listening());
    run(state, *conn, "LISTEN a; UNLISTEN *; LISTEN b");
    CHECK(state.listening());
}

TEST_CASE("a sync is SQL that runs as separate statements") {
    Connections connections;
    auto conn = connections.make();
    SessionState state;
    state.add_startup_setting("application_name", "app");
    state.sync_statements(*conn, kSessionA);
    run(state, *conn, "SET search_path = x -- trailing comment");
    run(state, *conn, "PREPARE p AS SELECT 1 /* note */");
    std::string sync = state.sync_statements(*connections.make(), kSessionA);
    CHECK(found(sync) == "set(application_name) set(search_path) prepare(p)");
}
