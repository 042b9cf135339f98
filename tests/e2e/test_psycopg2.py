"""psycopg2 (libpq, text mode) through nectar gets what it gets from PostgreSQL."""

import datetime
import decimal
import threading
import time
import uuid

import psycopg2
import psycopg2.errors
import psycopg2.extras
import pytest

from clients import connect, describe, fetch_rows, norm, outcomes, run_sql


def test_every_type_in_text_mode(direct, nectar):
    sql = "select * from types_sample order by id"
    want = outcomes(direct, [sql])
    got = outcomes(nectar, [sql])
    assert got == want
    status, desc, rows, tag = want[0]
    assert status == "ok" and len(rows) == 4 and tag == "SELECT 4"
    # psycopg2 parsed the values into Python types: prove the comparison covers them.
    row = rows[0]
    assert row[3] == 9000000000 and row[6] == decimal.Decimal("12345.678901")
    assert row[10] == b"\x00\x01\x02\x03\xff" and rows[2][4] == ("NaN",)
    assert isinstance(row[14], datetime.datetime) and row[14].tzinfo is not None
    assert row[17] == {"a": 1, "b": [True, None]} and row[19] == [1, 2, 3]
    assert all(v is None for v in rows[3][1:])


def test_parameters(direct, nectar):
    params = (7, 2 ** 40, 2.5, decimal.Decimal("-1.000100"), "it's \"quoted\" \\ ; --", True, None,
              datetime.date(2020, 2, 29), datetime.datetime(2021, 1, 2, 3, 4, 5, 6),
              datetime.datetime(2021, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
              uuid.UUID("12345678-1234-5678-1234-567812345678").hex, [1, None, 3], ["a", "b,c"],
              psycopg2.Binary(b"\x00\xffbin"), psycopg2.extras.Json({"k": [1, "x"]}))
    sql = ("select %s::int2, %s::int8, %s::float8, %s::numeric, %s::text, %s::bool, %s::text, "
           "%s::date, %s::timestamp, %s::timestamptz, %s::uuid, %s::int[], %s::text[], %s::bytea, "
           "%s::jsonb")
    for ep in (direct, nectar):
        with connect(ep) as conn:
            cur = conn.cursor()
            cur.execute(sql, params)
            row = cur.fetchone()
            if ep is direct:
                want = (row, describe(cur))
            else:
                assert (row, describe(cur)) == want
    assert want[0][4] == params[4] and want[0][6] is None and want[0][14] == {"k": [1, "x"]}
    filt = ["select n, h from numbers where n between %s and %s and m = %s order by n", (10, 60, 3)]
    with connect(direct) as d, connect(nectar) as n:
        assert run_sql(n, *filt) == run_sql(d, *filt)


def test_transactions_commit_and_rollback(direct, nectar):
    statements = [
        "begin",
        "insert into scratch values (100, 'kept', 1)",
        "select count(*) from scratch",
        "rollback",
        "select count(*) from scratch",
        "begin",
        "savepoint s1",
        "insert into scratch values (101, 'inner', 2)",
        "rollback to savepoint s1",
        "insert into scratch values (102, 'outer', 3)",
        "select id, name from scratch order by id",
        "commit",
        "select id, name, val from scratch order by id",
        "delete from scratch where id = 102",
        "select count(*) from scratch",
    ]
    want = outcomes(direct, statements)
    got = outcomes(nectar, statements)
    assert got == want
    assert want[2][2] == [(1,)] and want[4][2] == [(0,)] and want[12][2] == [(102, "outer", 3)]


def test_psycopg2_managed_transaction(direct, nectar):
    for ep in (direct, nectar):
        with connect(ep, autocommit=False) as conn:
            cur = conn.cursor()
            cur.execute("insert into scratch values (200, 'tx', 0)")
            cur.execute("select count(*) from scratch where id = 200")
            assert cur.fetchone() == (1,)
            conn.rollback()
            cur.execute("select count(*) from scratch where id = 200")
            assert cur.fetchone() == (0,)
            conn.rollback()
            with conn:
                cur.execute("insert into scratch values (201, 'committed', 0)")
            cur.execute("select name from scratch where id = 201")
            assert cur.fetchone() == ("committed",)
            cur.execute("delete from scratch where id = 201")
            conn.commit()


ERRORS = [
    "select * from no_such_table",
    "select 1 +",
    "selec * from numbers",
    "insert into uniq_items values (1, 'dup-id', 1)",
    "insert into uniq_items values (10, 'apple', 1)",
    "insert into uniq_items values (11, 'new', -1)",
    "select 1 / 0",
    "select 'abc'::int",
    "select no_column from numbers",
    "select * from numbers where n = 'x'",
]


def test_sqlstates_messages_positions(direct, nectar):
    statements = []
    for e in ERRORS:
        statements += [e, "select 'recovered' as ok"]
    want = outcomes(direct, statements)
    got = outcomes(nectar, statements)
    assert got == want
    codes = [w[1] for w in want[0::2]]
    assert codes == ["42P01", "42601", "42601", "23505", "23505", "23514", "22012", "22P02", "42703",
                     "22P02"]
    assert want[2][4] == "11"  # position of the syntax error at end of input
    assert want[8][3] == "Key (code)=(apple) already exists."
    assert all(w == ("ok", [("ok", 25)], [("recovered",)], "SELECT 1") for w in want[1::2])


def test_error_inside_transaction_until_rollback(direct, nectar):
    statements = [
        "begin",
        "select 1",
        "select 1 / 0",
        "select 2",
        "select * from numbers limit 1",
        "rollback",
        "select 3",
        "begin",
        "savepoint a",
        "select * from no_such_table",
        "select 4",
        "rollback to savepoint a",
        "select 5",
        "commit",
    ]
    want = outcomes(direct, statements)
    got = outcomes(nectar, statements)
    assert got == want
    assert want[3][1] == "25P02" and want[4][1] == "25P02" and want[10][1] == "25P02"
    assert want[6][2] == [(3,)] and want[12][2] == [(5,)]


def test_cancel_pg_sleep(nectar):
    with connect(nectar) as conn:
        outcome = {}

        def run():
            t0 = time.monotonic()
            try:
                conn.cursor().execute("select pg_sleep(10)")
                outcome["result"] = "finished"
            except psycopg2.Error as e:
                outcome["result"] = e.pgcode
            outcome["elapsed"] = time.monotonic() - t0

        t = threading.Thread(target=run)
        t.start()
        time.sleep(0.5)
        conn.cancel()
        t.join(15)
        assert not t.is_alive(), "pg_sleep(10) not cancelled"
        assert outcome["result"] == "57014"
        assert outcome["elapsed"] < 5
        cur = conn.cursor()
        cur.execute("select 'usable after cancel'")
        assert cur.fetchone() == ("usable after cancel",)


def test_server_side_named_cursor(direct, nectar):
    results = []
    for ep in (direct, nectar):
        with connect(ep, autocommit=False) as conn:
            cur = conn.cursor(name="big_cursor")
            cur.itersize = 100
            cur.execute("select n, h from numbers where m <> %s order by n", (0,))
            first = [norm(r) for r in cur.fetchmany(7)]
            rest = [norm(r) for r in cur]
            cur.close()
            other = conn.cursor(name="types_cursor")
            other.execute("select * from types_sample order by id")
            types_rows = fetch_rows(other)
            other.close()
            conn.commit()
            results.append((first, rest, types_rows))
    assert results[1] == results[0]
    assert len(results[0][0]) == 7 and len(results[0][0]) + len(results[0][1]) == 1000 - 142


def test_session_settings_survive_many_short_transactions(nectar):
    """Two sessions with their own SET values, interleaved over many transactions: SHOW must
    always give each session its own value (transaction pooling must not leak state)."""
    settings = [
        {"application_name": "session_one", "search_path": "other, public", "TimeZone": "Asia/Tokyo"},
        {"application_name": "session_two", "search_path": "public", "TimeZone": "America/New_York"},
    ]
    conns = [psycopg2.connect(**nectar.params()) for _ in settings]
    try:
        for conn, s in zip(conns, settings):
            conn.autocommit = True
            cur = conn.cursor()
            cur.execute("set application_name = %s", (s["application_name"],))
            cur.execute(f"set search_path = {s['search_path']}")
            cur.execute("set TimeZone = %s", (s["TimeZone"],))
        for i in range(40):
            for conn, s in zip(conns, settings):
                cur = conn.cursor()
                if i % 4 == 0:
                    cur.execute("begin")
                    cur.execute("select count(*) from numbers where m = %s", (i % 7,))
                    cur.execute("commit")
                key = list(s)[i % 3]
                cur.execute(f"show {key}")
                assert cur.fetchone()[0] == s[key], f"iteration {i}: {key}"
                cur.execute("select current_setting('TimeZone'), current_schemas(false)::text, "
                            "current_setting('application_name')")
                tz, schemas, app = cur.fetchone()
                assert (tz, app) == (s["TimeZone"], s["application_name"])
                assert schemas == ("{other,public}" if "other" in s["search_path"] else "{public}")
                if "other" in s["search_path"]:
                    cur.execute("select label from things")
                    assert cur.fetchone() == ("in schema other",)
        # RESET goes back to the default, per session.
        cur = conns[0].cursor()
        cur.execute("reset application_name")
        cur.execute("show application_name")
        assert cur.fetchone()[0] == ""
        cur = conns[1].cursor()
        cur.execute("show application_name")
        assert cur.fetchone()[0] == "session_two"
    finally:
        for c in conns:
            c.close()


def test_notices_reach_the_client(direct, nectar):
    sql = ("do $$ begin raise notice 'first %', 1; raise warning 'second'; "
           "raise notice using message = 'third', detail = 'some detail'; end $$")
    got = []
    for ep in (direct, nectar):
        with connect(ep) as conn:
            conn.cursor().execute(sql)
            got.append(list(conn.notices))
    assert got[1] == got[0]
    assert got[0] == ["NOTICE:  first 1\n", "WARNING:  second\n", "NOTICE:  third\nDETAIL:  some detail\n"]


def test_many_rows_and_wide_values(direct, nectar):
    sql = ("select g, repeat(md5(g::text), 40), g::numeric / 7 from generate_series(1, 20000) g")
    with connect(direct) as d, connect(nectar) as n:
        want = run_sql(d, sql)
        assert run_sql(n, sql) == want
    assert len(want[2]) == 20000
    big = "select repeat('x', 5000000) as big"
    with connect(direct) as d, connect(nectar) as n:
        assert run_sql(n, big) == run_sql(d, big)


@pytest.mark.parametrize("sql", [";", "  -- only a comment"])
def test_empty_query(direct, nectar, sql):
    with connect(direct) as d, connect(nectar) as n:
        for conn in (d, n):
            with pytest.raises(psycopg2.ProgrammingError, match="empty query"):
                conn.cursor().execute(sql)
            cur = conn.cursor()
            cur.execute("select 1")
            assert cur.fetchone() == (1,)
