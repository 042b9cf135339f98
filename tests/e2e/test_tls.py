"""TLS on the client side of nectar: sslmode require / verify-full with the test CA, plaintext
still allowed on loopback without users, and no plaintext smuggled in before the handshake."""

import asyncio

import asyncpg
import psycopg2
import pytest

import pgwire
from clients import connect, run_sql


@pytest.fixture(scope="module")
def nectar_tls(nectar_tls_proc):
    return nectar_tls_proc.endpoint()


def ssl_info(conn):
    return conn.info.ssl_in_use, conn.info.ssl_attribute("protocol")


def test_sslmode_require(direct, nectar_tls):
    sql = "select * from types_sample order by id"
    with connect(direct, sslmode="require") as d, connect(nectar_tls, sslmode="require") as n:
        in_use, protocol = ssl_info(n)
        assert in_use and protocol in ("TLSv1.2", "TLSv1.3")
        assert run_sql(n, sql) == run_sql(d, sql)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_verify_full_with_the_ca(direct, nectar_tls, tls_files, host):
    opts = dict(sslmode="verify-full", sslrootcert=str(tls_files.ca_cert))
    with connect(nectar_tls.with_(host=host), **opts) as conn:
        assert ssl_info(conn)[0]
        cur = conn.cursor()
        cur.execute("select 'verified'")
        assert cur.fetchone() == ("verified",)


def test_verify_full_rejects_an_unrelated_ca(nectar_tls, tls_files):
    with pytest.raises(psycopg2.OperationalError, match="certificate verify failed"):
        with connect(nectar_tls, sslmode="verify-full", sslrootcert=str(tls_files.other_ca_cert)):
            pass


def test_verify_full_rejects_a_wrong_host_name(nectar_tls, tls_files):
    with pytest.raises(psycopg2.OperationalError, match="does not match host name"):
        with connect(nectar_tls.with_(host="db.example.invalid"), hostaddr="127.0.0.1",
                     sslmode="verify-full", sslrootcert=str(tls_files.ca_cert)):
            pass


def test_plaintext_allowed_on_loopback_without_users(nectar_tls, nectar):
    for ep in (nectar_tls, nectar):
        with connect(ep, sslmode="disable") as conn:
            assert not conn.info.ssl_in_use
            cur = conn.cursor()
            cur.execute("select count(*) from numbers")
            assert cur.fetchone() == (1000,)


def test_large_results_over_tls(direct, nectar_tls):
    sql = "select g, md5(g::text), repeat('y', g % 300) from generate_series(1, 30000) g"
    with connect(direct, sslmode="require") as d, connect(nectar_tls, sslmode="require") as n:
        want = run_sql(d, sql)
        assert run_sql(n, sql) == want
    assert len(want[2]) == 30000


def test_asyncpg_over_tls(direct, nectar_tls):
    async def fetch(ep):
        conn = await asyncpg.connect(host=ep.host, port=ep.port, user=ep.user, password=ep.password,
                                     database=ep.dbname, ssl="require", timeout=20)
        try:
            stmt = await conn.prepare("select n, h from numbers where m = $1 order by n")
            return [tuple(r) for r in await stmt.fetch(3)]
        finally:
            await conn.close()

    want = asyncio.run(fetch(direct))
    assert asyncio.run(fetch(nectar_tls)) == want and len(want) == 143


def test_raw_tls_session_matches_postgresql(direct, nectar_tls, tls_files):
    results = []
    for ep in (direct, nectar_tls):
        with pgwire.Conn(ep.host, ep.port) as c:
            assert c.start_tls(cafile=str(tls_files.ca_cert), server_hostname="127.0.0.1") == b"S"
            c.startup(ep.user, ep.dbname, ep.password)
            results.append(pgwire.comparable(c.simple("select 1 as one; select 'two' as two")))
            c.send(pgwire.terminate())
    assert results[1] == results[0]


def test_plaintext_after_sslrequest_is_refused(nectar_tls_proc, direct):
    """An SSLRequest followed, in the same packet, by a plaintext startup: the server must not
    act on the plaintext (CVE-2021-23214's man-in-the-middle injection). PostgreSQL completes the
    handshake, then reports the unencrypted data and closes; refusing the handshake, or the
    SSLRequest itself (an ErrorResponse, or a close), is as good."""
    for ep in (direct, nectar_tls_proc.endpoint()):
        answer, rest = pgwire.plaintext_after_sslrequest(ep.host, ep.port, ep.user, ep.dbname)
        assert answer in (b"S", b"E", b"")
        assert rest in ("handshake refused", "closed", b"") or rest[:1] == b"E", rest[:60]
        if rest[:1] == b"E":
            (kind, payload), *_ = pgwire.split_messages(rest)
            assert kind == "E" and pgwire.error_fields(payload)["C"] == "08P01"
    assert nectar_tls_proc.alive()
    with connect(nectar_tls_proc.endpoint(), sslmode="require") as conn:
        assert run_sql(conn, "select 1")[2] == [(1,)]


def test_gssencrequest_is_answered_n(nectar_tls, direct_mode):
    if direct_mode:
        pytest.skip("PostgreSQL built with GSSAPI answers 'G'; nectar answers 'N' (SPEC §3)")
    with pgwire.Conn(nectar_tls.host, nectar_tls.port) as c:
        c.send(pgwire.gssenc_request())
        assert c.recv_byte() == b"N"
        # and the connection goes on, as libpq expects: TLS next, then the startup.
        assert c.start_tls() == b"S"
        c.startup(nectar_tls.user, nectar_tls.dbname, nectar_tls.password)
        assert pgwire.comparable(c.simple("select 1"))[-1] == ("Z", "I")
