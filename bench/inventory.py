"""Inventory benchmark: a generated snapshot of N resources loaded as `sibyl load inventory --from-file` loads it,
then the project built, whole and its compliance marts alone.

    python bench/inventory.py --resources 100000 --targets duckdb,postgres

Generates, in a child process, the demo organisation's inventory scan (sibyl.demo.inventory) over an estate
drawn large enough, sampled down to exactly N resources: the demo's mix of types, accounts, regions, states
and tag sets, scaled up. Then per target, in an empty warehouse:
- the load: `read_snapshot` + `load_scan`, the code path of `--from-file`, in a child process: wall seconds
  (process start and imports included), its CPU seconds (user + system: what a busy machine does not
  inflate), resources/s, its peak RSS (wait4), and inside it the seconds reading the file and loading the scan;
- `sibyl build`: the whole project (seeds, models, tests) over the inventory alone (no CUR loaded);
- `sibyl build --select source:inventory+`: the inventory's models and every model downstream (the compliance
  marts), with their tests, alone; "not built" where the selection matches no model. Build figures are wall
  seconds and the peak RSS of `sibyl` and the dbt process it waits for.
Targets: the load of 100,000 resources in <= 10 s with a peak RSS <= 400 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BIN = Path(sys.executable).parent
TARGETS = ("duckdb", "postgres")
# The inventory's source and everything built from it: staging, intermediate and the compliance marts.
COMPLIANCE_SELECTION = "source:inventory+"
LOAD_SECONDS_TARGET, LOAD_RSS_MB_TARGET = 10.0, 400

_GENERATE = """
import datetime as dt, random, sys
from pathlib import Path
from sibyl.demo.estate_builder import build_estate
from sibyl.demo.inventory import demo_scan
from sibyl.inventory.snapshot import write_snapshot

wanted, path = int(sys.argv[1]), Path(sys.argv[2])
lines = max(2_000, wanted * 30)  # about 24 line items per resource over a 14-day month, ~60% of them scanned types
while len((scan := demo_scan(build_estate(42, dt.date(2026, 11, 15), 1, lines))).resources) < wanted:
    lines *= 2
keep = sorted(random.Random(42).sample(range(len(scan.resources)), wanted))
scan.resources = [scan.resources[i] for i in keep]
write_snapshot(scan, path)
"""

# What `sibyl load inventory --from-file PATH` runs; prints (resources, seconds reading, seconds loading).
_LOAD_FROM_FILE = """
import sys, time
from pathlib import Path
from sibyl.config import Settings
from sibyl.inventory.load import load_scan
from sibyl.inventory.snapshot import read_snapshot
from sibyl.warehouse import connect

started = time.perf_counter()
scan = read_snapshot(Path(sys.argv[2]))
read = time.perf_counter()
with connect(Settings.from_env(sys.argv[1])) as wh:
    load_scan(wh, scan, source=sys.argv[2])
print(len(scan.resources), read - started, time.perf_counter() - read)
"""


def main() -> None:
    args = _parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="sibyl-bench-inventory-"))
    workdir.mkdir(parents=True, exist_ok=True)
    snapshot = workdir / f"inventory-{args.resources}.jsonl.gz"
    if not snapshot.exists():
        _say(f"generating a snapshot of {args.resources:,} resources in {snapshot}")
        _child([sys.executable, "-c", _GENERATE, args.resources, snapshot], {})
    _say(f"{snapshot}: {snapshot.stat().st_size / 1024 / 1024:,.1f} MB")
    seeds = workdir / "seeds"
    if not args.skip_build:
        from sibyl.demo.organisation import write_seeds

        write_seeds(seeds)
    results = [_measure(target, snapshot, seeds, workdir, args.skip_build) for target in args.targets]
    _print_table(args.resources, results)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=100_000, help="resources in the snapshot (default 100,000)")
    parser.add_argument("--targets", default="duckdb,postgres", help="comma-separated: duckdb,postgres")
    parser.add_argument("--workdir", default=None, help="keep the snapshot here (reused when present)")
    parser.add_argument("--skip-build", action="store_true", help="measure the load only")
    args = parser.parse_args()
    args.targets = [t for t in args.targets.split(",") if t]
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown target(s) {', '.join(sorted(unknown))}: use duckdb, postgres")
    return args


class _Run:
    def __init__(self, seconds: float, cpu_seconds: float, peak_rss_kb: int, stdout: str = "") -> None:
        self.seconds, self.cpu_seconds, self.peak_rss_kb, self.stdout = seconds, cpu_seconds, peak_rss_kb, stdout


def _child(argv: list, env: dict[str, str]) -> _Run:
    """Run a process to completion: wall seconds, peak resident memory (its own, or a waited-for child's), stdout.
    Output goes to files, not pipes: wait4 must reap the process itself to get its rusage."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen([str(a) for a in argv], env={**os.environ, **env}, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv[0]} failed: {(stdout + stderr)[-3000:]}")
    return _Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, stdout)


def _measure(target: str, snapshot: Path, seeds: Path, workdir: Path, skip_build: bool) -> dict:
    """Load the snapshot into an empty warehouse of `target`, then build; the figures of each step."""
    with _warehouse(target, workdir) as env:
        _say(f"{target}: read_snapshot + load_scan (sibyl load inventory --from-file)")
        load = _child([sys.executable, "-c", _LOAD_FROM_FILE, target, snapshot], env)
        count, read_s, load_s = load.stdout.split()[-3:]  # after any progress bar DuckDB draws
        figures = {"target": target, "load": load, "count": int(count), "read_s": float(read_s), "load_scan_s": float(load_s)}
        if skip_build:
            return figures
        env = {**env, "SIBYL_SEEDS_DIR": str(seeds), "DBT_TARGET_PATH": str(workdir / f"dbt-target-{target}")}
        _say(f"{target}: sibyl build")
        figures["build"] = _child([BIN / "sibyl", "--target", target, "build"], env)
        _say(f"{target}: sibyl build --select {COMPLIANCE_SELECTION}")
        figures["compliance"] = _child([BIN / "sibyl", "--target", target, "build", "--select", COMPLIANCE_SELECTION], env)
        figures["compliance_models"] = _models_built(Path(env["DBT_TARGET_PATH"]))
        return figures


def _models_built(target_path: Path) -> int:
    """Models the last dbt run built, from its run_results.json."""
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    return sum(r["unique_id"].startswith("model.") for r in results)


class _warehouse:
    """The environment of an empty warehouse of `target`: a new DuckDB file, or a scratch PostgreSQL database dropped afterwards."""

    def __init__(self, target: str, workdir: Path) -> None:
        self.target, self.workdir, self.database = target, workdir, None

    def __enter__(self) -> dict[str, str]:
        if self.target == "duckdb":
            path = self.workdir / "inventory.duckdb"
            for p in (path, path.with_name(path.name + ".wal")):
                p.unlink(missing_ok=True)
            return {"SIBYL_DUCKDB_PATH": str(path)}
        self.database = f"sibyl_bench_{uuid.uuid4().hex[:8]}"
        _admin(f"create database {self.database}")
        return {"PGDATABASE": self.database}

    def __exit__(self, *exc: object) -> None:
        if self.database:
            _admin(f"drop database if exists {self.database} with (force)")


def _admin(sql: str) -> None:
    import adbc_driver_postgresql.dbapi as adbc

    from sibyl.config import postgres_uri

    previous = os.environ.pop("PGDATABASE", None)
    try:
        with adbc.connect(postgres_uri(), autocommit=True) as con, con.cursor() as cur:
            cur.execute(sql)
    finally:
        if previous is not None:
            os.environ["PGDATABASE"] = previous


def _print_table(resources: int, results: list[dict]) -> None:
    print(f"\n{resources:,} resources; load = read_snapshot + load_scan in a child process (process start included)")
    print(f"{'target':<10} {'load s':>8} {'CPU s':>6} {'resources/s':>12} {'peak RSS MB':>12} {'read s':>7} {'load_scan s':>12}   build")
    for f in results:
        load = f["load"]
        print(
            f"{f['target']:<10} {load.seconds:>8.2f} {load.cpu_seconds:>6.2f} {f['count'] / load.seconds:>12,.0f} "
            f"{load.peak_rss_kb / 1024:>12.0f} {f['read_s']:>7.2f} {f['load_scan_s']:>12.2f}   {_build_figures(f)}"
        )
    for f in results:
        load = f["load"]
        met = load.seconds <= LOAD_SECONDS_TARGET and load.peak_rss_kb / 1024 <= LOAD_RSS_MB_TARGET
        print(
            f"{f['target']}: load {load.seconds:.2f} s (target <= {LOAD_SECONDS_TARGET:.0f} s), peak RSS {load.peak_rss_kb / 1024:.0f} MB "
            f"(target <= {LOAD_RSS_MB_TARGET} MB): {'met' if met else 'NOT met'}"
        )


def _build_figures(f: dict) -> str:
    if "build" not in f:
        return "skipped"
    full = f"full {f['build'].seconds:.1f}s ({f['build'].peak_rss_kb / 1024:.0f} MB)"
    if not f["compliance_models"]:
        return f"{full}; compliance marts: not built ({COMPLIANCE_SELECTION} selects no model here)"
    return f"{full}; compliance marts ({COMPLIANCE_SELECTION}, {f['compliance_models']} models): {f['compliance'].seconds:.1f}s"


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
