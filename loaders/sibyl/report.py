"""Read the marts and render them for people (table) or scripts (csv, json)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json

_ROW_TYPE_ORDER = "case row_type when 'team' then 0 when 'unallocated' then 1 else 2 end"

# The marts the reports read, in the schema dbt builds them in: asked of the catalog before reading.
MARTS_SCHEMA = "marts"
COST_BY_TEAM = "cost_by_team_30d"
COST_BY_TEAM_MONTHLY = "cost_by_team_monthly"
UNALLOCATED = "unallocated_cost"
UNTAGGED = "untagged_resources"
COMPLIANCE = "compliance_summary"
IDLE = "idle_resources"

COST_BY_TEAM_SQL = f"""
select team, business_unit, business_group, row_type, window_start, window_end,
       cost_30d, cost_prev_30d, mom_change, mom_change_pct
from {MARTS_SCHEMA}.{COST_BY_TEAM}
"""

# The rows of the team views, in the mart's own order of columns.
COST_BY_TEAM_COLUMNS = [
    "team", "business_unit", "business_group", "row_type", "window_start", "window_end",
    "cost_30d", "cost_prev_30d", "mom_change", "mom_change_pct",
]  # fmt: skip

# The 30-day view for another as-of date, computed from the marts as dbt computes cost_by_team_30d from the layers
# below them: the same rows (every team of today, unallocated, the charge rows, and any (team, unit) with cost) and
# the same sums. $1 the window's first day, $2 its last, $3 the previous window's first day; {cost} is the cost
# basis column (effective_cost or billed_cost), chosen in code from two names, never from a request.
COST_BY_TEAM_WINDOW_SQL = f"""
with

days as (
    select
        case when charge_category in ('Usage', 'Purchase') then team else '(' || lower(charge_category) || ')' end as team,
        case when charge_category in ('Usage', 'Purchase') then business_unit end as business_unit,
        case when charge_category in ('Usage', 'Purchase') then business_group end as business_group,
        case
            when charge_category not in ('Usage', 'Purchase') then 'charge'
            when team = 'unallocated' then 'unallocated'
            else 'team'
        end as row_type,
        usage_date,
        {{cost}} as cost
    from {MARTS_SCHEMA}.fct_cost_daily
    where usage_date between cast($3 as date) and cast($2 as date)
),

row_costs as (
    select
        team, business_unit, business_group, row_type,
        sum(case when usage_date >= cast($1 as date) then cost else 0 end) as cost_30d,
        sum(case when usage_date < cast($1 as date) then cost else 0 end) as cost_prev_30d
    from days
    group by team, business_unit, business_group, row_type
),

keyed_rows as (
    select team, business_unit, business_group, 'team' as row_type from {MARTS_SCHEMA}.dim_teams
    union select 'unallocated', null, null, 'unallocated'
    union select '(tax)', null, null, 'charge'
    union select '(credit)', null, null, 'charge'
    union select '(adjustment)', null, null, 'charge'
    union select team, business_unit, business_group, row_type from row_costs
),

final as (
    select
        keyed_rows.team, keyed_rows.business_unit, keyed_rows.business_group, keyed_rows.row_type,
        cast($1 as date) as window_start,
        cast($2 as date) as window_end,
        coalesce(row_costs.cost_30d, 0) as cost_30d,
        coalesce(row_costs.cost_prev_30d, 0) as cost_prev_30d,
        coalesce(row_costs.cost_30d, 0) - coalesce(row_costs.cost_prev_30d, 0) as mom_change,
        case
            when coalesce(row_costs.cost_prev_30d, 0) = 0 then null
            else 100.0 * (row_costs.cost_30d - row_costs.cost_prev_30d) / row_costs.cost_prev_30d
        end as mom_change_pct
    from keyed_rows
    left join row_costs
        on keyed_rows.team = row_costs.team
        and coalesce(keyed_rows.business_unit, '') = coalesce(row_costs.business_unit, '')
)

select * from final
"""

# What the warehouse covers: the first and last usage day of the CUR, as the marts hold it.
COVERAGE_SQL = f"select min(usage_date), max(usage_date) from {MARTS_SCHEMA}.fct_cost_daily"

# Filters of the monthly view: fixed conditions whose values are query parameters.
_MONTHLY_FILTERS = {"team": "team = {}", "from_month": "billing_month >= {}", "to_month": "billing_month <= {}"}


def monthly_query(*, team: str | None = None, from_month: dt.date | None = None, to_month: dt.date | None = None) -> tuple[str, list]:
    """Cost per month and team row, with the filters given: (SQL with $n placeholders, their values)."""
    given = {name: value for name, value in {"team": team, "from_month": from_month, "to_month": to_month}.items() if value is not None}
    conditions = [_MONTHLY_FILTERS[name].format(f"${i}") for i, name in enumerate(given, start=1)]
    where = f"where {' and '.join(conditions)}\n" if conditions else ""
    sql = f"""
select billing_month, team, business_unit, business_group, row_type,
       cost, cost_prev_month, mom_change, mom_change_pct, is_month_to_date
from {MARTS_SCHEMA}.{COST_BY_TEAM_MONTHLY}
{where}order by billing_month, {_ROW_TYPE_ORDER}, cost desc, team
"""
    return sql, list(given.values())


COST_BY_TEAM_MONTHLY_SQL, _ = monthly_query()

UNALLOCATED_SQL = f"""
select cost_rank, usage_account_id, product_code, resource_id, missing_tags,
       cost_30d, billed_cost_30d, effective_cost_30d, line_item_count, first_usage_date, last_usage_date
from {MARTS_SCHEMA}.{UNALLOCATED}
order by cost_rank
"""

# Filters of `report untagged`: each a fixed condition whose value is a query parameter, never formatted into the SQL.
# The cost is compared as printed, to the cent: `--min-cost 9.10` keeps a sum of floats that is 9.0999999.
_UNTAGGED_FILTERS = {"min_cost": "cast(monthly_cost as decimal(18, 2)) >= {}", "account": "account_id = {}", "team": "suggested_owner = {}"}


def untagged_query(*, min_cost: float | None = None, account: str | None = None, team: str | None = None) -> tuple[str, list]:
    """The non-compliant resources, most expensive first, with the filters given: (SQL with $n placeholders, their values)."""
    given = {name: value for name, value in {"min_cost": min_cost, "account": account, "team": team}.items() if value is not None}
    conditions = [_UNTAGGED_FILTERS[name].format(f"${i}") for i, name in enumerate(given, start=1)]
    where = f"where {' and '.join(conditions)}\n" if conditions else ""
    sql = f"""
select cost_rank, account_id, region, resource_type, resource_id, source, missing_tags, invalid_tags,
       monthly_cost, billed_cost_30d, suggested_owner, suggested_owner_reason, first_seen_at, last_seen_at
from {MARTS_SCHEMA}.{UNTAGGED}
{where}order by cost_rank
"""
    return sql, list(given.values())


_GRAIN_ORDER = "case grain when 'overall' then 0 when 'account' then 1 else 2 end"


def compliance_query(*, all_scans: bool = False) -> str:
    """Compliance per grain (overall, account, team) of the latest scan, or of every scan (newest first)."""
    latest = (
        ""
        if all_scans
        else f"where scan_id = (select scan_id from {MARTS_SCHEMA}.{COMPLIANCE} order by scan_started_at desc, scan_id desc limit 1)\n"
    )
    return f"""
select scan_id, scan_started_at, scan_status, grain, account_id, team, resources_seen, resources_compliant,
       compliant_pct, previous_compliant_pct, spend_30d, spend_compliant_pct, noncompliant_monthly_cost, resources_carried_forward
from {MARTS_SCHEMA}.{COMPLIANCE}
{latest}order by scan_started_at desc, scan_id desc, {_GRAIN_ORDER}, account_id, team
"""


IDLE_SQL = f"""
select saving_rank, judgement, team, account_id, region, resource_type, resource_id,
       estimated_monthly_saving, monthly_cost, evidence
from {MARTS_SCHEMA}.{IDLE}
order by saving_rank
"""

# Columns that hold an amount of money, in the CUR's currency: printed without float artefacts
# (json, csv) and written by the API as decimal strings.
MONEY_COLUMNS = frozenset(
    {
        "cost_30d",
        "cost_prev_30d",
        "mom_change",
        "cost",
        "cost_prev_month",
        "billed_cost_30d",
        "effective_cost_30d",
        "monthly_cost",
        "spend_30d",
        "noncompliant_monthly_cost",
        "estimated_monthly_saving",
    }
)
_ROW_TYPES = {"team": 0, "unallocated": 1, "charge": 2}


def ordered(columns: list[str], rows: list[tuple]) -> list[tuple]:
    """Teams by cost (biggest first), then `unallocated`, then the charge rows: the same on every engine."""
    team, kind, cost = columns.index("team"), columns.index("row_type"), columns.index("cost_30d")
    return sorted(rows, key=lambda r: (_ROW_TYPES.get(r[kind], 3), -float(r[cost] or 0), r[team]))


def render(columns: list[str], rows: list[tuple], fmt: str, *, title: str | None = None) -> str:
    """json and csv carry the mart's columns as they are; table is for people."""
    if fmt == "json":
        return json.dumps([{c: _plain(c, v) for c, v in zip(columns, row, strict=True)} for row in rows], indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(c, v) for c, v in zip(columns, row, strict=True)] for row in rows])
        return out.getvalue()
    if title is None:
        return _cost_by_team_table(columns, rows)
    return _plain_table(columns, rows, title)


def _cost_by_team_table(columns: list[str], rows: list[tuple]) -> str:
    if not rows:
        return "No cost data: load a CUR (`sibyl load cur`) and build (`sibyl build`) first.\n"
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    first = records[0]
    title = f"Cost by team, {first['window_start']} to {first['window_end']} (30 days) vs the 30 days before"
    headers = ["team", "business unit", "business group", "cost 30d", "previous 30d", "change", "change %"]
    body = [
        [
            r["team"],
            r["business_unit"] or "",
            r["business_group"] or "",
            _money(r["cost_30d"]),
            _money(r["cost_prev_30d"]),
            _money(r["mom_change"], signed=True),
            _pct(r["mom_change_pct"]),
        ]
        for r in records
    ]
    total_now = sum(float(r["cost_30d"]) for r in records)
    total_prev = sum(float(r["cost_prev_30d"]) for r in records)
    pct = _pct(None if total_prev == 0 else 100 * (total_now - total_prev) / total_prev)
    footer = ["total", "", "", _money(total_now), _money(total_prev), _money(total_now - total_prev, signed=True), pct]
    widths = [max(len(str(line[i])) for line in [headers, *body, footer]) for i in range(len(headers))]
    numeric = {3, 4, 5, 6}

    def fmt_line(line: list[str]) -> str:
        cells = [str(c).rjust(w) if i in numeric else str(c).ljust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True))]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([title, "", fmt_line(headers), rule, *map(fmt_line, body), rule, fmt_line(footer)]) + "\n"


def _plain_table(columns: list[str], rows: list[tuple], title: str) -> str:
    if not rows:
        return f"{title}: no rows.\n"
    numeric = [
        i
        for i, c in enumerate(columns)
        if any(isinstance(r[i], (int, float, decimal.Decimal)) and not isinstance(r[i], bool) for r in rows)
    ]
    body = [[_cell(columns[i], v) for i, v in enumerate(row)] for row in rows]
    widths = [max(len(line[i]) for line in [columns, *body]) for i in range(len(columns))]

    def fmt_line(line: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([title, "", fmt_line(columns), rule, *map(fmt_line, body)]) + "\n"


def _cell(column: str, value: object) -> str:
    if value is None:
        return "n/a" if column.endswith("_pct") else ""
    if column.endswith("_pct"):
        return _pct(value, signed=column.endswith("change_pct"))
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, (float, decimal.Decimal)):
        return _money(value, signed=column == "mom_change")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _pct(value: object, *, signed: bool = True) -> str:
    # round first so that -0.04 prints as +0.0%, not -0.0%
    return "n/a" if value is None else f"{round(float(value), 1) + 0.0:{'+' if signed else ''}.1f}%"


def _money(value: object, *, signed: bool = False) -> str:
    amount = float(value or 0)
    return f"{amount:+,.2f}" if signed else f"{amount:,.2f}"


# Sums of binary floats carry artefacts past the tenth decimal (223314.42390000008): amounts are printed to a
# millionth of the currency unit, which keeps every cent and the sub-cent prices AWS bills in.
DECIMALS = 6


def money_number(value: object) -> float:
    """An amount rounded to a millionth: its shortest text is that decimal, 223314.4239, never 223314.42390000008."""
    return round(float(value), DECIMALS) + 0.0  # + 0.0: never -0.0


def _plain(column: str, value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if column in MONEY_COLUMNS and isinstance(value, (float, decimal.Decimal)):
        return money_number(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value
