"""psql through nectar prints exactly what it prints against PostgreSQL, exit codes included."""

import pytest

from clients import connect, psql

SCRIPT = r"""
select id, c_int2, c_int4, c_int8, c_float4, c_float8, c_numeric, c_text, c_varchar, c_bool
  from types_sample order by id;
select id, c_bytea, c_date, c_time, c_timestamp, c_timestamptz, c_interval, c_uuid
  from types_sample order by id;
select id, c_json, c_jsonb, c_int_arr, c_text_arr from types_sample order by id;
begin;
insert into scratch values (1, 'one', 1.5), (2, 'two', null) returning *;
update scratch set val = 2 where id = 2;
select * from scratch order by id;
select * from missing_table;
rollback;
select count(*) from scratch;
select m, count(*), min(n), max(n) from numbers group by m order by m;
\x on
select * from uniq_items order by id;
\x off
select 'after expanded' as note;
"""


def both(direct, nectar, *args, **kw):
    want = psql(direct, *args, **kw)
    got = psql(nectar, *args, **kw)
    assert got == want
    return want


def test_two_statements_in_one_c(direct, nectar):
    code, out, err = both(direct, nectar, "-c", "select 1; select 2")
    assert code == 0 and "2" in out and err == ""
    code, out, _ = both(direct, nectar, "-c", "select 1 as a", "-c", "select 'x' as b, 2 as c")
    assert code == 0 and "x" in out


def test_script_file_several_statements_and_an_error(direct, nectar, tmp_path):
    path = tmp_path / "script.sql"
    path.write_text(SCRIPT)
    code, out, err = both(direct, nectar, "-f", str(path))
    assert code == 0
    assert "hello" in out and "after expanded" in out and "INSERT 0 2" in out
    assert 'relation "missing_table" does not exist' in err
    assert "current transaction is aborted" not in err  # the error was the last statement before rollback


def test_script_from_stdin_with_on_error_stop(direct, nectar):
    code, out, err = both(direct, nectar, "-v", "ON_ERROR_STOP=1", "-f", "-",
                          input="select 1 as first;\nselect 1/0;\nselect 3 as never;\n")
    assert code == 3
    assert "division by zero" in err and "never" not in out


def test_errors_and_exit_codes(direct, nectar):
    code, _, err = both(direct, nectar, "-c", "select * from nope")
    assert code == 1 and "nope" in err
    code, _, err = both(direct, nectar, "-c", "selec 1")
    assert code == 1 and "syntax error" in err and "^" in err
    code, _, err = both(direct, nectar, "-c", "insert into uniq_items values (9, 'apple', 1)")
    assert code == 1 and "Key (code)=(apple) already exists." in err
    code, _, err = both(direct, nectar, "-c", "do $$ begin raise notice 'hi %', 42; end $$")
    assert code == 0 and "NOTICE:  hi 42" in err


def test_describe_commands(direct, nectar):
    code, out, _ = both(direct, nectar, "-c", r"\d types_sample")
    assert code == 0 and "c_timestamptz" in out and "types_sample_pkey" in out
    code, out, _ = both(direct, nectar, "-c", r"\d uniq_items")
    assert code == 0 and "uniq_items_code_key" in out and "CHECK" in out
    code, out, _ = both(direct, nectar, "-c", r"\dt")
    assert code == 0 and "uniq_items" in out
    code, out, _ = both(direct, nectar, "-c", r"\dt other.*")
    assert code == 0 and "things" in out


def test_copy_to_stdout(direct, nectar):
    code, out, _ = both(direct, nectar, "-c", "copy (select * from types_sample order by id) to stdout")
    assert code == 0 and out.count("\n") == 4 and "\\N" in out
    code, out, _ = both(direct, nectar, "-c",
                        "copy (select * from numbers order by n) to stdout with (format csv, header)")
    assert code == 0 and out.count("\n") == 1001 and out.startswith("n,m,h\n")
    code, out, _ = both(direct, nectar, "-c", r"\copy (select * from uniq_items order by id) to stdout")
    assert code == 0 and "apple" in out


def test_copy_from_stdin_in_a_script(direct, nectar, tmp_path):
    path = tmp_path / "copy.sql"
    path.write_text("begin;\n"
                    "copy scratch (id, name, val) from stdin;\n"
                    "10\tten\t10.5\n11\televen\t\\N\n12\ttwelve\t-1\n\\.\n"
                    "select * from scratch order by id;\n"
                    "copy scratch (id, name) from stdin with (format csv);\n"
                    "13,\"thir,teen\"\n\\.\n"
                    "select count(*), string_agg(name, '|' order by id) from scratch;\n"
                    "rollback;\n")
    code, out, err = both(direct, nectar, "-f", str(path))
    assert code == 0 and err == ""
    assert "COPY 3" in out and "COPY 1" in out and "ten|eleven|twelve|thir,teen" in out


def test_copy_from_stdin_lands_in_the_table(direct, nectar):
    """COPY FROM STDIN through nectar really writes: check the rows from PostgreSQL directly."""
    for ep, table in ((direct, "copy_in_direct"), (nectar, "copy_in_nectar")):
        code, _, err = psql(ep, "-v", "ON_ERROR_STOP=1", "-c",
                            f"drop table if exists {table}; create table {table} (a int, b text)")
        assert code == 0, err
        data = "".join(f"{i}\trow {i}\n" for i in range(500))
        code, out, err = psql(ep, "-v", "ON_ERROR_STOP=1", "-c", f"copy {table} from stdin", input=data)
        assert (code, out.strip(), err) == (0, "COPY 500", "")
    with connect(direct) as conn:
        cur = conn.cursor()
        rows = {}
        for table in ("copy_in_direct", "copy_in_nectar"):
            cur.execute(f"select a, b from {table} order by a")
            rows[table] = cur.fetchall()
            cur.execute(f"drop table {table}")
    assert len(rows["copy_in_direct"]) == 500
    assert rows["copy_in_nectar"] == rows["copy_in_direct"]


@pytest.mark.parametrize("fmt", ["aligned", "unaligned", "csv", "html"])
def test_output_formats(direct, nectar, fmt):
    code, out, _ = both(direct, nectar, "-P", f"format={fmt}", "-c",
                        "select * from types_sample order by id")
    assert code == 0 and "hello" in out
