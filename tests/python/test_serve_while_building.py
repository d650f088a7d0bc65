"""DuckDB admits one writer per file: `sibyl serve`, BI tools and notebooks read the published copy of the marts, so a
load and a build run while the server answers, and a reader left on the warehouse itself is named when it blocks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from serving import running_server

SIBYL = str(Path(sys.executable).with_name("sibyl"))


@pytest.fixture
def own_copy(built_warehouse, tmp_path, monkeypatch) -> Path:
    """The session's built DuckDB warehouse and its published marts, copied: this test writes to them."""
    source = Path(built_warehouse["SIBYL_DUCKDB_PATH"])
    for name in (source.name, f"{source.stem}.marts.duckdb"):
        shutil.copy(source.with_name(name), tmp_path / name)
    monkeypatch.setenv("SIBYL_TARGET", "duckdb")
    monkeypatch.setenv("SIBYL_DUCKDB_PATH", str(tmp_path / source.name))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt-target"))
    return tmp_path / source.name


def sibyl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SIBYL, *args], capture_output=True, text=True, timeout=600, env=os.environ.copy())


@pytest.mark.parametrize("built_warehouse", ["duckdb"], indirect=True)
def test_a_load_and_a_build_run_while_the_server_answers(own_copy, demo_cur):
    published = own_copy.with_name(f"{own_copy.stem}.marts.duckdb")
    before = published.stat().st_ino
    answers: list[tuple[int, str]] = []
    stop = threading.Event()

    with running_server() as url:

        def ask() -> None:
            with httpx.Client(base_url=url, timeout=10) as client:
                while not stop.is_set():
                    response = client.get("/api/v1/costs/by_team")
                    answers.append((response.status_code, response.json().get("total_30d", response.text)))
                    time.sleep(0.05)

        asker = threading.Thread(target=ask)
        asker.start()
        try:
            load, build = sibyl("load", "cur", str(demo_cur)), sibyl("build", "--quiet")
        finally:
            stop.set()
            asker.join(30)
        after = httpx.get(f"{url}/api/v1/costs/by_team").json()

    assert load.returncode == 0, load.stderr
    assert build.returncode == 0, build.stderr
    assert len(answers) > 20
    assert {status for status, _ in answers} == {200}
    assert len({total for _, total in answers}) == 1  # the same marts throughout: never a half-built state
    assert published.stat().st_ino != before  # the build swapped in a new copy, and the server reads it
    assert after["total_30d"] == answers[0][1]


@pytest.mark.parametrize("built_warehouse", ["duckdb"], indirect=True)
def test_a_reader_holding_the_warehouse_is_named_when_a_load_needs_it(own_copy, demo_cur):
    """A notebook with the warehouse itself open read-only: the load says who, and where readers belong."""
    code = "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); print(1, flush=True); sys.stdin.read()"
    holder = subprocess.Popen([sys.executable, "-c", code, str(own_copy)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "1\n"
        refused = sibyl("load", "cur", str(demo_cur))
    finally:
        holder.communicate("", timeout=30)

    command = " ".join([sys.executable, "-c", code, str(own_copy)])[:120]
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"error: cannot open the DuckDB warehouse {own_copy}: another process (PID {holder.pid}, {command}) has it open to read; "
        f"BI tools, notebooks and sibyl serve should read the published copy {own_copy.with_name('warehouse.marts.duckdb')} instead, "
        "which never blocks a load or a build: close it here and run this again"
    )
