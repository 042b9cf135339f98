#!/usr/bin/python3
"""Runs the SQL suite without pytest and prints one line per failing case.

    /usr/bin/python3 tests/sql/run_sql_tests.py [--reference-only] [-v] [FILE.test ...]

NECTAR_BIN picks the binary (default build/release/proxy/nectar). Exit code 0 when every case
passed. The pytest face of the same suite is tests/sql/test_sql.py.
"""

import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import check  # noqa: E402
import environment  # noqa: E402
import sqlfile  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference-only", action="store_true",
                        help="run every case on the reference PostgreSQL only (validates the suite)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every case, with row counts")
    parser.add_argument("files", nargs="*", help=".test files (default: all under tests/sql)")
    args = parser.parse_args()

    cases = sqlfile.collect(args.files)
    env = environment.Environment(reference_only=args.reference_only).start()
    print(f"started in {env.startup_seconds:.1f} s; {len(cases)} cases"
          f"{' (reference only)' if args.reference_only else ''}", flush=True)
    failures = []
    began = time.monotonic()
    try:
        for case in cases:
            try:
                problem = check.check(env, case)
            except Exception as e:  # noqa: BLE001 - a broken Nectar is reported per case
                problem = f"{type(e).__name__}: {e}"
            if problem:
                failures.append((case, problem))
                print(f"FAIL {case.id}\n  {case.sql}\n  {problem}\n", flush=True)
            elif args.verbose:
                print(f"ok   {case.id}", flush=True)
    finally:
        problems = env.stop()
    for p in problems:
        print(f"TEARDOWN {p}")
    print(f"{len(cases) - len(failures)} passed, {len(failures)} failed in "
          f"{time.monotonic() - began:.1f} s")
    return 0 if not failures and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
