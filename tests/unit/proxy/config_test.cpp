#include "proxy/config.hpp"

#include "config_test_util.hpp"

#include <doctest.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdlib.h>
#include <thread>

using namespace nectar::proxy;
using namespace nectar::proxy::testing;

TEST_CASE("defaults") {
    int exit_code = 42;
    Config c = load({}, &exit_code);
    CHECK(exit_code == 42);
    CHECK_FALSE(c.config_file);
    CHECK(c.pg_listen.host == "127.0.0.1");
    CHECK(c.pg_listen.port == 6432);
    CHECK(c.http_listen.host == "127.0.0.1");
    CHECK(c.http_listen.port == 8080);
    CHECK(c.data_dir == "./nectar-data");
    CHECK(c.services.empty());
    CHECK(c.default_service.empty());
    unsigned cores = std::thread::hardware_concurrency();
    CHECK(c.threads == static_cast<int>(cores == 0 ? 1 : std::min(cores, 256u)));
    CHECK(c.users.empty());
    CHECK(c.api_keys.empty());
    CHECK(c.jwt_secret.empty());
    CHECK(c.tls_cert.empty());
    CHECK(c.log_level == "info");
    CHECK_FALSE(c.demo);
    CHECK(c.max_message_bytes == 1u << 30);
    CHECK(c.pool_defaults.max_connections == 20);
    CHECK_FALSE(c.has_authentication());
}

TEST_CASE("every flag") {
    TempDir dir;
    std::string cert = dir.write("server.crt", "cert");
    std::string key = dir.write("server.key", "key");
    Config c = load({"--pg-listen",
                     "0.0.0.0:7000",
                     "--http-listen=[::1]:9000",
                     "--data-dir",
                     "/srv/nectar",
                     "--service",
                     "Sales=postgresql://u:p@db:5432/sales?sslmode=require&maxConnections=5",
                     "--service",
                     "hr=postgres:///hr",
                     "--default-service",
                     "HR",
                     "--threads",
                     "3",
                     "--user",
                     "alice:pw1:admin,reader",
                     "--user",
                     "bob:pw2",
                     "--api-key",
                     "k-123:reader",
                     "--api-key",
                     "k-456",
                     "--jwt-secret",
                     "jwt!",
                     "--tls-cert",
                     cert,
                     "--tls-key",
                     key,
                     "--log-level",
                     "DEBUG",
                     "--demo",
                     "--max-message-bytes",
                     "65536"});
    CHECK(c.pg_listen.host == "0.0.0.0");
    CHECK(c.pg_listen.port == 7000);
    CHECK(c.http_listen.host == "::1");
    CHECK(c.http_listen.port == 9000);
    CHECK(c.data_dir == "/srv/nectar");
    REQUIRE(c.services.size() == 2);
    CHECK(c.services[0].name == "sales");
    CHECK(c.services[0].url.host == "db");
    CHECK(c.services[0].url.params.size() == 1);
    CHECK(c.services[0].pool.max_connections == 5);
    CHECK(c.services[1].name == "hr");
    CHECK(c.services[1].url.database == "hr");
    CHECK(c.default_service == "hr");
    CHECK(c.find_service("SALES") == &c.services[0]);
    CHECK(c.find_service("nope") == nullptr);
    CHECK(c.threads == 3);
    REQUIRE(c.users.size() == 2);
    CHECK(c.users[0].name == "alice");
    CHECK(c.users[0].password == "pw1");
    CHECK(c.users[0].roles == std::vector<std::string>{"admin", "reader"});
    CHECK(c.users[1].roles.empty());
    REQUIRE(c.api_keys.size() == 2);
    CHECK(c.api_keys[0].key == "k-123");
    CHECK(c.api_keys[0].roles == std::vector<std::string>{"reader"});
    CHECK(c.api_keys[1].roles.empty());
    CHECK(c.jwt_secret == "jwt!");
    CHECK(c.tls_cert == cert);
    CHECK(c.tls_key == key);
    CHECK(c.log_level == "debug");
    CHECK(c.demo);
    CHECK(c.max_message_bytes == 65536);
}

TEST_CASE("--user passwords may hold escaped ':' and '\\'") {
    Config c = load({"--user", "carol:a\\:b\\\\c:ops", "--user", "dave:x\\y"});
    CHECK(c.users[0].password == "a:b\\c");
    CHECK(c.users[0].roles == std::vector<std::string>{"ops"});
    CHECK(c.users[1].password == "x\\y");
}

TEST_CASE("--threads 0 means one per core; --log-level warning is warn") {
    CHECK(load({"--threads", "0"}).threads >= 1);
    CHECK(load({"--threads", "256"}).threads == 256);
    CHECK(load({"--log-level", "warning"}).log_level == "warn");
}

TEST_CASE("--help and --version print and set the exit code to 0") {
    std::ostringstream out;
    auto* saved = std::cout.rdbuf(out.rdbuf());
    int help_code = 2;
    load({"--help"}, &help_code);
    int version_code = 2;
    load({"--version"}, &version_code);
    std::cout.rdbuf(saved);
    CHECK(help_code == 0);
    CHECK(version_code == 0);
    CHECK(contains(out.str(), "--pg-listen"));
    CHECK(contains(out.str(), "--api-key"));
    CHECK(contains(out.str(), "nectar "));
}

TEST_CASE("a TOML file with every key") {
    TempDir dir;
    std::string cert = dir.write("c.pem", "c");
    std::string key = dir.write("k.pem", "k");
    std::string file = dir.write("nectar.toml", R"(
pg-listen = "127.0.0.2:6000"
http-listen = "localhost:6001"
data-dir = "/var/lib/nectar"
default-service = "zeta"
threads = 4
log-level = "error"
tls-cert = ")" + cert + R"("
tls-key = ")" + key + R"("
jwt-secret = "file-secret"
demo = true
max-message-bytes = 1048576

[pool]
maxConnections = 8
idleTimeoutMillis = 1234

[services.zeta]
url = "postgresql://z:zz@zhost/zdb?maxConnections=6&sslmode=disable"

[services.alpha]
url = "postgresql://a@ahost:5433/adb"
[services.alpha.pool]
minConnections = 2
maxConnections = 10
acquireTimeoutMillis = 1
createTimeoutMillis = 2
reapIntervalMillis = 3
createRetryIntervalMillis = 4
poolMode = "session"

[[users]]
name = "erin"
password = "pw:with:colons"
roles = ["admin", "ops"]

[[users]]
name = "frank"
password = "x"

[[api-keys]]
key = "key-1"
roles = ["reader"]
)");
    Config c = load({"--config", file});
    CHECK(c.config_file == file);
    CHECK(c.pg_listen.host == "127.0.0.2");
    CHECK(c.pg_listen.port == 6000);
    CHECK(c.http_listen.host == "localhost");
    CHECK(c.data_dir == "/var/lib/nectar");
    CHECK(c.default_service == "zeta");
    CHECK(c.threads == 4);
    CHECK(c.log_level == "error");
    CHECK(c.tls_cert == cert);
    CHECK(c.tls_key == key);
    CHECK(c.jwt_secret == "file-secret");
    CHECK(c.demo);
    CHECK(c.max_message_bytes == 1048576);
    CHECK(c.pool_defaults.max_connections == 8);
    CHECK(c.pool_defaults.idle_timeout_ms == 1234);
    // Services keep the file's order, not the TOML library's sorted order.
    REQUIRE(c.services.size() == 2);
    CHECK(c.services[0].name == "zeta");
    CHECK(c.services[0].pool.max_connections == 6);
    CHECK(c.services[0].pool.idle_timeout_ms == 1234);
    CHECK(c.services[0].url.param("maxConnections") == nullptr);
    CHECK(*c.services[0].url.param("sslmode") == "disable");
    const PoolConfig& alpha = c.services[1].pool;
    CHECK(alpha.min_connections == 2);
    CHECK(alpha.max_connections == 10);
    CHECK(alpha.acquire_timeout_ms == 1);
    CHECK(alpha.create_timeout_ms == 2);
    CHECK(alpha.idle_timeout_ms == 1234);
    CHECK(alpha.reap_interval_ms == 3);
    CHECK(alpha.create_retry_interval_ms == 4);
    CHECK_FALSE(alpha.transaction_pooling);
    REQUIRE(c.users.size() == 2);
    CHECK(c.users[0].password == "pw:with:colons");
    CHECK(c.users[0].roles == std::vector<std::string>{"admin", "ops"});
    REQUIRE(c.api_keys.size() == 1);
    CHECK(c.api_keys[0].roles == std::vector<std::string>{"reader"});
}

TEST_CASE("flags override the file; repeated flags add to or replace its entries by name") {
    TempDir dir;
    std::string file = dir.write("n.toml", R"(
threads = 4
log-level = "error"
demo = true
[services.one]
url = "postgresql://h1/one"
[services.one.pool]
maxConnections = 3
[services.two]
url = "postgresql://h2/two"
[[users]]
name = "erin"
password = "old"
[[api-keys]]
key = "k1"
roles = ["a"]
)");
    Config c =
        load({"--config", file, "--threads", "2", "--log-level", "info", "--demo=false", "--service",
              "ONE=postgresql://new-h1/one?minConnections=1", "--service", "three=postgresql://h3/three",
              "--user", "erin:new:boss", "--user", "gus:pw", "--api-key", "k1:b", "--api-key", "k2"});
    CHECK(c.threads == 2);
    CHECK(c.log_level == "info");
    CHECK_FALSE(c.demo);
    REQUIRE(c.services.size() == 3);
    CHECK(c.services[0].name == "one");
    CHECK(c.services[0].url.host == "new-h1");
    CHECK(c.services[0].pool.max_connections == 3); // the file's pool settings for "one" still apply
    CHECK(c.services[0].pool.min_connections == 1);
    CHECK(c.services[1].name == "two");
    CHECK(c.services[2].name == "three");
    REQUIRE(c.users.size() == 2);
    CHECK(c.users[0].password == "new");
    CHECK(c.users[0].roles == std::vector<std::string>{"boss"});
    CHECK(c.users[1].name == "gus");
    REQUIRE(c.api_keys.size() == 2);
    CHECK(c.api_keys[0].roles == std::vector<std::string>{"b"});
}

TEST_CASE("reload_config re-reads the file and keeps the command line's overrides") {
    TempDir dir;
    std::string file = dir.write("n.toml", "threads = 4\nlog-level = \"error\"\n");
    Args args = {"--config", file, "--log-level", "debug"};
    auto argv = argv_of(args);
    int code = -1;
    Config first = load_config(static_cast<int>(argv.size()), argv.data(), &code);
    CHECK(first.threads == 4);
    CHECK(first.log_level == "debug");
    dir.write("n.toml", "threads = 6\nlog-level = \"warn\"\n[services.late]\nurl = \"postgresql://h/d\"\n");
    Config second = reload_config(first, static_cast<int>(argv.size()), argv.data());
    CHECK(second.threads == 6);
    CHECK(second.log_level == "debug");
    REQUIRE(second.services.size() == 1);
    CHECK(second.services[0].name == "late");
    dir.write("n.toml", "threads = \"many\"\n");
    CHECK_THROWS_AS(reload_config(second, static_cast<int>(argv.size()), argv.data()), ConfigError);
}

TEST_CASE("bad flag values name the flag and the value") {
    CHECK_ERROR(Args({"--pg-listen", "6432"}), "--pg-listen", "'6432'");
    CHECK_ERROR(Args({"--pg-listen", "host:0"}), "--pg-listen", "'host:0'");
    CHECK_ERROR(Args({"--pg-listen", "host:65536"}), "--pg-listen");
    CHECK_ERROR(Args({"--pg-listen", "::1:6432"}), "--pg-listen", "[::1]:PORT");
    CHECK_ERROR(Args({"--pg-listen", "[nope]:6432"}), "--pg-listen");
    CHECK_ERROR(Args({"--http-listen", ":8080"}), "--http-listen", "':8080'");
    CHECK_ERROR(Args({"--http-listen", "bad host:8080"}), "--http-listen");
    CHECK_ERROR(Args({"--threads", "257"}), "--threads", "'257'");
    CHECK_ERROR(Args({"--threads", "-1"}), "--threads", "'-1'");
    CHECK_ERROR(Args({"--threads", "two"}), "--threads", "'two'");
    CHECK_ERROR(Args({"--log-level", "loud"}), "--log-level", "'loud'");
    CHECK_ERROR(Args({"--max-message-bytes", "100"}), "--max-message-bytes", "'100'");
    CHECK_ERROR(Args({"--max-message-bytes", "4294967296"}), "--max-message-bytes");
    CHECK_ERROR(Args({"--data-dir", ""}), "--data-dir", "empty");
    CHECK_ERROR(Args({"--jwt-secret", ""}), "--jwt-secret", "empty");
    CHECK_ERROR(Args({"--no-such-flag"}), "--no-such-flag");
    CHECK_ERROR(Args({"--threads"}), "--threads");
    CHECK_ERROR(Args({"--service", "a=postgresql://h/a", "b=postgresql://h/b"}), "b=postgresql");
}

TEST_CASE("bad --service values") {
    CHECK_ERROR(Args({"--service", "postgresql"}), "--service", "NAME=URL");
    CHECK_ERROR(Args({"--service", "1abc=postgresql://h/d"}), "--service 1abc", "'1abc'", "identifier");
    CHECK_ERROR(Args({"--service", "my-db=postgresql://h/d"}), "'my-db'", "identifier");
    CHECK_ERROR(Args({"--service", "=postgresql://h/d"}), "identifier");
    CHECK_ERROR(Args({"--service", "Nectar=postgresql://h/d"}), "--service Nectar", "'nectar'", "reserved");
    CHECK_ERROR(Args({"--service", "a=postgresql://h/d", "--service", "A=postgresql://h/e"}), "--service A",
                "twice");
    CHECK_ERROR(Args({"--service", "a=http://h/d"}), "--service a", "unknown scheme 'http'");
    CHECK_ERROR(Args({"--service", "a=postgresql://h:0/d"}), "--service a", "port '0'");
    CHECK_ERROR(Args({"--service", "m=mongodb://h/d"}), "--service m", "connector for mongodb is not available yet");
    CHECK_ERROR(Args({"--service", "m=mssql://h/d"}), "connector for mssql");
    CHECK_ERROR(Args({"--service", "m=odbc:DSN=x"}), "connector for odbc");
}

TEST_CASE("mysql, mariadb and sqlite services are accepted") {
    for (const char* url : {"m=mysql://u:p@h/d", "m=mariadb://h/d", "m=sqlite:///tmp/x.db"}) {
        Config c = load({"--service", url});
        REQUIRE(c.services.size() == 1);
        CHECK(c.services[0].name == "m");
    }
}

TEST_CASE("pool settings in the URL are validated") {
    CHECK_ERROR(Args({"--service", "a=postgresql://h/d?maxConnections=0"}), "--service a", "maxConnections",
                "at least 1");
    CHECK_ERROR(Args({"--service", "a=postgresql://h/d?minConnections=5&maxConnections=4"}),
                "minConnections (5)", "maxConnections (4)");
    CHECK_ERROR(Args({"--service", "a=postgresql://h/d?idleTimeoutMillis=-5"}), "idleTimeoutMillis", "'-5'");
    CHECK_ERROR(Args({"--service", "a=postgresql://h/d?acquireTimeoutMillis=soon"}), "'soon'");
    CHECK_ERROR(Args({"--service", "a=postgresql://h/d?poolMode=statement"}), "poolMode", "'statement'");
    Config c =
        load({"--service", "a=postgresql://h/d?poolmode=session&sslmode=verify-full&MAXCONNECTIONS=2"});
    CHECK_FALSE(c.services[0].pool.transaction_pooling);
    CHECK(c.services[0].pool.max_connections == 2);
    REQUIRE(c.services[0].url.params.size() == 1);
    CHECK(c.services[0].url.params[0].first == "sslmode");
}

TEST_CASE("bad --user and --api-key values, never echoing secrets") {
    CHECK_ERROR(Args({"--user", "alice"}), "--user", "'alice'", "NAME:PASSWORD");
    CHECK_ERROR(Args({"--user", "alice:"}), "--user", "empty password");
    CHECK_ERROR(Args({"--user", ":pw"}), "--user", "user name");
    CHECK_ERROR(Args({"--user", "a:p", "--user", "a:q"}), "--user", "'a'", "twice");
    std::string message = load_error({"--user", "alice:hunter2:bad role"});
    CHECK(contains(message, "--user"));
    CHECK(contains(message, "'bad role'"));
    CHECK_FALSE(contains(message, "hunter2"));
    message = load_error({"--user", "alice:hunter2:"});
    CHECK(contains(message, "role"));
    CHECK_FALSE(contains(message, "hunter2"));
    message = load_error({"--api-key", "sekrit", "--api-key", "sekrit"});
    CHECK(contains(message, "--api-key #2"));
    CHECK_FALSE(contains(message, "sekrit"));
    message = load_error({"--api-key", "sekrit:a,,b"});
    CHECK(contains(message, "--api-key #1"));
    CHECK_FALSE(contains(message, "sekrit"));
    CHECK_ERROR(Args({"--api-key", ":reader"}), "--api-key #1", "empty");
    message = load_error({"--service", "a=postgresql://u:hunter2@h:99999/d"});
    CHECK(contains(message, "port"));
    CHECK_FALSE(contains(message, "hunter2"));
}

TEST_CASE("--tls-cert and --tls-key go together and must be readable files") {
    TempDir dir;
    std::string cert = dir.write("c.pem", "c");
    CHECK_ERROR(Args({"--tls-cert", cert}), "--tls-cert", "both or neither");
    CHECK_ERROR(Args({"--tls-key", cert}), "--tls-key", "both or neither");
    CHECK_ERROR(Args({"--tls-cert", cert, "--tls-key", dir.path("missing.pem")}), "--tls-key", "missing.pem",
                "cannot read");
    CHECK_ERROR(Args({"--tls-cert", dir.path(""), "--tls-key", cert}), "--tls-cert", "not a file");
}

TEST_CASE("--default-service must name a service") {
    CHECK_ERROR(Args({"--service", "a=postgresql://h/d", "--default-service", "b"}), "--default-service",
                "'b'", "services: a");
    CHECK_ERROR(Args({"--default-service", "bad-name"}), "--default-service", "'bad-name'");
    // The sample service exists when nothing else is configured, or with --demo.
    CHECK(load({"--default-service", "demo"}).default_service == "demo");
    CHECK(load({"--demo", "--service", "a=postgresql://h/d", "--default-service", "Demo"}).default_service ==
          "demo");
    CHECK_ERROR(Args({"--service", "a=postgresql://h/d", "--default-service", "demo"}), "'demo'");
    CHECK_ERROR(Args({"--demo", "--service", "demo=postgresql://h/d"}), "--service demo", "taken");
}

TEST_CASE("non-loopback addresses need authentication") {
    CHECK_ERROR(Args({"--pg-listen", "0.0.0.0:6432"}), "--pg-listen", "0.0.0.0:6432", "--user", "--api-key",
                "--jwt-secret");
    CHECK_ERROR(Args({"--http-listen", "[::]:8080"}), "--http-listen", "[::]:8080", "--user");
    CHECK_ERROR(Args({"--http-listen", "db.example.com:8080"}), "--http-listen");
    CHECK(load({"--pg-listen", "0.0.0.0:6432", "--user", "u:p"}).pg_listen.host == "0.0.0.0");
    CHECK(load({"--http-listen", "0.0.0.0:80", "--api-key", "k"}).http_listen.port == 80);
    CHECK(load({"--http-listen", "10.1.2.3:80", "--jwt-secret", "s"}).http_listen.host == "10.1.2.3");
    // Every loopback spelling is fine without authentication.
    for (std::string host :
         {"127.0.0.1", "127.1.2.3", "[::1]", "localhost", "LOCALHOST", "[::ffff:127.0.0.1]"}) {
        CAPTURE(host);
        CHECK_NOTHROW(load({"--pg-listen", host + ":7000", "--http-listen", host + ":7001"}));
    }
    TempDir dir;
    std::string file = dir.write("n.toml", "pg-listen = \"0.0.0.0:6432\"\n");
    CHECK_ERROR(Args({"--config", file}), "n.toml:1: pg-listen", "0.0.0.0");
}

TEST_CASE("Endpoint::is_loopback") {
    CHECK(Endpoint{"127.0.0.1", 1}.is_loopback());
    CHECK(Endpoint{"127.255.0.9", 1}.is_loopback());
    CHECK(Endpoint{"::1", 1}.is_loopback());
    CHECK(Endpoint{"0:0:0:0:0:0:0:1", 1}.is_loopback());
    CHECK(Endpoint{"localhost", 1}.is_loopback());
    CHECK_FALSE(Endpoint{"0.0.0.0", 1}.is_loopback());
    CHECK_FALSE(Endpoint{"128.0.0.1", 1}.is_loopback());
    CHECK_FALSE(Endpoint{"::", 1}.is_loopback());
    CHECK_FALSE(Endpoint{"localhost.example.com", 1}.is_loopback());
    CHECK_FALSE(Endpoint{"", 1}.is_loopback());
}

TEST_CASE("bad config files name the file, the line and the key") {
    TempDir dir;
    CHECK_ERROR(Args({"--config", dir.path("absent.toml")}), "--config", "absent.toml", "cannot read");
    auto file_error = [&](const std::string& content) {
        return load_error({"--config", dir.write("bad.toml", content)});
    };
    CHECK(contains(file_error("threads = \n"), "bad.toml:1"));
    CHECK(contains(file_error("\nthreds = 2\n"), "bad.toml:2: threds: unknown key"));
    CHECK(contains(file_error("threads = \"2\"\n"), "threads: must be an integer"));
    CHECK(contains(file_error("threads = 300\n"), "threads: '300'"));
    CHECK(contains(file_error("demo = \"yes\"\n"), "demo: must be true or false"));
    CHECK(contains(file_error("pg-listen = 6432\n"), "pg-listen: must be a string"));
    CHECK(contains(file_error("log-level = \"loud\"\n"), "log-level: 'loud'"));
    CHECK(contains(file_error("max-message-bytes = 12\n"), "max-message-bytes: '12'"));
    CHECK(contains(file_error("services = 1\n"), "services: must be a table"));
    CHECK(contains(file_error("users = 1\n"), "users: must be an array of tables"));
    CHECK(contains(file_error("[services.a]\nurl = \"mongodb://h/d\"\n"),
                   "bad.toml:2: services.a: connector for mongodb"));
    CHECK(contains(file_error("[services.a]\n"), "services.a: missing url"));
    CHECK(contains(file_error("[services.a]\nurl = 5\n"), "services.a.url: must be a string"));
    CHECK(contains(file_error("[services.a]\nurl = \"postgresql://h/d\"\nuser = \"x\"\n"),
                   "bad.toml:3: services.a.user: unknown key"));
    CHECK(contains(
        file_error("[services.A]\nurl = \"postgresql://h/d\"\n[services.a]\nurl = \"postgresql://h/e\"\n"),
        "defined twice"));
    CHECK(contains(file_error("[services.nectar]\nurl = \"postgresql://h/d\"\n"), "reserved"));
    CHECK(contains(file_error("[services.\"my db\"]\nurl = \"postgresql://h/d\"\n"), "'my db'"));
    CHECK(contains(file_error("[pool]\nmaxConections = 3\n"),
                   "bad.toml:2: pool.maxConections: unknown pool setting"));
    CHECK(
        contains(file_error("[pool]\nmaxConnections = \"3\"\n"), "pool.maxConnections: must be an integer"));
    CHECK(contains(file_error("[pool]\nidleTimeoutMillis = -1\n"), "idleTimeoutMillis '-1'"));
    CHECK(contains(file_error("[pool]\nminConnections = 9\nmaxConnections = 3\n"),
                   "[pool]: minConnections (9)"));
    CHECK(contains(
        file_error("[services.a]\nurl = \"postgresql://h/d\"\n[services.a.pool]\npoolMode = \"x\"\n"),
        "services.a.pool.poolMode"));
    CHECK(contains(file_error("[[users]]\nname = \"u\"\n"), "users: user 'u' has no password"));
    CHECK(contains(file_error("[[users]]\nname = \"u\"\npassword = \"p\"\nroles = [\"bad role\"]\n"),
                   "bad.toml:4: users.roles: role 'bad role'"));
    CHECK(contains(
        file_error("[[users]]\nname = \"u\"\npassword = \"p\"\n[[users]]\nname = \"u\"\npassword = \"q\"\n"),
        "twice"));
    std::string message = file_error("[[api-keys]]\nkey = \"sekrit\"\n[[api-keys]]\nkey = \"sekrit\"\n");
    CHECK(contains(message, "api-keys[2]"));
    CHECK_FALSE(contains(message, "sekrit"));
    CHECK(contains(file_error("[[api-keys]]\nroles = [\"r\"]\n"), "api-keys[1]: missing or empty key"));
    message = file_error("[[users]]\nname = \"u\"\npassword = \"hunter2\"\nlevel = 3\n");
    CHECK(contains(message, "users.level"));
    CHECK_FALSE(contains(message, "hunter2"));
}
