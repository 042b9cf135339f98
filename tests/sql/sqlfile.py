"""Reads the suite's .test files (format: tests/sql/README.md) into Case objects."""

import dataclasses
import pathlib
import re

SUITE_DIR = pathlib.Path(__file__).resolve().parent
_SQLSTATE = re.compile(r"^[0-9A-Z]{5}$")


@dataclasses.dataclass
class Case:
    file: str          # path relative to tests/sql
    line: int          # line of the header
    kind: str          # "query" or "error"
    sql: str
    ordered: bool = False
    approx: bool = False
    sqlstate: str = ""

    @property
    def id(self):
        return f"{self.file}:{self.line}"


class FormatError(Exception):
    pass


def _header(words, where):
    """The Case fields a header line gives."""
    if words[0] == "query":
        flags = set(words[1:])
        unknown = flags - {"ordered", "unordered", "approx"}
        if unknown:
            raise FormatError(f"{where}: unknown query flag(s) {sorted(unknown)}")
        if len(flags & {"ordered", "unordered"}) != 1:
            raise FormatError(f"{where}: say exactly one of 'ordered' or 'unordered'")
        return dict(kind="query", ordered="ordered" in flags, approx="approx" in flags)
    if words[0] == "statement" and len(words) == 3 and words[1] == "error" and _SQLSTATE.match(words[2]):
        return dict(kind="error", sqlstate=words[2])
    raise FormatError(f"{where}: expected 'query ordered|unordered [approx]' or "
                      f"'statement error SQLSTATE', got {' '.join(words)!r}")


def parse(path):
    """Cases of one file, in file order."""
    path = pathlib.Path(path)
    rel = str(path.resolve().relative_to(SUITE_DIR))
    lines = path.read_text(encoding="utf-8").split("\n")
    cases, i = [], 0
    while i < len(lines):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        where = f"{rel}:{i + 1}"
        fields = _header(stripped.split(), where)
        start, i = i + 1, i + 1
        body = []
        # The SQL runs to a blank line, a '----' line or the end of the file.
        while i < len(lines) and lines[i].strip() and lines[i].strip() != "----":
            body.append(lines[i])
            i += 1
        if i < len(lines) and lines[i].strip() == "----":
            i += 1
            if i < len(lines) and lines[i].strip():
                raise FormatError(f"{rel}:{i + 1}: expected rows are not written in this suite "
                                  f"(the reference computes them); leave a blank line after ----")
        sql = "\n".join(body).strip()
        if not sql:
            raise FormatError(f"{where}: no SQL after the header")
        cases.append(Case(file=rel, line=start, **fields, sql=sql))
    return cases


def collect(paths=None):
    """Cases of the given .test files (default: every tests/sql/**/*.test), sorted by file."""
    files = [pathlib.Path(p) for p in paths] if paths else sorted(SUITE_DIR.rglob("*.test"))
    cases = []
    for f in files:
        cases += parse(f)
    return cases
