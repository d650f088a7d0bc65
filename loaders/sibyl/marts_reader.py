"""The one query layer over the marts: `sibyl report` and `sibyl serve` ask it the same questions and get the same
numbers. Fixed SQL (report.py); every value a person gives is a bound parameter."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sibyl import report as q
from sibyl.errors import ConfigError, DataError, first_line

_BASES = {"effective": "effective_cost", "billed": "billed_cost"}


class Readable(Protocol):
    """What the layer needs of a connection: a warehouse of sibyl.warehouse, or the server's read-only one."""

    name: str

    def fetch(self, sql: str, params: Any = ()) -> tuple[list[str], list[tuple]]: ...

    def relation_exists(self, schema: str, name: str) -> bool: ...


class MartsNotBuilt(ConfigError):
    def __init__(self) -> None:
        super().__init__("the marts are not built yet: run `sibyl build` first")


class NoCostData(DataError):
    """A window without a single cost row: says what the warehouse covers instead of a table of zeros."""

    def __init__(self, message: str, coverage: tuple[dt.date, dt.date] | None) -> None:
        super().__init__(message)
        self.coverage = coverage


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[tuple]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def money_text(value: object) -> str | None:
    """An amount as decimal text, to a millionth, at least to the cent: '223314.4239', '12.50', '-0.000125'."""
    if value is None:
        return None
    amount = decimal.Decimal(repr(q.money_number(value)))
    return str(amount.quantize(decimal.Decimal("0.01"))) if amount.as_tuple().exponent > -2 else format(amount, "f")


def cost_basis(project_dir: Path) -> str:
    """The dbt var cost_basis of the project (what the team views were built with), as a column of fct_cost_daily."""
    import yaml

    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    basis = str((project.get("vars") or {}).get("cost_basis", "effective"))
    if basis not in _BASES:
        raise ConfigError(f"dbt_project.yml: var cost_basis must be 'effective' or 'billed', not {basis!r}")
    return _BASES[basis]


class MartsReader:
    def __init__(self, wh: Readable, *, basis_column: str = "effective_cost") -> None:
        if basis_column not in _BASES.values():
            raise ValueError(basis_column)
        self.wh = wh
        self.basis_column = basis_column
        self._built: dict[str, bool] = {}  # the catalog, asked once per mart and reader (a reader lives one request)

    def mart(self, mart: str, sql: str, params: list | tuple = ()) -> Table:
        """The rows of `sql` over `marts.<mart>`; "not built yet" only when the catalog has no such relation."""
        try:
            built = self.has_mart(mart)
            result = self.wh.fetch(sql, params) if built else None
        except Exception as exc:  # each driver has its own classes; its message says what failed
            raise ConfigError(f"cannot read {q.MARTS_SCHEMA}.{mart} from the {self.wh.name} warehouse: {first_line(exc)}") from exc
        if result is None:
            raise MartsNotBuilt()
        return Table(*result)

    def has_mart(self, mart: str) -> bool:
        if mart not in self._built:
            self._built[mart] = self.wh.relation_exists(q.MARTS_SCHEMA, mart)
        return self._built[mart]

    def coverage(self) -> tuple[dt.date, dt.date] | None:
        """The first and last usage day the warehouse holds, or None before any CUR was loaded and built."""
        first, last = self.mart("fct_cost_daily", q.COVERAGE_SQL).rows[0]
        return None if first is None else (_date(first), _date(last))

    def currency(self) -> str | None:
        # a CUR has one currency (its payer's): any row says it, and the first one costs no scan
        rows = self.mart("fct_cost_daily", f"select currency_code from {q.MARTS_SCHEMA}.fct_cost_daily limit 1").rows
        return rows[0][0] if rows else None

    def cost_by_team(self, as_of: dt.date | None = None) -> Table:
        """The 30-day view, ordered as the report prints it: the mart as built, or the same view ending on `as_of`."""
        if as_of is None:
            table = self.mart(q.COST_BY_TEAM, q.COST_BY_TEAM_SQL)
            end = _date(table.rows[0][table.columns.index("window_end")]) if table.rows else None
        else:
            start, prev_start = as_of - dt.timedelta(days=29), as_of - dt.timedelta(days=59)
            sql = q.COST_BY_TEAM_WINDOW_SQL.replace("{cost}", self.basis_column)
            table = self.mart("fct_cost_daily", sql, [start, as_of, prev_start])
            end = as_of
        self._check_covered(end)
        return Table(table.columns, q.ordered(table.columns, table.rows))

    def _check_covered(self, end: dt.date | None) -> None:
        covered = self.coverage()
        if covered is None:
            raise NoCostData("no CUR loaded yet: run `sibyl load cur <source>` and `sibyl build` first", None)
        prev_start = end - dt.timedelta(days=59) if end else None
        if end is None or end < covered[0] or prev_start > covered[1]:
            raise NoCostData(
                f"no cost in the 60 days from {prev_start} to {end}: the warehouse covers usage from {covered[0]} to {covered[1]}",
                covered,
            )

    def monthly(self, *, team: str | None = None, from_month: dt.date | None = None, to_month: dt.date | None = None) -> Table:
        return self.mart(q.COST_BY_TEAM_MONTHLY, *q.monthly_query(team=team, from_month=from_month, to_month=to_month))

    def unallocated(self) -> Table:
        return self.mart(q.UNALLOCATED, q.UNALLOCATED_SQL)

    def untagged(self, *, min_cost: float | None = None, account: str | None = None, team: str | None = None) -> Table:
        return self.mart(q.UNTAGGED, *q.untagged_query(min_cost=min_cost, account=account, team=team))

    def compliance(self, *, all_scans: bool = False) -> Table:
        return self.mart(q.COMPLIANCE, q.compliance_query(all_scans=all_scans))

    def idle(self) -> Table | None:
        """Idle resources, or None where that mart was never built (an older build)."""
        return self.mart(q.IDLE, q.IDLE_SQL) if self.has_mart(q.IDLE) else None

    def org(self) -> Table:
        """Every team of today with its business unit and group (finance edits them in git, the seeds)."""
        return self.mart(
            "dim_teams",
            f"select business_group, business_unit, team, owner_email, slack_channel from {q.MARTS_SCHEMA}.dim_teams "
            "order by business_group, business_unit, team",
        )


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
