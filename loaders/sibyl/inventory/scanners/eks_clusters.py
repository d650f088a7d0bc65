"""EKS clusters: names a hundred a page, then one describe per cluster (tags included)."""

from __future__ import annotations

from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Place, Scanner, pages, utc

RESOURCE_TYPE = "eks:cluster"


def resource_id(cluster_arn: str) -> str:
    """The CUR names a cluster by its ARN, arn:aws:eks:{region}:{account}:cluster/{name}."""
    return cluster_arn


def scan(place: Place) -> Iterator[Resource]:
    eks = place.client("eks")
    for name in pages(eks, "list_clusters", "clusters", page_size=100):
        cluster = eks.describe_cluster(name=name)["cluster"]
        yield place.resource(
            RESOURCE_TYPE,
            resource_id(cluster["arn"]),
            cluster["arn"],
            cluster.get("tags", {}),
            name=name,
            state=cluster.get("status"),
            created_at=utc(cluster.get("createdAt")),
        )


SCANNER = Scanner(RESOURCE_TYPE, ("eks:cluster",), scan)
