"""EBS volumes, five hundred a page (the API's largest), attached or not."""

from __future__ import annotations

from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Place, Scanner, name_tag, pages, tag_dict, utc

RESOURCE_TYPE = "ec2:volume"


def resource_id(volume_id: str) -> str:
    """The CUR names a volume by its id, vol-…"""
    return volume_id


def scan(place: Place) -> Iterator[Resource]:
    for volume in pages(place.client("ec2"), "describe_volumes", "Volumes", page_size=500):
        tags = tag_dict(volume.get("Tags"))
        yield place.resource(
            RESOURCE_TYPE,
            resource_id(volume["VolumeId"]),
            place.arn("ec2", f"volume/{volume['VolumeId']}"),
            tags,
            name=name_tag(tags),
            state=volume["State"],
            created_at=utc(volume.get("CreateTime")),
        )


SCANNER = Scanner(RESOURCE_TYPE, ("ec2:volume",), scan)
