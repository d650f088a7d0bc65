"""The regions a scan reads: those given (checked against the regions AWS knows), every region enabled in each
account, or the session's own. An unknown region is one line before any read."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from sibyl.errors import ConfigError
from sibyl.inventory.accounts import HOME_REGION, Account
from sibyl.inventory.aws_errors import describe_error

NOT_ENABLED = "not-opted-in"


def resolve_regions(accounts: list[Account], requested: tuple[str, ...] = (), all_regions: bool = False) -> dict[str, list[str]]:
    """{account id: its regions to read}."""
    if requested and all_regions:
        raise ConfigError("--region and --all-regions exclude each other: give the regions, or ask for all of them")
    if all_regions:
        return {a.account_id: sorted(r for r, status in known_regions(a).items() if status != NOT_ENABLED) for a in accounts}
    first = accounts[0]
    wanted = list(dict.fromkeys(requested)) or [first.session.region_name]
    if wanted == [None]:
        raise ConfigError("no region to scan: pass --region R (repeatable) or --all-regions, or set AWS_REGION")
    known = known_regions(first)
    for region in wanted:
        if region not in known:
            raise ConfigError(
                f"unknown region {region!r}: account {first.account_id} knows no such region; "
                "check --region against `aws ec2 describe-regions --all-regions`"
            )
    # A known region that an account has not enabled is still read: its failed read (OptInRequired) says so.
    return {a.account_id: wanted for a in accounts}


def known_regions(account: Account) -> dict[str, str]:
    """{region: opt-in status} of every region AWS offers the account, enabled or not."""
    ec2 = account.client("ec2", account.session.region_name or HOME_REGION)
    try:
        regions = ec2.describe_regions(AllRegions=True)["Regions"]
    except (ClientError, BotoCoreError) as exc:
        raise ConfigError(
            f"cannot list the regions of account {account.account_id} through {account.via} ({describe_error(exc)}): "
            "allow ec2:DescribeRegions (policies/sibyl-inventory-read-only.json)"
        ) from None
    return {r["RegionName"]: r.get("OptInStatus", "opt-in-not-required") for r in regions}
