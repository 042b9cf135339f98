"""GET /api/v2/openapi.json (issue 4, SPEC §5) over PostgreSQL, MariaDB and SQLite services:
the document validates against the OpenAPI 3.0 schema, lists exactly the exposed tables (and
follows `_expose` at once), and maps each column's type, nullability and required-ness from
what the backend itself declares.

Run: /usr/bin/python3 -m pytest tests/e2e_federation/test_rest_openapi.py (NECTAR_BIN picks the binary).
"""

import os
import pathlib
import sqlite3
import sys

import psycopg2
import pytest
import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402
import openapi_check  # noqa: E402
from rest_env import three_services  # noqa: E402

NECTAR_BIN = pathlib.Path(os.environ.get("NECTAR_BIN", harness.DEFAULT_NECTAR_BIN))

PG_DDL = """
CREATE TABLE typed (id serial PRIMARY KEY, small smallint NOT NULL, big bigint, price numeric(8,2),
  ratio double precision, flag boolean NOT NULL, label varchar(20) NOT NULL, body text, born date,
  seen timestamp, seen_tz timestamptz, uid uuid, doc jsonb, raw bytea, tags text[], nums int[]);
CREATE TABLE secret (id int PRIMARY KEY, v text);
CREATE TABLE "odd name" (id int PRIMARY KEY, "the value" text);
CREATE VIEW typed_view AS SELECT id, label FROM typed;
INSERT INTO typed (small, flag, label) VALUES (1, true, 'one');
INSERT INTO "odd name" VALUES (7, 'seven');
"""
MY_DDL = """
CREATE TABLE typed (id int AUTO_INCREMENT PRIMARY KEY, small smallint NOT NULL, big bigint,
  price decimal(8,2), ratio double, flag tinyint(1) NOT NULL, label varchar(20) NOT NULL, body text,
  born date, seen datetime, doc json, raw blob);
CREATE TABLE secret (id int PRIMARY KEY, v text);
"""
LITE_DDL = """
CREATE TABLE typed (id INTEGER PRIMARY KEY, small INTEGER NOT NULL, price NUMERIC(8,2), ratio REAL,
  flag BOOLEAN NOT NULL, label VARCHAR(20) NOT NULL, body TEXT, born DATE, seen TIMESTAMP, raw BLOB);
CREATE TABLE secret (id INTEGER PRIMARY KEY, v TEXT);
"""

INT32 = {"type": "integer", "format": "int32"}
INT64 = {"type": "integer", "format": "int64"}
NUMBER = {"type": "number"}
DOUBLE = {"type": "number", "format": "double"}
BOOL = {"type": "boolean"}
TEXT = {"type": "string"}
LABEL = {"type": "string", "maxLength": 20}
DATE = {"type": "string", "format": "date"}
STAMP = {"type": "string", "format": "date-time"}
OBJECT = {"type": "object"}
BYTES = {"type": "string", "format": "byte"}

# Column → the JSON schema the document must give it (without nullable and description).
EXPECTED = {
    "pg": {"id": INT32, "small": INT32, "big": INT64, "price": NUMBER, "ratio": DOUBLE, "flag": BOOL,
           "label": LABEL, "body": TEXT, "born": DATE, "seen": STAMP, "seen_tz": STAMP,
           "uid": {"type": "string", "format": "uuid"}, "doc": OBJECT, "raw": BYTES,
           "tags": {"type": "array", "items": TEXT}, "nums": {"type": "array", "items": INT32}},
    "my": {"id": INT32, "small": INT32, "big": INT64, "price": NUMBER, "ratio": DOUBLE, "flag": BOOL,
           "label": LABEL, "body": TEXT, "born": DATE, "seen": STAMP, "doc": OBJECT, "raw": BYTES},
    "lite": {"id": INT64, "small": INT64, "price": NUMBER, "ratio": DOUBLE, "flag": BOOL, "label": LABEL,
             "body": TEXT, "born": DATE, "seen": STAMP, "raw": BYTES},
}


@pytest.fixture(scope="module")
def env():
    with three_services("openapi", pg_sql=PG_DDL, maria_sql=MY_DDL, lite_sql=LITE_DDL) as e:
        for service in EXPECTED:
            r = requests.post(f"{e.base}/{service}/_expose", json={"tables": ["typed"]}, timeout=30)
            assert r.status_code == 200, r.text
        yield {"base": e.base, "pg": e.pg, "maria": e.maria, "lite": e.lite_path}


def document(env):
    r = requests.get(f"{env['base']}/openapi.json", timeout=30)
    assert r.status_code == 200, r.text
    doc = r.json()
    openapi_check.validate(doc)
    return doc


def tables_of(doc):
    """(service, table) of every documented _table path."""
    out = set()
    for path in doc["paths"]:
        parts = path.split("/")
        if len(parts) == 6 and parts[4] == "_table":  # "", api, v2, service, _table, table
            out.add((parts[3], parts[5]))
    return out


def backend_columns(env, service):
    """(name, nullable) in column order, as the backend's own catalog says."""
    if service == "pg":
        with psycopg2.connect(env["pg"].service_url()) as conn, conn.cursor() as cur:
            cur.execute("SELECT column_name, is_nullable = 'YES' FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND table_name = 'typed' ORDER BY ordinal_position")
            return cur.fetchall()
    if service == "my":
        out = env["maria"].query("SELECT column_name, is_nullable = 'YES' FROM information_schema.columns "
                                 "WHERE table_schema = database() AND table_name = 'typed' ORDER BY ordinal_position")
        return [(name, nullable in ("1", 1)) for name, nullable in out]
    with sqlite3.connect(env["lite"]) as conn:
        return [(name, not notnull and not pk)
                for _, name, _, notnull, _, pk in conn.execute("PRAGMA table_info(typed)")]


def test_document_lists_exactly_the_exposed_tables(env):
    doc = document(env)
    assert tables_of(doc) == {("pg", "typed"), ("my", "typed"), ("lite", "typed")}
    assert not any("secret" in p for p in doc["paths"])
    assert not any("secret" in name for name in doc["components"]["schemas"])


@pytest.mark.parametrize("service", ["pg", "my", "lite"])
def test_column_types_follow_the_backend(env, service):
    doc = document(env)
    schema = doc["components"]["schemas"][f"{service}.typed"]
    columns = backend_columns(env, service)
    assert list(schema["properties"]) == [name for name, _ in columns]
    for name, nullable in columns:
        prop = dict(schema["properties"][name])
        assert prop.pop("nullable", False) == nullable, (service, name)
        assert prop.pop("description")  # the backend's own type name
        assert prop == EXPECTED[service][name], (service, name)
    # NOT NULL without a default is required; nullable columns and the generated key are not.
    required = set(schema["required"])
    assert {"small", "flag", "label"} <= required
    assert not required & ({name for name, nullable in columns if nullable} | {"id"})
    assert "required" not in doc["components"]["schemas"][f"{service}.typed.patch"]


def test_expose_shows_up_at_once_and_bad_expose_changes_nothing(env):
    before = document(env)
    r = requests.post(f"{env['base']}/pg/_expose", json={"tables": ["no_such_table"]}, timeout=30)
    assert r.status_code == 404
    assert "no_such_table" in r.json()["error"]["message"]
    r = requests.post(f"{env['base']}/pg/_expose", data=b"{not json", timeout=30)
    assert r.status_code == 400
    assert document(env) == before
    r = requests.post(f"{env['base']}/pg/_expose", json={"tables": ["odd name", "typed_view"]}, timeout=30)
    assert r.status_code == 200, r.text
    doc = document(env)
    assert tables_of(doc) == {("pg", "typed"), ("my", "typed"), ("lite", "typed"),
                              ("pg", "odd%20name"), ("pg", "typed_view")}
    # A name outside [A-Za-z0-9._-] is percent-encoded in the path, and that path answers.
    odd = "/api/v2/pg/_table/odd%20name"
    assert set(doc["paths"][odd]) == {"get", "post", "patch", "delete"}
    schema = doc["components"]["schemas"]["pg.odd_name"]
    assert list(schema["properties"]) == ["id", "the value"]
    r = requests.get(env["base"].removesuffix("/api/v2") + odd, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["data"] == [{"id": 7, "the value": "seven"}]
    # A view is documented for reading only; without a primary key it has no /{id}.
    view = "/api/v2/pg/_table/typed_view"
    assert set(doc["paths"][view]) == {"get"}
    assert view + "/{id}" not in doc["paths"]


def test_unknown_service_endpoints_are_json_errors(env):
    r = requests.post(f"{env['base']}/nope/_expose", json={"tables": ["*"]}, timeout=30)
    assert r.status_code == 404
    assert r.json()["error"]["sqlstate"] == "3D000"
    assert tables_of(document(env)) >= {("pg", "typed")}
