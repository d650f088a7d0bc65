"""CLI behaviour through click's CliRunner: exit codes and the one-line errors people read."""

from __future__ import annotations

import socket

from helpers import invoke


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_unreachable_postgres_is_one_line_exit_2():
    port = closed_port()
    env = {"PGHOST": "127.0.0.1", "PGPORT": str(port), "PGDATABASE": "sibyl"}

    result = invoke("--target", "postgres", "report", "cost-by-team", env=env)

    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"error: cannot connect to PostgreSQL at postgres@127.0.0.1:{port}/sibyl: ")
    assert line.endswith("(is the server running? check PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)")
    assert "Traceback" not in result.output


def test_verbose_adds_the_traceback():
    result = invoke("-v", "--target", "postgres", "report", "cost-by-team", env={"PGPORT": str(closed_port())})

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


def test_report_on_a_warehouse_without_marts_says_they_are_not_built(target, duckdb_path):
    import duckdb

    duckdb.connect(str(duckdb_path)).close()  # DuckDB: a warehouse file, loaded or not, but never built

    result = invoke("--target", target, "report", "cost-by-team")

    assert result.exit_code == 2
    assert result.output.strip() == "error: the marts are not built yet: run `sibyl build` first"


def test_report_a_role_may_not_read_is_a_permission_error_not_unbuilt_marts(postgres_db, monkeypatch):
    import uuid

    import adbc_driver_postgresql.dbapi as adbc

    from conftest import postgres_uri

    role = f"sibyl_no_select_{uuid.uuid4().hex[:10]}"
    with adbc.connect(postgres_uri(), autocommit=True) as con, con.cursor() as cursor:
        cursor.execute("create schema marts")
        columns = (
            "team, business_unit, business_group, row_type, window_start, window_end, cost_30d, cost_prev_30d, mom_change, mom_change_pct"
        )
        cursor.execute(f"create table marts.cost_by_team_30d as select {', '.join(f'null::text as {c}' for c in columns.split(', '))}")
        cursor.execute(f"create role {role} login")
        cursor.execute(f"grant usage on schema marts to {role}")
        try:
            result = invoke("--target", "postgres", "report", "cost-by-team", env={"PGUSER": role})
        finally:
            cursor.execute(f"drop owned by {role}")
            cursor.execute(f"drop role {role}")

    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: cannot read marts.cost_by_team_30d from the postgres warehouse: ")
    assert "permission denied for table cost_by_team_30d" in line
