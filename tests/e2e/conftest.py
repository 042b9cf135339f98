"""Fixtures of the end-to-end suite: a throwaway PostgreSQL 15 with the data set, and nectar in
front of it.

NECTAR_BIN picks the binary (default build/release/proxy/nectar). NECTAR_E2E_DIRECT=1 makes every
nectar fixture hand out PostgreSQL's own address instead, which proves the tests themselves
against PostgreSQL; tests of nectar-only behaviour skip in that mode and say why.
"""

import os
import pathlib
import shutil
import tempfile

import pytest

import harness

_DATA_SQL = pathlib.Path(__file__).with_name("data.sql")


def load_app_database(pg):
    """Roles nectar and alice, database app owned by nectar, and the fixed data set."""
    pg.psql_admin(f"""
        CREATE ROLE {harness.APP_USER} LOGIN PASSWORD '{harness.APP_PASSWORD}';
        CREATE ROLE alice LOGIN PASSWORD '{harness.ALICE_PASSWORD}';
        CREATE DATABASE {harness.APP_DB} OWNER {harness.APP_USER};
    """)
    pg.psql_admin(_DATA_SQL.read_text(), db=harness.APP_DB)


def start_pg(tls, name="pg"):
    pg = harness.PgServer(tls=tls, name=name)
    try:
        pg.start_fresh()
        load_app_database(pg)
    except BaseException:
        pg.cleanup()
        raise
    return pg


@pytest.fixture(scope="session")
def direct_mode():
    return harness.direct_mode()


@pytest.fixture(scope="session")
def tls_files():
    d = tempfile.mkdtemp(prefix="nectar-e2e-tls-", dir="/tmp")
    try:
        yield harness.TlsFiles(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def pg(tls_files):
    """The session's PostgreSQL (TLS on, so that direct mode can run the TLS tests too)."""
    server = start_pg(tls_files)
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def direct(pg):
    """PostgreSQL's own address: the reference every comparison is made against."""
    return pg.endpoint()


@pytest.fixture(scope="session")
def nectar_bin():
    path = pathlib.Path(os.environ.get("NECTAR_BIN", str(harness.DEFAULT_NECTAR_BIN)))
    if not path.is_absolute():
        path = harness.REPO_ROOT / path
    return path


class DirectStandIn:
    """What a nectar fixture yields in direct mode: PostgreSQL itself."""

    def __init__(self, pg):
        self.pg = pg
        self.port = pg.port

    def endpoint(self, **kw):
        return self.pg.endpoint(**kw)

    def alive(self):
        return True

    def stderr_tail(self, n=60):
        return "(direct mode: no nectar process)"


@pytest.fixture(scope="module")
def nectar_factory(pg, nectar_bin, tls_files):
    """start(args=(), backend=None, tls=False): a nectar in front of `backend` (default: the
    session's PostgreSQL) with service `app`; stopped at the end of the module with SIGTERM,
    which must give exit code 0 and a stderr free of sanitizer reports."""
    started = []

    def start(args=(), backend=None, tls=False, name="nectar"):
        backend = backend or pg
        if harness.direct_mode():
            return DirectStandIn(backend)
        if not nectar_bin.exists():
            pytest.fail(f"nectar binary not found at {nectar_bin} (build it with tools/build, "
                        f"or set NECTAR_BIN)")
        full = ["--service", f"app={backend.service_url()}", "--default-service", "app"]
        if tls:
            full += ["--tls-cert", str(tls_files.server_cert), "--tls-key", str(tls_files.server_key)]
        full += list(args)
        n = harness.Nectar(nectar_bin, full, name=name)
        try:
            n.start()
        except BaseException:
            n.cleanup()
            raise
        started.append(n)
        return n

    yield start

    problems = []
    for n in started:
        code = n.stop()
        if code is None:
            problems.append(f"{n.args}: still running 20 s after SIGTERM (killed)\n{n.stderr_tail()}")
        elif code != 0:
            problems.append(f"{n.args}: exit code {code} after SIGTERM (want 0)\n{n.stderr_tail()}")
        reports = n.sanitizer_reports()
        if reports:
            problems.append(f"{n.args}: sanitizer reports:\n" + "\n".join(reports[:20]) +
                            "\n--- stderr tail ---\n" + n.stderr_tail(400))
        n.cleanup()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def nectar_proc(nectar_factory):
    """The module's nectar (no TLS, no users: trust on loopback)."""
    return nectar_factory()


@pytest.fixture(scope="module")
def nectar(nectar_proc):
    """Address of the module's nectar (PostgreSQL's own in direct mode)."""
    return nectar_proc.endpoint()


@pytest.fixture(scope="module")
def nectar_tls_proc(nectar_factory):
    """A nectar with --tls-cert/--tls-key and no users."""
    return nectar_factory(tls=True, name="nectar-tls")


@pytest.fixture(autouse=True)
def _nectar_still_alive(request):
    """After every test: the nectar the test used is still running."""
    yield
    for name in ("nectar_proc", "nectar_tls_proc"):
        if name in request.fixturenames:
            proc = request.getfixturevalue(name)
            assert proc.alive(), f"nectar died during the test:\n{proc.stderr_tail()}"
