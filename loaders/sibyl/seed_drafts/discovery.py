"""`sibyl discover` end to end: read the loaded CUR (and AWS Organizations), draft the seeds and the
evidence, and estimate how much spend the drafts would attribute as they stand."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sibyl.config import Settings
from sibyl.errors import ConfigError
from sibyl.seed_drafts import files
from sibyl.seed_drafts.accounts import AccountDraft, draft_accounts, draft_business_units
from sibyl.seed_drafts.coverage import Coverage, Readings, coverage
from sibyl.seed_drafts.organizations import OrgAccount
from sibyl.seed_drafts.raw_spend import LoadedCur, account_spend, key_spend, loaded_cur, value_spend
from sibyl.seed_drafts.tag_keys import FoldedKey, draft_tag_rules, fold_keys
from sibyl.seed_drafts.tag_values import ValueDraft, draft_aliases, draft_values
from sibyl.warehouse import WarehouseNotFound, connect


@dataclass(frozen=True)
class Discovery:
    loaded: LoadedCur
    coverage: Coverage
    tables: dict[str, files.Table]  # file name -> (header, rows)


@dataclass(frozen=True)
class CurrentSeeds:
    """What the seeds folder already knows: the estimate counts tags naming these teams and services."""

    teams: set[str]
    services: set[str]
    owned_accounts: set[str]

    @classmethod
    def read(cls, folder: Path) -> CurrentSeeds:
        return cls(
            teams=_seed_column(folder / "teams.csv", "team"),
            services=_seed_column(folder / "services.csv", "service"),
            owned_accounts=_seed_column(folder / "account_owners.csv", "account_id"),
        )


def discover(settings: Settings, organization: list[OrgAccount] | None) -> Discovery:
    """Everything discover writes and prints; `organization` is None without --from-organizations."""
    seeds = CurrentSeeds.read(settings.seeds_dir)
    try:
        wh = connect(settings, read_only=True)
    except WarehouseNotFound as exc:
        raise ConfigError(f"{exc}: run `sibyl load cur SOURCE` first, or set SIBYL_DUCKDB_PATH") from exc
    with wh:
        loaded = loaded_cur(wh)
        keys = fold_keys(key_spend(wh))
        key_map = {k.tag_key: k.normalized_key for k in keys}
        values = draft_values(*value_spend(wh, key_map), known={"team": seeds.teams, "service": seeds.services})
        team_values = {v.cleaned_value: v.draft_value for v in values if v.normalized_key == "team"}
        accounts = draft_accounts(account_spend(wh), organization or [], team_values)
        readings = Readings(
            key_map=key_map,
            value_map={(v.normalized_key, v.cleaned_value): v.draft_value for v in values if v.alias_pattern},
            teams=seeds.teams,
            services=seeds.services,
            owned_accounts=seeds.owned_accounts | {a.account_id for a in accounts if a.draft_team},
        )
        estimate = coverage(wh, readings)
    tables = _tag_tables(keys, values) | _account_tables(accounts, organization)
    return Discovery(loaded=loaded, coverage=estimate, tables=tables)


def _tag_tables(keys: list[FoldedKey], values: list[ValueDraft]) -> dict[str, files.Table]:
    return {
        "tag_rules.csv": (
            ["rule_name", "tag_key", "pattern", "normalized_key", "priority", "is_active"],
            [(r.rule_name, r.tag_key, r.pattern, r.normalized_key, r.priority, r.is_active) for r in draft_tag_rules(keys)],
        ),
        "tag_value_aliases.csv": (
            ["normalized_key", "pattern", "normalized_value", "priority"],
            [(a.normalized_key, a.pattern, a.normalized_value, a.priority) for a in draft_aliases(values)],
        ),
        files.TAG_KEYS: (
            ["normalized_key", "tag_key", "stripped_key", "how", "spend", "line_items", "tag_sets"],
            [(k.normalized_key, k.tag_key, k.stripped_key, k.how, k.spend, k.line_items, k.tag_sets) for k in keys],
        ),
        files.TAG_VALUES: (
            ["normalized_key", "tag_value", "cleaned_value", "draft_value", "how", "alias_pattern", "spend", "line_items"],
            [
                (v.normalized_key, v.tag_value, v.cleaned_value, v.draft_value, v.how, v.alias_pattern, v.spend, v.line_items)
                for v in values
            ],
        ),
    }


def _account_tables(accounts: list[AccountDraft], organization: list[OrgAccount] | None) -> dict[str, files.Table]:
    tables = {
        files.ACCOUNTS: (
            ["account_id", "account_name", "organizational_unit", "spend", "line_items", "team_tag", "draft_team"],
            [(a.account_id, a.account_name, a.organizational_unit, a.spend, a.line_items, a.team_tag, a.draft_team) for a in accounts],
        )
    }
    if organization is None:
        return tables
    groups, units = draft_business_units(organization)
    return tables | {
        # valid_from empty: the owner since forever, as the seed's history reads it
        "account_owners.csv": (
            ["account_id", "team", "valid_from"],
            sorted((a.account_id, a.draft_team, "") for a in accounts if a.draft_team),
        ),
        "business_groups.csv": (["business_group", "description"], groups),
        "business_units.csv": (
            ["business_unit", "business_group", "description"],
            [(u.business_unit, u.business_group, u.description) for u in units],
        ),
    }


def _seed_column(path: Path, column: str) -> set[str]:
    """The values of one column of a seed CSV; none when the organisation has not written it yet."""
    if not path.is_file():
        return set()
    with path.open(newline="", encoding="utf-8") as handle:
        return {row[column] for row in csv.DictReader(handle) if row.get(column)}
