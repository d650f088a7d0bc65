"""The whole path on each warehouse: generated CUR → load → dbt build → report, checked to the cent
against totals computed here from the Parquet files and the seed CSVs, not through Sibyl's code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from conftest import DEMO_END_DATE
from expected import cost_by_allocation_method, effective_cost, known_teams, line_item_owner, line_items, team_view_costs
from helpers import invoke, warehouse_rows

CHARGE_ROWS = {"(tax)", "(credit)", "(adjustment)"}


def test_cost_by_team_matches_the_files_to_the_cent(built_target, demo_cur):
    report = json.loads(invoke("report", "cost-by-team", "--format", "json", check=True).stdout)

    as_of = DEMO_END_DATE - dt.timedelta(days=1)  # the last complete usage day
    window = (as_of - dt.timedelta(days=29), as_of)
    previous = (as_of - dt.timedelta(days=59), as_of - dt.timedelta(days=30))
    now, before = team_view_costs(demo_cur, *window), team_view_costs(demo_cur, *previous)

    assert {r["window_start"] for r in report} == {window[0].isoformat()}
    assert {r["window_end"] for r in report} == {window[1].isoformat()}
    assert {r["team"] for r in report} == known_teams() | {"unallocated"} | CHARGE_ROWS
    for row in report:
        team = row["team"]
        assert round(row["cost_30d"], 2) == round(now.get(team, 0.0), 2), team
        assert round(row["cost_prev_30d"], 2) == round(before.get(team, 0.0), 2), team
        if before.get(team, 0.0) == 0:
            assert row["mom_change_pct"] is None
        else:
            assert row["mom_change_pct"] == pytest.approx(100 * (now.get(team, 0.0) - before[team]) / before[team])
    assert sum(now.values()) > 0 and now["unallocated"] > 0


def test_report_as_of_another_day_moves_the_window(built_target, demo_cur):
    as_of = DEMO_END_DATE - dt.timedelta(days=20)

    report = json.loads(invoke("report", "cost-by-team", "--as-of", as_of.isoformat(), "--format", "json", check=True).stdout)

    expected = team_view_costs(demo_cur, as_of - dt.timedelta(days=29), as_of)
    assert {r["window_end"] for r in report} == {as_of.isoformat()}
    assert {r["team"]: round(r["cost_30d"], 2) for r in report} == {
        t: round(expected.get(t, 0.0), 2) for t in known_teams() | {"unallocated"} | CHARGE_ROWS
    }


def test_report_json_has_the_marts_columns(built_target):
    rows = json.loads(invoke("report", "cost-by-team", "--format", "json", check=True).stdout)

    assert list(rows[0]) == [
        "team",
        "business_unit",
        "business_group",
        "row_type",
        "window_start",
        "window_end",
        "cost_30d",
        "cost_prev_30d",
        "mom_change",
        "mom_change_pct",
    ]
    assert [r["row_type"] for r in rows] == ["team"] * len(known_teams()) + ["unallocated"] + ["charge"] * 3
    costs = [r["cost_30d"] for r in rows if r["row_type"] == "team"]
    assert costs == sorted(costs, reverse=True)


def test_report_csv_round_trips(built_target):
    as_json = json.loads(invoke("report", "cost-by-team", "--format", "json", check=True).stdout)
    as_csv = list(csv.DictReader(io.StringIO(invoke("report", "cost-by-team", "--format", "csv", check=True).stdout)))

    assert [r["team"] for r in as_csv] == [r["team"] for r in as_json]
    assert [float(r["cost_30d"]) for r in as_csv] == [r["cost_30d"] for r in as_json]


def test_every_dollar_is_attributed_once_by_the_documented_method(built_target, demo_cur):
    rows = warehouse_rows("select allocation_method, sum(effective_cost) from marts.fct_cost_daily group by 1")

    expected = cost_by_allocation_method(demo_cur)
    assert {method: round(cost, 2) for method, cost in rows} == {m: round(c, 2) for m, c in expected.items()}
    assert set(expected) == {"resource_override", "team_tag", "service_tag", "account_owner", "unallocated"}


def test_resource_owners_take_the_spend_they_match_before_any_tag(built_target, demo_cur):
    """Each row of the demo's resource_owners.csv matches spend (a resource id, NAT gateways' ARNs, inter-region
    transfer), some of it tagged to another team: per team, the overridden dollars are the files' to the cent."""
    expected: dict[str, list[float]] = {}
    for row in line_items(demo_cur):
        team, method = line_item_owner(row)
        if method == "resource_override":
            totals = expected.setdefault(team, [0.0, 0.0, 0])
            totals[0] += effective_cost(row)
            totals[1] += row["line_item_unblended_cost"]
            totals[2] += 1

    rows = warehouse_rows(
        "select team, sum(effective_cost), sum(billed_cost), cast(sum(line_item_count) as bigint) from marts.fct_cost_daily "
        "where allocation_method = 'resource_override' group by team"
    )

    assert {team: (round(e, 2), round(b, 2), n) for team, e, b, n in rows} == {
        team: (round(e, 2), round(b, 2), n) for team, (e, b, n) in expected.items()
    }
    assert set(expected) == {"finance-reporting", "networking"}
    # the ledger replica is tagged to payments-core: the decision of finance wins over the tag
    assert warehouse_rows(
        "select distinct allocation_method, team from intermediate.int_line_items_attributed "
        "where resource_id = 'arn:aws:rds:us-east-1:284619037552:db:payments-ledger-prod-4'"
    ) == [("resource_override", "finance-reporting")]


def test_monthly_report_matches_the_files(built_target, demo_cur):
    rows = json.loads(invoke("report", "cost-by-team-monthly", "--format", "json", check=True).stdout)

    as_of = DEMO_END_DATE - dt.timedelta(days=1)
    months = sorted({r["billing_month"] for r in rows})
    assert months == ["2026-09-01", "2026-10-01", "2026-11-01"]
    current = [r for r in rows if r["billing_month"] == "2026-11-01"]
    assert all(r["is_month_to_date"] for r in current)
    assert not any(r["is_month_to_date"] for r in rows if r["billing_month"] != "2026-11-01")
    november = team_view_costs(demo_cur, dt.date(2026, 11, 1), as_of)
    october_same_days = team_view_costs(demo_cur, dt.date(2026, 10, 1), dt.date(2026, 10, as_of.day))
    october = team_view_costs(demo_cur, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    for r in current:
        assert round(r["cost"], 2) == round(november.get(r["team"], 0.0), 2), r["team"]
        assert round(r["cost_prev_month"], 2) == round(october_same_days.get(r["team"], 0.0), 2), r["team"]
    for r in (r for r in rows if r["billing_month"] == "2026-10-01"):
        assert round(r["cost"], 2) == round(october.get(r["team"], 0.0), 2), r["team"]


def test_unallocated_report_lists_the_biggest_first(built_target, demo_cur):
    rows = json.loads(invoke("report", "unallocated", "--format", "json", check=True).stdout)

    assert rows and [r["cost_rank"] for r in rows] == list(range(1, len(rows) + 1))
    costs = [r["cost_30d"] for r in rows]
    assert costs == sorted(costs, reverse=True)
    as_of = DEMO_END_DATE - dt.timedelta(days=1)
    window = team_view_costs(demo_cur, as_of - dt.timedelta(days=29), as_of)
    assert round(sum(costs), 2) == round(window["unallocated"], 2)


def test_demo_command_prints_the_cost_by_team_table(duckdb_path, tmp_path, monkeypatch):
    monkeypatch.setenv("SIBYL_TARGET", "duckdb")
    data_dir = tmp_path / "demo-data"

    result = invoke("demo", "--lines", "5000", "--data-dir", str(data_dir), check=True)

    lines = result.stdout.splitlines()
    assert lines[0].startswith("Cost by team, ")
    total = next(line for line in lines if line.startswith("total"))
    start, end = (dt.date.fromisoformat(lines[0].split()[i]) for i in (3, 5))  # "Cost by team, START to END (30 days) …"
    assert (end - start).days == 29
    expected = team_view_costs(data_dir, start, end)
    assert total.split()[1] == f"{sum(expected.values()):,.2f}"
    assert len([line for line in lines if line.split() and line.split()[0] in known_teams()]) == len(known_teams())
    assert {line.split()[0] for line in lines if line.split()} >= {"unallocated"} | CHARGE_ROWS
