"""The servers the SQL suite runs against, and running one statement on a connection.

One PostgreSQL cluster (initdb --no-locale, UTF8) holds two databases (LC_COLLATE C, LC_CTYPE C.UTF-8): `ref`, the reference
with every table in a schema per service, and `app`, the pg1 service itself. A MariaDB server
holds my1, a SQLite file holds lite, and Nectar federates the three services. With
reference_only, only the reference is started.
"""

import dataclasses
import os
import pathlib
import sys
import tempfile
import threading
import time

import psycopg2
import psycopg2.extensions

E2E_DIR = pathlib.Path(__file__).resolve().parents[1] / "e2e"
sys.path.insert(0, str(E2E_DIR))
import harness  # noqa: E402
from mariadb_server import MariaServer  # noqa: E402

import data  # noqa: E402

REF_DB = "ref"
# Byte-order (C) collation, as the suite's ORDER BY expectations need; a UTF-8 aware character
# classification, so that upper('é') is 'É' and ILIKE folds non-ASCII letters, as on a typical
# PostgreSQL (a pure C ctype would change only ASCII letters).
_LOCALE = "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'"
STATEMENT_TIMEOUT_S = 20

# Every OID psycopg2 would parse is handed back as the exact text the server sent.
_RAW = psycopg2.extensions.new_type(tuple(psycopg2.extensions.string_types.keys()), "NECTAR_SQL_RAW",
                                    lambda value, cursor: value)


@dataclasses.dataclass
class Outcome:
    """What one statement gave: columns [(name, type oid)] and rows of text (None for NULL), or
    an error (sqlstate None when the connection itself failed)."""

    columns: list = None
    rows: list = None
    sqlstate: str = None
    message: str = ""

    @property
    def failed(self):
        return self.rows is None


def connect(endpoint):
    conn = psycopg2.connect(**endpoint.params(application_name="nectar-sql-suite"))
    conn.autocommit = True  # every statement alone: an error never poisons the next one
    psycopg2.extensions.register_type(_RAW, conn)
    return conn


def execute(conn, sql, timeout=STATEMENT_TIMEOUT_S):
    """Runs sql with the simple query protocol (psycopg2 without parameters); cancels it after
    timeout seconds."""
    timer = threading.Timer(timeout, conn.cancel)
    timer.start()
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            if cur.description is None:
                return Outcome(columns=[], rows=[])
            columns = [(d.name, d.type_code) for d in cur.description]
            return Outcome(columns=columns, rows=[tuple(r) for r in cur.fetchall()])
    except psycopg2.Error as e:
        message = (e.pgerror or str(e)).strip()
        return Outcome(sqlstate=e.pgcode, message=message)
    finally:
        timer.cancel()


class Environment:
    def __init__(self, reference_only=False, nectar_bin=None):
        self.reference_only = reference_only
        self.nectar_bin = pathlib.Path(nectar_bin or os.environ.get("NECTAR_BIN") or harness.DEFAULT_NECTAR_BIN)
        if not self.nectar_bin.is_absolute():
            self.nectar_bin = harness.REPO_ROOT / self.nectar_bin
        self.pg = self.maria = self.nectar = None
        self.tmp = None
        self._ref_conn = self._nectar_conn = None
        self.type_names = {}
        self.startup_seconds = 0.0

    # --- start and stop ----------------------------------------------------------------------

    def start(self):
        began = time.monotonic()
        try:
            if not self.reference_only and not self.nectar_bin.exists():
                raise RuntimeError(f"nectar binary not found at {self.nectar_bin} (set NECTAR_BIN, "
                                   f"or pass --reference-only)")
            rows = data.generate()
            self._start_postgres(rows)
            if not self.reference_only:
                self._start_mariadb(rows)
                self.tmp = tempfile.TemporaryDirectory(prefix="nectar-sql-lite-", dir="/tmp")
                lite_path = pathlib.Path(self.tmp.name) / "lite.db"
                data.load_sqlite(rows, str(lite_path))
                self._start_nectar(lite_path)
            ref = self.reference()
            with ref.cursor() as cur:
                cur.execute("SELECT oid::int, typname FROM pg_type")
                self.type_names = {int(oid): name for oid, name in cur.fetchall()}
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    def _start_postgres(self, rows):
        self.pg = harness.PgServer(name="sql")
        self.pg.start_fresh()
        self.pg.psql_admin(f"""
            CREATE ROLE {harness.APP_USER} LOGIN PASSWORD '{harness.APP_PASSWORD}';
            CREATE DATABASE {REF_DB} OWNER {harness.APP_USER} {_LOCALE};
            CREATE DATABASE {harness.APP_DB} OWNER {harness.APP_USER} {_LOCALE};
        """)
        as_app = f"SET ROLE {harness.APP_USER};\n"
        self.pg.psql_admin(as_app + data.pg_script(rows, {"pg1", "my1", "lite"}, True), db=REF_DB)
        if not self.reference_only:
            self.pg.psql_admin(as_app + data.pg_script(rows, {"pg1"}, False), db=harness.APP_DB)

    def _start_mariadb(self, rows):
        self.maria = MariaServer()
        self.maria.start()
        self.maria.execute(data.mariadb_script(rows))

    def _start_nectar(self, lite_path):
        args = ["--service", f"pg1={self.pg.service_url(harness.APP_DB)}",
                "--service", f"my1={self.maria.url}",
                "--service", f"lite=sqlite://{lite_path}",
                "--default-service", "pg1"]
        self.nectar = harness.Nectar(self.nectar_bin, args, name="sql-nectar")
        try:
            self.nectar.start()
        except BaseException:
            self.nectar.cleanup()
            self.nectar = None
            raise

    def stop(self):
        """Stops everything; returns a list of problems with Nectar's exit (empty when clean)."""
        problems = []
        for conn in (self._ref_conn, self._nectar_conn):
            if conn is not None:
                try:
                    conn.close()
                except psycopg2.Error:
                    pass
        self._ref_conn = self._nectar_conn = None
        if self.nectar is not None:
            code = self.nectar.stop()
            if code != 0:
                problems.append(f"nectar exit code {code} after SIGTERM (want 0)\n{self.nectar.stderr_tail()}")
            reports = self.nectar.sanitizer_reports()
            if reports:
                problems.append("nectar sanitizer reports:\n" + "\n".join(reports[:20]))
            self.nectar.cleanup()
            self.nectar = None
        if self.maria is not None:
            self.maria.stop()
            self.maria = None
        if self.pg is not None:
            self.pg.cleanup()
            self.pg = None
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None
        return problems

    # --- connections -------------------------------------------------------------------------

    def reference(self):
        if self._ref_conn is None or self._ref_conn.closed:
            self._ref_conn = connect(self.pg.endpoint(dbname=REF_DB))
        return self._ref_conn

    def nectar_connection(self):
        """A live connection to Nectar, reconnecting after a broken one; raises with Nectar's
        stderr tail when Nectar is gone."""
        if self._nectar_conn is not None and not self._nectar_conn.closed:
            return self._nectar_conn
        if not self.nectar.alive():
            raise RuntimeError(f"nectar is not running:\n{self.nectar.stderr_tail()}")
        self._nectar_conn = connect(self.nectar.endpoint(dbname="pg1"))
        return self._nectar_conn

    def type_name(self, oid):
        return self.type_names.get(oid, str(oid))
