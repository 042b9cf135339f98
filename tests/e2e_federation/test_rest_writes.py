"""The REST face's writes (issue 4, SPEC §5) against PostgreSQL, MariaDB and SQLite services:
POST (one row, bulk, upsert), PATCH / PUT / DELETE by id (composite keys too) with ETag and
If-Match, PATCH / DELETE by filter; every answer compared with what the backend itself holds, and
bad input in every position answered 4xx with a clear message and the table left untouched."""

import concurrent.futures
import json
import os
import pathlib
import sqlite3
import sys
import urllib.parse

import psycopg2
import pytest
import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402
from rest_env import three_services  # noqa: E402

NECTAR_BIN = pathlib.Path(os.environ.get("NECTAR_BIN", harness.DEFAULT_NECTAR_BIN))
SERVICES = ["pg", "my", "lite"]

PG_DDL = ("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL UNIQUE, qty int NOT NULL DEFAULT 0, "
          "price numeric(8,2), note text); "
          "CREATE TABLE pairs (a int, b text, v text, PRIMARY KEY (a, b)); "
          "CREATE TABLE parts (id int PRIMARY KEY, item_id int NOT NULL REFERENCES items(id)); "
          "CREATE TABLE docs (id int PRIMARY KEY, body jsonb, tags text)")
MY_DDL = ("CREATE TABLE items (id int PRIMARY KEY, name varchar(60) NOT NULL UNIQUE, qty int NOT NULL DEFAULT 0, "
          "price decimal(8,2), note varchar(200)); "
          "CREATE TABLE pairs (a int, b varchar(20), v varchar(20), PRIMARY KEY (a, b)); "
          "CREATE TABLE parts (id int PRIMARY KEY, item_id int NOT NULL, FOREIGN KEY (item_id) REFERENCES items(id)); "
          "CREATE TABLE docs (id int PRIMARY KEY, body json, tags varchar(50));")
LITE_DDL = ["CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL DEFAULT 0, "
            "price NUMERIC(8,2), note TEXT)",
            "CREATE TABLE pairs (a INTEGER, b TEXT, v TEXT, PRIMARY KEY (a, b))"]


class Backends:
    """Direct access to each backend, to check what Nectar wrote."""

    def __init__(self, pg, maria, lite_path):
        self.pg, self.maria, self.lite_path = pg, maria, lite_path

    def raw(self, service, sql):
        if service == "pg":
            with psycopg2.connect(**self.pg.endpoint(sslmode="disable").params()) as conn, conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall() if cur.description else []
        if service == "my":
            return [tuple(r) for r in self.maria.query(sql)]
        with sqlite3.connect(self.lite_path) as conn:
            return conn.execute(sql).fetchall()

    def run(self, service, sql):
        if service == "my":
            self.maria.execute(sql)
        else:
            self.raw(service, sql)

    def items(self, service, where="TRUE"):
        """Every row of items as (id, name, qty, price, note), prices as floats, ordered by id."""
        where = "1 = 1" if where == "TRUE" else where
        rows = self.raw(service, f"SELECT id, name, qty, price, note FROM items WHERE {where} ORDER BY id")
        return [(int(r[0]), r[1], int(r[2]), None if r[3] is None else float(r[3]), r[4]) for r in rows]

    def pairs(self, service):
        return [(int(r[0]), r[1], r[2]) for r in self.raw(service, "SELECT a, b, v FROM pairs ORDER BY a, b")]


@pytest.fixture(scope="module")
def env():
    with three_services("rest-writes", pg_sql=PG_DDL, maria_sql=MY_DDL, lite_sql=";\n".join(LITE_DDL)) as e:
        yield e.nectar, Backends(e.pg, e.maria, e.lite_path)


@pytest.fixture(scope="module")
def api(env):
    nectar = env[0]
    base = f"http://127.0.0.1:{nectar.http_port}/api/v2"
    for service in SERVICES:
        tables = ["items", "pairs"] + (["parts", "docs"] if service != "lite" else [])
        r = requests.post(f"{base}/{service}/_expose", json={"tables": tables}, timeout=30)
        assert r.status_code == 200, r.text
    return base


@pytest.fixture
def db(env):
    backends = env[1]
    for service in SERVICES:
        backends.run(service, "DELETE FROM parts" if service != "lite" else "DELETE FROM pairs")
        backends.run(service, "DELETE FROM pairs")
        backends.run(service, "DELETE FROM items")
    return backends


def url(api, service, table="items", id_=None, **params):
    out = f"{api}/{service}/_table/{table}"
    if id_ is not None:
        out += "/" + urllib.parse.quote(str(id_), safe="")
    if params:
        out += "?" + urllib.parse.urlencode(params)
    return out


def call(method, target, body=None, raw=None, headers=None):
    data = raw if raw is not None else (None if body is None else json.dumps(body))
    h = {"Content-Type": "application/json", **(headers or {})}
    return requests.request(method, target, data=data, headers=h, timeout=30)


def as_tuple(row):
    price = row["price"]
    return (row["id"], row["name"], row["qty"], None if price is None else float(price), row["note"])


def seed(api, service, rows):
    r = call("POST", url(api, service), rows)
    assert r.status_code == 201, r.text
    return r


APPLE = {"id": 1, "name": "apple", "qty": 3, "price": "1.25", "note": None}
PEAR = {"id": 2, "name": "pear", "qty": 0, "price": 0.5, "note": "ripe"}
PLUM = {"id": 3, "name": "plum", "qty": 12, "price": None, "note": "o'clock \"quoted\" ; --"}


@pytest.mark.parametrize("service", SERVICES)
def test_insert_one_returns_the_stored_row_and_its_etag(api, db, service):
    r = call("POST", url(api, service), {"id": 1, "name": "apple", "price": "1.25"})
    assert r.status_code == 201, r.text
    assert [as_tuple(x) for x in r.json()["data"]] == [(1, "apple", 0, 1.25, None)]  # qty: the column's default
    assert db.items(service) == [(1, "apple", 0, 1.25, None)]
    got = requests.get(url(api, service, id_=1), timeout=30)
    assert got.status_code == 200 and got.headers["ETag"] == r.headers["ETag"]
    assert r.headers["ETag"].startswith('"') and len(r.headers["ETag"]) == 34


@pytest.mark.parametrize("service", SERVICES)
def test_bulk_insert_is_all_or_nothing(api, db, service):
    r = seed(api, service, [APPLE, PEAR, PLUM])
    assert "ETag" not in r.headers
    want = [(1, "apple", 3, 1.25, None), (2, "pear", 0, 0.5, "ripe"), (3, "plum", 12, None, PLUM["note"])]
    assert sorted(as_tuple(x) for x in r.json()["data"]) == want
    assert db.items(service) == want
    # the third row's id is taken: none of the three is written
    r = call("POST", url(api, service), [{"id": 4, "name": "fig"}, {"id": 5, "name": "kiwi"}, {"id": 1, "name": "lime"}])
    assert r.status_code == 409, r.text
    assert r.json()["error"]["sqlstate"] == "23505"
    assert db.items(service) == want


@pytest.mark.parametrize("service", SERVICES)
def test_upsert_by_primary_key_and_by_unique_column(api, db, service):
    seed(api, service, [APPLE, PEAR])
    r = call("POST", url(api, service, upsert="true"), [{"id": 1, "name": "apple", "qty": 7},
                                                      {"id": 3, "name": "plum", "qty": 1}])
    assert r.status_code == 201, r.text
    assert sorted(as_tuple(x) for x in r.json()["data"]) == [(1, "apple", 7, 1.25, None), (3, "plum", 1, None, None)]
    assert db.items(service) == [(1, "apple", 7, 1.25, None), (2, "pear", 0, 0.5, "ripe"), (3, "plum", 1, None, None)]
    r = call("POST", url(api, service, upsert="true", onConflict="name"), {"id": 2, "name": "pear", "note": "soft"})
    assert r.status_code == 201, r.text
    assert [as_tuple(x) for x in r.json()["data"]] == [(2, "pear", 0, 0.5, "soft")]
    assert db.items(service, "id = 2") == [(2, "pear", 0, 0.5, "soft")]
    assert r.headers["ETag"] == requests.get(url(api, service, id_=2), timeout=30).headers["ETag"]


@pytest.mark.parametrize("service", SERVICES)
def test_patch_put_delete_by_id(api, db, service):
    seed(api, service, [APPLE, PEAR])
    r = call("PATCH", url(api, service, id_=1), {"qty": 5, "note": "crisp"})
    assert r.status_code == 200, r.text
    assert as_tuple(r.json()) == (1, "apple", 5, 1.25, "crisp")
    assert r.headers["ETag"] == requests.get(url(api, service, id_=1), timeout=30).headers["ETag"]
    assert db.items(service, "id = 1") == [(1, "apple", 5, 1.25, "crisp")]

    r = call("PUT", url(api, service, id_=2), {"name": "pear", "qty": 4})
    assert r.status_code == 400 and r.json()["error"]["sqlstate"] == "23502"
    assert '"price"' in r.json()["error"]["message"] and '"note"' in r.json()["error"]["message"]
    r = call("PUT", url(api, service, id_=2), {"name": "nashi", "qty": 4, "price": "2.00", "note": None})
    assert r.status_code == 200, r.text
    assert as_tuple(r.json()) == (2, "nashi", 4, 2.0, None)
    assert db.items(service, "id = 2") == [(2, "nashi", 4, 2.0, None)]

    r = call("DELETE", url(api, service, id_=2))
    assert r.status_code == 200, r.text
    assert as_tuple(r.json()) == (2, "nashi", 4, 2.0, None)
    assert db.items(service) == [(1, "apple", 5, 1.25, "crisp")]
    for method, body in [("DELETE", None), ("PATCH", {"qty": 1}), ("PUT", {"name": "x", "qty": 1, "price": 1,
                                                                         "note": None})]:
        r = call(method, url(api, service, id_=2), body)
        assert r.status_code == 404 and r.json()["error"]["sqlstate"] == "P0002", (method, r.text)
    assert db.items(service) == [(1, "apple", 5, 1.25, "crisp")]


@pytest.mark.parametrize("service", SERVICES)
def test_if_match(api, db, service):
    seed(api, service, [APPLE])
    tag = requests.get(url(api, service, id_=1), timeout=30).headers["ETag"]
    r = call("PATCH", url(api, service, id_=1), {"qty": 3}, headers={"If-Match": tag})  # a no-op write
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == tag
    r = call("PATCH", url(api, service, id_=1), {"qty": 4}, headers={"If-Match": f'"other", {tag}'})
    assert r.status_code == 200, r.text
    new_tag = r.headers["ETag"]
    assert new_tag != tag and new_tag == requests.get(url(api, service, id_=1), timeout=30).headers["ETag"]
    # another writer changes the row behind the client's back: the stale tag is refused
    db.run(service, "UPDATE items SET note = 'changed' WHERE id = 1")
    for method, body in [("PATCH", {"qty": 9}), ("PUT", {"name": "a", "qty": 9, "price": 1, "note": None}),
                         ("DELETE", None)]:
        r = call(method, url(api, service, id_=1), body, headers={"If-Match": new_tag})
        assert r.status_code == 412, (method, r.text)
        assert r.json()["error"]["sqlstate"] == "55000" and "If-Match" in r.json()["error"]["message"]
        assert db.items(service) == [(1, "apple", 4, 1.25, "changed")]
    r = call("DELETE", url(api, service, id_=1), headers={"If-Match": "*"})
    assert r.status_code == 200 and db.items(service) == []


@pytest.mark.parametrize("service", SERVICES)
def test_concurrent_writers_with_one_etag_exactly_one_wins(api, db, service):
    """The If-Match check and the write happen in one transaction on the locked row."""
    seed(api, service, [APPLE])
    tag = requests.get(url(api, service, id_=1), timeout=30).headers["ETag"]
    writers = 4
    with concurrent.futures.ThreadPoolExecutor(writers) as pool:
        answers = list(pool.map(lambda n: call("PATCH", url(api, service, id_=1), {"qty": 100 + n},
                                               headers={"If-Match": tag}), range(writers)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] + [412] * (writers - 1), [r.text for r in answers]
    winner = next(r for r in answers if r.status_code == 200).json()
    assert db.items(service) == [(1, "apple", winner["qty"], 1.25, None)]


@pytest.mark.parametrize("service", SERVICES)
def test_composite_keys(api, db, service):
    r = call("POST", url(api, service, "pairs"), [{"a": 1, "b": "x", "v": "one"}, {"a": 1, "b": "y,z", "v": "two"},
                                                 {"a": 2, "b": "x", "v": "three"}])
    assert r.status_code == 201, r.text
    r = call("PATCH", url(api, service, "pairs", "1,x"), {"v": "uno"})
    assert r.status_code == 200, r.text
    assert r.json() == {"a": 1, "b": "x", "v": "uno"}
    assert r.headers["ETag"] == requests.get(url(api, service, "pairs", "1,x"), timeout=30).headers["ETag"]
    r = call("DELETE", url(api, service, "pairs", "2,x"))
    assert r.status_code == 200 and r.json() == {"a": 2, "b": "x", "v": "three"}
    assert db.pairs(service) == [(1, "x", "uno"), (1, "y,z", "two")]
    for bad in ["1", "1,x,y", "a,x"]:
        r = call("PATCH", url(api, service, "pairs", bad), {"v": "nope"})
        assert r.status_code == 400, (bad, r.text)
        assert "id" in r.json()["error"]["message"]
    r = call("DELETE", url(api, service, "pairs", "9,x"))
    assert r.status_code == 404
    assert db.pairs(service) == [(1, "x", "uno"), (1, "y,z", "two")]


@pytest.mark.parametrize("service", SERVICES)
def test_patch_and_delete_by_filter(api, db, service):
    seed(api, service, [APPLE, PEAR, PLUM])
    r = call("PATCH", url(api, service, filter=json.dumps({"qty": {"$lt": 5}})), {"note": "low"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["meta"] == {"count": 2}
    assert sorted(as_tuple(x) for x in body["data"]) == [(1, "apple", 3, 1.25, "low"), (2, "pear", 0, 0.5, "low")]
    assert db.items(service) == [(1, "apple", 3, 1.25, "low"), (2, "pear", 0, 0.5, "low"),
                                 (3, "plum", 12, None, PLUM["note"])]
    r = call("PATCH", url(api, service, filter=json.dumps({"name": "nothing"})), {"note": "x"})
    assert r.status_code == 200 and r.json() == {"data": [], "meta": {"count": 0}}
    r = call("DELETE", url(api, service, filter=json.dumps({"$or": [{"price": None}, {"name": {"$like": "pe%"}}]})))
    assert r.status_code == 200, r.text
    assert r.json()["meta"] == {"count": 2}
    assert sorted(x["id"] for x in r.json()["data"]) == [2, 3]
    assert db.items(service) == [(1, "apple", 3, 1.25, "low")]


@pytest.mark.parametrize("service", ["pg", "my"])
def test_json_columns_take_objects_and_arrays(api, db, service):
    db.run(service, "DELETE FROM docs")
    doc = {"a": [1, 2.5, None], "b": "x'y\"z", "c": {"d": True}}
    r = call("POST", url(api, service, "docs"), {"id": 1, "body": doc, "tags": "t"})
    assert r.status_code == 201, r.text
    stored = db.raw(service, "SELECT body FROM docs WHERE id = 1")[0][0]
    assert (stored if isinstance(stored, dict) else json.loads(stored)) == doc
    r = call("PATCH", url(api, service, "docs", 1), {"body": [1, "two"]})
    assert r.status_code == 200, r.text
    stored = db.raw(service, "SELECT body FROM docs WHERE id = 1")[0][0]
    assert (stored if isinstance(stored, list) else json.loads(stored)) == [1, "two"]
    r = call("PATCH", url(api, service, "docs", 1), {"tags": {"x": 1}})
    assert r.status_code == 400 and '"tags"' in r.json()["error"]["message"], r.text
    assert db.raw(service, "SELECT tags FROM docs WHERE id = 1")[0][0] == "t"


def test_foreign_key_violations_are_409(api, db):
    for service in ["pg", "my"]:
        seed(api, service, [APPLE])
        r = call("POST", url(api, service, "parts"), {"id": 1, "item_id": 99})
        assert r.status_code == 409, r.text
        assert r.json()["error"]["sqlstate"] == "23503"
        assert db.raw(service, "SELECT count(*) FROM parts")[0][0] in (0, "0")


BAD_WRITES = [
    # (method, table, id, params, body or raw text, status, sqlstate, words in the message)
    ("POST", "nope", None, {}, {"id": 9, "name": "x"}, 404, "42P01", "nope"),
    ("POST", "items", None, {}, {"id": 9, "nope": 1}, 400, "42703", "nope"),
    ("POST", "items", None, {}, {"id": 9, 'name"; DROP TABLE items;--': "x"}, 400, "42703", "DROP TABLE"),
    ("POST", "items", None, {}, "{not json", 400, "22P02", "JSON"),
    ("POST", "items", None, {}, "", 400, "22P02", "empty"),
    ("POST", "items", None, {}, "42", 400, "22P02", "object"),
    ("POST", "items", None, {}, [], 400, "22023", "empty array"),
    ("POST", "items", None, {}, {}, 400, "22023", "empty object"),
    ("POST", "items", None, {}, [{"id": 9, "name": "x"}, 5], 400, "22P02", "row 2"),
    ("POST", "items", None, {}, [{"id": 9, "name": "x"}, {"id": 10}], 400, "22023", "row 2"),
    ("POST", "items", None, {}, {"id": 9, "name": "x", "qty": "many"}, 400, "22P02", "qty"),
    ("POST", "items", None, {}, {"id": 9, "name": "x", "qty": 1.5}, 400, "22P02", "qty"),
    ("POST", "items", None, {}, {"id": 9, "name": {"first": "x"}}, 400, "22P02", "not an object"),
    ("POST", "items", None, {}, {"id": 9, "name": ["x"]}, 400, "22P02", "not an array"),
    ("POST", "items", None, {}, {"id": 9, "name": True}, 400, "22P02", "boolean"),
    ("POST", "items", None, {}, {"id": 9, "name": "a\u0000b"}, 400, "22P02", "NUL"),
    ("POST", "items", None, {}, {"id": 9, "name": None}, 400, "23502", ""),
    ("POST", "items", None, {}, {"id": 1, "name": "again"}, 409, "23505", ""),
    ("POST", "items", None, {}, {"id": 9, "name": "x", "id ": 3}, 400, "42703", "id "),
    ("POST", "items", None, {"upsert": "maybe"}, {"id": 9, "name": "x"}, 400, "22023", "maybe"),
    ("POST", "items", None, {"upsert": "true", "onConflict": "nope"}, {"id": 9, "name": "x"}, 400, "42703", "nope"),
    ("POST", "items", None, {"onConflict": "id"}, {"id": 9, "name": "x"}, 400, "22023", "upsert=true"),
    ("POST", "items", None, {"upsert": "true", "onConflict": "name"}, {"id": 9}, 400, "22023", "name"),
    ("PATCH", "items", 1, {}, {}, 400, "22023", "empty object"),
    ("PATCH", "items", 1, {}, "[1]", 400, "22P02", "object"),
    ("PATCH", "items", 1, {}, {"qty": "1; DROP TABLE items"}, 400, "22P02", "qty"),
    ("PATCH", "items", 1, {}, {"name": None}, 400, "23502", ""),
    ("PATCH", "items", 1, {}, {"name": "pear"}, 409, "23505", ""),
    ("PATCH", "items", "1' OR '1'='1", {}, {"qty": 1}, 400, "22P02", "id"),
    ("PATCH", "items", "1; DROP TABLE items", {}, {"qty": 1}, 400, "22P02", "id"),
    ("DELETE", "items", "1\u0000", {}, None, 400, "22P02", ""),
    ("DELETE", "items", "é☃", {}, None, 400, "22P02", "id"),
    ("DELETE", "items", "99999999999999999999", {}, None, 400, "22003", ""),
    ("PUT", "items", 1, {}, {"qty": 1}, 400, "23502", "name"),
    ("PATCH", "items", None, {}, {"qty": 1}, 400, "22023", "filter"),
    ("DELETE", "items", None, {}, None, 400, "22023", "filter"),
    ("DELETE", "items", None, {"filter": "{}"}, None, 400, "22023", "every row"),
    ("DELETE", "items", None, {"filter": "  "}, None, 400, "22023", "filter"),
    ("DELETE", "items", None, {"filter": "{bad"}, None, 400, "22P02", "filter"),
    ("DELETE", "items", None, {"filter": '{"nope": 1}'}, None, 400, "42703", "nope"),
    ("DELETE", "items", None, {"filter": '{"id": "1 OR 1=1"}'}, None, 400, "22P02", "1 OR 1=1"),
    ("PATCH", "items", None, {"filter": '{"id": 1}'}, {"nope": 1}, 400, "42703", "nope"),
]


@pytest.mark.parametrize("method, table, id_, params, body, status, sqlstate, words", BAD_WRITES)
def test_bad_input_is_4xx_and_writes_nothing(api, db, method, table, id_, params, body, status, sqlstate, words):
    for service in SERVICES:
        seed(api, service, [APPLE, PEAR])
        before = db.items(service)
        raw = body if isinstance(body, str) else None
        target = url(api, service, table, id_, **params)
        if id_ is not None and "\u0000" in str(id_):
            target = url(api, service, table) + "/1%00"
        r = call(method, target, None if raw is not None else body, raw=raw)
        assert r.status_code == status, (service, r.text)
        error = r.json()["error"]
        assert error["code"] == status
        if not (id_ is not None and "\u0000" in str(id_)):  # a NUL in the target is refused before routing
            assert error["sqlstate"] == sqlstate, (service, error)
            assert words in error["message"], (service, error)
        assert db.items(service) == before, service
        db.run(service, "DELETE FROM items")


@pytest.mark.parametrize("service", SERVICES)
def test_hostile_and_unicode_values_are_stored_as_given(api, db, service):
    note = "Robert'); DROP TABLE items;-- \\ \" ` $1 %s ☃ 𝄞 é"
    r = call("POST", url(api, service), {"id": 7, "name": "ünïcødé ☃", "note": note})
    assert r.status_code == 201, r.text
    assert db.items(service) == [(7, "ünïcødé ☃", 0, None, note)]
    r = call("PATCH", url(api, service, filter=json.dumps({"note": note})), {"qty": 2})
    assert r.status_code == 200 and r.json()["meta"]["count"] == 1
    assert db.items(service) == [(7, "ünïcødé ☃", 2, None, note)]


def test_unexposed_tables_and_unknown_services_are_404(api, db):
    db.run("pg", "CREATE TABLE IF NOT EXISTS secret (id int PRIMARY KEY)")
    for method, path in [("POST", "pg/_table/secret"), ("DELETE", "pg/_table/secret/1"),
                         ("PATCH", "nope/_table/items/1"), ("DELETE", "pg/_table/items%22%3B%20drop/1")]:
        r = call(method, f"{api}/{path}", {"id": 1})
        assert r.status_code == 404, (path, r.text)
