"""What BI tools rely on: a read-only role on PostgreSQL, and dbt docs on both warehouses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import postgres_uri

PROJECT = Path(__file__).resolve().parents[2]


def as_role(role: str, *statements: str) -> list:
    """Run statements as `role` (SET ROLE from the admin session); returns each result or its error text."""
    import adbc_driver_postgresql.dbapi as adbc

    outcomes = []
    with adbc.connect(postgres_uri(), autocommit=True) as con, con.cursor() as cur:
        cur.execute(f"set role {role}")
        for sql in statements:
            try:
                cur.execute(sql)
                outcomes.append(cur.fetchall() if cur.description else "ok")
            except Exception as exc:  # the driver's error classes vary; the message is what we check
                outcomes.append(str(exc))
    return outcomes


# Roles and grants are PostgreSQL's; a DuckDB file has no users.
@pytest.mark.parametrize("built_warehouse", ["postgres"], indirect=True)
def test_bi_role_reads_marts_and_nothing_else(built_target):
    reads, raw, staging, seeds, write, create, can_login = as_role(
        "sibyl_bi",
        "select count(*) from marts.cost_by_team_30d",
        "select count(*) from raw.cur_line_items",
        "select count(*) from staging.stg_cur__line_items",
        "select count(*) from seeds.teams",
        "delete from marts.dim_teams",
        "create table marts.scratch (x int)",
        "select rolcanlogin from pg_roles where rolname = 'sibyl_bi'",
    )

    assert reads[0][0] > 0
    for denied in (raw, staging, seeds, write):
        assert "permission denied" in denied
    assert "permission denied" in create
    assert can_login == [(False,)]


def test_dbt_docs_generate_works(built_target, tmp_path):
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    shutil.copy(PROJECT / "profiles.yml.example", profiles / "profiles.yml")
    target_dir = tmp_path / "target"

    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "docs",
            "generate",
            "--project-dir",
            str(PROJECT),
            "--profiles-dir",
            str(profiles),
            "--target",
            built_target,
            "--target-path",
            str(target_dir),
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=os.environ.copy(),
    )

    assert completed.returncode == 0, completed.stdout[-2000:]
    catalog = json.loads((target_dir / "catalog.json").read_text())
    marts = {node["metadata"]["name"] for node in catalog["nodes"].values() if node["metadata"]["schema"] == "marts"}
    assert marts == {
        "cost_by_team_30d",
        "cost_by_team_monthly",
        "dim_services",
        "dim_teams",
        "fct_cost_daily",
        "tag_conflicts",
        "unallocated_cost",
        "resources",
        "untagged_resources",
        "compliance_summary",
        "resource_utilization_daily",
        "idle_resources",
        "fct_cost_forecast_origins",
        "cost_forecast",
        "fct_cost_anomaly_scores",
        "cost_anomalies",
    }
    manifest = json.loads((target_dir / "manifest.json").read_text())
    undocumented = [
        f"{node['name']}.{column}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
        for column, spec in node["columns"].items()
        if not spec.get("description")
    ]
    assert undocumented == []
