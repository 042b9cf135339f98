// The catalog store's secret sealing (AES-256-GCM), its key sources, and the services table.

#include "rest/secret_box.hpp"
#include "rest/service_body.hpp"
#include "rest/service_store.hpp"

#include <cstdlib>
#include <doctest.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace nectar::rest;

namespace {

SecretKey key_of(char fill) {
    SecretKey key;
    key.bytes.fill(static_cast<unsigned char>(fill));
    key.origin = "test";
    return key;
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char pattern[] = "/tmp/nectar-store-test-XXXXXX";
        path = ::mkdtemp(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

std::string file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

} // namespace

TEST_CASE("secret box: round trip, fresh nonce per value, bound to the owner and the key") {
    SecretKey key = key_of('k');
    std::string sealed = seal_secret(key, "postgresql://app:s3cret@db/x", "pg1");
    CHECK(sealed.rfind("v1.", 0) == 0);
    CHECK(sealed.find("s3cret") == std::string::npos);
    auto opened = open_secret(key, sealed, "pg1");
    REQUIRE(opened);
    CHECK(*opened == "postgresql://app:s3cret@db/x");
    CHECK(seal_secret(key, "same", "pg1") != seal_secret(key, "same", "pg1"));
    CHECK_FALSE(open_secret(key, sealed, "pg2"));         // another service's row
    CHECK_FALSE(open_secret(key_of('x'), sealed, "pg1")); // another key
    std::string altered = sealed;
    altered[10] = altered[10] == 'A' ? 'B' : 'A';
    CHECK_FALSE(open_secret(key, altered, "pg1"));
    CHECK_FALSE(open_secret(key, "v1.not base64!", "pg1"));
    CHECK_FALSE(open_secret(key, "plain text", "pg1"));
    auto empty = open_secret(key, seal_secret(key, "", "e"), "e");
    REQUIRE(empty);
    CHECK(empty->empty());
}

TEST_CASE("secret box: keys from base64, passphrases, and the generated key file") {
    // base64 of 32 bytes is the key itself.
    auto raw = secret_key_from_text("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "cfg");
    REQUIRE(raw);
    CHECK(raw->bytes[0] == 0);
    CHECK(raw->bytes[31] == 31);
    // A passphrase is stretched the same way every time.
    auto a = secret_key_from_text("correct horse battery staple", "cfg");
    auto b = secret_key_from_text("correct horse battery staple", "cfg");
    auto c = secret_key_from_text("correct horse battery stapler", "cfg");
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(c);
    CHECK(a->bytes == b->bytes);
    CHECK(a->bytes != c->bytes);
    CHECK_FALSE(secret_key_from_text("short", "cfg"));

    TempDir dir;
    ::unsetenv("NECTAR_SECRET_KEY");
    bool generated = false;
    auto first = resolve_secret_key("", dir.path.string(), generated);
    REQUIRE(first);
    CHECK(generated);
    struct stat st {};
    REQUIRE(::stat((dir.path / "secret.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto second = resolve_secret_key("", dir.path.string(), generated);
    REQUIRE(second);
    CHECK_FALSE(generated);
    CHECK(first->bytes == second->bytes);
    // The config value wins over the file; the environment over the file too.
    auto configured = resolve_secret_key("correct horse battery staple", dir.path.string(), generated);
    REQUIRE(configured);
    CHECK(configured->bytes == a->bytes);
    ::setenv("NECTAR_SECRET_KEY", "correct horse battery stapler", 1);
    auto from_env = resolve_secret_key("", dir.path.string(), generated);
    ::unsetenv("NECTAR_SECRET_KEY");
    REQUIRE(from_env);
    CHECK(from_env->bytes == c->bytes);
    CHECK(from_env->origin == "NECTAR_SECRET_KEY");
    // A damaged key file is an error, not another key.
    std::ofstream(dir.path / "secret.key") << "garbage";
    CHECK_FALSE(resolve_secret_key("", dir.path.string(), generated));
}

TEST_CASE("service store: passwords never reach the file in clear; a wrong key names the service") {
    TempDir dir;
    {
        auto store = ServiceStore::open(dir.path.string(), key_of('k'));
        REQUIRE(store);
        StoredService s;
        s.name = "orders_db";
        s.database_type = "postgresql";
        s.connection_string = "postgresql://app:Pa55-w0rd-XYZ@127.0.0.1:5432/shop";
        auto inserted = (*store)->insert(s);
        REQUIRE(inserted);
        CHECK_FALSE(inserted->created_at.empty());
        auto duplicate = (*store)->insert(s);
        REQUIRE_FALSE(duplicate);
        CHECK(duplicate.error().sqlstate == "23505");
        s.connection_string = "postgresql://app:An0ther-Pass@127.0.0.1:5432/shop2";
        REQUIRE((*store)->update(s));
        StoredService missing = s;
        missing.name = "nope";
        CHECK((*store)->update(missing).error().sqlstate == "42704");
        CHECK((*store)->remove("nope").error().sqlstate == "42704");
    }
    std::string bytes = file_bytes(dir.path / "catalog.db");
    CHECK(bytes.find("orders_db") != std::string::npos);
    CHECK(bytes.find("Pa55-w0rd-XYZ") == std::string::npos);
    CHECK(bytes.find("An0ther-Pass") == std::string::npos);
    CHECK(bytes.find("postgresql://app:****@127.0.0.1:5432/shop2") != std::string::npos);

    auto reopened = ServiceStore::open(dir.path.string(), key_of('k'));
    REQUIRE(reopened);
    auto found = (*reopened)->find("orders_db");
    REQUIRE(found);
    CHECK(found->connection_string == "postgresql://app:An0ther-Pass@127.0.0.1:5432/shop2");

    auto wrong = ServiceStore::open(dir.path.string(), key_of('w'));
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().message.find("\"orders_db\"") != std::string::npos);
    CHECK(wrong.error().message.find("An0ther") == std::string::npos);
}

TEST_CASE("service store: masked connection strings") {
    CHECK(masked_connection_string("postgresql://u:secret@h:5432/db") == "postgresql://u:****@h:5432/db");
    CHECK(masked_connection_string("mysql://u@h/db?password=secret").find("secret") == std::string::npos);
    CHECK(masked_connection_string("not a url with secret") == "****");
}

TEST_CASE("service bodies: required members, types and unknown members") {
    auto ok = parse_service_body(
        R"({"name":"pg1","databaseType":"postgresql","connectionString":"postgresql://a@h/d","pool":{"maxConnections":4},"ssl":{"mode":"disable"},"options":{"application_name":"x"}})");
    REQUIRE(ok);
    CHECK(ok->pool_json == R"({"maxConnections":4})");
    auto settings = service_settings(*ok);
    REQUIRE(settings);
    CHECK(settings->pool.at(0) == std::pair<std::string, std::string>("maxConnections", "4"));
    CHECK(settings->url_params.size() == 2);
    for (const char* bad :
         {R"({"databaseType":"postgresql","connectionString":"x"})",
          R"({"name":"a","databaseType":"oracle","connectionString":"x"})",
          R"({"name":"a","databaseType":"sqlite","connectionString":""})",
          R"({"name":1,"databaseType":"sqlite","connectionString":"sqlite:///x"})",
          R"({"name":"a","databaseType":"sqlite","connectionString":"sqlite:///x","extra":1})",
          R"({"name":"a","databaseType":"sqlite","connectionString":"sqlite:///x","pool":[]})",
          R"({"name":"a","databaseType":"sqlite","connectionString":"sqlite:///x","pool":{"a":{}}})",
          R"([1])", R"({"name":)"}) {
        auto parsed = parse_service_body(bad);
        CHECK_MESSAGE(!parsed, bad);
        if (!parsed) {
            CHECK(parsed.error().sqlstate == "22023");
        }
    }
    auto renamed = merge_service_patch(R"({"name":"other"})", *ok);
    CHECK_FALSE(renamed);
    auto patched = merge_service_patch(R"({"connectionString":"postgresql://b@h/e"})", *ok);
    REQUIRE(patched);
    CHECK(patched->connection_string == "postgresql://b@h/e");
    CHECK(patched->pool_json == ok->pool_json);
    StoredService sqlite_ssl = *ok;
    sqlite_ssl.database_type = "sqlite";
    CHECK_FALSE(service_settings(sqlite_ssl));
}
