"""The metric table (its defaults, each resource type's dimension, a user's broken table) and the plan of queries:
where each series resumes, and how series share calls."""

from __future__ import annotations

import datetime as dt

import pytest

from sibyl.cloudwatch.definitions import load_definitions
from sibyl.cloudwatch.plan import InventoryResource, Window, fetch_window, plan_queries
from sibyl.cloudwatch.series import epoch_seconds
from sibyl.errors import ConfigError

ACCOUNT = "123456789012"
HEADER = "resource_type,namespace,metric_name,statistics,dimension_name,dimension_value,unit\n"

# One resource of each type, its id as the CUR names it, and the dimension CloudWatch files its metrics under.
DIMENSIONS = [
    ("ec2:instance", "i-0123456789abcdef0", "InstanceId", "i-0123456789abcdef0"),
    ("ec2:volume", "vol-0123456789abcdef0", "VolumeId", "vol-0123456789abcdef0"),
    ("rds:db", f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:orders-1", "DBInstanceIdentifier", "orders-1"),
    ("lambda:function", f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:orders-handler-1", "FunctionName", "orders-handler-1"),
    (
        "elbv2:loadbalancer",
        f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:loadbalancer/app/orders-1/50dc6c495c0c9188",
        "LoadBalancer",
        "app/orders-1/50dc6c495c0c9188",
    ),
    ("elb:loadbalancer", f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:loadbalancer/legacy-web", "LoadBalancerName", "legacy-web"),
    ("ec2:natgateway", f"arn:aws:ec2:eu-west-1:{ACCOUNT}:natgateway/nat-0123456789abcdef0", "NatGatewayId", "nat-0123456789abcdef0"),
    ("dynamodb:table", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders-1", "TableName", "orders-1"),
]


@pytest.mark.parametrize("resource_type, resource_id, name, value", DIMENSIONS, ids=[d[0] for d in DIMENSIONS])
def test_each_default_metric_finds_its_dimension_in_the_resource_id(resource_type, resource_id, name, value):
    definitions = [d for d in load_definitions() if d.resource_type == resource_type]

    assert definitions
    assert {(d.dimension_name, d.dimension(resource_id)) for d in definitions} == {(name, value)}


def test_a_network_load_balancer_is_not_asked_for_requests():
    [requests] = [d for d in load_definitions() if d.resource_type == "elbv2:loadbalancer"]

    assert requests.dimension(f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:loadbalancer/net/orders-2/60dc6c495c0c9188") is None


def test_the_defaults_hold_every_metric_the_issue_names():
    fetched = {(d.resource_type, d.metric_name): d.statistics for d in load_definitions()}

    assert fetched == {
        ("ec2:instance", "CPUUtilization"): ("Average", "Maximum"),
        ("ec2:instance", "NetworkIn"): ("Sum",),
        ("ec2:instance", "NetworkOut"): ("Sum",),
        ("ec2:volume", "VolumeReadOps"): ("Sum",),
        ("ec2:volume", "VolumeWriteOps"): ("Sum",),
        ("rds:db", "CPUUtilization"): ("Average", "Maximum"),
        ("rds:db", "DatabaseConnections"): ("Maximum",),
        ("rds:db", "FreeStorageSpace"): ("Minimum",),
        ("lambda:function", "Invocations"): ("Sum",),
        ("lambda:function", "Duration"): ("Sum", "Maximum"),
        ("elbv2:loadbalancer", "RequestCount"): ("Sum",),
        ("elb:loadbalancer", "RequestCount"): ("Sum",),
        ("ec2:natgateway", "BytesOutToDestination"): ("Sum",),
        ("dynamodb:table", "ConsumedReadCapacityUnits"): ("Sum",),
        ("dynamodb:table", "ConsumedWriteCapacityUnits"): ("Sum",),
    }


@pytest.mark.parametrize(
    "table, expected",
    [
        (
            "resource_type,namespace,metric_name\n",
            ": no column statistics, dimension_name, dimension_value, unit; the metric table's columns are ",
        ),
        (
            HEADER + "ec2:instance,AWS/EC2,CPUUtilization,Avg,InstanceId,resource_id,Percent\n",
            ", line 2, column statistics: 'Avg' is not a CloudWatch statistic",
        ),
        (
            HEADER + "ec2:instance,AWS/EC2,CPUUtilization,p99,InstanceId,instance,Percent\n",
            ", line 2, column dimension_value: 'instance' is not one of resource_id, arn_name, alb_dimension",
        ),
        (
            HEADER + "ec2:instance,AWS/EC2,CPUUtilization,Average,,resource_id,Percent\n",
            ", line 2, column dimension_name: empty; every column but unit needs a value",
        ),
        (
            HEADER
            + "ec2:instance,AWS/EC2,CPUUtilization,Average Maximum,InstanceId,resource_id,\n"
            + "ec2:instance,AWS/EC2,CPUUtilization,Maximum,InstanceId,resource_id,\n",
            ": ec2:instance AWS/EC2 CPUUtilization Maximum is listed twice; keep one row for it",
        ),
    ],
    ids=["missing-columns", "unknown-statistic", "unknown-dimension-value", "empty-cell", "repeated-metric"],
)
def test_a_metric_table_sibyl_cannot_use_is_refused_naming_the_line(tmp_path, table, expected):
    path = tmp_path / "metrics.csv"
    path.write_text(table)

    with pytest.raises(ConfigError) as refused:
        load_definitions(path)

    assert str(refused.value).startswith(f"{path}{expected}")


def test_a_users_table_replaces_the_defaults(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text(HEADER + "ec2:instance,CWAgent,mem_used_percent,Average p95,InstanceId,resource_id,\n")

    [memory] = load_definitions(path)

    assert (memory.namespace, memory.metric_name, memory.statistics, memory.unit) == (
        "CWAgent",
        "mem_used_percent",
        ("Average", "p95"),
        None,
    )


def test_the_window_ends_at_the_last_settled_period_and_periods_must_tile_a_day():
    window = fetch_window(dt.datetime(2026, 11, 15, 10, 14), days=2, period_seconds=3600)

    assert window == Window(dt.datetime(2026, 11, 13, 9), dt.datetime(2026, 11, 15, 9), 3600)
    assert fetch_window(dt.datetime(2026, 11, 15, 10, 15), days=1, period_seconds=300).end == dt.datetime(2026, 11, 15, 10)
    with pytest.raises(ConfigError, match=r"^--period 7260: use a multiple of 60 seconds that divides a day"):
        fetch_window(dt.datetime(2026, 11, 15), days=1, period_seconds=7260)


WINDOW = Window(dt.datetime(2026, 11, 1), dt.datetime(2026, 11, 15), 3600)


def starts(plan) -> list[list[tuple[str, str, dt.datetime]]]:
    """Each batch as (resource, statistic, start) of its queries."""
    return [
        [(q.resource.resource_id, q.statistic, dt.datetime(1970, 1, 1) + dt.timedelta(seconds=q.start)) for q in batch.queries]
        for batches in plan.values()
        for batch in batches
    ]


def test_each_series_resumes_after_its_last_timestamp_and_never_before_the_window():
    cpu = [d for d in load_definitions() if d.metric_name == "CPUUtilization" and d.resource_type == "ec2:instance"]
    resources = [InventoryResource(ACCOUNT, "eu-west-1", "ec2:instance", i) for i in ("i-0new", "i-0old", "i-0mid", "i-0done")]
    last = {
        (ACCOUNT, "i-0old", "AWS/EC2", "CPUUtilization", "Average", 3600): epoch_seconds(dt.datetime(2026, 10, 1)),  # before the window
        (ACCOUNT, "i-0mid", "AWS/EC2", "CPUUtilization", "Average", 3600): epoch_seconds(dt.datetime(2026, 11, 10, 5)),
        (ACCOUNT, "i-0done", "AWS/EC2", "CPUUtilization", "Average", 3600): epoch_seconds(dt.datetime(2026, 11, 14, 23)),  # the last period
        (ACCOUNT, "i-0mid", "AWS/EC2", "CPUUtilization", "Maximum", 300): epoch_seconds(dt.datetime(2026, 11, 14)),  # another period
    }

    plan = plan_queries(resources, cpu, last, WINDOW)

    nov = dt.datetime(2026, 11, 1)
    assert starts(plan) == [
        [
            ("i-0new", "Average", nov),
            ("i-0new", "Maximum", nov),
            ("i-0old", "Average", nov),
            ("i-0old", "Maximum", nov),
            ("i-0mid", "Maximum", nov),
            ("i-0done", "Maximum", nov),
        ],
        [("i-0mid", "Average", dt.datetime(2026, 11, 10, 6))],
    ]


def test_more_than_500_series_of_a_day_share_calls_of_500():
    network = [d for d in load_definitions() if d.metric_name == "NetworkIn"]
    resources = [InventoryResource(ACCOUNT, "eu-west-1", "ec2:instance", f"i-0{n:04d}") for n in range(1001)]

    plan = plan_queries(resources, network, {}, WINDOW)

    assert [len(b.queries) for b in plan[(ACCOUNT, "eu-west-1")]] == [500, 500, 1]
