"""The API's responses, typed: OpenAPI names every field, its type and its unit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

Money = Annotated[
    str,
    Field(
        description="An amount in the response's `currency`, as a decimal string (to a millionth, at least to the cent); "
        "never a binary float",
        examples=["2750.209159", "12.50"],
    ),
]
MaybeMoney = Annotated[str | None, Field(description="An amount in the response's `currency`, as a decimal string; null when unknown")]
Percent = Annotated[float | None, Field(description="A percentage (12.5 means 12.5 %); null when undefined")]


class Coverage(BaseModel):
    first_usage_date: dt.date = Field(description="First usage day of the CUR in the warehouse")
    last_usage_date: dt.date = Field(description="Last usage day of the CUR in the warehouse")


class Error(BaseModel):
    error: str = Field(description="What is wrong and what to do, in one line")
    coverage: Coverage | None = Field(None, description="The dates the warehouse covers, when the error is a window without data")


class TeamCost(BaseModel):
    team: str = Field(description="Team, `unallocated`, or a charge row: `(tax)`, `(credit)`, `(adjustment)`")
    business_unit: str | None
    business_group: str | None
    row_type: str = Field(description="`team`, `unallocated` or `charge`")
    cost_30d: Money
    cost_prev_30d: Money
    mom_change: Money
    mom_change_pct: Percent


class CostByTeam(BaseModel):
    currency: str | None = Field(description="ISO 4217 currency of every amount (the CUR's), null before any CUR")
    cost_basis: str = Field(description="`effective_cost` (amortized) or `billed_cost` (unblended): dbt var cost_basis")
    window_start: dt.date = Field(description="First day of the 30-day window")
    window_end: dt.date = Field(description="Last day of the window: the as-of date")
    previous_window_start: dt.date
    previous_window_end: dt.date
    total_30d: Money
    total_prev_30d: Money
    coverage: Coverage
    rows: list[TeamCost]


class MonthlyCost(BaseModel):
    billing_month: dt.date = Field(description="First day of the calendar month")
    team: str
    business_unit: str | None
    business_group: str | None
    row_type: str
    cost: MaybeMoney
    cost_prev_month: MaybeMoney = Field(description="The month before (for a month to date: the same days of the month before)")
    mom_change: MaybeMoney
    mom_change_pct: Percent
    is_month_to_date: bool


class CostByTeamMonthly(BaseModel):
    currency: str | None
    rows: list[MonthlyCost]


class UnallocatedItem(BaseModel):
    cost_rank: int
    usage_account_id: str | None
    product_code: str | None
    resource_id: str | None
    missing_tags: str | None = Field(description="Required tags missing on the resource's latest usage, comma-separated")
    cost_30d: MaybeMoney
    billed_cost_30d: MaybeMoney
    effective_cost_30d: MaybeMoney
    line_item_count: int
    first_usage_date: dt.date | None
    last_usage_date: dt.date | None


class Unallocated(BaseModel):
    currency: str | None
    unallocated_30d: Money = Field(description="The `unallocated` row of the 30-day view")
    total_30d: Money = Field(description="Every row of the 30-day view, charges included")
    unallocated_share_pct: Percent
    total_items: int
    rows: list[UnallocatedItem]


class UntaggedResource(BaseModel):
    cost_rank: int
    account_id: str | None
    region: str | None
    resource_type: str | None
    resource_id: str | None
    source: str = Field(description="`inventory`, `cur` or `both`")
    missing_tags: str | None
    invalid_tags: str | None
    monthly_cost: MaybeMoney = Field(description="The last 30 days of CUR effective cost")
    billed_cost_30d: MaybeMoney
    suggested_owner: str | None
    suggested_owner_reason: str | None
    first_seen_at: dt.datetime | None
    last_seen_at: dt.datetime | None


class Untagged(BaseModel):
    currency: str | None
    total: int = Field(description="Resources matching the filters, before paging")
    limit: int
    offset: int
    rows: list[UntaggedResource]


class ComplianceRow(BaseModel):
    grain: str = Field(description="`overall`, `account` or `team`")
    account_id: str | None
    team: str | None
    resources_seen: int
    resources_compliant: int
    compliant_pct: Percent
    previous_compliant_pct: Percent
    spend_30d: MaybeMoney
    spend_compliant_pct: Percent
    noncompliant_monthly_cost: MaybeMoney
    resources_carried_forward: int


class ScanTrend(BaseModel):
    scan_id: str
    scan_started_at: dt.datetime
    compliant_pct: Percent
    spend_compliant_pct: Percent


class ComplianceSummary(BaseModel):
    currency: str | None
    scan_id: str | None = Field(description="The latest scan; null before any inventory scan (then `message` says what to run)")
    scan_started_at: dt.datetime | None
    message: str | None
    rows: list[ComplianceRow] = Field(description="The latest scan: overall, per account, per owning team")
    trend: list[ScanTrend] = Field(description="Overall compliance of every scan, oldest first")


class IdleResource(BaseModel):
    saving_rank: int
    judgement: str
    team: str | None
    account_id: str | None
    region: str | None
    resource_type: str | None
    resource_id: str | None
    estimated_monthly_saving: MaybeMoney
    monthly_cost: MaybeMoney
    evidence: str | None


class Idle(BaseModel):
    currency: str | None
    available: bool = Field(description="False where the idle_resources mart was never built")
    rows: list[IdleResource]


class OrgTeam(BaseModel):
    team: str
    owner_email: str | None
    slack_channel: str | None


class OrgUnit(BaseModel):
    business_unit: str
    teams: list[OrgTeam]


class OrgGroup(BaseModel):
    business_group: str
    business_units: list[OrgUnit]


class Org(BaseModel):
    business_groups: list[OrgGroup] = Field(description="Today's hierarchy, read-only (finance edits the seeds in git)")


class Health(BaseModel):
    status: str = Field(description="`ok`, or `unavailable` with `error` saying what to run")
    target: str
    error: str | None = None
