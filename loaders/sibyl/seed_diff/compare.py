"""What a seed change moves, in set-based SQL over two builds of the project (see scratch.Marts):
dollars per business group, business unit and team (last 30 days and each month, as the team views
count them), line items whose allocation method changes, and tag conflicts that appear or vanish."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sibyl.config import Settings
from sibyl.errors import ConfigError, first_line
from sibyl.seed_diff.scratch import Marts
from sibyl.warehouse import Warehouse, connect

LEVELS = ("business_group", "business_unit", "team")
LAST_30_DAYS = "last 30 days"
# Rows of the team views without a unit or group: `unallocated` and the tax, credit and adjustment rows.
NO_PARENT = "(none)"
# Half a cent: two builds add the same rows in another order and differ in the last bits.
MIN_CHANGE = 0.005

COST_MOVE_COLUMNS = ["level", "name", "period", "cost_before", "cost_after", "change"]
METHOD_CHANGE_COLUMNS = ["method_before", "method_after", "line_items", "effective_cost", "billed_cost"]
TAG_CONFLICT_COLUMNS = ["change", "normalized_key", "source_tags", "value_before", "value_after", "tag_sets"]


@dataclass(frozen=True)
class SeedDiff:
    base: str
    head: str
    window_start: dt.date | None  # the head build's 30-day window
    window_end: dt.date | None
    cost_moves: list[tuple]
    method_changes: list[tuple]
    tag_conflicts: list[tuple]

    @property
    def is_empty(self) -> bool:
        return not (self.cost_moves or self.method_changes or self.tag_conflicts)


@contextmanager
def comparison(settings: Settings, base: Marts, head: Marts) -> Iterator[tuple[Warehouse, Marts, Marts]]:
    """One connection that reads both builds. DuckDB: the head copy, with the base file attached as
    `base` (a view of an attached file reads its own file's tables); PostgreSQL: the database."""
    if settings.target != "duckdb":
        with connect(settings, read_only=True) as wh:
            yield wh, base, head
        return
    with connect(dataclasses.replace(settings, duckdb_path=head.duckdb_file), read_only=True) as wh:
        try:
            wh.execute(f"attach '{str(base.duckdb_file).replace(chr(39), chr(39) * 2)}' as base (read_only)")
        except Exception as exc:  # duckdb.IOException when a writer holds the file
            raise ConfigError(f"cannot read the DuckDB warehouse {base.duckdb_file}: {first_line(exc)}") from exc
        yield wh, dataclasses.replace(base, catalog="base"), dataclasses.replace(head, catalog=head.duckdb_file.stem)


def compare(wh: Warehouse, base: Marts, head: Marts) -> SeedDiff:
    _, [(window_start, window_end)] = wh.fetch(
        f"select min(window_start), max(window_end) from {head.relation('marts', 'cost_by_team_30d')}"
    )
    return SeedDiff(
        base=base.label,
        head=head.label,
        window_start=window_start,
        window_end=window_end,
        cost_moves=_cost_moves(wh, base, head),
        method_changes=_method_changes(wh, base, head),
        tag_conflicts=_tag_conflicts(wh, base, head),
    )


def _cost_moves(wh: Warehouse, base: Marts, head: Marts) -> list[tuple]:
    _, rows = wh.fetch(
        f"""
        with
        base_rows as ({_cost_rows(base)}),
        head_rows as ({_cost_rows(head)}),
        joined as (
            select
                coalesce(head_rows.level, base_rows.level) as level,
                coalesce(head_rows.name, base_rows.name) as name,
                coalesce(head_rows.period, base_rows.period) as period,
                coalesce(base_rows.cost, 0) as cost_before,
                coalesce(head_rows.cost, 0) as cost_after
            from base_rows
            full outer join head_rows
                on base_rows.level = head_rows.level
                and base_rows.name = head_rows.name
                and base_rows.period = head_rows.period
        )
        select level, name, period, cost_before, cost_after, cost_after - cost_before as change
        from joined
        where abs(cost_after - cost_before) >= {MIN_CHANGE}"""
    )
    return sorted(rows, key=lambda r: (LEVELS.index(r[0]), r[2] != LAST_30_DAYS, r[2], -r[5], r[1]))


def _cost_rows(marts: Marts) -> str:
    """(level, name, period, cost) of one build: each level over the 30-day window and per month."""
    window, monthly = marts.relation("marts", "cost_by_team_30d"), marts.relation("marts", "cost_by_team_monthly")
    parts = []
    for level in LEVELS:
        name = f"coalesce({level}, '{NO_PARENT}')"
        parts.append(
            f"select '{level}' as level, {name} as name, '{LAST_30_DAYS}' as period, sum(cost_30d) as cost from {window} group by {name}"
        )
        parts.append(
            f"select '{level}' as level, {name} as name, substr(cast(billing_month as varchar), 1, 7) as period, sum(cost) as cost "
            f"from {monthly} group by {name}, billing_month"
        )
    return "\n            union all\n            ".join(parts)


def _method_changes(wh: Warehouse, base: Marts, head: Marts) -> list[tuple]:
    """Line items (all loaded months) matched by load, id and interval, whose allocation method differs."""
    _, rows = wh.fetch(
        f"""
        select
            base_items.allocation_method,
            head_items.allocation_method,
            count(*),
            cast(sum(head_items.effective_cost) as double precision),
            cast(sum(head_items.unblended_cost) as double precision)
        from {base.relation("intermediate", "int_line_items_attributed")} as base_items
        inner join {head.relation("intermediate", "int_line_items_attributed")} as head_items
            on base_items.load_id = head_items.load_id
            and base_items.line_item_id = head_items.line_item_id
            and base_items.time_interval = head_items.time_interval
        where base_items.allocation_method <> head_items.allocation_method
        group by base_items.allocation_method, head_items.allocation_method"""
    )
    return sorted(
        ((before, after, int(count), effective, billed) for before, after, count, effective, billed in rows),
        key=lambda r: (-r[3], r[0], r[1]),
    )


def _tag_conflicts(wh: Warehouse, base: Marts, head: Marts) -> list[tuple]:
    """Conflicts (marts.tag_conflicts) only one build has, or whose tags or chosen value differ."""
    _, rows = wh.fetch(
        f"""
        select
            case
                when base_conflicts.tag_set_id is null then 'appears'
                when head_conflicts.tag_set_id is null then 'vanishes'
                else 'changes'
            end,
            coalesce(head_conflicts.normalized_key, base_conflicts.normalized_key),
            coalesce(head_conflicts.source_tags, base_conflicts.source_tags),
            base_conflicts.chosen_value,
            head_conflicts.chosen_value,
            count(*)
        from {base.relation("marts", "tag_conflicts")} as base_conflicts
        full outer join {head.relation("marts", "tag_conflicts")} as head_conflicts
            on base_conflicts.tag_set_id = head_conflicts.tag_set_id
            and base_conflicts.normalized_key = head_conflicts.normalized_key
        where base_conflicts.tag_set_id is null
            or head_conflicts.tag_set_id is null
            or coalesce(base_conflicts.chosen_value, '') <> coalesce(head_conflicts.chosen_value, '')
            or base_conflicts.source_tags <> head_conflicts.source_tags
        group by 1, 2, 3, 4, 5"""
    )
    return sorted(((*r[:5], int(r[5])) for r in rows), key=lambda r: (r[0], r[1], r[2]))
