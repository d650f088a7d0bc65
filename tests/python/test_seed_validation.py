"""A broken seed stops `dbt build` with a message naming the CSV and the offending value, and the
marts are not rebuilt from it. Each case edits one CSV of a copy of the project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import dbt_target_path

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project_copy(tmp_path_factory, monkeypatch, demo_seeds) -> Path:
    """The dbt project alone, to break a seed without touching the checkout. The same path all session,
    copied afresh for each test, with dbt's artifacts kept outside it per target: dbt's saved parse stays
    valid and only the broken CSV is parsed again (a whole parse is ~10 s a test)."""
    copy = tmp_path_factory.getbasetemp() / "project-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(
        PROJECT,
        copy,
        ignore=shutil.ignore_patterns(".*", "target", "logs", "loaders", "python", "bench", "demo-data", "*.duckdb*", "profiles.yml"),
    )
    monkeypatch.setenv("SIBYL_PROJECT_DIR", str(copy))
    shutil.copytree(demo_seeds, copy / "seeds", dirs_exist_ok=True)
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(copy / "seeds"))
    target = os.environ.get("SIBYL_TARGET", "duckdb")
    monkeypatch.setenv("DBT_TARGET_PATH", dbt_target_path(tmp_path_factory, f"project-copy-{target}"))
    return copy


def sibyl(*args: str) -> subprocess.CompletedProcess:
    """The installed command in a real process: dbt's own output is part of what a person reads."""
    executable = Path(sys.executable).with_name("sibyl")
    return subprocess.run([str(executable), *args], capture_output=True, text=True, env=os.environ.copy())


def append(path: Path, line: str) -> None:
    with path.open("a") as handle:
        handle.write(line + "\n")


# Each case appends one line to one seed CSV: (the CSV, the line, what the build says of it).
CASES = {
    "duplicate team": (
        "teams.csv",
        "sre,Infrastructure,dup@example.com,#dup,",
        "seeds/teams.csv: team is duplicated (give each row of its history another valid_from): sre",
    ),
    "two rows of a team's history from one day": (
        "teams.csv",
        "sre,Security,sre@example.com,#team-sre,2026-10-01\nsre,Data Platform,sre@example.com,#team-sre,2026-10-01",
        "seeds/teams.csv: team is duplicated (give each row of its history another valid_from): sre (valid_from 2026-10-01)",
    ),
    "valid_from not a date": (
        "account_owners.csv",
        "153870624495,sre,2026-13-01",
        "seeds/account_owners.csv: valid_from is not a date (write YYYY-MM-DD, or leave it empty for since forever) "
        "for account_id: 153870624495: 2026-13-01",
    ),
    "resource owner names a missing team": (
        "resource_owners.csv",
        "resource_id,i-0123456789abcdef0,ghosts,,Nobody owns it.",
        "seeds/resource_owners.csv: team names no row of teams.csv: ghosts",
    ),
    "resource owner names a missing service": (
        "resource_owners.csv",
        "arn_pattern,^arn:aws:eks:,,ghost-cluster,Nobody owns it.",
        "seeds/resource_owners.csv: service names no row of services.csv: ghost-cluster",
    ),
    "resource owner names a team and a service": (
        "resource_owners.csv",
        "resource_id,i-0123456789abcdef0,networking,vpc-core,Both.",
        "seeds/resource_owners.csv: give exactly one of team, service (not both, not neither) for pattern: i-0123456789abcdef0",
    ),
    "resource owner names no owner": (
        "resource_owners.csv",
        "usage_type_pattern,^APN1-,,,Nobody.",
        "seeds/resource_owners.csv: give exactly one of team, service (not both, not neither) for pattern: ^APN1-",
    ),
    "resource owner of an unknown match type": (
        "resource_owners.csv",
        "tag,team=sre,sre,,A tag is not a resource.",
        "seeds/resource_owners.csv: match_type must be one of resource_id, arn_pattern, usage_type_pattern for pattern: team=sre: tag",
    ),
    "invalid resource owner regex": (
        "resource_owners.csv",
        "usage_type_pattern,^(EU-DataTransfer,networking,,Broken.",
        "seeds/resource_owners.csv: pattern is not a valid regular expression on {target}: ^(EU-DataTransfer",
    ),
    "unit names a missing group": (
        "business_units.csv",
        "Robotics,Moonshots,Robots.",
        "seeds/business_units.csv: business_group names no row of business_groups.csv: Moonshots",
    ),
    "team names a missing unit": (
        "teams.csv",
        "drones,Aviation,drones@example.com,#drones,",
        "seeds/teams.csv: business_unit names no row of business_units.csv: Aviation",
    ),
    "service names a missing team": (
        "services.csv",
        "orphan-api,ghosts,api,,,Nobody owns it.,",
        "seeds/services.csv: team names no row of teams.csv: ghosts",
    ),
    "account owner names a missing team": (
        "account_owners.csv",
        "000000000001,ghosts,",
        "seeds/account_owners.csv: team names no row of teams.csv: ghosts",
    ),
    "invalid rule regex": (
        "tag_rules.csv",
        "broken_rule,,^(team,team,50,true",
        "seeds/tag_rules.csv: pattern is not a valid regular expression on {target}: ^(team",
    ),
    "invalid alias regex": (
        "tag_value_aliases.csv",
        "team,[payments,payments-core,10",
        "seeds/tag_value_aliases.csv: pattern is not a valid regular expression on {target}: [payments",
    ),
    "empty normalized key": (
        "tag_rules.csv",
        "nameless_rule,owner,,,50,true",
        "seeds/tag_rules.csv: normalized_key is empty for rule_name: nameless_rule",
    ),
}


def test_a_seed_without_its_valid_from_column_is_one_line(project_copy, duckdb_path):
    """Seeds written before histories existed: the build says which column to add, before any model reads it."""
    teams = project_copy / "seeds" / "teams.csv"
    teams.write_text("\n".join(line.rsplit(",", 1)[0] for line in teams.read_text().splitlines()) + "\n")

    result = sibyl("--target", "duckdb", "build", "--select", "resource_type:seed")

    assert result.returncode == 1, result.stdout + result.stderr
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("error: dbt build failed on duckdb: Compilation Error in test seed_")
    assert (
        ": seeds/teams.csv: no valid_from column: add it as the last column of the header (empty cells: each row holds since forever)"
        in last_line
    )


# Only a regex compiles differently per engine; the other checks are the same SQL on both, so they run once.
ENGINE_SPECIFIC = {"invalid rule regex", "invalid alias regex", "invalid resource owner regex"}
RUNS = [
    pytest.param(case, engine, id=f"{engine}-{case}")
    for case in CASES
    for engine in (("duckdb", "postgres") if case in ENGINE_SPECIFIC else ("duckdb",))
]


@pytest.mark.parametrize(("case", "target"), RUNS, indirect=["target"])
def test_broken_seed_fails_the_build_naming_csv_and_value(case, target, project_copy):
    csv_name, line, message = CASES[case]
    append(project_copy / "seeds" / csv_name, line)

    result = sibyl("build", "--select", "resource_type:seed")

    assert result.returncode == 1, result.stdout + result.stderr
    assert message.format(target=target) in result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(f"error: dbt build failed on {target}: Compilation Error in test seed_")
    assert f": {message.format(target=target)}" in last_line
