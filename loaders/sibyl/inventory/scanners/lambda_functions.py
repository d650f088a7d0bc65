"""Lambda functions, fifty a page; tags one function a call (ListTags takes one ARN)."""

from __future__ import annotations

from collections.abc import Iterator

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Place, Scanner, pages

RESOURCE_TYPE = "lambda:function"


def resource_id(function_arn: str) -> str:
    """The CUR names a function by its ARN without a version or alias: arn:aws:lambda:{region}:{account}:function:{name}."""
    return ":".join(function_arn.split(":")[:7])


def scan(place: Place) -> Iterator[Resource]:
    client = place.client("lambda")
    for function in pages(client, "list_functions", "Functions", page_size=50):
        arn = resource_id(function["FunctionArn"])
        # ListFunctions gives no state and no creation time (only GetFunction does, one call more per function).
        yield place.resource(RESOURCE_TYPE, arn, arn, client.list_tags(Resource=arn).get("Tags", {}), name=function["FunctionName"])


SCANNER = Scanner(RESOURCE_TYPE, ("lambda:function",), scan)
