"""Reorganisations do not rewrite the past: the demo with checkout moved from Payments to Infrastructure in
the middle of its CUR (teams.csv, valid_from). As was, each day's cost stays in the unit of that day; as is
(var hierarchy), today's unit takes every day. Expected totals come from the Parquet files and the seed CSVs
(expected.py), the move's day from here; the built demo rebuilt per target, then the as-is variant rebuilds only the
models that read the hierarchy."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict

from click.testing import CliRunner

from expected import effective_cost, line_item_owner, line_items, seed
from helpers import warehouse_rows
from sibyl.cli import cli

MOVED_ON = dt.date(2026, 10, 15)  # the demo CUR runs from September to 14 November
MOVE = "checkout,Infrastructure,checkout@example.com,#team-checkout,2026-10-15\n"
# The models that read the hierarchy, and the inputs digest: with the var changed it differs from the one the
# incremental models' rows carry, so they rebuild every billing period (as a whole `sibyl build` would).
HIERARCHY_MODELS = "int_build_inputs_digest int_line_items_attributed int_team_costs_daily fct_cost_daily cost_by_team_monthly"


def expected_units(demo_cur, as_was: bool) -> dict[str | None, float]:
    """Effective cost per business unit of the line items' team on their day (None: unallocated), checkout's moved."""
    units = {row["team"]: row["business_unit"] for row in seed("teams") if not row["valid_from"]}
    totals: dict[str | None, float] = defaultdict(float)
    for row in line_items(demo_cur):
        team = line_item_owner(row)[0]
        unit = units.get(team)
        if team == "checkout" and (not as_was or row["usage_date"] >= MOVED_ON):
            unit = "Infrastructure"
        totals[unit] += effective_cost(row)
    return totals


def built_units() -> tuple[dict, dict]:
    """Per business unit: fct_cost_daily's effective cost, and cost_by_team_monthly's complete months."""
    daily = dict(warehouse_rows("select business_unit, sum(effective_cost) from marts.fct_cost_daily group by business_unit"))
    monthly = defaultdict(float)
    for unit, month, cost in warehouse_rows(
        "select business_unit, billing_month, sum(cost) from marts.cost_by_team_monthly where not is_month_to_date group by 1, 2"
    ):
        monthly[unit, month.isoformat()[:7]] += cost
    return daily, dict(monthly)


def cents(totals: dict) -> dict:
    return {key: round(value, 2) for key, value in totals.items() if round(value, 2) != 0}


def test_as_was_keeps_each_day_in_its_unit_and_as_is_moves_the_past_too(built_demo_copy, demo_cur, demo_seeds, tmp_path, monkeypatch):
    seeds = tmp_path / "org"
    shutil.copytree(demo_seeds, seeds)
    with (seeds / "teams.csv").open("a") as handle:
        handle.write(MOVE)
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(seeds))
    # the built demo, rebuilt with the move: the changed seeds change the inputs digest, so every period is rebuilt
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    as_was, as_was_monthly = built_units()

    monkeypatch.setenv("SIBYL_HIERARCHY", "as_is")
    result = CliRunner().invoke(cli, ["build", "--select", HIERARCHY_MODELS])
    assert result.exit_code == 0, result.output
    as_is, as_is_monthly = built_units()

    assert cents(as_was) == cents(expected_units(demo_cur, as_was=True))
    assert cents(as_is) == cents(expected_units(demo_cur, as_was=False))
    # the same dollars in all; only Payments and Infrastructure differ, by checkout's days before the move
    assert round(sum(as_was.values()), 2) == round(sum(as_is.values()), 2)
    moved = as_is["Infrastructure"] - as_was["Infrastructure"]
    assert moved > 100
    assert round(as_was["Payments"] - as_is["Payments"], 2) == round(moved, 2)
    assert {unit for unit in as_was if round(as_was[unit] - as_is[unit], 2) != 0} == {"Payments", "Infrastructure"}
    # months: September is Payments' whole as was, October splits on the 15th, and as is nothing of checkout's stays in Payments
    [(september,)] = warehouse_rows(
        "select sum(effective_cost) from marts.fct_cost_daily where team = 'checkout' and usage_date < date '2026-10-01' "
        "and charge_category in ('Usage', 'Purchase')"
    )
    assert round(as_was_monthly["Payments", "2026-09"] - as_is_monthly["Payments", "2026-09"], 2) == round(september, 2)
    assert round(sum(as_was_monthly.values()), 2) == round(sum(as_is_monthly.values()), 2)
