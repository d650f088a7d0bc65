"""`sibyl load cloudwatch` against moto's CloudWatch: exact values, resumes, batches of 500, failing places,
snapshots, and the least-privilege policy. Where moto lacks a feature (it never pages with NextToken, never
throttles, never denies), the test says how it stands in."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import boto3
import botocore.handlers
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws
from moto.cloudwatch.exceptions import CloudWatchException
from moto.cloudwatch.models import CloudWatchBackend
from moto.sts.exceptions import STSClientError
from moto.sts.models import STSBackend

from helpers import invoke, warehouse_rows
from sibyl.cloudwatch import credentials
from sibyl.cloudwatch.credentials import AccountSession
from sibyl.cloudwatch.load import FetchOptions, load_from_api
from sibyl.config import Settings
from sibyl.inventory.load import load_scan
from sibyl.inventory.scan import Read, Resource, Scan
from sibyl.warehouse import connect

ACCOUNT = "123456789012"  # moto's default account
OTHER_ACCOUNT = "210987654321"
POLICY = Path(__file__).resolve().parents[2] / "policies" / "sibyl-cloudwatch-read-only.json"
HOUR = dt.timedelta(hours=1)

# moto's CloudWatch and STS cannot throttle or deny: their backend raises the service's own error, which moto
# serializes and botocore parses, retries and raises exactly as it would AWS's.
pytestmark = pytest.mark.filterwarnings("ignore:Exception\\((CloudWatchException|STSClientError)\\) with code:UserWarning")


@pytest.fixture
def aws(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def day_start(days_ago: int) -> dt.datetime:
    """Midnight UTC `days_ago` days before today: inside any window of more days, whatever the time of the run."""
    today = dt.datetime.now(dt.UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    return today - dt.timedelta(days=days_ago)


def land_inventory(
    *places: tuple[str, str, str, list[str]], failed: tuple[tuple[str, str, str], ...] = (), when: dt.datetime | None = None
):
    """A scan of `places` (account, region, resource type, resource ids), each read complete, and `failed` places."""
    started = when or dt.datetime(2026, 11, 14, 6)
    scan = Scan.start(started)
    for account, region, resource_type, ids in places:
        scan.reads.append(Read(account, region, resource_type, "complete"))
        scan.resources += [Resource(account, region, resource_type, i, arn=i) for i in ids]
    scan.reads += [Read(account, region, resource_type, "failed", "AccessDenied", "denied") for account, region, resource_type in failed]
    with connect(Settings.from_env()) as wh:
        load_scan(wh, scan, "test")


def put(region: str, namespace: str, metric: str, dimension: tuple[str, str], points: list[tuple[dt.datetime, float]]) -> None:
    client = boto3.client("cloudwatch", region_name=region)
    data = [
        {"MetricName": metric, "Dimensions": [{"Name": dimension[0], "Value": dimension[1]}], "Timestamp": t, "Value": v} for t, v in points
    ]
    for i in range(0, len(data), 1000):
        client.put_metric_data(Namespace=namespace, MetricData=data[i : i + 1000])


def metric_rows() -> list[tuple]:
    """Every datapoint, by resource, metric, statistic and time (sorted here: the engines' collations differ)."""
    rows = warehouse_rows(
        "select region, resource_id, namespace, metric_name, statistic, period_seconds, timestamp, value, unit from raw.cloudwatch_metrics"
    )
    return sorted(rows, key=lambda r: (r[1], r[2], r[3], r[4], r[6]))


def series_resume_where_their_datapoints_end() -> bool:
    """raw.cloudwatch_series holds each series' last loaded timestamp, and nothing else."""
    key = "account_id, resource_id, namespace, metric_name, statistic, period_seconds"
    kept = warehouse_rows(f"select {key}, last_timestamp from raw.cloudwatch_series")
    return sorted(kept) == sorted(warehouse_rows(f"select {key}, max(timestamp) from raw.cloudwatch_metrics group by {key}"))


def runs() -> list[tuple]:
    return warehouse_rows(
        "select status, place_count, failed_place_count, api_calls, datapoints_fetched, datapoints_loaded "
        "from raw.cloudwatch_runs order by started_at, run_id"
    )


def reads() -> list[tuple]:
    return warehouse_rows(
        "select r.account_id, r.region, r.status, r.error_code, r.api_calls, r.retries, r.series_count "
        "from raw.cloudwatch_reads r join raw.cloudwatch_runs u using (run_id) order by u.started_at, 1, 2"
    )


RDS = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders-1"
LAMBDA = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:orders-handler-1"
ALB = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/orders-1/50dc6c495c0c9188"
NLB = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/net/orders-2/60dc6c495c0c9188"
NAT = f"arn:aws:ec2:us-east-1:{ACCOUNT}:natgateway/nat-0abc"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders-1"


def test_exact_values_land_and_a_second_load_adds_nothing(target, aws):
    land_inventory(
        (ACCOUNT, "us-east-1", "ec2:instance", ["i-0aaa"]),
        (ACCOUNT, "us-east-1", "rds:db", [RDS]),
        (ACCOUNT, "us-east-1", "lambda:function", [LAMBDA]),
        (ACCOUNT, "us-east-1", "elbv2:loadbalancer", [ALB, NLB]),
        (ACCOUNT, "us-east-1", "ec2:natgateway", [NAT]),
        (ACCOUNT, "us-east-1", "dynamodb:table", [TABLE]),
    )
    t = day_start(2)
    put(
        "us-east-1",
        "AWS/EC2",
        "CPUUtilization",
        ("InstanceId", "i-0aaa"),
        [(t, 10.0), (t + dt.timedelta(minutes=30), 20.0), (t + HOUR, 4.0)],
    )
    put("us-east-1", "AWS/EC2", "NetworkIn", ("InstanceId", "i-0aaa"), [(t, 1000.0), (t + dt.timedelta(minutes=5), 500.0)])
    put("us-east-1", "AWS/RDS", "DatabaseConnections", ("DBInstanceIdentifier", "orders-1"), [(t, 3.0), (t + dt.timedelta(minutes=1), 7.0)])
    put("us-east-1", "AWS/Lambda", "Invocations", ("FunctionName", "orders-handler-1"), [(t, 2.0), (t + dt.timedelta(minutes=2), 5.0)])
    put("us-east-1", "AWS/ApplicationELB", "RequestCount", ("LoadBalancer", "app/orders-1/50dc6c495c0c9188"), [(t, 42.0)])
    put("us-east-1", "AWS/NATGateway", "BytesOutToDestination", ("NatGatewayId", "nat-0abc"), [(t, 123.0)])
    put("us-east-1", "AWS/DynamoDB", "ConsumedReadCapacityUnits", ("TableName", "orders-1"), [(t, 8.0), (t, 1.5)])

    first = invoke("load", "cloudwatch", "--days", "4")

    assert first.exit_code == 0, first.output
    us = ("us-east-1",)
    assert metric_rows() == [
        (*us, TABLE, "AWS/DynamoDB", "ConsumedReadCapacityUnits", "Sum", 3600, t, 9.5, "Count"),
        (*us, NAT, "AWS/NATGateway", "BytesOutToDestination", "Sum", 3600, t, 123.0, "Bytes"),
        (*us, ALB, "AWS/ApplicationELB", "RequestCount", "Sum", 3600, t, 42.0, "Count"),
        (*us, LAMBDA, "AWS/Lambda", "Invocations", "Sum", 3600, t, 7.0, "Count"),
        (*us, RDS, "AWS/RDS", "DatabaseConnections", "Maximum", 3600, t, 7.0, "Count"),
        (*us, "i-0aaa", "AWS/EC2", "CPUUtilization", "Average", 3600, t, 15.0, "Percent"),
        (*us, "i-0aaa", "AWS/EC2", "CPUUtilization", "Average", 3600, t + HOUR, 4.0, "Percent"),
        (*us, "i-0aaa", "AWS/EC2", "CPUUtilization", "Maximum", 3600, t, 20.0, "Percent"),
        (*us, "i-0aaa", "AWS/EC2", "CPUUtilization", "Maximum", 3600, t + HOUR, 4.0, "Percent"),
        (*us, "i-0aaa", "AWS/EC2", "NetworkIn", "Sum", 3600, t, 1500.0, "Bytes"),
    ]
    # series: EC2 4, RDS 4, Lambda 3, the ALB 1 (the NLB has no RequestCount), NAT 1, DynamoDB 2; in one call
    assert runs() == [("completed", 1, 0, 1, 10, 10)]
    assert "loaded 10 new datapoints of 15 series from 1 place(s), 1 GetMetricData call(s)" in first.output

    second = invoke("load", "cloudwatch", "--days", "4")

    assert second.exit_code == 0, second.output
    assert len(metric_rows()) == 10
    # Two calls: the series without data from the window's start, the others from the hour after their last
    # datapoint (t + 1h); CPU's t + 1h datapoints, asked again with them, are not loaded twice.
    assert runs()[1] == ("completed", 1, 0, 2, 2, 0)
    assert series_resume_where_their_datapoints_end()


def test_resources_come_from_each_places_latest_complete_read(target, aws):
    """A place read complete by the newer scan: only that scan's resources; a place the newer scan failed to read:
    the older scan's; regions outside --region: none."""
    land_inventory(
        (ACCOUNT, "us-east-1", "ec2:instance", ["i-0gone"]),
        (ACCOUNT, "us-east-1", "ec2:volume", ["vol-0kept"]),
        (ACCOUNT, "eu-west-1", "ec2:instance", ["i-0eu"]),
        when=dt.datetime(2026, 11, 1),
    )
    land_inventory((ACCOUNT, "us-east-1", "ec2:instance", ["i-0new"]), failed=((ACCOUNT, "us-east-1", "ec2:volume"),))
    t = day_start(1)
    for instance in ("i-0gone", "i-0new", "i-0eu"):
        put("us-east-1" if instance != "i-0eu" else "eu-west-1", "AWS/EC2", "NetworkOut", ("InstanceId", instance), [(t, 1.0)])
    put("us-east-1", "AWS/EBS", "VolumeWriteOps", ("VolumeId", "vol-0kept"), [(t, 2.0)])

    result = invoke("load", "cloudwatch", "--days", "2", "--region", "us-east-1")

    assert result.exit_code == 0, result.output
    assert [(r[1], r[3], r[7]) for r in metric_rows()] == [("i-0new", "NetworkOut", 1.0), ("vol-0kept", "VolumeWriteOps", 2.0)]


def many_instances(region: str, count: int, t: dt.datetime) -> list[str]:
    ids = [f"i-0{region.replace('-', '')}{n:05d}" for n in range(count)]
    for metric in ("CPUUtilization", "NetworkIn", "NetworkOut"):
        client = boto3.client("cloudwatch", region_name=region)
        data = [
            {"MetricName": metric, "Dimensions": [{"Name": "InstanceId", "Value": i}], "Timestamp": t, "Value": float(n)}
            for n, i in enumerate(ids)
        ]
        for start in range(0, len(data), 1000):
            client.put_metric_data(Namespace="AWS/EC2", MetricData=data[start : start + 1000])
    return ids


def test_more_than_500_queries_are_asked_in_batches_of_500(target, aws):
    t = day_start(1)
    ids = many_instances("us-east-1", 130, t)  # 130 instances x 4 series = 520 queries
    land_inventory((ACCOUNT, "us-east-1", "ec2:instance", ids))

    result = invoke("load", "cloudwatch", "--days", "2", "--period", "86400")

    assert result.exit_code == 0, result.output
    assert runs() == [("completed", 1, 0, 2, 520, 520)]
    assert warehouse_rows(
        "select count(*), count(distinct resource_id), sum(value) from raw.cloudwatch_metrics where metric_name = 'CPUUtilization'"
    ) == [(260, 130, 2.0 * sum(range(130)))]


def failing_backend(monkeypatch, failures: dict[str, tuple[str, int]]) -> dict[str, int]:
    """moto's GetMetricData, failing in some regions with an AWS error code from their n-th call on (1: every call)."""
    calls: dict[str, int] = {}
    answer = CloudWatchBackend.get_metric_data

    def get_metric_data(self, *args, **kwargs):
        calls[self.region_name] = calls.get(self.region_name, 0) + 1
        code, from_call = failures.get(self.region_name, ("", 0))
        if code and calls[self.region_name] >= from_call:
            raise CloudWatchException(code, f"{code} in {self.region_name}")
        return answer(self, *args, **kwargs)

    monkeypatch.setattr(CloudWatchBackend, "get_metric_data", get_metric_data)
    return calls


def test_throttling_past_the_bound_and_access_denied_fail_their_place_and_keep_none_of_its_rows(target, aws, monkeypatch):
    monkeypatch.setattr(credentials, "TOTAL_ATTEMPTS", 2)
    t = day_start(1)
    land_inventory(
        (ACCOUNT, "us-east-1", "ec2:instance", many_instances("us-east-1", 3, t)),
        (ACCOUNT, "eu-west-1", "ec2:instance", many_instances("eu-west-1", 250, t)),
        (ACCOUNT, "us-west-2", "ec2:instance", many_instances("us-west-2", 2, t)),
    )
    # eu-west-1 asks 1,000 series in two calls: the first answers, the second is throttled twice; us-west-2 is denied at once.
    calls = failing_backend(monkeypatch, {"eu-west-1": ("Throttling", 2), "us-west-2": ("AccessDenied", 1)})

    result = invoke("load", "cloudwatch", "--days", "2", "--period", "86400")

    assert result.exit_code == 0, result.output
    assert f"could not read account {ACCOUNT} in eu-west-1: Throttling: Throttling in eu-west-1" in result.output
    assert f"could not read account {ACCOUNT} in us-west-2: AccessDenied: AccessDenied in us-west-2" in result.output
    assert calls == {"eu-west-1": 3, "us-east-1": 1, "us-west-2": 1}
    assert reads() == [
        (ACCOUNT, "eu-west-1", "failed", "Throttling", 2, 1, 500),
        (ACCOUNT, "us-east-1", "complete", None, 1, 0, 12),
        (ACCOUNT, "us-west-2", "failed", "AccessDenied", 1, 0, 0),
    ]
    # eu-west-1's 500 datapoints were fetched and none is kept
    assert runs() == [("partial", 3, 2, 4, 512, 12)]
    assert warehouse_rows("select distinct region from raw.cloudwatch_metrics") == [("us-east-1",)]
    assert series_resume_where_their_datapoints_end()


def test_a_run_that_reads_no_place_is_an_error_and_is_recorded(target, aws, monkeypatch):
    land_inventory((ACCOUNT, "us-east-1", "ec2:instance", many_instances("us-east-1", 1, day_start(1))))
    failing_backend(monkeypatch, {"us-east-1": ("AccessDenied", 1)})

    result = invoke("load", "cloudwatch", "--days", "2")

    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("error: CloudWatch run ")
    assert result.output.splitlines()[-1].endswith(" read no place (AccessDenied first): no datapoints kept")
    assert runs() == [("failed", 1, 1, 1, 0, 0)]
    assert metric_rows() == []


def test_next_token_pages_are_followed_and_joined(target, aws, tmp_path):
    """moto answers every query in one page: botocore's Stubber plays a CloudWatch that pages."""
    land_inventory((ACCOUNT, "us-east-1", "ec2:instance", ["i-0aaa"]))
    t = day_start(1)
    client = boto3.client("cloudwatch", region_name="us-east-1")
    stubber = Stubber(client)
    page = {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "ScanBy": "TimestampAscending"}
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": [{"Id": "q0", "Timestamps": [t], "Values": [1.5], "StatusCode": "PartialData"}], "NextToken": "page-2"},
        page,
    )
    stubber.add_response(
        "get_metric_data",
        {
            "MetricDataResults": [
                {"Id": "q0", "Timestamps": [t + HOUR], "Values": [2.5], "StatusCode": "Complete"},
                {"Id": "q1", "Timestamps": [t], "Values": [9.0], "StatusCode": "Complete"},
            ]
        },
        page | {"NextToken": "page-2"},
    )
    session = AccountSession(ACCOUNT, boto3.Session(), _clients={"us-east-1": client})
    metrics = tmp_path / "metrics.csv"  # CPU alone: two queries
    metrics.write_text(
        "resource_type,namespace,metric_name,statistics,dimension_name,dimension_value,unit\n"
        "ec2:instance,AWS/EC2,CPUUtilization,Average Maximum,InstanceId,resource_id,Percent\n"
    )
    with stubber, connect(Settings.from_env()) as wh:
        landed = load_from_api(wh, [session], FetchOptions(days=2, metrics=metrics))
    stubber.assert_no_pending_responses()

    assert (landed.run.status, landed.datapoints_loaded) == ("completed", 3)
    assert [(r[4], r[6], r[7]) for r in metric_rows()] == [("Average", t, 1.5), ("Average", t + HOUR, 2.5), ("Maximum", t, 9.0)]
    assert reads() == [(ACCOUNT, "us-east-1", "complete", None, 2, 0, 2)]


def assumed(account: str) -> boto3.Session:
    creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/setup", RoleSessionName="setup")["Credentials"]
    return boto3.Session(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


def test_each_role_reads_its_account_and_an_account_without_a_working_role_fails_its_places(target, aws, monkeypatch):
    third = "333333333333"
    t = day_start(1)
    land_inventory(
        (OTHER_ACCOUNT, "us-east-1", "ec2:instance", ["i-0other"]),
        (third, "us-east-1", "ec2:instance", ["i-0third"]),
        (ACCOUNT, "us-east-1", "ec2:instance", ["i-0mine"]),
    )
    for account, instance in ((OTHER_ACCOUNT, "i-0other"), (ACCOUNT, "i-0mine")):
        assumed(account).client("cloudwatch", region_name="us-east-1").put_metric_data(
            Namespace="AWS/EC2",
            MetricData=[
                {"MetricName": "NetworkIn", "Dimensions": [{"Name": "InstanceId", "Value": instance}], "Timestamp": t, "Value": 5.0}
            ],
        )
    assume = STSBackend.assume_role

    def assume_role(self, **kwargs):
        if kwargs["role_arn"].startswith(f"arn:aws:iam::{third}:"):
            raise STSClientError("AccessDenied", "not authorized to perform: sts:AssumeRole")
        return assume(self, **kwargs)

    monkeypatch.setattr(STSBackend, "assume_role", assume_role)

    result = invoke(
        "load",
        "cloudwatch",
        "--days",
        "2",
        "--role-arn",
        f"arn:aws:iam::{OTHER_ACCOUNT}:role/sibyl",
        "--role-arn",
        f"arn:aws:iam::{third}:role/sibyl",
    )

    assert result.exit_code == 0, result.output
    assert warehouse_rows("select account_id, resource_id, value from raw.cloudwatch_metrics") == [(OTHER_ACCOUNT, "i-0other", 5.0)]
    assert [r[:4] for r in reads()] == [
        (ACCOUNT, "us-east-1", "failed", "NotReachable"),
        (OTHER_ACCOUNT, "us-east-1", "complete", None),
        (third, "us-east-1", "failed", "AccessDenied"),
    ]
    assert (
        f"could not read account {third} in us-east-1: AccessDenied: cannot assume arn:aws:iam::{third}:role/sibyl: not authorized"
        in result.output
    )


def test_a_role_arn_that_is_no_role_arn_is_refused_in_one_line(target, aws):
    result = invoke("load", "cloudwatch", "--role-arn", "arn:aws:iam::12345:user/me")

    assert result.exit_code == 2
    assert (
        result.output == "error: --role-arn arn:aws:iam::12345:user/me: not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)\n"
    )


def policy_actions() -> set[str]:
    statements = json.loads(POLICY.read_text())["Statement"]
    return {action for s in statements if s["Effect"] == "Allow" for action in s["Action"]}


@pytest.fixture
def recorded_calls(monkeypatch) -> set[str]:
    """Every AWS API call of the sessions created from here on, as the IAM action it needs (botocore's service
    name is the action's prefix for the services Sibyl calls: cloudwatch, sts)."""
    calls: set[str] = set()

    def record(model, **kwargs):
        calls.add(f"{model.service_model.service_name}:{model.name}")

    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", [*botocore.handlers.BUILTIN_HANDLERS, ("before-call", record)])
    return calls


def test_every_call_a_load_makes_is_allowed_by_the_policy(target, aws, tmp_path, recorded_calls):
    land_inventory(
        (ACCOUNT, "us-east-1", "ec2:instance", ["i-0aaa"]),
        (OTHER_ACCOUNT, "eu-west-1", "rds:db", ["arn:aws:rds:eu-west-1:210987654321:db:x"]),
    )

    for args in (
        ["load", "cloudwatch", "--days", "1"],
        ["load", "cloudwatch", "--days", "1", "--to-file", str(tmp_path / "run.jsonl.gz")],
        ["load", "cloudwatch", "--days", "1", "--role-arn", f"arn:aws:iam::{OTHER_ACCOUNT}:role/sibyl"],
    ):
        assert invoke(*args).exit_code == 0

    assert recorded_calls == {"sts:GetCallerIdentity", "sts:AssumeRole", "cloudwatch:GetMetricData"}
    assert recorded_calls <= policy_actions()


def test_the_policy_test_catches_a_call_the_policy_lacks(aws, recorded_calls):
    boto3.client("cloudwatch", region_name="us-east-1").list_metrics()

    assert recorded_calls == {"cloudwatch:ListMetrics"}
    assert not recorded_calls <= policy_actions()


def test_a_snapshot_round_trip_lands_what_a_direct_load_lands(target, aws, tmp_path):
    land_inventory(
        (ACCOUNT, "us-east-1", "ec2:instance", ["i-0aaa"]),
        (ACCOUNT, "eu-west-1", "lambda:function", [LAMBDA.replace("us-east-1", "eu-west-1")]),
    )
    t = day_start(2)
    put("us-east-1", "AWS/EC2", "CPUUtilization", ("InstanceId", "i-0aaa"), [(t, 10.0), (t + HOUR, 30.0)])
    put("eu-west-1", "AWS/Lambda", "Duration", ("FunctionName", "orders-handler-1"), [(t, 120.0), (t, 80.0)])
    snapshot = tmp_path / "cloudwatch.jsonl.gz"

    wrote = invoke("load", "cloudwatch", "--days", "3", "--to-file", str(snapshot))

    assert wrote.exit_code == 0, wrote.output
    assert f"wrote 6 datapoints of 7 series to {snapshot}" in wrote.output
    assert warehouse_rows("select count(*) from information_schema.tables where table_name like 'cloudwatch%'") == [(0,)]

    loaded = invoke("load", "cloudwatch", "--from-file", str(snapshot))

    assert loaded.exit_code == 0, loaded.output
    assert [(r[0], r[1], r[3], r[4], r[6], r[7]) for r in metric_rows()] == [
        ("eu-west-1", LAMBDA.replace("us-east-1", "eu-west-1"), "Duration", "Maximum", t, 120.0),
        ("eu-west-1", LAMBDA.replace("us-east-1", "eu-west-1"), "Duration", "Sum", t, 200.0),
        ("us-east-1", "i-0aaa", "CPUUtilization", "Average", t, 10.0),
        ("us-east-1", "i-0aaa", "CPUUtilization", "Average", t + HOUR, 30.0),
        ("us-east-1", "i-0aaa", "CPUUtilization", "Maximum", t, 10.0),
        ("us-east-1", "i-0aaa", "CPUUtilization", "Maximum", t + HOUR, 30.0),
    ]
    assert runs() == [("completed", 2, 0, 2, 6, 6)]
    assert warehouse_rows("select source from raw.cloudwatch_runs") == [(str(snapshot),)]

    again = invoke("load", "cloudwatch", "--from-file", str(snapshot))

    assert again.exit_code == 0
    assert "already loaded, unchanged: CloudWatch run " in again.output
    assert (len(metric_rows()), len(runs())) == (6, 1)
