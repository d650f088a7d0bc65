"""A small estate for the compliance tests: two inventory scans of two accounts and two regions, and a CUR of some
of the same resources, written as AWS writes a legacy Parquet CUR. Each resource carries what the marts must say
of it, written by hand from the rules (docs: int_tag_set_compliance, untagged_resources); costs and times are
computed from the lines and scans made here, never read back from Sibyl."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import DEMO_END_DATE
from sibyl.inventory.scan import READ_COMPLETE, READ_FAILED, Read, Resource, Scan

A = "284619037552"  # owned by payments-core in account_owners.csv
B = "123456789012"  # owned by nobody
AS_OF = DEMO_END_DATE - dt.timedelta(days=1)  # the last complete usage day of the CUR below
WINDOW_START = AS_OF - dt.timedelta(days=29)
SCAN_1 = dt.datetime(2026, 11, 12, 6)
SCAN_2 = dt.datetime(2026, 11, 13, 6)
FULL = {"team": "payments-core", "service": "payments-api", "environment": "production"}
ALL_MISSING = "team, service, environment"


@dataclass(frozen=True)
class Verdict:
    """What the marts say of a resource: missing and invalid tags (None when compliant), owning team, suggested owner."""

    missing: str | None
    invalid: str | None
    team: str  # owning team: team tag, service tag's team, account owner, else unallocated
    owner: str | None = None  # suggested owner (untagged_resources) and why
    reason: str | None = None

    @property
    def compliant(self) -> bool:
        return self.missing is None and self.invalid is None


@dataclass(frozen=True)
class Usage:
    """One resource's daily usage lines in the CUR, from `first` to `last`; tags change to `retagged` from its day on."""

    account: str
    resource_id: str
    region: str
    product: str
    first: dt.date
    last: dt.date
    daily_cost: float
    tags: dict[str, str] = field(default_factory=dict)
    daily_effective: float | None = None  # a Savings Plan covered line's effective cost
    retagged: tuple[dt.date, dict[str, str]] | None = None

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def tags_on(self, day: dt.date) -> dict[str, str]:
        return self.retagged[1] if self.retagged and day >= self.retagged[0] else self.tags

    def window_costs(self) -> tuple[float, float]:
        """(effective, billed) over the 30 days ending on AS_OF."""
        days = [d for d in self.days() if WINDOW_START <= d <= AS_OF]
        effective = self.daily_cost if self.daily_effective is None else self.daily_effective
        return effective * len(days), self.daily_cost * len(days)


def _resource(account: str, region: str, kind: str, resource_id: str, tags: dict[str, str], name: str | None = None) -> Resource:
    arn = resource_id if resource_id.startswith("arn:") else f"arn:aws:{kind.split(':')[0]}:{region}:{account}:{resource_id}"
    return Resource(account, region, kind, resource_id, arn=arn, name=name, tags=tags)


SNAPSHOT = f"arn:aws:ec2:eu-west-1:{A}:snapshot/snap-0old"
LEDGER_DB = f"arn:aws:rds:eu-west-1:{A}:db:ledger-db"
CHECKOUT_FN = f"arn:aws:lambda:us-east-1:{B}:function:checkout-api-3"

# The inventory's resources, and what the marts say of each (as the first scan saw them).
INVENTORY: list[tuple[Resource, Verdict]] = [
    (_resource(A, "us-east-1", "ec2:instance", "i-0compliant", FULL, "payments-api-1"), Verdict(None, None, "payments-core")),
    (
        # messy keys and values that tag_rules and tag_value_aliases read as team / service / environment
        _resource(A, "us-east-1", "ec2:instance", "i-0messy", {"Team_Name": "Payments Team", "App": "PaymentsAPI", "Env": "prod"}),
        Verdict(None, None, "payments-core"),
    ),
    (
        _resource(A, "us-east-1", "ec2:volume", "vol-0missingenv", {"team": "checkout", "service": "checkout-api"}),
        Verdict("environment", None, "checkout", "checkout", "team_tag"),
    ),
    (
        _resource(
            A, "eu-west-1", "rds:db", LEDGER_DB, {"Team": "paymnts", "Service": "payments-ledger", "Environment": "prod"}, "ledger-db"
        ),
        Verdict(None, "team=paymnts", "payments-core", "payments-core", "service_tag"),
    ),
    (
        _resource(A, "eu-west-1", "ec2:snapshot", SNAPSHOT, {}),
        Verdict(ALL_MISSING, None, "payments-core", "payments-core", "account_owner"),
    ),
    (
        _resource(B, "us-east-1", "lambda:function", CHECKOUT_FN, {}, "checkout-api-3"),
        Verdict(ALL_MISSING, None, "unallocated", "checkout", "name"),
    ),
    (
        # its CUR lines still carry the tags it had: the CUR attributes it to search-ranking
        _resource(B, "us-east-1", "ec2:instance", "i-0curtagged", {"environment": "dev"}),
        Verdict("team, service", None, "unallocated", "search-ranking", "cur_attribution"),
    ),
    # a bucket in eu-west-1, listed by the account's one S3 read (in us-east-1)
    (_resource(B, "eu-west-1", "s3:bucket", "orphan-logs-bucket", {}, "orphan-logs-bucket"), Verdict(ALL_MISSING, None, "unallocated")),
    (
        _resource(
            B,
            "us-east-1",
            "ec2:instance",
            "i-0badservice",
            {"team": "search-ranking", "service": "search-apii", "environment": "production"},
        ),
        Verdict(None, "service=search-apii", "search-ranking", "search-ranking", "team_tag"),
    ),
    (
        _resource(A, "us-east-1", "ec2:volume", "vol-0blankteam", {"team": " ", "service": "cart-service", "environment": "staging"}),
        Verdict("team", None, "checkout", "checkout", "service_tag"),
    ),
]
RESOURCES = {resource.resource_id: resource for resource, _ in INVENTORY}
VERDICTS = {resource.resource_id: verdict for resource, verdict in INVENTORY}

# The CUR: some of the same resources, and some only it knows.
OCT_1, NOV_1 = dt.date(2026, 10, 1), dt.date(2026, 11, 1)
CUR_TAGS = {"user:team": "payments-core", "user:service": "payments-api", "user:environment": "production"}
USAGE: list[Usage] = [
    Usage(A, "i-0compliant", "us-east-1", "AmazonEC2", OCT_1, AS_OF, 2.40, CUR_TAGS),
    Usage(
        A,
        "vol-0missingenv",
        "us-east-1",
        "AmazonEC2",
        dt.date(2026, 10, 20),
        AS_OF,
        0.35,
        {"user:team": "checkout", "user:service": "checkout-api"},
    ),
    Usage(A, LEDGER_DB, "eu-west-1", "AmazonRDS", OCT_1, AS_OF, 11.52, {"user:team": "paymnts", "user:service": "payments-ledger"}),
    Usage(
        B,
        "i-0curtagged",
        "us-east-1",
        "AmazonEC2",
        NOV_1,
        AS_OF,
        4.80,
        {"user:team": "search-ranking", "user:service": "ranking-model", "user:environment": "production"},
        daily_effective=3.12,
    ),
    # only in the CUR: untagged, then tagged in the window (compliant: not listed) ...
    Usage(A, "i-0curonly", "us-east-1", "AmazonEC2", dt.date(2026, 10, 25), AS_OF, 1.10, {}, retagged=(dt.date(2026, 11, 5), CUR_TAGS)),
    # ... tagged, then losing two tags in the window (listed, judged by its latest usage)
    Usage(
        A,
        "i-0curlost",
        "us-west-2",
        "AmazonEC2",
        dt.date(2026, 10, 10),
        AS_OF,
        0.96,
        CUR_TAGS,
        retagged=(dt.date(2026, 11, 10), {"user:team": "payments-core"}),
    ),
    Usage(A, "vol-0curorphan", "us-east-1", "AmazonEC2", OCT_1, AS_OF, 0.05),
    Usage(B, "product-images-cache", "eu-west-1", "AmazonS3", NOV_1, AS_OF, 0.23),
    # used before the window only: not listed
    Usage(A, "i-0gone", "us-east-1", "AmazonEC2", OCT_1, dt.date(2026, 10, 10), 9.99),
]
CUR_ONLY_VERDICTS = {
    "i-0curlost": Verdict("service, environment", None, "payments-core", "payments-core", "team_tag"),
    "vol-0curorphan": Verdict(ALL_MISSING, None, "payments-core", "payments-core", "account_owner"),
    "product-images-cache": Verdict(ALL_MISSING, None, "unallocated", "catalog", "name"),
}


def listing_places(scan_resources: list[Resource]) -> set[tuple[str, str, str]]:
    # S3's ListBuckets is one call per account: its read is recorded in us-east-1 whatever the buckets' regions
    return {(r.account_id, "us-east-1" if r.resource_type == "s3:bucket" else r.region, r.resource_type) for r in scan_resources}


# Places read, complete, where nothing was found.
EMPTY_PLACES = {(A, "eu-west-1", "ec2:instance"), (B, "eu-west-1", "ec2:volume")}


def scan_one() -> Scan:
    resources = list(RESOURCES.values())
    reads = [Read(*place, READ_COMPLETE) for place in sorted(listing_places(resources) | EMPTY_PLACES)]
    return Scan("scan-1", SCAN_1, SCAN_1 + dt.timedelta(minutes=5), [A, B], ["eu-west-1", "us-east-1"], resources, reads)


NEVER_READ = _resource(B, "eu-west-1", "ec2:instance", "i-0neverread", FULL)


def scan_two() -> Scan:
    """The next day: the RDS read in eu-west-1 is denied (the row it landed anyway, tags fixed, is not to be judged), a
    new place is never read completely, the blank-team volume is gone from a complete read, the bad service tag fixed."""
    fixed_tags = {"team": "search-ranking", "service": "ranking-model", "environment": "prod"}
    fixed = dataclasses.replace(RESOURCES["i-0badservice"], tags=fixed_tags)
    ledger_from_a_failed_read = dataclasses.replace(RESOURCES[LEDGER_DB], tags={**FULL, "service": "payments-ledger"})
    kept = [r for r in RESOURCES.values() if r.resource_id not in ("vol-0blankteam", "i-0badservice", LEDGER_DB)]
    denied, never_read = (A, "eu-west-1", "rds:db"), (B, "eu-west-1", "ec2:instance")
    complete = listing_places([*kept, fixed]) | EMPTY_PLACES | {(A, "us-east-1", "ec2:volume")}
    reads = [Read(*place, READ_COMPLETE) for place in sorted(complete)]
    reads += [
        Read(*denied, READ_FAILED, "AccessDenied", "User is not authorized to perform: rds:DescribeDBInstances"),
        Read(*never_read, READ_FAILED, "OptInRequired", "The region is not enabled for this account"),
    ]
    resources = [*kept, fixed, ledger_from_a_failed_read, NEVER_READ]
    return Scan("scan-2", SCAN_2, SCAN_2 + dt.timedelta(minutes=5), [A, B], ["eu-west-1", "us-east-1"], resources, reads)


def write_cur(folder: Path) -> list[Path]:
    """One legacy Parquet file per billing month, daily lines, tags in `resource_tags_user_*` columns."""
    rows = [_line(usage, day) for usage in USAGE for day in usage.days()]
    tag_keys = sorted({key for row in rows for key in row["tags"]})
    paths = []
    for month in sorted({row["bill_billing_period_start_date"] for row in rows}):
        month_rows = [row for row in rows if row["bill_billing_period_start_date"] == month]
        columns = {name: [row[name] for row in month_rows] for name in month_rows[0] if name != "tags"}
        columns |= {f"resource_tags_user_{key.removeprefix('user:')}": [row["tags"].get(key) for row in month_rows] for key in tag_keys}
        path = folder / f"cur-{month:%Y-%m}.parquet"
        pq.write_table(pa.table(columns), path)
        paths.append(path)
    return paths


def _line(usage: Usage, day: dt.date) -> dict:
    start = dt.datetime.combine(day, dt.time())
    month = start.replace(day=1)
    covered = usage.daily_effective is not None
    return {
        "identity_line_item_id": f"{usage.resource_id}/{day}",
        "identity_time_interval": f"{start:%Y-%m-%dT%H:%M:%SZ}/{start + dt.timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}",
        "bill_payer_account_id": A,
        "bill_billing_period_start_date": month,
        "bill_billing_period_end_date": (month + dt.timedelta(days=32)).replace(day=1),
        "line_item_usage_account_id": usage.account,
        "line_item_line_item_type": "SavingsPlanCoveredUsage" if covered else "Usage",
        "line_item_usage_start_date": start,
        "line_item_usage_end_date": start + dt.timedelta(days=1),
        "line_item_product_code": usage.product,
        "line_item_resource_id": usage.resource_id,
        "line_item_currency_code": "USD",
        "line_item_unblended_cost": usage.daily_cost,
        "product_region_code": usage.region,
        "savings_plan_savings_plan_effective_cost": usage.daily_effective if covered else 0.0,
        "tags": usage.tags_on(day),
    }
