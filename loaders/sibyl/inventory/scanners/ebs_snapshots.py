"""EBS snapshots the account owns (not the public ones or those shared with it), a thousand a page."""

from __future__ import annotations

from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Location, Place, Scanner, name_tag, pages, tag_dict, utc

RESOURCE_TYPE = "ec2:snapshot"


def resource_id(where: Location, snapshot_id: str) -> str:
    """The CUR names a snapshot by its ARN, arn:aws:ec2:{region}:{account}:snapshot/snap-…"""
    return where.arn("ec2", f"snapshot/{snapshot_id}")


def scan(place: Place) -> Iterator[Resource]:
    for snapshot in pages(place.client("ec2"), "describe_snapshots", "Snapshots", page_size=1000, OwnerIds=["self"]):
        tags = tag_dict(snapshot.get("Tags"))
        arn = resource_id(place, snapshot["SnapshotId"])
        yield place.resource(
            RESOURCE_TYPE, arn, arn, tags, name=name_tag(tags), state=snapshot["State"], created_at=utc(snapshot.get("StartTime"))
        )


SCANNER = Scanner(RESOURCE_TYPE, ("ec2:snapshot",), scan)
