"""Small helpers to drive real clients (psycopg2, psql, pgbench) at an Endpoint."""

import contextlib
import math
import subprocess

import psycopg2
import psycopg2.extensions

from harness import PG_BIN


@contextlib.contextmanager
def connect(endpoint, autocommit=True, **extra):
    """A psycopg2 connection that is closed on exit (psycopg2's own `with` does not close)."""
    conn = psycopg2.connect(**endpoint.params(**extra))
    conn.autocommit = autocommit
    try:
        yield conn
    finally:
        conn.close()


def norm(value):
    """A form of a fetched value that compares by content (NaN equals NaN, buffers by bytes)."""
    if isinstance(value, float) and math.isnan(value):
        return ("NaN",)
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, (list, tuple)):
        return type(value)(norm(v) for v in value)
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    return value


def fetch_rows(cursor):
    return [norm(row) for row in cursor.fetchall()]


def describe(cursor):
    """Column names and type OIDs of the last result."""
    return [(d.name, d.type_code) for d in cursor.description]


def run_sql(conn, sql, params=None):
    """Executes one statement; returns ('ok', description, rows, statusmessage) or
    ('error', sqlstate, message, detail, position). Leaves the connection as psycopg2 left it."""
    cur = conn.cursor()
    try:
        cur.execute(sql, params)
    except psycopg2.Error as e:
        diag = e.diag
        return ("error", e.pgcode, diag.message_primary, diag.message_detail, diag.statement_position,
                diag.message_hint)
    rows = fetch_rows(cur) if cur.description is not None else None
    desc = describe(cur) if cur.description is not None else None
    return ("ok", desc, rows, cur.statusmessage)


def outcomes(endpoint, statements, autocommit=True):
    """Runs statements in order on one fresh connection, recording each outcome. After an
    error outside autocommit the transaction stays aborted, as a client would see it."""
    with connect(endpoint, autocommit=autocommit) as conn:
        return [run_sql(conn, s) for s in statements]


def psql(endpoint, *args, input=None, timeout=60):
    """Runs psql -X against endpoint; returns (exit code, stdout, stderr)."""
    p = subprocess.run([str(PG_BIN / "psql"), "-X", *args], input=input, env=endpoint.env(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8", errors="replace",
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def pgbench(endpoint, *args, timeout=120):
    p = subprocess.run([str(PG_BIN / "pgbench"), *args], env=endpoint.env(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr
