"""The services registry (issue 4 part 2, SPEC §5 /api/v2/services): PostgreSQL, MariaDB and
SQLite services registered over HTTP on a running two-worker Nectar, read over REST and over
pg-wire from several connections (so from both workers), listed with health, changed, removed,
kept across a restart with their passwords encrypted in catalog.db; bad bodies, clashes, a wrong
secret key and non-admin callers refused with messages that say why."""

import os
import pathlib
import sqlite3
import subprocess
import sys
import tempfile

import psycopg2
import pytest
import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402
from mariadb_server import MariaServer  # noqa: E402

NECTAR_BIN = pathlib.Path(os.environ.get("NECTAR_BIN", harness.DEFAULT_NECTAR_BIN))

PG_ROWS = [(1, "pg ada"), (2, "pg grace"), (3, "pg edsger")]
PG2_ROWS = [(10, "second db linus"), (11, "second db barbara")]
MY_ROWS = [(1, "my ken"), (2, "my dennis")]
LITE_ROWS = [(1, "lite alan"), (2, "lite donald"), (3, "lite margaret"), (4, "lite niklaus")]
CFG_ROWS = [(7, "config only")]


def values(rows):
    return ", ".join(f"({i}, '{n}')" for i, n in rows)


def make_sqlite(path, rows):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        conn.executemany("INSERT INTO people VALUES (?, ?)", rows)
    os.chmod(path, 0o666)


def start_nectar(args, data_dir=None, name="svc-nectar"):
    nectar = harness.Nectar(NECTAR_BIN, args, name=name)
    if data_dir is not None:
        nectar.args[nectar.args.index("--data-dir") + 1] = str(data_dir)
    return nectar.start()


@pytest.fixture(scope="module")
def env():
    if not NECTAR_BIN.exists():
        pytest.skip(f"nectar binary not found at {NECTAR_BIN}")
    cleanup = []
    try:
        pg = harness.PgServer(name="svc-pg")
        cleanup.append(pg.cleanup)
        pg.start_fresh()
        pg.psql_admin(f"CREATE ROLE {harness.APP_USER} LOGIN PASSWORD '{harness.APP_PASSWORD}';"
                      f"CREATE DATABASE {harness.APP_DB} OWNER {harness.APP_USER};"
                      f"CREATE DATABASE app2 OWNER {harness.APP_USER};")
        ddl = "CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL)"
        pg.psql_admin(f"SET ROLE {harness.APP_USER}; {ddl}; INSERT INTO people VALUES {values(PG_ROWS)};",
                      db=harness.APP_DB)
        pg.psql_admin(f"SET ROLE {harness.APP_USER}; {ddl}; INSERT INTO people VALUES {values(PG2_ROWS)};",
                      db="app2")
        maria = MariaServer()
        maria.start()
        cleanup.append(maria.stop)
        maria.execute("CREATE TABLE people (id int PRIMARY KEY, name varchar(40) NOT NULL); "
                      f"INSERT INTO people VALUES {values(MY_ROWS)};")
        tmp = tempfile.TemporaryDirectory(prefix="nectar-svc-lite-", dir="/tmp")
        cleanup.append(tmp.cleanup)
        os.chmod(tmp.name, 0o777)
        lite = pathlib.Path(tmp.name) / "lite.db"
        cfg = pathlib.Path(tmp.name) / "cfg.db"
        make_sqlite(lite, LITE_ROWS)
        make_sqlite(cfg, CFG_ROWS)
        nectar = start_nectar(["--service", f"cfg=sqlite://{cfg}"])
        cleanup.append(nectar.cleanup)
        state = {"nectar": nectar, "pg": pg, "maria": maria, "lite": lite, "cfg": cfg,
                 "data_dir": nectar.tmp / "data", "cleanup": cleanup}
        yield state
        state["nectar"].stop_cleanly()
    finally:
        for step in reversed(cleanup):
            step()


def base(env):
    return f"http://127.0.0.1:{env['nectar'].http_port}/api/v2"


def post(env, body):
    return requests.post(f"{base(env)}/services", json=body, timeout=30)


def rest_rows(env, service):
    r = requests.get(f"{base(env)}/{service}/_table/people", params={"sort": "id"}, timeout=30)
    assert r.status_code == 200, r.text
    return [(row["id"], row["name"]) for row in r.json()["data"]]


def expose(env, service):
    r = requests.post(f"{base(env)}/{service}/_expose", json={"tables": ["people"]}, timeout=30)
    assert r.status_code == 200, r.text


def sql_rows_on_every_worker(env, sql, connections=4):
    """The same query on several connections: the round robin puts them on both workers."""
    results = []
    conns = [psycopg2.connect(host="127.0.0.1", port=env["nectar"].port, user="nectar", dbname="cfg",
                              connect_timeout=10) for _ in range(connections)]
    try:
        for conn in conns:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql)
                results.append([tuple(r) for r in cur.fetchall()])
    finally:
        for conn in conns:
            conn.close()
    return results


def error_of(r, status):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == status
    return body["error"]["message"]


def test_register_postgresql_mariadb_and_sqlite(env):
    pg, maria = env["pg"], env["maria"]
    for name, kind, url in [("pgx", "postgresql", pg.service_url()), ("myx", "mariadb", maria.url),
                            ("litex", "sqlite", f"sqlite://{env['lite']}")]:
        r = post(env, {"name": name, "databaseType": kind, "connectionString": url,
                       "pool": {"maxConnections": 4, "acquireTimeoutMillis": 5000}})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["name"] == name and body["databaseType"] == kind and body["source"] == "api"
        assert body["pool"] == {"maxConnections": 4, "acquireTimeoutMillis": 5000}
        assert r.headers["Location"] == f"/api/v2/services/{name}"
        assert harness.APP_PASSWORD not in r.text and maria.password not in r.text
    pg_body = requests.get(f"{base(env)}/services/pgx", timeout=30).json()
    assert pg_body["connectionString"] == (f"postgresql://{harness.APP_USER}:****@127.0.0.1:{pg.port}/"
                                           f"{harness.APP_DB}")
    for service, rows in [("pgx", PG_ROWS), ("myx", MY_ROWS), ("litex", LITE_ROWS)]:
        expose(env, service)
        assert rest_rows(env, service) == rows
        for seen in sql_rows_on_every_worker(env, f"select id, name from {service}.people order by id"):
            assert seen == rows
    # A federated join across two services registered at run time.
    joined = sql_rows_on_every_worker(env, "select p.name, l.name from pgx.people p join litex.people l "
                                           "on l.id = p.id order by p.id", connections=2)
    assert joined == [[(p[1], l[1]) for p, l in zip(PG_ROWS, LITE_ROWS)]] * 2


def test_list_and_inspect_with_health(env):
    closed_port = harness.free_port()
    # A short acquire timeout: the pool stops retrying the closed port after 1.5 s.
    r = post(env, {"name": "downx", "databaseType": "postgresql",
                   "connectionString": f"postgresql://nobody:hush-hush-pw@127.0.0.1:{closed_port}/nothing",
                   "pool": {"acquireTimeoutMillis": 1500}})
    assert r.status_code == 201, r.text
    r = requests.get(f"{base(env)}/services", timeout=30)
    assert r.status_code == 200, r.text
    assert "hush-hush-pw" not in r.text and harness.APP_PASSWORD not in r.text
    listed = {s["name"]: s for s in r.json()["data"]}
    assert set(listed) == {"cfg", "pgx", "myx", "litex", "downx"}
    assert r.json()["meta"]["count"] == 5
    assert listed["cfg"]["source"] == "config" and listed["cfg"]["databaseType"] == "sqlite"
    for name in ["cfg", "pgx", "myx", "litex"]:
        assert listed[name]["health"]["status"] == "up", listed[name]
        assert listed[name]["health"]["latencyMs"] >= 0
    down = listed["downx"]["health"]
    assert down["status"] == "down" and "Connection refused" in down["error"], down
    assert listed["downx"]["connectionString"] == f"postgresql://nobody:****@127.0.0.1:{closed_port}/nothing"
    one = requests.get(f"{base(env)}/services/downx", timeout=30).json()
    assert one["health"]["status"] == "down"
    one = requests.get(f"{base(env)}/services/myx", timeout=30).json()
    assert one["health"]["status"] == "up" and one["source"] == "api" and one["createdAt"]
    assert error_of(requests.get(f"{base(env)}/services/nosuch", timeout=30), 404) == \
        'service "nosuch" is not registered'
    # A service that is down fails the statements that name it, not everyone else's.
    conn = psycopg2.connect(host="127.0.0.1", port=env["nectar"].port, user="nectar", dbname="cfg")
    conn.autocommit = True
    with conn.cursor() as cur:
        with pytest.raises(psycopg2.OperationalError) as failed:
            cur.execute("select * from downx.people")
        assert 'cannot discover service "downx"' in str(failed.value)
        cur.execute("select id, name from myx.people order by id")
        assert cur.fetchall() == MY_ROWS
    conn.close()
    assert rest_rows(env, "pgx") == PG_ROWS


BAD_BODIES = [
    ({"databaseType": "sqlite", "connectionString": "sqlite:///tmp/x.db"}, "name"),
    ({"name": "a1", "connectionString": "sqlite:///tmp/x.db"}, "databaseType"),
    ({"name": "a1", "databaseType": "sqlite"}, "connectionString"),
    ({"name": "a1", "databaseType": "oracle", "connectionString": "sqlite:///tmp/x.db"}, "oracle"),
    ({"name": "a1", "databaseType": "postgresql", "connectionString": "postgresql://u:p@host:99999/db"},
     "connectionString"),
    ({"name": "a1", "databaseType": "postgresql", "connectionString": "not a url"}, "connectionString"),
    ({"name": "a1", "databaseType": "mysql", "connectionString": "postgresql://u@h/db"}, "databaseType is mysql"),
    ({"name": "a1", "databaseType": "mongodb", "connectionString": "mongodb://h/db"}, "cannot serve mongodb"),
    ({"name": 'a"b', "databaseType": "sqlite", "connectionString": "sqlite:///tmp/x.db"}, "not an identifier"),
    ({"name": "a;drop table x", "databaseType": "sqlite", "connectionString": "sqlite:///tmp/x.db"},
     "not an identifier"),
    ({"name": "caf\u00e9", "databaseType": "sqlite", "connectionString": "sqlite:///tmp/x.db"},
     "not an identifier"),
    ({"name": "pg_catalog", "databaseType": "sqlite", "connectionString": "sqlite:///tmp/x.db"}, "reserved"),
    ({"name": "nectar", "databaseType": "sqlite", "connectionString": "sqlite:///tmp/x.db"}, "reserved"),
    ({"name": "services", "databaseType": "sqlite", "connectionString": "sqlite:///tmp/x.db"}, "reserved"),
    ({"name": "a1", "databaseType": "sqlite", "connectionString": "sqlite:///tmp/x.db", "pool": {"size": 3}},
     "unknown setting \"size\""),
    ({"name": "a1", "databaseType": "sqlite", "connectionString": "sqlite:///tmp/x.db",
      "pool": {"minConnections": 9, "maxConnections": 2}}, "exceeds maxConnections"),
    ({"name": "a1", "databaseType": "sqlite", "connectionString": "sqlite:///tmp/x.db", "colour": "red"},
     "unknown member \"colour\""),
    ({"name": "a1", "databaseType": "sqlite", "connectionString": "sqlite:///tmp/x.db", "ssl": True},
     "postgresql services only"),
]


@pytest.mark.parametrize("body,says", BAD_BODIES)
def test_bad_bodies_are_400_with_what_is_wrong(env, body, says):
    before = requests.get(f"{base(env)}/services", timeout=30).json()["meta"]["count"]
    message = error_of(post(env, body), 400)
    assert says in message, message
    assert "p@host" not in message
    assert requests.get(f"{base(env)}/services", timeout=30).json()["meta"]["count"] == before


def test_malformed_json_clashes_and_config_services(env):
    r = requests.post(f"{base(env)}/services", data="{\"name\":", headers={"Content-Type": "application/json"},
                      timeout=30)
    assert "not valid JSON" in error_of(r, 400)
    lite_url = f"sqlite://{env['lite']}"
    assert "already" in error_of(post(env, {"name": "litex", "databaseType": "sqlite",
                                             "connectionString": lite_url}), 409)
    assert "already" in error_of(post(env, {"name": "LiteX", "databaseType": "sqlite",
                                             "connectionString": lite_url}), 409)
    assert "configuration" in error_of(post(env, {"name": "cfg", "databaseType": "sqlite",
                                                   "connectionString": lite_url}), 409)
    r = requests.patch(f"{base(env)}/services/cfg", json={"connectionString": lite_url}, timeout=30)
    assert "configuration" in error_of(r, 409)
    assert "configuration" in error_of(requests.delete(f"{base(env)}/services/cfg", timeout=30), 409)
    assert rest_rows_or_expose(env, "cfg") == CFG_ROWS
    assert error_of(requests.patch(f"{base(env)}/services/nosuch", json={}, timeout=30), 404)
    assert error_of(requests.delete(f"{base(env)}/services/nosuch", timeout=30), 404)
    r = requests.patch(f"{base(env)}/services/litex", json={"name": "other"}, timeout=30)
    assert "cannot be renamed" in error_of(r, 400)
    r = requests.patch(f"{base(env)}/services/litex", json={"connectionString": "sqlite:relative"}, timeout=30)
    error_of(r, 400)
    assert rest_rows(env, "litex") == LITE_ROWS  # a refused change leaves the service as it was


def rest_rows_or_expose(env, service):
    expose(env, service)
    return rest_rows(env, service)


def test_patch_points_a_service_at_another_database(env):
    pg = env["pg"]
    r = requests.patch(f"{base(env)}/services/pgx", json={"connectionString": pg.service_url(db="app2")},
                       timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["connectionString"].endswith("/app2") and harness.APP_PASSWORD not in r.text
    assert rest_rows(env, "pgx") == PG2_ROWS
    for seen in sql_rows_on_every_worker(env, "select id, name from pgx.people order by id"):
        assert seen == PG2_ROWS


def test_delete_removes_the_service_everywhere(env):
    r = requests.delete(f"{base(env)}/services/litex", timeout=30)
    assert r.status_code == 200, r.text
    assert error_of(requests.get(f"{base(env)}/services/litex", timeout=30), 404)
    r = requests.get(f"{base(env)}/litex/_table/people", timeout=30)
    assert r.status_code == 404, r.text
    conns = [psycopg2.connect(host="127.0.0.1", port=env["nectar"].port, user="nectar", dbname="cfg")
             for _ in range(2)]
    for conn in conns:
        with conn.cursor() as cur:
            with pytest.raises(psycopg2.Error):
                cur.execute("select id from litex.people")
        conn.close()
    assert env["lite"].exists()  # removing a service never touches the backend's data
    assert error_of(requests.delete(f"{base(env)}/services/litex", timeout=30), 404)
    # A new service under the old name starts with nothing exposed.
    r = post(env, {"name": "litex", "databaseType": "sqlite", "connectionString": f"sqlite://{env['cfg']}"})
    assert r.status_code == 201, r.text
    assert "is not exposed" in error_of(requests.get(f"{base(env)}/litex/_table/people", timeout=30), 404)
    assert requests.delete(f"{base(env)}/services/litex", timeout=30).status_code == 200
    assert requests.delete(f"{base(env)}/services/downx", timeout=30).status_code == 200


def test_restart_keeps_registered_services_with_encrypted_passwords(env):
    assert env["nectar"].stop() == 0, env["nectar"].stderr_tail()
    catalog = (env["data_dir"] / "catalog.db").read_bytes()
    assert b"pgx" in catalog and b"myx" in catalog
    assert harness.APP_PASSWORD.encode() not in catalog
    assert env["maria"].password.encode() not in catalog
    key_file = env["data_dir"] / "secret.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert "generated a secret key" in env["nectar"].stderr_text()

    nectar = start_nectar(["--service", f"cfg=sqlite://{env['cfg']}"], data_dir=env["data_dir"],
                          name="svc-nectar2")
    env["cleanup"].append(nectar.cleanup)
    env["nectar"] = nectar
    assert "generated a secret key" not in nectar.stderr_text()
    listed = {s["name"]: s for s in requests.get(f"{base(env)}/services", timeout=30).json()["data"]}
    assert set(listed) == {"cfg", "pgx", "myx"}
    assert listed["pgx"]["connectionString"].endswith("/app2")
    assert rest_rows(env, "pgx") == PG2_ROWS
    assert rest_rows(env, "myx") == MY_ROWS
    for seen in sql_rows_on_every_worker(env, "select id, name from myx.people order by id"):
        assert seen == MY_ROWS


def test_wrong_secret_key_is_one_clear_startup_error(env):
    data_dir = env["data_dir"]
    # The running instance holds the data dir: a copy of it is what the second start opens.
    copy = pathlib.Path(tempfile.mkdtemp(prefix="nectar-svc-wrongkey-", dir="/tmp"))
    try:
        for name in ["catalog.db", "secret.key"]:
            (copy / name).write_bytes((data_dir / name).read_bytes())
        environment = dict(os.environ, NECTAR_SECRET_KEY="this is not the key it was sealed with")
        args = [str(NECTAR_BIN), "--pg-listen", f"127.0.0.1:{harness.free_port()}",
                "--http-listen", f"127.0.0.1:{harness.free_port()}", "--data-dir", str(copy)]
        done = subprocess.run(args, env=environment, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0
        output = done.stdout + done.stderr
        assert "cannot decrypt" in output and ('"myx"' in output or '"pgx"' in output), output
        assert "NECTAR_SECRET_KEY" in output
        assert harness.APP_PASSWORD not in output
    finally:
        subprocess.run(["rm", "-rf", str(copy)], check=False)


def test_only_admins_may_use_the_registry_expose_and_discover(env):
    nectar = start_nectar(["--service", f"cfg=sqlite://{env['cfg']}", "--api-key", "admin-key-123:admin",
                           "--api-key", "reader-key-456:reader", "--api-key", "both-key-789:reader,admin"],
                          name="svc-auth")
    try:
        url = f"http://127.0.0.1:{nectar.http_port}/api/v2/services"
        body = {"name": "lite2", "databaseType": "sqlite", "connectionString": f"sqlite://{env['lite']}"}
        assert requests.get(url, timeout=30).status_code == 401
        r = requests.get(url, headers={"X-API-Key": "reader-key-456"}, timeout=30)
        assert "admin" in error_of(r, 403)
        r = requests.post(url, json=body, headers={"X-API-Key": "reader-key-456"}, timeout=30)
        assert "admin" in error_of(r, 403)
        r = requests.post(url, json=body, headers={"X-API-Key": "both-key-789"}, timeout=30)
        assert "X-Role: admin" in error_of(r, 403)
        r = requests.get(url, headers={"X-API-Key": "admin-key-123"}, timeout=30)
        assert r.status_code == 200 and [s["name"] for s in r.json()["data"]] == ["cfg"]
        r = requests.post(url, json=body, headers={"X-API-Key": "both-key-789", "X-Role": "admin"}, timeout=30)
        assert r.status_code == 201, r.text
        r = requests.delete(f"{url}/lite2", headers={"X-API-Key": "reader-key-456"}, timeout=30)
        assert error_of(r, 403)
        r = requests.delete(f"{url}/lite2", headers={"X-API-Key": "admin-key-123"}, timeout=30)
        assert r.status_code == 200, r.text
        # Exposing tables and _discover (the whole schema) are for administrators too.
        base = f"http://127.0.0.1:{nectar.http_port}/api/v2/cfg"
        for key, role, status in (("reader-key-456", None, 403), ("both-key-789", None, 403),
                                  ("both-key-789", "admin", 200), ("admin-key-123", None, 200)):
            headers = {"X-API-Key": key, **({"X-Role": role} if role else {})}
            exposed = requests.post(f"{base}/_expose", json={"tables": ["people"]}, headers=headers, timeout=30)
            discovered = requests.get(f"{base}/_discover", headers=headers, timeout=30)
            assert (exposed.status_code, discovered.status_code) == (status, status), (key, exposed.text)
            if status == 403:
                assert "admin" in error_of(exposed, 403) and "admin" in error_of(discovered, 403)
        assert nectar.stop() == 0
    finally:
        nectar.cleanup()


def test_config_secret_key_is_the_key(env, tmp_path):
    config = tmp_path / "nectar.toml"
    config.write_text('secret_key = "a passphrase long enough to stretch"\n')
    nectar = start_nectar(["--config", str(config), "--service", f"cfg=sqlite://{env['cfg']}"], name="svc-cfgkey")
    try:
        data_dir = nectar.tmp / "data"
        assert not (data_dir / "secret.key").exists()
        url = f"http://127.0.0.1:{nectar.http_port}/api/v2/services"
        r = requests.post(url, json={"name": "keyed", "databaseType": "postgresql",
                                     "connectionString": "postgresql://u:keyed-secret-pw@127.0.0.1:1/x"}, timeout=30)
        assert r.status_code == 201, r.text
        assert nectar.stop() == 0
        assert b"keyed-secret-pw" not in (data_dir / "catalog.db").read_bytes()
        # Without the configured key (a key file gets generated instead), the service cannot be read.
        args = [str(NECTAR_BIN), "--pg-listen", f"127.0.0.1:{harness.free_port()}",
                "--http-listen", f"127.0.0.1:{harness.free_port()}", "--data-dir", str(data_dir)]
        environment = {k: v for k, v in os.environ.items() if k != "NECTAR_SECRET_KEY"}
        done = subprocess.run(args, env=environment, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0
        assert 'registered service "keyed"' in done.stdout + done.stderr
    finally:
        nectar.cleanup()
