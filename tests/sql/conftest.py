"""Fixtures of the SQL suite: the servers (see environment.py), started once per session."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import environment  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--reference-only", action="store_true", default=False,
                     help="SQL suite: run every case on the reference PostgreSQL only")


@pytest.fixture(scope="session")
def sql_env(request):
    env = environment.Environment(reference_only=request.config.getoption("--reference-only"))
    env.start()
    yield env
    problems = env.stop()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)
