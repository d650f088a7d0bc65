"""Which fee lines a window has, in the order they are written: the one set of rules both for
making them (lines.py) and for counting them while the estate is drawn (estate_builder.py).

- every day: each Savings Plan's recurring fee once it has started; the upfront fee of an All
  Upfront plan on the day it is bought; the upfront fee (`Fee`) of a reservation bought that day;
- every month end: each started reservation's `RIFee`; one `Tax` per (account, product) billed in
  the period; the promotional credit of CREDIT_ACCOUNT (and in the first period the one-off credit
  of ONE_OFF_CREDIT_ACCOUNT) if the account has usage; in the first period one `Refund`.
"""

from __future__ import annotations

from collections.abc import Collection, Container
from dataclasses import dataclass

from .cur_fields import LINE_CREDIT, LINE_FEE, LINE_REFUND, LINE_RI_FEE, LINE_SP_RECURRING, LINE_SP_UPFRONT, LINE_TAX
from .estate import ACCOUNT_INDEX, Reservation, SavingsPlan
from .periods import Period

TAX_RATE = 0.0625
CREDIT_ACCOUNT = "dev-sandbox"  # promotional credits every month
ONE_OFF_CREDIT_ACCOUNT = "ml-prod"  # a one-off migration credit in the first month
REFUND_ACCOUNT, REFUND_PRODUCT = "payments-prod", "AmazonRDS"


@dataclass(frozen=True)
class Credit:
    account: int
    kind: str  # promotional | migration
    cap: float  # USD
    share: float  # of the account's cost in the period


def has_upfront_fee(plan: SavingsPlan) -> bool:
    return plan.payment_option == "All Upfront"


def day_fees(day: int, savings_plans: list[SavingsPlan], reservations: list[Reservation]) -> list[tuple[str, SavingsPlan | Reservation]]:
    """The fee lines of window day `day`: (line item type, the plan or reservation it bills)."""
    fees: list[tuple[str, SavingsPlan | Reservation]] = []
    for plan in savings_plans:
        if plan.start_day > day:
            continue
        fees.append((LINE_SP_RECURRING, plan))
        if plan.start_day == day and has_upfront_fee(plan):
            fees.append((LINE_SP_UPFRONT, plan))
    fees += [(LINE_FEE, r) for r in reservations if r.start_day == day]
    return fees


def credits(period: Period) -> list[Credit]:
    found = [Credit(ACCOUNT_INDEX[CREDIT_ACCOUNT], "promotional", 750.0, 0.5)]
    if period.index == 0:
        found.append(Credit(ACCOUNT_INDEX[ONE_OFF_CREDIT_ACCOUNT], "migration", 5000.0, 0.3))
    return found


def month_end_fees(
    period: Period, reservations: list[Reservation], pairs: Collection[int], accounts: Container[int]
) -> list[tuple[str, object]]:
    """The month-end lines of `period`, given the (account, product) pair indices billed in it and
    their accounts: (line item type, the reservation, pair index or Credit it is for)."""
    fees: list[tuple[str, object]] = [(LINE_RI_FEE, r) for r in reservations if r.start_day <= period.last_day]
    fees += [(LINE_TAX, pair) for pair in pairs]
    fees += [(LINE_CREDIT, c) for c in credits(period) if c.account in accounts]
    if period.index == 0:
        fees.append((LINE_REFUND, None))
    return fees
