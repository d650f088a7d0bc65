"""NAT gateways, a thousand a page, tags included in the describe."""

from __future__ import annotations

from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Location, Place, Scanner, name_tag, pages, tag_dict, utc

RESOURCE_TYPE = "ec2:natgateway"


def resource_id(where: Location, nat_gateway_id: str) -> str:
    """The CUR names a NAT gateway by its ARN, arn:aws:ec2:{region}:{account}:natgateway/nat-…"""
    return where.arn("ec2", f"natgateway/{nat_gateway_id}")


def scan(place: Place) -> Iterator[Resource]:
    for gateway in pages(place.client("ec2"), "describe_nat_gateways", "NatGateways", page_size=1000):
        tags = tag_dict(gateway.get("Tags"))
        arn = resource_id(place, gateway["NatGatewayId"])
        yield place.resource(
            RESOURCE_TYPE, arn, arn, tags, name=name_tag(tags), state=gateway["State"], created_at=utc(gateway.get("CreateTime"))
        )


SCANNER = Scanner(RESOURCE_TYPE, ("ec2:natgateway",), scan)
