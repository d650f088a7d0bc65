"""seeds/ is the organisation's own (finance edits it in git): the suite builds with the demo's seeds,
so it passes whatever seeds/ says, and this test holds seeds/ to the same checks as every build."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from helpers import warehouse_rows
from sibyl.cli import cli

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_the_committed_seeds_pass_the_seed_checks(duckdb_path, monkeypatch):
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(SEEDS))

    result = CliRunner().invoke(cli, ["--target", "duckdb", "build", "--select", "resource_type:seed"])

    assert result.exit_code == 0, result.output
    with (SEEDS / "teams.csv").open() as teams:
        assert warehouse_rows("select count(*) from seeds.teams") == [(sum(1 for _ in teams) - 1,)]
