"""Run dbt on the Sibyl project against the chosen target, with the profile that reads the environment."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sibyl.config import Settings
from sibyl.errors import EXIT_DATA, ConfigError, DataError
from sibyl.progress import BuildProgress


def run_dbt(
    settings: Settings, args: list[str], *, target_path: Path | None = None, quiet: bool = False, progress: BuildProgress | None = None
) -> None:
    """`dbt <args>` in the project folder; exit 1 from dbt (a failed test or model) is a data error.

    `target_path`: dbt's artifacts go there instead of the project's target/ (a scratch build leaves
    the real build's alone); `quiet`: dbt's own output is not shown, the caller says what happened;
    `progress`: dbt's lines feed it instead of the screen, and dbt's summary is shown at the end.
    """
    started = time.time()
    if progress is None:
        completed = _dbt(settings, args, capture=quiet, target_path=target_path)
    else:
        try:
            completed = _dbt(settings, args, target_path=target_path, on_line=progress.line)
        finally:
            progress.close()
        print(_summary(completed.stdout), end="", flush=True)
    _check(completed, settings, args, _failures(target_path or _target_path(settings.project_dir), started), shown=not quiet)


def _summary(output: str) -> str:
    """dbt's output from "Finished running …" on: the counts, and each failure in full."""
    lines = output.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if "Finished running" in line), 0)
    return "".join(lines[first:])


def build_args(*, select: str | None = None, unit_tests: bool = False, full_refresh: bool = False) -> list[str]:
    """`dbt build`'s arguments: unit tests only when asked (dbt's guidance: they belong to CI, and each
    costs a query, ~5 s a build here)."""
    return [
        "build",
        *(["--select", select] if select else []),
        *([] if unit_tests else ["--exclude-resource-type", "unit_test"]),
        *(["--full-refresh"] if full_refresh else []),
    ]


def _dbt(
    settings: Settings,
    args: list[str],
    *,
    capture: bool = False,
    target_path: Path | None = None,
    on_line: Callable[[str], None] | None = None,
) -> subprocess.CompletedProcess:
    """dbt in a process of its own; `capture`: its output is returned, not shown; `on_line` hears each line as it comes (captured too)."""
    env = {
        **os.environ,
        "SIBYL_TARGET": settings.target,
        "SIBYL_DUCKDB_PATH": str(settings.duckdb_path),
        "SIBYL_SEED_PATH": _seed_path(settings),
        "SIBYL_SCHEMA_PREFIX": settings.schema_prefix,
        **({"DBT_TARGET_PATH": str(target_path)} if target_path else {}),
    }
    if settings.target == "spark":
        from sibyl.spark_session import release, spark_home

        release()  # dbt opens the Derby metastore in its own process: this one must let go of it
        # dbt runs in the project folder: the profile gets the home the loaders use, resolved from here
        env["SIBYL_SPARK_HOME"] = str(spark_home())
    with tempfile.TemporaryDirectory(prefix="sibyl-dbt-") as scratch:
        profiles_dir = _profiles_dir(settings.project_dir, Path(scratch))
        command = [
            _dbt_executable(),
            *args,
            "--project-dir",
            str(settings.project_dir),
            "--profiles-dir",
            str(profiles_dir),
            "--target",
            settings.target,
        ]
        if on_line is None:
            return subprocess.run(command, cwd=settings.project_dir, env=env, text=True, stdout=subprocess.PIPE if capture else None)
        lines = []
        with subprocess.Popen(command, cwd=settings.project_dir, env=env, text=True, stdout=subprocess.PIPE) as process:
            for line in process.stdout:
                on_line(line)
                lines.append(line)
        return subprocess.CompletedProcess(command, process.returncode, "".join(lines))


def _check(completed: subprocess.CompletedProcess, settings: Settings, args: list[str], failures: list[str], *, shown: bool = True) -> None:
    command = next(a for a in args if not a.startswith("-"))
    output = "see dbt's output above" if shown else f"dbt's log is in {settings.project_dir / 'logs'}"
    if completed.returncode == EXIT_DATA:
        what = failures[0] if failures else "a model or a data test failed"
        more = f"; {len(failures) - 1} more failed" if len(failures) > 1 else ""
        raise DataError(f"dbt {command} failed on {settings.target}: {what}{more} ({output})")
    if completed.returncode != 0:
        raise ConfigError(f"dbt {command} could not run on {settings.target} (exit {completed.returncode}; {output})")


def _seed_path(settings: Settings) -> str:
    """The seeds folder as dbt's seed path, relative to the project. A folder elsewhere is copied under
    target/ first: dbt writes each seed's compiled SQL at target/run/<project>/<seed path>, so a path
    that leaves the project would have it overwrite files outside target/ (the CSVs themselves)."""
    seeds = settings.seeds_dir
    if not seeds.is_dir() or not any(seeds.glob("*.csv")):
        raise ConfigError(f"no seed CSVs in {seeds}: SIBYL_SEEDS_DIR must name the folder of the organisation's seed CSVs")
    if seeds.is_relative_to(settings.project_dir):
        return str(seeds.relative_to(settings.project_dir))
    return str(_staged_seeds(seeds, settings.project_dir / "target" / "seeds").relative_to(settings.project_dir))


def _staged_seeds(seeds: Path, staging: Path) -> Path:
    """A copy of the seed CSVs named by their content: never rewritten once there, so runs at the same
    time share it safely, and the same seeds keep the same path (dbt's partial parse stays valid)."""
    csvs = sorted(seeds.glob("*.csv"))
    digest = hashlib.sha256()
    for csv in csvs:
        digest.update(csv.name.encode() + b"\0" + csv.read_bytes() + b"\0")
    staged = staging / digest.hexdigest()[:16]
    if not staged.is_dir():
        staging.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=staging, prefix=".copy-"))
        for csv in csvs:
            shutil.copyfile(csv, scratch / csv.name)
        try:
            scratch.rename(staged)
        except OSError:  # another run staged the same seeds first
            shutil.rmtree(scratch, ignore_errors=True)
    return staged


def _target_path(project_dir: Path) -> Path:
    return project_dir / os.environ.get("DBT_TARGET_PATH", "target")


def _failures(target_path: Path, since: float) -> list[str]:
    """What failed in the run that just ended, from dbt's run_results.json, in dbt's own words: one
    line per node, as "Database Error in model stg_cur__tag_sets (path): deadlock detected" or
    "data test not_null_dim_teams_team failed: Got 1 result, configured to fail if != 0"."""
    results = target_path / "run_results.json"
    if not results.is_file() or results.stat().st_mtime < since:
        return []  # dbt stopped before it wrote one: its own output says why
    failures = []
    for node in json.loads(results.read_text())["results"]:
        lines = [line.strip() for line in (node.get("message") or "").splitlines() if line.strip()]
        if node["status"] == "error":
            failures.append(": ".join(lines[:2]) or f"{node['unique_id']} failed")
        elif node["status"] == "fail":
            failures.append(f"{_test_name(node['unique_id'])} failed" + (f": {lines[0]}" if lines else ""))
    return failures


def _test_name(unique_id: str) -> str:
    """test.sibyl.<name>.<hash> is a data test; unit_test.sibyl.<model>.<name> a unit test."""
    parts = unique_id.split(".")
    return f"unit test {parts[3]} of {parts[2]}" if parts[0] == "unit_test" else f"data test {parts[2]}"


def _profiles_dir(project_dir: Path, scratch: Path) -> Path:
    """DBT_PROFILES_DIR if set, else the project's profiles.yml, else the committed example (env-only)."""
    if os.environ.get("DBT_PROFILES_DIR"):
        return Path(os.environ["DBT_PROFILES_DIR"])
    if (project_dir / "profiles.yml").is_file():
        return project_dir
    shutil.copyfile(project_dir / "profiles.yml.example", scratch / "profiles.yml")
    return scratch


def _dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    found = str(beside_python) if beside_python.exists() else shutil.which("dbt")
    if not found:
        raise ConfigError("dbt is not installed in this environment: run `make demo` or `pip install -e .`")
    return found
