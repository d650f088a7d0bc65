"""Application, network and gateway load balancers (ELBv2): 400 a page, their tags 20 load balancers a call."""

from __future__ import annotations

from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Place, Scanner, batches, pages, tag_dict, utc

RESOURCE_TYPE = "elbv2:loadbalancer"
TAGS_PER_CALL = 20  # DescribeTags takes at most 20 ARNs


def resource_id(load_balancer_arn: str) -> str:
    """The CUR names an ELBv2 load balancer by its ARN, …:loadbalancer/app/{name}/{hex}."""
    return load_balancer_arn


def scan(place: Place) -> Iterator[Resource]:
    elbv2 = place.client("elbv2")
    balancers = list(pages(elbv2, "describe_load_balancers", "LoadBalancers", page_size=400))
    tags = {}
    for batch in batches([b["LoadBalancerArn"] for b in balancers], TAGS_PER_CALL):
        for described in elbv2.describe_tags(ResourceArns=batch)["TagDescriptions"]:
            tags[described["ResourceArn"]] = tag_dict(described.get("Tags"))
    for balancer in balancers:
        arn = balancer["LoadBalancerArn"]
        yield place.resource(
            RESOURCE_TYPE,
            resource_id(arn),
            arn,
            tags.get(arn, {}),
            name=balancer["LoadBalancerName"],
            state=balancer.get("State", {}).get("Code"),
            created_at=utc(balancer.get("CreatedTime")),
        )


SCANNER = Scanner(RESOURCE_TYPE, ("elasticloadbalancing:loadbalancer",), scan)
