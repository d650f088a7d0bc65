"""`sibyl diff`: a seed change previewed on both warehouses. The expected moves are read from the real
marts (built with the demo's seeds), which must come out of every diff exactly as they went in."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from helpers import invoke, warehouse_rows
from sibyl.config import Settings
from sibyl.raw_tables import ensure_raw_tables
from sibyl.seed_diff.compare import SeedDiff
from sibyl.seed_diff.render import render_diff

ML_PROD = "742963185026"  # the demo's ml-prod account, owned by ml-platform
# How legacy Parquet spells the demo's team keys (Team, TEAM, team_name / team-name, owner-team).
TEAM_KEYS = ("resource_tags_user_team", "resource_tags_user_t_e_a_m", "resource_tags_user_team_name", "resource_tags_user_owner_team")


def marts_checksum() -> str:
    """Every row of every table in the real marts schema, in a stable order."""
    digest = hashlib.sha256()
    for (table,) in warehouse_rows("select table_name from information_schema.tables where table_schema = 'marts' order by table_name"):
        rows = sorted(repr(row) for row in warehouse_rows(f"select * from marts.{table}"))
        digest.update(f"{table}\0{len(rows)}\0".encode() + "\n".join(rows).encode())
    return digest.hexdigest()


def scratch_left_behind() -> list[str]:
    """Scratch schemas (PostgreSQL) or copies (DuckDB, beside the warehouse) that a diff left."""
    if os.environ["SIBYL_TARGET"] == "postgres":
        return [name for (name,) in warehouse_rows("select nspname from pg_namespace where nspname like 'sibyl_diff_%'")]
    return [p.name for p in Path(os.environ["SIBYL_DUCKDB_PATH"]).parent.iterdir() if p.name.startswith(".sibyl-diff")]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def edited_seeds(demo_seeds: Path, folder: Path, csv_name: str, old: str, new: str) -> Path:
    shutil.copytree(demo_seeds, folder)
    edit(folder / csv_name, old, new)
    return folder


def test_a_team_moved_to_another_business_unit_moves_exactly_its_dollars(built_target, demo_seeds, tmp_path, monkeypatch):
    seeds = edited_seeds(demo_seeds, tmp_path / "org", "teams.csv", "checkout,Payments,", "checkout,Infrastructure,")
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(seeds))
    before = marts_checksum()
    # checkout's cost and every unit's and group's, per period, as the real marts have them.
    rows = warehouse_rows("select team, business_unit, business_group, cost_30d from marts.cost_by_team_30d")
    rows = [(team, unit, group, "last 30 days", cost) for team, unit, group, cost in rows]
    rows += [
        (team, unit, group, f"{month:%Y-%m}", cost)
        for team, unit, group, month, cost in warehouse_rows(
            "select team, business_unit, business_group, billing_month, cost from marts.cost_by_team_monthly"
        )
    ]
    totals, moved = defaultdict(float), {}
    for team, unit, group, period, cost in rows:
        totals["business_unit", unit, period] += cost
        totals["business_group", group, period] += cost
        if team == "checkout":
            moved[period] = cost
    expected = [
        (level, name, period, totals[level, name, period], totals[level, name, period] + sign * cost, sign * cost)
        for period, cost in moved.items()
        if abs(cost) >= 0.005
        for level, loser, winner in (("business_group", "Consumer", "Platform"), ("business_unit", "Payments", "Infrastructure"))
        for name, sign in ((winner, 1), (loser, -1))
    ]

    result = invoke("diff", "--format", "json", check=True)

    diff = json.loads(result.stdout)
    assert (diff["base"], diff["head"]) == ("the marts as built", f"the seeds in {seeds}")
    moves = sorted(tuple(move.values()) for move in diff["cost_moves"])
    assert len(expected) == 2 * 2 * 4  # two levels, a winner and a loser, the 30 days and three months
    assert [m[:3] for m in moves] == [e[:3] for e in sorted(expected)]
    assert [m[3:] for m in moves] == [pytest.approx(e[3:], abs=1e-6) for e in sorted(expected)]
    assert (diff["allocation_method_changes"], diff["tag_conflicts"]) == ([], [])
    assert marts_checksum() == before
    assert scratch_left_behind() == []


def test_the_markdown_is_a_pull_request_comment():
    diff = SeedDiff(
        base="the seeds at main",
        head="the seeds in seeds",
        window_start=dt.date(2026, 10, 16),
        window_end=dt.date(2026, 11, 14),
        cost_moves=[("business_unit", "Search", "last 30 days", 10.0, 1234.5, 1224.5), ("team", "a|b", "2026-10", 3.0, 2.996, -0.004)],
        method_changes=[("account_owner", "unallocated", 1200, -31.5, -31.5)],
        tag_conflicts=[("appears", "team", "team=pay; owner=x@example.com", None, "pay", 2)],
    )

    assert render_diff(diff, "markdown") == (
        "## What this seed change moves\n\n"
        "The marts built with the seeds in seeds, compared with the seeds at main. Costs as the team views count them "
        "(dbt var cost_basis); last 30 days: 2026-10-16 to 2026-11-14.\n\n"
        "### Business groups\n\n_None._\n\n"
        "### Business units\n\n"
        "| name | period | before | after | change |\n| --- | --- | ---: | ---: | ---: |\n"
        "| Search | last 30 days | 10.00 | 1,234.50 | +1,224.50 |\n\n"
        "### Teams\n\n"
        "| name | period | before | after | change |\n| --- | --- | ---: | ---: | ---: |\n"
        "| a\\|b | 2026-10 | 3.00 | 3.00 | +0.00 |\n\n"
        "### Line items that change allocation method (all loaded months)\n\n"
        "| from | to | line items | effective cost | billed cost |\n| --- | --- | ---: | ---: | ---: |\n"
        "| account_owner | unallocated | 1,200 | -31.50 | -31.50 |\n\n"
        "### Tag conflicts that appear, vanish or change\n\n"
        "| change | key | source tags | value before | value after | tag sets |\n| --- | --- | --- | --- | --- | ---: |\n"
        "| appears | team | team=pay; owner=x@example.com |  | pay | 2 |\n"
    )


def test_a_seed_that_fails_its_check_is_one_line_and_the_marts_stay_as_they_were(built_target, demo_seeds, tmp_path, monkeypatch):
    seeds = edited_seeds(demo_seeds, tmp_path / "org", "teams.csv", "sre,Infrastructure,", "sre,Aviation,")
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(seeds))
    before = marts_checksum()

    result = invoke("diff")

    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith(
        f"error: the marts do not build with the seeds in {seeds}, so nothing was compared and the real marts are unchanged: "
        f"dbt build failed on {built_target}: Compilation Error in test seed_parent_exists_teams_business_unit"
    )
    assert ": seeds/teams.csv: business_unit names no row of business_units.csv: Aviation (dbt's log is in " in line
    assert marts_checksum() == before
    assert scratch_left_behind() == []


def git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=Finance", "-c", "user.email=finance@example.com"]
    subprocess.run(["git", "-C", str(repo), *identity, *args], check=True, capture_output=True)


def test_against_the_seeds_at_a_git_ref_line_items_change_method_and_conflicts_appear(built_target, demo_seeds, tmp_path, monkeypatch):
    """HEAD holds the demo's seeds (as the real marts were built); the working tree takes ml-prod's owner
    away and reads the `owner` tag (an email) as `team`. On DuckDB only: reading seeds at a git ref is the same
    on every engine, and the team-move test already builds PostgreSQL's scratch schemas (two builds a run)."""
    if built_target == "postgres":
        pytest.skip("engine-independent: covered on DuckDB; PostgreSQL's scratch builds are covered by the team-move test")
    repo = tmp_path / "repo"
    seeds = repo / "org"
    shutil.copytree(demo_seeds, seeds)
    git(repo, "init", "--quiet")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "the demo organisation")
    edit(seeds / "tag_rules.csv", "owner_email_as_team,owner,,team,10,false", "owner_email_as_team,owner,,team,10,true")
    edit(seeds / "account_owners.csv", f"{ML_PROD},ml-platform,\n", "")
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(seeds))
    [(line_items, effective, billed)] = warehouse_rows(
        "select cast(sum(line_item_count) as bigint), sum(effective_cost), sum(billed_cost) from marts.fct_cost_daily "
        f"where usage_account_id = '{ML_PROD}' and allocation_method = 'account_owner'"
    )
    [(owner_and_team_sets,)] = warehouse_rows(
        "select count(distinct owner.tag_set_id) from raw.cur_tag_sets as owner join raw.cur_tag_sets as team "
        "on owner.tag_set_id = team.tag_set_id where owner.tag_key = 'resource_tags_user_owner' "
        f"and team.tag_key in ({', '.join(repr(k) for k in TEAM_KEYS)})"
    )
    before = marts_checksum()

    result = invoke("diff", "--base", "HEAD", "--format", "json", check=True)

    diff = json.loads(result.stdout)
    assert (diff["base"], diff["head"]) == ("the seeds at HEAD", f"the seeds in {seeds}")
    assert diff["allocation_method_changes"] == [
        {
            "method_before": "account_owner",
            "method_after": "unallocated",
            "line_items": line_items,
            "effective_cost": pytest.approx(effective, abs=1e-6),
            "billed_cost": pytest.approx(billed, abs=1e-6),
        }
    ]
    # Each set tagged with an owner's email and a team now has two `team` tags: the team's wins (priority).
    conflicts = diff["tag_conflicts"]
    assert {(c["change"], c["normalized_key"], c["value_before"]) for c in conflicts} == {("appears", "team", None)}
    assert owner_and_team_sets > 0
    assert sum(c["tag_sets"] for c in conflicts) == owner_and_team_sets
    assert all("@" in c["source_tags"] and "@" not in c["value_after"] for c in conflicts)
    assert marts_checksum() == before
    assert scratch_left_behind() == []


def test_base_errors_are_one_line_before_anything_is_built(built_target, demo_seeds, tmp_path, monkeypatch):
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(demo_seeds))
    outside = invoke("diff", "--base", "HEAD")
    repo = tmp_path / "repo"
    shutil.copytree(demo_seeds, repo / "org")
    git(repo, "init", "--quiet")
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(repo / "org"))
    unknown = invoke("diff", "--base", "no-such-branch")

    assert (outside.exit_code, outside.output.strip()) == (2, f"error: {demo_seeds} is not inside a git repository: --base needs one")
    assert (unknown.exit_code, unknown.output.strip()) == (
        2,
        f"error: 'no-such-branch' is not a commit of the repository at {repo / 'org'}",
    )
    assert scratch_left_behind() == []


def test_without_built_marts_diff_says_to_build_first(target):
    ensure_raw_tables(Settings.from_env())

    result = invoke("diff")

    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: the marts are not built yet: run `sibyl build` first, or compare with the seeds at a git ref (--base REF)"
    )


LEDGER_REPLICA = "arn:aws:rds:us-east-1:284619037552:db:payments-ledger-prod-3"  # in every demo CUR, tagged


def test_a_resource_owner_row_takes_its_line_items_from_the_tags(built_target, demo_seeds, tmp_path, monkeypatch):
    """One row added to resource_owners.csv: every line item of the resource changes allocation method to
    resource_override, with exactly its dollars. On DuckDB only: the same SQL on both engines."""
    if built_target == "postgres":
        pytest.skip("engine-independent: covered on DuckDB")
    seeds = tmp_path / "org"
    shutil.copytree(demo_seeds, seeds)
    with (seeds / "resource_owners.csv").open("a") as handle:
        handle.write(f"resource_id,{LEDGER_REPLICA},finance-reporting,,The second replica is finance's too.\n")
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(seeds))
    expected = warehouse_rows(
        "select allocation_method, count(*), sum(effective_cost), sum(unblended_cost) from intermediate.int_line_items_attributed "
        f"where resource_id = '{LEDGER_REPLICA}' group by allocation_method"
    )
    before = marts_checksum()

    diff = json.loads(invoke("diff", "--format", "json", check=True).stdout)

    changes = [tuple(change.values()) for change in diff["allocation_method_changes"]]
    assert [c[:3] for c in changes] == [(method, "resource_override", n) for method, n, _, _ in expected]
    assert [c[3:] for c in changes] == [pytest.approx((e, b), abs=1e-6) for _, _, e, b in expected]
    assert {method for method, *_ in expected} == {"team_tag"}
    assert marts_checksum() == before
    assert scratch_left_behind() == []


def test_resource_owner_rows_naming_two_owners_for_one_resource_are_one_line(built_target, demo_seeds, tmp_path, monkeypatch):
    """The demo gives NAT gateways' ARNs to vpc-core; a row giving their hourly usage type to sre matches the
    same line items: the build stops naming the resource and both rows, and the real marts are unchanged."""
    if built_target == "postgres":
        pytest.skip("engine-independent: covered on DuckDB")
    seeds = tmp_path / "org"
    shutil.copytree(demo_seeds, seeds)
    with (seeds / "resource_owners.csv").open("a") as handle:
        handle.write("usage_type_pattern,^NatGateway-Hours$,sre,,SRE pays for idle gateways.\n")
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(seeds))
    [(nat,)] = warehouse_rows(
        "select min(resource_id) from intermediate.int_line_items_attributed where usage_type = 'NatGateway-Hours' "
        "and usage_account_id = '153870624495'"
    )
    before = marts_checksum()

    result = invoke("diff")

    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert (
        "seeds/resource_owners.csv: rows matching one resource name different owners (keep one, or narrow the patterns): "
        f"{nat} / NatGateway-Hours: arn_pattern ^arn:aws:ec2:[a-z0-9-]+:153870624495:natgateway/ -> service vpc-core; "
        "usage_type_pattern ^NatGateway-Hours$ -> team sre"
    ) in line
    assert marts_checksum() == before
    assert scratch_left_behind() == []
