"""The demo's CloudWatch metrics: for each resource of an inventory scan, the hourly series CloudWatch would
return for it, written as the snapshot `sibyl load cloudwatch --to-file` writes (docs in
sibyl/cloudwatch/snapshot.py), ready for `--from-file`.

Busy resources follow a daily curve; idle ones barely move (low CPU, no connections, invocations or requests);
some have no datapoints at all (stopped, unattached, or their metrics not published). What CloudWatch publishes
only when non-zero (Lambda invocations, load balancer requests) is absent, not zero, when idle, as AWS has it.
Like the rest of the demo, it shares nothing with the loader but the documented file format.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from sibyl.inventory.scan import Resource, Scan

DAYS = 30
PERIOD = 3600
# Where `sibyl generate cur` writes the demo's metrics, beside its CUR and inventory snapshot.
SNAPSHOT_PATH = Path("cloudwatch") / "sibyl-demo-metrics.jsonl.gz"
SILENT_SHARE = 0.10  # resources with no datapoints at all
IDLE_SHARE = 0.25

Values = tuple[str, str, str, str | None, np.ndarray]  # namespace, metric, statistic, unit, hourly values (nan: none)


def _daily(hours: int) -> np.ndarray:
    """Busier in the afternoon (UTC), quieter at night."""
    return 1 + 0.5 * np.sin(2 * np.pi * (np.arange(hours) % 24 - 8) / 24)


def _level(rng: np.random.Generator, low: float, high: float, hours: int) -> np.ndarray:
    return rng.uniform(low, high) * _daily(hours) * rng.lognormal(0, 0.15, hours)


def _only_when_nonzero(counts: np.ndarray) -> np.ndarray:
    return np.where(counts > 0, counts, np.nan)


def _ec2(busy: bool, rng: np.random.Generator, hours: int) -> list[Values]:
    cpu = np.clip(_level(rng, 15, 60, hours), 0, 100) if busy else rng.uniform(0.2, 2.5, hours)
    network = _level(rng, 5e7, 5e8, hours) if busy else rng.uniform(2e3, 4e4, hours)  # idle: under 1 MB a day
    peak = np.clip(cpu * rng.uniform(1.2, 2.0, hours), 0, 100)
    return [
        ("AWS/EC2", "CPUUtilization", "Average", "Percent", cpu),
        ("AWS/EC2", "CPUUtilization", "Maximum", "Percent", peak),
        ("AWS/EC2", "NetworkIn", "Sum", "Bytes", np.round(network * 0.4)),
        ("AWS/EC2", "NetworkOut", "Sum", "Bytes", np.round(network * 0.6)),
    ]


def _ebs(busy: bool, rng: np.random.Generator, hours: int) -> list[Values]:
    ops = (lambda: np.round(_level(rng, 1e3, 1e5, hours))) if busy else (lambda: np.zeros(hours))
    return [("AWS/EBS", "VolumeReadOps", "Sum", "Count", ops()), ("AWS/EBS", "VolumeWriteOps", "Sum", "Count", ops())]


def _rds(busy: bool, rng: np.random.Generator, hours: int) -> list[Values]:
    cpu = np.clip(_level(rng, 10, 55, hours), 0, 100) if busy else rng.uniform(1, 3, hours)
    connections = np.round(_level(rng, 3, 60, hours)) if busy else np.zeros(hours)
    free = rng.uniform(2e10, 2e11) - (np.cumsum(rng.uniform(0, 2e6, hours)) if busy else np.zeros(hours))
    return [
        ("AWS/RDS", "CPUUtilization", "Average", "Percent", cpu),
        ("AWS/RDS", "CPUUtilization", "Maximum", "Percent", np.clip(cpu * rng.uniform(1.1, 1.8, hours), 0, 100)),
        ("AWS/RDS", "DatabaseConnections", "Maximum", "Count", connections),
        ("AWS/RDS", "FreeStorageSpace", "Minimum", "Bytes", np.round(free)),
    ]


def _lambda(busy: bool, rng: np.random.Generator, hours: int) -> list[Values]:
    invocations = _only_when_nonzero(rng.poisson(_level(rng, 0.5, 2000, hours)).astype(float) if busy else np.zeros(hours))
    duration = invocations * rng.uniform(40, 800)
    return [
        ("AWS/Lambda", "Invocations", "Sum", "Count", invocations),
        ("AWS/Lambda", "Duration", "Sum", "Milliseconds", duration),
        ("AWS/Lambda", "Duration", "Maximum", "Milliseconds", duration / invocations * rng.uniform(1.5, 3, hours)),
    ]


def _load_balancer(namespace: str) -> Callable[[bool, np.random.Generator, int], list[Values]]:
    def requests(busy: bool, rng: np.random.Generator, hours: int) -> list[Values]:
        counts = rng.poisson(_level(rng, 5, 20_000, hours)).astype(float) if busy else np.zeros(hours)
        return [(namespace, "RequestCount", "Sum", "Count", _only_when_nonzero(counts))]

    return requests


def _nat(busy: bool, rng: np.random.Generator, hours: int) -> list[Values]:
    moved = _level(rng, 1e7, 5e8, hours) if busy else rng.uniform(0, 800, hours)  # idle: tens of KB a day
    return [("AWS/NATGateway", "BytesOutToDestination", "Sum", "Bytes", np.round(moved))]


def _dynamodb(busy: bool, rng: np.random.Generator, hours: int) -> list[Values]:
    units = (lambda: np.round(_level(rng, 100, 1e5, hours))) if busy else (lambda: np.zeros(hours))
    return [
        ("AWS/DynamoDB", "ConsumedReadCapacityUnits", "Sum", "Count", units()),
        ("AWS/DynamoDB", "ConsumedWriteCapacityUnits", "Sum", "Count", units()),
    ]


SERIES_BY_TYPE: dict[str, Callable[[bool, np.random.Generator, int], list[Values]]] = {
    "ec2:instance": _ec2,
    "ec2:volume": _ebs,
    "rds:db": _rds,
    "lambda:function": _lambda,
    "elbv2:loadbalancer": _load_balancer("AWS/ApplicationELB"),
    "elb:loadbalancer": _load_balancer("AWS/ELB"),
    "ec2:natgateway": _nat,
    "dynamodb:table": _dynamodb,
}
# States in which a resource publishes nothing: a stopped instance, an unattached volume.
SILENT_STATES = {("ec2:instance", "stopped"), ("ec2:volume", "available")}

FORMAT = "sibyl-cloudwatch-snapshot"
VERSION = 1
_EPOCH = dt.datetime(1970, 1, 1)


def write_demo_metrics(scan: Scan, path: Path, end_date: dt.date, seed: int) -> int:
    """Write the hourly metrics of `scan`'s resources over the DAYS days before `end_date` (exclusive) as a
    snapshot at `path`: the same scan and seed write the same bytes. Returns how many datapoints it holds."""
    window_end = dt.datetime.combine(end_date, dt.time())
    window_start = window_end - dt.timedelta(days=DAYS)
    run = {
        "run_id": f"demo-{end_date:%Y%m%d}-{seed}",
        "started_at": (window_end + dt.timedelta(minutes=30)).isoformat(),
        "window_start": window_start.isoformat(),
        "window_end": window_end.isoformat(),
        "period_seconds": PERIOD,
    }
    counts = {"reads": 0, "series": 0, "datapoints": 0}
    places: set[tuple[str, str]] = set()
    path.parent.mkdir(parents=True, exist_ok=True)
    # gzip would otherwise stamp the time of writing and the file name into the file.
    with path.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out:
        out.write(_line({"format": FORMAT, "version": VERSION, "run": run}))
        for resource, series in _series(scan, seed, window_start):
            places.add((resource.account_id, resource.region))
            counts["series"] += 1
            counts["datapoints"] += len(series["timestamps"])
            out.write(_line({"series": series}))
        for account, region in sorted(places):
            counts["reads"] += 1
            out.write(_line({"read": {"account_id": account, "region": region, "status": "complete", "api_calls": 0}}))
        finished = (window_end + dt.timedelta(minutes=35)).isoformat()
        out.write(_line({"end": {"finished_at": finished, **counts}}))
    return counts["datapoints"]


def _line(record: dict) -> bytes:
    return (json.dumps(record) + "\n").encode()


def _series(scan: Scan, seed: int, window_start: dt.datetime) -> Iterator[tuple[Resource, dict]]:
    """Each series of each resource whose type publishes metrics, in the scan's order."""
    hours = DAYS * 24
    first = int((window_start - _EPOCH).total_seconds())
    for resource in scan.resources:
        make = SERIES_BY_TYPE.get(resource.resource_type)
        if make is None or (resource.resource_type == "elbv2:loadbalancer" and ":loadbalancer/app/" not in resource.resource_id):
            continue  # a network load balancer has no RequestCount
        rng = np.random.default_rng(int.from_bytes(hashlib.sha256(f"{seed}|{resource.resource_id}".encode()).digest()[:8], "big"))
        draw = rng.random()
        silent = draw < SILENT_SHARE or (resource.resource_type, resource.state) in SILENT_STATES
        existed = np.ones(hours, dtype=bool)
        if resource.created_at and resource.created_at > window_start:
            existed = np.arange(hours) >= (resource.created_at - window_start).total_seconds() // PERIOD
        for namespace, metric, statistic, unit, values in make(draw >= SILENT_SHARE + IDLE_SHARE, rng, hours):
            published = existed & ~np.isnan(values) & (not silent)
            yield (
                resource,
                {
                    "account_id": resource.account_id,
                    "region": resource.region,
                    "resource_id": resource.resource_id,
                    "namespace": namespace,
                    "metric_name": metric,
                    "statistic": statistic,
                    "period_seconds": PERIOD,
                    "unit": unit,
                    "timestamps": (first + PERIOD * np.flatnonzero(published)).tolist(),
                    "values": np.round(values[published], 4).tolist(),
                },
            )
