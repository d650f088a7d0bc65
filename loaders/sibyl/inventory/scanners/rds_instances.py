"""RDS database instances, a hundred a page, tags included in the describe."""

from __future__ import annotations

from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Location, Place, Scanner, pages, tag_dict, utc

RESOURCE_TYPE = "rds:db"


def resource_id(where: Location, instance_id: str) -> str:
    """The CUR names a database instance by its ARN, arn:aws:rds:{region}:{account}:db:{id}."""
    return where.arn("rds", f"db:{instance_id}")


def scan(place: Place) -> Iterator[Resource]:
    for instance in pages(place.client("rds"), "describe_db_instances", "DBInstances", page_size=100):
        name = instance["DBInstanceIdentifier"]
        yield place.resource(
            RESOURCE_TYPE,
            resource_id(place, name),
            instance["DBInstanceArn"],
            tag_dict(instance.get("TagList")),
            name=name,
            state=instance.get("DBInstanceStatus"),
            created_at=utc(instance.get("InstanceCreateTime")),
        )


SCANNER = Scanner(RESOURCE_TYPE, ("rds:db",), scan)
