"""Each scanner's id mapping: the id a resource's CUR line names it by, spelled out by hand per type."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.tz import tzoffset

from sibyl.inventory.scanners import (
    SCANNERS,
    TAGGING,
    classic_load_balancers,
    dynamodb_tables,
    ebs_snapshots,
    ebs_volumes,
    ec2_instances,
    eks_clusters,
    elastic_ips,
    elasticache_clusters,
    elbv2_load_balancers,
    lambda_functions,
    nat_gateways,
    rds_clusters,
    rds_instances,
    s3_buckets,
    tagging,
)
from sibyl.inventory.scanners.base import Location, utc

HERE = Location("111122223333", "eu-west-1", "aws")
CHINA = Location("111122223333", "cn-north-1", "aws-cn")


@pytest.mark.parametrize(
    ("mapping", "native", "cur_id"),
    [
        (ec2_instances.resource_id, "i-0abc123", "i-0abc123"),
        (ebs_volumes.resource_id, "vol-0abc123", "vol-0abc123"),
        (lambda s: ebs_snapshots.resource_id(HERE, s), "snap-0abc", "arn:aws:ec2:eu-west-1:111122223333:snapshot/snap-0abc"),
        (elastic_ips.resource_id, "eipalloc-0abc", "eipalloc-0abc"),
        (lambda n: nat_gateways.resource_id(HERE, n), "nat-0abc", "arn:aws:ec2:eu-west-1:111122223333:natgateway/nat-0abc"),
        (
            elbv2_load_balancers.resource_id,
            "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188",
            "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188",
        ),
        (
            lambda n: classic_load_balancers.resource_id(HERE, n),
            "legacy",
            "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/legacy",
        ),
        (lambda n: rds_instances.resource_id(HERE, n), "orders-1", "arn:aws:rds:eu-west-1:111122223333:db:orders-1"),
        (lambda n: rds_clusters.resource_id(HERE, n), "ledger", "arn:aws:rds:eu-west-1:111122223333:cluster:ledger"),
        (s3_buckets.resource_id, "checkout-assets-1a2b3c", "checkout-assets-1a2b3c"),
        (
            lambda_functions.resource_id,
            "arn:aws:lambda:eu-west-1:111122223333:function:resize",
            "arn:aws:lambda:eu-west-1:111122223333:function:resize",
        ),
        (
            lambda_functions.resource_id,
            "arn:aws:lambda:eu-west-1:111122223333:function:resize:$LATEST",
            "arn:aws:lambda:eu-west-1:111122223333:function:resize",
        ),
        (
            lambda_functions.resource_id,
            "arn:aws:lambda:eu-west-1:111122223333:function:resize:7",
            "arn:aws:lambda:eu-west-1:111122223333:function:resize",
        ),
        (lambda n: dynamodb_tables.resource_id(HERE, n), "sessions", "arn:aws:dynamodb:eu-west-1:111122223333:table/sessions"),
        (eks_clusters.resource_id, "arn:aws:eks:eu-west-1:111122223333:cluster/apps", "arn:aws:eks:eu-west-1:111122223333:cluster/apps"),
        (
            lambda n: elasticache_clusters.resource_id(HERE, n),
            "cache-0001-001",
            "arn:aws:elasticache:eu-west-1:111122223333:cluster:cache-0001-001",
        ),
        (tagging.resource_id, "arn:aws:sqs:eu-west-1:111122223333:jobs", "arn:aws:sqs:eu-west-1:111122223333:jobs"),
        (lambda s: ebs_snapshots.resource_id(CHINA, s), "snap-0abc", "arn:aws-cn:ec2:cn-north-1:111122223333:snapshot/snap-0abc"),
    ],
)
def test_each_type_names_its_resources_as_the_cur_does(mapping, native, cur_id):
    assert mapping(native) == cur_id


@pytest.mark.parametrize(
    ("location_constraint", "region"), [(None, "us-east-1"), ("", "us-east-1"), ("EU", "eu-west-1"), ("eu-west-1", "eu-west-1")]
)
def test_a_bucket_location_is_its_region(location_constraint, region):
    assert s3_buckets.bucket_region(location_constraint) == region


@pytest.mark.parametrize(
    ("arn", "kind"),
    [
        ("arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc", "ec2:instance"),
        ("arn:aws:rds:eu-west-1:111122223333:db:orders", "rds:db"),
        ("arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/50dc", "elasticloadbalancing:loadbalancer"),
        ("arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/73e2", "elasticloadbalancing:targetgroup"),
        ("arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/api", "logs:log-group"),
        ("arn:aws:sqs:eu-west-1:111122223333:jobs", "sqs:queue"),
        ("arn:aws:s3:::checkout-assets", "s3:bucket"),
        ("arn:aws:kms:eu-west-1:111122223333:key/1234abcd", "kms:key"),
    ],
)
def test_the_tagging_api_types_a_resource_by_its_arn(arn, kind):
    assert tagging.arn_type(arn) == kind


def test_the_tagging_scanner_leaves_every_scanned_type_to_its_scanner():
    assert sorted(TAGGING.scan.keywords["covered"]) == [
        "dynamodb:table",
        "ec2:elastic-ip",
        "ec2:instance",
        "ec2:natgateway",
        "ec2:snapshot",
        "ec2:volume",
        "eks:cluster",
        "elasticache:cluster",
        "elasticloadbalancing:loadbalancer",
        "lambda:function",
        "rds:cluster",
        "rds:db",
        "s3:bucket",
    ]
    assert list(SCANNERS) == [
        "ec2:instance",
        "ec2:volume",
        "ec2:snapshot",
        "ec2:elastic-ip",
        "ec2:natgateway",
        "elbv2:loadbalancer",
        "elb:loadbalancer",
        "rds:db",
        "rds:cluster",
        "s3:bucket",
        "lambda:function",
        "dynamodb:table",
        "eks:cluster",
        "elasticache:cluster",
    ]


def test_times_land_as_naive_utc():
    assert utc(dt.datetime(2026, 3, 1, 9, 30, tzinfo=tzoffset(None, 2 * 3600))) == dt.datetime(2026, 3, 1, 7, 30)
    assert utc(None) is None
