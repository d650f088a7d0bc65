"""What a CloudWatch run brings back: series of datapoints, and every place it read, whether the read completed.

A place is one (account, region): one CloudWatch endpoint, one client. A place that failed (AccessDenied,
throttling past the retry bound, no credentials reaching its account) says why, and none of its datapoints is
kept, so each series resumes where its last complete read left it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sibyl.inventory.scan import READ_COMPLETE, READ_FAILED, SCAN_COMPLETED, SCAN_FAILED, SCAN_PARTIAL

__all__ = ["READ_COMPLETE", "READ_FAILED", "PlaceRead", "Run", "Series", "SeriesKey"]

# (account_id, resource_id, namespace, metric_name, statistic, period_seconds): one series, whose datapoints are
# unique by timestamp. The natural key of raw.cloudwatch_metrics is this and the timestamp.
SeriesKey = tuple[str, str, str, str, str, int]


@dataclass(frozen=True)
class Series:
    account_id: str
    region: str
    resource_id: str
    namespace: str
    metric_name: str
    statistic: str
    period_seconds: int
    unit: str | None
    timestamps: list[int]  # start of each period, seconds since the epoch (UTC), ascending
    values: list[float]

    @property
    def key(self) -> SeriesKey:
        return (self.account_id, self.resource_id, self.namespace, self.metric_name, self.statistic, self.period_seconds)

    @property
    def place(self) -> tuple[str, str]:
        return (self.account_id, self.region)


@dataclass(frozen=True)
class PlaceRead:
    """One (account, region) a run read: how it ended, and (when it failed) why."""

    account_id: str
    region: str
    status: str  # READ_COMPLETE or READ_FAILED
    error_code: str | None = None  # AccessDenied, Throttling, NotReachable, ...
    error_message: str | None = None
    api_calls: int = 0  # GetMetricData calls (pages), retries not counted
    retries: int = 0  # attempts botocore repeated after throttling or a server error
    series_count: int = 0
    datapoint_count: int = 0

    @property
    def place(self) -> tuple[str, str]:
        return (self.account_id, self.region)


@dataclass
class Run:
    """One fetch of CloudWatch: the window it asked for, at one period, and the places it read."""

    run_id: str
    started_at: dt.datetime  # UTC, naive
    window_start: dt.datetime  # UTC, naive; inclusive
    window_end: dt.datetime  # UTC, naive; exclusive: the start of the last period that had ended
    period_seconds: int
    finished_at: dt.datetime | None = None
    reads: list[PlaceRead] = field(default_factory=list)

    @classmethod
    def start(cls, window_start: dt.datetime, window_end: dt.datetime, period_seconds: int, now: dt.datetime) -> Run:
        return cls(f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", now, window_start, window_end, period_seconds)

    @property
    def status(self) -> str:
        """completed when every place was read, failed when none was, partial in between."""
        failed = sum(r.status != READ_COMPLETE for r in self.reads)
        if not self.reads:
            return SCAN_COMPLETED
        if failed == len(self.reads):
            return SCAN_FAILED
        return SCAN_PARTIAL if failed else SCAN_COMPLETED

    @property
    def failures(self) -> list[PlaceRead]:
        return [r for r in self.reads if r.status != READ_COMPLETE]


_EPOCH = dt.datetime(1970, 1, 1)


def epoch_seconds(moment: dt.datetime) -> int:
    """Seconds since the epoch of a naive UTC time (or an aware one, converted)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return int((moment - _EPOCH).total_seconds())


def utc_time(seconds: int) -> dt.datetime:
    """The naive UTC time `seconds` after the epoch."""
    return _EPOCH + dt.timedelta(seconds=seconds)
