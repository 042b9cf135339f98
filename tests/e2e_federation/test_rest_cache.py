"""HTTP caching of the REST face (SPEC §5, issue 4 part 6) on PostgreSQL, MariaDB and SQLite
services: ETag and If-None-Match → 304 on every GET, Cache-Control, the response cache asked for
with X-Cache-Strategy / X-Cache-TTL (MISS then HIT, per API key, TTL expiry), "smart" entries
dropped by a write through Nectar's pg-wire face and by one straight in the database (the
table's change feed), errors never cached, bad headers answered 400.
Every body is compared with what the backend itself holds.

Run: /usr/bin/python3 -m pytest tests/e2e_federation/test_rest_cache.py (NECTAR_BIN picks the binary).
"""

import os
import pathlib
import re
import sqlite3
import sys
import time

import psycopg2
import pytest
import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402
from rest_env import three_services  # noqa: E402

NECTAR_BIN = pathlib.Path(os.environ.get("NECTAR_BIN", harness.DEFAULT_NECTAR_BIN))
SERVICES = ["pg", "my", "lite"]
KEY_ONE = "cache-key-one"
KEY_TWO = "cache-key-two"
ADMIN_KEY = "cache-admin-key"
ROWS = [(i, f"item {i}", i * 10) for i in range(1, 21)]

DDL = {
    "pg": "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL)",
    "my": "CREATE TABLE items (id int PRIMARY KEY, name varchar(40) NOT NULL, qty int NOT NULL)",
    "lite": "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL)",
}
VALUES = ", ".join(f"({i}, '{name}', {qty})" for i, name, qty in ROWS)


class Backends:
    """Straight access to each database: what it holds, and writes that bypass Nectar."""

    def __init__(self, pg, maria, lite_path):
        self.pg, self.maria, self.lite_path = pg, maria, lite_path

    def execute(self, service, sql):
        if service == "pg":
            with psycopg2.connect(**self.pg.endpoint(sslmode="disable").params()) as conn, conn.cursor() as cur:
                cur.execute(sql)
        elif service == "my":
            self.maria.execute(sql)
        else:
            with sqlite3.connect(self.lite_path) as conn:
                conn.execute(sql)

    def items(self, service):
        sql = "SELECT id, name, qty FROM items ORDER BY id"
        if service == "pg":
            with psycopg2.connect(**self.pg.endpoint(sslmode="disable").params()) as conn, conn.cursor() as cur:
                cur.execute(sql)
                rows = cur.fetchall()
        elif service == "my":
            rows = self.maria.query(sql)
        else:
            with sqlite3.connect(self.lite_path) as conn:
                rows = conn.execute(sql).fetchall()
        return [{"id": int(r[0]), "name": r[1], "qty": int(r[2])} for r in rows]

    def reset(self, service):
        self.execute(service, "DELETE FROM items")
        self.execute(service, f"INSERT INTO items VALUES {VALUES}")


@pytest.fixture(scope="module")
def env():
    keys = ["--api-key", f"{KEY_ONE}:reader,auditor", "--api-key", f"{KEY_TWO}:reader", "--api-key", f"{ADMIN_KEY}:admin"]
    with three_services("cache", pg_sql=DDL["pg"], maria_sql=DDL["my"], lite_sql=DDL["lite"], nectar_args=keys) as e:
        backends = Backends(e.pg, e.maria, str(e.lite_path))
        for service in SERVICES:
            backends.reset(service)
            r = requests.post(f"{e.base}/{service}/_expose", json={"tables": ["items"]},
                              headers={"X-API-Key": ADMIN_KEY}, timeout=30)
            assert r.status_code == 200, r.text
            wait_until_smart_entries_are_kept(e.base, service)
        yield e.nectar, backends, e.base


def wait_until_smart_entries_are_kept(base, service):
    """A table's first smart read starts following its changes; until that feed runs (a first
    poll, here) its smart answers are BYPASS, never kept: a direct write could go unseen."""
    first = get(base, service, 999, X_Cache_Strategy="smart")
    assert first.headers["X-Cache-Status"] in ("BYPASS", "MISS"), first.headers
    deadline = time.monotonic() + 10
    while get(base, service, 999, X_Cache_Strategy="smart").headers["X-Cache-Status"] != "HIT":
        assert time.monotonic() < deadline, f"{service}: smart answers are never kept"
        time.sleep(0.1)


@pytest.fixture
def backends(env):
    for service in SERVICES:
        env[1].reset(service)
    return env[1]


@pytest.fixture
def base(env):
    return env[2]


@pytest.fixture
def pgwire(env):
    """A pg-wire session on the MariaDB service: writes to `service.items` go through the engine."""
    conn = psycopg2.connect(**env[0].endpoint(dbname="my", sslmode="disable").params())
    conn.autocommit = True  # BEGIN / COMMIT are sent as statements
    yield conn
    conn.close()


# Each test reads its own page size, so no two tests share a cache key.
def get(base, service, limit, key=KEY_ONE, method="GET", **headers):
    headers = {name.replace("_", "-"): value for name, value in headers.items()}
    headers["X-API-Key"] = key
    return requests.request(method, f"{base}/{service}/_table/items", params={"limit": limit, "sort": "id"},
                            headers=headers, timeout=30)


def wait_until_held(base, service, limit):
    """Waits until a smart entry holds across a whole poll period (1 s). The table's poller reports
    every change it sees, also those made through Nectar, up to a second later; such a report
    drops the entry again, or makes a read in flight BYPASS. Either is right, but a test that
    expects a HIT must first let the poller catch up."""
    deadline = time.monotonic() + 15
    while True:
        if get(base, service, limit, X_Cache_Strategy="smart").headers["X-Cache-Status"] == "HIT":
            time.sleep(1.2)
            if get(base, service, limit, X_Cache_Strategy="smart").headers["X-Cache-Status"] == "HIT":
                return
        assert time.monotonic() < deadline, "a smart entry never held"
        time.sleep(0.2)


def assert_fresh_after_write(base, service, limit, backends):
    """The first smart read after a write is never the dropped entry: a MISS, or a BYPASS when the
    poller's own report of the same write lands while the read is in flight. Returns the answer."""
    r = get(base, service, limit, X_Cache_Strategy="smart")
    assert r.headers["X-Cache-Status"] in ("MISS", "BYPASS")
    assert r.json()["data"] == backends.items(service)
    return r


def run_sql(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.statusmessage


@pytest.mark.parametrize("service", SERVICES)
def test_etag_and_if_none_match(env, backends, base, service):
    r = get(base, service, 101)
    assert r.status_code == 200, r.text
    assert r.json()["data"] == backends.items(service)
    etag = r.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert r.headers["Cache-Control"] == "private, no-cache"
    assert r.headers["Vary"] == "X-API-Key, X-Role, Authorization"
    assert r.headers["X-Cache-Status"] == "BYPASS"
    assert "Age" not in r.headers
    again = get(base, service, 101, If_None_Match=etag)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    head = get(base, service, 101, method="HEAD", If_None_Match=f'"other", W/{etag}')
    assert head.status_code == 304 and head.headers["ETag"] == etag
    # A change in the database changes the ETag: the old one no longer matches.
    backends.execute(service, "UPDATE items SET qty = 999 WHERE id = 3")
    changed = get(base, service, 101, If_None_Match=etag)
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.json()["data"] == backends.items(service)
    assert changed.json()["data"][2]["qty"] == 999
    # One row by primary key has its own ETag too.
    one = requests.get(f"{base}/{service}/_table/items/3", headers={"X-API-Key": KEY_ONE}, timeout=30)
    assert one.json() == {"id": 3, "name": "item 3", "qty": 999}
    not_modified = requests.get(f"{base}/{service}/_table/items/3",
                                headers={"X-API-Key": KEY_ONE, "If-None-Match": one.headers["ETag"]}, timeout=30)
    assert not_modified.status_code == 304


@pytest.mark.parametrize("service", SERVICES)
def test_miss_then_hit_with_the_same_body(env, backends, base, service):
    first = get(base, service, 102, X_Cache_Strategy="smart", X_Cache_TTL="120")
    assert first.status_code == 200, first.text
    assert first.headers["X-Cache-Status"] == "MISS"
    assert first.headers["Cache-Control"] == "private, max-age=120"
    assert first.json()["data"] == backends.items(service)
    second = get(base, service, 102, X_Cache_Strategy="smart", X_Cache_TTL="120")
    assert second.headers["X-Cache-Status"] == "HIT"
    assert second.content == first.content
    assert second.headers["ETag"] == first.headers["ETag"]
    assert int(second.headers["Age"]) >= 0
    # The same parameters in another order are the same request.
    swapped = requests.get(f"{base}/{service}/_table/items?sort=id&limit=102",
                           headers={"X-API-Key": KEY_ONE, "X-Cache-Strategy": "smart", "X-Cache-TTL": "120"},
                           timeout=30)
    assert swapped.headers["X-Cache-Status"] == "HIT" and swapped.content == first.content
    conditional = get(base, service, 102, X_Cache_Strategy="smart", If_None_Match=first.headers["ETag"])
    assert conditional.status_code == 304 and conditional.headers["X-Cache-Status"] == "HIT"


def test_api_keys_and_roles_do_not_share_entries(env, backends, base):
    one = get(base, "pg", 103, key=KEY_ONE, X_Cache_Strategy="ttl")
    assert one.headers["X-Cache-Status"] == "MISS"
    two = get(base, "pg", 103, key=KEY_TWO, X_Cache_Strategy="ttl")
    assert two.headers["X-Cache-Status"] == "MISS"
    assert two.content == one.content  # the same rows, but each caller has its own entry
    auditor = get(base, "pg", 103, key=KEY_ONE, X_Cache_Strategy="ttl", X_Role="auditor")
    assert auditor.headers["X-Cache-Status"] == "MISS"
    assert get(base, "pg", 103, key=KEY_ONE, X_Cache_Strategy="ttl").headers["X-Cache-Status"] == "HIT"
    assert get(base, "pg", 103, key=KEY_TWO, X_Cache_Strategy="ttl").headers["X-Cache-Status"] == "HIT"
    bad_key = get(base, "pg", 103, key="not-a-key", X_Cache_Strategy="ttl")
    assert bad_key.status_code == 401 and "X-Cache-Status" not in bad_key.headers


@pytest.mark.parametrize("service", SERVICES)
def test_ttl_expiry_and_writes_straight_in_the_database(env, backends, base, service):
    first = get(base, service, 104, X_Cache_TTL="1")  # a TTL alone asks for the "ttl" strategy
    assert first.headers["X-Cache-Status"] == "MISS"
    assert first.headers["Cache-Control"] == "private, max-age=1"
    backends.execute(service, "UPDATE items SET name = 'renamed' WHERE id = 1")
    # Written behind Nectar's back: the cached answer stands until its TTL ends.
    stale = get(base, service, 104, X_Cache_TTL="1")
    if stale.headers["X-Cache-Status"] == "HIT":  # a slow machine may already be past the second
        assert stale.content == first.content
    time.sleep(1.2)
    fresh = get(base, service, 104, X_Cache_TTL="1")
    assert fresh.headers["X-Cache-Status"] == "MISS"
    assert fresh.json()["data"] == backends.items(service)
    assert fresh.json()["data"][0]["name"] == "renamed"


@pytest.mark.parametrize("service", SERVICES)
def test_smart_entries_are_dropped_by_writes_straight_in_the_database(env, backends, base, service):
    # The fixture's first smart read started following the table (here by polling each second:
    # these servers have no logical replication or binlog, and Nectar falls back by itself).
    assert get(base, service, 109, X_Cache_Strategy="smart").headers["X-Cache-Status"] == "MISS"
    # Earlier tests wrote straight in the database too, and a poll may report those a little
    # later (dropping this entry): wait until the entry holds.
    wait_until_held(base, service, 109)
    backends.execute(service, "UPDATE items SET name = 'changed behind' WHERE id = 2")
    deadline = time.monotonic() + 10
    while True:
        r = get(base, service, 109, X_Cache_Strategy="smart")
        if r.headers["X-Cache-Status"] == "MISS":
            break
        assert time.monotonic() < deadline, "the direct write never dropped the smart entry"
        time.sleep(0.2)
    assert r.json()["data"] == backends.items(service)
    assert r.json()["data"][1]["name"] == "changed behind"
    backends.execute(service, "UPDATE items SET name = 'item 2' WHERE id = 2")


@pytest.mark.parametrize("service", SERVICES)
def test_pg_wire_write_through_nectar_invalidates_smart_entries(env, backends, base, service, pgwire):
    smart = get(base, service, 105, X_Cache_Strategy="smart")
    ttl = get(base, service, 105, X_Cache_Strategy="ttl")
    assert smart.headers["X-Cache-Status"] == "MISS" and ttl.headers["X-Cache-Status"] == "MISS"
    wait_until_held(base, service, 105)
    # The write drops the entry at once, before any poll could: the next read is never a HIT.
    assert run_sql(pgwire, f"UPDATE {service}.items SET qty = qty + 1 WHERE id <= 2") == "UPDATE 2"
    after = assert_fresh_after_write(base, service, 105, backends)
    assert [row["qty"] for row in after.json()["data"][:2]] == [11, 21]
    # "ttl" entries live their TTL whatever is written.
    still = get(base, service, 105, X_Cache_Strategy="ttl")
    assert still.headers["X-Cache-Status"] == "HIT" and still.content == ttl.content
    # Inside a transaction block the entry goes at COMMIT, and a ROLLBACK leaves it.
    wait_until_held(base, service, 105)
    run_sql(pgwire, "BEGIN")
    run_sql(pgwire, f"DELETE FROM {service}.items WHERE id = 20")
    run_sql(pgwire, "ROLLBACK")
    assert get(base, service, 105, X_Cache_Strategy="smart").headers["X-Cache-Status"] == "HIT"
    run_sql(pgwire, "BEGIN")
    run_sql(pgwire, f"INSERT INTO {service}.items VALUES (21, 'item 21', 210)")
    run_sql(pgwire, "COMMIT")
    committed = assert_fresh_after_write(base, service, 105, backends)
    assert committed.json()["data"][-1] == {"id": 21, "name": "item 21", "qty": 210}


@pytest.mark.parametrize("ttl", ["abc", "0", "-5", "3601", "1.5", "10 s", ""])
def test_bad_cache_ttl_is_400(env, backends, base, ttl):
    r = get(base, "pg", 106, X_Cache_Strategy="smart", X_Cache_TTL=ttl)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == 400 and error["sqlstate"] == "22023"
    assert "X-Cache-TTL" in error["message"] and "3600" in error["message"]
    assert r.headers["Cache-Control"] == "no-store"
    assert "X-Cache-Status" not in r.headers
    good = get(base, "pg", 106, X_Cache_Strategy="smart")  # the first of these cases stores, the others hit
    assert good.status_code == 200 and good.headers["X-Cache-Status"] in ("MISS", "HIT")
    assert good.json()["data"] == backends.items("pg")


def test_bad_cache_strategy_is_400(env, backends, base):
    r = get(base, "my", 107, X_Cache_Strategy="forever")
    assert r.status_code == 400
    assert "X-Cache-Strategy" in r.json()["error"]["message"] and "forever" in r.json()["error"]["message"]
    assert get(base, "my", 107, X_Cache_Strategy="none").headers["X-Cache-Status"] == "BYPASS"


@pytest.mark.parametrize("service", SERVICES)
def test_errors_are_never_cached(env, backends, base, service):
    url = f"{base}/{service}/_table/items/500"
    headers = {"X-API-Key": KEY_ONE, "X-Cache-Strategy": "smart"}
    missing = requests.get(url, headers=headers, timeout=30)
    assert missing.status_code == 404
    assert missing.headers["Cache-Control"] == "no-store"
    assert missing.headers["X-Cache-Status"] == "BYPASS"
    assert "ETag" not in missing.headers
    backends.execute(service, "INSERT INTO items VALUES (500, 'late', 5)")
    found = requests.get(url, headers=headers, timeout=30)
    assert found.status_code == 200 and found.headers["X-Cache-Status"] == "MISS"
    assert found.json() == {"id": 500, "name": "late", "qty": 5}
    bad = requests.get(f"{base}/{service}/_table/items", params={"filter": "{"}, headers=headers, timeout=30)
    assert bad.status_code == 400 and bad.headers["X-Cache-Status"] == "BYPASS"
    assert requests.get(f"{base}/{service}/_table/nope", headers=headers, timeout=30).status_code == 404


def test_posts_are_not_cached_and_metrics_count(env, backends, base):
    r = requests.post(f"{base}/lite/_table/items/_query", json={"limit": 3},
                      headers={"X-API-Key": KEY_ONE, "X-Cache-Strategy": "smart"}, timeout=30)
    assert r.status_code == 200, r.text
    assert "X-Cache-Status" not in r.headers and "ETag" not in r.headers
    get(base, "lite", 108, X_Cache_Strategy="smart")
    get(base, "lite", 108, X_Cache_Strategy="smart")
    metrics = requests.get(base.replace("/api/v2", "/metrics"), headers={"X-API-Key": KEY_ONE}, timeout=30)
    assert metrics.headers["Cache-Control"] == "no-store"
    values = dict(re.findall(r"^(nectar_http_cache_[a-z_]+(?:\{[^}]*\})?) (\d+)$", metrics.text, re.M))
    assert int(values['nectar_http_cache_lookups_total{result="hit"}']) >= 1
    assert int(values['nectar_http_cache_lookups_total{result="miss"}']) >= 1
    assert int(values["nectar_http_cache_entries"]) >= 1
    assert int(values["nectar_http_cache_bytes"]) > 0
    assert int(values["nectar_http_cache_invalidations_total"]) >= 0
