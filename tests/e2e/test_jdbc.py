"""pgjdbc through nectar: java/JdbcTest.java prints what the driver sees; its lines must equal the
lines of the same program run against PostgreSQL."""

import pathlib
import shutil
import subprocess

import pytest

JAR = pathlib.Path("/usr/share/java/postgresql.jar")
SOURCE = pathlib.Path(__file__).with_name("java") / "JdbcTest.java"


@pytest.fixture(scope="module")
def jdbc_classes(tmp_path_factory):
    if not JAR.exists() or shutil.which("javac") is None:
        pytest.fail(f"needs {JAR} and javac (libpostgresql-jdbc-java, openjdk-17-jdk-headless: tools/setup)")
    out = tmp_path_factory.mktemp("jdbc")
    subprocess.run(["javac", "-cp", str(JAR), "-d", str(out), str(SOURCE)], check=True, timeout=120)
    return out


def run_java(classes, ep):
    p = subprocess.run(["java", "-Duser.timezone=UTC", "-Duser.language=en", "-Xshare:auto",
                        "-cp", f"{classes}:{JAR}", "JdbcTest", ep.jdbc_url(), ep.user, ep.password],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 0, f"JdbcTest against {ep.label} failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p.stdout.splitlines()


def test_jdbc_matches_postgresql(jdbc_classes, direct, nectar):
    want = run_java(jdbc_classes, direct)
    got = run_java(jdbc_classes, nectar)
    # Compare line by line so that a failure names the first differing fact.
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"line {i} differs"
    assert len(got) == len(want)

    facts = dict(line.split(": ", 1) for line in want)
    assert facts["done"] == "true"
    # PreparedStatement went past prepareThreshold (5): the driver switched to server-side
    # prepared statements, so those were exercised.
    assert facts["prepared0.server_prepared"] == "false"
    assert facts["prepared11.server_prepared"] == "true"
    assert facts["batch.counts"] == "[" + ", ".join(["1"] * 20) + "]"
    assert facts["batch.duplicate.sqlstate"] == "23505"
    assert facts["batch.after_rollback.row0"] == "0"
    assert facts["error0.sqlstate"] == "42P01" and facts["error1.sqlstate"] == "22012"
    assert facts["error3.sqlstate"] == "42601"
    assert facts["tx.aborted.sqlstate"] == "25P02"
    assert "types_sample" in " ".join(v for k, v in facts.items() if k.startswith("meta.tables.row"))
    assert facts["meta.columns.rows"] == "21" and facts["meta.pk.rows"] == "1"
    assert facts["types.rows"] == "4" and facts["meta.product"] == "PostgreSQL"
