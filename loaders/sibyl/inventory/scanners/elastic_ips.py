"""Elastic IPs: one unpaginated describe per region (an account holds a handful)."""

from __future__ import annotations

from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Place, Scanner, name_tag, tag_dict

RESOURCE_TYPE = "ec2:elastic-ip"


def resource_id(allocation_id: str) -> str:
    """The CUR names an Elastic IP by its allocation id, eipalloc-…"""
    return allocation_id


def scan(place: Place) -> Iterator[Resource]:
    for address in place.client("ec2").describe_addresses()["Addresses"]:
        tags = tag_dict(address.get("Tags"))
        yield place.resource(
            RESOURCE_TYPE,
            resource_id(address["AllocationId"]),
            place.arn("ec2", f"elastic-ip/{address['AllocationId']}"),
            tags,
            name=name_tag(tags),
            # AWS gives an address no state; whether it is associated is the one that matters (an idle one is billed).
            state="associated" if address.get("AssociationId") else "unassociated",
        )


SCANNER = Scanner(RESOURCE_TYPE, ("ec2:elastic-ip",), scan)
