"""What a run asks CloudWatch for: the window, the inventory's resources, one query per series, in batches.

The resources are those of the latest scan whose read of their place (account, region, resource type)
completed. Each series (resource, metric, statistic, period) resumes after its last loaded timestamp, and never
starts before the window (`--days` before its end).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sibyl.cloudwatch import schema
from sibyl.cloudwatch.definitions import MetricDefinition
from sibyl.cloudwatch.series import Series, SeriesKey, epoch_seconds
from sibyl.errors import ConfigError
from sibyl.inventory import schema as inventory
from sibyl.warehouse import Warehouse

# CloudWatch's datapoints arrive minutes after their period: a period is asked for once it ended this long ago,
# so that a run never stores a period's value half-counted (the series would then resume after it).
SETTLE = dt.timedelta(minutes=15)
QUERIES_PER_CALL = 500  # GetMetricData's limit of MetricDataQueries per call


@dataclass(frozen=True)
class Window:
    start: dt.datetime  # inclusive, naive UTC
    end: dt.datetime  # exclusive: the end of the last period that ended SETTLE ago
    period_seconds: int


def fetch_window(now: dt.datetime, days: int, period_seconds: int) -> Window:
    """The `days` before the last settled period boundary; periods must tile a day, so windows align on days."""
    if period_seconds % 60 or 86_400 % period_seconds:
        raise ConfigError(f"--period {period_seconds}: use a multiple of 60 seconds that divides a day (60, 300, 3600, 86400, ...)")
    settled = epoch_seconds(now - SETTLE)
    end = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=settled - settled % period_seconds)
    return Window(end - dt.timedelta(days=days), end, period_seconds)


@dataclass(frozen=True)
class InventoryResource:
    account_id: str
    region: str
    resource_type: str
    resource_id: str


_CURRENT_RESOURCES = f"""
with complete_reads as (
    select
        reads.scan_id, reads.account_id, reads.region, reads.resource_type,
        row_number() over (
            partition by reads.account_id, reads.region, reads.resource_type
            order by scans.started_at desc, reads.scan_id desc
        ) as recency
    from {inventory.READS} reads
    inner join {inventory.SCANS} scans on scans.scan_id = reads.scan_id
    where reads.status = 'complete'
)
select resources.account_id, resources.region, resources.resource_type, resources.resource_id
from {inventory.RESOURCES} resources
inner join complete_reads
    on complete_reads.scan_id = resources.scan_id
    and complete_reads.account_id = resources.account_id
    and complete_reads.region = resources.region
    and complete_reads.resource_type = resources.resource_type
where complete_reads.recency = 1
"""


def current_resources(wh: Warehouse, resource_types: list[str], regions: list[str]) -> list[InventoryResource]:
    """The inventory's resources of these types (in these regions, if any), from each place's latest complete read."""
    if not wh.relation_exists("raw", inventory.READS.split(".")[1]):
        raise ConfigError("the warehouse holds no inventory: run `sibyl load inventory` first, then fetch its resources' metrics")
    params = [*resource_types, *regions]
    sql = _CURRENT_RESOURCES + f"and resources.resource_type in ({_placeholders(1, len(resource_types))})"
    if regions:
        sql += f" and resources.region in ({_placeholders(len(resource_types) + 1, len(regions))})"
    _, rows = wh.fetch(sql + " order by 1, 2, 3, 4", params)
    return [InventoryResource(*row) for row in rows]


def last_timestamps(wh: Warehouse) -> dict[SeriesKey, int]:
    """Each loaded series' last timestamp (epoch seconds): where it resumes."""
    if not wh.relation_exists("raw", schema.SERIES.split(".")[1]):
        return {}
    _, rows = wh.fetch(f"select {', '.join(schema.SERIES_KEY)}, last_timestamp from {schema.SERIES}")
    return {(a, r, n, m, s, int(p)): epoch_seconds(last) for a, r, n, m, s, p, last in rows}


def _placeholders(first: int, count: int) -> str:
    return ", ".join(f"${i}" for i in range(first, first + count))


@dataclass(frozen=True)
class Query:
    """One series to ask for: a resource's metric, one statistic, from `start` (epoch seconds)."""

    resource: InventoryResource
    definition: MetricDefinition
    statistic: str
    dimension_value: str
    start: int

    def series(self, period_seconds: int, timestamps: list[int], values: list[float]) -> Series:
        r, d = self.resource, self.definition
        labels = (r.account_id, r.region, r.resource_id, d.namespace, d.metric_name, self.statistic, period_seconds, d.unit)
        return Series(*labels, timestamps, values)


@dataclass(frozen=True)
class Batch:
    """Up to QUERIES_PER_CALL queries asked in one GetMetricData call (and its NextToken pages), from the earliest
    start among them: datapoints before a series' own start were loaded before, and are dropped when landing."""

    queries: tuple[Query, ...]

    @property
    def start(self) -> int:
        return min(q.start for q in self.queries)


Place = tuple[str, str]  # (account_id, region)


def plan_queries(
    resources: list[InventoryResource], definitions: list[MetricDefinition], last: dict[SeriesKey, int], window: Window
) -> dict[Place, list[Batch]]:
    """Every place that holds resources, with its batches (none when every series is up to date)."""
    by_type: dict[str, list[MetricDefinition]] = defaultdict(list)
    for d in definitions:
        by_type[d.resource_type].append(d)
    start, end, period = epoch_seconds(window.start), epoch_seconds(window.end), window.period_seconds
    queries: dict[Place, list[Query]] = {}
    for r in resources:
        place = queries.setdefault((r.account_id, r.region), [])
        for d in by_type[r.resource_type]:
            value = d.dimension(r.resource_id)
            for statistic in d.statistics if value is not None else ():
                resumes = last.get((r.account_id, r.resource_id, d.namespace, d.metric_name, statistic, period))
                first = start if resumes is None else max(start, resumes + period)
                if first < end:
                    place.append(Query(r, d, statistic, value, first))
    return {place: _batches(qs) for place, qs in queries.items()}


def _batches(queries: list[Query]) -> list[Batch]:
    """Series that resume on the same day share calls, up to QUERIES_PER_CALL each, asked from their earliest start:
    a call costs nothing per se (CloudWatch bills the metrics asked), and the series asked again overlap by
    less than a day."""
    by_day: dict[int, list[Query]] = defaultdict(list)
    for q in sorted(queries, key=lambda q: q.start):
        by_day[q.start // 86_400].append(q)
    return [Batch(tuple(day[i : i + QUERIES_PER_CALL])) for day in by_day.values() for i in range(0, len(day), QUERIES_PER_CALL)]
