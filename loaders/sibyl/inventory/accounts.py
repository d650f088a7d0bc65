"""The accounts a scan reads, each with its own credentials: the caller's, the roles given, or every active
account of the AWS Organization through one role name. Every failure here comes before any read, as one line."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from sibyl.errors import ConfigError
from sibyl.inventory.aws_errors import describe_error

SESSION_NAME = "sibyl-inventory"
HOME_REGION = "us-east-1"  # where STS and Organizations are asked when the session names no region


# Every client of every account is made by the caller's session, so botocore reads each service's model once
# (EC2's alone takes half a second to parse); a session is not thread-safe, the clients it makes are.
_SESSION_LOCK = threading.Lock()


@dataclass(frozen=True)
class Account:
    account_id: str
    session: boto3.Session  # the caller's
    via: str  # "the caller's credentials" or the role assumed: named when something fails
    credentials: dict[str, str] = field(default_factory=dict)  # the assumed role's keys; none: the session's own

    def client(self, service: str, region: str, config: Any = None) -> Any:
        with _SESSION_LOCK:
            return self.session.client(service, region_name=region, config=config, **self.credentials)

    def partition(self, region: str) -> str:
        with _SESSION_LOCK:
            return self.session.get_partition_for_region(region)


def resolve_accounts(base: boto3.Session, role_arns: tuple[str, ...] = (), organization_role: str | None = None) -> list[Account]:
    """The caller's account; or each role's; or every active account of the organization through `organization_role`
    (the caller's own account read with the caller's credentials: the organization's management account has no such
    role unless someone made one)."""
    if role_arns and organization_role:
        raise ConfigError("--role-arn and --organization-role exclude each other: give the roles, or the role name to use in every account")
    identity = caller_identity(base)
    caller = Account(identity["Account"], base, "the caller's credentials")
    if organization_role:
        ids = organization_account_ids(base)
        partition = identity["Arn"].split(":")[1]
        role = f"arn:{partition}:iam::{{}}:role/{organization_role}"
        return [caller if i == caller.account_id else assume_role(base, identity["Arn"], role.format(i)) for i in ids]
    if role_arns:
        accounts = [assume_role(base, identity["Arn"], arn) for arn in dict.fromkeys(role_arns)]
        _refuse_two_roles_in_one_account(accounts)
        return accounts
    return [caller]


def caller_identity(base: boto3.Session) -> dict:
    try:
        return _home_client(base, "sts").get_caller_identity()
    except NoCredentialsError:
        raise ConfigError(
            "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them"
        ) from None
    except ClientError as exc:
        raise ConfigError(
            f"AWS refused the credentials ({describe_error(exc)}): refresh them (aws sso login, new keys), run again"
        ) from None
    except BotoCoreError as exc:  # an SSO token that expired, a credential process that failed, no network
        raise ConfigError(f"cannot use the AWS credentials: {exc}") from None


def assume_role(base: boto3.Session, caller_arn: str, role_arn: str) -> Account:
    try:
        answer = _home_client(base, "sts").assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)
    except (ClientError, BotoCoreError) as exc:
        raise ConfigError(
            f"cannot assume role {role_arn} ({describe_error(exc)}): "
            f"allow {caller_arn} sts:AssumeRole on it, and trust it in the role's trust policy"
        ) from None
    keys = answer["Credentials"]
    credentials = {
        "aws_access_key_id": keys["AccessKeyId"],
        "aws_secret_access_key": keys["SecretAccessKey"],
        "aws_session_token": keys["SessionToken"],
    }
    return Account(answer["AssumedRoleUser"]["Arn"].split(":")[4], base, role_arn, credentials)


def organization_account_ids(base: boto3.Session) -> list[str]:
    """Every ACTIVE account of the caller's organization (suspended and closing ones cannot be read)."""
    try:
        listed = [a for page in _home_client(base, "organizations").get_paginator("list_accounts").paginate() for a in page["Accounts"]]
    except (ClientError, BotoCoreError) as exc:
        raise ConfigError(
            f"cannot list the organization's accounts ({describe_error(exc)}): run from the management account or a delegated "
            "administrator, with organizations:ListAccounts"
        ) from None
    # Organizations is replacing Status with State; either says ACTIVE.
    return sorted(a["Id"] for a in listed if a.get("State", a.get("Status")) == "ACTIVE")


def _refuse_two_roles_in_one_account(accounts: list[Account]) -> None:
    seen: dict[str, str] = {}
    for account in accounts:
        if account.account_id in seen:
            raise ConfigError(
                f"--role-arn {seen[account.account_id]} and --role-arn {account.via} are both in account {account.account_id}: give one"
            )
        seen[account.account_id] = account.via


def _home_client(session: boto3.Session, service: str) -> Any:
    return session.client(service, region_name=session.region_name or HOME_REGION)
