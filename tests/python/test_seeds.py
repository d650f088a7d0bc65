"""seeds/ is the organisation's own (finance edits it in git): the suite builds with the demo's seeds,
so it passes whatever seeds/ says, and this test holds seeds/ to the same checks as every build."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from helpers import warehouse_rows
from sibyl.cli import cli
from sibyl.demo.organisation import write_seeds

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_the_committed_seeds_pass_the_seed_checks(duckdb_path, monkeypatch):
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(SEEDS))

    result = CliRunner().invoke(cli, ["--target", "duckdb", "build", "--select", "resource_type:seed"])

    assert result.exit_code == 0, result.output
    with (SEEDS / "teams.csv").open() as teams:
        assert warehouse_rows("select count(*) from seeds.teams") == [(sum(1 for _ in teams) - 1,)]


def test_a_seeds_folder_outside_the_project_is_read_from_the_working_directory_and_left_as_it_was(duckdb_path, monkeypatch, tmp_path):
    write_seeds(tmp_path / "org")
    before = {p.name: p.read_bytes() for p in (tmp_path / "org").iterdir()}
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIBYL_SEEDS_DIR", "org")

    result = CliRunner().invoke(cli, ["--target", "duckdb", "build", "--select", "resource_type:seed"])

    assert result.exit_code == 0, result.output
    # dbt writes each seed's compiled SQL at target/run/sibyl/<seed path>: never over the CSVs.
    assert {p.name: p.read_bytes() for p in (tmp_path / "org").iterdir()} == before
    assert warehouse_rows("select count(*) from seeds.teams") == [(before["teams.csv"].count(b"\n") - 1,)]


def test_a_seeds_folder_without_csvs_is_one_line_before_dbt_runs(duckdb_path, monkeypatch, tmp_path):
    (tmp_path / "org").mkdir()
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(tmp_path / "org"))

    result = CliRunner().invoke(cli, ["--target", "duckdb", "build"])

    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        f"error: no seed CSVs in {tmp_path / 'org'}: SIBYL_SEEDS_DIR must name the folder of the organisation's seed CSVs"
    )
