"""pg-wire LISTEN helpers for the realtime suites: a psycopg2 connection to a Nectar service and
a wait for its NotificationResponses."""

import pathlib
import select
import sys
import time

import psycopg2

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402


def nectar_conn(nectar, service, autocommit=True):
    """A client connection through `nectar` to `service` (the database name picks the service)."""
    conn = psycopg2.connect(host="127.0.0.1", port=nectar.port, user=harness.APP_USER,
                            password=harness.APP_PASSWORD, dbname=service)
    conn.autocommit = autocommit
    return conn


def wait_notifies(conn, count, timeout=10.0):
    """Reads conn until it holds `count` notifications or the timeout passes. Polls once first:
    libpq may already hold notifications read with a statement's answer (psycopg2's commit()
    does not collect them), which select() on the socket would never see."""
    deadline = time.monotonic() + timeout
    conn.poll()
    while len(conn.notifies) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if select.select([conn], [], [], left) != ([], [], []):
            conn.poll()
    got = list(conn.notifies)
    conn.notifies.clear()
    return got
