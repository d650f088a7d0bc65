"""The demo organisation's AWS estate: resources, their priced usage, and the commitments covering it.

An `Estate`, drawn by `estate_builder.build_estate` from (seed, calendar, target line count), holds:
- resources, each owned by one service (hence one team), in one account and region, with tags;
- usage slots: one (resource, usage type) pair each, active over the resource's lifetime, that
  become one line item per day (two when a Savings Plan covers it: covered usage + negation);
- two Reserved Instances and two Savings Plans (one of each bought inside the window), which
  decide the DiscountedUsage / SavingsPlanCoveredUsage lines and the fee lines;
- the set of (period, account, product) pairs, which decides the Tax lines.

Resources are drawn one after another from one random stream until the line count is reached, so
a larger `lines` extends the estate rather than reshuffling it. A handful of hand-placed "anchor"
resources come first so that every line item type and tag oddity exists even in a small CUR.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from . import organisation as org
from .column_tables import Descriptors, ResourceTable
from .periods import Period

PATTERN_CODES = {"hours": 0, "variable": 1, "storage": 2}


@dataclass
class SavingsPlan:
    index: int
    arn: str
    offering_type: str  # ComputeSavingsPlans | EC2InstanceSavingsPlans
    payment_option: str  # No Upfront | All Upfront
    term: str  # 1yr | 3yr
    start_day: int  # window day index it starts (negative: before the window)
    start_time: str
    end_time: str
    region: str = ""
    family: str = ""
    usage_type: str = ""
    recurring_hourly: float = 0.0
    upfront_hourly: float = 0.0
    upfront_total: float = 0.0
    resource: int = 0  # pseudo-resource index carrying the ARN as resource id


@dataclass
class Reservation:
    index: int
    arn: str
    account: int
    template: str
    region: str
    count: int
    upfront_hourly: float  # per reservation
    recurring_hourly: float  # per reservation
    start_day: int
    start_time: str
    end_time: str
    term: str
    subscription_id: str
    normalization_factor: float


@dataclass
class Estate:
    seed: int
    window_start: dt.date
    n_days: int
    periods: list[Period]
    descriptors: Descriptors
    resources: ResourceTable
    slots: dict[str, np.ndarray]
    slot_stable_ids: np.ndarray  # (n_slots, 52) base32 digits; meaningful where slots["stable"]
    savings_plans: list[SavingsPlan]
    reservations: list[Reservation]
    pairs: list[tuple[int, str]]  # (account index, product code)
    period_pairs: list[list[int]]  # pair indices present in each period, sorted
    ri_purchase_day: int
    sp_purchase_day: int
    expected_lines: int = 0

    def day_date(self, day: int) -> dt.date:
        return self.window_start + dt.timedelta(days=day)


ACCOUNT_INDEX = {a.name: i for i, a in enumerate(org.ACCOUNTS)}
PAYER = next(i for i, a in enumerate(org.ACCOUNTS) if a.is_payer)
