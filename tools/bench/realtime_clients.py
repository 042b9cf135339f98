"""The processes tools/bench/realtime drives: writers that commit rows at a fixed rate and note
when each COMMIT returned, and subscribers (WebSocket, or pg-wire LISTEN on Nectar or straight on
PostgreSQL) that note when each change arrived. All timestamps are time.monotonic(): Linux's
CLOCK_MONOTONIC, one clock for every process on the machine, so commit → frame is a plain
difference across processes.

Subscribers hold many connections per process (asyncio for WebSockets, select for libpq); the
WebSocket client here is a minimal RFC 6455 client (no extensions), because the `websockets`
package spends too much Python per frame to take 10,000 sockets × events/s on two cores."""

import array
import asyncio
import base64
import hashlib
import json
import os
import re
import select
import sqlite3
import subprocess
import time

import psycopg2

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# The row's id in a change frame (WebSocket) or a notification payload (Nectar's and the trigger's).
NEW_ID = re.compile(rb'"new"\s*:\s*\{\s*"id"\s*:\s*(\d+)')


def note_text(i):
    return f"event {i} " + "x" * 32


# ---- writers ----

def _pace(start_at, rate, index):
    delay = start_at + index / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _pg_writer(target, indexes, first_id, rate, start_at, ids, times, sent):
    conn = psycopg2.connect(**target["params"])
    conn.autocommit = True
    cur = conn.cursor()
    # The throwaway server runs with synchronous_commit=off, which hands WAL to walsenders only at
    # the WAL writer's next round (200 ms); applications commit synchronously.
    cur.execute("SET synchronous_commit = on")
    sql = f"INSERT INTO {target['table']} (id, note) VALUES (%s, %s)"
    for i in indexes:
        _pace(start_at, rate, i)
        sent.append(time.monotonic())
        cur.execute(sql, (first_id + i, note_text(first_id + i)))  # autocommit: returns after COMMIT
        times.append(time.monotonic())
        ids.append(first_id + i)
    conn.close()


def _sqlite_writer(target, indexes, first_id, rate, start_at, ids, times, sent):
    conn = sqlite3.connect(target["path"], isolation_level=None, timeout=10)
    conn.execute("PRAGMA synchronous = NORMAL")
    sql = f"INSERT INTO {target['table']} (id, note) VALUES (?, ?)"
    for i in indexes:
        _pace(start_at, rate, i)
        sent.append(time.monotonic())
        conn.execute(sql, (first_id + i, note_text(first_id + i)))
        times.append(time.monotonic())
        ids.append(first_id + i)
    conn.close()


def _maria_writer(target, indexes, first_id, rate, start_at, ids, times, sent):
    # No Python MariaDB driver on this machine: the mariadb client, unbuffered, answers a SELECT
    # after each autocommitted INSERT, so its line arrives once the COMMIT returned.
    proc = subprocess.Popen(target["client"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    try:
        for i in indexes:
            _pace(start_at, rate, i)
            n = first_id + i
            sent.append(time.monotonic())
            proc.stdin.write(f"INSERT INTO {target['table']} (id, note) VALUES ({n}, '{note_text(n)}'); SELECT {n};\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
            if line.strip() != str(n):
                raise RuntimeError(f"mariadb client answered {line!r} for row {n}")
            times.append(time.monotonic())
            ids.append(n)
    finally:
        proc.stdin.close()
        proc.wait(30)


WRITERS = {"pg": _pg_writer, "sqlite": _sqlite_writer, "maria": _maria_writer}


def writer_main(pipe, target, part, parts, count, first_id, rate, start_at):
    """Commits rows part, part+parts, ... of `count` at `rate` rows/s (all writers together), each
    at start_at + index/rate; sends back (ids, commit-return times, send times)."""
    ids, times, sent = array.array("q"), array.array("d"), array.array("d")
    try:
        WRITERS[target["kind"]](target, range(part, count, parts), first_id, rate, start_at, ids, times, sent)
        pipe.send(("ok", ids.tobytes(), times.tobytes(), sent.tobytes()))
    except Exception as e:  # noqa: BLE001 -- reported to the parent, which fails the run
        pipe.send(("error", f"{type(e).__name__}: {e}"))


# ---- subscribers ----

class Received:
    """What one subscriber connection got: ids and arrival times of its changes."""

    def __init__(self):
        self.ids = array.array("q")
        self.times = array.array("d")
        self.other = 0  # change frames whose row id we could not read
        self.error = None

    def add(self, payload, t):
        m = NEW_ID.search(payload)
        if m is None:
            self.other += 1
            return
        self.ids.append(int(m.group(1)))
        self.times.append(t)


class WsSubscriber(asyncio.Protocol):
    """One WebSocket: handshake, one subscribe frame, then change frames into `received`."""

    def __init__(self, host, port, frame):
        self.request_key = base64.b64encode(os.urandom(16))
        self.host, self.port = host, port
        self.frame = json.dumps(frame).encode()
        self.received = Received()
        self.buf = bytearray()
        self.upgraded = False
        self.fragments = bytearray()
        self.subscribed = asyncio.get_running_loop().create_future()
        # A failure after gather() gave up on the others is in `received.error`; no "never retrieved" noise.
        self.subscribed.add_done_callback(lambda f: f.cancelled() or f.exception())
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"GET /api/v2/realtime HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                        b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                        % (self.host.encode(), self.port, self.request_key))

    def connection_lost(self, exc):
        self._fail(f"connection lost: {exc}")

    def _fail(self, why):
        if self.received.error is None:
            self.received.error = why
        if not self.subscribed.done():
            self.subscribed.set_exception(RuntimeError(why))

    def send(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        self.transport.write(head + mask + masked)

    def data_received(self, data):
        t = time.monotonic()  # one timestamp per read: the frames in it arrived together
        self.buf += data
        if not self.upgraded and not self._handshake():
            return
        self._frames(t)

    def _handshake(self):
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.buf[:end]).decode("latin-1")
        del self.buf[:end + 4]
        accept = base64.b64encode(hashlib.sha1(self.request_key + WS_GUID).digest()).decode()
        if not head.startswith("HTTP/1.1 101") or accept not in head:
            self._fail(f"upgrade refused: {head.splitlines()[0] if head else head!r}")
            self.transport.close()
            return False
        self.upgraded = True
        self.send(1, self.frame)
        return True

    def _frames(self, t):
        buf = self.buf
        while len(buf) >= 2:
            opcode, n, at = buf[0] & 0x0F, buf[1] & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    return
                n, at = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n, at = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < at + n:
                return
            payload = bytes(buf[at:at + n])
            fin = buf[0] & 0x80
            del buf[:at + n]
            if opcode == 9:
                self.send(10, payload)
            elif opcode == 8:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
                self._fail(f"closed by the server: {code} {payload[2:].decode(errors='replace')}")
                self.transport.close()
                return
            elif opcode in (0, 1):
                self.fragments += payload
                if fin:
                    self._message(bytes(self.fragments), t)
                    self.fragments.clear()

    def _message(self, msg, t):
        head = msg[:24]
        if b'"type":"change"' in head:
            self.received.add(msg, t)
        elif b'"type":"subscribed"' in head:
            if not self.subscribed.done():
                self.subscribed.set_result(json.loads(msg))
        elif b'"type":"error"' in head:
            self._fail(f"error frame: {msg[:300].decode(errors='replace')}")


async def _open_ws(host, port, frame, count, concurrency=200):
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(concurrency)  # the listen backlog and the handshakes, a slice at a time

    async def one():
        async with gate:
            _, sub = await loop.create_connection(lambda: WsSubscriber(host, port, frame), host, port)
            await asyncio.wait_for(sub.subscribed, 60)
            return sub

    return await asyncio.gather(*(one() for _ in range(count)))


async def _ws_main(pipe, spec):
    loop = asyncio.get_running_loop()
    try:
        subs = await _open_ws(spec["host"], spec["port"], spec["frame"], spec["count"])
        ready = subs[0].subscribed.result()
    except Exception as e:  # noqa: BLE001
        pipe.send(("error", f"{type(e).__name__}: {e}"))
        return
    pipe.send(("ready", {"mode": ready.get("mode"), "pollInterval": ready.get("pollInterval")}))
    finish = await loop.run_in_executor(None, pipe.recv)
    expected, timeout = finish[1], finish[2]
    deadline = time.monotonic() + timeout
    received = [s.received for s in subs]
    while time.monotonic() < deadline and any(len(r.ids) < expected and r.error is None for r in received):
        await asyncio.sleep(0.05)
    for s in subs:
        s.transport.close()
    pipe.send(("result", summarize(received, finish[3], finish[4], finish[5])))


def ws_subscriber_main(pipe, spec):
    asyncio.run(_ws_main(pipe, spec))


def listen_subscriber_main(pipe, spec):
    """`count` libpq connections that LISTEN on spec['channel'] (Nectar's "service.table" or a
    PostgreSQL channel fed by a trigger)."""
    try:
        conns = []
        for _ in range(spec["count"]):
            conn = psycopg2.connect(**spec["params"])
            conn.autocommit = True
            conn.cursor().execute(f'LISTEN "{spec["channel"]}"')
            conns.append(conn)
    except Exception as e:  # noqa: BLE001
        pipe.send(("error", f"{type(e).__name__}: {e}"))
        return
    pipe.send(("ready", {"mode": "listen"}))
    received = {c.fileno(): Received() for c in conns}
    by_fd = {c.fileno(): c for c in conns}
    poller = select.epoll()
    for fd in by_fd:
        poller.register(fd, select.EPOLLIN)
    poller.register(pipe.fileno(), select.EPOLLIN)
    finish, deadline = None, None
    while True:
        left = 0.05 if finish is None else deadline - time.monotonic()
        if finish is not None and (left <= 0 or all(len(r.ids) >= finish[1] for r in received.values())):
            break
        for fd, _ in poller.poll(max(left, 0)):
            t = time.monotonic()
            if fd == pipe.fileno():
                finish = pipe.recv()
                deadline = time.monotonic() + finish[2]
                poller.unregister(fd)
                continue
            conn = by_fd[fd]
            try:
                conn.poll()
            except psycopg2.Error as e:
                received[fd].error = str(e)
                poller.unregister(fd)
                continue
            for n in conn.notifies:
                received[fd].add(n.payload.encode(), t)
            conn.notifies.clear()
    for c in conns:
        c.close()
    pipe.send(("result", summarize(list(received.values()), finish[3], finish[4], finish[5])))


def summarize(received, commit_ids, commit_times, late_from):
    """Per connection: distinct committed rows received, duplicates; all latencies (ms), and
    those of rows with id >= late_from (the end of the run)."""
    commit = dict(zip(array.array("q", commit_ids), array.array("d", commit_times)))
    counts, dups, other, errors = [], 0, 0, []
    lat, late = array.array("d"), array.array("d")
    for r in received:
        seen = set()
        for i, t in zip(r.ids, r.times):
            c = commit.get(i)
            if c is None:
                other += 1
            elif i in seen:
                dups += 1
            else:
                seen.add(i)
                ms = (t - c) * 1000
                lat.append(ms)
                if i >= late_from:
                    late.append(ms)
        counts.append(len(seen))
        other += r.other
        if r.error is not None:
            errors.append(r.error)
    return {"counts": counts, "dups": dups, "other": other, "errors": errors[:5], "error_count": len(errors),
            "lat": lat.tobytes(), "late": late.tobytes(), "cpu": sum(os.times()[:2])}
