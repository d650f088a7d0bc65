"""RDS (Aurora) clusters, a hundred a page, tags included in the describe."""

from __future__ import annotations

from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Location, Place, Scanner, pages, tag_dict, utc

RESOURCE_TYPE = "rds:cluster"


def resource_id(where: Location, cluster_id: str) -> str:
    """The CUR names a cluster by its ARN, arn:aws:rds:{region}:{account}:cluster:{id}."""
    return where.arn("rds", f"cluster:{cluster_id}")


def scan(place: Place) -> Iterator[Resource]:
    for cluster in pages(place.client("rds"), "describe_db_clusters", "DBClusters", page_size=100):
        name = cluster["DBClusterIdentifier"]
        yield place.resource(
            RESOURCE_TYPE,
            resource_id(place, name),
            cluster["DBClusterArn"],
            tag_dict(cluster.get("TagList")),
            name=name,
            state=cluster.get("Status"),
            created_at=utc(cluster.get("ClusterCreateTime")),
        )


SCANNER = Scanner(RESOURCE_TYPE, ("rds:cluster",), scan)
