"""CLI behaviour through click's CliRunner: exit codes and the one-line errors people read."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from sibyl.cli import cli


def invoke(*args: str, **env: str):
    return CliRunner().invoke(cli, list(args), env=env or None)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_unreachable_postgres_is_one_line_exit_2():
    port = closed_port()

    result = invoke("--target", "postgres", "report", "cost-by-team", PGHOST="127.0.0.1", PGPORT=str(port), PGDATABASE="sibyl")

    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"error: cannot connect to PostgreSQL at postgres@127.0.0.1:{port}/sibyl: ")
    assert line.endswith("(is the server running? check PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)")
    assert "Traceback" not in result.output


def test_verbose_adds_the_traceback():
    result = invoke("-v", "--target", "postgres", "report", "cost-by-team", PGPORT=str(closed_port()))

    assert result.exit_code == 2
    assert "Traceback" in result.output
    assert "error: cannot connect to PostgreSQL" in result.output


def test_unknown_target_is_a_usage_error():
    result = invoke("--target", "oracle", "build")

    assert result.exit_code == 2
    assert "Invalid value for '--target'" in result.output


def test_bad_billing_period_is_a_usage_error(duckdb_path, tmp_path):
    result = invoke("load", "cur", str(tmp_path), "--billing-period", "2026-13")

    assert result.exit_code == 2
    assert "'2026-13' is not YYYY-MM" in result.output


def test_empty_folder_says_what_layout_is_expected(duckdb_path, tmp_path):
    result = invoke("load", "cur", str(tmp_path))

    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: no CUR delivery under {tmp_path}: expected <report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json, "
        "<report>/<report>/year=YYYY/month=M/*.parquet or <export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json "
        "as AWS writes them (or pass a single CUR file)"
    )


def test_report_before_any_load_says_what_to_run(duckdb_path):
    result = invoke("report", "cost-by-team")

    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: no DuckDB warehouse at {duckdb_path}: run `sibyl load cur` and `sibyl build` first, or set SIBYL_DUCKDB_PATH"
    )
