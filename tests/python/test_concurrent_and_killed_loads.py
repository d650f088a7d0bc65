"""Real `sibyl load cur` processes: two at once do not interleave, and a SIGKILL mid-publish leaves no trace."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import DEMO_END_DATE
from delivery_readers import totals_by_period
from helpers import raw_state, warehouse_rows

SIBYL = str(Path(sys.executable).with_name("sibyl"))
LOADS = "select load_id, source, billing_period, delivery_version, row_count, billed_total, status from raw.cur_loads order by load_id"
LINE_ITEMS = "select load_id, billing_period, count(*), sum(line_item_unblended_cost) from raw.cur_line_items group by 1, 2 order by 2"


@pytest.fixture(scope="module")
def big_cur(tmp_path_factory) -> Path:
    """One month large enough that publishing it takes a few seconds on either target."""
    from sibyl.demo.generate import generate_cur

    root = tmp_path_factory.mktemp("big-cur")
    generate_cur(root, months=1, lines=400_000, seed=11, fmt="legacy-parquet", end_date=DEMO_END_DATE)
    return root


def _start_load(source: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [SIBYL, "-v", "load", "cur", str(source), *options], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )


def _wait_until_publishing(proc: subprocess.Popen) -> list[str]:
    """Read the loader's log until its publish transaction has begun; the lines read so far."""
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("DEBUG:sibyl.cur.load:publishing "):
            return lines
    pytest.fail(f"the load ended before publishing: {''.join(lines)[-2000:]}")


def _run(source: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([SIBYL, "load", "cur", str(source), *options], capture_output=True, text=True, timeout=300)


def test_a_second_load_on_duckdb_fails_clearly_while_the_first_publishes(duckdb_path, monkeypatch, demo_cur, big_cur):
    monkeypatch.setenv("SIBYL_TARGET", "duckdb")
    first = _start_load(big_cur)
    _wait_until_publishing(first)
    first.send_signal(signal.SIGSTOP)  # held mid-publish, however fast this machine is

    try:
        second = _run(demo_cur)
        command = Path(f"/proc/{first.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    finally:
        first.send_signal(signal.SIGCONT)
    first_err = first.communicate(timeout=300)[1]

    assert second.returncode == 2
    assert second.stderr.strip() == (
        f"error: cannot open the DuckDB warehouse {os.environ['SIBYL_DUCKDB_PATH']}: another process (PID {first.pid}, "
        f"{command[:120]}) is writing to it (a sibyl load or a dbt build); wait for it to finish and run this again"
    )
    assert command.endswith(f"load cur {big_cur}")
    assert first.returncode == 0, first_err
    [(load_id, *_, row_count, _, status)] = warehouse_rows(LOADS)
    assert status == "published"
    assert [(i, n) for i, _, n, _ in warehouse_rows(LINE_ITEMS)] == [(load_id, row_count)]


def test_a_second_load_on_postgres_waits_for_the_first(postgres_db, monkeypatch, big_cur):
    monkeypatch.setenv("SIBYL_TARGET", "postgres")
    first = _start_load(big_cur)
    _wait_until_publishing(first)
    first.send_signal(signal.SIGSTOP)  # held mid-publish, with the load lock, however fast this machine is

    second = subprocess.Popen([SIBYL, "load", "cur", str(big_cur)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        _wait_for_a_waiting_load()
    except BaseException:
        second.kill()
        raise
    finally:
        first.send_signal(signal.SIGCONT)
    first_err = first.communicate(timeout=300)[1]
    second_err = second.communicate(timeout=300)[1]

    assert first.returncode == 0, first_err
    assert second.returncode == 0, second_err
    assert "another sibyl load is writing to PostgreSQL at " in second_err
    assert second_err.count("already loaded, unchanged:") == 1
    assert [status for *_, status in warehouse_rows(LOADS)] == ["published"]


def test_publishing_on_postgres_does_not_deadlock_with_a_query_over_every_month(postgres_db, monkeypatch, demo_cur):
    """A load restates one month and adds another; a query over every month arrives between the two
    swaps. The query waits for the load and then sees its result; neither deadlocks."""
    from sibyl.cur.line_items import line_items
    from sibyl.warehouse.postgres import PostgresWarehouse

    monkeypatch.setenv("SIBYL_TARGET", "postgres")
    assert _run(demo_cur).returncode == 0
    [(old_load, period, old_rows)] = warehouse_rows("select load_id, billing_period, row_count from raw.cur_loads order by 2 limit 1")
    [(all_rows,)] = warehouse_rows("select count(*) from raw.cur_line_items")
    seen = {}

    def count_every_month():
        try:
            seen["rows"] = warehouse_rows("select count(*) from raw.cur_line_items")[0][0]
        except Exception as exc:
            seen["error"] = str(exc)

    with PostgresWarehouse() as wh:
        layout = line_items(wh)
        layout.table_for("restated", period)  # both empty: the swaps are what this test is about
        layout.table_for("added", dt.date(2027, 1, 1))
        layout.swap_in("restated", period, [old_load])
        reader = threading.Thread(target=count_every_month)
        reader.start()
        _wait_for_a_waiting_query()
        layout.swap_in("added", dt.date(2027, 1, 1), [])
        wh.commit()
    reader.join(60)

    assert seen == {"rows": all_rows - old_rows}


def test_a_load_killed_while_publishing_leaves_the_warehouse_as_it_was(target, demo_cur, big_cur):
    assert _run(demo_cur).returncode == 0
    before = raw_state()

    # Its last month is the demo's, for the same payer account: it replaces the demo's.
    load = _start_load(big_cur, "--replace-other-sources")
    _wait_until_publishing(load)
    if target == "postgres":
        _wait_for_copy()  # rows are streaming into the open transaction right now
    load.send_signal(signal.SIGKILL)
    load.communicate(timeout=60)

    assert load.returncode == -signal.SIGKILL
    assert raw_state() == before
    again = _run(big_cur, "--replace-other-sources")  # the lock is free and the file or database is sound
    assert again.returncode == 0, again.stderr
    [(rows, _)] = totals_by_period(big_cur).values()
    assert f": {rows:,} line items" in again.stderr


def _wait_until(what: str, count_sql: str, timeout: float = 60) -> None:
    """Poll a count over the server's activity or locks in the test's database until it is not zero."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if warehouse_rows(count_sql)[0][0]:
            return
        time.sleep(0.02)
    pytest.fail(f"{what} never happened")


def _wait_for_copy() -> None:
    """Until the loader's COPY streams rows into its open transaction."""
    _wait_until(
        "the loader's COPY",
        "select count(*) from pg_stat_activity where datname = current_database() and state = 'active' "
        "and query ilike 'copy %' and pid <> pg_backend_pid()",
    )


def _wait_for_a_waiting_load() -> None:
    """Until a second loader is queued behind the first one's advisory lock."""
    _wait_until(
        "a second load waiting for the first",
        "select count(*) from pg_locks where locktype = 'advisory' and not granted "
        "and database = (select oid from pg_database where datname = current_database())",
    )


def _wait_for_a_waiting_query() -> None:
    """Until a query in the test's database waits for a table lock."""
    _wait_until(
        "a query waiting for the load",
        "select count(*) from pg_locks where locktype = 'relation' and not granted "
        "and database = (select oid from pg_database where datname = current_database())",
    )
