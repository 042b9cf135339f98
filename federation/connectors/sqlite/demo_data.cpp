#include "federation/connectors/sqlite/demo_data.hpp"

#include "federation/connectors/sqlite/sqlite_connections.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <vector>

namespace nectar::federation {

namespace {

constexpr int kUsers = 50;
constexpr int kProducts = 30;
constexpr int kOrders = 500;
constexpr int64_t kDay = 86'400;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    city TEXT,
    created_at TIMESTAMP NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT 1
);
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    price NUMERIC(10,2) NOT NULL CHECK (price >= 0),
    stock INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    product_id INTEGER NOT NULL REFERENCES products (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    total NUMERIC(10,2) NOT NULL,
    status TEXT NOT NULL,
    ordered_at TIMESTAMP NOT NULL
);
CREATE INDEX orders_user_id ON orders (user_id);
CREATE INDEX orders_product_id ON orders (product_id);
)sql";

constexpr std::array<std::string_view, 25> kFirstNames = {
    "Alice", "Bruno", "Chloe", "Daniel", "Elena",   "Farid",  "Grace", "Hugo",  "Ines",
    "Jonas", "Keiko", "Liam",  "Maya",   "Nikolai", "Olivia", "Pedro", "Quinn", "Rosa",
    "Samir", "Tara",  "Umar",  "Vera",   "Wei",     "Ximena", "Yusuf"};
constexpr std::array<std::string_view, 20> kLastNames = {
    "Anderson", "Brown", "Costa",  "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ito",    "Jensen",
    "Kowalski", "Lopez", "Moreau", "Novak",  "Okafor",  "Petrov",  "Rossi",  "Silva",  "Tanaka", "Weber"};
constexpr std::array<std::string_view, 12> kCities = {"Lisbon", "Berlin", "Paris", "Madrid",
                                                      "Rome",   "Vienna", "Oslo",  "Dublin",
                                                      "Prague", "Warsaw", "Tokyo", "Toronto"};

struct ProductSpec {
    std::string_view name;
    std::string_view category;
    int min_cents;
    int max_cents;
};
constexpr std::array<ProductSpec, kProducts> kProductSpecs = {{
    {"Wireless Mouse", "Electronics", 1500, 4500},
    {"Mechanical Keyboard", "Electronics", 6000, 15000},
    {"USB-C Hub", "Electronics", 2000, 6000},
    {"Noise-Cancelling Headphones", "Electronics", 9000, 35000},
    {"27-inch Monitor", "Electronics", 15000, 40000},
    {"Webcam", "Electronics", 3000, 9000},
    {"The Pragmatic Programmer", "Books", 2500, 5000},
    {"Designing Data-Intensive Applications", "Books", 3000, 5500},
    {"SQL Performance Explained", "Books", 2000, 4000},
    {"The Art of Computer Programming", "Books", 15000, 25000},
    {"Clean Architecture", "Books", 2500, 4500},
    {"Database Internals", "Books", 3000, 6000},
    {"Coffee Grinder", "Home", 2500, 12000},
    {"French Press", "Home", 1500, 4000},
    {"Desk Lamp", "Home", 2000, 7000},
    {"Ceramic Mug Set", "Home", 1200, 3500},
    {"Throw Blanket", "Home", 2000, 6000},
    {"Cast Iron Skillet", "Home", 2500, 8000},
    {"Yoga Mat", "Sports", 1500, 6000},
    {"Running Shoes", "Sports", 6000, 16000},
    {"Water Bottle", "Sports", 800, 3500},
    {"Resistance Bands", "Sports", 1000, 3000},
    {"Tennis Racket", "Sports", 5000, 20000},
    {"Cycling Helmet", "Sports", 4000, 12000},
    {"Building Blocks Set", "Toys", 2000, 10000},
    {"Jigsaw Puzzle", "Toys", 1200, 3500},
    {"Board Game", "Toys", 2500, 6000},
    {"Remote Control Car", "Toys", 3000, 9000},
    {"Plush Bear", "Toys", 1000, 3000},
    {"Chess Set", "Toys", 2000, 8000},
}};

/// SplitMix64: a tiny PRNG whose sequence is fixed by its seed, so every machine gets the same rows.
class Prng {
  public:
    explicit Prng(uint64_t seed)
        : state_(seed) {}
    uint64_t next() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    /// Uniform in [low, high].
    int64_t between(int64_t low, int64_t high) {
        return low + static_cast<int64_t>(next() % static_cast<uint64_t>(high - low + 1));
    }
    bool chance(int percent) { return between(1, 100) <= percent; }

  private:
    uint64_t state_;
};

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

/// Runs one prepared statement per row; `bind` binds the row's values.
class Inserter {
  public:
    Inserter(sqlite3* db, const char* sql)
        : db_(db) {
        sqlite3_stmt* raw = nullptr;
        rc_ = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
        stmt_.reset(raw);
    }
    sqlite3_stmt* stmt() const { return stmt_.get(); }
    /// Steps the bound row; the first failure sticks.
    void insert() {
        if (rc_ == SQLITE_OK) {
            int rc = sqlite3_step(stmt_.get());
            rc_ = rc == SQLITE_DONE ? SQLITE_OK : rc;
            sqlite3_reset(stmt_.get());
        }
    }
    Result<void> status() const {
        if (rc_ != SQLITE_OK) {
            return sqlite_error(db_, rc_);
        }
        return {};
    }

  private:
    sqlite3* db_;
    StatementPtr stmt_;
    int rc_ = SQLITE_OK;
};

void bind_text(sqlite3_stmt* stmt, int index, std::string_view text) {
    sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

/// Users; returns each one's creation time in seconds after 2023-01-01.
Result<std::vector<int64_t>> insert_users(sqlite3* db, Prng& prng) {
    Inserter users(db, "INSERT INTO users (id, name, email, city, created_at, is_active) "
                       "VALUES (?1, ?2, ?3, ?4, datetime('2023-01-01 00:00:00', ?5 || ' seconds'), ?6)");
    std::vector<int64_t> created(kUsers + 1, 0);
    std::vector<std::string> emails;
    for (int id = 1; id <= kUsers; ++id) {
        std::string_view first = kFirstNames[prng.between(0, kFirstNames.size() - 1)];
        std::string_view last = kLastNames[prng.between(0, kLastNames.size() - 1)];
        std::string email = lower(first) + "." + lower(last) + "@example.com";
        if (std::find(emails.begin(), emails.end(), email) != emails.end()) {
            email = lower(first) + "." + lower(last) + std::to_string(id) + "@example.com";
        }
        emails.push_back(email);
        // Sign-ups over 2023, in id order.
        created[id] = (id - 1) * 7 * kDay + prng.between(0, 6 * kDay);
        sqlite3_stmt* s = users.stmt();
        sqlite3_bind_int(s, 1, id);
        bind_text(s, 2, std::string(first) + " " + std::string(last));
        bind_text(s, 3, email);
        if (prng.chance(8)) {
            sqlite3_bind_null(s, 4); // a few users never said where they live
        } else {
            bind_text(s, 4, kCities[prng.between(0, kCities.size() - 1)]);
        }
        sqlite3_bind_int64(s, 5, created[id]);
        sqlite3_bind_int(s, 6, prng.chance(85) ? 1 : 0);
        users.insert();
    }
    if (auto r = users.status(); !r) {
        return r.error();
    }
    return created;
}

/// Products; returns each one's price in cents.
Result<std::vector<int64_t>> insert_products(sqlite3* db, Prng& prng) {
    Inserter products(db,
                      "INSERT INTO products (id, name, category, price, stock) VALUES (?1, ?2, ?3, ?4, ?5)");
    std::vector<int64_t> prices(kProducts + 1, 0);
    for (int id = 1; id <= kProducts; ++id) {
        const ProductSpec& spec = kProductSpecs[id - 1];
        // Prices end in .99, .49 or a round figure, like shop prices do.
        int64_t dollars = prng.between(spec.min_cents, spec.max_cents) / 100;
        static constexpr std::array<int, 3> kCents = {99, 49, 0};
        prices[id] = dollars * 100 + kCents[prng.between(0, 2)];
        sqlite3_stmt* s = products.stmt();
        sqlite3_bind_int(s, 1, id);
        bind_text(s, 2, spec.name);
        bind_text(s, 3, spec.category);
        sqlite3_bind_double(s, 4, static_cast<double>(prices[id]) / 100.0);
        sqlite3_bind_int64(s, 5, prng.chance(10) ? 0 : prng.between(5, 500));
        products.insert();
    }
    if (auto r = products.status(); !r) {
        return r.error();
    }
    return prices;
}

Result<void> insert_orders(sqlite3* db, Prng& prng, const std::vector<int64_t>& created,
                           const std::vector<int64_t>& prices) {
    struct Order {
        int64_t at;
        int user;
        int product;
        int quantity;
    };
    std::vector<Order> orders;
    for (int i = 0; i < kOrders; ++i) {
        int user = static_cast<int>(prng.between(1, kUsers));
        int product = static_cast<int>(prng.between(1, kProducts));
        int quantity = static_cast<int>(prng.chance(70) ? 1 : prng.between(2, 5));
        // Within a year and a half after the user signed up.
        orders.push_back({created[user] + prng.between(kDay, 540 * kDay), user, product, quantity});
    }
    // Ids follow time, as an auto-increment key would.
    std::stable_sort(orders.begin(), orders.end(),
                     [](const Order& a, const Order& b) { return a.at < b.at; });
    Inserter insert(db, "INSERT INTO orders (id, user_id, product_id, quantity, total, status, ordered_at) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, datetime('2023-01-01 00:00:00', ?7 || ' seconds'))");
    const int64_t latest = orders.back().at;
    for (size_t i = 0; i < orders.size(); ++i) {
        const Order& o = orders[i];
        // Recent orders are still on their way; older ones arrived or were cancelled.
        int64_t age = latest - o.at;
        int roll = static_cast<int>(prng.between(1, 100));
        const char* status = age < 60 * kDay    ? (roll <= 40 ? "pending" : "shipped")
                             : age < 150 * kDay ? (roll <= 30 ? "shipped" : "delivered")
                                                : (roll <= 92 ? "delivered" : "cancelled");
        sqlite3_stmt* s = insert.stmt();
        sqlite3_bind_int64(s, 1, static_cast<int64_t>(i + 1));
        sqlite3_bind_int(s, 2, o.user);
        sqlite3_bind_int(s, 3, o.product);
        sqlite3_bind_int(s, 4, o.quantity);
        // Whole cents computed in integers; the double is the one nearest the decimal total.
        sqlite3_bind_double(s, 5, static_cast<double>(prices[o.product] * o.quantity) / 100.0);
        bind_text(s, 6, status);
        sqlite3_bind_int64(s, 7, o.at);
        insert.insert();
    }
    return insert.status();
}

Result<void> fill(sqlite3* db) {
    int rc = sqlite3_exec(db, "PRAGMA foreign_keys = ON; BEGIN", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) {
        rc = sqlite3_exec(db, std::string(kSchema).c_str(), nullptr, nullptr, nullptr);
    }
    if (rc != SQLITE_OK) {
        return sqlite_error(db, rc);
    }
    Prng prng(20240601);
    auto created = insert_users(db, prng);
    if (!created) {
        return created.error();
    }
    auto prices = insert_products(db, prng);
    if (!prices) {
        return prices.error();
    }
    if (auto r = insert_orders(db, prng, *created, *prices); !r) {
        return r;
    }
    // ANALYZE fills sqlite_stat1, which discovery reads for row estimates.
    rc = sqlite3_exec(db, "COMMIT; ANALYZE", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        return sqlite_error(db, rc);
    }
    return {};
}

Error file_error(const std::string& what, const std::string& path, const std::error_code& ec) {
    return Error::make("58030", "could not " + what + " \"" + path + "\": " + ec.message());
}

} // namespace

Result<std::string> ensure_demo_database(const std::string& data_dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path dir = fs::absolute(data_dir, ec);
    if (ec) {
        return file_error("resolve data directory", data_dir, ec);
    }
    std::string path = (dir / "demo.db").string();
    if (fs::exists(path, ec)) {
        return path;
    }
    fs::create_directories(dir, ec);
    if (ec) {
        return file_error("create data directory", dir.string(), ec);
    }
    // Built under another name and renamed, so a crash never leaves a half-filled demo.db.
    std::string building = path + ".building-" + std::to_string(::getpid());
    fs::remove(building, ec);
    {
        sqlite3* raw = nullptr;
        int rc = sqlite3_open_v2(building.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
        ConnectionPtr db(raw);
        if (rc != SQLITE_OK) {
            return Error::make("58030", "could not create \"" + building + "\": " + sqlite3_errstr(rc));
        }
        if (auto r = fill(db.get()); !r) {
            db.reset();
            fs::remove(building, ec);
            Error e = r.error();
            e.message = "could not fill the demo database: " + e.message;
            return e;
        }
    }
    // Another process may have finished first; its file is as good as ours.
    if (fs::exists(path, ec)) {
        fs::remove(building, ec);
        return path;
    }
    fs::rename(building, path, ec);
    if (ec) {
        fs::remove(building, ec);
        return file_error("rename the demo database to", path, ec);
    }
    return path;
}

} // namespace nectar::federation
