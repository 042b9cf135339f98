"""Rough commit→frame latency of realtime (not a benchmark, not a test: run it by hand).

    /usr/bin/python3 tests/e2e_federation/realtime_latency.py [events_per_second] [seconds] [pg|mariadb|all]

Starts a throwaway PostgreSQL (wal_level=logical) and Nectar, subscribes over WebSocket, inserts
rows at the given rate from another thread, and prints percentiles of frame arrival minus the
commit timestamp PostgreSQL records (same machine, same clock), for native capture; then the
same for polling mode (200 ms interval), measured from the INSERT's return.

`mariadb` does the same for a throwaway MariaDB (binlog ROW, FULL metadata) and its binlog
capture: the binlog only records commit times in whole seconds, so each row carries its
statement's start, TIMESTAMP(6) DEFAULT NOW(6), and the figure is frame arrival minus that (an
upper bound of commit→frame: it includes the INSERT's own execution)."""

import asyncio
import datetime
import pathlib
import subprocess
import sys
import threading
import time

import psycopg2

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import harness  # noqa: E402
from mariadb_server import MariaServer  # noqa: E402
from realtime_client import Realtime  # noqa: E402


def percentiles(values):
    values = sorted(values)
    pick = lambda p: values[min(len(values) - 1, int(p * len(values)))]  # noqa: E731
    return f"n={len(values)} p50={pick(0.5):.2f} ms p95={pick(0.95):.2f} ms p99={pick(0.99):.2f} ms max={values[-1]:.2f} ms"


def writer(pg, rate, seconds, first_id, sent):
    conn = psycopg2.connect(host="127.0.0.1", port=pg.port, user=harness.APP_USER, password=harness.APP_PASSWORD,
                            dbname=harness.APP_DB)
    conn.autocommit = True
    cur = conn.cursor()
    # The harness runs PostgreSQL with synchronous_commit=off: WAL then reaches walsenders only
    # at the WAL writer's next round (200 ms). Production commits are synchronous.
    cur.execute("SET synchronous_commit = on")
    start = time.monotonic()
    for i in range(int(rate * seconds)):
        target = start + i / rate
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        cur.execute("INSERT INTO t (id, v) VALUES (%s, 'x')", (first_id + i,))
        sent[first_id + i] = time.time()
    conn.close()


async def measure(nectar, pg, mode, rate, seconds, first_id):
    rt = await Realtime.connect(nectar.http_port)
    frame = {"id": "m", "service": "pg", "table": "t", "mode": mode}
    if mode == "poll":
        frame["pollInterval"] = 200
    await rt.subscribe(**frame)
    await asyncio.sleep(1.5)  # the capture is live
    sent = {}
    thread = threading.Thread(target=writer, args=(pg, rate, seconds, first_id, sent))
    thread.start()
    latencies = []
    expected = int(rate * seconds)
    while len(latencies) < expected:
        got = await rt.recv(30)
        now = time.time()
        if got["type"] != "change":
            continue
        if mode == "trigger":
            commit = datetime.datetime.fromisoformat(got["commitTime"]).timestamp()
        else:
            while got["new"]["id"] not in sent:
                await asyncio.sleep(0.001)
            commit = sent[got["new"]["id"]]
        latencies.append((now - commit) * 1000)
    thread.join()
    await rt.close()
    return latencies


def maria_writer(maria, rate, seconds, first_id):
    """One mariadb client session fed INSERTs at `rate` (each an autocommit transaction)."""
    proc = subprocess.Popen(["/usr/bin/mariadb", "--no-defaults", f"--socket={maria.socket}", "-u", "root",
                             "--batch", "--unbuffered", maria.db], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    start = time.monotonic()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        proc.stdin.write(f"INSERT INTO t (id, v) VALUES ({first_id + i}, 'x');\n")
        proc.stdin.flush()
    proc.stdin.close()
    proc.wait()


async def measure_maria(nectar, maria, rate, seconds):
    rt = await Realtime.connect(nectar.http_port)
    await rt.subscribe(id="m", service="my", table="t", mode="trigger")
    await asyncio.sleep(1.5)
    thread = threading.Thread(target=maria_writer, args=(maria, rate, seconds, 1))
    thread.start()
    latencies = []
    while len(latencies) < int(rate * seconds):
        got = await rt.recv(30)
        now = time.time()
        if got["type"] == "change":
            latencies.append((now - datetime.datetime.fromisoformat(got["new"]["at"]).timestamp()) * 1000)
    thread.join()
    await rt.close()
    return latencies


def main_mariadb(rate, seconds):
    maria = MariaServer()
    nectar = None
    try:
        maria.start()
        maria.execute("CREATE TABLE t (id int PRIMARY KEY, v text, at timestamp(6) NOT NULL DEFAULT NOW(6))")
        nectar = harness.Nectar(harness.DEFAULT_NECTAR_BIN, ["--service", f"my={maria.url}"], name="rt-latency-maria")
        nectar.start()
        import requests
        requests.post(f"http://127.0.0.1:{nectar.http_port}/api/v2/my/_expose", json={"tables": ["t"]}, timeout=30)
        native = asyncio.run(measure_maria(nectar, maria, rate, seconds))
        print(f"native (MariaDB binlog), {rate:g} inserts/s, statement start→frame: {percentiles(native)}")
    finally:
        if nectar is not None:
            nectar.stop()
            nectar.cleanup()
        maria.stop()


def main():
    rate = float(sys.argv[1]) if len(sys.argv) > 1 else 200
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5
    which = sys.argv[3] if len(sys.argv) > 3 else "pg"
    if which in ("mariadb", "all"):
        main_mariadb(rate, seconds)
    if which == "mariadb":
        return
    pg = harness.PgServer(name="rt-latency")
    nectar = None
    try:
        pg.start_fresh()
        pg.enable_logical_replication()
        pg.create_app(replication=True, sql="CREATE TABLE t (id int PRIMARY KEY, v text)")
        nectar = harness.Nectar(harness.DEFAULT_NECTAR_BIN, ["--service", f"pg={pg.service_url()}"], name="rt-latency")
        nectar.start()
        import requests
        requests.post(f"http://127.0.0.1:{nectar.http_port}/api/v2/pg/_expose", json={"tables": ["t"]}, timeout=30)
        native = asyncio.run(measure(nectar, pg, "trigger", rate, seconds, 1))
        print(f"native (logical replication), {rate:g} inserts/s, commit→frame: {percentiles(native)}")
        poll = asyncio.run(measure(nectar, pg, "poll", rate, seconds, 1_000_000))
        print(f"polling every 200 ms, {rate:g} inserts/s, insert→frame: {percentiles(poll)}")
    finally:
        if nectar is not None:
            nectar.stop()
            nectar.cleanup()
        pg.cleanup()


if __name__ == "__main__":
    main()
