"""Issue 4's five-minute flow, verbatim, on a Nectar started with nothing but its demo: register a
PostgreSQL and a MariaDB service over HTTP, discover one, expose tables, list users with the
issue's exact query string, read one by id, its schema and count, and join its users to the
MariaDB service's orders with `_query`. Every answer is checked against the backends' data.

Run: /usr/bin/python3 -m pytest tests/e2e_federation/test_rest_five_minutes.py (NECTAR_BIN picks the binary).
"""

import datetime
import json

import pytest
import requests

from rest_env import NECTAR_BIN, harness, start_app_pg
from mariadb_server import MariaServer

START = datetime.datetime(2026, 1, 1, 12, 0, 0)
# (id, name, email, status, created_at): every third user inactive, one created per hour.
USERS = [(i, f"User {i}", f"user{i}@example.com", "inactive" if i % 3 == 0 else "active",
          START + datetime.timedelta(hours=i)) for i in range(1, 121)]
ORDERS = [(i, 1 + (i * 7) % 120, 10 * (i % 9)) for i in range(1, 301)]  # (id, user_id, total)


@pytest.fixture(scope="module")
def flow():
    if not NECTAR_BIN.exists():
        pytest.skip(f"nectar binary not found at {NECTAR_BIN}")
    cleanup = []
    try:
        pg = start_app_pg("five-minutes-pg")
        cleanup.append(pg.cleanup)
        users = ", ".join(f"({i}, '{n}', '{e}', '{s}', '{c}')" for i, n, e, s, c in USERS)
        pg.psql_admin(f"SET ROLE {harness.APP_USER}; CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, "
                      "email text UNIQUE NOT NULL, status text NOT NULL, created_at timestamp NOT NULL); "
                      f"INSERT INTO users VALUES {users};", db=harness.APP_DB)
        maria = MariaServer()
        maria.start()
        cleanup.append(maria.stop)
        orders = ", ".join(f"({i}, {u}, {t})" for i, u, t in ORDERS)
        maria.execute("CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL, total int NOT NULL); "
                      f"INSERT INTO orders VALUES {orders};")
        nectar = harness.Nectar(NECTAR_BIN, [], name="five-minutes-nectar")  # only the embedded demo
        nectar.start()
        cleanup.append(nectar.cleanup)
        yield f"http://127.0.0.1:{nectar.http_port}/api/v2", pg, maria
        assert nectar.stop() == 0, nectar.stderr_tail()
        assert not nectar.sanitizer_reports()
    finally:
        for step in reversed(cleanup):
            step()


def test_the_five_minute_flow(flow):
    api, pg, maria = flow
    # 1. connect the databases
    r = requests.post(f"{api}/services", json={"name": "shop", "databaseType": "postgresql",
                                                "connectionString": pg.service_url()}, timeout=30)
    assert r.status_code == 201, r.text
    r = requests.post(f"{api}/services", json={"name": "sales", "databaseType": "mariadb",
                                                "connectionString": maria.url}, timeout=30)
    assert r.status_code == 201, r.text

    # 2. discover
    r = requests.get(f"{api}/shop/_discover", timeout=30)
    assert r.status_code == 200, r.text
    users = next(t for t in r.json()["tables"] if t["name"] == "users")
    assert users["exposed"] is False and users["primaryKey"] == ["id"]
    columns = {c["name"]: c for c in users["columns"]}
    assert columns["id"]["autoIncrement"] and columns["email"]["unique"] and not columns["status"]["nullable"]

    # 3. expose
    for service, table in (("shop", "users"), ("sales", "orders")):
        r = requests.post(f"{api}/{service}/_expose", json={"tables": [table]}, timeout=30)
        assert r.status_code == 200, r.text

    # 4. the list query, verbatim
    r = requests.get(f'{api}/shop/_table/users?filter={{"status":"active"}}&sort=created_at:desc&page=1&limit=50'
                     '&fields=id,name,email', timeout=30)
    assert r.status_code == 200, r.text
    active = sorted((u for u in USERS if u[3] == "active"), key=lambda u: u[4], reverse=True)
    assert r.json()["data"] == [{"id": i, "name": n, "email": e} for i, n, e, _, _ in active[:50]]
    assert r.json()["meta"]["page"] == 1 and r.json()["meta"]["limit"] == 50

    # 5. one row, its schema, a count
    r = requests.get(f"{api}/shop/_table/users/42", timeout=30)
    assert r.status_code == 200, r.text
    assert r.json() == {"id": 42, "name": "User 42", "email": "user42@example.com", "status": "inactive",
                        "created_at": USERS[41][4].isoformat()}
    schema = requests.get(f"{api}/shop/_table/users/_schema", timeout=30).json()
    assert [c["name"] for c in schema["columns"]] == ["id", "name", "email", "status", "created_at"]
    r = requests.get(f"{api}/shop/_table/users/_count", params={"filter": json.dumps({"status": "active"})},
                     timeout=30)
    assert r.json() == {"count": len(active)}

    # 6. a join across the two databases
    body = {"joins": [{"table": "sales.orders", "as": "o", "on": {"users.id": "o.user_id"}}],
            "select": ["users.id", "users.email", "o.id", "o.total"],
            "filter": {"users.status": "active", "o.total": {"$gte": 50}}, "sort": "o.id", "limit": 1000}
    r = requests.post(f"{api}/shop/_table/users/_query", json=body, timeout=30)
    assert r.status_code == 200, r.text
    by_id = {u[0]: u for u in USERS}
    want = [(u, by_id[u][2], o, t) for o, u, t in ORDERS if by_id[u][3] == "active" and t >= 50]
    got = [(row["users.id"], row["users.email"], row["o.id"], row["o.total"]) for row in r.json()["data"]]
    assert got == want and len(want) > 0
