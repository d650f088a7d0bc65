"""Which accounts a run can read, and a CloudWatch client for each of their regions.

Without --role-arn: the default credentials (environment, profile, instance role) and their own account. With
--role-arn: one assumed role per account, from the default credentials. A role that cannot be assumed is not an
error of the whole run: its account's places are recorded as failed, with AWS's reason.
(The inventory's scanners need the same: when they grow their own, one module should serve both.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from sibyl.errors import ConfigError

# botocore's adaptive mode: it backs off exponentially on throttling and server errors, and slows this
# client's own call rate while AWS throttles it. After TOTAL_ATTEMPTS the error reaches the run, which records
# the place as failed.
TOTAL_ATTEMPTS = 5
SESSION_NAME = "sibyl-cloudwatch"
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]+$")


@dataclass
class AccountSession:
    """The credentials of one account, or why there are none."""

    account_id: str
    session: boto3.Session | None
    error_code: str | None = None
    error_message: str | None = None
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, region: str):
        """One CloudWatch client per region (botocore clients are thread-safe; each keeps its own rate limiter)."""
        if region not in self._clients:
            config = Config(retries={"mode": "adaptive", "total_max_attempts": TOTAL_ATTEMPTS})
            self._clients[region] = self.session.client("cloudwatch", region_name=region, config=config)
        return self._clients[region]


def open_sessions(role_arns: list[str]) -> list[AccountSession]:
    """One AccountSession per role, or the default credentials' own account without roles."""
    for arn in role_arns:
        if not _ROLE_ARN.match(arn):
            raise ConfigError(f"--role-arn {arn}: not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)")
    base = boto3.Session()
    if base.get_credentials() is None:
        raise ConfigError(
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or run where an instance role applies)"
        )
    if not role_arns:
        try:
            account = base.client("sts").get_caller_identity()["Account"]
        except (ClientError, BotoCoreError) as exc:
            raise ConfigError(f"the default AWS credentials do not work: {exc}") from None
        return [AccountSession(account, base)]
    return [_assume(base, arn) for arn in role_arns]


def _assume(base: boto3.Session, role_arn: str) -> AccountSession:
    account = _ROLE_ARN.match(role_arn).group(1)
    try:
        credentials = base.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return AccountSession(account, None, error.get("Code", "ClientError"), f"cannot assume {role_arn}: {error.get('Message', exc)}")
    except (NoCredentialsError, BotoCoreError) as exc:
        return AccountSession(account, None, type(exc).__name__, f"cannot assume {role_arn}: {exc}")
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return AccountSession(account, session)
