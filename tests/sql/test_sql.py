"""One pytest item per case of tests/sql/**/*.test, named file:line.

    /usr/bin/python3 -m pytest tests/sql -q [--reference-only] [-k joins.test]
"""

import pytest

import check
import sqlfile

CASES = sqlfile.collect()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_sql(sql_env, case):
    problem = check.check(sql_env, case)
    if problem:
        pytest.fail(f"{case.id}\n{case.sql}\n{problem}", pytrace=False)
