"""`POST /api/v2/{service}/_proc/{name}` (issue 4, SPEC §5) against PostgreSQL, MariaDB and
SQLite services: table, scalar and void functions, procedures with OUT and INOUT arguments,
MariaDB procedures with several result sets; named and positional params coerced to the declared
types; errors raised inside routines keeping their SQLSTATE and message; which routines may be
called (exposed by name or through "*"); and bad input (missing, extra, mistyped arguments,
injection attempts in names and values) answered 4xx with the data untouched."""

import os
import pathlib
import sys
import time
from decimal import Decimal

import pytest
import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402
from rest_env import three_services  # noqa: E402

NECTAR_BIN = pathlib.Path(os.environ.get("NECTAR_BIN", harness.DEFAULT_NECTAR_BIN))

ACCOUNTS = [(1, "ann", Decimal("120.50")), (2, "bob", Decimal("15.00")), (3, "cid", Decimal("980.25")),
            (4, "dee", Decimal("300.00"))]

PG_DDL = """
CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(10,2) NOT NULL);
CREATE TABLE victims (id int PRIMARY KEY);
INSERT INTO victims VALUES (1), (2);
CREATE FUNCTION rich_accounts(min_balance numeric) RETURNS TABLE (id int, owner text, balance numeric)
  LANGUAGE sql STABLE AS $$ SELECT a.id, a.owner, a.balance FROM accounts a WHERE a.balance >= min_balance
  ORDER BY a.id $$;
CREATE FUNCTION add_numbers(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT a + b';
CREATE FUNCTION shout(word text) RETURNS text LANGUAGE sql AS $$ SELECT upper(word) || '!' $$;
CREATE FUNCTION days_after(d date, n int) RETURNS date LANGUAGE sql AS 'SELECT d + n';
CREATE FUNCTION forget(account int) RETURNS void LANGUAGE sql AS 'UPDATE accounts SET owner = owner WHERE id = account';
CREATE PROCEDURE deposit(account int, amount numeric, OUT new_balance numeric) LANGUAGE plpgsql AS $$
BEGIN
  IF amount <= 0 THEN
    RAISE EXCEPTION 'amount must be positive, got %', amount;
  END IF;
  UPDATE accounts SET balance = balance + amount WHERE id = account RETURNING balance INTO new_balance;
END $$;
CREATE PROCEDURE double_it(INOUT n int) LANGUAGE plpgsql AS $$ BEGIN n := n * 2; END $$;
CREATE FUNCTION drop_victims() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE victims; END $$;
"""

MY_DDL = """
CREATE TABLE accounts (id int PRIMARY KEY, owner varchar(40) NOT NULL, balance decimal(10,2) NOT NULL);
CREATE TABLE victims (id int PRIMARY KEY);
INSERT INTO victims VALUES (1), (2);
DELIMITER //
CREATE PROCEDURE report(IN min_balance DECIMAL(10,2), OUT total_count INT)
BEGIN
  SELECT id, owner, balance FROM accounts WHERE balance >= min_balance ORDER BY id;
  SELECT owner FROM accounts ORDER BY owner DESC;
  SELECT COUNT(*) INTO total_count FROM accounts;
END //
CREATE PROCEDURE withdraw(IN account INT, IN amount DECIMAL(10,2), INOUT balance_after DECIMAL(10,2))
BEGIN
  IF amount > (SELECT balance FROM accounts WHERE id = account) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'insufficient funds';
  END IF;
  UPDATE accounts SET balance = balance - amount WHERE id = account;
  SELECT balance INTO balance_after FROM accounts WHERE id = account;
END //
DELIMITER ;
CREATE FUNCTION add_numbers(a INT, b INT) RETURNS INT DETERMINISTIC RETURN a + b;
CREATE FUNCTION greet(who VARCHAR(40)) RETURNS VARCHAR(80) DETERMINISTIC RETURN CONCAT('hello, ', who);
"""

PG_EXPOSED = ["rich_accounts", "add_numbers", "shout", "days_after", "forget", "deposit", "double_it"]


def accounts_sql():
    return "INSERT INTO accounts VALUES " + ", ".join(f"({i}, '{o}', {b})" for i, o, b in ACCOUNTS)


@pytest.fixture(scope="module")
def env():
    with three_services("rest-proc", pg_sql=f"{PG_DDL}; {accounts_sql()}", maria_sql=f"{MY_DDL} {accounts_sql()};",
                        lite_sql="CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT)") as e:
        yield e.base, e.pg, e.maria


@pytest.fixture(scope="module")
def api(env):
    base = env[0]
    # PostgreSQL: routines exposed by name (drop_victims is not); MariaDB: everything ("*").
    r = requests.post(f"{base}/pg/_expose", json={"tables": ["accounts"], "procedures": PG_EXPOSED}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json() == {"service": "pg", "exposed": ["accounts"], "procedures": sorted(PG_EXPOSED)}
    r = requests.post(f"{base}/my/_expose", json={"tables": ["*"]}, timeout=30)
    assert r.status_code == 200, r.text
    r = requests.post(f"{base}/lite/_expose", json={"tables": ["*"]}, timeout=30)
    assert r.status_code == 200, r.text
    return base


def call(base, service, name, body=None, raw=None):
    if raw is not None:
        return requests.post(f"{base}/{service}/_proc/{name}", data=raw, timeout=30)
    return requests.post(f"{base}/{service}/_proc/{name}", json=body, timeout=30)


def pg_rows(pg, sql):
    out = pg.psql_admin(f"\\pset format unaligned\n\\pset tuples_only on\n{sql}", db=harness.APP_DB)
    return [line.split("|") for line in out.splitlines() if line]


def balances_pg(pg):
    return {int(i): Decimal(b) for i, b in pg_rows(pg, "SELECT id, balance FROM accounts ORDER BY id")}


def balances_my(maria):
    return {int(i): Decimal(b) for i, b in maria.query("SELECT id, balance FROM accounts ORDER BY id")}


def assert_error(r, status, sqlstate, *words):
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == status and error["sqlstate"] == sqlstate, error
    for w in words:
        assert w in error["message"], (w, error)


# --- PostgreSQL ---------------------------------------------------------------------------------

def test_pg_table_function_returns_its_rows(api, env):
    r = call(api, "pg", "rich_accounts", {"params": {"min_balance": 100}})
    assert r.status_code == 200, r.text
    want = [{"id": i, "owner": o, "balance": float(b)} for i, o, b in ACCOUNTS if b >= 100]
    assert r.json() == {"data": want}
    # The same through positional params, with the number given as a string (coerced to numeric).
    r = call(api, "pg", "rich_accounts", {"params": ["300"]})
    assert r.json() == {"data": [w for w in want if w["balance"] >= 300]}
    backend = pg_rows(env[1], "SELECT id FROM rich_accounts(300)")
    assert [row["id"] for row in r.json()["data"]] == [int(b[0]) for b in backend]


def test_pg_scalar_and_void_functions(api):
    assert call(api, "pg", "add_numbers", {"params": {"a": 2, "b": 40}}).json() == {"data": [{"add_numbers": 42}]}
    assert call(api, "pg", "add_numbers", {"params": [-5, 3]}).json() == {"data": [{"add_numbers": -2}]}
    assert call(api, "pg", "shout", {"params": {"word": "hi"}}).json() == {"data": [{"shout": "HI!"}]}
    r = call(api, "pg", "days_after", {"params": {"d": "2024-02-27", "n": 3}})
    assert r.json() == {"data": [{"days_after": "2024-03-01"}]}
    assert call(api, "pg", "forget", {"params": {"account": 1}}).json() == {"data": []}


def test_pg_procedures_with_out_and_inout(api, env):
    pg = env[1]
    before = balances_pg(pg)
    r = call(api, "pg", "deposit", {"params": {"account": 2, "amount": "10.25"}})
    assert r.status_code == 200, r.text
    assert r.json() == {"data": [], "out": {"new_balance": float(before[2] + Decimal("10.25"))}}
    assert balances_pg(pg)[2] == before[2] + Decimal("10.25")
    assert call(api, "pg", "double_it", {"params": {"n": 21}}).json() == {"data": [], "out": {"n": 42}}
    assert call(api, "pg", "double_it", {"params": [None]}).json() == {"data": [], "out": {"n": None}}


def test_pg_raise_exception_keeps_sqlstate_and_message(api, env):
    before = balances_pg(env[1])
    r = call(api, "pg", "deposit", {"params": {"account": 1, "amount": -3}})
    assert_error(r, 400, "P0001", "amount must be positive, got -3")
    assert balances_pg(env[1]) == before


# --- MariaDB ------------------------------------------------------------------------------------

def test_my_procedure_with_two_result_sets_and_an_out_param(api, env):
    r = call(api, "my", "report", {"params": {"min_balance": 120.5}})
    assert r.status_code == 200, r.text
    body = r.json()
    first = [{"id": i, "owner": o, "balance": float(b)} for i, o, b in ACCOUNTS if b >= Decimal("120.5")]
    second = [{"owner": o} for o in sorted((a[1] for a in ACCOUNTS), reverse=True)]
    assert body["data"] == first
    assert body["resultSets"] == [first, second]
    assert body["out"] == {"total_count": int(env[2].query("SELECT COUNT(*) FROM accounts")[0][0])}


def test_my_functions_and_inout(api, env):
    maria = env[2]
    assert call(api, "my", "add_numbers", {"params": [19, 23]}).json() == {"data": [{"add_numbers": 42}]}
    assert call(api, "my", "greet", {"params": {"who": "O'Brien"}}).json() == {"data": [{"greet": "hello, O'Brien"}]}
    before = balances_my(maria)
    r = call(api, "my", "withdraw", {"params": {"account": 3, "amount": 80.25, "balance_after": None}})
    assert r.status_code == 200, r.text
    assert r.json() == {"data": [], "out": {"balance_after": float(before[3] - Decimal("80.25"))}}
    assert balances_my(maria)[3] == before[3] - Decimal("80.25")


def test_my_signal_keeps_sqlstate_and_message(api, env):
    before = balances_my(env[2])
    r = call(api, "my", "withdraw", {"params": {"account": 2, "amount": 5000, "balance_after": 0}})
    assert_error(r, 400, "45000", "insufficient funds")
    assert balances_my(env[2]) == before


# --- which routines answer ------------------------------------------------------------------------

def test_unexposed_and_unknown_routines_are_404_and_never_run(api, env):
    r = call(api, "pg", "drop_victims", {})
    assert_error(r, 404, "P0002", "drop_victims", "not exposed", "_expose")
    assert pg_rows(env[1], "SELECT count(*) FROM victims") == [["2"]]
    assert_error(call(api, "my", "no_such_proc", {}), 404, "P0002", "no_such_proc", "does not exist")
    assert_error(call(api, "nope", "add_numbers", {}), 404, "3D000", "nope")
    assert_error(call(api, "lite", "anything", {}), 404, "P0002", "sqlite", "no stored procedures")


def test_expose_of_an_unknown_routine_is_404_and_changes_nothing(api):
    r = requests.post(f"{api}/pg/_expose", json={"procedures": ["no_such_fn", "drop_victims"]}, timeout=30)
    assert_error(r, 404, "42883", "no_such_fn")
    assert_error(call(api, "pg", "drop_victims", {}), 404, "P0002", "not exposed")
    r = requests.post(f"{api}/pg/_expose", json={"procedures": "drop_victims"}, timeout=30)
    assert_error(r, 400, "22023", "procedures")
    r = requests.post(f"{api}/pg/_expose", json={}, timeout=30)
    assert_error(r, 400, "22023", "tables", "procedures")


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("service, name, body, status, sqlstate, words", [
    ("pg", "add_numbers", {"params": {"a": 1}}, 400, "22023", ['missing argument "b"']),
    ("pg", "add_numbers", {}, 400, "22023", ["missing argument"]),
    ("pg", "add_numbers", {"params": {"a": 1, "b": 2, "c": 3}}, 400, "22023", ['unknown argument "c"']),
    ("pg", "add_numbers", {"params": [1, 2, 3]}, 400, "22023", ["expects 2", "got 3"]),
    ("pg", "add_numbers", {"params": {"a": "one", "b": 2}}, 400, "22P02", ['argument "a"', "integer"]),
    ("pg", "add_numbers", {"params": {"a": 1.5, "b": 2}}, 400, "22P02", ['argument "a"']),
    ("pg", "add_numbers", {"params": {"a": 99999999999, "b": 2}}, 400, "22003", ['argument "a"']),
    ("pg", "days_after", {"params": {"d": "yesterday-ish", "n": 1}}, 400, "22", ['argument "d"']),
    ("pg", "deposit", {"params": {"account": 1, "amount": 1, "new_balance": 5}}, 400, "22023",
     ['unknown argument "new_balance"', "OUT"]),
    ("pg", "add_numbers", {"params": "1, 2"}, 400, "22023", ['"params"']),
    ("pg", "add_numbers", {"params": [1, 2], "extra": True}, 400, "22023", ['unknown key "extra"']),
    ("my", "add_numbers", {"params": {"a": "1; DROP TABLE victims", "b": 2}}, 400, "22P02", ['argument "a"']),
    ("my", "report", {"params": {"min_balance": {"$gt": 1}}}, 400, "22", ['argument "min_balance"']),
])
def test_bad_params_are_400_naming_the_argument(api, env, service, name, body, status, sqlstate, words):
    r = call(api, service, name, body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["sqlstate"].startswith(sqlstate), error
    for w in words:
        assert w in error["message"], (w, error)


def test_malformed_bodies_are_400(api):
    assert_error(call(api, "pg", "add_numbers", raw=b"{not json"), 400, "22P02", "not valid JSON")
    assert_error(call(api, "pg", "add_numbers", raw=b"[1, 2]"), 400, "22023", "object")


def test_injection_attempts_are_data_or_unknown_names(api, env):
    pg, maria = env[1], env[2]
    # A value is a literal: the quote, semicolon and comment reach the function as text.
    evil = "x'); DROP TABLE victims; --"
    r = call(api, "pg", "shout", {"params": {"word": evil}})
    assert r.json() == {"data": [{"shout": evil.upper() + "!"}]}
    r = call(api, "my", "greet", {"params": [evil]})
    assert r.json() == {"data": [{"greet": "hello, " + evil}]}
    # A name is looked up among the discovered routines, never spliced.
    for name in ["add_numbers(1,2); DROP TABLE victims; --", "add_numbers\"", "drop_victims()"]:
        r = requests.post(f"{api}/pg/_proc/{requests.utils.quote(name, safe='')}", json={}, timeout=30)
        assert r.status_code == 404, r.text
    r = call(api, "pg", "rich_accounts", {"params": {"min_balance); DROP TABLE victims; --": 1}})
    assert_error(r, 400, "22023", "unknown argument")
    assert pg_rows(pg, "SELECT count(*) FROM victims") == [["2"]]
    assert maria.query("SELECT COUNT(*) FROM victims") == [["2"]]
    assert balances_pg(pg)[4] == Decimal("300.00") and balances_my(maria)[4] == Decimal("300.00")


def test_a_call_drops_smart_cached_answers_of_its_service(api, env):
    url = f"{api}/pg/_table/accounts/1"
    headers = {"X-Cache-Strategy": "smart", "X-Cache-TTL": "300"}
    first = requests.get(url, headers=headers, timeout=30)
    assert first.status_code == 200, first.text
    # Smart answers are kept once the table's change feed runs (a first poll here): BYPASS until then.
    deadline = time.monotonic() + 10
    while requests.get(url, headers=headers, timeout=30).headers["X-Cache-Status"] != "HIT":
        assert time.monotonic() < deadline, "the smart answer is never kept"
        time.sleep(0.1)
    r = call(api, "pg", "deposit", {"params": {"account": 1, "amount": 1}})
    assert r.status_code == 200, r.text
    after = requests.get(url, headers=headers, timeout=30)
    assert after.headers["X-Cache-Status"] == "MISS"
    assert Decimal(str(after.json()["balance"])) == Decimal(str(first.json()["balance"])) + 1
    assert Decimal(str(after.json()["balance"])) == balances_pg(env[1])[1]


def test_openapi_documents_proc_and_expose_procedures(api):
    doc = requests.get(api + "/openapi.json", timeout=30).json()
    path = doc["paths"]["/api/v2/{service}/_proc/{name}"]
    assert set(path) == {"parameters", "post"}
    assert set(path["post"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"]) == {
        "data", "resultSets", "out"}
    assert "procedures" in doc["components"]["schemas"]["ExposeInput"]["properties"]
