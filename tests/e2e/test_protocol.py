"""The wire protocol itself, with a raw client: nectar must send the same message sequence as
PostgreSQL (BackendKeyData values and ParameterStatus aside) for extended-query pipelines,
row limits, Describe, Close, errors until Sync, Flush, COPY and transaction status."""

import struct

import pytest

import pgwire as w

INT4, TEXT, INT8 = 23, 25, 20


def kinds(messages):
    return "".join(m[0] for m in messages)


def read_skipping_status(c, n):
    """n messages, ParameterStatus not counted (it may come at any time)."""
    out = []
    while len(out) < n:
        k, p = c.recv()
        if k != "S":
            out.append((k, p))
    return out


def both(direct, nectar, script):
    """Runs script(conn) -> messages on a fresh raw connection to each side; they must agree."""
    results = []
    for ep in (direct, nectar):
        with w.connect(ep, params={"application_name": "pgwire-test"}) as c:
            results.append(w.comparable(script(c)))
            c.send(w.terminate())
    assert results[1] == results[0]
    return results[0]


def test_pipelined_statements_one_sync(direct, nectar):
    def script(c):
        c.send(w.parse("", "select $1::int4 + 1 as x", [INT4]) + w.bind("", "", ["41"]) + w.execute("") +
               w.parse("s2", "select g, 'row ' || g from generate_series(1, $1::int) g") +
               w.bind("p2", "s2", ["3"]) + w.describe("P", "p2") + w.execute("p2") +
               w.parse("", "insert into scratch values (1, 'x', 1)") + w.describe("S", "") +
               w.parse("", "values (1, 'a'), (2, 'b')") + w.bind("", "") + w.describe("P", "") +
               w.execute("") + w.sync())
        return c.read_until_ready()

    got = both(direct, nectar, script)
    assert kinds(got) == "12DC12TDDDC1tn12TDDCZ"
    assert got[2] == ("D", (b"42",)) and got[-1] == ("Z", "I")


def test_execute_with_row_limit_and_portal_suspended(direct, nectar):
    def script(c):
        c.send(w.parse("", "select g from generate_series(1, 10) g") + w.bind("", "") +
               w.execute("", 3) + w.execute("", 3) + w.execute("", 0) + w.sync())
        out = c.read_until_ready()
        # A named portal inside an explicit transaction survives Sync.
        out += c.simple("begin")
        c.send(w.parse("cur", "select n from numbers where n <= 5 order by n") + w.bind("p", "cur") +
               w.execute("p", 2) + w.sync())
        out += c.read_until_ready()
        c.send(w.execute("p", 2) + w.sync())
        out += c.read_until_ready()
        c.send(w.execute("p", 0) + w.execute("p", 1) + w.sync())
        out += c.read_until_ready()
        out += c.simple("commit")
        return out

    got = both(direct, nectar, script)
    assert kinds(got).startswith("12DDDsDDDsDDDDCZ")
    assert ("s", b"") in got and ("Z", "T") in got


def test_describe_statement_and_portal(direct, nectar):
    def script(c):
        c.send(w.parse("st", "select $1::text as t, $2 + 1 as i, c_jsonb from types_sample where id = $2",
                       [0, INT8]) + w.describe("S", "st") +
               w.bind("po", "st", ["x", "1"], result_formats=[1]) + w.describe("P", "po") +
               w.execute("po") + w.describe("S", "missing") + w.sync())
        out = c.read_until_ready()
        c.send(w.parse("nodata", "set search_path = public") + w.describe("S", "nodata") + w.sync())
        return out + c.read_until_ready()

    got = both(direct, nectar, script)
    assert kinds(got) == "1tT2TDCEZ1tnZ"
    assert got[1] == ("t", (TEXT, INT8))
    assert dict(got[7][1])["C"] == "26000"


def test_close_statement_and_portal(direct, nectar):
    def script(c):
        c.send(w.parse("a", "select 1") + w.bind("pa", "a") + w.close("P", "pa") + w.execute("pa") + w.sync())
        out = c.read_until_ready()
        c.send(w.close("S", "a") + w.close("S", "never-existed") + w.close("P", "never") +
               w.bind("", "a") + w.sync())
        out += c.read_until_ready()
        c.send(w.parse("a", "select 2") + w.bind("", "a") + w.execute("") + w.sync())
        return out + c.read_until_ready()

    got = both(direct, nectar, script)
    assert kinds(got) == "123EZ333EZ12DCZ"
    assert dict(got[3][1])["C"] == "34000" and dict(got[8][1])["C"] == "26000"


def test_error_mid_pipeline_skips_to_sync(direct, nectar):
    def script(c):
        c.send(w.parse("", "select 1") + w.bind("", "") + w.execute("") +
               w.parse("", "select 1/0") + w.bind("", "") + w.execute("") +
               w.parse("", "select 'skipped'") + w.bind("", "") + w.execute("") +
               w.parse("bad", "selec oops") + w.sync())
        out = c.read_until_ready()
        c.send(w.parse("", "select 'after sync'") + w.bind("", "") + w.execute("") + w.sync())
        out += c.read_until_ready()
        # A syntax error at Parse, with its position, then recovery at the next Sync.
        c.send(w.parse("", "select * fromm numbers") + w.bind("", "") + w.execute("") + w.sync() +
               w.parse("", "select 3") + w.bind("", "") + w.execute("") + w.sync())
        out += c.read_until_ready() + c.read_until_ready()
        # An error inside an explicit transaction: status E until ROLLBACK.
        out += c.simple("begin")
        c.send(w.parse("", "select * from no_such_table") + w.bind("", "") + w.execute("") + w.sync())
        out += c.read_until_ready()
        c.send(w.parse("", "select 1") + w.bind("", "") + w.execute("") + w.sync())
        out += c.read_until_ready()
        out += c.simple("rollback")
        return out

    got = both(direct, nectar, script)
    assert kinds(got) == "12DC1EZ12DCZEZ12DCZCZEZEZCZ"  # 1/0 is folded when Bind plans it
    errors = [dict(m[1]) for m in got if m[0] == "E"]
    assert [e["C"] for e in errors] == ["22012", "42601", "42P01", "25P02"]
    assert errors[1]["P"] == "10"
    assert [m[1] for m in got if m[0] == "Z"] == ["I", "I", "I", "I", "T", "E", "E", "I"]


def test_unnamed_statement_reuse(direct, nectar):
    def script(c):
        c.send(w.parse("", "select $1::int * 2", [INT4]))
        out = []
        for v in ("1", "2", "3"):
            c.send(w.bind("", "", [v]) + w.execute(""))
        c.send(w.sync())
        out += c.read_until_ready()
        # The unnamed statement outlives Sync and is replaced by the next unnamed Parse.
        c.send(w.bind("", "", ["21"]) + w.execute("") + w.sync())
        out += c.read_until_ready()
        c.send(w.parse("", "select 'replaced'") + w.bind("", "") + w.execute("") + w.sync())
        out += c.read_until_ready()
        # A simple Query destroys the unnamed statement.
        out += c.simple("select 'simple'")
        c.send(w.bind("", "") + w.execute("") + w.sync())
        return out + c.read_until_ready()

    got = both(direct, nectar, script)
    assert [m[1] for m in got if m[0] == "D"] == [(b"2",), (b"4",), (b"6",), (b"42",), (b"replaced",),
                                                  (b"simple",)]
    assert got[-2][0] == "E" and dict(got[-2][1])["C"] == "26000"


def test_flush_delivers_without_sync(direct, nectar):
    def script(c):
        c.send(w.parse("f", "select n from numbers where n < 3 order by n") + w.bind("", "f") +
               w.describe("P", "") + w.execute("") + w.flush())
        out = read_skipping_status(c, 6)  # 1 2 T D D C, no ReadyForQuery yet
        c.send(w.bind("", "f") + w.execute("", 1) + w.flush())
        out += read_skipping_status(c, 3)  # 2 D s
        c.send(w.sync())
        return out + c.read_until_ready()

    got = both(direct, nectar, script)
    assert kinds(got) == "12TDDC2DsZ"


def test_binary_parameters_and_results(direct, nectar):
    def script(c):
        c.send(w.parse("", "select $1::int4 + 1, $2::int8 * 2, $3::text, $4::bytea, $5::float8",
                       [INT4, INT8, TEXT, 17, 701]) +
               w.bind("", "", [struct.pack("!i", 41), struct.pack("!q", 2 ** 40), "tëxt".encode(),
                               b"\x00\xff", struct.pack("!d", 0.5)],
                      param_formats=[1], result_formats=[1]) +
               w.describe("P", "") + w.execute("") + w.sync())
        out = c.read_until_ready()
        c.send(w.parse("", "select * from types_sample order by id") + w.bind("", "", result_formats=[1]) +
               w.describe("P", "") + w.execute("") + w.sync())
        out += c.read_until_ready()
        c.send(w.parse("", "select c_int4, c_text from types_sample order by id") +
               w.bind("", "", result_formats=[1, 0]) + w.execute("") + w.sync())
        return out + c.read_until_ready()

    got = both(direct, nectar, script)
    assert got[3] == ("D", (struct.pack("!i", 42), struct.pack("!q", 2 ** 41), "tëxt".encode(), b"\x00\xff",
                            struct.pack("!d", 0.5)))


def test_simple_query_several_statements(direct, nectar):
    def script(c):
        out = c.simple("select 1 as a; select 'two' as b, null as c; values (1), (2)")
        out += c.simple("select 1; select 1/0; select 'never'")
        out += c.simple("begin; select 1; commit; select 2")
        out += c.simple("")
        out += c.simple(";;")
        out += c.simple("insert into scratch values (1, 'a', 1); "
                        "select 'not reached' from scratch where false; "
                        "insert into scratch values (1, 'dup', 1)")
        out += c.simple("select count(*) from scratch")
        out += c.simple("begin; select 1/0; select 'x'")
        out += c.simple("rollback")
        return out

    got = both(direct, nectar, script)
    assert kinds(got) == "TDCTDCTDDCZTDCEZCTDCCTDCZIZIZCTCEZTDCZCEZCZ"
    assert ("C", "INSERT 0 1") in got and ("D", (b"0",)) in got  # the failed implicit transaction rolled back
    assert got[-3] == ("Z", "E") and got[-1] == ("Z", "I")


def test_transaction_status_and_savepoints(direct, nectar):
    def script(c):
        out = []
        for sql in ("begin", "savepoint a", "select 1/0", "rollback to a", "select 1", "release a",
                    "commit", "commit", "rollback", "begin isolation level serializable",
                    "show transaction_isolation", "end"):
            out += c.simple(sql)
        return out

    got = both(direct, nectar, script)
    assert [m[1] for m in got if m[0] == "Z"] == ["T", "T", "E", "T", "T", "T", "I", "I", "I", "T", "T", "I"]
    notices = [dict(m[1])["C"] for m in got if m[0] == "N"]
    assert notices == ["25P01", "25P01"]  # COMMIT and ROLLBACK with no transaction in progress


def test_protocol_errors_in_extended_query(direct, nectar):
    def script(c):
        c.send(w.parse("p", "select $1::int4 + $2::int4") + w.bind("", "p", ["1"]) + w.sync())
        out = c.read_until_ready()
        c.send(w.execute("no_such_portal") + w.sync())
        out += c.read_until_ready()
        c.send(w.bind("", "p", ["1", "x"]) + w.execute("") + w.sync())
        out += c.read_until_ready()
        c.send(w.parse("p", "select 2") + w.sync())  # a named statement cannot be redefined
        out += c.read_until_ready()
        c.send(w.bind("", "p", ["1", "2"]) + w.execute("") + w.sync())
        return out + c.read_until_ready()

    got = both(direct, nectar, script)
    codes = [dict(m[1])["C"] for m in got if m[0] == "E"]
    assert codes == ["08P01", "34000", "22P02", "42P05"]
    assert got[-3] == ("D", (b"3",))


def test_copy_out_and_in(direct, nectar):
    def script(c):
        out = c.simple("copy (select n, h from numbers where n <= 3 order by n) to stdout with (format csv)")
        out += c.simple("begin")
        c.send(w.query("copy scratch (id, name, val) from stdin"))
        out.append(c.recv())  # CopyInResponse
        c.send(w.message(b"d", b"1\tone\t1.5\n2\ttw") + w.message(b"d", b"o\t\\N\n") + w.message(b"c"))
        out += c.read_until_ready()
        out += c.simple("select * from scratch order by id")
        c.send(w.query("copy scratch from stdin"))
        out.append(c.recv())
        c.send(w.message(b"d", b"3\tthree\t3\n") + w.message(b"f", w.cstr("client gave up")))
        out += c.read_until_ready()
        out += c.simple("rollback")
        return out

    got = both(direct, nectar, script)
    assert kinds(got) == "HdddcCZCZGCZTDDCZGEZCZ"
    assert ("C", "COPY 2") in got and ("D", (b"2", b"two", None)) in got
    assert [dict(m[1])["C"] for m in got if m[0] == "E"] == ["57014"]


def test_startup_parameters(direct, nectar):
    reported = []
    for ep in (direct, nectar):
        with w.Conn(ep.host, ep.port) as c:
            after_auth = c.startup(ep.user, ep.dbname, ep.password,
                                   params={"application_name": "pgwire-test", "DateStyle": "ISO, DMY"})
            assert kinds(after_auth).replace("S", "") == "KZ"
            assert c.backend_pid is not None and c.backend_key is not None
            reported.append(dict(c.parameters))
    want, got = reported
    for name in ("server_encoding", "client_encoding", "DateStyle", "integer_datetimes",
                 "standard_conforming_strings", "application_name", "TimeZone", "IntervalStyle"):
        assert got.get(name) == want[name], name
    assert got["server_version"].startswith("15.")
    assert got["DateStyle"] == "ISO, DMY" and got["application_name"] == "pgwire-test"


def test_terminate_closes(direct, nectar):
    for ep in (direct, nectar):
        with w.connect(ep) as c:
            c.send(w.terminate())
            assert c.read_until_close() == b""


@pytest.mark.parametrize("size", [1, 16 * 1024 * 1024])
def test_large_messages_both_ways(direct, nectar, size):
    def script(c):
        c.send(w.parse("", "select length($1::text), md5($1::text), $1::text = repeat('z', $2::int)") +
               w.bind("", "", ["z" * size, str(size)]) + w.execute("") + w.sync())
        return c.read_until_ready()

    got = both(direct, nectar, script)
    assert got[2][1][0] == str(size).encode() and got[2][1][2] == b"t"
