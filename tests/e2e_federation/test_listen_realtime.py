"""pg-wire LISTEN "service.table" (issue 5, SPEC §6) end to end: a psycopg2 client LISTENs on a
table of a PostgreSQL service (native capture, wal_level=logical) or of a SQLite service
(polling); rows changed straight in the backend arrive as NotificationResponses carrying
{"event","new","old"} as REST prints rows, compared with what the backend holds. Also: big rows
are truncated to their key, UNLISTEN stops delivery, delivery waits for the end of the client's
transaction block, and ordinary channels (dotted or not) still pass through to PostgreSQL."""

import json
import os
import pathlib
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal

import psycopg2
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402
from pgwire_listen import nectar_conn, wait_notifies  # noqa: E402

NECTAR_BIN = pathlib.Path(os.environ.get("NECTAR_BIN", harness.DEFAULT_NECTAR_BIN))
PG_DDL = ("CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(8,2), meta jsonb);"
          "ALTER TABLE items REPLICA IDENTITY FULL;"
          "CREATE TABLE quiet (id int PRIMARY KEY, name text)")
LITE_DDL = "CREATE TABLE polled (id INTEGER PRIMARY KEY, name TEXT, price NUMERIC(8,2))"


class Env:
    pass


@pytest.fixture(scope="module")
def env():
    if not NECTAR_BIN.exists():
        pytest.skip(f"nectar binary not found at {NECTAR_BIN}")
    cleanup = []
    e = Env()
    try:
        e.pg = harness.PgServer(name="listen-pg")
        cleanup.append(e.pg.cleanup)
        e.pg.start_fresh()
        e.pg.enable_logical_replication()
        e.pg.create_app(replication=True, sql=PG_DDL)
        # A second server left at wal_level=replica: LISTEN falls back to polling there.
        e.replica = harness.PgServer(name="listen-pg-replica")
        cleanup.append(e.replica.cleanup)
        e.replica.start_fresh()
        e.replica.create_app(sql="CREATE TABLE items (id int PRIMARY KEY, name text)")
        tmp = tempfile.TemporaryDirectory(prefix="nectar-listen-lite-", dir="/tmp")
        cleanup.append(tmp.cleanup)
        e.lite_path = pathlib.Path(tmp.name) / "lite.db"
        with sqlite3.connect(e.lite_path) as conn:
            conn.execute(LITE_DDL)
        os.chmod(tmp.name, 0o777)
        os.chmod(e.lite_path, 0o666)
        args = ["--service", f"pg={e.pg.service_url()}", "--service", f"pgr={e.replica.service_url()}",
                "--service", f"lite=sqlite://{e.lite_path}"]
        e.nectar = harness.Nectar(NECTAR_BIN, args, name="listen-nectar")
        e.nectar.start()
        cleanup.append(e.nectar.cleanup)
        yield e
        e.nectar.stop_cleanly()
    finally:
        for step in reversed(cleanup):
            step()




def pg_exec(env, sql, params=None):
    """Straight at PostgreSQL, not through Nectar."""
    return env.pg.app_query(sql, params)


def lite_exec(env, sql, params=()):
    with sqlite3.connect(env.lite_path) as conn:
        conn.execute(sql, params)




def payload_of(text):
    """A notification's JSON, numbers as exact decimals (REST prints numeric as a JSON number)."""
    return json.loads(text, parse_float=Decimal)


def db_item(env, id_):
    rows = pg_exec(env, "SELECT id, name, price, meta FROM items WHERE id = %s", (id_,))
    return rows[0] if rows else None


def assert_item(payload_row, db):
    assert payload_row["id"] == db[0]
    assert payload_row["name"] == db[1]
    assert payload_row["price"] == db[2]  # numeric printed as its exact value
    assert payload_row["meta"] == db[3]


def test_postgresql_changes_arrive_as_notifications(env):
    conn = nectar_conn(env.nectar, "pg")
    try:
        conn.cursor().execute('LISTEN "pg.items"')
        pg_exec(env, "INSERT INTO items VALUES (1, 'first', 12.50, '{\"a\": [1, 2]}')")
        inserted = db_item(env, 1)
        pg_exec(env, "UPDATE items SET name = 'renamed', price = 99.99 WHERE id = 1")
        updated = db_item(env, 1)
        pg_exec(env, "DELETE FROM items WHERE id = 1")
        assert db_item(env, 1) is None
        got = wait_notifies(conn, 3)
        assert [n.channel for n in got] == ["pg.items"] * 3
        # The process id Nectar reported in BackendKeyData, not a PostgreSQL backend's.
        assert all(n.pid == conn.info.backend_pid for n in got)
        events = [payload_of(n.payload) for n in got]
        assert [e["event"] for e in events] == ["INSERT", "UPDATE", "DELETE"]
        assert events[0]["old"] is None and events[2]["new"] is None
        assert_item(events[0]["new"], inserted)
        assert_item(events[1]["new"], updated)
        assert_item(events[1]["old"], inserted)  # REPLICA IDENTITY FULL: the whole old row
        assert_item(events[2]["old"], updated)
        assert set(events[0]) == {"event", "new", "old"}
        # Changes made through Nectar count as well.
        conn.cursor().execute("INSERT INTO items VALUES (2, 'via nectar', 1.00, null)")
        [via] = wait_notifies(conn, 1)
        assert payload_of(via.payload)["new"]["name"] == "via nectar"
    finally:
        conn.close()


def test_sqlite_changes_arrive_by_polling(env):
    conn = nectar_conn(env.nectar, "lite")
    try:
        conn.cursor().execute('LISTEN "lite.polled"')
        lite_exec(env, "INSERT INTO polled VALUES (7, 'lite row', 3.25)")
        [inserted] = wait_notifies(conn, 1)
        lite_exec(env, "DELETE FROM polled WHERE id = 7")
        [deleted] = wait_notifies(conn, 1)
        assert inserted.channel == "lite.polled" and inserted.pid == conn.info.backend_pid
        event = payload_of(inserted.payload)
        assert event["event"] == "INSERT" and event["old"] is None
        assert event["new"]["id"] == 7 and event["new"]["name"] == "lite row"
        assert payload_of(deleted.payload)["event"] == "DELETE"
        assert payload_of(deleted.payload)["old"]["id"] == 7
    finally:
        conn.close()


def test_postgresql_without_logical_wal_falls_back_to_polling(env):
    conn = nectar_conn(env.nectar, "pgr")
    try:
        conn.cursor().execute('LISTEN "pgr.items"')
        outside = psycopg2.connect(host="127.0.0.1", port=env.replica.port, user=harness.APP_USER,
                                   password=harness.APP_PASSWORD, dbname=harness.APP_DB)
        outside.autocommit = True
        outside.cursor().execute("INSERT INTO items VALUES (5, 'polled')")
        outside.close()
        [n] = wait_notifies(conn, 1)
        assert payload_of(n.payload) == {"event": "INSERT", "new": {"id": 5, "name": "polled"}, "old": None}
        assert "polling instead" in env.nectar.stderr_text()
    finally:
        conn.close()


def test_big_row_carries_its_key_and_truncated(env):
    conn = nectar_conn(env.nectar, "pg")
    try:
        conn.cursor().execute('LISTEN "pg.items"')
        big = "x" * 9000
        pg_exec(env, "INSERT INTO items VALUES (30, %s, 1.00, null)", (big,))
        pg_exec(env, "INSERT INTO items VALUES (31, 'small', 1.00, null)")
        big_one, small = wait_notifies(conn, 2)
        assert len(big_one.payload) <= 7999
        assert payload_of(big_one.payload) == {"event": "INSERT", "key": {"id": 30}, "truncated": True}
        assert payload_of(small.payload)["new"]["name"] == "small"
        assert db_item(env, 30)[1] == big  # the row itself is whole in the backend
    finally:
        conn.close()


def test_unlisten_stops_notifications(env):
    conn = nectar_conn(env.nectar, "pg")
    try:
        cur = conn.cursor()
        cur.execute('LISTEN "pg.items"')
        cur.execute('LISTEN "pg.quiet"')
        cur.execute('UNLISTEN "pg.items"')
        pg_exec(env, "INSERT INTO items VALUES (40, 'unheard', 1.00, null)")
        pg_exec(env, "INSERT INTO quiet VALUES (40, 'heard')")
        got = wait_notifies(conn, 2, timeout=3)
        assert [n.channel for n in got] == ["pg.quiet"]
        cur.execute("UNLISTEN *")
        pg_exec(env, "INSERT INTO quiet VALUES (41, 'unheard')")
        assert wait_notifies(conn, 1, timeout=3) == []
        cur.execute("SELECT 1")  # the session is still usable
        assert cur.fetchone() == (1,)
    finally:
        conn.close()


def test_delivery_waits_for_the_transaction_block(env):
    conn = nectar_conn(env.nectar, "pg", autocommit=False)
    try:
        cur = conn.cursor()
        cur.execute('LISTEN "pg.items"')
        conn.commit()
        cur.execute("SELECT count(*) FROM items")  # psycopg2 opened a block: BEGIN
        pg_exec(env, "INSERT INTO items VALUES (50, 'waits', 1.00, null)")
        assert wait_notifies(conn, 1, timeout=3) == []  # nothing inside the block
        conn.commit()
        [late] = wait_notifies(conn, 1)
        assert payload_of(late.payload)["new"]["id"] == 50
    finally:
        conn.close()


def insert_row(env, service, id_, name):
    """Straight into the service's backend, not through Nectar."""
    if service == "pg":
        pg_exec(env, "INSERT INTO items VALUES (%s, %s, 1.00, null)", (id_, name))
    else:
        lite_exec(env, "INSERT INTO polled VALUES (?, ?, 1.00)", (id_, name))


@pytest.mark.parametrize("service,table", [("pg", "items"), ("lite", "polled")])
def test_listen_and_unlisten_in_a_block_take_effect_at_its_commit(env, service, table):
    """As in PostgreSQL: LISTEN/UNLISTEN inside a transaction block count from its COMMIT and
    are undone by its ROLLBACK; changes committed before a LISTEN's COMMIT are not notified, nor
    are those an UNLISTEN's block heard; inside a failed block both are refused with 25P02.
    (pg: the block is PostgreSQL's; lite: the engine's.)"""
    channel = f"{service}.{table}"
    settle = 2.5  # past the capture's delay (SQLite polls each second) before the block ends
    conn = nectar_conn(env.nectar, service)
    try:
        cur = conn.cursor()
        cur.execute("BEGIN")
        cur.execute(f'LISTEN "{channel}"')
        insert_row(env, service, 70, "during rolled-back listen")
        time.sleep(settle)
        cur.execute("ROLLBACK")
        insert_row(env, service, 71, "after rollback")
        assert wait_notifies(conn, 1, timeout=settle) == []  # the LISTEN was undone

        cur.execute("BEGIN")
        cur.execute(f'LISTEN "{channel}"')
        insert_row(env, service, 72, "before commit")
        time.sleep(settle)
        cur.execute("COMMIT")
        insert_row(env, service, 73, "after commit")
        got = wait_notifies(conn, 2, timeout=settle + 2)
        assert [payload_of(n.payload)["new"]["id"] for n in got] == [73]

        cur.execute("BEGIN")
        cur.execute(f'UNLISTEN "{channel}"')
        cur.execute("ROLLBACK")
        insert_row(env, service, 74, "still listening")
        [kept] = wait_notifies(conn, 1)
        assert payload_of(kept.payload)["new"]["id"] == 74

        cur.execute("BEGIN")
        cur.execute("UNLISTEN *")
        insert_row(env, service, 75, "heard in the block, dropped at its commit")
        time.sleep(settle)
        cur.execute("COMMIT")
        insert_row(env, service, 76, "unheard")
        assert wait_notifies(conn, 2, timeout=settle) == []

        cur.execute("BEGIN")
        with pytest.raises(psycopg2.errors.DivisionByZero):
            cur.execute("SELECT 1/0")
        with pytest.raises(psycopg2.errors.InFailedSqlTransaction):
            cur.execute(f'LISTEN "{channel}"')
        cur.execute("ROLLBACK")
        insert_row(env, service, 77, "never listened")
        assert wait_notifies(conn, 1, timeout=settle) == []
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
    finally:
        conn.close()


def test_ordinary_channels_still_pass_through(env):
    listener = nectar_conn(env.nectar, "pg")
    sender = nectar_conn(env.nectar, "pg")
    try:
        cur = listener.cursor()
        cur.execute('LISTEN "pg.no_such_table"')  # a dot but no table: an ordinary channel
        cur.execute('LISTEN "elsewhere.items"')
        cur.execute("LISTEN plain")
        sender.cursor().execute('NOTIFY "pg.no_such_table", \'one\'')
        sender.cursor().execute('NOTIFY "elsewhere.items", \'two\'')
        pg_exec(env, "NOTIFY plain, 'three'")
        got = wait_notifies(listener, 3)
        assert [(n.channel, n.payload) for n in got] == [
            ("pg.no_such_table", "one"), ("elsewhere.items", "two"), ("plain", "three")]
        cur.execute("UNLISTEN *")  # also reaches PostgreSQL
        sender.cursor().execute("NOTIFY plain, 'gone'")
        assert wait_notifies(listener, 1, timeout=2) == []
    finally:
        listener.close()
        sender.close()


def test_bad_listen_statements_get_postgresql_errors(env):
    conn = nectar_conn(env.nectar, "pg")
    try:
        cur = conn.cursor()
        with pytest.raises(psycopg2.errors.SyntaxError):
            cur.execute("LISTEN pg.items")  # a dotted name must be quoted, as in PostgreSQL
        with pytest.raises(psycopg2.errors.SyntaxError):
            cur.execute('LISTEN ""')
        cur.execute('LISTEN "pg.items"')
        cur.execute('LISTEN "pg.items"')  # twice is once
        pg_exec(env, "INSERT INTO items VALUES (60, 'once', 1.00, null)")
        assert len(wait_notifies(conn, 2, timeout=3)) == 1
    finally:
        conn.close()


def test_a_client_that_does_not_read_is_closed(env):
    """Notifications wait in memory only up to a bound (16384 or 8 MiB): past it the session is
    closed rather than growing, and rather than dropping some silently."""
    idle = nectar_conn(env.nectar, "pg")
    other = nectar_conn(env.nectar, "pg")
    try:
        idle.cursor().execute('LISTEN "pg.quiet"')
        # ~7 KB per notification, 3000 of them: over 8 MiB plus what the socket buffers hold.
        pg_exec(env, "INSERT INTO quiet SELECT g, repeat('y', 7000) FROM generate_series(1000, 3999) g")
        deadline = time.monotonic() + 30
        while "does not read its notifications" not in env.nectar.stderr_text():
            assert time.monotonic() < deadline, env.nectar.stderr_tail()
            time.sleep(0.2)
        with pytest.raises(psycopg2.OperationalError):
            while True:  # what was sent before the close, then the end of the connection
                assert time.monotonic() < deadline + 30, "the connection stayed open"
                idle.poll()
                idle.notifies.clear()
        cur = other.cursor()  # other sessions are untouched
        cur.execute("SELECT count(*) FROM quiet WHERE id >= 1000")
        assert cur.fetchone() == (3000,)
    finally:
        idle.close()
        other.close()
