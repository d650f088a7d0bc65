"""`sibyl load cur --target spark`: Spark (local mode) reads the CUR files itself and lands raw on the same
contract as DuckDB: exact rows and cost, DuckDB's tag sets, a restatement replacing only its month, a bad
month leaving raw as it was, and the validation gate saying what it says on DuckDB.

One Spark home for the module, and one Spark session in the process for all its tests (Spark takes
10-20 s to start): each test starts from an empty raw schema.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from broken_batches import BREAKS, one_month
from conftest import DEMO_END_DATE
from delivery_readers import data_files, period_manifests, totals_by_period
from helpers import invoke

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None and os.environ.get("CI") != "true", reason="Spark needs Java 17 (java is not on PATH)"),
]

# The same fingerprints on both engines: every tag set, and every line item's tag set id.
TAG_SETS = "select count(*), md5(string_agg(tag_set_id || tag_key || tag_value, ',' order by tag_set_id, tag_key)) from raw.cur_tag_sets"
LINE_TAGS = "select md5(string_agg(tag_set_id, ',' order by identity_line_item_id, identity_time_interval)) from raw.cur_line_items"


@pytest.fixture(scope="module")
def spark_home(tmp_path_factory):
    from sibyl.spark_session import release

    home = tmp_path_factory.mktemp("spark-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SIBYL_SPARK_HOME", str(home))
        yield home
    release()


@pytest.fixture
def spark(spark_home, monkeypatch):
    """The target set to Spark, on an empty raw schema."""
    from sibyl.spark_session import get_session

    monkeypatch.setenv("SIBYL_TARGET", "spark")
    session = get_session()
    session.sql("drop database if exists raw cascade")
    return session


def spark_rows(spark, sql: str) -> list[tuple]:
    """Rows straight from the Spark session, outside Sibyl's warehouse code (no timestamps: collect() shifts them to local time)."""
    return [tuple(row) for row in spark.sql(sql).collect()]


def spark_sql(sql: str) -> str:
    """DuckDB's ordered string_agg as Spark spells it."""
    return sql.replace(", ',' order by", ", ',') within group (order by")


def by_period(spark) -> dict[str, tuple[int, float]]:
    rows = spark_rows(spark, "select billing_period, count(*), sum(line_item_unblended_cost) from raw.cur_line_items group by 1")
    return {f"{period:%Y-%m}": (count, round(cost, 2)) for period, count, cost in rows}


def loads(spark) -> list[tuple]:
    return spark_rows(spark, "select billing_period, load_id, status, row_count, billed_total from raw.cur_loads order by 1, 3, 2")


def raw_state(spark, home: Path) -> list:
    """Every load record, line items per load, tag sets, the raw tables and the partitions' folders."""
    folders = sorted(str(p.relative_to(home)) for p in (home / "warehouse").rglob("*") if p.is_dir())
    return [
        loads(spark),
        spark_rows(spark, "select load_id, count(*), sum(line_item_unblended_cost) from raw.cur_line_items group by 1 order by 1"),
        spark_rows(spark, "select count(*), count(distinct tag_set_id) from raw.cur_tag_sets"),
        spark_rows(spark, "show tables in raw"),
        folders,
    ]


def test_the_demo_cur_lands_to_the_cent_with_duckdb_s_tag_sets(spark, demo_cur, duckdb_path):
    expected = {period: (rows, round(cost, 2)) for period, (rows, cost) in totals_by_period(demo_cur).items()}

    result = invoke("load", "cur", str(demo_cur))

    assert result.exit_code == 0, result.output
    assert by_period(spark) == expected
    assert [(status, rows) for _, _, status, rows, _ in loads(spark)] == [("published", rows) for rows, _ in expected.values()]
    assert len(spark_rows(spark, "show partitions raw.cur_line_items")) == 3
    # The same files on DuckDB: the same tag sets, and each line item in the same one.
    assert invoke("load", "cur", str(demo_cur), env={"SIBYL_TARGET": "duckdb"}).exit_code == 0
    import duckdb

    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        on_duckdb = [con.execute(TAG_SETS).fetchall()[0], con.execute(LINE_TAGS).fetchall()[0]]
    assert [spark_rows(spark, spark_sql(TAG_SETS))[0], spark_rows(spark, spark_sql(LINE_TAGS))[0]] == on_duckdb


def _restate(manifest: Path, assembly: str, change) -> Path:
    """A new delivery of the manifest's month: a new assembly id, its first data file rewritten by `change`."""
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "assemblyId": assembly}))
    data_file = data_files(manifest)[0]
    pq.write_table(change(pq.read_table(data_file)), data_file)
    return data_file


def test_a_restatement_replaces_only_its_month_and_a_bad_one_leaves_raw_as_it_was(spark, spark_home, demo_cur, tmp_path):
    tree = tmp_path / "cur"
    shutil.copytree(demo_cur, tree)
    assert invoke("load", "cur", str(tree)).exit_code == 0
    first, second, last = loads(spark)
    first_month, _, last_month = period_manifests(tree)
    _restate(last_month, "11111111-0000-0000-0000-000000000003", lambda t: t.slice(100))
    restated = {p: (rows, round(cost, 2)) for p, (rows, cost) in totals_by_period(tree).items()}

    result = invoke("load", "cur", str(tree))

    assert result.exit_code == 0, result.output
    assert result.output.count("(replaced the previous delivery)") == 1
    assert by_period(spark) == restated
    now = loads(spark)
    assert now[:2] == [first, second]  # the other months: the same loads, untouched
    assert [(period, status) for period, _, status, *_ in now[2:]] == [(last[0], "published"), (last[0], "replaced")]
    partitions = [p for (p,) in spark_rows(spark, "show partitions raw.cur_line_items")]
    assert len(partitions) == 3 and not any(last[1] in p for p in partitions)
    assert not list((spark_home / "warehouse").rglob(f"load_id={last[1]}"))  # the replaced partition's files are gone

    # AWS restates the first month and the last again; the last holds a NaN cost. The first month's good
    # restatement, already written to its partition's folder when the last fails, is not published either.
    before = raw_state(spark, spark_home)
    _restate(first_month, "11111111-0000-0000-0000-000000000001", lambda t: t.slice(10))
    broken = _restate(last_month, "11111111-0000-0000-0000-000000000004", _nan_cost)

    failed = invoke("load", "cur", str(tree))

    assert failed.exit_code == 1
    assert failed.output.strip() == (
        f"error: {broken.parents[2]} {last[0]:%Y-%m}: validation failed, "
        "expect_column_values_to_be_between on line_item_unblended_cost: 1 row(s), e.g. nan; "
        "nothing was published: fix the files or ask AWS to re-deliver the report"
    )
    assert raw_state(spark, spark_home) == before


def _nan_cost(table: pa.Table) -> pa.Table:
    cost = table["line_item_unblended_cost"].to_pylist()
    cost[3] = float("nan")
    column = table.schema.get_field_index("line_item_unblended_cost")
    return table.set_column(column, "line_item_unblended_cost", pa.array(cost, pa.float64()))


def test_the_gate_says_on_spark_what_it_says_on_duckdb(spark, demo_cur, tmp_path):
    """A month broken every way the suite refuses: the same failures, word for word, from both engines."""
    from sibyl.cur.delivery_files import open_delivery
    from sibyl.cur.dialect import DUCKDB
    from sibyl.cur.discover import discover
    from sibyl.cur.validate import check_delivery
    from sibyl.warehouse.spark import SparkWarehouse

    table = one_month(demo_cur)
    for _, break_it, _ in BREAKS:
        table = break_it(table)
    bad = tmp_path / "bad.parquet"
    pq.write_table(table, bad)
    [delivery] = discover(str(bad))
    spark_wh = SparkWarehouse()

    def failures(dialect, fetch) -> list[str]:
        with open_delivery(delivery, dialect) as reader:
            tally, found = check_delivery(fetch, reader, "load")
        # The billed total is a sum of doubles in each engine's own order: equal to the cent, not to the last bit.
        # (As text: a NaN cost makes the total NaN on both, and NaN equals nothing.)
        return [(tally.rows, f"{tally.billed_total:.6f}", tally.payer_account_ids), *(f.message for f in found)]

    import duckdb

    with duckdb.connect() as con:
        on_duckdb = failures(DUCKDB, lambda sql: con.execute(sql).fetchall())
    on_spark = failures(spark_wh.files_dialect, spark_wh.fetch_files_query)

    assert len(on_duckdb) == 1 + len(BREAKS)
    assert on_spark == on_duckdb


@pytest.mark.parametrize("fmt", ["legacy-csv", "cur2-parquet"])
def test_csv_and_cur2_load_as_on_duckdb(spark, fmt, tmp_path, duckdb_path):
    from sibyl.demo.generate import generate_cur

    generate_cur(tmp_path / fmt, months=1, lines=800, seed=11, fmt=fmt, end_date=DEMO_END_DATE)
    source = str(tmp_path / fmt)
    expected = {period: (rows, round(cost, 2)) for period, (rows, cost) in totals_by_period(tmp_path / fmt).items()}

    result = invoke("load", "cur", source)

    assert result.exit_code == 0, result.output
    assert by_period(spark) == expected
    assert invoke("load", "cur", source, env={"SIBYL_TARGET": "duckdb"}).exit_code == 0
    import duckdb

    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        on_duckdb = [con.execute(TAG_SETS).fetchall()[0], con.execute(LINE_TAGS).fetchall()[0]]
    assert [spark_rows(spark, spark_sql(TAG_SETS))[0], spark_rows(spark, spark_sql(LINE_TAGS))[0]] == on_duckdb


def test_a_value_that_is_not_a_number_is_named_as_on_duckdb(spark, tmp_path, duckdb_path):
    from sibyl.demo.generate import generate_cur

    [manifest] = generate_cur(tmp_path / "csv", months=1, lines=300, seed=5, fmt="legacy-csv", end_date=DEMO_END_DATE)

    data_file = data_files(manifest)[0]
    lines = gzip.decompress(data_file.read_bytes()).decode().splitlines(keepends=True)
    cost = next(csv.reader([lines[0]])).index("lineItem/UnblendedCost")
    fields = next(csv.reader([lines[5]]))
    fields[cost] = "12,5"
    row = io.StringIO()
    csv.writer(row, lineterminator="\n").writerow(fields)
    lines[5] = row.getvalue()
    data_file.write_bytes(gzip.compress("".join(lines).encode()))

    on_spark = invoke("load", "cur", str(tmp_path / "csv"))
    on_duckdb = invoke("load", "cur", str(tmp_path / "csv"), env={"SIBYL_TARGET": "duckdb"})

    assert on_spark.exit_code == on_duckdb.exit_code == 1
    assert on_spark.output.strip() == on_duckdb.output.strip()
    assert on_spark.output.strip() == (
        f"error: {data_file}: column lineItem/UnblendedCost holds '12,5', which is not a number; fix or re-export the file"
    )
    assert spark_rows(spark, "select count(*) from raw.cur_line_items") == [(0,)]
