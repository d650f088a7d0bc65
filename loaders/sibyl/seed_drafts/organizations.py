"""AWS Organizations through boto3: every account with its name, the organizational units above it
and its tags. Read-only; the actions are listed in policies/sibyl-discover-read-only.json."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sibyl.errors import ConfigError, first_line

POLICY = "policies/sibyl-discover-read-only.json"


@dataclass(frozen=True)
class OrgAccount:
    account_id: str
    name: str
    ou_path: tuple[str, ...]  # names of the organizational units from the root down; empty under the root
    tags: tuple[tuple[str, str], ...]


def organizations_client() -> Any:
    """A client on boto3's standard credential chain. Organizations has one endpoint (us-east-1 in the
    commercial partition), whatever the configured region."""
    import boto3

    session = boto3.session.Session()
    return session.client("organizations", region_name=session.region_name or "us-east-1")


def read_organization(client: Any) -> list[OrgAccount]:
    """Every account, walking the tree from each root through its organizational units."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        accounts = [account for root in _pages(client, "list_roots", "Roots") for account in _accounts_under(client, root["Id"], ())]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise ConfigError(
            f"cannot read AWS Organizations ({exc.operation_name}): {error.get('Code')}: {error.get('Message')}; run discover "
            f"with credentials of the management account or a delegated administrator, allowed the actions in {POLICY}"
        ) from exc
    except BotoCoreError as exc:
        raise ConfigError(f"cannot read AWS Organizations: {first_line(exc)} (check AWS_PROFILE or the AWS_* variables)") from exc
    return sorted(accounts, key=lambda a: a.account_id)


def _accounts_under(client: Any, parent_id: str, path: tuple[str, ...]) -> Iterator[OrgAccount]:
    for account in _pages(client, "list_accounts_for_parent", "Accounts", ParentId=parent_id):
        tags = _pages(client, "list_tags_for_resource", "Tags", ResourceId=account["Id"])
        yield OrgAccount(account["Id"], account["Name"], path, tuple(sorted((t["Key"], t["Value"]) for t in tags)))
    for unit in _pages(client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent_id):
        yield from _accounts_under(client, unit["Id"], (*path, unit["Name"]))


def _pages(client: Any, operation: str, key: str, **params: str) -> Iterator[dict]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page[key]
