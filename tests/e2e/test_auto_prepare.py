"""Auto-prepare (pool setting autoPrepare, on by default): a simple-protocol SELECT comparing
integer, decimal or string literals (`WHERE id = 42`, `WHERE name = 'x'`), seen a second time,
runs on the server as a prepared statement of its shape (`WHERE id = $1`, $1 typed as the
literal is: int4, int8, numeric, or unknown for a string). Everything a client sees
must stay PostgreSQL's own answer to the query it sent: rows, column types, errors with their
positions, cancels, a schema change under a kept statement. Compared with PostgreSQL directly."""

import re
import threading
import time

import psycopg2
import pytest

from clients import connect

SETUP = """
DROP TABLE IF EXISTS auto_items, auto_alter, auto_kinds;
DROP TYPE IF EXISTS auto_mood;
CREATE TYPE auto_mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE auto_kinds (id int PRIMARY KEY, code char(4), label varchar(10), day date, at timestamptz,
                         key uuid, mood auto_mood, tags text[], price numeric(10, 2), ratio float8,
                         tiny float4);
INSERT INTO auto_kinds SELECT i, 'c' || i, 'label ' || i, date '2024-01-01' + i,
    timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour',
    ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid,
    (ARRAY['sad', 'ok', 'happy']::auto_mood[])[1 + i % 3], ARRAY['t' || i, 'all'], i * 10.25, i / 8.0, i / 10.0
  FROM generate_series(1, 20) i;
CREATE TABLE auto_items (id int PRIMARY KEY, small smallint, big bigint, name text);
INSERT INTO auto_items SELECT i, i * 10, i * 3000000000::bigint, 'item ' || i FROM generate_series(1, 50) i;
CREATE TABLE auto_alter (id int PRIMARY KEY, name text);
INSERT INTO auto_alter VALUES (1, 'one'), (2, 'two');
"""


def pool_config(tmp_path_factory, pg, extra=""):
    config = tmp_path_factory.mktemp("auto-prepare") / "nectar.toml"
    # One worker and one server connection: every query lands on the same server session.
    config.write_text(f'[services.app]\nurl = "{pg.service_url()}"\n\n'
                      f'[services.app.pool]\nmaxConnections = 1\n{extra}')
    return config


@pytest.fixture(scope="module")
def nectar_one(nectar_factory, pg, direct, tmp_path_factory, direct_mode):
    if direct_mode:
        pytest.skip("auto-prepare is nectar's")
    with connect(direct) as conn:
        conn.cursor().execute(SETUP)
    config = pool_config(tmp_path_factory, pg)
    return nectar_factory(args=["--config", str(config), "--threads", "1"], name="nectar-auto").endpoint(
        sslmode="disable")


def auto_statements(conn):
    """The auto-prepared statements on the (single) server connection: (statement, types)."""
    cur = conn.cursor()
    cur.execute("SELECT statement, parameter_types::text FROM pg_prepared_statements "
                "WHERE name LIKE 'nectar\\_auto\\_%' ORDER BY prepare_time")
    return cur.fetchall()


def kept_for(endpoint, sql):
    """Whether an auto-prepared statement of `sql`'s shape is on the server: one whose text
    before its first parameter and after its last is `sql`'s own."""
    with connect(endpoint) as conn:
        for text, _ in auto_statements(conn):
            pieces = re.split(r"\$\d+", text)
            head, tail = pieces[0], pieces[-1]
            if sql.startswith(head) and sql.endswith(tail) and len(head) + len(tail) < len(sql):
                return True
    return False


def answer(endpoint, sql):
    """What a psycopg2 client gets for `sql`: the rows and column types, or the error's
    SQLSTATE, message, position and hint."""
    with connect(endpoint) as conn:
        cur = conn.cursor()
        try:
            cur.execute(sql)
        except psycopg2.Error as e:
            return ("error", e.pgcode, e.pgerror, e.diag.statement_position, e.diag.message_hint)
        return ("rows", [(d.name, d.type_code) for d in cur.description], cur.fetchall())


def test_repeated_lookups_run_as_one_prepared_statement(nectar_one, direct):
    with connect(nectar_one) as conn:
        cur = conn.cursor()
        for i in (1, 2, 3, 4, 5):
            cur.execute(f"SELECT id, name FROM auto_items WHERE id = {i}")
            assert cur.fetchall() == [(i, f"item {i}")]
            assert [d.type_code for d in cur.description] == [23, 25]
        assert auto_statements(conn) == [("SELECT id, name FROM auto_items WHERE id = $1", "{integer}")]
        cur.execute("SELECT id FROM auto_items WHERE id = 3000000000")  # int8: another statement
        cur.execute("SELECT id FROM auto_items WHERE id = 3000000001")
        assert cur.fetchall() == []
        assert auto_statements(conn)[1:] == [("SELECT id FROM auto_items WHERE id = $1", "{bigint}")]


@pytest.mark.parametrize("sql", [
    "SELECT id, small FROM auto_items WHERE small = 100000",       # int2 column, int4 literal
    "SELECT id, small FROM auto_items WHERE small < 40000 AND id <= 3 ORDER BY id",
    "SELECT id, big FROM auto_items WHERE big = 6000000000",
    "SELECT id, big FROM auto_items WHERE big >= 9223372036854775807",
    "SELECT count(*) FROM auto_items WHERE id > 10 AND id <> 20",
    "SELECT id FROM auto_items WHERE id = 007",
    "SELECT id FROM auto_items WHERE id IN (SELECT id FROM auto_items WHERE small = 30)",
    "SELECT id = 5 FROM auto_items WHERE id != 2 ORDER BY id LIMIT 4",
    "SELECT * FROM auto_items WHERE id = 9 FOR UPDATE",
    "SELECT * FROM auto_items WHERE id = 0",
    "select name from auto_items where id=12;",
    "SELECT id, name FROM auto_items WHERE name = 'item 7'",
    "SELECT id FROM auto_items WHERE name > 'item 4' AND id < 10 ORDER BY id",
    "SELECT id FROM auto_items WHERE name = ''",
    "SELECT id FROM auto_items WHERE id = '8'",                          # a string compared with int
    "SELECT id, code FROM auto_kinds WHERE code = 'c3  '",               # char(n) ignores trailing blanks
    "SELECT id, label FROM auto_kinds WHERE label = 'label 4'",          # varchar
    "SELECT id, day FROM auto_kinds WHERE day >= '2024-01-15' ORDER BY id",
    "SELECT id, at FROM auto_kinds WHERE at < '2024-01-01 05:30:00+00' ORDER BY id",
    "SELECT id FROM auto_kinds WHERE key = '00000000-0000-0000-0000-000000000009'",
    "SELECT id, mood FROM auto_kinds WHERE mood > 'sad' AND id <= 6 ORDER BY id",  # enum order
    "SELECT id FROM auto_kinds WHERE tags = '{t5,all}'",                 # an array's text form
    "SELECT 'a' = 'a'",
    "SELECT id FROM auto_kinds WHERE (label <> 'it''s') AND id = 1",
    "SELECT id, price FROM auto_kinds WHERE price = 41.00",             # numeric
    "SELECT id FROM auto_kinds WHERE price > 1.5e2 ORDER BY id",
    "SELECT id, ratio FROM auto_kinds WHERE ratio < .5 ORDER BY id",   # float8 < numeric: float8 < float8
    "SELECT id, tiny FROM auto_kinds WHERE tiny = 0.1",                 # float4 vs a decimal: no row
    "SELECT id FROM auto_kinds WHERE id = 3.0",                         # int vs numeric
    "SELECT id FROM auto_items WHERE big < 9223372036854775808 AND id <= 2 ORDER BY id",
    "SELECT 1.5 = 1.50",
])
def test_answers_equal_postgresql_s(nectar_one, direct, sql):
    want = answer(direct, sql)
    for _ in range(3):  # the first time as it came, then auto-prepared
        assert answer(nectar_one, sql) == want
    assert kept_for(nectar_one, sql)


@pytest.mark.parametrize("sql", [
    "SELECT id FROM auto_items WHERE id = 12345 AND AND",             # syntax error past the literal
    "SELECT nosuch FROM auto_items WHERE id = 123456789",             # 42703, with a position
    "SELECT id FROM auto_items WHERE name = 5",                       # 42883, with position and hint
    "SELECT id FROM auto_items WHERE id = 1 AND 1 / (id - 1) = 0",    # 22012 at execution
    "SELECT id FROM no_such_table WHERE id = 1",
    "SELECT id FROM auto_items WHERE id = 'abc'",                     # 22P02 with a position
    "SELECT id FROM auto_kinds WHERE day = '2024-13-45'",             # 22008
    "SELECT id FROM auto_kinds WHERE mood = 'angry'",                 # 22P02, an enum's
    "SELECT id FROM auto_kinds WHERE key = 'not-a-uuid' AND id = 1",
    "SELECT id FROM auto_items WHERE name = 1.5",                      # 42883: text = numeric
    "SELECT id FROM auto_kinds WHERE price = 1e1000000",               # 22003, out of range
])
def test_errors_are_postgresql_s_own(nectar_one, direct, sql):
    want = answer(direct, sql)
    assert want[0] == "error"
    for _ in range(3):
        assert answer(nectar_one, sql) == want
    assert answer(nectar_one, "SELECT 1")[2] == [(1,)]  # the session goes on


def test_strings_are_untyped_parameters(nectar_one):
    with connect(nectar_one) as conn:
        cur = conn.cursor()
        cur.execute("DEALLOCATE ALL")
        for name in ("item 1", "it's", "item 3"):
            # psycopg2 quotes client-side: 'it''s'
            cur.execute("SELECT id FROM auto_kinds WHERE label = %s AND day > %s", (name, "2024-01-01"))
        # As for the literals: varchar = unknown is resolved as text = text, and date > unknown as date > date.
        assert auto_statements(conn) == [("SELECT id FROM auto_kinds WHERE label = $1 AND day > $2", "{text,date}")]


def test_a_schema_change_under_a_kept_statement_is_invisible(nectar_one, direct):
    sql = "SELECT * FROM auto_alter WHERE id = 2"
    for _ in range(3):
        assert answer(nectar_one, sql)[2] == [(2, "two")]
    with connect(direct) as conn:
        conn.cursor().execute("ALTER TABLE auto_alter ADD COLUMN extra text DEFAULT 'x'")
    # PostgreSQL refuses the kept statement (its result type changed): the query runs as it came.
    assert answer(nectar_one, sql) == answer(direct, sql)
    assert answer(nectar_one, sql)[2] == [(2, "two", "x")]
    with connect(nectar_one) as conn:
        assert ("SELECT * FROM auto_alter WHERE id = $1", "{integer}") in auto_statements(conn)


def test_queries_inside_a_transaction_block_go_as_they_came(nectar_one):
    with connect(nectar_one, autocommit=False) as conn:
        cur = conn.cursor()
        for i in (1, 2, 3):
            cur.execute(f"SELECT name FROM auto_items WHERE id = {i} AND small > 0")
            assert cur.fetchall() == [(f"item {i}",)]
        statements = [s for s, _ in auto_statements(conn)]
        assert "SELECT name FROM auto_items WHERE id = $1 AND small > $2" not in statements
        conn.rollback()


def test_a_cancel_is_not_retried(nectar_one):
    sql = "SELECT pg_sleep(id) FROM auto_items WHERE id = 30"
    with connect(nectar_one) as conn:
        cur = conn.cursor()
        cur.execute("SELECT pg_sleep(id) FROM auto_items WHERE id = 0")  # the shape's first sighting
        timer = threading.Timer(1.0, conn.cancel)
        timer.start()
        started = time.monotonic()
        with pytest.raises(psycopg2.errors.QueryCanceled):
            cur.execute(sql)
        timer.join()
        assert time.monotonic() - started < 10  # cancelled once, not run again
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)


def test_auto_prepare_can_be_turned_off(nectar_factory, pg, tmp_path_factory, direct_mode):
    if direct_mode:
        pytest.skip("auto-prepare is nectar's")
    config = pool_config(tmp_path_factory, pg, "autoPrepare = false\n")
    off = nectar_factory(args=["--config", str(config), "--threads", "1"], name="nectar-auto-off").endpoint(
        sslmode="disable")
    with connect(off) as conn:
        cur = conn.cursor()
        cur.execute("DEALLOCATE ALL")
        for i in (1, 2, 3):
            cur.execute(f"SELECT name FROM auto_items WHERE id = {i}")
        assert auto_statements(conn) == []

