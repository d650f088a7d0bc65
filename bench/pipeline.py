"""The whole pipeline, stage by stage, against dbt's fixed cost and the engine's floor.

    python bench/pipeline.py --lines 2000000 --targets duckdb,postgres,spark [--workdir DIR]

Generates N legacy-Parquet line items over three months with `sibyl generate cur` (and a new delivery
of the last month, N/3 lines), then per target, each stage a child process (wall seconds, peak RSS of
its process tree, sampled, or of the largest process it waited for, whichever is more: dbt's process and
Spark's JVMs among them, which pyspark does not wait for):
  load -> full build -> restate the last month (its new delivery, --replace-other-sources) -> load ->
  incremental build -> report cost-by-team
and, in the same run:
- dbt's fixed cost: the same project's first build over 1,000 lines of the same months, in a warehouse
  of its own: seeds, every node's overhead, and dbt's start with its saved parse (every build here
  starts from one, as a scheduled build does). A build's "data part" is its time minus this;
- the floor: one `create table ... as select` of the daily fact's grain and measures straight from raw
  (usage date, billing period, account, tag set, product, region, line item type, currency; billed,
  effective, list, usage, count): one scan of the data, in a child process (on Spark, the query alone,
  timed inside the process once its session is up).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
TARGETS = ("duckdb", "postgres", "spark")
DEFAULT_TARGETS = ("duckdb", "postgres")
END_DATE = "2026-11-15"  # a fixed month-to-date end: the same files whatever day it runs
FIXED_COST_LINES = 1_000
PG_DATABASE = "sibyl_bench_pipeline"

# The daily fact's grain and measures, straight from raw: what no build can do with less than one scan.
FLOOR_SELECT = """
select
    cast(line_item_usage_start_date as date) as usage_date,
    billing_period,
    line_item_usage_account_id as account_id,
    tag_set_id,
    line_item_product_code as product_code,
    product_region_code as region_code,
    line_item_line_item_type as line_item_type,
    line_item_currency_code as currency_code,
    sum(line_item_unblended_cost) as billed_cost,
    sum(case line_item_line_item_type
        when 'DiscountedUsage' then reservation_effective_cost
        when 'SavingsPlanCoveredUsage' then savings_plan_savings_plan_effective_cost
        else line_item_unblended_cost end) as effective_cost,
    sum(pricing_public_on_demand_cost) as list_cost,
    sum(line_item_usage_amount) as usage_amount,
    count(*) as line_item_count
from raw.cur_line_items
group by 1, 2, 3, 4, 5, 6, 7, 8
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mb: float


def main() -> None:
    args = _parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="sibyl-bench-pipeline-"))
    workdir.mkdir(parents=True, exist_ok=True)
    cur = _generated(workdir / f"cur-{args.lines}", args.lines, months=3, seed=42)
    restated = _generated(workdir / f"restated-{args.lines}", max(args.lines // 3, 1), months=1, seed=43)
    small = _generated(workdir / "cur-fixed-cost", FIXED_COST_LINES, months=3, seed=42)
    print(f"{args.lines:,} line items over 3 months; restated: the last month again ({max(args.lines // 3, 1):,} lines)")
    print(f"{'target':<9} {'stage':<34} {'seconds':>8} {'peak RSS MB':>12}")
    for target in args.targets:
        with _warehouse(target, workdir) as env:
            _child(["build"], env)  # dbt's parse, saved: every build below starts from it, as a scheduled build does
        with _warehouse(target, workdir) as env:
            _child(["load", "cur", small], env)
            fixed = _child(["build"], env)
        with _warehouse(target, workdir) as env:
            stages = _pipeline(env, cur, restated)
        stages["fixed cost (build over 1,000 lines)"] = fixed
        with _warehouse(target, workdir) as env:
            _child(["load", "cur", cur], env)
            stages["floor (CTAS of the daily grain)"] = _floor(target, env)
        for stage, run in stages.items():
            print(f"{target:<9} {stage:<34} {run.seconds:>8.2f} {run.peak_rss_mb:>12,.0f}", flush=True)
        _print_ratios(target, stages)


def _pipeline(env: dict[str, str], cur: Path, restated: Path) -> dict[str, Run]:
    stages = {"load": _child(["load", "cur", cur], env), "full build": _child(["build"], env)}
    slowest = {"full build": _slowest_nodes(env)}
    stages["load the restated month"] = _child(["load", "cur", restated, "--replace-other-sources"], env)
    stages["incremental build"] = _child(["build"], env)
    slowest["incremental build"] = _slowest_nodes(env)
    stages["report cost-by-team"] = _child(["report", "cost-by-team"], env)
    for build, nodes in slowest.items():
        print(f"{env['SIBYL_TARGET']:<9} {build}, slowest nodes: {nodes}", flush=True)
    return stages


def _slowest_nodes(env: dict[str, str], count: int = 6) -> str:
    """What dominates the build that just ran: its slowest nodes by dbt's own timing (run_results.json)."""
    results = json.loads((Path(env["DBT_TARGET_PATH"]) / "run_results.json").read_text())["results"]
    top = sorted(results, key=lambda r: -r["execution_time"])[:count]
    return ", ".join(f"{r['unique_id'].split('.')[2]} {r['execution_time']:.1f} s" for r in top)


def _print_ratios(target: str, stages: dict[str, Run]) -> None:
    fixed = stages["fixed cost (build over 1,000 lines)"].seconds
    floor = stages["floor (CTAS of the daily grain)"].seconds
    full = stages["full build"].seconds - fixed
    incremental = stages["incremental build"].seconds - fixed
    print(
        f"{target:<9} data part of the full build {full:.2f} s = {full / floor:.1f} x the floor; "
        f"of the incremental build {incremental:.2f} s = {incremental / full:.2f} x the full build's"
    )


def _generated(folder: Path, lines: int, *, months: int, seed: int) -> Path:
    if not folder.exists():
        _say(f"generating {lines:,} line items over {months} month(s) in {folder}")
        command = ["generate", "cur", folder, "--lines", str(lines), "--months", str(months), "--seed", str(seed), "--end-date", END_DATE]
        subprocess.run([BIN / "sibyl", *map(str, command)], check=True, stdout=subprocess.DEVNULL)
    return folder / "cur"


@contextmanager
def _warehouse(target: str, workdir: Path) -> Iterator[dict[str, str]]:
    """An empty warehouse, and the environment that points `sibyl` at it. Always the same path or database
    name per target: dbt parses the project again when its profile changes."""
    env = {"SIBYL_TARGET": target, "DBT_TARGET_PATH": str(workdir / f"dbt-{target}")}
    if target == "duckdb":
        path = workdir / "pipeline.duckdb"
        _remove_duckdb(path)
        yield {**env, "SIBYL_DUCKDB_PATH": str(path)}
        _remove_duckdb(path)
        return
    if target == "spark":
        home = workdir / "spark-home"
        shutil.rmtree(home, ignore_errors=True)
        # pyspark gives Spark's UTC timestamps in the process's zone: the report reads them in UTC
        yield {**env, "SIBYL_SPARK_HOME": str(home), "TZ": "UTC"}
        shutil.rmtree(home, ignore_errors=True)
        return
    _postgres_admin(f"drop database if exists {PG_DATABASE} with (force)")
    _postgres_admin(f"create database {PG_DATABASE}")
    try:
        yield {**env, "PGDATABASE": PG_DATABASE}
    finally:
        _postgres_admin(f"drop database if exists {PG_DATABASE} with (force)")


def _child(argv: list, env: dict[str, str]) -> Run:
    """`sibyl ARGV` in a child process: its wall seconds and peak RSS (wait4: the largest of it and its children)."""
    _say(f"{env['SIBYL_TARGET']}: sibyl {' '.join(map(str, argv))}")
    started = time.perf_counter()
    proc = subprocess.Popen([BIN / "sibyl", *map(str, argv)], env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    with _TreeSampler(proc.pid) as tree:
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"sibyl {' '.join(map(str, argv))} failed on {env['SIBYL_TARGET']} (exit {os.waitstatus_to_exitcode(status)})")
    return Run(seconds, max(usage.ru_maxrss / 1024, tree.peak_mb))


class _TreeSampler:
    """The peak of the summed RSS of a process and its descendants, read from /proc every 0.25 s: pyspark
    starts its JVM as a child it never waits for, so wait4's figure leaves the JVM out."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_mb = pid, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> _TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(0.25):
            self.peak_mb = max(self.peak_mb, sum(_rss_kb(pid) for pid in _descendants(self.pid)) / 1024)


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the parent pid is the second field after the command, which is in parentheses
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)


def _floor(target: str, env: dict[str, str]) -> Run:
    if target == "spark":
        return _spark_floor(env)
    if target == "duckdb":
        script = (
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); con.execute('set enable_progress_bar = false'); "
            "con.execute(sys.argv[2])"
        )
        argv = [sys.executable, "-c", script, env["SIBYL_DUCKDB_PATH"], f"create table floor_daily as {FLOOR_SELECT}"]
    else:
        argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", env["PGDATABASE"], "-c", f"create table floor_daily as {FLOOR_SELECT}"]
    _say(f"{target}: floor")
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env={**os.environ, **_pg_defaults()})
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"the floor's CTAS failed on {target}")
    # psql's RSS is not the server's: on PostgreSQL the figure says nothing of the query's memory.
    return Run(time.perf_counter() - started, usage.ru_maxrss / 1024 if target == "duckdb" else 0.0)


def _spark_floor(env: dict[str, str]) -> Run:
    """The CTAS alone, timed once the process's Spark session is up (Spark's start is not the query's)."""
    script = (
        "import sys, time; from sibyl.spark_session import get_session, release; spark = get_session(); "
        "started = time.perf_counter(); spark.sql(sys.argv[1]); print(time.perf_counter() - started); release()"
    )
    _say("spark: floor")
    argv = [sys.executable, "-c", script, f"create table default.floor_daily using parquet as {FLOOR_SELECT}"]
    proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)
    with _TreeSampler(proc.pid) as tree:
        out, _ = proc.communicate()
    if proc.returncode != 0:
        sys.exit("the floor's CTAS failed on spark")
    return Run(float(out.strip().splitlines()[-1]), tree.peak_mb)


def _pg_defaults() -> dict[str, str]:
    return {"PGHOST": os.environ.get("PGHOST", "127.0.0.1"), "PGUSER": os.environ.get("PGUSER", "postgres")}


def _postgres_admin(sql: str) -> None:
    env = {**os.environ, **_pg_defaults()}
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", sql], env=env, check=True)


def _remove_duckdb(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--targets", type=lambda s: s.split(","), default=list(DEFAULT_TARGETS))
    parser.add_argument("--workdir", help="Keeps the generated CUR between runs.")
    args = parser.parse_args()
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown target(s) {', '.join(sorted(unknown))}; choose from {', '.join(TARGETS)}")
    return args


if __name__ == "__main__":
    main()
