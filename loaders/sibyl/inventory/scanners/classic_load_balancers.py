"""Classic load balancers (ELB): 400 a page, their tags 20 load balancers a call."""

from __future__ import annotations

from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Location, Place, Scanner, batches, pages, tag_dict, utc

RESOURCE_TYPE = "elb:loadbalancer"
TAGS_PER_CALL = 20  # DescribeTags takes at most 20 names


def resource_id(where: Location, name: str) -> str:
    """The CUR names a classic load balancer by an ARN the API never returns:
    arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/{name}."""
    return where.arn("elasticloadbalancing", f"loadbalancer/{name}")


def scan(place: Place) -> Iterator[Resource]:
    elb = place.client("elb")
    balancers = list(pages(elb, "describe_load_balancers", "LoadBalancerDescriptions", page_size=400))
    tags = {}
    for batch in batches([b["LoadBalancerName"] for b in balancers], TAGS_PER_CALL):
        for described in elb.describe_tags(LoadBalancerNames=batch)["TagDescriptions"]:
            tags[described["LoadBalancerName"]] = tag_dict(described.get("Tags"))
    for balancer in balancers:
        name = balancer["LoadBalancerName"]
        arn = resource_id(place, name)
        yield place.resource(RESOURCE_TYPE, arn, arn, tags.get(name, {}), name=name, created_at=utc(balancer.get("CreatedTime")))


SCANNER = Scanner(RESOURCE_TYPE, ("elasticloadbalancing:loadbalancer",), scan)
