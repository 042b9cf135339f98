"""Realtime (issue 5, SPEC §6) end to end: WebSocket clients subscribe to tables of a
PostgreSQL service (native capture: logical replication, wal_level=logical), and of SQLite,
MariaDB and PostgreSQL services in polling mode; every change is written straight into the
backend and the frames are compared with what the backend holds. Also: filters, old/new rows,
resumeFrom after a disconnect, resync, a slow consumer closed with 4008, a PostgreSQL restart
mid-stream without lost events, a server without wal_level=logical, auth and bad frames.
Every test writes right after `subscribed`: from that frame on, no committed change is missed."""

import asyncio
import json
import os
import pathlib
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal

import pytest
import requests
import websockets
import websockets.client
import websockets.exceptions

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import harness  # noqa: E402
from mariadb_server import MariaServer  # noqa: E402
from realtime_client import Realtime  # noqa: E402

NECTAR_BIN = pathlib.Path(os.environ.get("NECTAR_BIN", harness.DEFAULT_NECTAR_BIN))
API_KEY = "realtime-e2e-key"
ADMIN_KEY = "realtime-e2e-admin"
PG_TABLES = ["items", "filtered", "resumed", "away", "overflow", "restarted", "big", "polled", "idle", "shared"]
PG_DDL = ";".join(
    f"CREATE TABLE {t} (id int PRIMARY KEY, name text, status text, price numeric(8,2), meta jsonb)"
    for t in PG_TABLES) + "; ALTER TABLE filtered REPLICA IDENTITY FULL; CREATE TABLE hidden (id int PRIMARY KEY)"
MY_DDL = "CREATE TABLE polled (id int PRIMARY KEY, name varchar(40), status varchar(20), price decimal(8,2))"
LITE_DDL = "CREATE TABLE polled (id INTEGER PRIMARY KEY, name TEXT, status TEXT, price NUMERIC(8,2))"


class Env:
    pass


@pytest.fixture(scope="module")
def env():
    if not NECTAR_BIN.exists():
        pytest.skip(f"nectar binary not found at {NECTAR_BIN}")
    cleanup = []
    e = Env()
    try:
        e.pg = harness.PgServer(name="rt-pg")
        cleanup.append(e.pg.cleanup)
        e.pg.start_fresh()
        e.pg.enable_logical_replication()
        e.pg.create_app(replication=True, sql=PG_DDL)
        # A second server left at wal_level=replica: native capture must say what to change.
        e.replica = harness.PgServer(name="rt-pg-replica")
        cleanup.append(e.replica.cleanup)
        e.replica.start_fresh()
        e.replica.create_app(replication=True, sql="CREATE TABLE items (id int PRIMARY KEY)")
        e.maria = MariaServer()
        e.maria.start()
        cleanup.append(e.maria.stop)
        e.maria.execute(MY_DDL)
        tmp = tempfile.TemporaryDirectory(prefix="nectar-rt-lite-", dir="/tmp")
        cleanup.append(tmp.cleanup)
        e.lite_path = pathlib.Path(tmp.name) / "lite.db"
        with sqlite3.connect(e.lite_path) as conn:
            conn.execute(LITE_DDL)
        os.chmod(tmp.name, 0o777)
        args = ["--service", f"pg={e.pg.service_url()}", "--service", f"pgr={e.replica.service_url()}",
                "--service", f"my={e.maria.url}", "--service", f"lite=sqlite://{e.lite_path}",
                "--api-key", API_KEY, "--api-key", f"{ADMIN_KEY}:admin"]
        e.nectar = harness.Nectar(NECTAR_BIN, args, name="rt-nectar")
        e.nectar.start()
        cleanup.append(e.nectar.cleanup)
        base = f"http://127.0.0.1:{e.nectar.http_port}/api/v2"
        for service, tables in (("pg", PG_TABLES), ("pgr", ["items"]), ("my", ["polled"]), ("lite", ["polled"])):
            r = requests.post(f"{base}/{service}/_expose", json={"tables": tables}, headers={"X-API-Key": ADMIN_KEY},
                              timeout=30)
            assert r.status_code == 200, r.text
        e.base = base
        yield e
        e.nectar.stop_cleanly()
    finally:
        for step in reversed(cleanup):
            step()


def pg_exec(env, sql, params=None):
    return env.pg.app_query(sql, params)


OPEN_CLIENTS = []


def run(coro):
    """Runs a scenario, then closes every client it opened (so its subscriptions end now)."""
    async def scenario():
        try:
            return await asyncio.wait_for(coro, 120)
        finally:
            while OPEN_CLIENTS:
                await OPEN_CLIENTS.pop().ws.close()
    return asyncio.run(scenario())


async def connect(env, **kw):
    client = await Realtime.connect(env.nectar.http_port, API_KEY, **kw)
    OPEN_CLIENTS.append(client)
    return client


def db_row(env, table, id_):
    rows = pg_exec(env, f"SELECT id, name, status, price, meta FROM {table} WHERE id = %s", (id_,))
    return rows[0] if rows else None


def assert_same_row(frame_row, db):
    """A frame's row against the backend's: numeric as its exact value, jsonb as JSON."""
    assert frame_row["id"] == db[0]
    assert frame_row["name"] == db[1]
    assert frame_row["status"] == db[2]
    assert (None if frame_row["price"] is None else Decimal(str(frame_row["price"]))) == db[3]
    assert frame_row["meta"] == db[4]


# --- the endpoint itself ---

def test_upgrade_needs_auth_and_a_websocket(env):
    url = f"{env.base}/realtime"
    r = requests.get(url, timeout=10)
    assert r.status_code == 401, r.text
    r = requests.get(url, headers={"X-API-Key": API_KEY}, timeout=10)
    assert r.status_code == 426
    assert "WebSocket" in r.json()["error"]["message"]

    async def unauthenticated():
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as refused:
            await Realtime.connect(env.nectar.http_port, "wrong-key")
        assert refused.value.status_code in (401, 403)
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as refused:
            await Realtime.connect(env.nectar.http_port, path="/api/v2/realtime?apikey=wrong-key")
        assert refused.value.status_code == 401
    run(unauthenticated())

    # A browser's WebSocket sends no headers: the key may come in the upgrade's query instead.
    async def key_in_query():
        rt = Realtime(await websockets.client.connect(
            f"ws://127.0.0.1:{env.nectar.http_port}/api/v2/realtime?apikey={API_KEY}", open_timeout=10))
        OPEN_CLIENTS.append(rt)
        await rt.send({"type": "ping"})
        await rt.expect("pong")
    run(key_in_query())
    # Only there: an ordinary REST URL with the key in its query is refused.
    r = requests.get(f"{env.base}/pg/_table/items?apikey={API_KEY}", timeout=10)
    assert r.status_code == 401, r.text
    r = requests.get(f"{url}?apikey={API_KEY}&access_token=x", headers={"Connection": "Upgrade",
                                                                       "Upgrade": "websocket"}, timeout=10)
    assert r.status_code == 400 and "not both" in r.json()["error"]["message"]


def test_bad_frames_get_error_frames_and_the_connection_stays_usable(env):
    async def scenario():
        rt = await connect(env)
        cases = [
            ("not json", None, "22P02", "not valid JSON"),
            ('{"type":"hello"}', None, "42601", "unknown frame type"),
            ('{"type":"subscribe","id":"a","service":"pg"}', "a", "42601", '"table"'),
            ({"type": "subscribe", "id": "b", "service": "nope", "table": "items"}, "b", "3D000", "service \"nope\""),
            ({"type": "subscribe", "id": "c", "service": "pg", "table": "hidden"}, "c", "42P01", "is not exposed"),
            ({"type": "subscribe", "id": "d", "service": "pg", "table": "items", "filter": {"nope": 1}}, "d", "42703",
             "nope"),
            ({"type": "subscribe", "id": "e", "service": "pg", "table": "items", "filter": {"id": {"$gt": "x"}}}, "e",
             "22P02", "integer"),
            ({"type": "subscribe", "id": "f", "service": "lite", "table": "polled", "mode": "trigger"}, "f", "0A000",
             "mode\":\"poll"),
            ({"type": "subscribe", "id": "g", "service": "pg", "table": "items", "events": ["TRUNCATE"]}, "g",
             "22023", "TRUNCATE"),
            ({"type": "unsubscribe", "id": "zz"}, "zz", "42704", "no subscription"),
        ]
        for frame, sub_id, sqlstate, text in cases:
            await rt.send(frame)
            got = await rt.expect("error")
            assert got.get("id") == sub_id, got
            assert got["error"]["sqlstate"] == sqlstate, got
            assert text in got["error"]["message"], got
        await rt.subscribe(id="ok", service="lite", table="polled", mode="poll", pollInterval=1000)
        await rt.send({"type": "subscribe", "id": "ok", "service": "lite", "table": "polled", "mode": "poll"})
        dup = await rt.recv()
        while dup["type"] == "snapshot":
            dup = await rt.recv()
        assert dup["type"] == "error" and dup["error"]["sqlstate"] == "42710", dup
        await rt.send({"type": "unsubscribe", "id": "ok"})
        frame = await rt.recv()
        while frame["type"] == "snapshot":
            frame = await rt.recv()
        assert frame == {"type": "unsubscribed", "id": "ok"}
        await rt.send({"type": "ping"})
        assert await rt.expect("pong") == {"type": "pong"}
        await asyncio.wait_for(await rt.ws.ping(), 5)  # a WebSocket ping control frame gets its pong
        # A frame past the 64 KiB limit closes with 1009; a binary frame with 1008.
        await rt.send(json.dumps({"type": "ping", "pad": "x" * 70000}))
        with pytest.raises(websockets.exceptions.ConnectionClosed):
            await rt.recv()
        assert rt.ws.close_code == 1009
        rt = await connect(env)
        await rt.ws.send(b"\x00\x01")
        with pytest.raises(websockets.exceptions.ConnectionClosed):
            await rt.recv()
        assert rt.ws.close_code == 1008
        rt = await connect(env)
        await rt.ws.close()
        assert rt.ws.close_code == 1000
    run(scenario())
    assert env.nectar.alive()


# --- PostgreSQL native capture ---

def test_pg_native_insert_update_delete_with_old_and_new_rows(env):
    async def scenario():
        rt = await connect(env)
        sub = await rt.subscribe(id="s1", service="pg", table="items", mode="trigger")
        assert sub["mode"] == "trigger" and isinstance(sub["seq"], int)
        pg_exec(env, "INSERT INTO items VALUES (1, 'Ann', 'active', 12.50, '{\"tags\": [\"a\"], \"n\": 1}')")
        pg_exec(env, "INSERT INTO items VALUES (2, 'Bob ✓', NULL, NULL, NULL)")
        pg_exec(env, "UPDATE items SET status = 'gone', price = price * 2 WHERE id = 1")
        pg_exec(env, "DELETE FROM items WHERE id = 2")
        got = await rt.changes(4)
        assert [f["event"] for f in got] == ["INSERT", "INSERT", "UPDATE", "DELETE"]
        seqs = [f["seq"] for f in got]
        assert seqs == sorted(seqs) and len(set(seqs)) == 4
        assert got[0]["old"] is None
        assert_same_row(got[1]["new"], (2, "Bob ✓", None, None, None))
        assert_same_row(got[2]["new"], db_row(env, "items", 1))
        assert got[2]["new"]["price"] == 25.0
        assert got[2]["old"] == {"id": 1, "name": None, "status": None, "price": None, "meta": None}  # key only
        assert got[3]["new"] is None
        assert got[3]["old"]["id"] == 2
        assert got[0]["commitTime"].endswith("+00:00")
        assert got[0]["position"].count("/") == 1
        assert await rt.quiet(0.5) == []
        await rt.close()
    run(scenario())


def test_pg_filters_and_event_kinds_per_subscription(env):
    async def scenario():
        rt = await connect(env)
        await rt.subscribe(id="active", service="pg", table="filtered", filter={"status": "active"})
        await rt.subscribe(id="deletes", service="pg", table="filtered", events=["DELETE"],
                           filter={"price": {"$gte": 10}})
        pg_exec(env, "INSERT INTO filtered VALUES (1, 'a', 'active', 5), (2, 'b', 'inactive', 50), "
                     "(3, 'c', 'active', 20)")
        pg_exec(env, "UPDATE filtered SET status = 'active' WHERE id = 2")
        pg_exec(env, "DELETE FROM filtered WHERE id IN (1, 3)")
        got = await rt.changes(6)
        active = [(f["event"], (f["new"] or f["old"])["id"]) for f in got if f["id"] == "active"]
        deletes = [(f["event"], f["old"]["id"]) for f in got if f["id"] == "deletes"]
        assert active == [("INSERT", 1), ("INSERT", 3), ("UPDATE", 2), ("DELETE", 1), ("DELETE", 3)]
        assert deletes == [("DELETE", 3)]
        # REPLICA IDENTITY FULL: the whole old row.
        update = next(f for f in got if f["event"] == "UPDATE")
        assert update["old"]["status"] == "inactive" and update["new"]["status"] == "active"
        assert await rt.quiet(0.5) == []
    run(scenario())


def test_many_subscribers_each_get_every_event_in_order(env):
    async def scenario():
        clients = [await connect(env) for _ in range(60)]
        for n, rt in enumerate(clients):
            await rt.subscribe(id=f"c{n}", service="pg", table="shared")
        pg_exec(env, "INSERT INTO shared (id) SELECT g FROM generate_series(1, 25) g")
        pg_exec(env, "UPDATE shared SET name = 'x' WHERE id <= 5")
        results = await asyncio.gather(*(rt.changes(30) for rt in clients))
        seqs = [f["seq"] for f in results[0]]
        for got in results:
            assert [f["seq"] for f in got] == seqs  # the same numbering for every subscriber
            assert [(f["event"], f["new"]["id"]) for f in got] == \
                [("INSERT", i) for i in range(1, 26)] + [("UPDATE", i) for i in range(1, 6)]
    run(scenario())


def test_resume_from_delivers_missed_events_once_in_order_then_resync(env):
    async def scenario():
        rt = await connect(env)
        await rt.subscribe(id="r", service="pg", table="resumed")
        pg_exec(env, "INSERT INTO resumed (id, name) VALUES (1, 'before')")
        seen = (await rt.changes(1))[0]["seq"]
        await rt.close()
        for i in range(2, 7):
            pg_exec(env, "INSERT INTO resumed (id, name) VALUES (%s, 'missed')", (i,))
        pg_exec(env, "UPDATE resumed SET name = 'changed' WHERE id = 3")
        await asyncio.sleep(1.0)  # the changes reach the hub while no one listens

        rt = await connect(env)
        sub = await rt.subscribe(id="r", service="pg", table="resumed", resumeFrom=seen)
        missed = await rt.changes(6)
        assert [(f["event"], f["new"]["id"]) for f in missed] == [("INSERT", i) for i in range(2, 7)] + [("UPDATE", 3)]
        assert [f["seq"] for f in missed] == list(range(seen + 1, seen + 7))
        assert sub["seq"] == seen + 6
        pg_exec(env, "INSERT INTO resumed (id, name) VALUES (7, 'live')")
        live = await rt.changes(1)
        assert live[0]["seq"] == seen + 7 and live[0]["new"]["id"] == 7
        assert await rt.quiet(0.5) == []

        # A point this feed never held: resync, then live changes continue.
        await rt.send({"type": "subscribe", "id": "old", "service": "pg", "table": "resumed", "resumeFrom": 12345})
        assert (await rt.expect("subscribed"))["seq"] == seen + 7
        resync = await rt.expect("resync")
        assert resync["id"] == "old" and resync["resumeFrom"] == 12345 and resync["seq"] == seen + 7
    run(scenario())


def test_a_ten_second_disconnect_resumes_every_missed_change_once_in_order(env):
    """Issue 5's acceptance as written: the client is away 10 s while the table keeps changing
    (its feed, left without subscribers, keeps capturing for its linger time)."""
    async def scenario():
        rt = await connect(env)
        await rt.subscribe(id="a", service="pg", table="away")
        pg_exec(env, "INSERT INTO away (id, name) VALUES (0, 'before')")
        seen = (await rt.changes(1))[0]["seq"]
        await rt.close()
        left = time.monotonic()
        expected = []
        for i in range(1, 21):  # a change every half second while the client is away
            pg_exec(env, "INSERT INTO away (id, name) VALUES (%s, 'while away')", (i,))
            expected.append(("INSERT", i))
            if i % 5 == 0:
                pg_exec(env, "UPDATE away SET name = 'updated' WHERE id = %s", (i - 1,))
                expected.append(("UPDATE", i - 1))
            if i == 10:
                pg_exec(env, "DELETE FROM away WHERE id = 1")
                expected.append(("DELETE", 1))
            await asyncio.sleep(0.5)
        # Away at least 10 s, the last change well before the client is back.
        await asyncio.sleep(max(1.0, 10.0 - (time.monotonic() - left)))
        rt = await connect(env)
        sub = await rt.subscribe(id="a", service="pg", table="away", resumeFrom=seen)
        missed = await rt.changes(len(expected))
        assert [(f["event"], (f["new"] or f["old"])["id"]) for f in missed] == expected
        assert [f["seq"] for f in missed] == list(range(seen + 1, seen + 1 + len(expected)))
        assert sub["seq"] == seen + len(expected)
        assert await rt.quiet(0.5) == []  # each once
        pg_exec(env, "INSERT INTO away (id, name) VALUES (100, 'back')")
        assert (await rt.changes(1))[0]["seq"] == seen + len(expected) + 1
    run(scenario())


def test_resync_when_the_buffer_no_longer_holds_the_point(env):
    async def scenario():
        rt = await connect(env)
        await rt.subscribe(id="o", service="pg", table="overflow")
        pg_exec(env, "INSERT INTO overflow (id) VALUES (0)")
        seen = (await rt.changes(1))[0]["seq"]
        await rt.close()
        watcher = await connect(env)
        await watcher.subscribe(id="last", service="pg", table="overflow", filter={"id": 10100})
        pg_exec(env, "INSERT INTO overflow (id) SELECT g FROM generate_series(1, 10100) g")  # > 10000 held
        assert (await watcher.changes(1, timeout=60))[0]["new"]["id"] == 10100
        rt = await connect(env)
        await rt.send({"type": "subscribe", "id": "o", "service": "pg", "table": "overflow", "resumeFrom": seen})
        sub = await rt.expect("subscribed")
        resync = await rt.expect("resync")
        assert resync["resumeFrom"] == seen and resync["seq"] == sub["seq"] == seen + 10100
        # Resuming from a point still held works.
        await rt.send({"type": "subscribe", "id": "o2", "service": "pg", "table": "overflow",
                       "resumeFrom": sub["seq"] - 3})
        await rt.expect("subscribed")
        tail = await rt.changes(3)
        assert [f["new"]["id"] for f in tail] == [10098, 10099, 10100]
    run(scenario())


def test_slow_consumer_is_closed_with_4008_then_resumes_everything(env):
    async def scenario():
        # max_queue=1 and a small read limit: the client stops reading, TCP pushes back.
        rt = await connect(env, max_queue=1, read_limit=2 ** 16, max_size=2 ** 21)
        first = (await rt.subscribe(id="b", service="pg", table="big"))["seq"]
        payload = "x" * 300_000
        for start in range(1, 101, 10):
            pg_exec(env, "INSERT INTO big (id, name) SELECT g, %s FROM generate_series(%s, %s) g",
                    (payload, start, start + 9))
        await asyncio.sleep(3)
        received = []
        with pytest.raises(websockets.exceptions.ConnectionClosed):
            while True:
                received.append(await rt.recv(20))
        assert rt.ws.close_code == 4008, (rt.ws.close_code, rt.ws.close_reason)
        assert "slow consumer" in rt.ws.close_reason
        assert len(received) < 100  # frames were not all delivered: the client was closed instead
        seen = received[-1]["seq"] if received else first
        # Coming back with resumeFrom: the ~30 MB of missed changes, more than the 8 MiB queue,
        # are framed as the client reads them, so the resume itself is not closed with 4008.
        rt = await connect(env, max_size=2 ** 21)
        await rt.subscribe(id="b", service="pg", table="big", resumeFrom=seen)
        missed = await rt.changes(100 - len(received), timeout=60)
        assert [f["new"]["id"] for f in received + missed] == list(range(1, 101))
        assert [f["seq"] for f in missed] == list(range(seen + 1, first + 101))
        assert all(f["new"]["name"] == payload for f in missed)
        assert await rt.quiet(0.5) == []
    run(scenario())


def test_pg_restart_mid_stream_loses_nothing(env):
    async def scenario():
        rt = await connect(env)
        await rt.subscribe(id="x", service="pg", table="restarted")
        for i in range(1, 21):
            pg_exec(env, "INSERT INTO restarted (id) VALUES (%s)", (i,))
        env.pg.restart()
        # Written while Nectar's stream is down or reconnecting.
        for i in range(21, 41):
            pg_exec(env, "INSERT INTO restarted (id) VALUES (%s)", (i,))
        got = await rt.changes(40, timeout=60)
        seqs = [f["seq"] for f in got]
        assert len(set(seqs)) == len(seqs), "a duplicate (same seq twice)"
        assert seqs == sorted(seqs)
        assert [f["new"]["id"] for f in got] == list(range(1, 41))
        assert [f for f in await rt.quiet(1.0) if f["type"] == "change"] == []
    run(scenario())
    log = env.nectar.stderr_text()
    assert "interrupted" in log and "streaming service \"pg\"" in log


def test_pg_capture_stopped_for_lack_of_subscribers_does_not_replay_the_gap(env):
    """Once every subscriber has left and the 30 s linger passed, the stream stops (the slot
    stays); changes committed then are nobody's, and a later subscriber starts from now."""
    async def scenario():
        # Every other native subscription of the service must be gone too: the stream is per service.
        rt = await connect(env)
        await rt.subscribe(id="i", service="pg", table="idle")
        pg_exec(env, "INSERT INTO idle (id) VALUES (1)")
        assert (await rt.changes(1))[0]["new"]["id"] == 1
        stops = env.nectar.stderr_text().count('stopped streaming service "pg"')
        await rt.close()
        deadline = time.monotonic() + 60
        while env.nectar.stderr_text().count('stopped streaming service "pg"') == stops:
            assert time.monotonic() < deadline, env.nectar.stderr_tail()
            await asyncio.sleep(0.5)
        pg_exec(env, "INSERT INTO idle (id) VALUES (2)")
        rt = await connect(env)
        await rt.subscribe(id="i", service="pg", table="idle")
        pg_exec(env, "INSERT INTO idle (id) VALUES (3)")
        got = await rt.changes(1)
        assert got[0]["new"]["id"] == 3, env.nectar.stderr_tail(30)
        assert [f for f in await rt.quiet(1.0) if f["type"] == "change"] == []
    run(scenario())


def test_pg_without_wal_level_logical_says_what_to_set(env):
    async def scenario():
        rt = await connect(env)
        # No `subscribed`: the capture is not running; the error says why.
        await rt.send({"type": "subscribe", "id": "w", "service": "pgr", "table": "items", "mode": "trigger"})
        frame = await rt.expect("error", timeout=15)
        assert frame["id"] == "w" and frame["error"]["sqlstate"] == "55000"
        assert "wal_level=logical" in frame["error"]["message"]
        assert "\"replica\"" in frame["error"]["message"]
        # The same table in polling mode works.
        await rt.subscribe(id="p", service="pgr", table="items", mode="poll", pollInterval=200)
        assert (await rt.expect("snapshot"))["data"] == []
    run(scenario())


# --- polling mode ---

def lite_exec(env, sql, params=()):
    with sqlite3.connect(env.lite_path) as conn:
        conn.execute(sql, params)


POLL_WRITERS = {
    "lite": lambda env, sql: lite_exec(env, sql),
    "my": lambda env, sql: env.maria.execute(sql),
    "pg": lambda env, sql: pg_exec(env, sql),
}


@pytest.mark.parametrize("service", ["lite", "my", "pg"])
def test_polling_mode(env, service):
    write = POLL_WRITERS[service]

    async def scenario():
        rt = await connect(env)
        sub = await rt.subscribe(id="p", service=service, table="polled", mode="poll", pollInterval=200,
                                 filter={"status": {"$ne": "hidden"}})
        assert sub["mode"] == "poll" and sub["pollInterval"] == 200
        assert (await rt.expect("snapshot"))["data"] == []
        # A second subscriber on another connection shares the feed (one query per interval).
        other = await connect(env)
        await other.subscribe(id="q", service=service, table="polled", mode="poll", pollInterval=200)
        assert (await other.expect("snapshot"))["data"] == []

        write(env, "INSERT INTO polled (id, name, status, price) VALUES (1, 'one', 'new', 1.50)")
        insert = (await rt.changes(1))[0]
        assert insert["event"] == "INSERT" and insert["old"] is None
        new = {k: v for k, v in insert["new"].items() if k != "meta"}  # pg's table has a jsonb column more
        assert new == {"id": 1, "name": "one", "status": "new", "price": 1.5}
        snapshot = await rt.expect("snapshot")
        assert snapshot["data"] == [insert["new"]]

        write(env, "UPDATE polled SET status = 'paid', price = 2.25 WHERE id = 1")
        update = (await rt.changes(1))[0]
        assert update["event"] == "UPDATE"
        assert update["old"]["status"] == "new" and update["new"]["status"] == "paid"
        assert update["seq"] == insert["seq"] + 1
        await rt.expect("snapshot")

        write(env, "INSERT INTO polled (id, name, status) VALUES (2, 'two', 'hidden')")  # filtered out
        write(env, "DELETE FROM polled WHERE id = 1")
        delete = (await rt.changes(1))[0]
        assert delete["event"] == "DELETE" and delete["new"] is None and delete["old"]["id"] == 1
        # The other subscriber (no filter) saw every change.
        seen = await other.changes(4)
        assert sorted(f["event"] for f in seen) == ["DELETE", "INSERT", "INSERT", "UPDATE"]
        write(env, "DELETE FROM polled")
        await other.changes(1)
    run(scenario())


def test_a_service_registered_at_runtime_polls_by_default(env):
    """Native capture is set up for the configuration's services; a service added through
    /api/v2/services (here: the same PostgreSQL under another name) polls instead of failing."""
    headers = {"X-API-Key": ADMIN_KEY}
    r = requests.post(f"{env.base}/services", headers=headers, timeout=30,
                      json={"name": "later", "databaseType": "postgresql", "connectionString": env.pg.service_url()})
    assert r.status_code == 201, r.text
    r = requests.post(f"{env.base}/later/_expose", json={"tables": ["shared"]}, headers=headers, timeout=30)
    assert r.status_code == 200, r.text

    async def scenario():
        rt = await connect(env)
        sub = await rt.subscribe(id="l", service="later", table="shared", pollInterval=200)
        assert sub["mode"] == "poll"
        pg_exec(env, "INSERT INTO shared (id, name) VALUES (501, 'registered later')")
        change = (await rt.changes(1))[0]
        assert change["event"] == "INSERT" and change["new"]["name"] == "registered later"
        # Asking for native capture there says what to do instead.
        await rt.send({"type": "subscribe", "id": "n", "service": "later", "table": "shared", "mode": "trigger"})
        error = await rt.recv()
        while error["type"] == "snapshot":  # the polling subscription's, meanwhile
            error = await rt.recv()
        assert error["type"] == "error" and error["id"] == "n", error
        assert error["error"]["sqlstate"] == "0A000" and "poll" in error["error"]["message"]
    run(scenario())
