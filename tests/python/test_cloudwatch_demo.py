"""The demo's metrics follow the scan they are written for, and the idle mart names, from them and the demo CUR,
the resources the rules name when judged here in Python straight from the snapshot file."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections import defaultdict
from pathlib import Path

from conftest import DEMO_END_DATE
from helpers import invoke, warehouse_rows
from sibyl.config import Settings
from sibyl.demo.metrics import write_demo_metrics
from sibyl.inventory.load import load_scan
from sibyl.inventory.scan import Read, Resource, Scan
from sibyl.warehouse import connect

ACCOUNT = "123456789012"
WINDOW_DAYS, MIN_DAYS = 14, 10  # the dbt vars' defaults
AS_OF = DEMO_END_DATE - dt.timedelta(days=1)  # the day before the demo CUR's last usage end


def small_scan() -> Scan:
    scan = Scan.start(dt.datetime(2026, 11, 15, 1))
    region = "eu-west-1"
    for n in range(40):
        scan.resources.append(
            Resource(ACCOUNT, region, "ec2:instance", f"i-0{n:04d}", arn=f"i-0{n:04d}", state="stopped" if n == 0 else "running")
        )
        scan.resources.append(Resource(ACCOUNT, region, "ec2:volume", f"vol-0{n:04d}", arn="", state="available" if n < 5 else "in-use"))
        lambda_arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:f-{n}"
        scan.resources.append(Resource(ACCOUNT, region, "lambda:function", lambda_arn, arn=lambda_arn))
    scan.resources.append(Resource(ACCOUNT, region, "ec2:instance", "i-0new", arn="", created_at=dt.datetime(2026, 11, 12, 6, 30)))
    scan.resources.append(Resource(ACCOUNT, region, "s3:bucket", "logs", arn="arn:aws:s3:::logs"))
    scan.reads = [Read(ACCOUNT, region, t, "complete") for t in ("ec2:instance", "ec2:volume", "lambda:function", "s3:bucket")]
    return scan


def epoch(moment: dt.datetime) -> int:
    return int((moment - dt.datetime(1970, 1, 1)).total_seconds())


def read_series(path: Path) -> tuple[list[dict], list[dict]]:
    """The snapshot's series and reads, read as JSON lines (not with Sibyl's reader)."""
    with gzip.open(path, "rt") as lines:
        records = [json.loads(line) for line in lines]
    return [r["series"] for r in records if "series" in r], [r["read"] for r in records if "read" in r]


def test_demo_metrics_are_deterministic_and_follow_the_scan(tmp_path):
    scan = small_scan()
    first, again, other = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz", tmp_path / "c.jsonl.gz"

    datapoints = write_demo_metrics(scan, first, DEMO_END_DATE, seed=3)
    write_demo_metrics(scan, again, DEMO_END_DATE, seed=3)
    write_demo_metrics(scan, other, DEMO_END_DATE, seed=4)

    assert first.read_bytes() == again.read_bytes() != other.read_bytes()
    series, reads = read_series(first)
    assert reads == [{"account_id": ACCOUNT, "region": "eu-west-1", "status": "complete", "api_calls": 0}]
    assert sum(len(s["timestamps"]) for s in series) == datapoints
    points = defaultdict(int)
    cpu = defaultdict(list)
    for s in series:
        points[s["resource_id"]] += len(s["timestamps"])
        if (s["metric_name"], s["statistic"]) == ("CPUUtilization", "Average"):
            cpu[s["resource_id"]] = s["values"]
    window_start = epoch(dt.datetime(2026, 10, 16))
    assert min(t for s in series for t in s["timestamps"]) >= window_start
    assert max(t for s in series for t in s["timestamps"]) < window_start + 30 * 86_400
    assert {s["resource_id"] for s in series} == {r.resource_id for r in scan.resources if r.resource_type != "s3:bucket"}
    # a stopped instance and an unattached volume publish nothing; an instance created at 06:30, nothing before 06:00
    assert points["i-00000"] == 0 and all(points[f"vol-0{n:04d}"] == 0 for n in range(5))
    assert min(t for s in series if s["resource_id"] == "i-0new" for t in s["timestamps"]) == epoch(dt.datetime(2026, 11, 12, 6))
    # busy, idle (CPU under 5 %), and silent instances; idle Lambdas publish no invocations at all
    averages = [sum(v) / len(v) for v in cpu.values() if v]
    assert any(a > 10 for a in averages) and any(a < 5 for a in averages)
    assert any(points[f"i-0{n:04d}"] == 0 for n in range(1, 40))
    assert any(points[f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:f-{n}"] == 0 for n in range(40))


RESOURCE_TYPES = [
    ("i-", "ec2:instance"),
    ("vol-", "ec2:volume"),
    (":natgateway/", "ec2:natgateway"),
    (":loadbalancer/app/", "elbv2:loadbalancer"),
]
RESOURCE_TYPES += [(":db:", "rds:db"), (":function:", "lambda:function"), (":table/", "dynamodb:table")]


def scan_of_the_demo_cur() -> Scan:
    """An inventory of the demo CUR's resources (the demo inventory stands in for it once it is written): every
    fourth volume unattached, every seventh instance created four days before the as-of date."""
    scan = Scan.start(dt.datetime(2026, 11, 15, 1))
    rows = warehouse_rows(
        "select distinct line_item_usage_account_id, product_region_code, line_item_resource_id "
        "from raw.cur_line_items where line_item_resource_id <> '' order by 3"
    )
    for n, (account, region, resource_id) in enumerate(rows):
        kind = next(
            (t for marker, t in RESOURCE_TYPES if resource_id.startswith(marker) or (marker[0] == ":" and marker in resource_id)), None
        )
        if kind:
            state = ("available" if n % 4 == 0 else "in-use") if kind == "ec2:volume" else None
            created = dt.datetime(2026, 11, 10, 12) if kind == "ec2:instance" and n % 7 == 0 else None
            scan.resources.append(Resource(account, region, kind, resource_id, arn=resource_id, state=state, created_at=created))
    scan.reads = [Read(a, r, t, "complete") for a, r, t in sorted({(r.account_id, r.region, r.resource_type) for r in scan.resources})]
    return scan


class Window:
    """One resource's datapoints in the idle window, by (metric, statistic): [(day, value)]."""

    def __init__(self, data: dict[tuple[str, str], list[tuple[dt.date, float]]]) -> None:
        self.data = data

    def days(self, metric: str, statistic: str) -> int:
        return len({day for day, _ in self.data[(metric, statistic)]})

    def total(self, *metrics: tuple[str, str]) -> float:
        return sum(v for key in metrics for _, v in self.data[key])

    def mean(self, metric: str, statistic: str) -> float:
        values = [v for _, v in self.data[(metric, statistic)]]
        return sum(values) / len(values) if values else 0.0

    def per_day(self, total: float, days: int) -> float:
        return total / days if days else 0.0


def rule(r: Resource, w: Window) -> tuple[bool, int | None] | None:
    """(below the thresholds, days observed) by the default vars, or None for a type no rule judges."""
    if r.resource_type == "ec2:instance":
        n = w.days("CPUUtilization", "Average")
        network = w.per_day(w.total(("NetworkIn", "Sum"), ("NetworkOut", "Sum")) / 1e6, n)
        return w.mean("CPUUtilization", "Average") < 5 and network < 5, n
    if r.resource_type == "rds:db":
        return max((v for _, v in w.data[("DatabaseConnections", "Maximum")]), default=0) == 0, w.days("DatabaseConnections", "Maximum")
    if r.resource_type in ("lambda:function", "elbv2:loadbalancer"):  # published only when non-zero: the read covers the window
        return w.total(("Invocations", "Sum"), ("RequestCount", "Sum")) == 0, WINDOW_DAYS
    if r.resource_type == "ec2:natgateway":
        n = w.days("BytesOutToDestination", "Sum")
        return w.per_day(w.total(("BytesOutToDestination", "Sum")) / 1e6, n) < 1, n
    if r.resource_type == "ec2:volume":
        return r.state == "available", None
    return None


def judged_here(series: list[dict], scan: Scan) -> dict[str, tuple[str, int | None]]:
    """The rules of marts.idle_resources (default vars) applied to the snapshot's datapoints: resource ->
    (judgement, days observed) for each resource whose data does not say busy."""
    first_day = AS_OF - dt.timedelta(days=WINDOW_DAYS - 1)
    per = defaultdict(lambda: defaultdict(list))
    for s in series:
        for t, v in zip(s["timestamps"], s["values"], strict=True):
            day = dt.date(1970, 1, 1) + dt.timedelta(seconds=t)
            if first_day <= day <= AS_OF:
                per[s["resource_id"]][(s["metric_name"], s["statistic"])].append((day, v))
    judged = {}
    for r in scan.resources:
        verdict = rule(r, Window(per[r.resource_id]))
        if verdict and verdict[0]:
            observed = verdict[1]
            judged[r.resource_id] = ("idle" if observed is None or observed >= MIN_DAYS else "too_few_datapoints", observed)
    return judged


def test_the_idle_mart_names_what_the_rules_name_from_the_demo_metrics(built_demo_copy, tmp_path):
    scan = scan_of_the_demo_cur()
    with connect(Settings.from_env()) as wh:
        load_scan(wh, scan, "test")
    snapshot = tmp_path / "metrics.jsonl.gz"
    write_demo_metrics(scan, snapshot, DEMO_END_DATE, seed=7)
    invoke("load", "cloudwatch", "--from-file", str(snapshot), check=True)
    invoke("build", check=True)

    report = invoke("report", "idle", "--format", "json", check=True)

    listed = json.loads(report.output)
    costing = {
        r
        for (r,) in warehouse_rows(
            f"select resource_id from marts.resource_utilization_daily where usage_date between date '{AS_OF - dt.timedelta(days=13)}' "
            f"and date '{AS_OF}' group by resource_id having sum(effective_cost) > 0"
        )
    }
    expected = {r: j for r, j in judged_here(read_series(snapshot)[0], scan).items() if r in costing}
    assert {row["resource_id"]: (row["judgement"], row["days_observed"]) for row in listed_with_days(listed)} == expected
    assert {row["judgement"] for row in listed} == {"idle", "too_few_datapoints"}
    savings = [row["estimated_monthly_saving"] for row in listed if row["judgement"] == "idle"]
    assert savings == sorted(savings, reverse=True) and [row["saving_rank"] for row in listed] == list(range(1, len(listed) + 1))
    assert all(row["estimated_monthly_saving"] is None for row in listed if row["judgement"] == "too_few_datapoints")


def listed_with_days(listed: list[dict]) -> list[dict]:
    """The report's rows with the mart's days_observed (the report leaves it to the evidence)."""
    days = dict(warehouse_rows("select resource_id, days_observed from marts.idle_resources"))
    return [row | {"days_observed": days[row["resource_id"]]} for row in listed]
