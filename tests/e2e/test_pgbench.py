"""pgbench through nectar: initialisation (DDL, COPY FROM STDIN, VACUUM) and select-only runs in
the simple, extended and prepared protocols, with no failed transaction."""

import re

import pytest

from clients import connect, pgbench


@pytest.fixture(scope="module")
def initialized(nectar, direct):
    code, out, err = pgbench(nectar, "-i", "-s", "1", "-q", "--foreign-keys")
    assert code == 0, err
    assert "done" in err
    with connect(direct) as conn:
        cur = conn.cursor()
        cur.execute("select (select count(*) from pgbench_accounts), (select count(*) from pgbench_branches),"
                    " (select count(*) from pgbench_tellers), (select sum(abalance) from pgbench_accounts)")
        assert cur.fetchone() == (100000, 1, 10, 0)
    yield
    with connect(direct) as conn:
        conn.cursor().execute("drop table if exists pgbench_accounts, pgbench_branches, pgbench_tellers, "
                              "pgbench_history cascade")


def parse_summary(out):
    processed = re.search(r"number of transactions actually processed: (\d+)", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    return int(processed.group(1)), int(failed.group(1)) if failed else 0


@pytest.mark.parametrize("mode", ["simple", "extended", "prepared"])
def test_select_only(nectar, initialized, mode):
    code, out, err = pgbench(nectar, "-S", "-T", "3", "-c", "4", "-j", "2", "-M", mode, "-n")
    assert code == 0, out + err
    processed, failed = parse_summary(out)
    assert failed == 0
    assert processed > 100, out
    assert f"query mode: {mode}" in out


def test_read_write_transactions(nectar, direct, initialized):
    """The TPC-B-like script: BEGIN, three UPDATEs, SELECT, INSERT, END; money is conserved."""
    code, out, err = pgbench(nectar, "-t", "50", "-c", "4", "-j", "2", "-M", "prepared", "-n")
    assert code == 0, out + err
    processed, failed = parse_summary(out)
    assert (processed, failed) == (200, 0)
    with connect(direct) as conn:
        cur = conn.cursor()
        cur.execute("select (select sum(abalance) from pgbench_accounts)"
                    " = (select sum(delta) from pgbench_history), (select count(*) from pgbench_history)")
        assert cur.fetchone() == (True, 200)
