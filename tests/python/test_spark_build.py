"""`sibyl build --target spark` (dbt-spark's session method, local mode): every model, seed, data test and
unit test builds and passes on Spark, every mart equals DuckDB's and PostgreSQL's built from the same CUR to
the cent, and an incremental build after a restated month equals a full refresh.

One Spark home for the module and few dbt runs: Spark takes ~20 s to start, and dbt starts it in each run.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
from pathlib import Path

import pytest

from conftest import DEMO_END_DATE
from helpers import invoke

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None and os.environ.get("CI") != "true", reason="Spark needs Java 17 (java is not on PATH)"),
]

MARTS = sorted(path.stem for path in (Path(__file__).resolve().parents[2] / "models" / "marts").glob("*.sql"))
# Columns that say which load and build wrote a row, not what the row holds (each engine's load has its own id).
BUILD_COLUMNS = {"load_id", "dbt_invocation_id", "inputs_digest"}
INCREMENTAL = ["marts.fct_cost_daily", "intermediate.int_team_costs_daily", "intermediate.int_resource_costs_daily"]
# Exact totals per month and team, to the cent, of each incremental model.
TEAM_MONTH_TOTALS = {
    "marts.fct_cost_daily": "round(sum(billed_cost), 2), round(sum(effective_cost), 2), sum(line_item_count)",
    "intermediate.int_team_costs_daily": "round(sum(cost), 2), count(*)",
    "intermediate.int_resource_costs_daily": "round(sum(billed_cost), 2), round(sum(effective_cost), 2), sum(line_item_count)",
}


@pytest.fixture(scope="module")
def spark_env(tmp_path_factory):
    """The Spark target on a home of the module's; the Spark session of this process released at the end."""
    from sibyl.spark_session import release

    home = tmp_path_factory.mktemp("spark-build-home")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SIBYL_TARGET", "spark")
        env.setenv("SIBYL_SPARK_HOME", str(home))
        env.setenv("DBT_TARGET_PATH", str(tmp_path_factory.mktemp("dbt-target-spark")))
        # pyspark turns Spark's UTC timestamps into this process's local time: read them in UTC
        env.setenv("TZ", "UTC")
        yield home
    release()


def spark_rows(sql: str) -> tuple[list[str], list[tuple]]:
    from sibyl.spark_session import get_session

    frame = get_session().sql(sql)
    return frame.columns, [tuple(row) for row in frame.collect()]


@pytest.fixture(scope="module")
def spark_built(spark_env, demo_cur, tmp_path_factory) -> dict:
    """The demo CUR loaded and built on Spark with unit tests (every mart's rows read), then the last month
    restated and built incrementally, then rebuilt with --full-refresh (the incremental models' totals)."""
    from sibyl.demo.generate import generate_cur

    tree = tmp_path_factory.mktemp("spark-cur") / "tree"
    shutil.copytree(demo_cur, tree)
    invoke("load", "cur", str(tree), check=True)
    invoke("build", "--unit-tests", check=True)
    marts = {mart: spark_rows(f"select * from marts.{mart}") for mart in MARTS}

    restated = tmp_path_factory.mktemp("spark-restated")
    [manifest] = generate_cur(restated, months=1, lines=1_500, seed=8, fmt="legacy-parquet", end_date=DEMO_END_DATE)
    first_loads = _totals()["loads"]
    _restate_last_month(tree, manifest)
    assert "(replaced the previous delivery)" in invoke("load", "cur", str(tree), check=True).output
    # The incremental models and the models they read, without seeds (unchanged) or data tests (the first build
    # ran them on Spark): each node costs Spark tenths of a second to seconds, however small its data.
    select = " ".join(f"+{model.split('.')[1]},resource_type:model" for model in INCREMENTAL)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_INDIRECT_SELECTION", "empty")
        invoke("build", "--select", select, check=True)
        incremental = _totals()
        invoke("build", "--select", select, "--full-refresh", check=True)
    return {"marts": marts, "first_loads": first_loads, "incremental": incremental, "full_refresh": _totals()}


def _restate_last_month(tree: Path, restated_manifest: Path) -> None:
    """The second delivery of the last month beside the first, written later, made current by its manifest."""
    period_dir = next(tree.glob(f"cur/*/{restated_manifest.parent.name}"))
    [second] = [p for p in restated_manifest.parent.iterdir() if p.is_dir()]
    shutil.copytree(second, period_dir / second.name)
    later = max(path.stat().st_mtime for path in period_dir.rglob("*")) + 3600
    for path in (period_dir / second.name).iterdir():
        os.utime(path, (later, later))
    (period_dir / restated_manifest.name).write_text(restated_manifest.read_text())


def _totals() -> dict:
    totals = {
        model: spark_rows(f"select billing_period, team, {sums} from {model} group by 1, 2 order by 1, 2")[1]
        for model, sums in TEAM_MONTH_TOTALS.items()
    }
    totals["loads"] = spark_rows("select billing_period, load_id from raw.cur_loads where status = 'published' order by 1")[1]
    return totals


def other_engine_rows(env: dict[str, str], mart: str) -> tuple[list[str], list[tuple]]:
    if env["SIBYL_TARGET"] == "postgres":
        import adbc_driver_postgresql.dbapi as adbc

        from conftest import postgres_uri

        with adbc.connect(postgres_uri(env["PGDATABASE"])) as con, con.cursor() as cur:
            cur.execute(f"select * from marts.{mart}")
            return [d[0] for d in cur.description], cur.fetchall()
    import duckdb

    with duckdb.connect(env["SIBYL_DUCKDB_PATH"], read_only=True) as con:
        result = con.execute(f"select * from marts.{mart}")
        return [d[0] for d in result.description], result.fetchall()


def comparable(columns: list[str], rows: list[tuple]) -> list[tuple]:
    """A mart's rows as comparable values, in one order: the build columns left out, numbers as floats
    (a cent apart is compared by the caller), timestamps without a zone (all UTC)."""
    keep = [i for i, column in enumerate(columns) if column not in BUILD_COLUMNS]

    def value(v):
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, (int, float)) or type(v).__name__ == "Decimal":
            return float(v)
        if isinstance(v, dt.datetime):
            return v.astimezone(dt.UTC).replace(tzinfo=None) if v.tzinfo else v
        return v

    table = [tuple(value(row[i]) for i in keep) for row in rows]
    # by the values that are not numbers first: those may be a cent apart between engines
    return sorted(
        table,
        key=lambda row: (
            tuple(str(v) for v in row if not isinstance(v, float)),
            tuple(round(v, 2) for v in row if isinstance(v, float)),
        ),
    )


def assert_same_to_the_cent(spark: list[tuple], other: list[tuple], where: str) -> None:
    assert len(spark) == len(other), f"{where}: {len(spark)} rows on Spark, {len(other)} on the other engine"
    for spark_row, other_row in zip(spark, other, strict=True):
        for s, o in zip(spark_row, other_row, strict=True):
            if isinstance(s, float) and isinstance(o, float):
                assert math.isclose(s, o, abs_tol=0.005), f"{where}: {spark_row} != {other_row}"
            else:
                assert s == o, f"{where}: {spark_row} != {other_row}"


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_every_mart_on_spark_equals_the_other_engines_to_the_cent(spark_built, built_warehouses, engine):
    env = built_warehouses(engine)
    for mart in MARTS:
        spark_columns, spark_rows_ = spark_built["marts"][mart]
        columns, rows = other_engine_rows(env, mart)
        assert sorted(c.lower() for c in spark_columns) == sorted(c.lower() for c in columns), mart
        # in the other engine's order: Spark puts a partitioned table's partition column (billing_period) last
        order = [[c.lower() for c in spark_columns].index(c.lower()) for c in columns]
        spark_rows_ = [tuple(row[i] for i in order) for row in spark_rows_]
        assert_same_to_the_cent(comparable(columns, spark_rows_), comparable(columns, rows), f"{mart} on {engine}")
    # the comparison compares something: the demo's marts have rows
    assert len(spark_built["marts"]["fct_cost_daily"][1]) > 1_000


def test_on_spark_an_incremental_build_after_a_restatement_equals_a_full_refresh(spark_built):
    incremental, full = spark_built["incremental"], spark_built["full_refresh"]
    assert incremental == full
    # the last month holds the second delivery, the others their first
    assert len(incremental["loads"]) == 3
    assert incremental["loads"][:2] == spark_built["first_loads"][:2]
    assert incremental["loads"][2] != spark_built["first_loads"][2]
    assert all(len(incremental[model]) > 10 for model in INCREMENTAL)
