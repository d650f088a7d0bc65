"""GET /api/v1/…: the marts through the one query layer (sibyl.marts_reader), as `sibyl report` reads them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from sibyl.marts_reader import MartsReader, Table, money_text
from sibyl.report import MONEY_COLUMNS
from sibyl.serve import schemas

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.Error, "description": why}
    for code, why in {
        401: "Missing or wrong bearer token (only when the server has one)",
        404: "An unknown team, business unit or group; or a window without data (then `coverage` says what there is)",
        422: "A bad parameter: the error names it and says what is expected",
        503: "Nothing to read yet, or the warehouse is unreachable: the error says what to run",
    }.items()
}
_CHARGE_ROWS = ("unallocated", "(tax)", "(credit)", "(adjustment)")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ApiError(Exception):
    """An answer about the request (an unknown name, a bad month), given as JSON with its status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _no_unknown_parameters(request: Request) -> None:
    """A misspelt filter (`?as_off=…`) would otherwise be ignored, and the answer look like the filtered one."""
    known = {param.alias for param in request.scope["route"].dependant.query_params}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        expected = ", ".join(sorted(known)) or "none"
        raise ApiError(422, f"unknown query parameter {', '.join(unknown)}: this endpoint takes {expected}")


router = APIRouter(prefix="/api/v1", dependencies=[Depends(_no_unknown_parameters)])


def _ask(request: Request, question):
    """Run `question(reader)` on a connection borrowed for this request (read-only, returned after)."""
    with request.app.state.reader.borrow() as con:
        return question(MartsReader(con, basis_column=request.app.state.basis_column))


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """Money as decimal text: the reports' json numbers, written as strings."""
    return {k: money_text(v) if k in MONEY_COLUMNS else v for k, v in record.items()}


def _records(table: Table) -> list[dict[str, Any]]:
    return [_plain(r) for r in table.records()]


def _coverage(covered: tuple[dt.date, dt.date]) -> dict[str, dt.date]:
    return {"first_usage_date": covered[0], "last_usage_date": covered[1]}


def _known(value: str | None, known: set, what: str, where: str) -> None:
    if value is not None and value not in known:
        raise ApiError(404, f"unknown {what} {value!r}: {where} lists them")


AsOf = Annotated[dt.date | None, Query(description="Last day of the 30-day window, YYYY-MM-DD (default: as built)")]
Name = Annotated[str | None, Query(min_length=1, max_length=200)]


@router.get("/costs/by_team", response_model=schemas.CostByTeam, responses=_ERRORS, summary="Cost by team, last 30 days, with MoM")
def cost_by_team(request: Request, as_of: AsOf = None, business_unit: Name = None, business_group: Name = None) -> dict:
    """Every team row of the 30-day view (today's units), `unallocated` and the charge rows, with the change from the
    30 days before; `business_unit` / `business_group` keep the teams of one unit / group."""

    def question(reader: MartsReader):
        table = reader.cost_by_team(as_of)
        return table, reader.coverage(), reader.currency(), reader.org() if business_unit or business_group else None

    table, covered, currency, org = _ask(request, question)
    records = _records(table)
    if org is not None:
        _known(business_unit, {r["business_unit"] for r in org.records()}, "business unit", "GET /api/v1/org")
        _known(business_group, {r["business_group"] for r in org.records()}, "business group", "GET /api/v1/org")
        records = [
            r
            for r in records
            if r["row_type"] == "team" and business_unit in (None, r["business_unit"]) and business_group in (None, r["business_group"])
        ]
    first = table.records()[0]
    start, end = first["window_start"], first["window_end"]
    return {
        "currency": currency,
        "cost_basis": request.app.state.basis_column,
        "window_start": start,
        "window_end": end,
        "previous_window_start": start - dt.timedelta(days=30),
        "previous_window_end": start - dt.timedelta(days=1),
        "total_30d": money_text(sum(float(r["cost_30d"]) for r in records)),
        "total_prev_30d": money_text(sum(float(r["cost_prev_30d"]) for r in records)),
        "coverage": _coverage(covered),
        "rows": records,
    }


def _month(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    if not _MONTH.match(value):
        raise ApiError(422, f"query parameter {name}: expected a month as YYYY-MM, got {value!r}")
    return dt.date(int(value[:4]), int(value[5:]), 1)


@router.get("/costs/by_team/monthly", response_model=schemas.CostByTeamMonthly, responses=_ERRORS, summary="Cost by team and month")
def cost_by_team_monthly(
    request: Request,
    team: Name = None,
    from_: Annotated[str | None, Query(alias="from", description="First month, YYYY-MM")] = None,
    to: Annotated[str | None, Query(description="Last month, YYYY-MM")] = None,
) -> dict:
    """Per calendar month and team row; the month of the as-of date, while incomplete, is compared with the same days
    of the month before."""
    first, last = _month(from_, "from"), _month(to, "to")
    if first and last and first > last:
        raise ApiError(422, f"query parameters from and to: from ({from_}) is after to ({to})")

    def question(reader: MartsReader):
        teams = {r["team"] for r in reader.org().records()} | set(_CHARGE_ROWS) if team else set()
        return teams, reader.monthly(team=team, from_month=first, to_month=last), reader.currency()

    teams, table, currency = _ask(request, question)
    if not table.rows:  # a team of the past has months, though no longer in the org
        _known(team, teams, "team", "GET /api/v1/org")
    return {"currency": currency, "rows": _records(table)}


Limit = Annotated[int, Query(ge=1, le=500, description="Rows per page")]


@router.get("/costs/unallocated", response_model=schemas.Unallocated, responses=_ERRORS, summary="Spend no team claims")
def unallocated(request: Request, limit: Limit = 20) -> dict:
    """The unallocated share of the 30-day view and the biggest unallocated spend by account, product and resource."""

    def question(reader: MartsReader):
        return reader.cost_by_team(), reader.unallocated(), reader.currency()

    view, items, currency = _ask(request, question)
    rows = view.records()
    total = sum(r["cost_30d"] for r in rows)
    unassigned = sum(r["cost_30d"] for r in rows if r["row_type"] == "unallocated")
    return {
        "currency": currency,
        "unallocated_30d": money_text(unassigned),
        "total_30d": money_text(total),
        "unallocated_share_pct": None if total == 0 else 100 * unassigned / total,
        "total_items": len(items.rows),
        "rows": _records(items)[:limit],
    }


@router.get("/compliance/untagged", response_model=schemas.Untagged, responses=_ERRORS, summary="Non-compliant resources")
def untagged(
    request: Request,
    min_cost: Annotated[float | None, Query(ge=0, le=1e12, description="Only resources whose monthly cost is at least this")] = None,
    account: Annotated[str | None, Query(pattern=r"^\d{12}$", description="Only this AWS account id (12 digits)")] = None,
    team: Annotated[str | None, Query(min_length=1, max_length=200, description="Only this suggested owner")] = None,
    limit: Limit = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict:
    """Resources with missing or invalid tags, most expensive first, with a suggested owner; paged."""

    def question(reader: MartsReader):
        teams = {r["team"] for r in reader.org().records()} if team else set()
        return teams, reader.untagged(min_cost=min_cost, account=account, team=team), reader.currency()

    teams, table, currency = _ask(request, question)
    _known(team, teams, "team", "GET /api/v1/org")
    return {
        "currency": currency,
        "total": len(table.rows),
        "limit": limit,
        "offset": offset,
        "rows": _records(table)[offset : offset + limit],
    }


@router.get("/compliance/summary", response_model=schemas.ComplianceSummary, responses=_ERRORS, summary="Tag compliance")
def compliance_summary(request: Request) -> dict:
    """The latest scan's compliance (overall, per account, per team) and every scan's overall figures."""
    table, currency = _ask(request, lambda reader: (reader.compliance(all_scans=True), reader.currency()))
    records = _records(table)
    if not records:
        message = "no inventory scan loaded yet: run `sibyl load inventory` and `sibyl build`"
        return {"currency": currency, "scan_id": None, "scan_started_at": None, "message": message, "rows": [], "trend": []}
    latest = records[0]["scan_id"]
    return {
        "currency": currency,
        "scan_id": latest,
        "scan_started_at": records[0]["scan_started_at"],
        "message": None,
        "rows": [r for r in records if r["scan_id"] == latest],
        "trend": [r for r in reversed(records) if r["grain"] == "overall"],
    }


@router.get("/resources/idle", response_model=schemas.Idle, responses=_ERRORS, summary="Idle resources")
def idle(request: Request, limit: Limit = 50) -> dict:
    """Resources that cost money while doing almost nothing, biggest estimated saving first."""
    table, currency = _ask(request, lambda reader: (reader.idle(), reader.currency()))
    return {"currency": currency, "available": table is not None, "rows": _records(table)[:limit] if table else []}


@router.get("/org", response_model=schemas.Org, responses=_ERRORS, summary="The hierarchy: group, unit, team")
def org(request: Request) -> dict:
    """Business groups, their units and teams, as built from the seeds (read-only: finance edits them in git)."""
    groups: dict[str, dict[str, list]] = {}
    for r in _ask(request, lambda reader: reader.org()).records():
        groups.setdefault(r["business_group"], {}).setdefault(r["business_unit"], []).append(r)
    return {
        "business_groups": [
            {"business_group": g, "business_units": [{"business_unit": u, "teams": teams} for u, teams in units.items()]}
            for g, units in groups.items()
        ]
    }
