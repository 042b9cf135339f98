"""nectar with --user alice:secret: SCRAM-SHA-256, and SCRAM-SHA-256-PLUS over TLS; wrong passwords
and unknown users get 28P01; cleartext is never offered on a plaintext connection."""

import asyncio

import asyncpg
import psycopg2
import pytest

import pgwire
from clients import connect
from harness import ALICE_PASSWORD


@pytest.fixture(scope="module")
def alice(nectar_factory):
    """alice at a nectar that has users (and TLS, for channel binding)."""
    proc = nectar_factory(["--user", f"alice:{ALICE_PASSWORD}"], tls=True, name="nectar-auth")
    return proc.endpoint(user="alice", password=ALICE_PASSWORD)


def auth_request(ep, tls=False):
    """The first authentication request the server sends for a startup as ep.user."""
    with pgwire.Conn(ep.host, ep.port) as c:
        if tls:
            assert c.start_tls() == b"S"
        c.send(pgwire.startup_packet({"user": ep.user, "database": ep.dbname}))
        kind, payload = c.recv()
        assert kind == "R", (kind, payload)
        return pgwire.decode(kind, payload)[1], payload


def login_error(ep, **kw):
    with pytest.raises(pgwire.ServerError) as e:
        pgwire.connect(ep, **kw).close()
    return e.value


def test_scram_good_password(alice):
    with connect(alice, sslmode="disable") as conn:
        cur = conn.cursor()
        cur.execute("select count(*), sum(n) from numbers")
        assert cur.fetchone() == (1000, 500500)
    with pgwire.connect(alice.with_(sslmode="disable")) as c:
        assert pgwire.comparable(c.simple("select 1"))[-1] == ("Z", "I")


def test_only_scram_without_tls(alice):
    code, payload = auth_request(alice)
    assert code == pgwire.AUTH_SASL
    assert pgwire.sasl_mechanisms(payload) == ["SCRAM-SHA-256"]
    # An unknown user gets the same offer (nothing tells which users exist), never cleartext.
    code, payload = auth_request(alice.with_(user="nobody"))
    assert code == pgwire.AUTH_SASL and pgwire.sasl_mechanisms(payload) == ["SCRAM-SHA-256"]


def test_scram_plus_offered_over_tls(alice):
    code, payload = auth_request(alice, tls=True)
    assert code == pgwire.AUTH_SASL
    assert sorted(pgwire.sasl_mechanisms(payload)) == ["SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"]


def test_bad_password_is_28p01(alice):
    err = login_error(alice.with_(password="wrong"))
    assert err.sqlstate == "28P01" and err.fields["S"] == "FATAL"
    with pytest.raises(psycopg2.OperationalError):
        with connect(alice.with_(password="wrong"), sslmode="disable"):
            pass


def test_unknown_user_is_28p01(alice):
    err = login_error(alice.with_(user="mallory", password=ALICE_PASSWORD))
    assert err.sqlstate == "28P01"


def test_asyncpg_sees_the_sqlstate(alice):
    async def attempt(ep):
        conn = await asyncpg.connect(host=ep.host, port=ep.port, user=ep.user, password=ep.password,
                                     database=ep.dbname, ssl="disable", timeout=20)
        try:
            return await conn.fetchval("select 'in'")
        finally:
            await conn.close()

    assert asyncio.run(attempt(alice)) == "in"
    with pytest.raises(asyncpg.InvalidPasswordError) as e:
        asyncio.run(attempt(alice.with_(password="nope")))
    assert e.value.sqlstate == "28P01"


def test_channel_binding_required_over_tls(alice):
    with connect(alice, sslmode="require", channel_binding="require") as conn:
        assert conn.info.ssl_in_use
        cur = conn.cursor()
        cur.execute("select 'bound'")
        assert cur.fetchone() == ("bound",)
    # The same by hand: SCRAM-SHA-256-PLUS with tls-server-end-point data.
    with pgwire.connect(alice, tls=True, channel_binding=True) as c:
        assert pgwire.comparable(c.simple("select 1"))[-1] == ("Z", "I")


def test_channel_binding_is_checked(alice):
    """A PLUS exchange whose binding data is not the server certificate's hash must fail."""

    with pgwire.Conn(alice.host, alice.port) as c:
        c.binding_data_override = bytes(32)
        assert c.start_tls() == b"S"
        with pytest.raises(pgwire.ServerError) as e:
            c.startup(alice.user, alice.dbname, alice.password, channel_binding=True)
    assert e.value.sqlstate in ("08P01", "28P01", "28000")


def test_channel_binding_require_fails_without_tls(alice):
    # libpq refuses on its own when the server offers no PLUS: proves no PLUS without TLS.
    with pytest.raises(psycopg2.OperationalError, match="channel binding"):
        with connect(alice, sslmode="disable", channel_binding="require"):
            pass
