"""What a scan found: the resources it saw and every place it read, whether the read completed or not.

A place is one (account, region, scanner). A resource is judged (compliant, deleted) only from a place whose
read completed; a place that failed says what failed and why, and nothing from it is called compliant.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field

# A read that finished and saw everything there; or one that did not (AccessDenied, a region not enabled,
# throttling past the retry bound, anything else the API raised).
READ_COMPLETE = "complete"
READ_FAILED = "failed"

SCAN_COMPLETED = "completed"
SCAN_PARTIAL = "partial"
SCAN_FAILED = "failed"


@dataclass(frozen=True)
class Resource:
    account_id: str
    region: str  # the resource's own region (an S3 bucket's location, not the region it was listed from)
    resource_type: str  # the scanner's name, e.g. "ec2:instance", "s3:bucket"
    resource_id: str  # as the CUR's line_item_resource_id names it where the CUR names it (see models' id mapping)
    arn: str
    name: str | None = None
    state: str | None = None
    created_at: dt.datetime | None = None  # UTC, naive
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Read:
    """One place a scan read: where, with which scanner, how it ended, and (when it failed) why."""

    account_id: str
    region: str
    resource_type: str
    status: str  # READ_COMPLETE or READ_FAILED
    error_code: str | None = None  # AccessDenied, OptInRequired, Throttling, ...
    error_message: str | None = None
    api_calls: int = 0


@dataclass
class Scan:
    scan_id: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    accounts: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    reads: list[Read] = field(default_factory=list)

    @classmethod
    def start(cls, now: dt.datetime | None = None) -> Scan:
        started = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        return cls(scan_id=f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", started_at=started)

    @property
    def status(self) -> str:
        """completed when every place was read, failed when none was, partial in between."""
        failed = sum(r.status != READ_COMPLETE for r in self.reads)
        if not self.reads or failed == len(self.reads):
            return SCAN_FAILED
        return SCAN_PARTIAL if failed else SCAN_COMPLETED

    @property
    def failures(self) -> list[Read]:
        return [r for r in self.reads if r.status != READ_COMPLETE]


def tag_set_id(tags: dict[str, str]) -> str:
    """md5 over the non-empty tags in key order, as the CUR loader computes it: one id per distinct tag set,
    so a tag set seen in the CUR and in the inventory is the same row."""
    entries = sorted((k, v) for k, v in tags.items() if v)
    return hashlib.md5("\x1e".join(f"{k}\x1f{v}" for k, v in entries).encode()).hexdigest()
