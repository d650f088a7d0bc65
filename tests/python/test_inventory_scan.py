"""`sibyl load inventory` against a moto estate: every scanned type across two regions and two accounts, what lands
in the raw tables, a place denied, throttling past the retries, the errors that stop a scan before it reads."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import math
import re

import boto3
import pytest

from aws_estate import ACCOUNT, ORG_ROLE, REGIONS, Expected, answer_instead, aws_answer, build_estate, found, member_session
from expected import tag_verdict
from helpers import invoke, warehouse_rows
from sibyl.inventory.accounts import resolve_accounts
from sibyl.inventory.command import ScanRequest, scan_estate
from sibyl.inventory.regions import resolve_regions
from sibyl.inventory.scan import Read, Resource, Scan
from sibyl.inventory.scanners import ALL_SCANNERS
from sibyl.inventory.snapshot import write_snapshot

TYPES = [s.resource_type for s in ALL_SCANNERS]  # the 14 scanners and `tagging`
SCAN_REGIONS = [arg for region in REGIONS for arg in ("--region", region)]


def landed() -> list[Expected]:
    """The resources in the raw tables, with their tags read back from the tag sets."""
    tags = {}
    for set_id, key, value in warehouse_rows("select tag_set_id, tag_key, tag_value from raw.inventory_tag_sets"):
        tags.setdefault(set_id, []).append((key, value))
    rows = warehouse_rows("select account_id, region, resource_type, resource_id, arn, name, tag_set_id from raw.inventory_resources")
    return sorted(Expected(*row[:6], tuple(sorted(tags.get(row[6], [])))) for row in rows)


def scan_row() -> tuple:
    [row] = warehouse_rows("select scan_id, status, accounts, regions, resource_count, failed_read_count, source from raw.inventory_scans")
    return row


def test_a_scan_finds_every_resource_of_every_type_in_every_place(aws):
    member, member_aws = member_session()
    expected = build_estate(boto3.Session(), ACCOUNT) + build_estate(member_aws, member)

    scan = scan_estate(ScanRequest(regions=REGIONS, organization_role=ORG_ROLE))

    assert found(scan.resources) == sorted(expected)
    assert {e.resource_type for e in expected} == {*TYPES[:-1], "tagging:sqs:queue"}  # every type, and the Tagging API's
    assert (scan.status, scan.accounts, scan.regions) == ("completed", sorted([ACCOUNT, member]), sorted(REGIONS))
    assert sorted((r.account_id, r.region, r.resource_type, r.status) for r in scan.reads) == sorted(
        itertools.product([ACCOUNT, member], REGIONS, TYPES, ["complete"])
    )
    # What only an inventory shows: a stopped instance, a volume attached to nothing, an address associated with nothing.
    states = {(r.resource_type, r.name or "", r.state) for r in scan.resources if r.account_id == ACCOUNT and r.region == "eu-west-1"}
    assert {
        ("ec2:instance", "", "stopped"),
        ("ec2:volume", "data-eu-west-1", "available"),
        ("ec2:elastic-ip", "", "unassociated"),
    } <= states
    no_creation_time = {r.resource_type for r in scan.resources if r.created_at is None}
    assert no_creation_time == {"ec2:elastic-ip", "lambda:function", "tagging:sqs:queue"}  # what AWS does not say
    assert all(r.created_at.tzinfo is None for r in scan.resources if r.created_at)


def test_a_loaded_scan_holds_exactly_what_was_found(target, aws):
    member, member_aws = member_session()
    expected = build_estate(boto3.Session(), ACCOUNT) + build_estate(member_aws, member)

    result = invoke("load", "inventory", *SCAN_REGIONS, "--organization-role", ORG_ROLE)

    assert result.exit_code == 0, result.output
    scan_id = scan_row()[0]
    assert scan_row() == (scan_id, "completed", ",".join(sorted([ACCOUNT, member])), "eu-west-1,us-east-1", 68, 0, "api")
    assert result.stderr == f"inventory scan {scan_id}: completed, 68 resources, 60 places read, 0 failed; loaded into {target}\n"
    assert landed() == sorted(expected)
    assert warehouse_rows("select count(*), count(distinct resource_type) from raw.inventory_reads where status = 'complete'") == [(60, 15)]

    # Built: the untagged list is every resource the scan found whose tags are wrong, as the seeds judge them,
    # the Tagging API's finds included; those whose team or service tag names a known team are suggested to it.
    assert invoke("build").exit_code == 0
    verdicts = {e: tag_verdict(dict(e.tags)) for e in expected}
    assert sorted(
        warehouse_rows(
            "select account_id, region, resource_type, resource_id, source, missing_tags, invalid_tags, monthly_cost "
            "from marts.untagged_resources"
        )
    ) == sorted(
        (e.account_id, e.region, e.resource_type, e.resource_id, "inventory", *verdict, 0.0)
        for e, verdict in verdicts.items()
        if verdict != (None, None)
    )
    suggested = dict(
        warehouse_rows("select resource_id, suggested_owner from marts.untagged_resources where suggested_owner_reason like '%tag'")
    )
    assert suggested and set(suggested.values()) == {"checkout"}


def test_a_place_denied_is_named_and_lands_nothing_while_the_rest_lands(target, aws, every_client):
    expected = build_estate(boto3.Session(), ACCOUNT)
    # Classic ELBs of eu-west-1 are listed, then their tags refused: the place failed halfway.
    denied = "User: arn:aws:sts::123456789012:user/moto is not authorized to perform: elasticloadbalancing:DescribeTags"
    answer_instead(every_client, "elb", "DescribeTags", lambda _: aws_answer(403, "AccessDenied", denied), region="eu-west-1")

    result = invoke("load", "inventory", *SCAN_REGIONS)

    assert result.exit_code == 0, result.output  # partial is not an error: everything else is there
    scan_id = scan_row()[0]
    assert scan_row() == (scan_id, "partial", ACCOUNT, "eu-west-1,us-east-1", 33, 1, "api")
    assert result.stderr == (
        f"inventory scan {scan_id}: partial, 33 resources, 30 places read, 1 failed; loaded into {target}\n"
        f"  not read: account {ACCOUNT} region eu-west-1 elb:loadbalancer: AccessDenied: {denied}\n"
    )
    assert warehouse_rows(
        "select account_id, region, resource_type, status, error_code, error_message, api_calls "
        "from raw.inventory_reads where status <> 'complete'"
    ) == [(ACCOUNT, "eu-west-1", "elb:loadbalancer", "failed", "AccessDenied", denied, 2)]
    lost = [e for e in expected if (e.region, e.resource_type) == ("eu-west-1", "elb:loadbalancer")]
    assert len(lost) == 1
    assert landed() == [e for e in expected if e not in lost]


def test_a_place_that_fails_halfway_contributes_none_of_what_it_saw(aws, every_client):
    elasticache = boto3.client("elasticache", region_name="eu-west-1")
    for name in ("cache-a", "cache-b", "cache-c"):
        elasticache.create_cache_cluster(CacheClusterId=name, Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1)
    # The first cluster's tags are read (and the cluster reported to the runner), the second's refused.
    denied = "User: arn:aws:sts::123456789012:user/moto is not authorized to perform: elasticache:ListTagsForResource"
    attempts = answer_instead(
        every_client, "elasticache", "ListTagsForResource", lambda n: aws_answer(403, "AccessDenied", denied) if n == 2 else None
    )

    scan = scan_estate(ScanRequest(regions=("eu-west-1",)))

    assert len(attempts) == 2
    assert Read(ACCOUNT, "eu-west-1", "elasticache:cluster", "failed", "AccessDenied", denied, api_calls=3) in scan.reads
    assert (scan.status, scan.resources) == ("partial", [])


def throttle_rds(every_client, times: int) -> list[str]:
    """RDS answers Throttling to the first `times` attempts at listing databases; returns the attempts made."""
    return answer_instead(
        every_client, "rds", "DescribeDBInstances", lambda n: aws_answer(400, "Throttling", "Rate exceeded") if n <= times else None
    )


def test_throttling_within_the_bound_is_retried_until_it_succeeds(aws, every_client):
    expected = build_estate(boto3.Session(), ACCOUNT, regions=["us-east-1"])
    attempts = throttle_rds(every_client, times=2)

    scan = scan_estate(ScanRequest(regions=("us-east-1",), max_attempts=3))

    assert len(attempts) == 3
    assert Read(ACCOUNT, "us-east-1", "rds:db", "complete", api_calls=3) in scan.reads
    assert (scan.status, found(scan.resources)) == ("completed", expected)


def test_throttling_past_the_bound_is_recorded_after_exactly_the_bound(aws, every_client):
    expected = build_estate(boto3.Session(), ACCOUNT, regions=["us-east-1"])
    attempts = throttle_rds(every_client, times=1_000)

    scan = scan_estate(ScanRequest(regions=("us-east-1",), max_attempts=4))

    assert len(attempts) == 4
    assert Read(ACCOUNT, "us-east-1", "rds:db", "failed", "Throttling", "Rate exceeded", api_calls=4) in scan.reads
    assert (scan.status, found(scan.resources)) == ("partial", [e for e in expected if e.resource_type != "rds:db"])


# --- errors before any read: one line, exit 2, the warehouse as it was -------------------------------------


def small_snapshot(path) -> None:
    """A scan written by hand: what the warehouse holds before a command that must change nothing."""
    scan = Scan("20260101T000000-0a0b0c0d", dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 1, 0, 1), ["111122223333"], ["eu-west-1"])
    scan.reads.append(Read("111122223333", "eu-west-1", "ec2:volume", "complete", api_calls=1))
    scan.resources.append(
        Resource(
            "111122223333", "eu-west-1", "ec2:volume", "vol-0a", "arn:aws:ec2:eu-west-1:111122223333:volume/vol-0a", tags={"team": "x"}
        )
    )
    write_snapshot(scan, path)


INVENTORY_STATE = (
    "select scan_id, started_at, finished_at, status, accounts, regions, resource_count, failed_read_count, source "
    "from raw.inventory_scans",
    "select * from raw.inventory_reads order by scan_id, account_id, region, resource_type",
    "select * from raw.inventory_resources order by scan_id, account_id, region, resource_type, resource_id",
    "select * from raw.inventory_tag_sets order by tag_set_id, tag_key",
    "select table_name from information_schema.tables where table_schema = 'raw' order by 1",
)


def inventory_state() -> list[list[tuple]]:
    return [warehouse_rows(sql) for sql in INVENTORY_STATE]


@pytest.fixture
def loaded_before(target, tmp_path) -> list[list[tuple]]:
    """The warehouse holding one small scan; returns its inventory state."""
    small_snapshot(tmp_path / "before.jsonl.gz")
    invoke("load", "inventory", "--from-file", str(tmp_path / "before.jsonl.gz"), check=True)
    return inventory_state()


def _no_credentials(monkeypatch, every_client) -> list[str]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    return []


def _role_refused(monkeypatch, every_client) -> list[str]:
    refused = (
        "User: arn:aws:sts::123456789012:user/moto is not authorized to perform: sts:AssumeRole "
        "on resource: arn:aws:iam::222222222222:role/gone"
    )
    answer_instead(every_client, "sts", "AssumeRole", lambda _: aws_answer(403, "AccessDenied", refused))
    return ["--role-arn", "arn:aws:iam::222222222222:role/gone"]


def _unknown_region(monkeypatch, every_client) -> list[str]:
    return ["--region", "us-east-1", "--region", "mars-north-1"]


def _regions_twice(monkeypatch, every_client) -> list[str]:
    return ["--region", "us-east-1", "--all-regions"]


def _accounts_twice(monkeypatch, every_client) -> list[str]:
    return ["--role-arn", "arn:aws:iam::222222222222:role/read", "--organization-role", ORG_ROLE]


@pytest.mark.parametrize(
    ("arrange", "message"),
    [
        (
            _no_credentials,
            "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them",
        ),
        (
            _role_refused,
            "cannot assume role arn:aws:iam::222222222222:role/gone (AccessDenied: User: arn:aws:sts::123456789012:user/moto is not "
            "authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/gone): allow "
            "arn:aws:sts::123456789012:user/moto sts:AssumeRole on it, and trust it in the role's trust policy",
        ),
        (
            _unknown_region,
            "unknown region 'mars-north-1': account 123456789012 knows no such region; "
            "check --region against `aws ec2 describe-regions --all-regions`",
        ),
        (_regions_twice, "--region and --all-regions exclude each other: give the regions, or ask for all of them"),
        (
            _accounts_twice,
            "--role-arn and --organization-role exclude each other: give the roles, or the role name to use in every account",
        ),
    ],
)
def test_what_stops_a_scan_before_it_reads_is_one_line_and_exit_2(aws, loaded_before, monkeypatch, every_client, arrange, message):
    args = arrange(monkeypatch, every_client)

    result = invoke("load", "inventory", *args)

    assert (result.exit_code, result.output) == (2, f"error: {message}\n")
    assert inventory_state() == loaded_before


def test_all_regions_are_those_enabled_in_the_account_and_the_default_is_the_sessions(aws):
    accounts = resolve_accounts(boto3.Session())

    every = resolve_regions(accounts, all_regions=True)[ACCOUNT]

    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= set(every)
    assert not {"ap-east-1", "me-south-1", "il-central-1"} & set(every)  # opt-in regions this account has not enabled
    assert resolve_regions(accounts) == {ACCOUNT: ["us-east-1"]}  # AWS_DEFAULT_REGION


# --- snapshots -------------------------------------------------------------------------------------------

RESOURCE_COLUMNS = "account_id, region, resource_type, resource_id, arn, name, state, created_at, tag_set_id"


def test_a_snapshot_loads_the_same_rows_as_a_direct_load(target, aws, tmp_path):
    build_estate(boto3.Session(), ACCOUNT)
    snapshot = tmp_path / "scan.jsonl.gz"

    written = invoke("load", "inventory", *SCAN_REGIONS, "--to-file", str(snapshot))
    from_file = invoke("load", "inventory", "--from-file", str(snapshot))
    direct = invoke("load", "inventory", *SCAN_REGIONS)

    assert [r.exit_code for r in (written, from_file, direct)] == [0, 0, 0], written.output + from_file.output + direct.output
    assert re.fullmatch(
        rf"inventory scan (\S+): completed, 34 resources, 30 places read, 0 failed; wrote {snapshot} "
        rf"\(load it with `sibyl load inventory --from-file {snapshot}`\)\n",
        written.stderr,
    )
    by_source = dict(warehouse_rows("select source, scan_id from raw.inventory_scans"))
    assert sorted(by_source) == sorted(["api", str(snapshot)])
    file_scan, api_scan = by_source[str(snapshot)], by_source["api"]
    assert from_file.stderr.startswith(f"inventory scan {file_scan}: completed, 34 resources, 30 places read, 0 failed; loaded into")

    def rows(sql, scan_id):
        return warehouse_rows(sql.format(scan_id=scan_id))

    for sql in (
        f"select {RESOURCE_COLUMNS} from raw.inventory_resources where scan_id = '{{scan_id}}' order by {RESOURCE_COLUMNS}",
        "select account_id, region, resource_type, status from raw.inventory_reads where scan_id = '{scan_id}' order by 1, 2, 3",
        "select sum(api_calls) from raw.inventory_reads where scan_id = '{scan_id}'",
        "select status, accounts, regions, resource_count, failed_read_count from raw.inventory_scans where scan_id = '{scan_id}'",
        "select distinct t.* from raw.inventory_tag_sets t join raw.inventory_resources r using (tag_set_id) "
        "where r.scan_id = '{scan_id}' order by 1, 2",
    ):
        assert rows(sql, file_scan) == rows(sql, api_scan)
    assert len(rows(f"select {RESOURCE_COLUMNS} from raw.inventory_resources where scan_id = '{{scan_id}}'", file_scan)) == 34


@pytest.mark.parametrize("damage", ["version 99", "cut short"])
def test_a_snapshot_of_another_version_or_cut_short_is_refused_and_loads_nothing(loaded_before, tmp_path, damage):
    path = tmp_path / "damaged.jsonl.gz"
    small_snapshot(path)
    raw = gzip.decompress(path.read_bytes()).decode()
    if damage == "version 99":
        path.write_bytes(gzip.compress(raw.replace('"version": 1', '"version": 99', 1).encode()))
        message = (
            f"{path}: inventory snapshot version 99 is not one this Sibyl reads (1); load it with the Sibyl that wrote it, or scan again"
        )
    else:
        path.write_bytes(gzip.compress("".join(raw.splitlines(keepends=True)[:-1]).encode()))  # the end line lost
        message = f"{path}: the snapshot is cut short (no end line, or fewer records than it announces): write it again"

    result = invoke("load", "inventory", "--from-file", str(path))

    assert (result.exit_code, result.output) == (1, f"error: {message}\n")
    assert inventory_state() == loaded_before


def test_a_snapshot_cut_mid_file_is_refused(loaded_before, tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    small_snapshot(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # the copy stopped halfway

    result = invoke("load", "inventory", "--from-file", str(path))

    assert (result.exit_code, result.output) == (
        1,
        f"error: {path}: not a readable inventory snapshot (EOFError: Compressed file ended before the end-of-stream marker "
        "was reached); write it again with --to-file\n",
    )
    assert inventory_state() == loaded_before


def test_a_snapshot_takes_no_scan_options(tmp_path):
    result = invoke("load", "inventory", "--from-file", str(tmp_path / "any.jsonl.gz"), "--region", "eu-west-1", "--concurrency", "2")

    assert (result.exit_code, result.output) == (
        2,
        "error: --from-file loads a snapshot as it was scanned: it takes no scan options (--region, --concurrency); drop them\n",
    )


# --- calls a scan makes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [30, 130])
def test_calls_grow_linearly_paged_and_batched(aws, n):
    """N classic load balancers: one page of descriptions (400 a page) and their tags 20 a call. N DynamoDB tables:
    names 100 a page, then a description and a tag listing per table."""
    elb, dynamodb = boto3.client("elb", region_name="eu-west-1"), boto3.client("dynamodb", region_name="eu-west-1")
    for i in range(n):
        elb.create_load_balancer(
            LoadBalancerName=f"lb-{i}",
            Listeners=[{"Protocol": "http", "LoadBalancerPort": 80, "InstancePort": 80}],
            AvailabilityZones=["eu-west-1a"],
        )
        dynamodb.create_table(
            TableName=f"table-{i}",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )

    scan = scan_estate(ScanRequest(regions=("eu-west-1",)))

    calls = {r.resource_type: r.api_calls for r in scan.reads}
    assert (calls["elb:loadbalancer"], calls["dynamodb:table"]) == (1 + math.ceil(n / 20), math.ceil(n / 100) + 2 * n)
    # Every other place: one call, its answer empty (S3's is the account's bucket listing).
    assert {t: c for t, c in calls.items() if t not in ("elb:loadbalancer", "dynamodb:table")} == {
        t: 1 for t in TYPES if t not in ("elb:loadbalancer", "dynamodb:table")
    }
