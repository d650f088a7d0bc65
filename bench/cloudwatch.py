"""CloudWatch load benchmark: the API path against moto, and a large snapshot loaded with `--from-file`.

    python bench/cloudwatch.py --api-resources 300 --api-days 2 --resources 10000 --days 30 --targets duckdb,postgres

- the API path: a scan of N resources (the demo CUR's mix of types) and their demo metrics put into moto's
  CloudWatch, then `sibyl load cloudwatch` in a child process, one call at a time: GetMetricData calls,
  datapoints, seconds, and how many of those seconds moto spent answering (each query answered from the
  datapoints of its own metric: moto's own loop over every datapoint it holds is quadratic);
- the snapshot path: the demo metrics of N resources over D days (hourly) written once, then
  `sibyl load cloudwatch --from-file` into an empty warehouse per target in a child process: wall seconds and
  peak RSS (wait4); then the same snapshot under another run id, which adds nothing (each series resumes
  after its last loaded timestamp) and measures what that costs on a full table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import shutil
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

from ingest import BIN, _child, _remove_duckdb, _say, _scratch_database

TARGETS = ("duckdb", "postgres")
END_DATE = dt.date(2026, 11, 15)
ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
# Resources of the types CloudWatch has default metrics for, in the demo CUR's proportions.
MIX = (
    ("ec2:instance", 0.35),
    ("ec2:volume", 0.15),
    ("rds:db", 0.10),
    ("lambda:function", 0.15),
    ("elbv2:loadbalancer", 0.10),
    ("ec2:natgateway", 0.05),
    ("dynamodb:table", 0.10),
)
ID_FORMS = {
    "ec2:instance": "i-0{n:016x}",
    "ec2:volume": "vol-0{n:016x}",
    "rds:db": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:db-{{n}}",
    "lambda:function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn-{{n}}",
    "elbv2:loadbalancer": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/lb-{{n}}/{{n:016x}}",
    "ec2:natgateway": f"arn:aws:ec2:{REGION}:{ACCOUNT}:natgateway/nat-0{{n:016x}}",
    "dynamodb:table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t-{{n}}",
}


def synthetic_scan(count: int, started: dt.datetime):
    """`count` resources of MIX in one account and region, ids in the CUR's forms, every place read complete."""
    from sibyl.inventory.scan import Read, Resource, Scan

    scan = Scan.start(started)
    for resource_type, share in MIX:
        for _ in range(round(count * share)):
            resource_id = ID_FORMS[resource_type].format(n=len(scan.resources))
            scan.resources.append(Resource(ACCOUNT, REGION, resource_type, resource_id, arn=resource_id, state="in-use"))
    scan.reads = [Read(ACCOUNT, REGION, t, "complete") for t, _ in MIX]
    return scan


def main() -> None:
    args = _parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="sibyl-bench-cw-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.api_resources:
        _say(f"API path: the metrics of {args.api_resources} resources over {args.api_days} day(s) put into moto, then loaded")
        print(_api_path(args.api_resources, args.api_days, workdir))
    snapshot = workdir / f"metrics-{args.resources}x{args.days}d.jsonl.gz"
    if not snapshot.exists():
        _say(f"writing the demo metrics of {args.resources:,} resources over {args.days} days to {snapshot}")
        _child([sys.executable, __file__, "--write-snapshot", str(args.resources), str(args.days), str(snapshot)], {})
    again = _under_another_run(snapshot)
    datapoints = _datapoints(snapshot)
    size = snapshot.stat().st_size / 1024 / 1024
    what = f"{args.resources:,} resources x {args.days} days hourly x the default metrics"
    print(f"\nsnapshot: {what}: {datapoints:,} datapoints, {size:,.0f} MB")
    print(f"{'target':<10} {'load s':>8} {'datapoints/s':>13} {'peak RSS MB':>12}   the same window again (adds nothing)")
    for target in args.targets:
        first, second = _load_twice(target, snapshot, again, workdir)
        print(
            f"{target:<10} {first.seconds:>8.2f} {datapoints / first.seconds:>13,.0f} {first.peak_rss_kb / 1024:>12.0f}   "
            f"{second.seconds:.2f}s, peak RSS {second.peak_rss_kb / 1024:.0f} MB"
        )


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api-resources", type=int, default=300, help="resources for the API path against moto (0: skip it)")
    parser.add_argument("--api-days", type=int, default=2, help="days of hourly datapoints put into moto (default 2)")
    parser.add_argument("--resources", type=int, default=10_000, help="resources in the snapshot (default 10,000)")
    parser.add_argument("--days", type=int, default=30, help="days of hourly datapoints in the snapshot (default 30)")
    parser.add_argument("--targets", default="duckdb,postgres", help="comma-separated: duckdb,postgres")
    parser.add_argument("--workdir", default=None, help="keep the snapshots here (reused when present)")
    args = parser.parse_args()
    args.targets = [t for t in args.targets.split(",") if t]
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown target(s) {', '.join(sorted(unknown))}: use duckdb, postgres")
    return args


def _write_snapshot(resources: int, days: int, path: Path, end_date: dt.date = END_DATE) -> None:
    import sibyl.demo.metrics as demo

    demo.DAYS = days  # the demo writes 30 days; the benchmark may ask for another span
    demo.write_demo_metrics(synthetic_scan(resources, dt.datetime.combine(end_date, dt.time(1))), path, end_date, seed=42)


def _under_another_run(snapshot: Path) -> Path:
    """The same snapshot under another run id: a second load of the same window."""
    again = snapshot.with_name(snapshot.name.replace(".jsonl.gz", "-again.jsonl.gz"))
    if not again.exists():
        with gzip.open(snapshot, "rt") as source, gzip.open(again, "wt", compresslevel=1) as out:
            header = json.loads(next(source))
            header["run"]["run_id"] += "-again"
            out.write(json.dumps(header) + "\n")
            shutil.copyfileobj(source, out)
    return again


def _datapoints(snapshot: Path) -> int:
    with gzip.open(snapshot, "rt") as lines:
        [last] = deque(lines, maxlen=1)  # the end line, one line at a time: this process stays small
    return json.loads(last)["end"]["datapoints"]


def _load_twice(target: str, snapshot: Path, again: Path, workdir: Path):
    _say(f"{target}: sibyl load cloudwatch --from-file, twice")

    def load(path: Path, env: dict[str, str]):
        return _child([BIN / "sibyl", "--target", target, "load", "cloudwatch", "--from-file", path], env)

    if target == "duckdb":
        path = workdir / "load.duckdb"
        _remove_duckdb(path)
        env = {"SIBYL_DUCKDB_PATH": str(path)}
        runs = load(snapshot, env), load(again, env)
        _remove_duckdb(path)
        return runs
    with _scratch_database() as database:
        return load(snapshot, {"PGDATABASE": database}), load(again, {"PGDATABASE": database})


def _api_path(resources: int, days: int, workdir: Path) -> str:
    """The API path in a child process (moto lives in its memory): its summary and peak RSS."""
    env = {
        "SIBYL_TARGET": "duckdb",
        "SIBYL_DUCKDB_PATH": str(workdir / "api.duckdb"),
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }
    _remove_duckdb(workdir / "api.duckdb")
    summary = workdir / "api-summary.txt"
    run = _child([sys.executable, __file__, "--api-child", str(resources), str(days), str(summary)], env)
    return f"{summary.read_text().strip()}; peak RSS {run.peak_rss_kb / 1024:.0f} MB (moto's memory included)"


def _api_child(resources: int, days: int, summary: Path) -> None:
    """In the child: the scan loaded, its demo metrics put into moto, then `sibyl load cloudwatch` timed."""
    from moto import mock_aws

    import sibyl.cloudwatch.fetch as fetch

    # One call at a time, so that the seconds moto spends answering subtract from the wall time.
    fetch.CALLS_PER_PLACE = 1
    answering = _answer_from_an_index()
    with mock_aws():
        summary.write_text(_load_from_moto(resources, days, summary.parent, answering))


def _answer_from_an_index() -> list[float]:
    """moto's GetMetricData, each query asked alone of the datapoints of its own metric (moto filters every
    datapoint it holds for every query and period: 12 minutes for 300 resources over 2 days); the answers are
    moto's own. Returns a list whose one number adds up the seconds moto spends on each request, reading it,
    answering and writing the answer (CBOR, in Python)."""
    from collections import defaultdict

    from moto.cloudwatch.models import CloudWatchBackend
    from moto.core.botocore_stubber import BotocoreStubber

    answering = [0.0]
    answer, dispatch = CloudWatchBackend.get_metric_data, BotocoreStubber.__call__

    def indexed(self, queries, start_time, end_time, scan_by="TimestampAscending"):
        by_metric = defaultdict(list)
        for datum in CloudWatchBackend.get_all_metrics(self):
            by_metric[(datum.namespace, datum.name, tuple(sorted((d.name, d.value) for d in datum.dimensions)))].append(datum)
        results = []
        for query in queries:
            metric = query["MetricStat"]["Metric"]
            key = (metric["Namespace"], metric["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in metric["Dimensions"])))
            self.get_all_metrics = lambda key=key: by_metric[key]
            results += answer(self, [query], start_time, end_time, scan_by)
        del self.get_all_metrics
        return results

    def timed(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return dispatch(self, *args, **kwargs)
        finally:
            answering[0] += time.perf_counter() - started

    CloudWatchBackend.get_metric_data = indexed
    BotocoreStubber.__call__ = timed
    return answering


def _load_from_moto(resources: int, days: int, workdir: Path, answering: list[float]) -> str:
    from click.testing import CliRunner

    from sibyl.cli import cli
    from sibyl.config import Settings
    from sibyl.inventory.load import load_scan
    from sibyl.warehouse import connect

    today = dt.datetime.now(dt.UTC).date()
    scan = synthetic_scan(resources, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    with connect(Settings.from_env()) as wh:
        load_scan(wh, scan, "bench")
    snapshot = workdir / "api.jsonl.gz"
    _write_snapshot(resources, days, snapshot, end_date=today)
    _put_into_moto(scan, snapshot)
    answering[0] = 0.0  # the puts above are moto's work too, not the load's
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["load", "cloudwatch", "--days", str(days + 1)])
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(result.output)
    with connect(Settings.from_env(), read_only=True) as wh:
        [(series, calls, datapoints)] = wh.fetch("select series_count, api_calls, datapoints_loaded from raw.cloudwatch_runs")[1]
    own = seconds - answering[0]
    return (
        f"API path (moto): {resources} resources, {series:,} series, {calls} GetMetricData calls, {datapoints:,} datapoints "
        f"in {seconds:.1f}s ({datapoints / seconds:,.0f}/s); moto answering {answering[0]:.1f}s, "
        f"the loader's own {own:.1f}s ({datapoints / own:,.0f} datapoints/s)"
    )


def _put_into_moto(scan, snapshot: Path) -> None:
    """Each series' datapoints as raw values under its CloudWatch dimension; of a metric fetched at two statistics
    one is put (a single raw value per period is its own average, maximum and sum)."""
    import boto3

    from sibyl.cloudwatch.definitions import load_definitions
    from sibyl.cloudwatch.snapshot import Snapshot

    kinds = {r.resource_id: r.resource_type for r in scan.resources}
    dimensions = {(d.resource_type, d.namespace, d.metric_name): d for d in load_definitions()}
    client, seen = boto3.client("cloudwatch", region_name=REGION), set()
    for series in Snapshot(snapshot).events():
        key = (kinds.get(getattr(series, "resource_id", None)), getattr(series, "namespace", None), getattr(series, "metric_name", None))
        if key not in dimensions or (series.resource_id, key) in seen:
            continue
        seen.add((series.resource_id, key))
        d = dimensions[key]
        dimension = [{"Name": d.dimension_name, "Value": d.dimension(series.resource_id)}]
        data = [
            {"MetricName": d.metric_name, "Dimensions": dimension, "Timestamp": dt.datetime.fromtimestamp(int(t), dt.UTC), "Value": v}
            for t, v in zip(series.timestamps, series.values.tolist(), strict=True)
        ]
        for i in range(0, len(data), 1000):
            client.put_metric_data(Namespace=d.namespace, MetricData=data[i : i + 1000])


if __name__ == "__main__":
    # Work done in child processes, so that this one stays small (see _child).
    if sys.argv[1:2] == ["--api-child"]:
        _api_child(int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
    elif sys.argv[1:2] == ["--write-snapshot"]:
        _write_snapshot(int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
