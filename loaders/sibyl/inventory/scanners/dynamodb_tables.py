"""DynamoDB tables: names a hundred a page, then per table its description and its tags."""

from __future__ import annotations

from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Location, Place, Scanner, pages, tag_dict, utc

RESOURCE_TYPE = "dynamodb:table"


def resource_id(where: Location, table_name: str) -> str:
    """The CUR names a table by its ARN, arn:aws:dynamodb:{region}:{account}:table/{name}."""
    return where.arn("dynamodb", f"table/{table_name}")


def scan(place: Place) -> Iterator[Resource]:
    dynamodb = place.client("dynamodb")
    for name in pages(dynamodb, "list_tables", "TableNames", page_size=100):
        table = dynamodb.describe_table(TableName=name)["Table"]
        tags = tag_dict(list(pages(dynamodb, "list_tags_of_resource", "Tags", ResourceArn=table["TableArn"])))
        yield place.resource(
            RESOURCE_TYPE,
            resource_id(place, name),
            table["TableArn"],
            tags,
            name=name,
            state=table.get("TableStatus"),
            created_at=utc(table.get("CreationDateTime")),
        )


SCANNER = Scanner(RESOURCE_TYPE, ("dynamodb:table",), scan)
