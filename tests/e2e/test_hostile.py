"""Hostile bytes at nectar while a healthy client keeps working: every hostile socket gets an
ErrorResponse or a close (never a hang: every socket operation here has a timeout), nectar stays
up, and the healthy client sees no error."""

import random
import socket
import struct
import threading
import time

import psycopg2
import pytest

import pgwire as w
from clients import connect

TIMEOUT = 10
TWO_GB = 0x80000000


class HealthyClient(threading.Thread):
    """Runs checked queries through nectar in a loop until stopped; records every failure."""

    def __init__(self, ep):
        super().__init__(daemon=True)
        self.ep = ep
        self.count = 0
        self.errors = []
        self.stopping = threading.Event()
        self.failed_in = None  # the first test after which it had failed or stalled

    def run(self):
        try:
            with connect(self.ep) as conn:
                cur = conn.cursor()
                i = 0
                while not self.stopping.is_set():
                    m = i % 7
                    cur.execute("select count(*), sum(n) from numbers where m = %s", (m,))
                    got = cur.fetchone()
                    want = (len(range(m or 7, 1001, 7)), sum(range(m or 7, 1001, 7)))
                    if got != want:
                        self.errors.append(f"wrong answer {got} != {want}")
                    self.count += 1
                    i += 1
                    time.sleep(0.005)
        except Exception as e:  # any failure of the healthy client fails the module
            self.errors.append(repr(e))

    def stop(self):
        self.stopping.set()
        self.join(30)


@pytest.fixture(scope="module")
def healthy(nectar):
    client = HealthyClient(nectar)
    client.start()
    yield client
    client.stop()
    if client.failed_in is None:  # else that test already failed for it
        assert not client.is_alive(), "the healthy client is stuck in a query"
        assert client.errors == []


@pytest.fixture(scope="module")
def idlers(nectar):
    """Sockets that stall mid-startup for the whole module: they must block no one."""
    socks = []
    for data in (w.startup_packet({"user": "idle", "database": "app"})[:6], b"", w.ssl_request()[:4]):
        s = socket.create_connection((nectar.host, nectar.port), timeout=TIMEOUT)
        s.sendall(data)
        socks.append(s)
    yield socks
    for s in socks:
        s.close()


@pytest.fixture(autouse=True)
def _healthy_keeps_working(request, healthy, idlers, nectar_proc):
    before = healthy.count
    yield
    assert nectar_proc.alive(), nectar_proc.stderr_tail()
    if healthy.failed_in is not None:
        return  # reported once, by the test after which it happened
    deadline = time.monotonic() + TIMEOUT
    while healthy.count < before + 3 and time.monotonic() < deadline and not healthy.errors:
        time.sleep(0.01)
    if healthy.errors or healthy.count < before + 3:
        healthy.failed_in = request.node.name
    assert healthy.errors == []
    assert healthy.count >= before + 3, "the healthy client stalled"


def raw(ep):
    return w.Conn(ep.host, ep.port, timeout=TIMEOUT)


def send_tolerant(c, data):
    """Sends; a server that already closed on us is fine (that is a refusal)."""
    try:
        c.send(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def assert_refused(c, half_close=False):
    """The server answers an ErrorResponse or closes, within TIMEOUT."""
    if half_close:
        try:
            c.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    data = c.read_until_error_or_close()
    assert data == b"" or data[:1] == b"E", data[:60]
    messages = w.split_messages(data)
    assert all(k in "EN" for k, _ in messages), [k for k, _ in messages]
    return [w.error_fields(p) for k, p in messages if k == "E"]


@pytest.mark.parametrize("seed", range(6))
def test_random_garbage_instead_of_startup(nectar, seed):
    rnd = random.Random(seed)
    data = bytes(rnd.getrandbits(8) for _ in range(rnd.choice([3, 17, 512, 4096, 70000])))
    with raw(nectar) as c:
        send_tolerant(c, data)
        assert_refused(c, half_close=True)


def test_random_garbage_after_startup(nectar):
    rnd = random.Random(99)
    for _ in range(3):
        with w.connect(nectar) as c:
            send_tolerant(c, bytes(rnd.getrandbits(8) for _ in range(2048)))
            assert_refused(c, half_close=True)


@pytest.mark.parametrize("length", [TWO_GB, 0x7FFFFFFF, 0xFFFFFFFF, 0, 3])
def test_startup_with_absurd_length(nectar, length):
    with raw(nectar) as c:
        send_tolerant(c, struct.pack("!II", length, w.PROTOCOL_3_0) + b"user\0nectar\0\0")
        assert_refused(c)


@pytest.mark.parametrize("kind", [b"Q", b"P", b"B", b"d", b"p"])
def test_message_with_2gb_length_after_startup(nectar, kind):
    with w.connect(nectar) as c:
        send_tolerant(c, kind + struct.pack("!I", TWO_GB) + b"select 1\0")
        assert_refused(c)
    with w.connect(nectar) as c:
        send_tolerant(c, kind + struct.pack("!I", 0xFFFFFFF0) + b"\0" * 100)
        assert_refused(c)


@pytest.mark.parametrize("length", [0, 3])
def test_message_shorter_than_its_header(nectar, length):
    with w.connect(nectar) as c:
        send_tolerant(c, b"Q" + struct.pack("!I", length) + b"select 1\0")
        assert_refused(c)


def test_unknown_message_type(nectar):
    with w.connect(nectar) as c:
        send_tolerant(c, b"\x01" + struct.pack("!I", 4) + w.query("select 1"))
        assert_refused(c)


def test_unknown_message_type_ends_the_session_like_postgresql(nectar, direct):
    """PostgreSQL answers FATAL 08P01 and closes: after a message it cannot frame, the stream
    cannot be trusted. The Query sent behind it must not run."""
    outcomes = []
    for ep in (direct, nectar):
        with w.connect(ep) as c:
            c.send(b"\x01" + struct.pack("!I", 4) + w.query("select 1"))
            messages = w.split_messages(c.read_until_close())
        outcomes.append([(k, w.error_fields(p)["S"], w.error_fields(p)["C"]) if k == "E" else k
                         for k, p in messages])
    assert outcomes[0] == [("E", "FATAL", "08P01")]
    assert outcomes[1] == outcomes[0]


def test_truncated_packets_then_close(nectar):
    startup = w.startup_packet({"user": nectar.user, "database": nectar.dbname})
    for cut in (1, 4, 7, len(startup) - 1):
        with raw(nectar) as c:
            c.send(startup[:cut])
    for partial in (w.query("select 1")[:3], w.query("select 1")[:9], w.parse("", "select 1")[:12],
                    w.bind("", "", ["x" * 100])[:40]):
        with w.connect(nectar) as c:
            c.send(partial)
    # A query whose result the client never reads before closing.
    with w.connect(nectar) as c:
        c.send(w.query("select g, repeat('x', 1000) from generate_series(1, 20000) g"))


def test_nul_bytes(nectar):
    with raw(nectar) as c:
        send_tolerant(c, b"\0" * 8192)
        assert_refused(c, half_close=True)
    with w.connect(nectar) as c:
        send_tolerant(c, b"\0" * 8192)
        assert_refused(c, half_close=True)


def test_plaintext_after_sslrequest(nectar, nectar_tls_proc):
    # Without TLS configured the answer is 'N' and the client may go on in plaintext.
    answer, first = w.plaintext_after_sslrequest(nectar.host, nectar.port, nectar.user, nectar.dbname)
    if answer == b"N":
        assert first[0] in ("R", "E")
    else:
        assert first in ("handshake refused", "closed", b"") or first[:1] == b"E", first[:60]
    tls = nectar_tls_proc.endpoint()
    answer, rest = w.plaintext_after_sslrequest(tls.host, tls.port, tls.user, tls.dbname)
    assert answer in (b"S", b"E", b"")
    assert rest in ("handshake refused", "closed", b"") or rest[:1] == b"E", rest[:60]
    assert nectar_tls_proc.alive()


def test_cancel_request_with_wrong_key(nectar):
    with w.connect(nectar) as victim:
        victim.send(w.query("select pg_sleep(1.5), 'not cancelled'"))
        time.sleep(0.3)
        rnd = random.Random(7)
        for pid, key in ((victim.backend_pid, victim.backend_key ^ 1),
                         (victim.backend_pid, 0),
                         (rnd.getrandbits(32), rnd.getrandbits(32))):
            with raw(nectar) as c:
                c.send(w.cancel_request(pid, key))
                assert c.read_until_close() == b""
        with raw(nectar) as c:  # a truncated CancelRequest
            c.send(w.cancel_request(1, 2)[:12])
            assert_refused(c, half_close=True)
        messages = w.comparable(victim.read_until_ready())
        assert [m[0] for m in messages] == ["T", "D", "C", "Z"]
        assert messages[1] == ("D", (b"", b"not cancelled"))


def test_cancel_request_with_the_right_key_does_cancel(nectar):
    """The positive control of the test above: the key BackendKeyData gave cancels."""
    with w.connect(nectar) as victim:
        victim.send(w.query("select pg_sleep(10)"))
        time.sleep(0.3)
        started = time.monotonic()
        with raw(nectar) as c:
            c.send(w.cancel_request(victim.backend_pid, victim.backend_key))
            assert c.read_until_close() == b""
        messages = w.comparable(victim.read_until_ready())
        assert time.monotonic() - started < 5
        errors = [dict(m[1]) for m in messages if m[0] == "E"]
        assert [e["C"] for e in errors] == ["57014"]
        assert w.comparable(victim.simple("select 1"))[-1] == ("Z", "I")


def startup_error(ep, params, version=w.PROTOCOL_3_0):
    with raw(ep) as c:
        c.send(w.startup_packet(params, version))
        errors = assert_refused(c)
    assert len(errors) == 1
    return errors[0]["C"]


def test_startup_without_user(nectar, direct):
    assert startup_error(nectar, {"database": "app"}) == startup_error(direct, {"database": "app"})


@pytest.mark.parametrize("version", [(4 << 16), (9 << 16) | 3, (4000 << 16) | 7])
def test_unsupported_protocol_version(nectar, direct, version):
    params = {"user": nectar.user, "database": nectar.dbname}
    want = startup_error(direct, params, version)
    assert want == "0A000"
    assert startup_error(nectar, params, version) == want


def test_many_connects_and_disconnects(nectar):
    for i in range(200):
        with raw(nectar) as c:
            if i % 2:
                c.send(w.ssl_request())
    for _ in range(20):
        with connect(nectar) as conn:
            cur = conn.cursor()
            cur.execute("select 1")
            assert cur.fetchone() == (1,)


def test_others_connect_while_idlers_stall(nectar, idlers):
    started = time.monotonic()
    for _ in range(10):
        with connect(nectar) as conn:
            cur = conn.cursor()
            cur.execute("select count(*) from types_sample")
            assert cur.fetchone() == (4,)
    assert time.monotonic() - started < 10
    # The stalled sockets are still open (not our concern how long the server keeps them).
    assert len(idlers) == 3


def test_a_failing_session_does_not_disturb_others(nectar):
    with connect(nectar) as a, connect(nectar) as b:
        with pytest.raises(psycopg2.errors.DivisionByZero):
            a.cursor().execute("select 1/0")
        cur = b.cursor()
        cur.execute("select 'b is fine'")
        assert cur.fetchone() == ("b is fine",)
