"""ElastiCache clusters, a hundred a page; tags one cluster a call (ListTagsForResource takes one ARN)."""

from __future__ import annotations

from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Location, Place, Scanner, pages, tag_dict, utc

RESOURCE_TYPE = "elasticache:cluster"


def resource_id(where: Location, cluster_id: str) -> str:
    """The CUR names a cache cluster by its ARN, arn:aws:elasticache:{region}:{account}:cluster:{id}."""
    return where.arn("elasticache", f"cluster:{cluster_id}")


def scan(place: Place) -> Iterator[Resource]:
    elasticache = place.client("elasticache")
    for cluster in pages(elasticache, "describe_cache_clusters", "CacheClusters", page_size=100):
        arn = cluster["ARN"]
        yield place.resource(
            RESOURCE_TYPE,
            resource_id(place, cluster["CacheClusterId"]),
            arn,
            tag_dict(elasticache.list_tags_for_resource(ResourceName=arn).get("TagList")),
            name=cluster["CacheClusterId"],
            state=cluster.get("CacheClusterStatus"),
            created_at=utc(cluster.get("CacheClusterCreateTime")),
        )


SCANNER = Scanner(RESOURCE_TYPE, ("elasticache:cluster",), scan)
