"""`sibyl load cloudwatch`: fetch the inventory's metrics and land them, write them to a snapshot, or land a snapshot.

Each lands in one transaction, which also holds the loaders' lock from the moment the resources and each
series' last timestamp are read: a second load waits, and cannot land the same datapoints in between.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sibyl.cloudwatch import schema
from sibyl.cloudwatch.definitions import load_definitions
from sibyl.cloudwatch.land import LandedRun, land_run
from sibyl.cloudwatch.plan import Batch, Place, Window, current_resources, fetch_window, last_timestamps, plan_queries
from sibyl.cloudwatch.series import Run, SeriesKey
from sibyl.cloudwatch.snapshot import Snapshot, Written, write_snapshot
from sibyl.warehouse import Warehouse

if TYPE_CHECKING:
    from sibyl.cloudwatch.credentials import AccountSession

DEFAULT_DAYS = 30
DEFAULT_PERIOD = 3600  # hourly: kept 455 days by CloudWatch, and days aggregate from whole hours


@dataclass(frozen=True)
class FetchOptions:
    days: int = DEFAULT_DAYS
    period_seconds: int = DEFAULT_PERIOD
    regions: list[str] = field(default_factory=list)
    metrics: Path | None = None  # the metric table; None: the defaults


@dataclass(frozen=True)
class FetchPlan:
    run: Run
    batches: dict[Place, list[Batch]]
    window: Window
    last: dict[SeriesKey, int]  # each loaded series' last timestamp


def plan_fetch(wh: Warehouse, options: FetchOptions, now: dt.datetime | None = None) -> FetchPlan:
    """What to ask for: the metric table's series of the inventory's resources, each from where it resumes."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    definitions = load_definitions(options.metrics)
    window = fetch_window(now, options.days, options.period_seconds)
    resources = current_resources(wh, sorted({d.resource_type for d in definitions}), options.regions)
    last = last_timestamps(wh)
    batches = plan_queries(resources, definitions, last, window)
    return FetchPlan(Run.start(window.start, window.end, window.period_seconds, now), batches, window, last)


def load_from_api(wh: Warehouse, sessions: list[AccountSession], options: FetchOptions, now: dt.datetime | None = None) -> LandedRun:
    """Fetch every series' new datapoints and land them with the run."""
    from sibyl.cloudwatch.fetch import fetch_metrics  # boto3 only here: a snapshot load does without its 40 MB

    wh.start_loading()
    with wh.transaction():
        schema.ensure_cloudwatch_tables(wh)
        plan = plan_fetch(wh, options, now)
        return land_run(wh, plan.run, fetch_metrics(plan.batches, sessions, plan.window), plan.last, source="api")


def snapshot_from_api(plan: FetchPlan, sessions: list[AccountSession], path: Path) -> Written:
    """Fetch what `plan` asks for into a snapshot file instead of the warehouse (planned on a warehouse the caller
    has closed since: a load need not wait for the fetch)."""
    from sibyl.cloudwatch.fetch import fetch_metrics

    return write_snapshot(path, plan.run, fetch_metrics(plan.batches, sessions, plan.window))


def load_from_file(wh: Warehouse, path: Path) -> LandedRun:
    """Land a snapshot's run; one landed before (the same file twice) changes nothing."""
    snapshot = Snapshot(path)
    wh.start_loading()
    with wh.transaction():
        schema.ensure_cloudwatch_tables(wh)
        _, rows = wh.fetch(f"select 1 from {schema.RUNS} where run_id = $1", [snapshot.run.run_id])
        if rows:
            return LandedRun(snapshot.run, 0, 0, 0, already_loaded=True)
        return land_run(wh, snapshot.run, snapshot.events(), last_timestamps(wh), source=str(path))
