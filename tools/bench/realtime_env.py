"""What tools/bench/realtime runs against: a throwaway PostgreSQL (wal_level=logical), MariaDB
(binlog on) and SQLite file, one Nectar serving them as `pg`, `my` and `lite`, a pool of fresh
tables per backend (a table per run, so polling never starts from a big table and runs do not
see each other's rows), and `measure`, one timed run: subscribers ready, writers commit at a
rate, every subscriber checked for every row."""

import array
import multiprocessing
import os
import pathlib
import sqlite3
import statistics
import sys
import tempfile
import time

import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import realtime_clients as clients  # noqa: E402
from bench_common import BenchError, cpu_seconds, proc_status  # noqa: E402
import harness  # noqa: E402  (bench_common put tests/e2e on the path)
from mariadb_server import MariaServer  # noqa: E402

MP = multiprocessing.get_context("fork")
# The peer's tables live in their own database: Nectar's slot (one per database) then skips
# their WAL early instead of decoding it, and the two paths load each other less.
PEER_DB = "peer"
ROW_DDL = "(id bigint PRIMARY KEY, note text NOT NULL)"
# The in-run peer: a row trigger that sends PostgreSQL's own notification with the payload
# Nectar's LISTEN sends ({"event","new","old"}), so both carry the same bytes.
NOTIFY_FN = """
CREATE FUNCTION bench_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_TABLE_NAME, json_build_object('event', TG_OP, 'new', row_to_json(NEW), 'old', NULL)::text);
  RETURN NULL;
END $$;
"""


class Env:
    def __init__(self, binary, pg_tables, notify_tables, other_tables):
        self.binary = binary
        self.sizes = {"ev": pg_tables, "nt": notify_tables, "lite": other_tables, "my": other_tables}
        self.next = {k: 0 for k in self.sizes}
        self.cleanup = []
        self.pg = self.maria = self.nectar = None

    def start(self):
        self.pg = harness.PgServer(name="rtbench-pg")
        self.cleanup.append(self.pg.cleanup)
        self.pg.start_fresh()
        with open(self.pg.data / "postgresql.conf", "a") as f:
            f.write("wal_level = logical\nmax_replication_slots = 10\nmax_wal_senders = 10\n"
                    "max_connections = 400\nshared_buffers = 256MB\n")
        self.pg.restart()
        self.pg.psql_admin(f"CREATE ROLE {harness.APP_USER} LOGIN REPLICATION PASSWORD '{harness.APP_PASSWORD}';"
                           f"CREATE DATABASE {harness.APP_DB} OWNER {harness.APP_USER};"
                           f"CREATE DATABASE {PEER_DB} OWNER {harness.APP_USER};")
        ddl = [f"SET ROLE {harness.APP_USER};"] + [f"CREATE TABLE ev_{i} {ROW_DDL};" for i in range(self.sizes["ev"])]
        self.pg.psql_admin("\n".join(ddl), db=harness.APP_DB)
        ddl = [f"SET ROLE {harness.APP_USER};", NOTIFY_FN]
        ddl += [f"CREATE TABLE nt_{i} {ROW_DDL}; CREATE TRIGGER notify AFTER INSERT OR UPDATE OR DELETE ON nt_{i} "
                "FOR EACH ROW EXECUTE FUNCTION bench_notify();" for i in range(self.sizes["nt"])]
        self.pg.psql_admin("\n".join(ddl), db=PEER_DB)
        self.maria = MariaServer()
        self.maria.start()
        self.cleanup.append(self.maria.stop)
        self.maria.execute("".join(f"CREATE TABLE my_{i} {ROW_DDL.replace('text', 'varchar(80)')};"
                                   for i in range(self.sizes["my"])))
        tmp = tempfile.TemporaryDirectory(prefix="nectar-rtbench-lite-", dir="/tmp")
        self.cleanup.append(tmp.cleanup)
        self.lite_path = pathlib.Path(tmp.name) / "lite.db"
        with sqlite3.connect(self.lite_path) as conn:
            conn.execute("PRAGMA journal_mode = WAL")  # the writer and Nectar's polling reads do not block
            for i in range(self.sizes["lite"]):
                conn.execute(f"CREATE TABLE lite_{i} {ROW_DDL}")
        os.chmod(tmp.name, 0o777)
        os.chmod(self.lite_path, 0o666)
        os.environ.setdefault("NECTAR_LOG_LEVEL", "warn")
        self.nectar = harness.Nectar(self.binary, ["--service", f"pg={self.pg.service_url()}",
                                                   "--service", f"my={self.maria.url}",
                                                   "--service", f"lite=sqlite://{self.lite_path}"], name="rtbench")
        self.nectar.start()
        self.cleanup.append(self.nectar.cleanup)
        for service, prefix in (("pg", "ev"), ("my", "my"), ("lite", "lite")):
            tables = [f"{prefix}_{i}" for i in range(self.sizes[prefix])]
            r = requests.post(f"http://127.0.0.1:{self.nectar.http_port}/api/v2/{service}/_expose",
                              json={"tables": tables}, timeout=60)
            if r.status_code != 200:
                raise BenchError(f"_expose on {service}: {r.status_code} {r.text[:300]}")

    def stop(self):
        code = self.nectar.stop() if self.nectar is not None else 0
        for step in reversed(self.cleanup):
            step()
        return code

    def table(self, prefix):
        """A fresh table of the pool: ev (PostgreSQL), nt (PostgreSQL with the notify trigger),
        my (MariaDB), lite (SQLite)."""
        i = self.next[prefix]
        if i >= self.sizes[prefix]:
            raise BenchError(f"out of {prefix}_ tables ({self.sizes[prefix]}): the pool is sized from the flags")
        self.next[prefix] = i + 1
        return f"{prefix}_{i}"

    # ---- who writes and who listens ----

    def pg_params(self, db=harness.APP_DB):
        return {"host": "127.0.0.1", "port": self.pg.port, "user": harness.APP_USER,
                "password": harness.APP_PASSWORD, "dbname": db}

    def writer(self, service, table):
        if service == "pg":
            db = PEER_DB if table.startswith("nt_") else harness.APP_DB
            return {"kind": "pg", "params": self.pg_params(db), "table": table}
        if service == "lite":
            return {"kind": "sqlite", "path": str(self.lite_path), "table": table}
        client = self.maria._client(["--unbuffered", "--skip-column-names"], self.maria.db)
        return {"kind": "maria", "client": client, "table": table}

    def ws(self, service, table, mode, poll_ms=None):
        frame = {"type": "subscribe", "id": "b", "service": service, "table": table, "events": ["INSERT"],
                 "mode": mode}
        if poll_ms is not None:
            frame["pollInterval"] = poll_ms
        return ("ws", {"host": "127.0.0.1", "port": self.nectar.http_port, "frame": frame})

    def nectar_listen(self, service, table):
        params = self.pg_params() | {"port": self.nectar.port, "dbname": service}
        return ("listen", {"params": params, "channel": f"{service}.{table}"})

    def pg_listen(self, table):
        return ("listen", {"params": self.pg_params(PEER_DB), "channel": table})


def _spawn(target, args):
    parent, child = MP.Pipe()
    proc = MP.Process(target=target, args=(child, *args), daemon=True)
    proc.start()
    child.close()
    return proc, parent


def _recv(pipe, proc, timeout, what):
    if not pipe.poll(timeout):
        raise BenchError(f"{what}: no answer within {timeout:.0f} s (process alive: {proc.is_alive()})")
    msg = pipe.recv()
    if msg[0] == "error":
        raise BenchError(f"{what}: {msg[1]}")
    return msg


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def measure(env, writer, subscriber, subscribers=1, procs=1, rate=1000, duration=10, drain=10, writers=None):
    """One run: `subscribers` connections of kind `subscriber` over `procs` processes, a table
    written at `rate` rows/s for `duration` s by `writers` processes. Latency = frame (or
    notification) arrival minus the moment the writer's autocommitted INSERT returned."""
    kind, spec = subscriber
    main = clients.ws_subscriber_main if kind == "ws" else clients.listen_subscriber_main
    procs = max(1, min(procs, subscribers))
    subs, writer_procs = [], []
    try:
        for p in range(procs):
            share = subscribers // procs + (1 if p < subscribers % procs else 0)
            subs.append(_spawn(main, (spec | {"count": share},)))
        opened = time.monotonic()
        ready = [_recv(pipe, proc, 180, f"{kind} subscribers")[1] for proc, pipe in subs]
        connect_s = time.monotonic() - opened
        count = int(rate * duration)
        writers = writers or max(1, min(4, -(-rate // 1500)))
        nectar_pid = env.nectar.proc.pid
        cpu0, wall0 = cpu_seconds(nectar_pid), time.monotonic()
        client0 = sum(cpu_seconds(proc.pid) for proc, _ in subs)
        start_at = time.monotonic() + 0.3
        writer_procs = [_spawn(clients.writer_main, (writer, k, writers, count, 1, rate, start_at))
                        for k in range(writers)]
        ids, times, sent = array.array("q"), array.array("d"), array.array("d")
        for proc, pipe in writer_procs:
            msg = _recv(pipe, proc, duration * 3 + 60, f"{writer['kind']} writer")
            ids.frombytes(msg[1])
            times.frombytes(msg[2])
            sent.frombytes(msg[3])
            proc.join(10)
        finish = ("finish", len(ids), drain, ids.tobytes(), times.tobytes(), 1 + int(count * 0.75))
        for proc, pipe in subs:
            pipe.send(finish)
        results = [_recv(pipe, proc, drain + 120, f"{kind} subscribers")[1] for proc, pipe in subs]
        cpu1, wall1 = cpu_seconds(nectar_pid), time.monotonic()
        client1 = sum(r["cpu"] for r in results)  # each reports its own, just before it exits
        status = proc_status(nectar_pid)
    finally:
        for proc, pipe in subs + writer_procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
    env.nectar.proc.poll()
    if not env.nectar.alive():
        raise BenchError(f"nectar exited ({env.nectar.proc.returncode}):\n{env.nectar.stderr_tail()}")
    lat, late, counts = array.array("d"), array.array("d"), []
    errors, error_count, dups, other = [], 0, 0, 0
    for r in results:
        lat.frombytes(r["lat"])
        late.frombytes(r["late"])
        counts += r["counts"]
        errors += r["errors"]
        error_count += r["error_count"]
        dups += r["dups"]
        other += r["other"]
    lat = sorted(lat)
    late = sorted(late)
    commit_rtt = sorted((t - s) * 1000 for t, s in zip(times, sent))  # the writer's INSERT → COMMIT return
    span = max(times) - min(times) if len(times) > 1 else 0.0  # first to last COMMIT return
    return {
        "events": len(ids), "achieved": (len(ids) - 1) / span if span > 0 else 0.0,
        "lag_ms": max((t - (start_at + (i - 1) / rate)) * 1000 for i, t in zip(ids, times)) if ids else 0.0,
        "subscribers": len(counts), "min_count": min(counts), "max_count": max(counts), "dups": dups, "other": other,
        "errors": errors, "error_count": error_count, "connect_s": connect_s, "mode": ready[0].get("mode"),
        "p50": percentile(lat, 0.50), "p95": percentile(lat, 0.95), "p99": percentile(lat, 0.99),
        "max": lat[-1] if lat else float("nan"), "late_p50": percentile(late, 0.5),
        "cores": (cpu1 - cpu0) / (wall1 - wall0), "client_cores": (client1 - client0) / (wall1 - wall0),
        "us_per_delivery": (cpu1 - cpu0) * 1e6 / max(1, len(lat)), "load": os.getloadavg()[0],
        "rss_kib": status.get("VmRSS", 0),
        "hwm_kib": status.get("VmHWM", 0), "samples": len(lat),
        "commit_p50": percentile(commit_rtt, 0.5), "commit_p99": percentile(commit_rtt, 0.99),
    }


def med(runs, key):
    return statistics.median(r[key] for r in runs)


def fd_limit(pid):
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return line.split()[3]
    return "?"
