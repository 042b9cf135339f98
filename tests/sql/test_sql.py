"""One pytest item per case of tests/sql/**/*.test, named file:line.

    /usr/bin/python3 -m pytest tests/sql -q [--reference-only] [-k joins.test]

Cases listed in known_gaps.txt are expected to fail (strict: a case that starts passing fails
the run until its line is removed), so the list of gaps can only shrink.
"""

import pathlib

import pytest

import check
import sqlfile

CASES = sqlfile.collect()


def known_gaps():
    gaps = {}
    for line in (pathlib.Path(__file__).parent / "known_gaps.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            case_id, _, reason = line.partition(" ")
            gaps[case_id] = reason.strip()
    return gaps


GAPS = known_gaps()


def params():
    for case in CASES:
        marks = [pytest.mark.xfail(reason=GAPS[case.id], strict=True)] if case.id in GAPS else []
        yield pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", list(params()))
def test_sql(sql_env, case, request):
    if request.config.getoption("--reference-only", default=False) and case.id in GAPS:
        pytest.skip("a Nectar gap; the reference alone answers it")
    problem = check.check(sql_env, case)
    if problem:
        pytest.fail(f"{case.id}\n{case.sql}\n{problem}", pytrace=False)
