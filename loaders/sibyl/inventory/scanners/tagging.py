"""The Resource Groups Tagging API, for tagged resources of the types no scanner reads (queues, keys, log groups …).

It only returns resources that carry or once carried a tag: a resource that was never tagged is invisible to it,
which is why it adds to the scanners and never stands in for one. Its read is the place `tagging`; each resource
it adds is typed `tagging:<service>:<type>` after its ARN, with the ARN as its id.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Place, Scanner, pages, tag_dict

RESOURCE_TYPE = "tagging"

# ARNs that name the resource without a type (arn:aws:sqs:{region}:{account}:{queue}): the type each service means.
_UNTYPED = {"s3": "bucket", "sqs": "queue", "sns": "topic"}


def arn_type(arn: str) -> str:
    """'service:type' as the ARN names it: …:ec2:…:instance/i-1 -> ec2:instance, …:rds:…:db:x -> rds:db."""
    _, _, service, _, _, resource = arn.split(":", 5)
    cuts = [i for i in (resource.find("/"), resource.find(":")) if i >= 0]
    return f"{service}:{resource[: min(cuts)] if cuts else _UNTYPED.get(service, service)}"


def resource_id(arn: str) -> str:
    """A resource no scanner reads is named by its ARN, as the CUR names most such resources."""
    return arn


def scan(place: Place, covered: frozenset[str]) -> Iterator[Resource]:
    for mapping in pages(place.client("resourcegroupstaggingapi"), "get_resources", "ResourceTagMappingList", page_size=100):
        arn = mapping["ResourceARN"]
        kind = arn_type(arn)
        if kind not in covered:
            yield place.resource(f"tagging:{kind}", resource_id(arn), arn, tag_dict(mapping.get("Tags")))


def scanner(covered: frozenset[str]) -> Scanner:
    """The tagging scanner, leaving alone the ARN types in `covered` (the scanners' own)."""
    return Scanner(RESOURCE_TYPE, (), functools.partial(scan, covered=covered))
