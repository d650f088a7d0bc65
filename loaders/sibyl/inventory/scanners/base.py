"""What every scanner shares: the place it reads, how it declares itself, and the shapes AWS gives tags,
times and pages in."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sibyl.inventory.scan import Resource


@dataclass(frozen=True)
class Location:
    """An account and region: enough to spell a resource's ARN, and so its id as the CUR names it."""

    account_id: str
    region: str
    partition: str  # aws, aws-cn, aws-us-gov

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        return f"arn:{self.partition}:{service}:{self.region if regional else ''}:{self.account_id if regional else ''}:{resource}"

    def resource(self, resource_type: str, resource_id: str, arn: str, tags: dict[str, str], **fields: Any) -> Resource:
        return Resource(self.account_id, self.region, resource_type, resource_id, arn, tags=tags, **fields)


class AccountShared:
    """What one account's places compute once and share: S3 lists every bucket of the account from any region."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: dict[str, tuple[Any, BaseException | None]] = {}

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """`compute()` the first time `key` is asked for; its value, or the error it raised, every time after."""
        with self._lock:  # the other places of the account wait for the first one's answer
            if key not in self._done:
                try:
                    self._done[key] = (compute(), None)
                except Exception as exc:  # kept, so every place that needs the value fails the same way
                    self._done[key] = (None, exc)
        value, error = self._done[key]
        if error is not None:
            raise error
        return value


@dataclass(frozen=True)
class Place(Location):
    """One (account, region) as a scanner reads it: clients that count their calls, and the account's shared answers."""

    open_client: Callable[[str, str], Any]  # (service, region) -> a boto3 client
    shared: AccountShared

    def client(self, service: str, region: str | None = None) -> Any:
        return self.open_client(service, region or self.region)


@dataclass(frozen=True)
class Scanner:
    resource_type: str  # the place's resource type, e.g. "ec2:instance"
    arn_types: tuple[str, ...]  # "service:type" as its resources' ARNs name them: the tagging scanner leaves these alone
    scan: Callable[[Place], Iterable[Resource]]


def pages(client: Any, operation: str, key: str, page_size: int | None = None, **params: Any) -> Iterator[Any]:
    """Every item under `key` across the operation's pages, asking for `page_size` items a page."""
    config = {"PageSize": page_size} if page_size else {}
    for page in client.get_paginator(operation).paginate(**params, PaginationConfig=config):
        yield from page.get(key, [])


def batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def tag_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    """[{'Key': k, 'Value': v}, ...] as {k: v}, keys spelled as AWS returns them."""
    return {t["Key"]: t.get("Value", "") for t in tags or []}


def name_tag(tags: dict[str, str]) -> str | None:
    return tags.get("Name") or None


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """A time from botocore (aware) as naive UTC, the warehouse's convention."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None)
