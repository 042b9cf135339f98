"""Checks one Case: Nectar's outcome against the reference's (or the reference alone)."""

import math
import re

import environment

_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)
_SHOWN_ROWS = 8


def _float_or_none(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _cell_key(value, approx):
    if value is None:
        return (0, "")
    if approx:
        f = _float_or_none(value)
        if f is not None and math.isfinite(f):
            return (1, format(f, ".6g"))
    return (1, value)


def _cells_equal(a, b, approx):
    if a == b:
        return True
    if not approx or a is None or b is None:
        return False
    fa, fb = _float_or_none(a), _float_or_none(b)
    return fa is not None and fb is not None and math.isclose(fa, fb, rel_tol=1e-9, abs_tol=1e-12)


def _rows_equal(got, want, approx):
    return len(got) == len(want) and all(
        len(g) == len(w) and all(_cells_equal(x, y, approx) for x, y in zip(g, w)) for g, w in zip(got, want))


def _sorted(rows, approx):
    return sorted(rows, key=lambda row: tuple(_cell_key(v, approx) for v in row))


def _show_rows(rows):
    lines = [repr(r) for r in rows[:_SHOWN_ROWS]]
    if len(rows) > _SHOWN_ROWS:
        lines.append(f"... ({len(rows)} rows)")
    return "\n    ".join(lines) if lines else "(no rows)"


def _first_difference(got, want, approx):
    for i, (g, w) in enumerate(zip(got, want)):
        if not _rows_equal([g], [w], approx):
            return f"first difference at row {i + 1}:\n    nectar:    {g!r}\n    reference: {w!r}"
    return f"row counts differ: nectar {len(got)}, reference {len(want)}"


def _describe(env, outcome):
    if outcome.failed:
        return f"ERROR {outcome.sqlstate}: {outcome.message}"
    return f"{len(outcome.rows)} rows"


def _run_reference(env, case):
    """(problem or None, the reference's outcome): a query must succeed there, an error case
    must fail with its SQLSTATE."""
    if case.kind == "query" and case.ordered and not _ORDER_BY.search(case.sql):
        return "marked 'ordered' but the query has no ORDER BY", None
    ref = environment.execute(env.reference(), case.sql)
    if case.kind == "query":
        return (f"reference failed: {_describe(env, ref)}" if ref.failed else None), ref
    if not ref.failed:
        return f"reference succeeded ({len(ref.rows)} rows), expected ERROR {case.sqlstate}", ref
    if ref.sqlstate != case.sqlstate:
        return f"reference gave {_describe(env, ref)}, expected {case.sqlstate}", ref
    return None, ref


def check_reference(env, case):
    return _run_reference(env, case)[0]


def check_nectar(env, case):
    """Nectar against the reference; None when they agree, else what differs."""
    problem, ref = _run_reference(env, case)
    if problem:
        return problem
    got = environment.execute(env.nectar_connection(), case.sql)
    if case.kind == "error":
        if not got.failed:
            return f"nectar succeeded ({len(got.rows)} rows), expected ERROR {case.sqlstate}"
        if got.sqlstate != case.sqlstate:
            return f"nectar gave {_describe(env, got)}, expected {case.sqlstate}"
        return None
    if got.failed:
        return f"nectar failed: {_describe(env, got)}"
    names = lambda cols: [(n, env.type_name(t)) for n, t in cols]  # noqa: E731
    if names(got.columns) != names(ref.columns):
        return f"columns differ:\n    nectar:    {names(got.columns)}\n    reference: {names(ref.columns)}"
    got_rows, want_rows = got.rows, ref.rows
    if not case.ordered:
        got_rows, want_rows = _sorted(got_rows, case.approx), _sorted(want_rows, case.approx)
    if not _rows_equal(got_rows, want_rows, case.approx):
        return (f"{_first_difference(got_rows, want_rows, case.approx)}\n"
                f"  nectar rows:\n    {_show_rows(got_rows)}\n  reference rows:\n    {_show_rows(want_rows)}")
    return None


def check(env, case):
    return check_reference(env, case) if env.reference_only else check_nectar(env, case)
