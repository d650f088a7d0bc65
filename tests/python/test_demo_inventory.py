"""The demo's inventory snapshot: the resources of its CUR under the same ids, accounts, regions and tags, plus
what only an inventory shows. `sibyl generate cur` writes it, `sibyl load cur` ignores it, `sibyl demo` loads it.
Expected values come from the CUR's Parquet files (pyarrow) and the seed CSVs, not from the generator."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
from pathlib import Path

import pytest

from conftest import DEMO_END_DATE
from delivery_readers import data_files, delivery_manifests, manifest_table, period_manifests, totals_by_period
from expected import known_teams, resolve_tags
from helpers import invoke, loaded_by_period, warehouse_rows
from sibyl.config import Settings
from sibyl.cur.discover import discover
from sibyl.demo.estate_builder import build_estate
from sibyl.demo.inventory import demo_scan
from sibyl.inventory.load import load_scan
from sibyl.inventory.scan import Read, Scan
from sibyl.inventory.snapshot import read_snapshot
from sibyl.warehouse import connect

SNAPSHOT = Path("inventory") / "sibyl-demo-inventory.jsonl.gz"
DEMO_ARGS = {"months": 3, "lines": 20_000, "seed": 7}
DEMO_OPTIONS = [*(f"--{k}={v}" for k, v in DEMO_ARGS.items()), f"--end-date={DEMO_END_DATE}"]
# How the CUR names each type a scanner reads (line_item_resource_id); S3 buckets are the AmazonS3 lines named by a bare name.
CUR_ID_PATTERNS = {
    "ec2:instance": r"i-[0-9a-f]{17}",
    "ec2:volume": r"vol-[0-9a-f]{17}",
    "rds:db": r"arn:aws:rds:[a-z0-9-]+:\d{12}:db:.+",
    "lambda:function": r"arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[^:]+",
    "dynamodb:table": r"arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table/.+",
    "ec2:natgateway": r"arn:aws:ec2:[a-z0-9-]+:\d{12}:natgateway/nat-[0-9a-f]{17}",
    "elbv2:loadbalancer": r"arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer/app/.+",
    "eks:cluster": r"arn:aws:eks:[a-z0-9-]+:\d{12}:cluster/.+",
    "elasticache:cluster": r"arn:aws:elasticache:[a-z0-9-]+:\d{12}:cluster:.+",
}
SCANNED_TYPES = {*CUR_ID_PATTERNS, "s3:bucket"}
REQUIRED = {"team", "service", "environment"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """`sibyl generate cur` of the suite's demo CUR (conftest's demo_cur): the CUR and its inventory snapshot."""
    out = tmp_path_factory.mktemp("generated")
    result = invoke("generate", "cur", str(out), *DEMO_OPTIONS, check=True)
    scan = read_snapshot(out / SNAPSHOT)
    assert (
        result.stdout.splitlines()[1]
        == f"wrote the inventory snapshot {out / SNAPSHOT}: {len(scan.resources)} resources in scan {scan.scan_id}"
    )
    return out


@pytest.fixture(scope="module")
def scan(generated):
    return read_snapshot(generated / SNAPSHOT)


def _of_type(scan, resource_type: str) -> list:
    return [r for r in scan.resources if r.resource_type == resource_type]


def _cur_type(resource_id: str, product_code: str) -> str | None:
    if product_code == "AmazonS3" and resource_id and not resource_id.startswith("arn:"):
        return "s3:bucket"
    return next((kind for kind, pattern in CUR_ID_PATTERNS.items() if re.fullmatch(pattern, resource_id or "")), None)


def _cur_resources(cur_root: Path) -> dict[tuple[str, str, str, str], dict]:
    """{(account, region, type, resource id): its latest line's usage start and tags} of the scanned types."""
    latest: dict[tuple[str, str, str, str], dict] = {}
    for manifest in period_manifests(cur_root):
        table = manifest_table(manifest)
        tag_columns = [c for c in table.column_names if c.startswith("resource_tags_")]
        for row in table.to_pylist():
            kind = _cur_type(row["line_item_resource_id"], row["line_item_product_code"])
            if kind is None:
                continue
            key = (row["line_item_usage_account_id"], row["product_region_code"], kind, row["line_item_resource_id"])
            if key not in latest or row["line_item_usage_start_date"] >= latest[key]["start"]:
                latest[key] = {"start": row["line_item_usage_start_date"], "tags": {c: row[c] for c in tag_columns if row[c]}}
    return latest


def _billed_in_window(cur_root: Path) -> dict[tuple[str, str, str, str], dict]:
    window_start = dt.datetime.combine(DEMO_END_DATE - dt.timedelta(days=30), dt.time())
    return {key: line for key, line in _cur_resources(cur_root).items() if line["start"] >= window_start}


def _required(tags: dict[str, str]) -> dict[str, str]:
    """The required tags and the name, normalized by the seeds' rules (the CUR's columns spell other keys their own way)."""
    return {k: v for k, v in resolve_tags(tags).items() if k in {*REQUIRED, "name"}}


def _keyed(scan) -> dict[tuple[str, str, str, str], object]:
    return {(r.account_id, r.region, r.resource_type, r.resource_id): r for r in scan.resources}


def test_every_resource_billed_in_the_last_30_days_is_in_the_scan_with_its_account_region_and_tags(generated, scan):
    billed = _billed_in_window(generated)
    inventory = _keyed(scan)

    assert {kind for _, _, kind, _ in billed} == SCANNED_TYPES  # every type, so each one's id form is checked
    assert set(billed) <= set(inventory)
    for key, line in billed.items():
        tags = inventory[key].tags
        assert _required(tags) == _required(line["tags"]), key
        assert not any(k.startswith(("user:", "resource_tags_", "aws:")) for k in tags), key  # AWS's own keys, not the CUR's columns
    # what the scan has of those types beyond the window's CUR: only stopped instances that never ran in it
    cur_ids = {resource_id for _, _, _, resource_id in _cur_resources(generated)}
    beyond = [r for key, r in inventory.items() if r.resource_type in SCANNED_TYPES and key not in billed]
    assert beyond and {(r.resource_type, r.state) for r in beyond} == {("ec2:instance", "stopped")}
    assert not cur_ids & {r.resource_id for r in beyond}


def test_the_scan_keeps_the_demos_messy_tag_keys(scan):
    keys = {k for r in scan.resources for k in r.tags}

    assert {"team", "Team", "TEAM", "team_name", "owner-team", "app", "Service", "env", "stage", "Name"} <= keys


def test_what_only_an_inventory_shows_is_there(generated, scan):
    cur_ids = {resource_id for _, _, _, resource_id in _cur_resources(generated)}

    assert any(r.state == "stopped" and r.resource_id not in cur_ids for r in _of_type(scan, "ec2:instance"))
    unattached = [r for r in _of_type(scan, "ec2:volume") if r.state == "available"]
    assert unattached and {r.resource_id for r in unattached} <= cur_ids  # billed, but attached to nothing
    snapshots = _of_type(scan, "ec2:snapshot")
    assert any(r.created_at < scan.started_at - dt.timedelta(days=365) for r in snapshots)
    assert all(re.fullmatch(r"arn:aws:ec2:[a-z0-9-]+:\d{12}:snapshot/snap-[0-9a-f]{17}", r.resource_id) for r in snapshots)
    addresses = _of_type(scan, "ec2:elastic-ip")
    assert {r.state for r in addresses} == {"associated", "unassociated"}
    assert all(re.fullmatch(r"eipalloc-[0-9a-f]{17}", r.resource_id) for r in addresses)
    resolved = [resolve_tags(r.tags) for r in scan.resources]
    assert {"paymnets-core", "serach-ranking", "chekout", "data-warehose", "obsevability"} & {t.get("team") for t in resolved}
    assert any(t.get("team") and t["team"] not in known_teams() for t in resolved)
    assert any(t and not set(t) >= REQUIRED for t in resolved)  # tagged, but missing a required key
    untagged_types = {r.resource_type for r in scan.resources if not r.tags}
    assert {"ec2:snapshot", "ec2:instance", "ec2:volume"} <= untagged_types


def test_one_complete_read_per_account_region_and_type(scan):
    places = {(r.account_id, r.region, r.resource_type) for r in scan.reads}

    assert len(places) == len(scan.reads) == 12 * 4 * 14
    assert {r.status for r in scan.reads} == {"complete"} and scan.status == "completed"
    assert {(r.account_id, r.region, r.resource_type) for r in scan.resources} <= places
    assert set(scan.accounts) == {a for a, _, _ in places} and set(scan.regions) == {r for _, r, _ in places}


def test_the_snapshot_is_the_scan_and_the_same_arguments_give_the_same_snapshot(generated, scan, tmp_path):
    again = tmp_path / "again"
    invoke("generate", "cur", str(again), *DEMO_OPTIONS, check=True)

    assert scan == demo_scan(build_estate(DEMO_ARGS["seed"], DEMO_END_DATE, DEMO_ARGS["months"], DEMO_ARGS["lines"]))
    assert gzip.decompress((again / SNAPSHOT).read_bytes()) == gzip.decompress((generated / SNAPSHOT).read_bytes())
    assert scan.scan_id.startswith("20261115T000000-") and scan.started_at == dt.datetime(2026, 11, 15)


def test_the_cur_is_the_one_generate_cur_writes_alone(generated, demo_cur):
    """The snapshot draws from a stream of its own: the CUR beside it is byte for byte the suite's demo CUR."""
    digests = {
        root: {p.relative_to(root): hashlib.sha256(p.read_bytes()).hexdigest() for p in (root / "cur").rglob("*") if p.is_file()}
        for root in (generated, demo_cur)
    }

    assert digests[generated] == digests[demo_cur]


@pytest.mark.parametrize("fmt", ["legacy-parquet", "legacy-csv", "cur2-parquet"])
def test_cur_discovery_does_not_take_the_snapshot_for_a_delivery(tmp_path, fmt):
    invoke("generate", "cur", str(tmp_path), "--lines=2000", "--months=2", f"--format={fmt}", "--end-date=2026-11-15", check=True)

    found = sorted(Path(f) for d in discover(str(tmp_path)) for f in d.files)
    assert (tmp_path / SNAPSHOT).is_file()
    assert found == sorted(f for m in delivery_manifests(tmp_path) for f in data_files(m))


def test_load_cur_of_the_generated_folder_loads_the_cur_alone(target, tmp_path):
    invoke("generate", "cur", str(tmp_path), "--lines=2000", "--months=2", "--end-date=2026-11-15", check=True)

    invoke("load", "cur", str(tmp_path), check=True)

    expected = totals_by_period(tmp_path)
    assert {period: (rows, round(cost, 2)) for period, (rows, cost) in loaded_by_period().items()} == {
        period: (rows, round(cost, 2)) for period, (rows, cost) in expected.items()
    }
    [(files,)] = warehouse_rows("select string_agg(files, ' ') from raw.cur_loads")
    assert "sibyl-demo-00001.snappy.parquet" in files and "inventory" not in files


def _tag_set_id(tags: dict[str, str]) -> str:
    """md5 over the sorted non-empty (key \\x1f value) pairs joined by \\x1e, as the data contract defines it."""
    return hashlib.md5("\x1e".join(f"{k}\x1f{v}" for k, v in sorted(tags.items()) if v).encode()).hexdigest()


def test_sibyl_demo_loads_the_inventory_snapshot(target, tmp_path):
    data_dir = tmp_path / "demo-data"

    result = invoke("demo", "--lines", "5000", "--data-dir", str(data_dir), check=True)

    scan = read_snapshot(data_dir / SNAPSHOT)
    assert f"loading the inventory: {len(scan.resources):,} resources in scan {scan.scan_id} ({data_dir / SNAPSHOT})" in result.stderr
    rows = warehouse_rows(
        "select scan_id, account_id, region, resource_type, resource_id, arn, name, state, created_at, tag_set_id "
        "from raw.inventory_resources"
    )
    expected = [
        (scan.scan_id, r.account_id, r.region, r.resource_type, r.resource_id, r.arn, r.name, r.state, r.created_at, _tag_set_id(r.tags))
        for r in scan.resources
    ]
    assert sorted(rows, key=str) == sorted(expected, key=str)
    tag_rows = warehouse_rows("select tag_set_id, tag_key, tag_value from raw.inventory_tag_sets")
    assert sorted(tag_rows) == sorted({(_tag_set_id(r.tags), k, v) for r in scan.resources for k, v in r.tags.items()})
    assert warehouse_rows("select scan_id, status, resource_count from raw.inventory_scans") == [
        (scan.scan_id, "completed", len(scan.resources))
    ]


def test_a_scan_of_several_batches_loads_whole_and_one_with_no_resources_loads_its_reads(target):
    scan = demo_scan(build_estate(3, DEMO_END_DATE, 1, 250_000))
    empty = Scan(
        "20261115T040000-empty",
        dt.datetime(2026, 11, 15, 4),
        accounts=["284619037552"],
        regions=["us-east-1"],
        reads=[Read("284619037552", "us-east-1", "ec2:instance", "failed", "AccessDenied", "not authorized")],
    )
    assert len(scan.resources) > 8_192  # more than one Arrow batch

    with connect(Settings.from_env()) as wh:
        load_scan(wh, scan, source="test")
        load_scan(wh, empty, source="test")

    rows = warehouse_rows("select scan_id, account_id, region, resource_type, resource_id, tag_set_id from raw.inventory_resources")
    assert sorted(rows) == sorted(
        (scan.scan_id, r.account_id, r.region, r.resource_type, r.resource_id, _tag_set_id(r.tags)) for r in scan.resources
    )
    assert sorted(warehouse_rows("select scan_id, count(*), cast(sum(api_calls) as bigint) from raw.inventory_reads group by 1")) == [
        (scan.scan_id, len(scan.reads), sum(r.api_calls for r in scan.reads)),  # 00:00 sorts before the empty scan's 04:00
        (empty.scan_id, 1, 0),
    ]
    assert warehouse_rows("select count(distinct tag_set_id) from raw.inventory_tag_sets") == [
        (len({_tag_set_id(r.tags) for r in scan.resources if r.tags}),)
    ]
