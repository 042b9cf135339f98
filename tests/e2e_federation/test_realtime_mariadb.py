"""MariaDB native change capture (issue 5, SPEC §6) end to end: WebSocket clients and pg-wire
LISTEN follow tables of a MariaDB service through its binlog (binlog_format=ROW,
binlog_row_metadata=FULL, read as a replica through Connector/C's replication API). Rows are
changed straight in MariaDB with its own client; each frame's rows are compared with what REST
reads for the same row (the MySQL connector) and with what MariaDB holds. Also: a transaction
arrives at its commit, in order, a rolled-back one never; a MariaDB restart mid-stream loses
nothing; a server without the binlog settings, or an account without the privileges, gets an
error naming each missing one, and LISTEN falls back to polling there."""

import asyncio
import json
import os
import pathlib
import subprocess
import sys
from decimal import Decimal

import pytest
import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import harness  # noqa: E402
from pgwire_listen import nectar_conn, wait_notifies  # noqa: E402
from mariadb_server import MariaServer  # noqa: E402
from realtime_client import Realtime  # noqa: E402

NECTAR_BIN = pathlib.Path(os.environ.get("NECTAR_BIN", harness.DEFAULT_NECTAR_BIN))
API_KEY = "realtime-mariadb-key"
TYPED_DDL = """CREATE TABLE typed (
    id int PRIMARY KEY, i int, mi mediumint, sb bigint, ub bigint unsigned, sm smallint unsigned,
    flag tinyint(1), yr year, dec1 decimal(20,6), dneg decimal(5,2), f float, f2 float(7,3), d double,
    vc varchar(50), ch char(5), tx text, js json, bl blob, bn varbinary(8), bt bit(10), b1 bit(1),
    en enum('red','green','blue'), st set('a','b','c'),
    dt date, dtm datetime(6), dt0 datetime, ts timestamp(3) NULL DEFAULT NULL, tm time(2))"""
SIMPLE = ["items", "txn", "restarted", "listened"]
MY_DDL = ";".join([TYPED_DDL] + [f"CREATE TABLE {t} (id int PRIMARY KEY, name varchar(40), price decimal(8,2))"
                                 for t in SIMPLE])
WEAK_USER, WEAK_PASSWORD = "weak", "weak-pw"


class Env:
    pass


@pytest.fixture(scope="module")
def env():
    if not NECTAR_BIN.exists():
        pytest.skip(f"nectar binary not found at {NECTAR_BIN}")
    cleanup = []
    e = Env()
    try:
        e.maria = MariaServer()
        e.maria.start()
        cleanup.append(e.maria.stop)
        e.maria.execute(MY_DDL)
        # An account that may read the tables but not the binlog.
        e.maria.execute(f"CREATE USER '{WEAK_USER}'@'%' IDENTIFIED BY '{WEAK_PASSWORD}';"
                        f"GRANT SELECT ON app.* TO '{WEAK_USER}'@'%'", db=None)
        # A second server with the binlog left off: native capture must say what to set.
        e.plain = MariaServer(binlog=False)
        e.plain.start()
        cleanup.append(e.plain.stop)
        e.plain.execute("CREATE TABLE items (id int PRIMARY KEY, name varchar(40))")
        weak_url = f"mysql://{WEAK_USER}:{WEAK_PASSWORD}@127.0.0.1:{e.maria.port}/app"
        args = ["--service", f"my={e.maria.url}", "--service", f"nobin={e.plain.url}",
                "--service", f"weak={weak_url}", "--api-key", f"{API_KEY}:admin"]
        e.nectar = harness.Nectar(NECTAR_BIN, args, name="rt-maria-nectar")
        e.nectar.start()
        cleanup.append(e.nectar.cleanup)
        e.base = f"http://127.0.0.1:{e.nectar.http_port}/api/v2"
        for service, tables in (("my", ["typed"] + SIMPLE), ("nobin", ["items"]), ("weak", ["items"])):
            r = requests.post(f"{e.base}/{service}/_expose", json={"tables": tables}, headers={"X-API-Key": API_KEY},
                              timeout=30)
            assert r.status_code == 200, r.text
        yield e
        e.nectar.stop_cleanly()
    finally:
        for step in reversed(cleanup):
            step()


OPEN_CLIENTS = []


def run(coro):
    """Runs a scenario, then closes every client it opened (so its subscriptions end now)."""
    async def scenario():
        try:
            return await asyncio.wait_for(coro, 150)
        finally:
            while OPEN_CLIENTS:
                await OPEN_CLIENTS.pop().ws.close()
    return asyncio.run(scenario())


async def connect(env):
    client = await Realtime.connect(env.nectar.http_port, API_KEY)
    OPEN_CLIENTS.append(client)
    return client


def rest_row(env, table, id_):
    """The row as REST reads it through the MySQL connector (None when absent)."""
    r = requests.get(f"{env.base}/my/_table/{table}/{id_}", headers={"X-API-Key": API_KEY}, timeout=30)
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return r.json()


class Session:
    """One interactive MariaDB client session (root over the unix socket): statements run as
    they are written, so a transaction can be left open."""

    def __init__(self, maria):
        self.proc = subprocess.Popen(["/usr/bin/mariadb", "--no-defaults", f"--socket={maria.socket}", "-u", "root",
                                      "--batch", "--skip-column-names", "--unbuffered", maria.db], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def send(self, sql):
        self.proc.stdin.write(sql.rstrip(";") + ";\n")
        self.proc.stdin.flush()

    def sync(self):
        """Waits until everything sent so far has run (the marker comes back)."""
        self.send("SELECT 'sync-marker'")
        while True:
            line = self.proc.stdout.readline()
            assert line, self.proc.stderr.read()
            if line.strip() == "sync-marker":
                return

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(30)
        assert self.proc.returncode == 0, self.proc.stderr.read()


# --- WebSocket, native mode ---

TYPED_FULL = ("INSERT INTO typed VALUES (1, -2147483648, -8388608, -9223372036854775808, 18446744073709551615, 65535, "
              "1, 2024, 12345678901234.123456, -0.5, 1.1, 1234.5678, 0.30000000000000004, "
              "'héllo ✓ 😀', 'ab', REPEAT('long text ', 40), '{\"a\": [1, 2.5, \"x\"], \"b\": null}', "
              "x'00ff10', x'0102', b'1010101010', b'1', 'green', 'a,c', "
              "'2024-02-29', '2024-01-02 03:04:05.123456', '1999-12-31 23:59:59', '2024-05-06 07:08:09.123', "
              "'12:34:56.78')")
TYPED_NULLS = "INSERT INTO typed (id) VALUES (2)"
TYPED_UPDATE = ("UPDATE typed SET vc = 'changed', f = 123456.789, d = 1e300, dec1 = -0.000001, en = 'blue', "
                "st = '', bt = b'0', tm = '00:00:00.01', ts = '1970-01-01 00:00:01', ub = 0 WHERE id = 1")


def test_insert_update_delete_values_equal_rest_and_mariadb(env):
    async def scenario():
        rt = await connect(env)
        sub = await rt.subscribe(id="t", service="my", table="typed", mode="trigger")
        assert sub["mode"] == "trigger" and isinstance(sub["seq"], int)
        env.maria.execute(TYPED_FULL)
        after_insert = rest_row(env, "typed", 1)
        env.maria.execute(TYPED_NULLS)
        nulls = rest_row(env, "typed", 2)
        env.maria.execute(TYPED_UPDATE)
        after_update = rest_row(env, "typed", 1)
        env.maria.execute("DELETE FROM typed WHERE id = 2")
        got = await rt.changes(4)
        assert [f["event"] for f in got] == ["INSERT", "INSERT", "UPDATE", "DELETE"]
        seqs = [f["seq"] for f in got]
        assert seqs == sorted(seqs) and len(set(seqs)) == 4
        # Every value exactly as REST (the MySQL connector) reads the same row.
        assert got[0]["new"] == after_insert and got[0]["old"] is None
        assert got[1]["new"] == nulls and all(v is None for k, v in nulls.items() if k != "id")
        assert got[2]["old"] == after_insert and got[2]["new"] == after_update
        assert got[3]["new"] is None and got[3]["old"] == nulls
        # And as MariaDB holds it.
        held = env.maria.query("SELECT ub, sb, dec1, vc, en, st, HEX(bt), dt, dtm, ts, tm, f2 FROM typed WHERE id = 1")[0]
        new = got[2]["new"]
        assert str(after_insert["ub"]) == "18446744073709551615" and str(after_insert["sb"]) == "-9223372036854775808"
        assert (str(new["ub"]), str(new["sb"]), Decimal(str(new["dec1"])), new["vc"], new["en"], new["st"]) == \
            (held[0], held[1], Decimal(held[2]), held[3], held[4], held[5])
        assert after_insert["vc"] == "héllo ✓ 😀" and after_insert["en"] == "green" and after_insert["st"] == "a,c"
        assert after_insert["flag"] is True and after_insert["yr"] == 2024 and after_insert["dneg"] == -0.5
        assert after_insert["js"] == {"a": [1, 2.5, "x"], "b": None}
        assert after_insert["dt"] == "2024-02-29" and new["dt"] == held[7]
        assert new["dtm"].startswith(held[8].replace(" ", "T")) and new["tm"].startswith(held[10][:8])
        assert new["ts"].startswith("1970-01-01T00:00:01")
        assert got[0]["position"].startswith("binlog.") and ":" in got[0]["position"]
        assert got[0]["commitTime"].endswith("+00:00")
        assert await rt.quiet(0.5) == []
    run(scenario())


def test_transaction_arrives_at_commit_in_order_and_a_rollback_never(env):
    async def scenario():
        rt = await connect(env)
        await rt.subscribe(id="x", service="my", table="txn", mode="trigger")
        other = await connect(env)
        await other.subscribe(id="i", service="my", table="items", mode="trigger")
        session = Session(env.maria)
        try:
            session.send("BEGIN")
            session.send("INSERT INTO txn VALUES (1, 'one', 1.00), (2, 'two', 2.00)")
            session.send("INSERT INTO items VALUES (100, 'same transaction', NULL)")
            session.send("UPDATE txn SET name = 'uno', price = 1.50 WHERE id = 1")
            session.send("DELETE FROM txn WHERE id = 2")
            session.sync()
            assert await rt.quiet(1.0) == []  # nothing before the commit
            session.send("COMMIT")
            got = await rt.changes(4)
            assert [(f["event"], (f["new"] or f["old"])["id"]) for f in got] == \
                [("INSERT", 1), ("INSERT", 2), ("UPDATE", 1), ("DELETE", 2)]
            assert got[2]["old"] == {"id": 1, "name": "one", "price": 1.0}
            assert got[2]["new"] == {"id": 1, "name": "uno", "price": 1.5} == rest_row(env, "txn", 1)
            assert len({f["position"] for f in got}) == 1 and len({f["commitTime"] for f in got}) == 1
            item = (await other.changes(1))[0]
            assert item["new"]["id"] == 100 and item["position"] == got[0]["position"]
            # A rolled-back transaction is never reported; the next one is.
            session.send("BEGIN")
            session.send("INSERT INTO txn VALUES (10, 'rolled back', NULL)")
            session.send("UPDATE txn SET name = 'rolled back' WHERE id = 1")
            session.send("ROLLBACK")
            session.send("INSERT INTO txn VALUES (11, 'kept', NULL)")
            session.sync()
        finally:
            session.close()
        after = await rt.changes(1)
        assert after[0]["event"] == "INSERT" and after[0]["new"]["id"] == 11
        assert await rt.quiet(1.0) == []
        assert await other.quiet(0.2) == []
    run(scenario())


def test_mariadb_restart_mid_stream_loses_nothing(env):
    async def scenario():
        rt = await connect(env)
        await rt.subscribe(id="r", service="my", table="restarted", mode="trigger")
        env.maria.execute(";".join(f"INSERT INTO restarted (id) VALUES ({i})" for i in range(1, 21)))
        env.maria.restart()
        # Written as soon as MariaDB is back, before or while Nectar reconnects (backoff).
        env.maria.execute(";".join(f"INSERT INTO restarted (id) VALUES ({i})" for i in range(21, 41)))
        got = await rt.changes(40, timeout=60)
        seqs = [f["seq"] for f in got]
        assert len(set(seqs)) == len(seqs), "a duplicate (same seq twice)"
        assert seqs == sorted(seqs)
        assert [f["new"]["id"] for f in got] == list(range(1, 41))
        assert [f for f in await rt.quiet(1.0) if f["type"] == "change"] == []
        # After the restart the stream moved on to the server's next binlog file.
        assert got[0]["position"].split(":")[0] != got[-1]["position"].split(":")[0]
    run(scenario())
    log = env.nectar.stderr_text()
    assert 'capture of service "my" interrupted' in log and 'streaming service "my" from binlog' in log


def test_server_without_binlog_names_each_missing_setting(env):
    async def scenario():
        rt = await connect(env)
        await rt.send({"type": "subscribe", "id": "n", "service": "nobin", "table": "items", "mode": "trigger"})
        frame = await rt.expect("error", timeout=15)
        assert frame["id"] == "n" and frame["error"]["sqlstate"] == "55000", frame
        message = frame["error"]["message"]
        for missing in ("log_bin=ON (it is OFF)", "binlog_format=ROW (it is MIXED)",
                        "binlog_row_metadata=FULL (it is NO_LOG)"):
            assert missing in message, message
        assert "binlog_row_image" not in message  # FULL by default: not missing
        # The same table in polling mode works.
        await rt.subscribe(id="p", service="nobin", table="items", mode="poll", pollInterval=200)
        assert (await rt.expect("snapshot"))["data"] == []
    run(scenario())


def test_account_without_privileges_names_them(env):
    async def scenario():
        rt = await connect(env)
        await rt.send({"type": "subscribe", "id": "w", "service": "weak", "table": "items", "mode": "trigger"})
        frame = await rt.expect("error", timeout=15)
        assert frame["error"]["sqlstate"] == "42501", frame
        message = frame["error"]["message"]
        assert "REPLICATION SLAVE privilege for weak@%" in message, message
        assert "BINLOG MONITOR privilege" in message, message
    run(scenario())


# --- pg-wire LISTEN ---





def test_listen_gets_binlog_changes(env):
    conn = nectar_conn(env.nectar, "my")
    try:
        conn.cursor().execute('LISTEN "my.listened"')
        env.maria.execute("INSERT INTO listened VALUES (7, 'seven', 7.25); UPDATE listened SET name = 'sept' "
                          "WHERE id = 7; DELETE FROM listened WHERE id = 7")
        got = wait_notifies(conn, 3)
        assert [n.channel for n in got] == ["my.listened"] * 3
        payloads = [json.loads(n.payload) for n in got]
        assert [p["event"] for p in payloads] == ["INSERT", "UPDATE", "DELETE"]
        assert payloads[0]["new"] == {"id": 7, "name": "seven", "price": 7.25} and payloads[0]["old"] is None
        assert payloads[1]["old"]["name"] == "seven" and payloads[1]["new"]["name"] == "sept"
        assert payloads[2]["new"] is None and payloads[2]["old"]["id"] == 7
    finally:
        conn.close()
    assert 'LISTEN "my.listened": native capture failed' not in env.nectar.stderr_text()


def test_listen_falls_back_to_polling_without_binlog(env):
    conn = nectar_conn(env.nectar, "nobin")
    try:
        conn.cursor().execute('LISTEN "nobin.items"')
        env.plain.execute("INSERT INTO items VALUES (5, 'polled')")
        got = wait_notifies(conn, 1, timeout=15)
        assert len(got) == 1 and json.loads(got[0].payload)["new"] == {"id": 5, "name": "polled"}
    finally:
        conn.close()
    assert 'LISTEN "nobin.items": native capture failed' in env.nectar.stderr_text()
