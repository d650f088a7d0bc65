"""EC2 instances, a thousand a page, tags included in the describe."""

from __future__ import annotations

from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Place, Scanner, name_tag, pages, tag_dict, utc

RESOURCE_TYPE = "ec2:instance"


def resource_id(instance_id: str) -> str:
    """The CUR names an instance by its id, i-…"""
    return instance_id


def scan(place: Place) -> Iterator[Resource]:
    for reservation in pages(place.client("ec2"), "describe_instances", "Reservations", page_size=1000):
        for instance in reservation["Instances"]:
            tags = tag_dict(instance.get("Tags"))
            yield place.resource(
                RESOURCE_TYPE,
                resource_id(instance["InstanceId"]),
                place.arn("ec2", f"instance/{instance['InstanceId']}"),
                tags,
                name=name_tag(tags),
                state=instance["State"]["Name"],
                created_at=utc(_created(instance)),
            )


def _created(instance: dict):
    """LaunchTime moves with every stop and start; the primary network interface was attached when the instance
    was created. A terminated instance has no interface left: its last launch is all there is."""
    primary = [eni["Attachment"] for eni in instance.get("NetworkInterfaces", []) if eni.get("Attachment", {}).get("DeviceIndex") == 0]
    return primary[0]["AttachTime"] if primary else instance.get("LaunchTime")


SCANNER = Scanner(RESOURCE_TYPE, ("ec2:instance",), scan)
