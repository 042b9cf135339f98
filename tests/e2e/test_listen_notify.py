"""LISTEN through nectar; NOTIFY through nectar or straight at PostgreSQL; UNLISTEN stops it."""

import select
import time

import pytest

from clients import connect


def wait_notifies(conn, count, timeout=5.0):
    """Polls conn until it holds `count` notifications or the timeout passes; returns them as
    (channel, payload) without the sender's pid (a backend pid, which nectar may not forward)."""
    deadline = time.monotonic() + timeout
    while len(conn.notifies) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if select.select([conn], [], [], left) != ([], [], []):
            conn.poll()
    got = [(n.channel, n.payload) for n in conn.notifies]
    conn.notifies.clear()
    return got


def test_notify_reaches_a_listener(nectar, direct):
    with connect(nectar) as listener, connect(nectar) as sender, connect(direct) as outside:
        listener.cursor().execute("listen orders_changed")
        # Keep the listener's session busy in between: the registration must survive.
        cur = listener.cursor()
        for _ in range(5):
            cur.execute("select count(*) from numbers")
        sender.cursor().execute("notify orders_changed, 'from nectar'")
        outside.cursor().execute("select pg_notify('orders_changed', 'from postgresql')")
        outside.cursor().execute("notify other_channel, 'not listened to'")
        got = wait_notifies(listener, 2)
        assert got == [("orders_changed", "from nectar"), ("orders_changed", "from postgresql")]


def test_payloads_and_transactions(nectar):
    with connect(nectar) as listener, connect(nectar) as sender:
        listener.cursor().execute('listen "Mixed Case"')
        listener.cursor().execute("listen plain")
        big = "x" * 7000 + " ünï ✓"
        cur = sender.cursor()
        cur.execute("begin")
        cur.execute("select pg_notify('Mixed Case', %s)", (big,))
        cur.execute("notify plain")
        assert wait_notifies(listener, 1, timeout=0.5) == []  # nothing before commit
        cur.execute("commit")
        assert wait_notifies(listener, 2) == [("Mixed Case", big), ("plain", "")]
        cur.execute("begin")
        cur.execute("notify plain, 'rolled back'")
        cur.execute("rollback")
        assert wait_notifies(listener, 1, timeout=0.5) == []


def test_unlisten_stops_delivery(nectar, direct):
    with connect(nectar) as listener, connect(direct) as sender:
        listener.cursor().execute("listen a")
        listener.cursor().execute("listen b")
        sender.cursor().execute("notify a, '1'")
        sender.cursor().execute("notify b, '2'")
        assert wait_notifies(listener, 2) == [("a", "1"), ("b", "2")]
        listener.cursor().execute("unlisten a")
        sender.cursor().execute("notify a, 'after unlisten'")
        sender.cursor().execute("notify b, 'still'")
        assert wait_notifies(listener, 1) == [("b", "still")]
        listener.cursor().execute("unlisten *")
        sender.cursor().execute("notify b, 'after unlisten *'")
        assert wait_notifies(listener, 1, timeout=1.0) == []


def test_listener_in_a_transaction_block(nectar):
    with connect(nectar, autocommit=False) as listener, connect(nectar) as sender:
        cur = listener.cursor()
        cur.execute("listen tx_channel")
        listener.commit()  # LISTEN takes effect at commit
        sender.cursor().execute("notify tx_channel, 'after commit'")
        cur.execute("select 1")
        listener.commit()
        assert wait_notifies(listener, 1) == [("tx_channel", "after commit")]


@pytest.mark.parametrize("n", [50])
def test_many_notifications_in_order(nectar, direct, n):
    with connect(nectar) as listener, connect(direct) as sender:
        listener.cursor().execute("listen burst")
        cur = sender.cursor()
        for i in range(n):
            cur.execute("notify burst, %s", (str(i),))
        assert wait_notifies(listener, n) == [("burst", str(i)) for i in range(n)]
