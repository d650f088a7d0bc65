"""What the loaded CUR says: spend per tag key, per value and per account, read from the raw tables
(`raw.cur_tag_sets` joined to `raw.cur_line_items` by tag set) in set-based SQL for DuckDB and PostgreSQL.

Spend is billed (unblended) cost over every loaded month, of the line items a team can own: FOCUS's
Usage and Purchase charge categories, as macros/cost_measures.sql's charge_category names them. Tax,
credits and adjustments never belong to a team, so they would only blur the shares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sibyl.errors import ConfigError
from sibyl.seed_drafts.tag_keys import KeySpend
from sibyl.seed_drafts.tag_values import ValueSpend
from sibyl.warehouse import Warehouse

TEAM_LINE_ITEM_TYPES = (
    "Usage",
    "DiscountedUsage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "Fee",
    "RIFee",
    "SavingsPlanRecurringFee",
    "SavingsPlanUpfrontFee",
)
_TEAM_TYPES = ", ".join(f"'{t}'" for t in TEAM_LINE_ITEM_TYPES)

# Line items summed per tag set and account first: every later join works on those few rows.
SPEND_CTES = f"""
line_item_spend as (
    select
        tag_set_id,
        line_item_usage_account_id as account_id,
        sum(case when line_item_line_item_type in ({_TEAM_TYPES}) then line_item_unblended_cost else 0 end) as spend,
        count(case when line_item_line_item_type in ({_TEAM_TYPES}) then 1 end) as line_items
    from raw.cur_line_items
    group by tag_set_id, line_item_usage_account_id
),
tag_set_spend as (
    select tag_set_id, sum(spend) as spend, sum(line_items) as line_items
    from line_item_spend
    group by tag_set_id
)"""


@dataclass(frozen=True)
class LoadedCur:
    line_items: int
    first_day: dt.date
    last_day: dt.date


class Statement:
    """SQL with `$n` parameters, and small tables of values written into it as CTEs."""

    def __init__(self) -> None:
        self.params: list[str] = []

    def values(self, name: str, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
        """A CTE `name(columns)` of varchar rows; an empty one when there are none."""
        body = ", ".join("(" + ", ".join(self._param(v) for v in row) + ")" for row in rows)
        if not body:
            nulls = ", ".join(f"cast(null as varchar) as {c}" for c in columns)
            return f"{name} as (select {nulls} where 1 = 0)"
        return f"{name} as (select * from (values {body}) as v ({', '.join(columns)}))"

    def _param(self, value: str) -> str:
        self.params.append(value)
        return f"cast(${len(self.params)} as varchar)"


def loaded_cur(wh: Warehouse) -> LoadedCur:
    """How much CUR is loaded; a clear error when there is none."""
    if not wh.relation_exists("raw", "cur_line_items"):
        raise ConfigError(f"no CUR is loaded in the {wh.name} warehouse: run `sibyl load cur SOURCE` first")
    _, [(count, first, last)] = wh.fetch(
        "select count(*), cast(min(line_item_usage_start_date) as date), cast(max(line_item_usage_start_date) as date) "
        "from raw.cur_line_items"
    )
    if not count:
        raise ConfigError(f"no CUR line items in the {wh.name} warehouse: run `sibyl load cur SOURCE` first")
    return LoadedCur(line_items=int(count), first_day=first, last_day=last)


def key_spend(wh: Warehouse) -> list[KeySpend]:
    """Every tag key as the CUR spells it, with the spend of the line items whose tags carry it."""
    _, rows = wh.fetch(
        f"""{_with(SPEND_CTES)}
        select
            tag_sets.tag_key,
            cast(sum(tag_set_spend.spend) as double precision),
            cast(sum(tag_set_spend.line_items) as bigint),
            count(*)
        from raw.cur_tag_sets as tag_sets
        inner join tag_set_spend on tag_sets.tag_set_id = tag_set_spend.tag_set_id
        group by tag_sets.tag_key"""
    )
    return [KeySpend(key, float(spend), int(items), int(sets)) for key, spend, items, sets in rows]


def value_spend(wh: Warehouse, key_map: dict[str, str]) -> tuple[list[ValueSpend], dict[tuple[str, str], float]]:
    """Each value of each normalized key (source keys read through `key_map`): its spend as spelt, and the
    spend of each cleaned value. A tag set that carries one value under two spellings of a key counts once."""
    statement = Statement()
    keyed = f"""{_with(SPEND_CTES)},
        {statement.values("key_map", ("tag_key", "normalized_key"), sorted(key_map.items()))},
        keyed as (
            select distinct
                tag_sets.tag_set_id,
                key_map.normalized_key,
                tag_sets.tag_value,
                lower(trim(tag_sets.tag_value)) as cleaned_value
            from raw.cur_tag_sets as tag_sets
            inner join key_map on tag_sets.tag_key = key_map.tag_key
        )"""
    _, spelt = wh.fetch(
        f"""{keyed}
        select keyed.normalized_key, keyed.tag_value, keyed.cleaned_value,
            cast(sum(tag_set_spend.spend) as double precision), cast(sum(tag_set_spend.line_items) as bigint)
        from keyed inner join tag_set_spend on keyed.tag_set_id = tag_set_spend.tag_set_id
        group by keyed.normalized_key, keyed.tag_value, keyed.cleaned_value""",
        statement.params,
    )
    _, cleaned = wh.fetch(
        f"""{keyed},
        cleaned as (select distinct tag_set_id, normalized_key, cleaned_value from keyed)
        select cleaned.normalized_key, cleaned.cleaned_value, cast(sum(tag_set_spend.spend) as double precision)
        from cleaned inner join tag_set_spend on cleaned.tag_set_id = tag_set_spend.tag_set_id
        group by cleaned.normalized_key, cleaned.cleaned_value""",
        statement.params,
    )
    values = [ValueSpend(key, value, clean, float(spend), int(items)) for key, value, clean, spend, items in spelt]
    return values, {(key, clean): float(spend) for key, clean, spend in cleaned}


def account_spend(wh: Warehouse) -> dict[str, tuple[float, int]]:
    """Usage account -> (spend, line items)."""
    _, rows = wh.fetch(
        f"""{_with(SPEND_CTES)}
        select account_id, cast(sum(spend) as double precision), cast(sum(line_items) as bigint)
        from line_item_spend
        group by account_id"""
    )
    return {account: (float(spend), int(items)) for account, spend, items in rows}


def _with(ctes: str) -> str:
    return f"with {ctes.strip()}"
