"""bench/ingest.py, bench/inventory.py and bench/cloudwatch.py run end to end on tiny inputs (the real runs are not part of the suite)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "ingest.py"


def test_the_ingest_benchmark_runs_on_both_targets(postgres_available, tmp_path):
    result = subprocess.run(
        [sys.executable, BENCH, "--lines", "5000", "--targets", "duckdb,postgres", "--workdir", tmp_path],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    table = result.stdout.splitlines()
    assert any(line.startswith("duckdb ") and "CTAS select * from read_parquet" in line for line in table)
    assert any(line.startswith("postgres ") and "server-side COPY FROM csv" in line for line in table)
    assert "validation gate alone: " in result.stderr


INVENTORY_BENCH = BENCH.with_name("inventory.py")


def test_the_inventory_benchmark_loads_on_both_targets(postgres_available, tmp_path):
    result = subprocess.run(
        [sys.executable, INVENTORY_BENCH, "--resources", "2000", "--targets", "duckdb,postgres", "--workdir", tmp_path, "--skip-build"],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    table = result.stdout.splitlines()
    assert table[1] == "2,000 resources; load = read_snapshot + load_scan in a child process (process start included)"
    assert [line.split()[0] for line in table[3:5]] == ["duckdb", "postgres"]
    assert all(line.endswith("skipped") for line in table[3:5])
    assert any(line.startswith("duckdb: load ") and "peak RSS" in line for line in table)


def test_the_cloudwatch_benchmark_runs_on_both_targets(postgres_available, tmp_path):
    sizes = ["--api-resources", "20", "--api-days", "1", "--resources", "50", "--days", "2"]
    result = subprocess.run(
        [sys.executable, BENCH.with_name("cloudwatch.py"), *sizes, "--targets", "duckdb,postgres", "--workdir", tmp_path],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("API path (moto): 20 resources, 58 series, 1 GetMetricData calls, ") for line in lines)
    assert any(line.startswith("snapshot: 50 resources x 2 days hourly x the default metrics: ") for line in lines)
    assert any(line.startswith("duckdb ") for line in lines) and any(line.startswith("postgres ") for line in lines)


@pytest.mark.parametrize("built_warehouse", ["duckdb"], indirect=True)
def test_the_serve_benchmark_loads_the_api_without_errors(built_target):
    result = subprocess.run(
        [sys.executable, BENCH.with_name("serve.py"), "--requests", "60", "--concurrency", "4", "--as-built"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "60 requests per endpoint, 4 at a time, on 127.0.0.1; latency in ms"
    rows = [line.split() for line in lines[2:]]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("duckdb", "/api/v1/costs/by_team", "60", "0"),
        ("duckdb", "/api/v1/costs/by_team/monthly?team=checkout", "60", "0"),
        ("duckdb", "/api/v1/compliance/untagged?limit=20", "60", "0"),
    ]
