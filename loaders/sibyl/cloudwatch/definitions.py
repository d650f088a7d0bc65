"""Which CloudWatch metrics Sibyl fetches for each resource type: one table, read from a CSV.

The defaults are `default_metrics.csv` beside this file; `sibyl load cloudwatch --metrics FILE` reads the
user's own table of the same columns instead (copy the default and edit it). One row per metric:

- resource_type: the inventory's type (`ec2:instance`, `rds:db`, ...);
- namespace, metric_name: as CloudWatch names them;
- statistics: the statistics to fetch, space-separated (Average, Maximum, Minimum, Sum, SampleCount, pNN);
- dimension_name: the metric's one dimension (InstanceId, DBInstanceIdentifier, ...);
- dimension_value: how its value is read from the inventory's resource id, one of DIMENSION_VALUES;
- unit: the unit CloudWatch publishes the metric in (GetMetricData returns none; stored with each value).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sibyl.errors import ConfigError

DEFAULT_METRICS = Path(__file__).with_name("default_metrics.csv")
COLUMNS = ("resource_type", "namespace", "metric_name", "statistics", "dimension_name", "dimension_value", "unit")
STATISTICS = ("Average", "Maximum", "Minimum", "SampleCount", "Sum")
_PERCENTILE = re.compile(r"^p\d{1,2}(\.\d+)?$")


def _arn_name(resource_id: str) -> str:
    """The last part of an ARN: `arn:aws:rds:…:db:orders` → `orders`, `…:table/orders` → `orders`,
    `…:natgateway/nat-0ab` → `nat-0ab`, `…:function:orders-handler` → `orders-handler`."""
    return re.split(r"[:/]", resource_id)[-1]


def _alb_dimension(resource_id: str) -> str | None:
    """An Application Load Balancer's LoadBalancer dimension, `app/<name>/<id>`, from its ARN; None for a
    network or gateway load balancer, which reports in other namespaces."""
    _, found, suffix = resource_id.partition(":loadbalancer/")
    return suffix if found and suffix.startswith("app/") else None


# How a metric's dimension value is read from Resource.resource_id (the id as the CUR names it).
# A function returning None means the metric does not apply to that resource: it is not asked for.
DIMENSION_VALUES: dict[str, Callable[[str], str | None]] = {
    "resource_id": lambda resource_id: resource_id,
    "arn_name": _arn_name,
    "alb_dimension": _alb_dimension,
}


@dataclass(frozen=True)
class MetricDefinition:
    resource_type: str
    namespace: str
    metric_name: str
    statistics: tuple[str, ...]
    dimension_name: str
    dimension_value: str  # a key of DIMENSION_VALUES
    unit: str | None

    def dimension(self, resource_id: str) -> str | None:
        return DIMENSION_VALUES[self.dimension_value](resource_id)


def load_definitions(path: Path | None = None) -> list[MetricDefinition]:
    """The metric table at `path` (default: the defaults); a row Sibyl cannot use is a ConfigError naming its line."""
    path = path or DEFAULT_METRICS
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ConfigError(f"{path}: no column {', '.join(missing)}; the metric table's columns are {', '.join(COLUMNS)}")
            definitions = [_definition(path, line, row) for line, row in enumerate(reader, start=2)]
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such metric table (--metrics)") from None
    _refuse_repeats(path, definitions)
    return definitions


def _definition(path: Path, line: int, row: dict[str, str]) -> MetricDefinition:
    def fail(column: str, problem: str) -> ConfigError:
        return ConfigError(f"{path}, line {line}, column {column}: {problem}")

    values = {c: (row.get(c) or "").strip() for c in COLUMNS}
    for column in COLUMNS[:-1]:
        if not values[column]:
            raise fail(column, "empty; every column but unit needs a value")
    statistics = tuple(values["statistics"].split())
    for statistic in statistics:
        if statistic not in STATISTICS and not _PERCENTILE.match(statistic):
            raise fail("statistics", f"{statistic!r} is not a CloudWatch statistic ({', '.join(STATISTICS)} or a percentile such as p99)")
    if values["dimension_value"] not in DIMENSION_VALUES:
        raise fail("dimension_value", f"{values['dimension_value']!r} is not one of {', '.join(DIMENSION_VALUES)}")
    return MetricDefinition(
        resource_type=values["resource_type"],
        namespace=values["namespace"],
        metric_name=values["metric_name"],
        statistics=statistics,
        dimension_name=values["dimension_name"],
        dimension_value=values["dimension_value"],
        unit=values["unit"] or None,
    )


def _refuse_repeats(path: Path, definitions: list[MetricDefinition]) -> None:
    """A (resource type, namespace, metric, statistic) fetched twice would be stored twice."""
    seen: set[tuple[str, str, str, str]] = set()
    for d in definitions:
        for statistic in d.statistics:
            key = (d.resource_type, d.namespace, d.metric_name, statistic)
            if key in seen:
                raise ConfigError(f"{path}: {' '.join(key)} is listed twice; keep one row for it")
            seen.add(key)
