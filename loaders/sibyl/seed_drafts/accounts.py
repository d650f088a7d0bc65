"""Accounts with their names and spend, and what AWS Organizations suggests for the seeds: an owner
per account from its `team` tag (read like the CUR's tags), business units from organizational units.

The loaded CUR carries account ids only (the raw contract keeps no account names), so names and
units come from Organizations, with --from-organizations.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sibyl.seed_drafts.organizations import OrgAccount
from sibyl.seed_drafts.tag_keys import known_key, stripped_key


@dataclass(frozen=True)
class AccountDraft:
    account_id: str
    account_name: str
    organizational_unit: str  # the OU path, `Platform/Data`; '' under the root or without Organizations
    spend: float
    line_items: int
    team_tag: str  # the account's team tag as written, `Team=Payments`
    draft_team: str  # the team that tag names, read through the drafted team aliases


@dataclass(frozen=True)
class BusinessUnitDraft:
    business_unit: str
    business_group: str
    description: str


def draft_accounts(spend: dict[str, tuple[float, int]], organization: list[OrgAccount], team_values: dict[str, str]) -> list[AccountDraft]:
    """Every account the CUR or Organizations knows, biggest spend first. `team_values`: cleaned team
    value -> the value the drafts read it as."""
    known = {a.account_id: a for a in organization}
    rows = []
    for account_id in set(spend) | set(known):
        account = known.get(account_id)
        tag = _team_tag(account.tags) if account else None
        rows.append(
            AccountDraft(
                account_id=account_id,
                account_name=account.name if account else "",
                organizational_unit="/".join(account.ou_path) if account else "",
                spend=spend.get(account_id, (0.0, 0))[0],
                line_items=spend.get(account_id, (0.0, 0))[1],
                team_tag=f"{tag[0]}={tag[1]}" if tag else "",
                draft_team=team_values.get(tag[1].strip().lower(), tag[1].strip().lower()) if tag else "",
            )
        )
    return sorted(rows, key=lambda r: (-r.spend, r.account_id))


def _team_tag(tags: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    """The first (by key) tag whose key reads as `team` and whose value is not empty."""
    return next(((k, v) for k, v in tags if known_key(stripped_key(k)) == "team" and v.strip()), None)


def draft_business_units(organization: list[OrgAccount]) -> tuple[list[tuple[str, str]], list[BusinessUnitDraft]]:
    """(business groups, business units): a unit per organizational unit that holds accounts, in the
    group of its top-level unit. A unit name used twice in the tree is spelt with its path."""
    accounts_per_path = Counter(a.ou_path for a in organization if a.ou_path)
    name_uses = Counter(path[-1] for path in accounts_per_path)
    units = [
        BusinessUnitDraft(
            business_unit=path[-1] if name_uses[path[-1]] == 1 else "/".join(path),
            business_group=path[0],
            description=f"AWS Organizations unit {'/'.join(path)}: {count} account(s)",
        )
        for path, count in accounts_per_path.items()
    ]
    groups = sorted({(u.business_group, f"AWS Organizations unit {u.business_group} and the units below it") for u in units})
    return groups, sorted(units, key=lambda u: u.business_unit)
