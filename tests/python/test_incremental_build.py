"""Incremental builds by billing period (issue 16): a restated month rebuilds only that month, the result
equals a full refresh to the cent, and a seed change rebuilds every month.

One history per target, shared by the tests (each `sibyl build` costs ~20 s): three months loaded and
built; the last month restated, loaded and built incrementally; a copy of that warehouse rebuilt with
`--full-refresh`; then, on the incrementally built one, an account moved to another team in the seeds
and built again.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import pytest

from conftest import DEMO_END_DATE, postgres_uri
from helpers import invoke, warehouse_rows

WRITTEN_V1 = dt.datetime(2026, 11, 10, 6, 0, 0)
WRITTEN_V2 = dt.datetime(2026, 11, 10, 18, 0, 0)

# The incremental models, with the grain each row is identified by (its billing period first).
INCREMENTAL = {
    "intermediate.int_line_items_attributed": "billing_period, load_id, line_item_id, time_interval, team, allocation_method",
    "marts.fct_cost_daily": (
        "billing_period, usage_date, usage_account_id, team, service, product_code, region_code, charge_category, "
        "allocation_method, currency_code"
    ),
    "intermediate.int_team_costs_daily": "billing_period, usage_date, team, row_type",
    "intermediate.int_resource_costs_daily": "billing_period, usage_account_id, resource_id, usage_date",
}
COSTS = {
    "intermediate.int_line_items_attributed": "unblended_cost, effective_cost",
    "marts.fct_cost_daily": "billed_cost, effective_cost",
    "intermediate.int_team_costs_daily": "cost",
    "intermediate.int_resource_costs_daily": "billed_cost, effective_cost",
}
# Exact totals per team and month, to the cent, of every incremental model.
TEAM_MONTH_TOTALS = {
    "intermediate.int_line_items_attributed": (
        "select billing_period, team, round(cast(sum(unblended_cost) as numeric), 2), "
        "round(cast(sum(effective_cost) as numeric), 2), count(*) "
        "from intermediate.int_line_items_attributed group by 1, 2 order by 1, 2"
    ),
    "marts.fct_cost_daily": (
        "select billing_period, team, round(cast(sum(billed_cost) as numeric), 2), "
        "round(cast(sum(effective_cost) as numeric), 2), sum(line_item_count) "
        "from marts.fct_cost_daily group by 1, 2 order by 1, 2"
    ),
    "intermediate.int_team_costs_daily": (
        "select billing_period, team, row_type, round(cast(sum(cost) as numeric), 2) from intermediate.int_team_costs_daily "
        "group by 1, 2, 3 order by 1, 2, 3"
    ),
    "intermediate.int_resource_costs_daily": (
        "select billing_period, team, round(cast(sum(billed_cost) as numeric), 2), "
        "round(cast(sum(effective_cost) as numeric), 2), sum(line_item_count) "
        "from intermediate.int_resource_costs_daily group by 1, 2 order by 1, 2"
    ),
}


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory) -> dict[str, Path]:
    """Three months of CUR, and a second delivery of the last month (another estate: other rows and totals)."""
    from sibyl.demo.generate import generate_cur

    root = tmp_path_factory.mktemp("incremental-cur")
    generate_cur(root / "v1", months=3, lines=3_000, seed=7, fmt="legacy-parquet", end_date=DEMO_END_DATE)
    [restated] = generate_cur(root / "v2", months=1, lines=1_500, seed=8, fmt="legacy-parquet", end_date=DEMO_END_DATE)
    return {"v1": root / "v1", "v2_manifest": restated}


def _set_written(assembly: Path, when: dt.datetime) -> None:
    stamp = when.replace(tzinfo=dt.UTC).timestamp()
    for path in assembly.iterdir():
        os.utime(path, (stamp, stamp))


def _restate_last_month(tree: Path, restated_manifest: Path) -> None:
    """Copy the second delivery of the last month beside the first, written later, and make it current."""
    period_dir = tree / "cur" / "sibyl-demo" / restated_manifest.parent.name
    [second] = [p for p in restated_manifest.parent.iterdir() if p.is_dir()]
    shutil.copytree(second, period_dir / second.name)
    _set_written(period_dir / second.name, WRITTEN_V2)
    (period_dir / restated_manifest.name).write_text(restated_manifest.read_text())


def _move_account(seeds: Path, rows_before: list[tuple]) -> tuple[str, str, str]:
    """account_owners.csv: an account whose owner is charged every month moves to another team;
    (account, old team, new team)."""
    periods = {row[0] for row in rows_before}
    owner_months: dict[str, set] = {}
    for row in rows_before:
        if row[8] == "account_owner":
            owner_months.setdefault(row[2], set()).add(row[0])
    account = min(a for a, months in owner_months.items() if months == periods)
    path = seeds / "account_owners.csv"
    with path.open(newline="") as f:
        owners = list(csv.DictReader(f))
    [moved] = [row for row in owners if row["account_id"] == account]
    old = moved["team"]
    moved["team"] = next(row["team"] for row in owners if row["team"] != old)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(owners[0]))
        writer.writeheader()
        writer.writerows(owners)
    return account, old, moved["team"]


def _snapshot() -> dict:
    """Every row of each incremental model (costs rounded to the cent), the run and load of each, and totals."""
    snap = {"rows": {}, "built_by": {}, "totals": {}}
    for model, grain in INCREMENTAL.items():
        costs = ", ".join(f"round(cast({c} as numeric), 2)" for c in COSTS[model].split(", "))
        snap["rows"][model] = warehouse_rows(f"select {grain}, {costs} from {model} order by {grain}")
        built_by = f"select distinct billing_period, load_id, dbt_invocation_id, inputs_digest from {model}"
        snap["built_by"][model] = {period: (load_id, run, digest) for period, load_id, run, digest in warehouse_rows(built_by)}
        # one load, one run and one digest per billing period
        assert len(snap["built_by"][model]) == len(warehouse_rows(f"select distinct billing_period from {model}"))
        snap["totals"][model] = warehouse_rows(TEAM_MONTH_TOTALS[model])
    # the team views' table against the fact: effective cost of usage and purchases per month and team
    snap["team_view_costs"] = warehouse_rows(
        "select billing_period, team, round(cast(sum(cost) as numeric), 2) from intermediate.int_team_costs_daily "
        "where row_type <> 'charge' group by 1, 2 order by 1, 2"
    )
    snap["fct_team_costs"] = warehouse_rows(
        "select billing_period, team, round(cast(sum(effective_cost) as numeric), 2) from marts.fct_cost_daily "
        "where charge_category in ('Usage', 'Purchase') group by 1, 2 order by 1, 2"
    )
    snap["loads"] = dict(warehouse_rows("select billing_period, load_id from raw.cur_loads where status = 'published'"))
    return snap


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def history(request, deliveries, demo_seeds, tmp_path_factory) -> dict:
    """The builds of the module, on one target; each step's snapshot."""
    scratch = tmp_path_factory.mktemp(f"incremental-{request.param}")
    tree = scratch / "cur-tree"
    shutil.copytree(deliveries["v1"], tree)
    [first] = [p for p in (tree / "cur" / "sibyl-demo" / deliveries["v2_manifest"].parent.name).iterdir() if p.is_dir()]
    _set_written(first, WRITTEN_V1)
    seeds = scratch / "seeds"
    shutil.copytree(demo_seeds, seeds)
    databases = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIBYL_TARGET", request.param)
        mp.setenv("SIBYL_SEEDS_DIR", str(seeds))
        if request.param == "postgres":
            request.getfixturevalue("postgres_available")
            databases = [f"sibyl_test_incr_{uuid.uuid4().hex[:8]}", f"sibyl_test_incr_{uuid.uuid4().hex[:8]}"]
            _admin(f"create database {databases[0]}")
            mp.setenv("PGDATABASE", databases[0])
        else:
            mp.setenv("SIBYL_DUCKDB_PATH", str(scratch / "incremental.duckdb"))
        try:
            invoke("load", "cur", str(tree), check=True)
            invoke("build", check=True)
            steps = {"first": _snapshot()}

            _restate_last_month(tree, deliveries["v2_manifest"])
            assert "(replaced the previous delivery)" in invoke("load", "cur", str(tree), check=True).output
            invoke("build", check=True)
            steps["restated"] = _snapshot()

            # The same warehouse, copied, rebuilt from scratch.
            with pytest.MonkeyPatch.context() as copy:
                if request.param == "postgres":
                    _admin(f"create database {databases[1]} template {databases[0]}")
                    copy.setenv("PGDATABASE", databases[1])
                else:
                    shutil.copyfile(scratch / "incremental.duckdb", scratch / "full.duckdb")
                    copy.setenv("SIBYL_DUCKDB_PATH", str(scratch / "full.duckdb"))
                invoke("build", "--full-refresh", check=True)
                steps["full_refresh"] = _snapshot()

            steps["moved"] = _move_account(seeds, steps["restated"]["rows"]["marts.fct_cost_daily"])
            invoke("build", check=True)
            steps["seed_changed"] = _snapshot()
            yield steps
        finally:
            for database in databases:
                _admin(f"drop database if exists {database} with (force)")


def _admin(sql: str) -> None:
    """On the server's `postgres` database, whichever database PGDATABASE names (a template must have no session)."""
    import adbc_driver_postgresql.dbapi as adbc

    with adbc.connect(postgres_uri().rsplit("/", 1)[0] + "/postgres", autocommit=True) as con, con.cursor() as cur:
        cur.execute(sql)


def test_incremental_equals_a_full_refresh_after_a_restatement(history):
    incremental, full = history["restated"], history["full_refresh"]

    for model in INCREMENTAL:
        assert incremental["totals"][model] == full["totals"][model], model
        assert incremental["rows"][model] == full["rows"][model], model
    # and the restated month holds the second delivery, not the first
    last = max(incremental["loads"])
    assert incremental["loads"][last] != history["first"]["loads"][last]
    assert incremental["totals"] != history["first"]["totals"]


def test_restating_a_month_rewrites_only_that_month(history):
    first, restated = history["first"], history["restated"]
    last = max(restated["loads"])
    assert len(restated["loads"]) == 3

    for model in INCREMENTAL:
        [first_run] = {invocation for _, invocation, _ in first["built_by"][model].values()}
        for period, (load_id, invocation, _) in restated["built_by"][model].items():
            if period == last:
                assert (load_id, invocation) == (restated["loads"][last], restated["built_by"][model][last][1]), model
                assert invocation != first_run, model
            else:
                # the earlier months' rows are the ones the first build wrote, untouched
                assert (load_id, invocation) == (first["loads"][period], first_run), (model, period)
        earlier = [row for row in restated["rows"][model] if row[0] != last]
        assert earlier == [row for row in first["rows"][model] if row[0] != last], model
        assert earlier


def test_a_seed_change_after_an_incremental_build_is_reflected_in_every_period(history):
    before, after = history["restated"], history["seed_changed"]
    account, old, new = history["moved"]
    fct = "marts.fct_cost_daily"
    # fct_cost_daily's rows: (grain..., billed, effective); the grain's account, team and method columns
    moved = [row for row in before["rows"][fct] if row[2] == account and row[3] == old and row[8] == "account_owner"]
    assert {row[0] for row in moved} == set(before["loads"]), "the moved account has owner-attributed cost every month"

    expected = [
        (*row[:3], new, *row[4:]) if row in moved else row
        for row in before["rows"][fct]  # the account's owner-attributed rows change team, nothing else
    ]
    assert len(after["rows"][fct]) == len(expected)
    assert set(after["rows"][fct]) == set(expected)
    assert any(row[3] == new for row in after["rows"][fct] if row[2] == account)

    for model in INCREMENTAL:
        runs = {invocation for _, invocation, _ in after["built_by"][model].values()}
        digests = {digest for _, _, digest in after["built_by"][model].values()}
        assert len(runs) == 1 and runs.isdisjoint(i for _, i, _ in before["built_by"][model].values()), model
        assert len(digests) == 1 and digests.isdisjoint(d for _, _, d in before["built_by"][model].values()), model
        assert set(after["built_by"][model]) == set(after["loads"]), model
    # the team views' table moved the account's usage and purchases too, every month, to the cent
    assert after["team_view_costs"] == after["fct_team_costs"]
    assert after["team_view_costs"] != before["team_view_costs"]


def test_a_duplicate_in_a_built_load_is_caught_by_the_reconciliation_then_by_the_grain_test(history):
    """Last in the module: it leaves a duplicate line item in raw. The line items' own tests check only the
    loads a build rebuilds (macros/test_scope.sql), so in a build that rebuilds nothing the reconciliation of
    fct_cost_daily with raw is what stops it; once a seed change makes every load rebuild, the grain test of
    the staged line items finds the duplicate itself."""
    [(load_id,)] = warehouse_rows("select min(load_id) from raw.cur_line_items")
    duplicate = f"insert into raw.cur_line_items select * from raw.cur_line_items where load_id = '{load_id}' limit 1"
    if os.environ["SIBYL_TARGET"] == "postgres":
        import adbc_driver_postgresql.dbapi as adbc

        with adbc.connect(postgres_uri(), autocommit=True) as con, con.cursor() as cur:
            cur.execute(duplicate)
    else:
        import duckdb

        with duckdb.connect(os.environ["SIBYL_DUCKDB_PATH"]) as con:
            con.execute(duplicate)
    # sibyl's one-line error names the first test that failed
    grain_test = "data test unique_combination_stg_cur__line_items_load_id__line_item_id__time_interval__True failed"

    nothing_rebuilt = invoke("build")
    assert nothing_rebuilt.exit_code != 0
    assert "data test assert_fct_cost_daily_reconciles_with_raw failed" in nothing_rebuilt.output
    assert grain_test not in nothing_rebuilt.output

    _move_account(Path(os.environ["SIBYL_SEEDS_DIR"]), history["seed_changed"]["rows"]["marts.fct_cost_daily"])
    every_load_rebuilt = invoke("build")
    assert every_load_rebuilt.exit_code != 0
    assert grain_test in every_load_rebuilt.output
