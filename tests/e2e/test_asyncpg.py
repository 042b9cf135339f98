"""asyncpg (extended protocol, named prepared statements, binary codecs) through nectar gets
what it gets from PostgreSQL."""

import asyncio
import datetime
import decimal
import io
import uuid

import asyncpg
import pytest

from clients import norm

TIMEOUT = 30


async def connect(ep):
    return await asyncpg.connect(host=ep.host, port=ep.port, user=ep.user, password=ep.password,
                                 database=ep.dbname, ssl=ep.sslmode, timeout=TIMEOUT,
                                 command_timeout=TIMEOUT)


def run(coro_fn, *endpoints):
    """Runs coro_fn(conn) on a fresh connection to each endpoint; returns the results."""

    async def one(ep):
        conn = await connect(ep)
        try:
            return await coro_fn(conn)
        finally:
            await conn.close(timeout=TIMEOUT)

    async def all_():
        return [await asyncio.wait_for(one(ep), TIMEOUT * 2) for ep in endpoints]

    return asyncio.run(all_())


def rows_of(records):
    return [norm(tuple(r)) for r in records]


def attributes(stmt):
    return [(a.name, a.type.oid, a.type.name) for a in stmt.get_attributes()]


TYPE_COLUMNS = ["c_int2", "c_int4", "c_int8", "c_float4", "c_float8", "c_numeric", "c_text", "c_varchar",
                "c_bool", "c_bytea", "c_date", "c_time", "c_timestamp", "c_timestamptz", "c_interval",
                "c_uuid", "c_json", "c_jsonb", "c_int_arr", "c_text_arr"]


@pytest.mark.parametrize("column", TYPE_COLUMNS)
def test_binary_codec(direct, nectar, column):
    async def body(conn):
        stmt = await conn.prepare(f"select id, {column} from types_sample order by id")
        return attributes(stmt), rows_of(await stmt.fetch())

    want, got = run(body, direct, nectar)
    assert got == want
    assert len(want[1]) == 4 and want[1][3][1] is None


def test_binary_values_are_the_real_ones(direct):
    """The codecs above compare like with like; check what direct PostgreSQL gives is right."""

    async def body(conn):
        return await conn.fetchrow("select * from types_sample where id = 1")

    (row,) = run(body, direct)
    assert row["c_int8"] == 9000000000 and row["c_numeric"] == decimal.Decimal("12345.678901")
    assert row["c_bytea"] == b"\x00\x01\x02\x03\xff" and row["c_bool"] is True
    assert row["c_timestamptz"] == datetime.datetime(2024, 2, 29, 13, 45, 7, 123456, datetime.timezone.utc)
    assert row["c_uuid"] == uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
    assert row["c_int_arr"] == [1, 2, 3] and row["c_text_arr"] == ["x", "y z"]


def test_binary_parameters(direct, nectar):
    args = (-7, 123456, 2 ** 62, 1.25, decimal.Decimal("-0.000001"), "ünïcode 'q'", True, b"\x00\x01",
            datetime.date(1999, 12, 31), datetime.datetime(2001, 2, 3, 4, 5, 6, 7),
            datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc),
            uuid.UUID(int=12345), '{"a": [1, 2]}', [1, None, 3], ["a", None, ""], None)
    sql = ("select $1::int2, $2::int4, $3::int8, $4::float8, $5::numeric, $6::text, $7::bool, $8::bytea, "
           "$9::date, $10::timestamp, $11::timestamptz, $12::uuid, $13::jsonb, $14::int4[], $15::text[], "
           "$16::int4")

    async def body(conn):
        stmt = await conn.prepare(sql)
        return attributes(stmt), rows_of(await stmt.fetch(*args))

    want, got = run(body, direct, nectar)
    assert got == want
    assert want[1][0][:3] == (-7, 123456, 2 ** 62) and want[1][0][15] is None


def test_prepared_statement_fetched_many_times(direct, nectar):
    async def body(conn):
        stmt = await conn.prepare("select n, h from numbers where m = $1 and n < $2 order by n")
        out = []
        for i in range(40):
            out.append(rows_of(await stmt.fetch(i % 7, 100 + i)))
        out.append(await stmt.fetchval(3, 50))
        out.append(rows_of([await stmt.fetchrow(4, 1000)]))
        return out

    want, got = run(body, direct, nectar)
    assert got == want
    assert len(want[0]) == 14 and want[40] == 3


def test_cursor_with_prefetch(direct, nectar):
    """A cursor fetches through Execute with a row limit (PortalSuspended between batches)."""

    async def body(conn):
        out = []
        async with conn.transaction():
            async for r in conn.cursor("select n, h from numbers order by n", prefetch=37):
                out.append(tuple(r))
            cur = await conn.cursor("select * from types_sample order by id")
            out.append(rows_of(await cur.fetch(2)))
            out.append(rows_of(await cur.fetch(5)))
        return out

    want, got = run(body, direct, nectar)
    assert got == want
    assert len(want) == 1002


def test_executemany_and_transaction(direct, nectar):
    rows = [(300 + i, f"name {i}", decimal.Decimal(i) / 4) for i in range(50)]

    async def body(conn):
        out = []
        tr = conn.transaction()
        await tr.start()
        await conn.executemany("insert into scratch (id, name, val) values ($1, $2, $3)", rows)
        out.append(rows_of(await conn.fetch("select * from scratch where id >= 300 order by id")))
        async with conn.transaction():  # a savepoint
            await conn.execute("delete from scratch where id < 320")
            out.append(await conn.fetchval("select count(*) from scratch where id >= 300"))
        try:
            async with conn.transaction():
                await conn.execute("delete from scratch")
                raise RuntimeError("roll the savepoint back")
        except RuntimeError:
            pass
        out.append(await conn.fetchval("select count(*) from scratch where id >= 300"))
        await tr.rollback()
        out.append(await conn.fetchval("select count(*) from scratch where id >= 300"))
        return out

    want, got = run(body, direct, nectar)
    assert got == want
    assert want[1:] == [30, 30, 0] and len(want[0]) == 50


ERRORS = [
    "select * from no_such_table",
    "select 1 +",
    "insert into uniq_items values (10, 'apple', 1)",
    "select 1 / 0",
    "select $1::int4",  # asyncpg binds no argument: a client-side error, then the same again
    "select 'x'::int",
]


def test_errors_with_sqlstate(direct, nectar):
    async def body(conn):
        out = []
        for sql in ERRORS:
            try:
                await conn.fetch(sql)
                out.append("no error")
            except asyncpg.PostgresError as e:
                out.append((type(e).__name__, e.sqlstate, e.message, e.detail, e.hint, e.position))
            except asyncpg.InterfaceError as e:
                out.append(("InterfaceError", str(e)))
            out.append(await conn.fetchval("select 'recovered'"))
        try:
            async with conn.transaction():
                await conn.execute("insert into scratch values (1, 'a', 1)")
                await conn.execute("insert into scratch values (1, 'a', 1)")
        except asyncpg.UniqueViolationError as e:
            out.append((e.sqlstate, e.constraint_name, e.table_name, e.detail))
        out.append(await conn.fetchval("select count(*) from scratch"))
        return out

    want, got = run(body, direct, nectar)
    assert got == want
    assert [w[1] for w in want[0:12:2] if isinstance(w, tuple) and len(w) == 6] == \
        ["42P01", "42601", "23505", "22012", "22P02"]
    assert want[-2] == ("23505", "scratch_pkey", "scratch", "Key (id)=(1) already exists.")


def test_prepared_statements_across_short_transactions(direct, nectar):
    """Several connections, each with many prepared statements, used in many short transactions
    interleaved: every execution must give the right rows on whatever backend runs it."""
    queries = [
        ("select count(*) from numbers where m = $1", lambda i: (i % 7,)),
        ("select h from numbers where n = $1", lambda i: (i + 1,)),
        ("select n * $1::int8 from numbers where n = 5", lambda i: (i,)),
        ("select $1::text || '-' || $2::text", lambda i: (str(i), "x")),
        ("select sum(n) from numbers where n <= $1", lambda i: (i * 10,)),
        ("select array_agg(n order by n) from numbers where n between $1 and $1 + 3", lambda i: (i + 1,)),
        ("select id, code from uniq_items where qty >= $1 order by id", lambda i: (i % 12,)),
        ("select c_jsonb from types_sample where id = $1", lambda i: (1 + i % 4,)),
    ]
    rounds, clients = 25, 4

    async def expected():
        conn = await connect(direct)
        try:
            return {(q, i): rows_of(await conn.fetch(q, *args(i)))
                    for q, args in queries for i in range(rounds)}
        finally:
            await conn.close()

    async def client(ep, k, want):
        conn = await connect(ep)
        try:
            stmts = [(await conn.prepare(q), q, args) for q, args in queries]
            for i in range(rounds):
                async with conn.transaction():
                    for j in range(len(stmts)):
                        stmt, q, args = stmts[(j + k) % len(stmts)]
                        got = rows_of(await stmt.fetch(*args(i)))
                        assert got == want[(q, i)], (k, i, q)
                # and a statement outside any explicit transaction
                stmt, q, args = stmts[(i + k) % len(stmts)]
                assert rows_of(await stmt.fetch(*args(i))) == want[(q, i)]
            return len(stmts) * rounds
        finally:
            await conn.close()

    async def main():
        want = await expected()
        done = await asyncio.wait_for(asyncio.gather(*(client(nectar, k, want) for k in range(clients))),
                                      120)
        return sum(done)

    assert asyncio.run(main()) == rounds * len(queries) * clients


def test_copy_out(direct, nectar):
    async def body(conn):
        text, binary = io.BytesIO(), io.BytesIO()
        await conn.copy_from_query("select * from types_sample order by id", output=text)
        await conn.copy_from_query("select n, h from numbers order by n", output=binary, format="binary")
        return text.getvalue(), binary.getvalue()

    want, got = run(body, direct, nectar)
    assert got == want
    assert want[0].count(b"\n") == 4 and want[1].startswith(b"PGCOPY\n\xff\r\n\0")
