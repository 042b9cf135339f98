"""Writes through Nectar's federation engine (pg-wire, simple protocol) on PostgreSQL, MariaDB
and SQLite: multi-row INSERT, INSERT ... SELECT across services, UPDATE / DELETE with
RETURNING, PostgreSQL's SQLSTATEs, and transaction blocks: one pinned transaction per service,
two-phase commit across two services, never half-committed.

Run: /usr/bin/python3 -m pytest tests/e2e_federation/test_writes.py (NECTAR_BIN picks the binary).
"""

import os
import pathlib
import sqlite3
import sys
import tempfile
from decimal import Decimal

import psycopg2
import psycopg2.extensions
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402
from mariadb_server import MariaServer  # noqa: E402

NECTAR_BIN = pathlib.Path(os.environ.get("NECTAR_BIN", harness.DEFAULT_NECTAR_BIN))
SERVICES = ["pg1", "my1", "lite"]

PG_ITEMS = "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int, price numeric(10,2))"
MY_ITEMS = "CREATE TABLE items (id int PRIMARY KEY, name varchar(50) NOT NULL, qty int, price decimal(10,2))"
LITE_ITEMS = "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer, price numeric(10,2))"

IDLE = psycopg2.extensions.TRANSACTION_STATUS_IDLE
IN_BLOCK = psycopg2.extensions.TRANSACTION_STATUS_INTRANS
IN_ERROR = psycopg2.extensions.TRANSACTION_STATUS_INERROR


def start_pg(name, prepared_transactions):
    """A PostgreSQL with the app database and an items table; max_prepared_transactions as asked."""
    pg = harness.PgServer(name=name)
    try:
        pg.start_fresh()
        with open(pg.data / "postgresql.conf", "a") as f:
            f.write(f"max_prepared_transactions = {prepared_transactions}\n")
        pg.restart()
        pg.psql_admin(f"""
            CREATE ROLE {harness.APP_USER} LOGIN PASSWORD '{harness.APP_PASSWORD}';
            CREATE DATABASE {harness.APP_DB} OWNER {harness.APP_USER};
        """)
        pg.psql_admin(f"SET ROLE {harness.APP_USER};\n{PG_ITEMS};", db=harness.APP_DB)
    except BaseException:
        pg.cleanup()
        raise
    return pg


class Backends:
    """Direct access to each backend, to check what Nectar wrote."""

    def __init__(self, pg1, pg0, maria, lite_path):
        self.pg1, self.pg0, self.maria, self.lite_path = pg1, pg0, maria, lite_path

    def rows(self, service, sql):
        if service in ("pg1", "pg0"):
            server = self.pg1 if service == "pg1" else self.pg0
            with psycopg2.connect(**server.endpoint(sslmode="disable").params()) as conn, conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()
        if service == "my1":
            return [tuple(r) for r in self.maria.query(sql)]
        with sqlite3.connect(self.lite_path) as conn:
            return conn.execute(sql).fetchall()

    def ids(self, service):
        return sorted(int(r[0]) for r in self.rows(service, "SELECT id FROM items"))

    def clear(self):
        for service in ("pg1", "pg0"):
            server = self.pg1 if service == "pg1" else self.pg0
            with psycopg2.connect(**server.endpoint(sslmode="disable").params()) as conn, conn.cursor() as cur:
                cur.execute("DELETE FROM items")
        self.maria.execute("DELETE FROM items; DELETE FROM nokey;")
        with sqlite3.connect(self.lite_path) as conn:
            conn.execute("DELETE FROM items")


@pytest.fixture(scope="module")
def env():
    if not NECTAR_BIN.exists():
        pytest.skip(f"nectar binary not found at {NECTAR_BIN}")
    cleanup = []
    try:
        pg1 = start_pg("writes-pg1", 10)
        cleanup.append(pg1.cleanup)
        pg0 = start_pg("writes-pg0", 0)  # refuses PREPARE TRANSACTION
        cleanup.append(pg0.cleanup)
        maria = MariaServer()
        maria.start()
        cleanup.append(maria.stop)
        maria.execute(f"{MY_ITEMS}; CREATE TABLE nokey (a int, b int);")
        tmp = tempfile.TemporaryDirectory(prefix="nectar-writes-lite-", dir="/tmp")
        cleanup.append(tmp.cleanup)
        lite_path = pathlib.Path(tmp.name) / "lite.db"
        with sqlite3.connect(lite_path) as conn:
            conn.execute(LITE_ITEMS)
        os.chmod(tmp.name, 0o777)
        nectar = harness.Nectar(NECTAR_BIN, [
            "--service", f"pg1={pg1.service_url()}",
            "--service", f"pg0={pg0.service_url()}",
            "--service", f"my1={maria.url}",
            "--service", f"lite=sqlite://{lite_path}",
            "--default-service", "pg1"], name="writes-nectar")
        nectar.start()
        cleanup.append(nectar.cleanup)
        backends = Backends(pg1, pg0, maria, str(lite_path))
        yield nectar, backends
        nectar.stop_cleanly()
    finally:
        for step in reversed(cleanup):
            step()


@pytest.fixture
def backends(env):
    env[1].clear()
    return env[1]


@pytest.fixture
def conn(env, backends):
    """A session on the MariaDB service: every statement goes through the federation engine."""
    nectar = env[0]
    c = psycopg2.connect(**nectar.endpoint(dbname="my1", sslmode="disable").params())
    c.autocommit = True  # BEGIN / COMMIT are sent as statements
    yield c
    c.close()


def run(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall() if cur.description else None
        return cur.statusmessage, rows


def sqlstate_of(conn, sql):
    with pytest.raises(psycopg2.Error) as info:
        run(conn, sql)
    return info.value.pgcode, str(info.value)


def status(conn):
    return conn.info.transaction_status


# --- INSERT / UPDATE / DELETE ----------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_multi_row_insert(conn, backends, service):
    tag, _ = run(conn, f"INSERT INTO {service}.items (id, name, qty, price) VALUES "
                       f"(1, 'apple', 10, 1.50), (2, 'pear', 20, 2.25), (3, 'plum', NULL, 0.99)")
    assert tag == "INSERT 0 3"
    assert backends.ids(service) == [1, 2, 3]
    _, rows = run(conn, f"SELECT id, name, qty, price FROM {service}.items ORDER BY id")
    assert rows == [(1, "apple", 10, Decimal("1.50")), (2, "pear", 20, Decimal("2.25")),
                    (3, "plum", None, Decimal("0.99"))]


@pytest.mark.parametrize("service", SERVICES)
def test_insert_returning_and_defaults(conn, backends, service):
    tag, rows = run(conn, f"INSERT INTO {service}.items (id, name, qty) VALUES (7, 'kiwi', DEFAULT), "
                          f"(8, 'fig', DEFAULT) RETURNING id, upper(name) AS shout, qty")
    assert tag == "INSERT 0 2"
    assert sorted(rows) == [(7, "KIWI", None), (8, "FIG", None)]
    # Without a column list, the values fill the first columns.
    tag, rows = run(conn, f"INSERT INTO {service}.items VALUES (9, 'lime') RETURNING *")
    assert (tag, rows) == ("INSERT 0 1", [(9, "lime", None, None)])


@pytest.mark.parametrize("service", SERVICES)
def test_update_and_delete_returning(conn, backends, service):
    run(conn, f"INSERT INTO {service}.items (id, name, qty) VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30)")
    tag, rows = run(conn, f"UPDATE {service}.items SET qty = qty + 1, name = name || '!' WHERE id <= 2 "
                          f"RETURNING id, name, qty")
    assert tag == "UPDATE 2"
    assert sorted(rows) == [(1, "a!", 11), (2, "b!", 21)]
    tag, rows = run(conn, f"UPDATE {service}.items SET qty = 0 WHERE id = 99 RETURNING *")
    assert (tag, rows) == ("UPDATE 0", [])
    tag, rows = run(conn, f"DELETE FROM {service}.items WHERE id IN (1, 3) RETURNING name, qty * 2 AS twice")
    assert tag == "DELETE 2"
    assert sorted(rows) == [("a!", 22), ("c", 60)]
    tag, _ = run(conn, f"UPDATE {service}.items SET qty = NULL")
    assert tag == "UPDATE 1"
    tag, _ = run(conn, f"DELETE FROM {service}.items")
    assert tag == "DELETE 1"
    assert backends.ids(service) == []


def test_insert_select_across_services(conn, backends):
    run(conn, "INSERT INTO pg1.items (id, name, qty) SELECT g, 'n' || g, g * 10 FROM "
              "(VALUES (1), (2), (3)) AS v(g)")
    tag, _ = run(conn, "INSERT INTO my1.items (id, name, qty) SELECT id + 100, name, qty FROM pg1.items")
    assert tag == "INSERT 0 3"
    tag, _ = run(conn, "INSERT INTO lite.items SELECT id + 1000, name, qty, price FROM my1.items "
                       "WHERE qty >= 20")
    assert tag == "INSERT 0 2"
    assert backends.ids("my1") == [101, 102, 103]
    assert backends.ids("lite") == [1102, 1103]


def test_insert_many_rows_in_batches(conn, backends):
    values = ", ".join(f"({i}, 'row {i}', {i})" for i in range(1, 1201))
    tag, _ = run(conn, f"INSERT INTO my1.items (id, name, qty) VALUES {values}")
    assert tag == "INSERT 0 1200"
    tag, _ = run(conn, "INSERT INTO lite.items (id, name, qty) SELECT id, name, qty FROM my1.items")
    assert tag == "INSERT 0 1200"
    assert len(backends.ids("lite")) == 1200


def test_expressions_the_service_cannot_compute(conn, backends):
    # SQLite's integer arithmetic overflows into floats: Nectar computes it, row by row by key.
    run(conn, "INSERT INTO lite.items (id, name, qty) VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30)")
    tag, rows = run(conn, "UPDATE lite.items SET qty = qty * 3 WHERE qty * 2 > 30 RETURNING id, qty")
    assert tag == "UPDATE 2" and sorted(rows) == [(2, 60), (3, 90)]
    code, _ = sqlstate_of(conn, "UPDATE lite.items SET qty = qty + 9223372036854775807 WHERE id = 3")
    assert code == "22003"
    tag, rows = run(conn, "DELETE FROM lite.items WHERE qty - 50 > 0 RETURNING name")
    assert tag == "DELETE 2" and sorted(rows) == [("b",), ("c",)]
    assert backends.rows("lite", "SELECT id, qty FROM items") == [(1, 10)]


@pytest.mark.parametrize("service", SERVICES)  # MariaDB: INSERT IGNORE
def test_on_conflict_do_nothing(conn, backends, service):
    run(conn, f"INSERT INTO {service}.items (id, name) VALUES (1, 'a')")
    tag, _ = run(conn, f"INSERT INTO {service}.items (id, name) VALUES (1, 'dup'), (2, 'b') ON CONFLICT DO NOTHING")
    assert tag == "INSERT 0 1"
    assert sorted(r[0] for r in run(conn, f"SELECT name FROM {service}.items")[1]) == ["a", "b"]


# --- Errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_errors_carry_postgres_sqlstates(conn, backends, service):
    run(conn, f"INSERT INTO {service}.items (id, name) VALUES (1, 'a')")
    code, _ = sqlstate_of(conn, f"INSERT INTO {service}.items (id, name) VALUES (1, 'again')")
    assert code == "23505"
    code, message = sqlstate_of(conn, f"INSERT INTO {service}.items (id, name) VALUES ('x', 'a')")
    assert code == "22P02" and "invalid input syntax for type" in message and "\"x\"" in message
    code, message = sqlstate_of(conn, f"INSERT INTO {service}.items (id, nope) VALUES (2, 'a')")
    assert code == "42703" and 'column "nope" of relation "items" does not exist' in message
    code, _ = sqlstate_of(conn, f"UPDATE {service}.items SET nope = 1")
    assert code == "42703"
    code, _ = sqlstate_of(conn, f"DELETE FROM {service}.missing")
    assert code == "42P01"
    code, _ = sqlstate_of(conn, f"INSERT INTO {service}.items (id, name) VALUES (2, NULL)")
    assert code == "23502"
    code, _ = sqlstate_of(conn, f"INSERT INTO {service}.items (id, name) VALUES (1, 'a', 3)")
    assert code == "42601"
    # A failed multi-row statement wrote nothing.
    code, _ = sqlstate_of(conn, f"INSERT INTO {service}.items (id, name) VALUES (5, 'e'), (1, 'dup')")
    assert code == "23505"
    assert backends.ids(service) == [1]


def test_mariadb_update_returning_needs_a_primary_key(conn, backends):
    backends.maria.execute("INSERT INTO nokey VALUES (1, 2)")
    code, message = sqlstate_of(conn, "UPDATE my1.nokey SET b = 3 RETURNING a")
    assert code == "0A000" and "primary key" in message
    tag, _ = run(conn, "UPDATE my1.nokey SET b = 3")
    assert tag == "UPDATE 1"


# --- Transaction blocks ----------------------------------------------------------------------


def test_commit_across_two_services(conn, backends):
    run(conn, "BEGIN")
    assert status(conn) == IN_BLOCK
    run(conn, "INSERT INTO pg1.items (id, name) VALUES (1, 'pg')")
    run(conn, "INSERT INTO my1.items (id, name) VALUES (2, 'my')")
    run(conn, "UPDATE pg1.items SET qty = 5 WHERE id = 1")
    assert status(conn) == IN_BLOCK
    assert backends.ids("pg1") == [] and backends.ids("my1") == []  # not visible before COMMIT
    tag, _ = run(conn, "COMMIT")
    assert tag == "COMMIT" and status(conn) == IDLE
    assert backends.rows("pg1", "SELECT id, qty FROM items") == [(1, 5)]
    assert backends.ids("my1") == [2]
    assert backends.rows("pg1", "SELECT count(*) FROM pg_prepared_xacts") == [(0,)]


def test_block_reads_its_own_writes(conn, backends):
    run(conn, "BEGIN")
    run(conn, "INSERT INTO pg1.items (id, name, qty) VALUES (1, 'a', 10), (2, 'b', 20)")
    tag, _ = run(conn, "INSERT INTO my1.items (id, name, qty) SELECT id, name, qty FROM pg1.items")
    assert tag == "INSERT 0 2"  # the INSERT's SELECT ran on pg1's open transaction
    tag, rows = run(conn, "UPDATE my1.items SET qty = qty + 1 WHERE id = 2 RETURNING qty")
    assert (tag, rows) == ("UPDATE 1", [(21,)])
    # A plain SELECT in the block reads through the same pinned transactions.
    _, rows = run(conn, "SELECT m.id, m.qty, p.qty FROM my1.items m JOIN pg1.items p ON p.id = m.id ORDER BY 1")
    assert rows == [(1, 10, 10), (2, 21, 20)]
    run(conn, "COMMIT")
    assert backends.ids("pg1") == [1, 2] and backends.ids("my1") == [1, 2]


def test_rollback_across_two_services(conn, backends):
    run(conn, "BEGIN")
    run(conn, "INSERT INTO pg1.items (id, name) VALUES (1, 'pg')")
    run(conn, "INSERT INTO my1.items (id, name) VALUES (2, 'my')")
    tag, _ = run(conn, "ROLLBACK")
    assert tag == "ROLLBACK" and status(conn) == IDLE
    assert backends.ids("pg1") == [] and backends.ids("my1") == []


def test_single_service_block_and_sqlite(conn, backends):
    run(conn, "BEGIN")
    run(conn, "INSERT INTO lite.items (id, name) VALUES (1, 'a'), (2, 'b')")
    run(conn, "DELETE FROM lite.items WHERE id = 1")
    tag, _ = run(conn, "COMMIT")
    assert tag == "COMMIT"
    assert backends.ids("lite") == [2]
    # MariaDB alone in a block: its XA transaction commits in one phase.
    run(conn, "BEGIN")
    run(conn, "INSERT INTO my1.items (id, name) VALUES (5, 'x')")
    run(conn, "UPDATE my1.items SET qty = 1 RETURNING id, qty")
    assert run(conn, "COMMIT")[0] == "COMMIT"
    assert backends.rows("my1", "SELECT id, qty FROM items") == [("5", "1")]
    assert backends.maria.query("XA RECOVER") == []


def test_failed_prepare_leaves_nothing_committed(conn, backends):
    # pg0 runs with max_prepared_transactions = 0: MariaDB prepares first, then pg0 refuses.
    run(conn, "BEGIN")
    run(conn, "INSERT INTO my1.items (id, name) VALUES (1, 'my')")
    run(conn, "INSERT INTO pg0.items (id, name) VALUES (2, 'pg0')")
    code, message = sqlstate_of(conn, "COMMIT")
    assert code == "55000" and "max_prepared_transactions" in message
    assert status(conn) == IDLE
    assert backends.ids("my1") == [] and backends.ids("pg0") == []
    assert backends.maria.query("XA RECOVER") == []
    # The session goes on.
    tag, _ = run(conn, "INSERT INTO pg0.items (id, name) VALUES (3, 'alone')")
    assert tag == "INSERT 0 1"


def test_lost_connection_during_two_phase_commit(conn, backends):
    run(conn, "BEGIN")
    run(conn, "INSERT INTO pg1.items (id, name) VALUES (1, 'pg')")
    run(conn, "INSERT INTO my1.items (id, name) VALUES (2, 'my')")
    # Kill Nectar's MariaDB connections: the one holding the XA transaction cannot prepare.
    for (pid,) in backends.maria.query("SELECT id FROM information_schema.processlist WHERE user = 'nectar'"):
        backends.maria.execute(f"KILL {pid}")
    code, message = sqlstate_of(conn, "COMMIT")
    assert code.startswith("08") or code.startswith("HY") or code == "XX000", (code, message)
    assert "my1" in message
    assert status(conn) == IDLE
    assert backends.ids("pg1") == [] and backends.ids("my1") == []
    assert backends.rows("pg1", "SELECT count(*) FROM pg_prepared_xacts") == [(0,)]
    tag, _ = run(conn, "INSERT INTO my1.items (id, name) VALUES (3, 'after')")
    assert tag == "INSERT 0 1"


def test_sqlite_and_another_service_refused(conn, backends):
    run(conn, "BEGIN")
    run(conn, "INSERT INTO pg1.items (id, name) VALUES (1, 'pg')")
    code, message = sqlstate_of(conn, "INSERT INTO lite.items (id, name) VALUES (2, 'lite')")
    assert code == "0A000" and '"pg1"' in message and '"lite"' in message
    assert status(conn) == IN_ERROR
    run(conn, "ROLLBACK")
    assert backends.ids("pg1") == [] and backends.ids("lite") == []


def test_error_in_block_aborts_it(conn, backends):
    run(conn, "INSERT INTO pg1.items (id, name) VALUES (1, 'a')")
    run(conn, "BEGIN")
    run(conn, "INSERT INTO my1.items (id, name) VALUES (2, 'b')")
    code, _ = sqlstate_of(conn, "INSERT INTO pg1.items (id, name) VALUES (1, 'dup')")
    assert code == "23505"
    assert status(conn) == IN_ERROR
    code, message = sqlstate_of(conn, "SELECT 1")
    assert code == "25P02" and "current transaction is aborted" in message
    code, _ = sqlstate_of(conn, "INSERT INTO my1.items (id, name) VALUES (3, 'c')")
    assert code == "25P02"
    tag, _ = run(conn, "COMMIT")  # a failed block's COMMIT rolls back
    assert tag == "ROLLBACK" and status(conn) == IDLE
    assert backends.ids("my1") == [] and backends.ids("pg1") == [1]


def test_session_end_rolls_back(env, backends):
    nectar = env[0]
    c = psycopg2.connect(**nectar.endpoint(dbname="my1", sslmode="disable").params())
    c.autocommit = True
    run(c, "BEGIN")
    run(c, "INSERT INTO pg1.items (id, name) VALUES (1, 'a')")
    run(c, "INSERT INTO my1.items (id, name) VALUES (2, 'b')")
    c.close()
    assert backends.ids("pg1") == [] and backends.ids("my1") == []


def test_postgres_session_block_refuses_engine_writes(env, backends):
    """In a session on a PostgreSQL service, BEGIN opens a block on that server; a write to
    another service inside it could not commit with it, so it is refused."""
    nectar = env[0]
    c = psycopg2.connect(**nectar.endpoint(dbname="pg1", sslmode="disable").params())
    c.autocommit = True
    try:
        tag, _ = run(c, "INSERT INTO my1.items (id, name) VALUES (1, 'autocommit')")
        assert tag == "INSERT 0 1"
        run(c, "BEGIN")
        code, message = sqlstate_of(c, "INSERT INTO my1.items (id, name) VALUES (2, 'in block')")
        assert code == "0A000" and '"my1"' in message
        run(c, "ROLLBACK")
        assert backends.ids("my1") == [1]
    finally:
        c.close()
