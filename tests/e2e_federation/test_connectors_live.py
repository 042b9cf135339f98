"""The C++ connector tests that need real servers (tests/unit/federation/pg_connector_test.cpp,
mysql_connector_test.cpp and the MariaDB-vs-PostgreSQL dialect comparison) skip without
NECTAR_TEST_PG_URL / NECTAR_TEST_MYSQL_URL. Here they run against a throwaway PostgreSQL 15 and
MariaDB, with the unit test binary that sits next to the nectar under test."""

import os
import pathlib
import re
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
import harness  # noqa: E402
from mariadb_server import MariaServer  # noqa: E402

NECTAR_BIN = pathlib.Path(os.environ.get("NECTAR_BIN", harness.DEFAULT_NECTAR_BIN))
if not NECTAR_BIN.is_absolute():
    NECTAR_BIN = harness.REPO_ROOT / NECTAR_BIN
UNIT_TESTS = NECTAR_BIN.parents[1] / "tests" / "unit_tests"  # build/<kind>/proxy/nectar -> build/<kind>/tests
LIVE_CASES = "PgConnector*,postgres dialect literals*,mysql:*,mysql dialect: MariaDB computes*"


def test_connector_unit_tests_against_live_servers():
    if not UNIT_TESTS.exists():
        pytest.skip(f"unit test binary not found at {UNIT_TESTS}")
    pg = harness.PgServer(name="connectors-live")
    try:
        pg.start_fresh()
        pg.psql_admin(f"""
            CREATE ROLE {harness.APP_USER} LOGIN PASSWORD '{harness.APP_PASSWORD}';
            CREATE DATABASE {harness.APP_DB} OWNER {harness.APP_USER};
        """)
        with MariaServer() as maria:
            env = dict(os.environ, NECTAR_TEST_PG_URL=pg.service_url(), NECTAR_TEST_MYSQL_URL=maria.url)
            r = subprocess.run([str(UNIT_TESTS), f"--test-case={LIVE_CASES}"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=900)
    finally:
        pg.cleanup()
    tail = r.stdout[-6000:]
    assert r.returncode == 0, tail
    assert "MESSAGE: skipped" not in r.stdout, tail  # every live case ran
    summary = re.search(r"\[doctest\] test cases: +\d+ \| +(\d+) passed \| +(\d+) failed", r.stdout)
    assert summary is not None, tail
    assert int(summary.group(2)) == 0, tail
    assert int(summary.group(1)) >= 15, tail  # the filter still selects the live cases
