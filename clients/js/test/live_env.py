"""The live servers the JS client's tests run against: a throwaway PostgreSQL 15 with
wal_level=logical (the app role has REPLICATION, so Nectar captures natively), a SQLite file, and
one Nectar serving them as services `pg` and `lite`, with an API key and every test table exposed.

Run with /usr/bin/python3 (Debian's psycopg2 and requests import only there). Prints one JSON line
with the addresses once everything runs, then waits: closing its stdin (or SIGTERM) stops Nectar
(which must exit 0) and removes the servers. NECTAR_BIN picks the binary (relative paths: from
the current directory, else from the repository root); default build/release/proxy/nectar."""

import json
import os
import pathlib
import signal
import sqlite3
import sys
import tempfile

import requests

REPO_ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO_ROOT / "tests" / "e2e"))
import harness  # noqa: E402

API_KEY = "js-client-live-key"
PG_TABLES = ["items", "filtered", "unsubscribed", "resumed", "resynced", "slow", "hooked", "hook_filtered", "hook_slow", "hook_overflow"]
# Old rows in full, except `hooked`: its DELETEs carry only the key, as by PostgreSQL's default.
PG_DDL = ";".join(
    f"CREATE TABLE {t} (id int PRIMARY KEY, name text, status text, price numeric(8,2), meta jsonb)" +
    ("" if t == "hooked" else f";ALTER TABLE {t} REPLICA IDENTITY FULL") for t in PG_TABLES)
LITE_TABLES = ["polled", "hook_polled"]
LITE_DDL = [f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, name TEXT, status TEXT, price NUMERIC(8,2))"
            for t in LITE_TABLES]


def nectar_binary():
    given = os.environ.get("NECTAR_BIN")
    if not given:
        return harness.DEFAULT_NECTAR_BIN
    path = pathlib.Path(given)
    if path.is_absolute() or path.exists():
        return path.resolve()
    return REPO_ROOT / path


def start(cleanup):
    binary = nectar_binary()
    if not binary.exists():
        raise RuntimeError(f"nectar binary not found at {binary} (build it, or set NECTAR_BIN)")
    pg = harness.PgServer(name="js-pg")
    cleanup.append(pg.cleanup)
    pg.start_fresh()
    pg.enable_logical_replication()
    pg.create_app(replication=True, sql=PG_DDL)

    tmp = tempfile.TemporaryDirectory(prefix="nectar-js-lite-", dir="/tmp")
    cleanup.append(tmp.cleanup)
    lite_path = pathlib.Path(tmp.name) / "lite.db"
    with sqlite3.connect(lite_path) as conn:
        for ddl in LITE_DDL:
            conn.execute(ddl)
    os.chmod(tmp.name, 0o777)
    os.chmod(lite_path, 0o666)

    nectar = harness.Nectar(binary, ["--service", f"pg={pg.service_url()}", "--service", f"lite=sqlite://{lite_path}",
                                     "--api-key", f"{API_KEY}:admin"], name="js-nectar")
    nectar.start()
    cleanup.append(lambda: stop_nectar(nectar))
    base = f"http://127.0.0.1:{nectar.http_port}/api/v2"
    for service, tables in (("pg", PG_TABLES), ("lite", LITE_TABLES)):
        r = requests.post(f"{base}/{service}/_expose", json={"tables": tables}, headers={"X-API-Key": API_KEY},
                          timeout=30)
        r.raise_for_status()
    return {
        "httpUrl": f"http://127.0.0.1:{nectar.http_port}",
        "wsUrl": f"ws://127.0.0.1:{nectar.http_port}",
        "apiKey": API_KEY,
        "pg": {"host": "127.0.0.1", "port": pg.port, "user": harness.APP_USER, "password": harness.APP_PASSWORD,
               "database": harness.APP_DB},
        "litePath": str(lite_path),
        "nectarPid": nectar.proc.pid,
    }


def stop_nectar(nectar):
    code = nectar.stop()
    if code != 0 or nectar.sanitizer_reports():
        print(f"live_env: nectar exited with {code}:\n{nectar.stderr_tail()}", file=sys.stderr)
    nectar.cleanup()


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    cleanup = []
    try:
        env = start(cleanup)
        print(json.dumps(env), flush=True)
        sys.stdin.read()  # until the test runner closes it (or dies)
    finally:
        for step in reversed(cleanup):
            step()


if __name__ == "__main__":
    main()
