"""Statements Nectar sends PostgreSQL with their values apart ($1, $2...) are prepared once per
pooled connection and then only executed (issue 4's lookup speed): seen in PostgreSQL's own
statement log (log_statement = all logs "execute <name>: ..." with the parameters). Answers are
compared with what PostgreSQL holds, for every type whose values travel as parameters, text that
looks like a placeholder included; a table altered under a kept statement, and kept statements
dropped behind Nectar's back (DISCARD ALL on its connections), still give right answers."""

import datetime
import os
import pathlib
import re
import sys
import time
from decimal import Decimal

import psycopg2
import pytest
import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402
from rest_env import NECTAR_BIN, start_app_pg  # noqa: E402

PG_DDL = """
CREATE TABLE things (id int PRIMARY KEY, name text, price numeric(10,2), active boolean, born date,
                     seen timestamptz, token uuid, big bigint);
INSERT INTO things
SELECT i, CASE WHEN i % 7 = 0 THEN 'it''s $1 & "q" ' || i ELSE 'thing ' || i END, i * 1.25, i % 2 = 0,
       date '2024-01-01' + i, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour',
       ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, i::bigint * 10000000000
FROM generate_series(1, 200) i;
"""


class Env:
    pass


@pytest.fixture(scope="module")
def env():
    if not NECTAR_BIN.exists():
        pytest.skip(f"nectar binary not found at {NECTAR_BIN}")
    e = Env()
    cleanup = []
    try:
        e.pg = start_app_pg("prepared-pg", f"ALTER ROLE {harness.APP_USER} SET log_statement = 'all';")
        cleanup.append(e.pg.cleanup)
        e.pg.psql_admin(f"SET ROLE {harness.APP_USER}; {PG_DDL}", db=harness.APP_DB)
        e.nectar = harness.Nectar(NECTAR_BIN, ["--service", f"pg={e.pg.service_url()}", "--default-service", "pg"],
                                  name="prepared-nectar")
        e.nectar.start()
        cleanup.append(e.nectar.cleanup)
        e.base = f"http://127.0.0.1:{e.nectar.http_port}/api/v2/pg"
        r = requests.post(f"{e.base}/_expose", json={"tables": ["things"]}, timeout=30)
        assert r.status_code == 200, r.text
        yield e
        e.nectar.stop_cleanly()
    finally:
        for step in reversed(cleanup):
            step()


def db(env, sql, params=None):
    return env.pg.app_query(sql, params)


def log_after(env, since):
    time.sleep(0.3)  # the server writes its log line after answering
    with open(env.pg.log, "rb") as f:
        f.seek(since)
        return f.read().decode(errors="replace")


def executed(text):
    """(statement name or None for an unnamed one, SQL) of each of Nectar's statements on `things`."""
    found = re.findall(r"LOG:  (?:statement|execute ([^:]*)): (.*)", text)
    return [(None if name in ("", "<unnamed>") else name, sql) for name, sql in found if '"things"' in sql]


def get(env, path="", **params):
    r = requests.get(f"{env.base}/_table/things{path}", params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def as_json_row(row):
    id_, name, price, active, born, seen, token, big = row
    return {"id": id_, "name": name, "price": float(price), "active": active, "born": born.isoformat(),
            "seen": seen.astimezone(datetime.timezone.utc), "token": str(token), "big": big}


def normalized(row):
    out = dict(row)
    out["price"] = float(Decimal(str(out["price"])))
    out["seen"] = datetime.datetime.fromisoformat(out["seen"].replace("Z", "+00:00"))
    return out


def test_lookups_by_id_reuse_one_prepared_statement(env):
    get(env, "/1")  # the first may parse
    since = os.path.getsize(env.pg.log)
    ids = [3, 7, 42, 199, 3]
    for id_ in ids:
        body = get(env, f"/{id_}")
        [expected] = db(env, "SELECT * FROM things WHERE id = %s", (id_,))
        assert normalized(body) == as_json_row(expected)
    runs = executed(log_after(env, since))
    assert len(runs) == len(ids), runs
    names = {name for name, _ in runs}
    assert len(names) == 1 and None not in names, runs  # one named statement, executed each time
    assert all("$1" in sql and "42" not in sql for _, sql in runs), runs  # the value is a parameter


def test_filters_of_every_bound_type_answer_as_postgresql(env):
    cases = [
        ({"name": "it's $1 & \"q\" 14"}, "name = %s", ["it's $1 & \"q\" 14"]),
        ({"price": {"$gte": 200.5}}, "price >= %s", [Decimal("200.5")]),
        ({"active": True, "id": {"$lt": 20}}, "active AND id < %s", [20]),
        ({"born": {"$gt": "2024-06-01"}}, "born > %s", [datetime.date(2024, 6, 1)]),
        ({"seen": {"$lte": "2024-01-03T00:00:00Z"}}, "seen <= %s",
         [datetime.datetime(2024, 1, 3, tzinfo=datetime.timezone.utc)]),
        ({"token": "00000000-0000-0000-0000-000000000077"}, "token = %s", ["00000000-0000-0000-0000-000000000077"]),
        ({"big": {"$gt": 1990000000000}}, "big > %s", [1990000000000]),
    ]
    import json
    for rest_filter, where, params in cases:
        for _ in range(2):  # once parsed, once reused
            body = get(env, filter=json.dumps(rest_filter), sort="id", limit=500)
            expected = db(env, f"SELECT * FROM things WHERE {where} ORDER BY id", params)
            assert [normalized(r) for r in body["data"]] == [as_json_row(r) for r in expected], rest_filter
            assert expected, rest_filter  # every case matches some rows: an empty answer proves nothing


def test_pages_share_one_statement_with_limit_and_offset_bound(env):
    get(env, sort="id", limit=10, offset=5)
    since = os.path.getsize(env.pg.log)
    for offset in (10, 20, 190):
        body = get(env, sort="id", limit=10, offset=offset)
        assert [r["id"] for r in body["data"]] == list(range(offset + 1, min(offset + 10, 200) + 1))
    runs = executed(log_after(env, since))
    assert len(runs) == 3 and len({name for name, _ in runs}) == 1 and runs[0][0] is not None, runs
    assert re.search(r"LIMIT \$\d+ OFFSET \$\d+", runs[0][1]), runs


def test_a_table_altered_under_a_kept_statement_still_answers(env):
    for id_ in (5, 6, 5, 6):
        get(env, f"/{id_}")
    # The kept plan's result type changes: PostgreSQL refuses it once; Nectar parses afresh.
    db(env, "ALTER TABLE things ALTER COLUMN name TYPE varchar(200)")
    try:
        since = os.path.getsize(env.pg.log)
        for id_ in (5, 6, 5, 6):  # both workers' connections
            assert get(env, f"/{id_}")["name"] == f"thing {id_}"
        assert "cached plan must not change result type" in log_after(env, since)
    finally:
        db(env, "ALTER TABLE things ALTER COLUMN name TYPE text")
    assert get(env, "/6")["name"] == "thing 6"


def test_statements_dropped_behind_nectars_back_are_prepared_again(env):
    for id_ in range(1, 30):
        get(env, f"/{id_}")
    # DEALLOCATE ALL / DISCARD ALL from clients passing through to the same pools: Nectar's record
    # of what each connection holds follows them.
    client = psycopg2.connect(host="127.0.0.1", port=env.nectar.port, user=harness.APP_USER,
                              password=harness.APP_PASSWORD, dbname="pg")
    try:
        client.autocommit = True
        for statement in ("DEALLOCATE ALL", "DISCARD ALL"):
            client.cursor().execute(statement)
            for id_ in range(1, 30):
                assert get(env, f"/{id_}")["id"] == id_
    finally:
        client.close()
    # Connections ended under the pool: the new ones hold no kept statement and prepare again.
    db(env, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE usename = '{harness.APP_USER}' AND pid <> pg_backend_pid()")
    answered = 0
    for id_ in range(1, 30):
        r = requests.get(f"{env.base}/_table/things/{id_}", timeout=30)
        if r.status_code == 200:
            assert r.json()["id"] == id_
            answered += 1
        else:
            # A connection lost under the request, said so (the server's own 57P01, or 08xxx).
            assert r.json()["error"]["sqlstate"] in ("57P01", "08006", "08003"), r.text
    assert answered >= 25
