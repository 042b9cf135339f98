"""The REST face's read endpoints (issue 4, SPEC §5) against PostgreSQL, MariaDB and SQLite
services: `_expose`, `_table` list (filter, sort, page, limit, offset, fields, exclude, count),
one row by primary key, `_count`, `_schema`; every answer compared with what the backend itself
holds, and bad input in every position answered 400/404 with a message that says what."""

import datetime
import json
import os
import pathlib
import sys
import urllib.parse
from decimal import Decimal

import pytest
import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402
from rest_env import three_services  # noqa: E402

NECTAR_BIN = pathlib.Path(os.environ.get("NECTAR_BIN", harness.DEFAULT_NECTAR_BIN))
SERVICES = ["pg", "my", "lite"]
STATUSES = ["active", "inactive", "banned"]
ROWS = 130


def user_rows():
    """(id, name, email, status, created_at, score); NULL statuses and scores on some rows."""
    base = datetime.datetime(2024, 1, 1, 8, 0, 0)
    rows = []
    for i in range(1, ROWS + 1):
        status = None if i % 17 == 0 else STATUSES[i % 3]
        score = None if i % 11 == 0 else Decimal(i * 37 % 1000) / 10
        created = base + datetime.timedelta(hours=i * 7, seconds=i)
        rows.append((i, f"User {i:03d}", f"user{i}@example.com", status, created, score))
    return rows


PG_DDL = ("CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, status text, "
          "created_at timestamp NOT NULL, score numeric(6,1)); CREATE TABLE hidden (id int PRIMARY KEY)")
MY_DDL = ("CREATE TABLE users (id int PRIMARY KEY, name varchar(40) NOT NULL, email varchar(80) NOT NULL, "
          "status varchar(20), created_at datetime NOT NULL, score decimal(6,1)); "
          "CREATE TABLE hidden (id int PRIMARY KEY); "
          "CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL, total decimal(8,2) NOT NULL);")


def order_rows():
    """(id, user_id, total) in MariaDB; user ids past 130 have no user (dangling)."""
    return [(i, i * 7 % 140 + 1, Decimal(i * 13 % 500) + Decimal("0.25")) for i in range(1, 301)]
LITE_DDL = ("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, status TEXT, "
            "created_at TIMESTAMP NOT NULL, score NUMERIC(6,1))")


def sql_value(v):
    if v is None:
        return "NULL"
    if isinstance(v, (int, Decimal)):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def insert_sql():
    values = ", ".join("(" + ", ".join(sql_value(v) for v in row) + ")" for row in user_rows())
    return f"INSERT INTO users VALUES {values}"


def _fill_lite(conn):
    conn.execute(LITE_DDL)
    conn.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)",
                     [(r[0], r[1], r[2], r[3], r[4].isoformat(sep=" "), None if r[5] is None else float(r[5]))
                      for r in user_rows()])


@pytest.fixture(scope="module")
def env():
    orders = ", ".join(f"({i}, {u}, {t})" for i, u, t in order_rows())
    with three_services("rest", pg_sql=f"{PG_DDL}; {insert_sql()}",
                        maria_sql=f"{MY_DDL} {insert_sql()}; INSERT INTO orders VALUES {orders};",
                        lite_sql=_fill_lite) as e:
        yield e.nectar, e.pg, e.args


@pytest.fixture(scope="module")
def api(env):
    nectar = env[0]
    base = f"http://127.0.0.1:{nectar.http_port}/api/v2"
    for service in SERVICES:
        r = requests.post(f"{base}/{service}/_expose", json={"tables": ["users"]}, timeout=30)
        assert r.status_code == 200, r.text
        assert r.json() == {"service": service, "exposed": ["users"]}
    r = requests.post(f"{base}/my/_expose", json={"tables": ["orders"]}, timeout=30)
    assert r.json() == {"service": "my", "exposed": ["orders", "users"]}
    return base


def get(url, **params):
    return requests.get(url, params=params, timeout=30)


def expected(rows, keep=lambda r: True, key=lambda r: r[0], reverse=False):
    return sorted((r for r in rows if keep(r)), key=key, reverse=reverse)


def as_json_row(row, fields=("id", "name", "email", "status", "created_at", "score")):
    full = {"id": row[0], "name": row[1], "email": row[2], "status": row[3],
            "created_at": row[4].isoformat(), "score": None if row[5] is None else float(row[5])}
    return {f: full[f] for f in fields}


def normalized(data):
    """Scores as floats (JSON numbers parse as float; numeric scale differs by backend)."""
    out = []
    for row in data:
        row = dict(row)
        if row.get("score") is not None:
            row["score"] = float(row["score"])
        out.append(row)
    return out


@pytest.mark.parametrize("service", SERVICES)
def test_five_minute_list(api, service):
    """The acceptance's request, verbatim, on every backend."""
    filter_ = json.dumps({"status": "active"})
    r = requests.get(f"{api}/{service}/_table/users?filter={urllib.parse.quote(filter_)}"
                     "&sort=created_at:desc&page=1&limit=50&fields=id,name,email", timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    want = expected(user_rows(), keep=lambda u: u[3] == "active", key=lambda u: u[4], reverse=True)
    assert body["data"] == [as_json_row(u, ("id", "name", "email")) for u in want[:50]]
    assert body["meta"] == {"page": 1, "limit": 50, "offset": 0, "count": min(50, len(want)),
                            "more": len(want) > 50}


@pytest.mark.parametrize("service", SERVICES)
def test_pages_walk_the_whole_table_in_key_order(api, service):
    seen = []
    page = 1
    while True:
        body = get(f"{api}/{service}/_table/users", page=page, limit=40).json()
        assert body["meta"]["page"] == page and body["meta"]["limit"] == 40
        seen += normalized(body["data"])
        if not body["meta"]["more"]:
            break
        page += 1
    assert page == 4
    assert seen == [as_json_row(u) for u in user_rows()]


@pytest.mark.parametrize("service", SERVICES)
def test_one_row_by_id_count_and_schema(api, service):
    rows = user_rows()
    r = get(f"{api}/{service}/_table/users/17")
    assert r.status_code == 200, r.text
    assert normalized([r.json()]) == [as_json_row(rows[16])]
    assert get(f"{api}/{service}/_table/users/17", fields="id,status").json() == {"id": 17, "status": None}
    r = get(f"{api}/{service}/_table/users/999")
    assert r.status_code == 404 and r.json()["error"]["sqlstate"] == "P0002"
    r = get(f"{api}/{service}/_table/users/abc")
    assert r.status_code == 400 and "id" in r.json()["error"]["message"]
    assert get(f"{api}/{service}/_table/users/_count").json() == {"count": ROWS}
    active = sum(1 for u in rows if u[3] == "active")
    assert get(f"{api}/{service}/_table/users/_count", filter='{"status":"active"}').json() == {"count": active}
    schema = get(f"{api}/{service}/_table/users/_schema").json()
    assert schema["name"] == "users" and schema["primaryKey"] == ["id"]
    assert [c["name"] for c in schema["columns"]] == ["id", "name", "email", "status", "created_at", "score"]
    assert [c["nullable"] for c in schema["columns"]] == [False, False, False, True, False, True]


@pytest.mark.parametrize("service", SERVICES)
def test_filters_sort_exclude_offset_and_count(api, service):
    rows = user_rows()
    f = {"$or": [{"score": {"$gte": 90}}, {"status": None}], "id": {"$lt": 120}}
    body = get(f"{api}/{service}/_table/users", filter=json.dumps(f), sort="score:desc,id", exclude="email",
               limit=7, offset=2, count="exact").json()
    keep = [u for u in rows if ((u[5] is not None and u[5] >= 90) or u[3] is None) and u[0] < 120]
    # score:desc puts NULLs first (PostgreSQL's DESC), then higher scores; ties by id.
    keep.sort(key=lambda u: (u[5] is not None, -(u[5] or 0), u[0]))
    assert normalized(body["data"]) == [as_json_row(u, ("id", "name", "status", "created_at", "score"))
                                        for u in keep[2:9]]
    assert body["meta"]["total"] == len(keep) and body["meta"]["totalIsEstimate"] is False
    assert body["meta"]["offset"] == 2 and body["meta"]["more"] == (len(keep) > 9)


def test_estimated_count_comes_from_the_backend(api):
    body = get(f"{api}/pg/_table/users", limit=1, count="estimated").json()
    assert body["meta"]["total"] > 0
    assert isinstance(body["meta"]["totalIsEstimate"], bool)


def test_json_types(api):
    row = get(f"{api}/pg/_table/users/35").json()
    assert row["created_at"] == user_rows()[34][4].isoformat()
    assert isinstance(row["score"], float) and row["score"] == 29.5  # numeric as a JSON number
    assert get(f"{api}/pg/_table/users/34", fields="id,status").json() == {"id": 34, "status": None}  # 34 = 2 * 17
    assert get(f"{api}/pg/_table/users/44", fields="score").json() == {"score": None}  # 44 = 4 * 11


@pytest.mark.parametrize("params, sqlstate, words", [
    ({"limit": "0"}, "22023", "limit"),
    ({"limit": "5000"}, "22023", "maximum"),
    ({"limit": "ten"}, "22023", "limit"),
    ({"page": "2", "offset": "3"}, "22023", "page or offset"),
    ({"page": "0"}, "22023", "page"),
    ({"offset": "-1"}, "22023", "offset"),
    ({"sort": "nope"}, "42703", "nope"),
    ({"sort": "id:sideways"}, "22023", "sideways"),
    ({"fields": "id,nope"}, "42703", "nope"),
    ({"fields": "orders.total"}, "22023", "orders.total"),  # users has no relationship to include
    ({"exclude": "id,name,email,status,created_at,score"}, "22023", "no column"),
    ({"count": "maybe"}, "22023", "maybe"),
    ({"filter": "{not json"}, "22P02", "JSON"),
    ({"filter": '{"nope": 1}'}, "42703", "nope"),
    ({"filter": '{"id": {"$near": 1}}'}, "42883", "$near"),
    ({"filter": '{"id": "x"}'}, "22P02", "x"),
    ({"fields": 'id,"name'}, "42703", '"name'),
    ({"sort": "id;drop table users"}, "42703", "id;drop table users"),
])
def test_bad_parameters_are_400_naming_the_problem(api, params, sqlstate, words):
    for service in SERVICES:
        r = get(f"{api}/{service}/_table/users", **params)
        assert r.status_code == 400, (service, r.text)
        error = r.json()["error"]
        assert error["sqlstate"] == sqlstate, (service, error)
        assert words in error["message"], (service, error)


def test_unknown_and_unexposed_tables_are_404(api):
    for path, sqlstate in [("nope/_table/users", "3D000"), ("pg/_table/nope", "42P01"), ("pg/_table/hidden", "42P01"),
                           ("pg/_table/users%22%3B%20drop%20table%20users%3B--", "42P01"),
                           ("pg/_table/%C3%A9t%C3%A9", "42P01")]:
        r = requests.get(f"{api}/{path}", timeout=30)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["error"]["sqlstate"] == sqlstate, (path, r.text)
    assert "not exposed" in requests.get(f"{api}/pg/_table/hidden", timeout=30).json()["error"]["message"]
    assert get(f"{api}/pg/_table/users/_count").json() == {"count": ROWS}  # the data is untouched


def test_expose_checks_its_body_and_tables(api):
    for body, status in [(b"not json", 400), (b'{"tables": "users"}', 400), (b'{"tables": [1]}', 400),
                         (b'{"tables": ["nope"]}', 404)]:
        r = requests.post(f"{api}/pg/_expose", data=body, timeout=30)
        assert r.status_code == status, (body, r.text)
    assert requests.post(f"{api}/nope/_expose", json={"tables": ["x"]}, timeout=30).status_code == 404


def test_exposures_survive_a_restart(env, api):
    nectar, pg, args = env
    data_dir = nectar.tmp / "data"
    second = harness.Nectar(NECTAR_BIN, args, name="rest-nectar-2")
    # The same data dir as the first nectar (SQLite lets both open catalog.db): what it exposed
    # was written to the file, so the second one serves it without an _expose of its own.
    second.args[second.args.index("--data-dir") + 1] = str(data_dir)
    second.start()
    try:
        r = requests.get(f"http://127.0.0.1:{second.http_port}/api/v2/my/_table/users/_count", timeout=30)
        assert r.status_code == 200, r.text
        assert r.json() == {"count": ROWS}
    finally:
        assert second.stop() == 0
        second.cleanup()


FILTERS = [
    ({"status": {"$ne": "active"}}, lambda u: u[3] is not None and u[3] != "active"),
    ({"id": {"$in": [3, 5, 300]}}, lambda u: u[0] in (3, 5, 300)),
    ({"id": {"$in": []}}, lambda u: False),
    ({"status": {"$nin": ["active", "banned"]}}, lambda u: u[3] is not None and u[3] not in ("active", "banned")),
    ({"score": {"$between": [10, 20]}}, lambda u: u[5] is not None and 10 <= u[5] <= 20),
    ({"score": {"$gt": 50, "$lte": "60.5"}}, lambda u: u[5] is not None and 50 < u[5] <= Decimal("60.5")),
    ({"name": {"$like": "User 01%"}}, lambda u: u[1].startswith("User 01")),
    ({"email": {"$ilike": "USER1%"}}, lambda u: u[2].startswith("user1")),
    ({"email": {"$contains": "1@"}}, lambda u: "1@" in u[2]),
    ({"name": {"$contains": "%"}}, lambda u: False),  # a literal %, not a wildcard
    ({"status": {"$null": True}}, lambda u: u[3] is None),
    ({"score": {"$exists": True}}, lambda u: u[5] is not None),
    ({"$not": {"status": "active"}}, lambda u: u[3] is not None and u[3] != "active"),
    ({"created_at": {"$gte": "2024-01-20 00:00:00"}}, lambda u: u[4] >= datetime.datetime(2024, 1, 20)),
    ({"$and": [{"id": {"$gt": 100}}, {"$or": [{"status": "banned"}, {"score": None}]}]},
     lambda u: u[0] > 100 and (u[3] == "banned" or u[5] is None)),
]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("index", range(len(FILTERS)))
def test_each_filter_operator_matches_sql(api, service, index):
    filter_, keep = FILTERS[index]
    r = get(f"{api}/{service}/_table/users", filter=json.dumps(filter_), fields="id", limit=1000)
    assert r.status_code == 200, r.text
    assert [row["id"] for row in r.json()["data"]] == [u[0] for u in user_rows() if keep(u)], filter_


def query(api, service, body):
    return requests.post(f"{api}/{service}/_table/users/_query", json=body, timeout=30)


def test_query_joins_across_services(api):
    """PostgreSQL users joined with MariaDB orders, filtered on both sides, in one request."""
    body = {"joins": [{"table": "my.orders", "as": "o", "on": {"users.id": "o.user_id"}}],
            "select": ["users.id", "users.name", "o.id", "o.total"],
            "filter": {"users.status": "active", "o.total": {"$gte": 100}},
            "sort": "o.id", "limit": 1000}
    r = query(api, "pg", body)
    assert r.status_code == 200, r.text
    users = {u[0]: u for u in user_rows()}
    want = [{"users.id": u, "users.name": users[u][1], "o.id": o, "o.total": float(t)}
            for o, u, t in order_rows() if u in users and users[u][3] == "active" and t >= 100]
    assert normalized_totals(r.json()["data"]) == want
    assert r.json()["meta"]["more"] is False


def normalized_totals(data):
    return [dict(row, **{"o.total": float(row["o.total"])}) if "o.total" in row else row for row in data]


def test_query_aggregate_across_services(api):
    body = {"joins": [{"table": "my.orders", "as": "o", "on": {"users.id": "o.user_id"}}],
            "aggregate": {"group": ["users.status"],
                          "functions": {"n": {"$count": "*"}, "total": {"$sum": "o.total"}, "top": {"$max": "o.total"}}},
            "sort": "users.status"}
    r = query(api, "pg", body)
    assert r.status_code == 200, r.text
    users = {u[0]: u for u in user_rows()}
    groups = {}
    for _, u, t in order_rows():
        if u in users:
            g = groups.setdefault(users[u][3], [0, Decimal(0), Decimal(0)])
            g[0] += 1
            g[1] += t
            g[2] = max(g[2], t)
    # PostgreSQL sorts NULL last ascending: the users without a status come at the end.
    keys = sorted((k for k in groups if k is not None)) + ([None] if None in groups else [])
    want = [{"users.status": k, "n": groups[k][0], "total": float(groups[k][1]), "top": float(groups[k][2])}
            for k in keys]
    got = [dict(row, total=float(row["total"]), top=float(row["top"])) for row in r.json()["data"]]
    assert got == want


def test_query_left_join_keeps_users_without_orders(api):
    body = {"joins": [{"table": "my.orders", "as": "o", "type": "left", "on": {"users.id": "o.user_id"}}],
            "select": ["users.id", "o.id"], "filter": {"users.id": {"$lte": 12}}, "sort": "users.id,o.id"}
    r = query(api, "lite", body)
    assert r.status_code == 200, r.text
    want = []
    for uid in range(1, 13):
        mine = sorted(o for o, u, _ in order_rows() if u == uid)
        want += [{"users.id": uid, "o.id": o} for o in mine] or [{"users.id": uid, "o.id": None}]
    assert r.json()["data"] == want


def test_query_without_joins_uses_plain_names_and_pages(api):
    body = {"select": ["id", "status"], "filter": {"id": {"$lt": 10}}, "sort": ["id:desc"], "limit": 4, "page": 2}
    r = query(api, "my", body)
    assert r.status_code == 200, r.text
    assert [row["id"] for row in r.json()["data"]] == [5, 4, 3, 2]
    assert r.json()["meta"] == {"page": 2, "limit": 4, "offset": 4, "count": 4, "more": True}


@pytest.mark.parametrize("body, status, sqlstate, words", [
    ("{not json", 400, "22P02", "JSON"),
    ([1, 2], 400, "22023", "object"),
    ({"joins": [{"table": "my.hidden", "on": {"users.id": "hidden.id"}}]}, 404, "42P01", "not exposed"),
    ({"joins": [{"table": "my.nope", "on": {"users.id": "nope.id"}}]}, 404, "42P01", "does not exist"),
    ({"joins": [{"table": "my.orders", "on": {"users.id": "orders.nope"}}]}, 400, "42703", "orders.nope"),
    ({"joins": [{"table": "my.orders", "type": "full", "on": {"users.id": "orders.user_id"}}]}, 400, "22023", "full"),
    ({"joins": [{"table": "my.orders", "on": {"users.name": "orders.user_id"}}]}, 400, "42883", "users.name"),
    ({"joins": [{"table": "my.orders", "as": "users", "on": {"users.id": "users.id"}}]}, 400, "42712", "users"),
    ({"joins": [{"table": "my.orders"}]}, 400, "22023", "on"),
    ({"select": ["id"], "aggregate": {"functions": {"n": {"$count": "*"}}}}, 400, "22023", "not both"),
    ({"aggregate": {"functions": {"n": {"$median": "id"}}}}, 400, "42883", "$median"),
    ({"aggregate": {"functions": {"n": {"$sum": "name"}}}}, 400, "42883", "name"),
    ({"select": ["id"], "sort": "name"}, 400, "42703", "name"),
    ({"limit": 5000}, 400, "22023", "limit"),
    ({"limit": 2, "page": 1, "offset": 0}, 400, "22023", "not both"),
    ({"filter": {"nope": 1}}, 400, "42703", "nope"),
])
def test_query_bad_bodies(api, body, status, sqlstate, words):
    data = body if isinstance(body, str) else json.dumps(body)
    r = requests.post(f"{api}/pg/_table/users/_query", data=data, timeout=30)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["sqlstate"] == sqlstate, error
    assert words in error["message"], error
