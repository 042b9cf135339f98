"""PostgreSQL restarts under nectar: the query in flight fails cleanly with an error, and the
client's connection to nectar stays usable."""

import threading
import time

import psycopg2
import pytest

from clients import connect
from conftest import start_pg


@pytest.fixture(scope="module")
def own_pg(tls_files):
    """A PostgreSQL of this module's own, so that restarting it disturbs no other test."""
    pg = start_pg(tls_files, name="pg-restart")
    yield pg
    pg.cleanup()


@pytest.fixture(scope="module")
def front(nectar_factory, own_pg):
    return nectar_factory(backend=own_pg, name="nectar-restart").endpoint(sslmode="disable")


def test_query_in_flight_during_restart(front, own_pg, direct_mode):
    busy = psycopg2.connect(**front.params())
    busy.autocommit = True
    threads = []
    try:
        with connect(front) as idle, connect(front, autocommit=False) as in_tx:
            in_flight_then_restart(busy, idle, in_tx, own_pg, direct_mode, threads)
    finally:
        if not any(t.is_alive() for t in threads):  # closing under a stuck query would hang
            busy.close()


def in_flight_then_restart(busy, idle, in_tx, own_pg, direct_mode, threads):
    # The idle and in-transaction sessions have used the backend before the restart.
    for conn in (busy, idle, in_tx):
        conn.cursor().execute("select count(*) from numbers")
    outcome = {}

    def run():
        try:
            busy.cursor().execute("select pg_sleep(20)")
            outcome["error"] = None
        except psycopg2.Error as e:
            outcome["error"] = e
        outcome["at"] = time.monotonic()

    t = threading.Thread(target=run, daemon=True)
    threads.append(t)
    t.start()
    time.sleep(0.5)
    own_pg.restart()
    restarted = time.monotonic()
    t.join(20)
    assert not t.is_alive(), "the query in flight hung through the restart"
    err = outcome["error"]
    assert err is not None, "pg_sleep(20) finished although PostgreSQL restarted"
    assert outcome["at"] - restarted < 10
    if direct_mode:
        # libpq reports the lost connection without a SQLSTATE; nectar keeps the client's
        # connection and must send a proper ErrorResponse.
        assert isinstance(err, psycopg2.OperationalError)
        pytest.skip("PostgreSQL itself closes the client connection on restart; nectar keeps it")
    assert err.pgcode == "57P01" or (err.pgcode or "").startswith("08"), (err.pgcode, str(err))
    # The same client connection goes on.
    cur = busy.cursor()
    cur.execute("select 'after restart', count(*) from numbers")
    assert cur.fetchone() == ("after restart", 1000)
    # So does the session that was idle.
    cur = idle.cursor()
    cur.execute("select 2")
    assert cur.fetchone() == (2,)
    # The session that had a transaction open lost it with the backend: it must be told
    # (an error), not carry on as if the transaction were still there; after ROLLBACK it
    # works again.
    with pytest.raises(psycopg2.Error) as e:
        in_tx.cursor().execute("select 3")
    assert e.value.pgcode == "57P01" or (e.value.pgcode or "").startswith("08"), e.value
    in_tx.rollback()
    cur = in_tx.cursor()
    cur.execute("select 4")
    assert cur.fetchone() == (4,)
    in_tx.commit()


def test_new_connections_after_restart(front, own_pg):
    own_pg.restart()
    for _ in range(3):
        with connect(front) as conn:
            cur = conn.cursor()
            cur.execute("select count(*) from types_sample")
            assert cur.fetchone() == (4,)
