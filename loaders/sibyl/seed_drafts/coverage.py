"""The share of spend the drafts would attribute as they stand, in one SQL statement over the raw CUR.

A line item counts in the first of these that applies, in Sibyl's order of attribution:
- `team_tag`: one of its tags, read through the draft tag rules and value aliases, is a `team` tag
  naming a team of the seeds' teams.csv;
- `service_tag`: likewise a `service` tag naming a service of services.csv;
- `account_owner`: its usage account has an owner in account_owners.csv or in the drafted owners;
- `unallocated` otherwise.
It is an estimate of what a build would say: when two spellings of `team` in one tag set disagree, a
build reads one of them (marts.tag_conflicts), this counts the set if either names a team.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sibyl.seed_drafts.raw_spend import SPEND_CTES, Statement
from sibyl.warehouse import Warehouse

METHODS = ("team_tag", "service_tag", "account_owner", "unallocated")


@dataclass(frozen=True)
class Coverage:
    spend: float
    tagged: float  # spend of line items with at least one tag
    team_keyed: float  # spend of line items with a tag the drafts read as `team`, whatever its value
    by_method: dict[str, float]


@dataclass(frozen=True)
class Readings:
    """How the drafts and the seeds read tags and accounts: the inputs of the estimate."""

    key_map: dict[str, str]  # source tag key -> normalized key
    value_map: dict[tuple[str, str], str]  # (normalized key, cleaned value) -> value
    teams: set[str]
    services: set[str]
    owned_accounts: set[str]


# After the inputs (key_map, value_map, teams, services, owners): each line item's method as the drafts read it.
_METHODS_SQL = """
read_tags as (
    select distinct
        tag_sets.tag_set_id,
        key_map.normalized_key,
        coalesce(value_map.normalized_value, lower(trim(tag_sets.tag_value))) as tag_value
    from raw.cur_tag_sets as tag_sets
    inner join key_map on tag_sets.tag_key = key_map.tag_key
    left join value_map
        on key_map.normalized_key = value_map.normalized_key
        and lower(trim(tag_sets.tag_value)) = value_map.cleaned_value
),
tag_set_readings as (
    select
        read_tags.tag_set_id,
        max(case when read_tags.normalized_key = 'team' then 1 else 0 end) as has_team_key,
        max(case when teams.team is not null then 1 else 0 end) as names_team,
        max(case when services.service is not null then 1 else 0 end) as names_service
    from read_tags
    left join teams on read_tags.normalized_key = 'team' and read_tags.tag_value = teams.team
    left join services on read_tags.normalized_key = 'service' and read_tags.tag_value = services.service
    group by read_tags.tag_set_id
),
tagged as (select distinct tag_set_id from raw.cur_tag_sets),
methods as (
    select
        case
            when readings.names_team = 1 then 'team_tag'
            when readings.names_service = 1 then 'service_tag'
            when owners.account_id is not null then 'account_owner'
            else 'unallocated'
        end as method,
        case when tagged.tag_set_id is not null then 1 else 0 end as is_tagged,
        coalesce(readings.has_team_key, 0) as has_team_key,
        line_item_spend.spend
    from line_item_spend
    left join tag_set_readings as readings on line_item_spend.tag_set_id = readings.tag_set_id
    left join tagged on line_item_spend.tag_set_id = tagged.tag_set_id
    left join owners on line_item_spend.account_id = owners.account_id
)
select method, is_tagged, has_team_key, cast(sum(spend) as double precision)
from methods
group by method, is_tagged, has_team_key"""


def coverage(wh: Warehouse, readings: Readings) -> Coverage:
    statement = Statement()
    inputs = ",\n".join(
        [
            statement.values(
                "key_map", ("tag_key", "normalized_key"), sorted(k for k in readings.key_map.items() if k[1] in ("team", "service"))
            ),
            statement.values(
                "value_map", ("normalized_key", "cleaned_value", "normalized_value"), sorted((*k, v) for k, v in readings.value_map.items())
            ),
            statement.values("teams", ("team",), sorted((t.lower(),) for t in readings.teams)),
            statement.values("services", ("service",), sorted((s.lower(),) for s in readings.services)),
            statement.values("owners", ("account_id",), sorted((a,) for a in readings.owned_accounts)),
        ]
    )
    _, rows = wh.fetch(f"with {SPEND_CTES.strip()},\n{inputs},\n{_METHODS_SQL.strip()}", statement.params)
    by_method: dict[str, float] = defaultdict(float)
    for method, _, _, spend in rows:
        by_method[method] += spend
    return Coverage(
        spend=sum((r[3] for r in rows), 0.0),
        tagged=sum((r[3] for r in rows if r[1]), 0.0),
        team_keyed=sum((r[3] for r in rows if r[2]), 0.0),
        by_method={m: by_method.get(m, 0.0) for m in METHODS},
    )


def summary_rows(result: Coverage) -> list[tuple[str, float, float | None]]:
    """(measure, spend, share of the spend in percent) for people and scripts."""
    attributed = sum(result.by_method[m] for m in METHODS if m != "unallocated")
    measures = [
        ("spend a team can own", result.spend),
        ("carries at least one tag", result.tagged),
        ("carries a tag the drafts read as team", result.team_keyed),
        ("attributed by a team tag naming a team of teams.csv", result.by_method["team_tag"]),
        ("attributed by a service tag naming a service of services.csv", result.by_method["service_tag"]),
        ("attributed by the account's owner (account_owners.csv and the drafts)", result.by_method["account_owner"]),
        ("attributed with the drafts as they stand", attributed),
        ("unallocated", result.by_method["unallocated"]),
    ]
    return [(name, spend, 100.0 * (spend / result.spend) if result.spend else None) for name, spend in measures]
