"""CUR ingestion benchmark: `sibyl load cur` against each engine's own floor, on the same rows.

    python bench/ingest.py --lines 2000000 --targets duckdb,postgres

Generates one billing period of N legacy-Parquet line items with `sibyl generate cur`, then per target:
- the load: `sibyl load cur` in a child process into an empty warehouse (validation, tag sets and the
  publish step included), its wall time and peak RSS (from wait4);
- the floor, on the same rows:
  - DuckDB: `CREATE TABLE AS SELECT * FROM read_parquet(...)` into a new file database, in a child
    process; also the same CTAS of the loader's own canonical query (the columns Sibyl keeps);
  - PostgreSQL: server-side `COPY ... FROM 'rows.csv'` of the canonical rows, written beforehand,
    into an empty table shaped like the one a load writes (a month's partition holds its loads' tables).
A ratio is floor seconds / load seconds: 1.0 means as fast as the floor, more is faster.
The cost of the validation gate alone is measured on the same delivery.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent
TARGETS = ("duckdb", "postgres")
SMALL_DUCKDB = {"memory_limit": "128MB", "preserve_insertion_order": False}


def main() -> None:
    args = _parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="sibyl-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    cur = workdir / "cur"
    if not cur.exists():
        _say(f"generating {args.lines:,} line items in {cur}")
        subprocess.run(
            [BIN / "sibyl", "generate", "cur", cur, "--lines", str(args.lines), "--months", "1", "--seed", "42"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    rows = _canonical_rows(cur)
    _say(f"{rows.count:,} rows in {len(rows.files)} Parquet file(s), {_mb(sum(os.path.getsize(f) for f in rows.files))} MB")
    _say(f"validation gate alone: {_time_validation(cur)}")
    # Everything heavy runs in child processes: a child's peak RSS (wait4) counts the parent's
    # memory at the fork, so this process must stay small.
    results = []
    for target in args.targets:
        load = _measure_load(target, cur, workdir)
        floors = _duckdb_floors(rows, workdir) if target == "duckdb" else _postgres_floors(rows)
        results.append((target, load, floors))
    _print_table(rows.count, results)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=2_000_000, help="line items to generate (default 2,000,000)")
    parser.add_argument("--targets", default="duckdb,postgres", help="comma-separated: duckdb,postgres")
    parser.add_argument("--workdir", default=None, help="keep generated files here (reused when present)")
    args = parser.parse_args()
    args.targets = [t for t in args.targets.split(",") if t]
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown target(s) {', '.join(sorted(unknown))}: use duckdb, postgres")
    return args


class _Rows:
    """The delivery's files, its canonical query and its row count."""

    def __init__(self, files: list[str], sql: str, count: int) -> None:
        self.files, self.sql, self.count = files, sql, count


def _canonical_rows(cur: Path) -> _Rows:
    import duckdb

    from sibyl.cur.delivery_files import open_delivery
    from sibyl.cur.discover import discover

    [delivery] = discover(str(cur))
    with open_delivery(delivery) as reader:
        sql = reader.line_items_sql("bench")
        files = list(reader.files)
    with duckdb.connect(config=SMALL_DUCKDB) as con:
        [(count,)] = con.execute(f"select count(*) from ({sql})").fetchall()
    return _Rows(files, sql, count)


_GATE_ALONE = """
import resource, sys, time
from sibyl import duckdb_session
from sibyl.cur.discover import discover
from sibyl.cur.delivery_files import open_delivery
from sibyl.cur.validate import validate_delivery
from sibyl.warehouse.duckdb import LOADING_SETTINGS

[delivery] = discover(sys.argv[1])
with open_delivery(delivery) as reader, duckdb_session.connect() as con:
    for setting in LOADING_SETTINGS:
        con.execute("set " + setting)
    started = time.perf_counter()
    validate_delivery(lambda sql: con.execute(sql).fetchall(), reader, "bench")
    print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _time_validation(cur: Path) -> str:
    """The gate on its own, as the DuckDB loader runs it, in a child process: seconds and peak RSS."""
    done = subprocess.run([sys.executable, "-c", _GATE_ALONE, str(cur)], check=True, capture_output=True, text=True)
    seconds, peak_kb = done.stdout.split()
    return f"{float(seconds):.2f}s, peak RSS {int(peak_kb) / 1024:.0f} MB"


class _Run:
    def __init__(self, seconds: float, peak_rss_kb: int) -> None:
        self.seconds, self.peak_rss_kb = seconds, peak_rss_kb


def _child(argv: list, env: dict[str, str]) -> _Run:
    """Run a process to completion: wall seconds and its own peak resident memory."""
    started = time.perf_counter()
    proc = subprocess.Popen([str(a) for a in argv], env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv[0]} failed: {stderr.decode(errors='replace')[-2000:]}")
    return _Run(seconds, usage.ru_maxrss)


def _measure_load(target: str, cur: Path, workdir: Path) -> _Run:
    _say(f"{target}: sibyl load cur")
    if target == "duckdb":
        path = workdir / "load.duckdb"
        _remove_duckdb(path)
        return _child([BIN / "sibyl", "--target", "duckdb", "load", "cur", cur], {"SIBYL_DUCKDB_PATH": str(path)})
    with _scratch_database() as database:
        return _child([BIN / "sibyl", "--target", "postgres", "load", "cur", cur], {"PGDATABASE": database})


def _duckdb_floors(rows: _Rows, workdir: Path) -> dict[str, float]:
    floors = {}
    for name, select in (
        ("CTAS select * from read_parquet", f"select * from read_parquet({_list(rows.files)}, union_by_name = true)"),
        ("CTAS of the canonical rows", rows.sql),
    ):
        _say(f"duckdb floor: {name}")
        path = workdir / "floor.duckdb"
        _remove_duckdb(path)
        script = (
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
            "con.execute('set enable_progress_bar = false'); con.execute(sys.argv[2])"
        )
        floors[name] = _child([sys.executable, "-c", script, path, f"create table floor as {select}"], {}).seconds
        _remove_duckdb(path)
    return floors


def _postgres_floors(rows: _Rows) -> dict[str, float]:
    import duckdb

    # The server reads the file itself: a folder of its own under the system temp dir, readable by all.
    csv_dir = Path(tempfile.mkdtemp(prefix="sibyl-bench-csv-"))
    csv_dir.chmod(0o755)
    csv = csv_dir / "rows.csv"
    _say(f"postgres floor: writing the canonical rows to {csv}")
    with duckdb.connect(config=SMALL_DUCKDB) as con:
        con.execute(f"copy ({rows.sql}) to '{csv}' (header, delimiter ',')")
    csv.chmod(0o644)
    from sibyl.cur.schema import ensure_raw_schema
    from sibyl.warehouse.postgres import PostgresWarehouse

    with _scratch_database() as database, _database_env(database), PostgresWarehouse() as wh:
        with wh.transaction():
            ensure_raw_schema(wh)
            wh.execute("create table raw.floor (like raw.cur_line_items)")  # the shape of the table a load writes
        _say("postgres floor: server-side COPY FROM the CSV file")
        started = time.perf_counter()
        with wh.transaction():
            wh.execute(f"copy raw.floor from '{csv}' (format csv, header true)")
        seconds = time.perf_counter() - started
    csv.unlink()
    csv_dir.rmdir()
    return {"server-side COPY FROM csv": seconds}


class _scratch_database:
    """An empty PostgreSQL database for one measurement, dropped afterwards."""

    def __enter__(self) -> str:
        self.name = f"sibyl_bench_{uuid.uuid4().hex[:8]}"
        with _pg("postgres") as con, con.cursor() as cur:
            cur.execute(f"create database {self.name}")
        return self.name

    def __exit__(self, *exc: object) -> None:
        with _pg("postgres") as con, con.cursor() as cur:
            cur.execute(f"drop database if exists {self.name} with (force)")


def _pg(database: str):
    import adbc_driver_postgresql.dbapi as adbc

    from sibyl.config import postgres_uri

    with _database_env(database):
        return adbc.connect(postgres_uri(), autocommit=True)


@contextmanager
def _database_env(database: str) -> Iterator[None]:
    """PGDATABASE for Sibyl's own connection code, restored afterwards."""
    previous = os.environ.get("PGDATABASE")
    os.environ["PGDATABASE"] = database
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("PGDATABASE", None)
        else:
            os.environ["PGDATABASE"] = previous


def _print_table(count: int, results: list) -> None:
    print(f"\n{count:,} rows, one billing period; ratio = floor seconds / load seconds (>= 1.0: as fast as the floor)")
    print(f"{'target':<10} {'load s':>8} {'rows/s':>10} {'peak RSS MB':>12}   floor")
    for target, load, floors in results:
        print(f"{target:<10} {load.seconds:>8.2f} {count / load.seconds:>10,.0f} {load.peak_rss_kb / 1024:>12.0f}", end="")
        lines = [f"{name}: {s:.2f}s, {count / s:,.0f} rows/s, ratio {s / load.seconds:.2f}" for name, s in floors.items()]
        print("   " + ("\n" + " " * 46).join(lines))


def _list(files: list[str]) -> str:
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"


def _remove_duckdb(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f}"


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
