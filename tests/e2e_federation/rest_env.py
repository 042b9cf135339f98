"""What the REST suites start: a throwaway PostgreSQL (database `app` owned by the app user) and
MariaDB, a SQLite file, and one Nectar serving them as services `pg` (the default), `my` and
`lite`. Everything is stopped afterwards; Nectar must exit cleanly, without sanitizer reports.

    with three_services("rest-writes", pg_sql=PG_DDL, maria_sql=MY_DDL, lite_sql=LITE_DDL) as env:
        requests.get(f"{env.base}/pg/_table/items")
"""

import contextlib
import os
import pathlib
import sqlite3
import sys
import tempfile

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402
from mariadb_server import MariaServer  # noqa: E402

NECTAR_BIN = pathlib.Path(os.environ.get("NECTAR_BIN", harness.DEFAULT_NECTAR_BIN))


def start_app_pg(name, admin_sql=""):
    """A fresh PostgreSQL with the app role and its `app` database; `admin_sql` runs right after
    as the superuser (more databases, role settings). The caller cleans it up."""
    pg = harness.PgServer(name=name)
    try:
        pg.start_fresh()
        pg.create_app(admin_sql=admin_sql)
    except BaseException:
        pg.cleanup()
        raise
    return pg


class ThreeServices:
    def __init__(self):
        self.pg = self.maria = self.nectar = None
        self.lite_path = None
        self.args = []
        self._cleanup = []

    @property
    def base(self):
        return f"http://127.0.0.1:{self.nectar.http_port}/api/v2"

    def start(self, name, pg_admin_sql, pg_sql, maria_sql, lite_sql, nectar_args):
        self.pg = start_app_pg(f"{name}-pg", pg_admin_sql)
        self._cleanup.append(self.pg.cleanup)
        if pg_sql:
            self.pg.psql_admin(f"SET ROLE {harness.APP_USER}; {pg_sql};", db=harness.APP_DB)
        self.maria = MariaServer()
        self.maria.start()
        self._cleanup.append(self.maria.stop)
        if maria_sql:
            self.maria.execute(maria_sql)
        tmp = tempfile.TemporaryDirectory(prefix=f"nectar-{name}-", dir="/tmp")
        self._cleanup.append(tmp.cleanup)
        self.lite_path = pathlib.Path(tmp.name) / "lite.db"
        with sqlite3.connect(self.lite_path) as conn:
            if callable(lite_sql):
                lite_sql(conn)
            elif lite_sql:
                conn.executescript(lite_sql)
        os.chmod(tmp.name, 0o777)  # whoever runs the tests, Nectar can write the file and its journal
        os.chmod(self.lite_path, 0o666)
        self.args = ["--service", f"pg={self.pg.service_url()}", "--service", f"my={self.maria.url}",
                     "--service", f"lite=sqlite://{self.lite_path}", "--default-service", "pg", *nectar_args]
        self.nectar = harness.Nectar(NECTAR_BIN, self.args, name=f"{name}-nectar")
        self.nectar.start()
        self._cleanup.append(self.nectar.cleanup)

    def stop_nectar_cleanly(self):
        self.nectar.stop_cleanly()

    def cleanup(self):
        for step in reversed(self._cleanup):
            step()


@contextlib.contextmanager
def three_services(name, *, pg_sql="", maria_sql="", lite_sql="", pg_admin_sql="", nectar_args=()):
    """`lite_sql` is a script or a function given the sqlite3 connection."""
    if not NECTAR_BIN.exists():
        pytest.skip(f"nectar binary not found at {NECTAR_BIN}")
    env = ThreeServices()
    try:
        env.start(name, pg_admin_sql, pg_sql, maria_sql, lite_sql, nectar_args)
        yield env
        env.stop_nectar_cleanly()
    finally:
        env.cleanup()
