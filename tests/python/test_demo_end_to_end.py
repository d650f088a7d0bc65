"""The whole path on each warehouse: generated CUR → load → dbt build → report, checked to the cent
against totals computed here from the Parquet files and the seed CSVs, not through Sibyl's code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from pathlib import Path

import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

from conftest import DEMO_END_DATE
from helpers import manifest_table, period_manifests
from sibyl.cli import cli

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def known_teams() -> set[str]:
    with (SEEDS / "teams.csv").open(newline="") as handle:
        return {row["team"] for row in csv.DictReader(handle)}


def expected_cost_by_team(cur_root: Path, window_start: dt.date, window_end: dt.date) -> dict[str, float]:
    """A line item belongs to the team its `team` tag names (any case, trimmed), else `unallocated`."""
    teams = known_teams()
    costs: dict[str, float] = defaultdict(float)
    for manifest in period_manifests(cur_root):
        table = manifest_table(manifest)
        days = pc.cast(table["line_item_usage_start_date"], "date32").to_pylist()
        values = table["resource_tags_user_team"].to_pylist() if "resource_tags_user_team" in table.column_names else [None] * table.num_rows
        for day, tag, cost in zip(days, values, table["line_item_unblended_cost"].to_pylist()):
            if window_start <= day <= window_end:
                team = (tag or "").strip().lower()
                costs[team if team in teams else "unallocated"] += cost
    return costs


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_cost_by_team_matches_the_files_to_the_cent(built_target, demo_cur):
    report = json.loads(run("report", "cost-by-team", "--format", "json").stdout)

    as_of = DEMO_END_DATE - dt.timedelta(days=1)  # the last complete usage day
    window = (as_of - dt.timedelta(days=29), as_of)
    previous = (as_of - dt.timedelta(days=59), as_of - dt.timedelta(days=30))
    now, before = expected_cost_by_team(demo_cur, *window), expected_cost_by_team(demo_cur, *previous)

    assert {r["window_start"] for r in report} == {window[0].isoformat()}
    assert {r["window_end"] for r in report} == {window[1].isoformat()}
    assert {r["team"] for r in report} == known_teams() | {"unallocated"}
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

    report = json.loads(run("report", "cost-by-team", "--as-of", as_of.isoformat(), "--format", "json").stdout)

    expected = expected_cost_by_team(demo_cur, as_of - dt.timedelta(days=29), as_of)
    assert {r["window_end"] for r in report} == {as_of.isoformat()}
    assert {r["team"]: round(r["cost_30d"], 2) for r in report} == {
        t: round(expected.get(t, 0.0), 2) for t in known_teams() | {"unallocated"}
    }


def test_report_json_has_the_marts_columns(built_target):
    rows = json.loads(run("report", "cost-by-team", "--format", "json").stdout)
    assert isinstance(rows, list) and rows
    assert list(rows[0]) == [
        "team", "business_unit", "business_group", "window_start", "window_end",
        "cost_30d", "cost_prev_30d", "mom_change", "mom_change_pct",
    ]
    assert rows[-1]["team"] == "unallocated"
    costs = [r["cost_30d"] for r in rows[:-1]]
    assert costs == sorted(costs, reverse=True)


def test_report_csv_round_trips(built_target):
    as_json = json.loads(run("report", "cost-by-team", "--format", "json").stdout)
    as_csv = list(csv.DictReader(io.StringIO(run("report", "cost-by-team", "--format", "csv").stdout)))

    assert [r["team"] for r in as_csv] == [r["team"] for r in as_json]
    assert [float(r["cost_30d"]) for r in as_csv] == [r["cost_30d"] for r in as_json]


def test_demo_command_prints_the_cost_by_team_table(duckdb_path, tmp_path, monkeypatch):
    monkeypatch.setenv("SIBYL_TARGET", "duckdb")
    data_dir = tmp_path / "demo-data"

    result = run("demo", "--lines", "5000", "--data-dir", str(data_dir))

    lines = result.stdout.splitlines()
    assert lines[0].startswith("Cost by team, ")
    total = next(line for line in lines if line.startswith("total"))
    start, end = (dt.date.fromisoformat(lines[0].split()[i]) for i in (3, 5))  # "Cost by team, START to END (30 days) …"
    assert (end - start).days == 29
    expected = expected_cost_by_team(data_dir / "cur", start, end)
    assert total.split()[1] == f"{sum(expected.values()):,.2f}"
    assert len([line for line in lines if line.split() and line.split()[0] in known_teams()]) == len(known_teams())
