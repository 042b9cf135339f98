"""The SQL suite's data set: one deterministic data set split over three services.

    pg1  (PostgreSQL): customers, regions
    my1  (MariaDB):    orders, payments
    lite (SQLite):     products, categories

The reference PostgreSQL holds all of it in schemas named like the services (pg1, my1, lite), so
that the same query text (`pg1.customers JOIN my1.orders ...`) runs on Nectar and on the
reference. Column types are chosen so that each backend's type maps to the reference's type under
Nectar's mapping: MariaDB int -> int4, smallint -> int2, decimal -> numeric, datetime -> timestamp,
tinyint(1) -> bool, varchar/text -> text; SQLite INTEGER -> int8 (bigint), NUMERIC(p,s) -> numeric,
DOUBLE -> float8, BOOLEAN (0/1) -> bool, DATE/TIMESTAMP (ISO text) -> date/timestamp.

`python3 tests/sql/data.py` prints the reference's SQL script (handy for a look at the data).
"""

import datetime
import decimal
import random
import sqlite3

SEED = 20240601

# (table, service, [(column, reference type, MariaDB type, SQLite type)]) in load order.
TABLES = [
    ("regions", "pg1", [
        ("country", "text", None, None),
        ("region", "text", None, None),
        ("tax_rate", "numeric(5,3)", None, None),
    ]),
    ("customers", "pg1", [
        ("id", "integer", None, None),
        ("name", "text", None, None),
        ("city", "text", None, None),
        ("country", "text", None, None),
        ("signup_date", "date", None, None),
        ("vip", "boolean", None, None),
        ("credit", "numeric(12,2)", None, None),
    ]),
    ("orders", "my1", [
        ("id", "integer", "int NOT NULL PRIMARY KEY", None),
        ("customer_id", "integer", "int NULL", None),
        ("product_id", "integer", "int NOT NULL", None),
        ("quantity", "smallint", "smallint NOT NULL", None),
        ("total", "numeric(12,2)", "decimal(12,2) NULL", None),
        ("status", "text", "varchar(20) NOT NULL", None),
        ("ordered_at", "timestamp", "datetime NOT NULL", None),
        ("note", "text", "text NULL", None),
    ]),
    ("payments", "my1", [
        ("id", "integer", "int NOT NULL PRIMARY KEY", None),
        ("order_id", "integer", "int NOT NULL", None),
        ("amount", "numeric(12,2)", "decimal(12,2) NOT NULL", None),
        ("method", "text", "varchar(20) NULL", None),
        ("paid_at", "timestamp", "datetime NOT NULL", None),
        ("ok", "boolean", "tinyint(1) NULL", None),
    ]),
    ("categories", "lite", [
        ("id", "bigint", None, "INTEGER PRIMARY KEY"),
        ("name", "text", None, "TEXT NOT NULL"),
        ("parent_id", "bigint", None, "INTEGER"),
    ]),
    ("products", "lite", [
        ("id", "bigint", None, "INTEGER PRIMARY KEY"),
        ("name", "text", None, "TEXT NOT NULL"),
        ("category_id", "bigint", None, "INTEGER"),
        ("price", "numeric(10,2)", None, "NUMERIC(10,2) NOT NULL"),
        ("weight", "double precision", None, "DOUBLE"),
        ("active", "boolean", None, "BOOLEAN"),
        ("added", "date", None, "DATE"),
        ("updated_at", "timestamp", None, "TIMESTAMP"),
    ]),
]

FIRST = ["Ada", "Bob", "Chloé", "Dmitri", "Eve", "Farah", "Gus", "Hana", "Ivan", "Jun", "Kim", "Lars",
         "Mona", "Nils", "Olga", "Pablo", "Qi", "Rosa", "Sven", "Tara"]
LAST = ["Smith", "Jones", "Müller", "Dubois", "Tanaka", "Silva", "Kumar", "Novak", "Rossi", "Lee"]
# Names that make text comparison, LIKE and quoting interesting.
SPECIAL_NAMES = ["O'Brien", "Zoë Ångström", "alice", "Alice", "ALICE", "李雷", "back\\slash",
                 "  padded", "Mc%Donald_", "Ünal", "zed", "Zed", "émile", "Émile", "tab\there",
                 "semi;colon", 'dq"uote', "Ωmega"]
CITIES = ["Paris", "paris", "Berlin", "Tokyo", "New York", "São Paulo", "Montréal", "Lyon", "Osaka",
          "Austin", "Zürich", "Delhi"]
COUNTRIES = ["US", "CA", "MX", "GB", "FR", "DE", "JP", "BR", "IN", "AU", "ZZ"]
STATUSES = ["shipped", "shipped", "shipped", "pending", "pending", "cancelled", "returned"]
NOTES = ["gift", "Gift", "GIFT", "rush", "", "fragile ", "fragile", "50% off", "a_b", "it's",
         "naïve", "leave at door", "call first"]
PRODUCT_WORDS = ["Widget", "widget", "Gadget", "Gizmo", "Äpfel", "Éclair", "zebra", "Zebra",
                 "Doohickey", "Sprocket", "bolt", "Nut", "Thing's", "Ünit"]


def _dec(rng, lo, hi):
    """A numeric with two decimals between lo and hi."""
    return decimal.Decimal(rng.randint(int(lo * 100), int(hi * 100))) / 100


def _day(rng, start, span_days):
    return start + datetime.timedelta(days=rng.randrange(span_days))


def _moment(rng, start, span_days):
    return datetime.datetime.combine(start, datetime.time()) + datetime.timedelta(
        seconds=rng.randrange(span_days * 86400))


def _maybe(rng, p_null, value):
    return None if rng.random() < p_null else value


def generate():
    """{table: list of row tuples}, the same on every call."""
    rng = random.Random(SEED)
    data = {}
    data["regions"] = [
        ("US", "Americas", decimal.Decimal("0.070")), ("CA", "Americas", decimal.Decimal("0.130")),
        ("MX", "Americas", decimal.Decimal("0.160")), ("BR", "Americas", decimal.Decimal("0.170")),
        ("GB", "Europe", decimal.Decimal("0.200")), ("FR", "Europe", decimal.Decimal("0.200")),
        ("DE", "Europe", decimal.Decimal("0.190")), ("JP", "Asia", decimal.Decimal("0.100")),
        ("IN", "Asia", decimal.Decimal("0.180")), ("AU", None, decimal.Decimal("0.100")),
        ("NZ", "Oceania", decimal.Decimal("0.150")),
    ]
    customers = []
    for i in range(1, 201):
        if i % 11 == 0 and (i // 11 - 1) < len(SPECIAL_NAMES):
            name = SPECIAL_NAMES[i // 11 - 1]
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        customers.append((
            i, name, _maybe(rng, 0.08, rng.choice(CITIES)), _maybe(rng, 0.05, rng.choice(COUNTRIES)),
            _day(rng, datetime.date(2018, 1, 1), 6 * 365), _maybe(rng, 0.1, rng.random() < 0.25),
            _maybe(rng, 0.1, _dec(rng, -500, 20000)),
        ))
    data["customers"] = customers
    data["categories"] = [
        (1, "Hardware", None), (2, "Tools", 1), (3, "Fasteners", 1), (4, "Toys", None),
        (5, "Puzzles", 4), (6, "food", None), (7, "Fruit", 6), (8, "Bakery", 6), (9, "Misc", None),
        (10, "Empty", 9),
    ]
    products = []
    for i in range(1, 81):
        price = _dec(rng, 0.5, 500) if i % 7 else decimal.Decimal(rng.randint(1, 90))
        weight = _maybe(rng, 0.1, rng.choice([rng.randint(1, 400) / 4, rng.randint(1, 99) / 10]))
        products.append((
            i, f"{rng.choice(PRODUCT_WORDS)} {i}", _maybe(rng, 0.08, 99 if i == 77 else rng.randint(1, 9)),
            price, weight, _maybe(rng, 0.05, rng.random() < 0.8),
            _day(rng, datetime.date(2020, 1, 1), 4 * 365), _moment(rng, datetime.date(2023, 1, 1), 500),
        ))
    data["products"] = products
    orders = []
    for i in range(1, 1501):
        quantity = rng.randint(1, 10) if i % 97 else 0
        status = "Shipped" if i % 113 == 0 else rng.choice(STATUSES)
        customer = rng.randint(1, 205)
        customer += 1 if customer % 37 == 0 else 0  # customers 37, 74... never order
        orders.append((
            i, _maybe(rng, 0.03, customer), rng.randint(1, 85), quantity,
            _maybe(rng, 0.02, _dec(rng, 1, 3000)), status, _moment(rng, datetime.date(2022, 1, 1), 910),
            _maybe(rng, 0.7, rng.choice(NOTES)),
        ))
    data["orders"] = orders
    payments = []
    for i in range(1, 1001):
        payments.append((
            i, rng.randint(1, 1500), _dec(rng, 0.01, 3000), _maybe(rng, 0.1, rng.choice(["card", "cash", "transfer", "Card"])),
            _moment(rng, datetime.date(2022, 1, 1), 950), _maybe(rng, 0.05, rng.random() < 0.9),
        ))
    data["payments"] = payments
    return data


# --- literals per dialect -----------------------------------------------------------------------

def literal(value, dialect):
    """value as a SQL literal for 'pg', 'mariadb' or 'sqlite'."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        if dialect == "pg":
            return "TRUE" if value else "FALSE"
        return "1" if value else "0"
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime.datetime):
        return "'" + value.strftime("%Y-%m-%d %H:%M:%S") + "'"
    if isinstance(value, datetime.date):
        return "'" + value.isoformat() + "'"
    text = value.replace("'", "''")
    if dialect == "mariadb":
        text = text.replace("\\", "\\\\")  # MariaDB reads backslash escapes in literals
    return "'" + text + "'"


def insert_statements(table, rows, dialect, chunk=200):
    out = []
    for start in range(0, len(rows), chunk):
        values = ",\n".join("(" + ", ".join(literal(v, dialect) for v in row) + ")"
                            for row in rows[start:start + chunk])
        out.append(f"INSERT INTO {table} VALUES\n{values};")
    return out


def pg_script(data, services, schema_per_service):
    """DDL and INSERTs for PostgreSQL: tables of `services`, each in a schema named after its
    service (reference) or in the default schema (the pg1 service itself)."""
    out = []
    for table, service, cols in TABLES:
        if service not in services:
            continue
        name = table
        if schema_per_service:
            out.append(f"CREATE SCHEMA IF NOT EXISTS {service};")
            name = f"{service}.{table}"
        out.append(f"CREATE TABLE {name} (" + ", ".join(f"{c} {t}" for c, t, _, _ in cols) + ");")
        out += insert_statements(name, data[table], "pg")
    return "\n".join(out) + "\n"


def mariadb_script(data):
    out = []
    for table, service, cols in TABLES:
        if service == "my1":
            out.append(f"CREATE TABLE {table} (" + ", ".join(f"{c} {m}" for c, _, m, _ in cols) + ");")
            out += insert_statements(table, data[table], "mariadb")
    return "\n".join(out) + "\n"


def load_sqlite(data, path):
    conn = sqlite3.connect(path)
    try:
        for table, service, cols in TABLES:
            if service == "lite":
                conn.execute(f"CREATE TABLE {table} (" + ", ".join(f"{c} {s}" for c, _, _, s in cols) + ")")
                for stmt in insert_statements(table, data[table], "sqlite"):
                    conn.execute(stmt)
        conn.commit()
    finally:
        conn.close()


if __name__ == "__main__":
    print(pg_script(generate(), {"pg1", "my1", "lite"}, schema_per_service=True), end="")
