#include "federation/connectors/service_url.hpp"

#include <doctest.h>

using nectar::federation::parse_service_url;
using nectar::federation::ServiceUrl;

namespace {

ServiceUrl parse_ok(const std::string& text) {
    auto r = parse_service_url(text);
    INFO(text);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
    return r.value();
}

/// The error message for a URL that must be refused.
std::string parse_error(const std::string& text) {
    auto r = parse_service_url(text);
    INFO(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().sqlstate == "22023");
    return r.error().message + " " + r.error().hint;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("a full postgresql URL splits into its parts") {
    auto url =
        parse_ok("postgresql://alice:s3cret@db.example.com:5433/sales?sslmode=require&application_name=x");
    CHECK(url.scheme == "postgresql");
    CHECK(url.user == "alice");
    CHECK(url.password == "s3cret");
    CHECK(url.host == "db.example.com");
    CHECK(url.port == 5433);
    CHECK(url.database == "sales");
    REQUIRE(url.params.size() == 2);
    CHECK(url.params[0] == std::pair<std::string, std::string>{"sslmode", "require"});
    CHECK(url.params[1] == std::pair<std::string, std::string>{"application_name", "x"});
    CHECK(*url.param("sslmode") == "require");
    CHECK(url.param("missing") == nullptr);
    CHECK(url.raw ==
          "postgresql://alice:s3cret@db.example.com:5433/sales?sslmode=require&application_name=x");
}

TEST_CASE("postgres:// and upper-case schemes are postgresql") {
    CHECK(parse_ok("postgres://h/db").scheme == "postgresql");
    CHECK(parse_ok("PostgreSQL://h/db").scheme == "postgresql");
}

TEST_CASE("missing parts stay empty") {
    auto url = parse_ok("postgresql://");
    CHECK(url.host.empty());
    CHECK(url.port == 0);
    CHECK(url.database.empty());
    CHECK(url.user.empty());
    CHECK(url.params.empty());

    url = parse_ok("postgresql://localhost");
    CHECK(url.host == "localhost");
    CHECK(url.database.empty());

    url = parse_ok("postgresql:///only_db");
    CHECK(url.host.empty());
    CHECK(url.database == "only_db");

    url = parse_ok("postgresql://bob@h/d");
    CHECK(url.user == "bob");
    CHECK(url.password.empty());

    url = parse_ok("postgresql://h/d?");
    CHECK(url.params.empty());
    url = parse_ok("postgresql://h/d?a=1&&b=&");
    REQUIRE(url.params.size() == 2);
    CHECK(url.params[1].first == "b");
    CHECK(url.params[1].second.empty());
}

TEST_CASE("percent-escapes are decoded in every part") {
    auto url = parse_ok("postgresql://us%40er:p%40ss%2Fw%3Ard%25@h/my%20db?application_name=a%26b%3Dc");
    CHECK(url.user == "us@er");
    CHECK(url.password == "p@ss/w:rd%");
    CHECK(url.database == "my db");
    CHECK(*url.param("application_name") == "a&b=c");
    // '+' is not a space outside HTML forms (libpq agrees).
    CHECK(parse_ok("postgresql://u:a+b@h/d").password == "a+b");
    // An '@' inside the password works unencoded: the last '@' ends the user part.
    CHECK(parse_ok("postgresql://u:p@ss@h/d").password == "p@ss");
}

TEST_CASE("malformed percent-escapes are refused without quoting the password") {
    std::string message = parse_error("postgresql://u:hunter%zz@h/d");
    CHECK(contains(message, "password"));
    CHECK_FALSE(contains(message, "hunter"));
    CHECK(contains(parse_error("postgresql://h/db%2"), "database"));
    CHECK(contains(parse_error("postgresql://h/db%00x"), "database"));
    CHECK(contains(parse_error("postgresql://h/d?a=%G1"), "'a'"));
}

TEST_CASE("an unencoded '/' or '?' in the password is refused without quoting it") {
    std::string message = parse_error("postgresql://u:hun/ter2@h/d");
    CHECK(contains(message, "percent-encode"));
    CHECK_FALSE(contains(message, "ter2"));
    message = parse_error("postgresql://u:hun?ter2@h/d");
    CHECK_FALSE(contains(message, "ter2"));
    message = parse_error("postgresql://u:hun?x=ter2@h/d");
    CHECK_FALSE(contains(message, "hun"));
    CHECK_FALSE(contains(message, "ter2"));
}

TEST_CASE("IPv6 hosts go in brackets and come out without them") {
    auto url = parse_ok("postgresql://u:p@[::1]:5432/d");
    CHECK(url.host == "::1");
    CHECK(url.port == 5432);
    url = parse_ok("postgresql://[2001:db8::7]/d");
    CHECK(url.host == "2001:db8::7");
    CHECK(url.port == 0);
    CHECK(parse_ok("postgresql://[fe80::1%25eth0]:5432/d").host == "fe80::1%eth0");
    CHECK(contains(parse_error("postgresql://::1:5432/d"), "brackets"));
    CHECK(contains(parse_error("postgresql://[::1/d"), "]"));
    CHECK(contains(parse_error("postgresql://[not-v6]:5432/d"), "IPv6"));
    CHECK(contains(parse_error("postgresql://[::1]x/d"), "IPv6"));
}

TEST_CASE("a percent-encoded absolute path is a Unix socket directory") {
    auto url = parse_ok("postgresql://%2Fvar%2Frun%2Fpostgresql:5433/db");
    CHECK(url.host == "/var/run/postgresql");
    CHECK(url.port == 5433);
    CHECK(url.database == "db");
}

TEST_CASE("ports must be 1..65535") {
    CHECK(parse_ok("postgresql://h:1/d").port == 1);
    CHECK(parse_ok("postgresql://h:65535/d").port == 65535);
    for (std::string port : {"0", "65536", "-1", "+5", "54x", "99999999999"}) {
        CAPTURE(port);
        CHECK(contains(parse_error("postgresql://h:" + port + "/d"), "port '" + port + "'"));
    }
    CHECK(contains(parse_error("postgresql://h:/d"), "empty port"));
}

TEST_CASE("bad host names and query strings are refused") {
    CHECK(contains(parse_error("postgresql://bad host/d"), "'bad host'"));
    CHECK(contains(parse_error("postgresql://h1,h2/d"), "several hosts"));
    CHECK(contains(parse_error("postgresql://h/d?sslmode"), "'sslmode' has no value"));
    CHECK(contains(parse_error("postgresql://h/d?=x"), "parameter name"));
}

TEST_CASE("scheme errors") {
    CHECK(contains(parse_error("localhost:5432/db"), "unknown scheme 'localhost'"));
    CHECK(contains(parse_error("http://h/d"), "unknown scheme 'http'"));
    CHECK(contains(parse_error("no scheme here"), "missing scheme"));
    CHECK(contains(parse_error(""), "missing scheme"));
    CHECK(contains(parse_error("postgresql:/h/d"), "'//'"));
}

TEST_CASE("the other SPEC schemes parse") {
    auto my = parse_ok("mysql://root:pw@127.0.0.1:3306/shop");
    CHECK(my.scheme == "mysql");
    CHECK(my.port == 3306);
    CHECK(my.database == "shop");
    CHECK(parse_ok("mariadb://u@h/d").scheme == "mariadb");
    CHECK(parse_ok("mssql://sa:pw@h:1433/master").scheme == "mssql");

    auto mongo = parse_ok("mongodb://u:p@h1:27017,h2:27018/app?replicaSet=rs0");
    CHECK(mongo.scheme == "mongodb");
    CHECK(mongo.host == "h1:27017,h2:27018");
    CHECK(mongo.port == 0);
    CHECK(mongo.database == "app");
    CHECK(*mongo.param("replicaSet") == "rs0");
    CHECK(parse_ok("mongodb+srv://u:p@cluster.example.net/app").scheme == "mongodb+srv");
    CHECK(contains(parse_error("mongodb+srv://cluster.example.net:27017/app"), "no port"));
}

TEST_CASE("sqlite takes an absolute path") {
    auto url = parse_ok("sqlite:///var/lib/nectar/demo.db");
    CHECK(url.scheme == "sqlite");
    CHECK(url.host.empty());
    CHECK(url.database == "/var/lib/nectar/demo.db");
    url = parse_ok("sqlite:///tmp/a%20b@c.db?mode=ro");
    CHECK(url.database == "/tmp/a b@c.db");
    CHECK(*url.param("mode") == "ro");
    CHECK(contains(parse_error("sqlite://relative.db"), "absolute"));
    CHECK(contains(parse_error("sqlite:///"), "absolute"));
    CHECK(contains(parse_error("sqlite:/tmp/x.db"), "'//'"));
}

TEST_CASE("odbc keeps the connection string verbatim") {
    auto url = parse_ok("odbc:Driver={ODBC Driver 18 for SQL Server};Server=h,1433;UID=sa;PWD={p;w%41}");
    CHECK(url.scheme == "odbc");
    CHECK(url.database == "Driver={ODBC Driver 18 for SQL Server};Server=h,1433;UID=sa;PWD={p;w%41}");
    CHECK(url.host.empty());
    CHECK(url.params.empty());
    CHECK(parse_ok("ODBC:DSN=x").database == "DSN=x");
    CHECK(contains(parse_error("odbc:"), "connection string"));
    CHECK(contains(parse_error("odbc://DSN=x"), "connection string"));
}

TEST_CASE("redacted() hides passwords") {
    CHECK(parse_ok("postgres://alice:s3cret@db:5433/sales?sslmode=require").redacted() ==
          "postgresql://alice:***@db:5433/sales?sslmode=require");
    CHECK(parse_ok("postgresql://alice@db/sales").redacted() == "postgresql://alice@db/sales");
    CHECK(parse_ok("postgresql://[::1]:5432/d").redacted() == "postgresql://[::1]:5432/d");
    CHECK(parse_ok("postgresql://%2Ftmp/d").redacted() == "postgresql://%2Ftmp/d");
    CHECK(parse_ok("postgresql://h/d?password=s3cret&user=a%20b").redacted() ==
          "postgresql://h/d?password=***&user=a%20b");
    CHECK(parse_ok("postgresql://u:p%40ss@h/my%20db").redacted() == "postgresql://u:***@h/my%20db");
    CHECK(parse_ok("sqlite:///tmp/x.db?mode=ro").redacted() == "sqlite:///tmp/x.db?mode=ro");
    CHECK(parse_ok("mongodb://u:p@h1:1,h2:2/app").redacted() == "mongodb://u:***@h1:1,h2:2/app");
    CHECK(parse_ok("odbc:DSN=x;UID=sa;PWD=s3cret;Encrypt=yes").redacted() ==
          "odbc:DSN=x;UID=sa;PWD=***;Encrypt=yes");
    CHECK(parse_ok("odbc:DSN=x; password ={s;3}}cret};X=1").redacted() == "odbc:DSN=x; password =***;X=1");
    CHECK(parse_ok("odbc:DSN=x;Pwd=s3cret").redacted() == "odbc:DSN=x;Pwd=***");
}

TEST_CASE("every error is SQLSTATE 22023 and parsing never crashes on junk") {
    // Every prefix of a rich URL either parses or fails cleanly.
    const std::string rich = "postgresql://u%41:p%2F@[::1]:5432/d%20b?sslmode=require&x=%41";
    for (size_t n = 0; n <= rich.size(); ++n) {
        auto r = parse_service_url(rich.substr(0, n));
        if (!r.ok()) {
            CHECK(r.error().sqlstate == "22023");
            CHECK_FALSE(r.error().message.empty());
        }
    }
    CHECK(parse_ok(rich).user == "uA");
}
