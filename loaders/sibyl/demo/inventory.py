"""The demo organisation's estate as an inventory scan finds it, consistent with its CUR.

    write_demo_inventory(Path("demo-data"), months=3, lines=60_000, seed=42, end_date=dt.date(2026, 11, 15))

`demo_scan(estate)` is the scan `sibyl load inventory` would make at midnight UTC ending the CUR's last usage day:
- every resource of a type the scanners read whose usage falls in the CUR's last 30 days, with the id,
  account and region of its CUR lines and the tags of its latest usage as AWS spells them (`Team`, where
  the CUR has `user:Team`). AWS-generated cost allocation tags (`aws:createdBy`) exist only in billing,
  so the scan has none. A resource whose usage stopped before the last day is still there: an instance
  or a database stopped, anything else idle. The first volume, and about a quarter of the others, are
  attached to nothing (state `available`): the CUR bills them, only the scan says they are orphans;
- what only an inventory shows (inventory_only.py): stopped instances with no usage, old snapshots,
  Elastic IPs not associated, and their tags as people leave them;
- one complete read of every (account, region, resource type) of the organisation.

It draws from a random stream of its own, never the estate's, so the CUR's bytes do not change; its
scan id and times come from the end date, not the clock, so the same arguments give the same snapshot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from collections import Counter
from pathlib import Path

from sibyl.inventory.scan import READ_COMPLETE, Read, Resource, Scan
from sibyl.inventory.snapshot import write_snapshot

from . import catalog
from . import organisation as org
from .column_tables import KIND_NAMES
from .estate import Estate
from .estate_builder import build_estate
from .inventory_only import inventory_only_resources

# Where `sibyl generate cur` writes the snapshot, under its output folder (CUR discovery does not look there).
SNAPSHOT_PATH = Path("inventory") / "sibyl-demo-inventory.jsonl.gz"

# The demo's kinds of resource a scanner reads, by the resource type the scan names them.
RESOURCE_TYPES: dict[str, str] = {
    "ec2": "ec2:instance",
    "ebs": "ec2:volume",
    "rds": "rds:db",
    "s3": "s3:bucket",
    "lambda": "lambda:function",
    "dynamodb": "dynamodb:table",
    "nat": "ec2:natgateway",
    "alb": "elbv2:loadbalancer",
    "eks": "eks:cluster",
    "elasticache": "elasticache:cluster",
}
# Every type the scanners read: the scan reads each one in every account and region, found or not.
SCANNED_TYPES = (
    *RESOURCE_TYPES.values(),
    "ec2:snapshot",
    "ec2:elastic-ip",
    "elb:loadbalancer",
    "rds:cluster",
)
# AWS's own words for a resource in use, and for one whose usage stopped (instances and databases stop;
# the other kinds stay, idle, under their usual state). S3 gives a bucket no state.
ACTIVE_STATES = {
    "ec2": "running",
    "ebs": "in-use",
    "rds": "available",
    "s3": None,
    "lambda": "Active",
    "dynamodb": "ACTIVE",
    "nat": "available",
    "alb": "active",
    "eks": "ACTIVE",
    "elasticache": "available",
}
STOPPED_STATES = {"ec2": "stopped", "rds": "stopped"}
WINDOW_DAYS = 30  # the marts' cost window: every resource billed in it is in the scan
UNATTACHED_SHARE = 0.25
PAGE_SIZE = 100  # resources per API page, for each read's call count


def write_demo_inventory(out_dir: Path, *, months: int, lines: int, seed: int, end_date: dt.date) -> tuple[Path, Scan]:
    """Write the snapshot of the estate `generate_cur` draws from the same arguments; return its path and scan."""
    scan = demo_scan(build_estate(seed, end_date, months, lines))
    path = Path(out_dir) / SNAPSHOT_PATH
    write_snapshot(scan, path)
    return path, scan


def demo_scan(estate: Estate) -> Scan:
    """The scan of the estate at midnight UTC after its last usage day (never later than now for `sibyl demo`)."""
    rng = random.Random(f"sibyl demo inventory {estate.seed}")
    started = dt.datetime.combine(estate.day_date(estate.n_days), dt.time())
    billed = billed_resources(estate, rng)
    resources = billed + inventory_only_resources(rng, started, len(billed))
    reads = _reads(resources)
    return Scan(
        scan_id=f"{started:%Y%m%dT%H%M%S}-{_fingerprint(estate)}",
        started_at=started,
        finished_at=started + dt.timedelta(seconds=len(reads) // 4),  # a few places read at a time
        accounts=sorted(a.account_id for a in org.ACCOUNTS),
        regions=sorted(r.code for r in catalog.REGIONS),
        resources=resources,
        reads=reads,
    )


def billed_resources(estate: Estate, rng: random.Random) -> list[Resource]:
    """The scanned kinds of resource with usage in the CUR's last `WINDOW_DAYS` days, in the estate's order."""
    res = estate.resources
    first_day = estate.n_days - WINDOW_DAYS
    found, volumes = [], 0
    for r in range(len(res)):
        kind = KIND_NAMES[res.kind[r]]
        if kind not in RESOURCE_TYPES or res.end[r] < first_day:
            continue
        # both drawn for every resource, so one resource's draws never shift the next one's
        days_before_window, unattached = rng.randint(1, 900), rng.random() < UNATTACHED_SHARE
        state = ACTIVE_STATES[kind] if res.end[r] == estate.n_days - 1 else STOPPED_STATES.get(kind, ACTIVE_STATES[kind])
        if kind == "ebs":
            state = "available" if unattached or volumes == 0 else state
            volumes += 1
        found.append(_resource(estate, r, kind, state, _created_at(estate, r, days_before_window)))
    return found


def _resource(estate: Estate, r: int, kind: str, state: str | None, created_at: dt.datetime) -> Resource:
    res = estate.resources
    account, region, resource_id = org.ACCOUNTS[res.account[r]].account_id, catalog.REGIONS[res.region[r]].code, res.ids[r]
    tags = {k: v for k, v in res.tags(r).items() if not k.startswith("aws:")}
    return Resource(
        account_id=account,
        region=region,
        resource_type=RESOURCE_TYPES[kind],
        resource_id=resource_id,
        arn=_arn(kind, resource_id, region, account),
        name=_name(kind, resource_id, tags),
        state=state,
        created_at=created_at,
        tags=tags,
    )


def _created_at(estate: Estate, r: int, days_before_window: int) -> dt.datetime:
    """When the resource first appears in the CUR; one there from the window's first hour is older."""
    res = estate.resources
    window_start = dt.datetime.combine(estate.window_start, dt.time())
    if res.start[r] == 0 and res.start_hour[r] == 0:
        return window_start - dt.timedelta(days=days_before_window)
    return window_start + dt.timedelta(days=int(res.start[r]), hours=int(res.start_hour[r]))


def _arn(kind: str, resource_id: str, region: str, account: str) -> str:
    """The resource's ARN: the CUR names instances and volumes by their bare id and buckets by name."""
    if kind == "ec2":
        return f"arn:aws:ec2:{region}:{account}:instance/{resource_id}"
    if kind == "ebs":
        return f"arn:aws:ec2:{region}:{account}:volume/{resource_id}"
    if kind == "s3":
        return f"arn:aws:s3:::{resource_id}"
    return resource_id


def _name(kind: str, resource_id: str, tags: dict[str, str]) -> str | None:
    """The name AWS shows: the `Name` tag of instances, volumes and NAT gateways, else the one in the id."""
    if kind in ("ec2", "ebs", "nat"):
        return tags.get("Name")
    if kind == "s3":
        return resource_id
    if kind == "alb":  # arn:...:loadbalancer/app/<name>/<id>
        return resource_id.split("/")[-2]
    if kind == "rds":
        return resource_id.split(":db:", 1)[1]
    return re.split("[:/]", resource_id)[-1]


def _reads(resources: list[Resource]) -> list[Read]:
    """One complete read per (account, region, type), with the API pages it took."""
    found = Counter((r.account_id, r.region, r.resource_type) for r in resources)
    return [
        Read(
            account.account_id,
            region.code,
            kind,
            READ_COMPLETE,
            api_calls=max(1, -(-found[account.account_id, region.code, kind] // PAGE_SIZE)),
        )
        for account in org.ACCOUNTS
        for region in catalog.REGIONS
        for kind in SCANNED_TYPES
    ]


def _fingerprint(estate: Estate) -> str:
    """Eight hex digits of what drew the estate: another seed or size is another scan, not one already loaded."""
    drawn = f"{estate.seed}|{estate.window_start}|{estate.n_days}|{len(estate.resources)}|{estate.expected_lines}"
    return hashlib.sha256(drawn.encode()).hexdigest()[:8]
