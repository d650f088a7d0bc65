"""Line items, a day at a time, as vectorised arrays: `Chunk`s of at most CHUNK_ROWS usage lines
(a day is one chunk unless it is bigger), plus one chunk of month-end lines per billing period.

A chunk holds, per line: a descriptor index (all its categorical strings), the usage account, the
resource (id, zone, tags), the day of its identity/TimeInterval, usage start/end in epoch
milliseconds, a 52-character line item id, and the numeric columns (NaN where AWS leaves the
field empty). The writers turn a chunk into one format's columns; the numbers are computed here
once, so every format carries the same values.

Semantics follow the CUR:
- Usage: unblended = amount x public on-demand rate = pricing/publicOnDemandCost.
- SavingsPlanCoveredUsage: unblended = on-demand cost, savingsPlan/SavingsPlanEffectiveCost = amount x
  Savings Plan rate; each has a SavingsPlanNegation line with unblended = minus that on-demand cost.
- SavingsPlanRecurringFee: one per plan per day; unblended = recurring commitment for the day,
  TotalCommitmentToDate = daily commitment, UsedCommitment = the day's covered effective cost.
- SavingsPlanUpfrontFee: the All Upfront plan's purchase, once, on the day it is bought.
- DiscountedUsage: unblended 0, reservation/EffectiveCost = amortised upfront + recurring fee for usage.
- RIFee: one per reservation per month, the month's recurring fee, with the unused quantity and
  the unused amortised upfront / recurring fees; Fee: the upfront payment of a reservation bought in the window.
- Tax: one per (account, product code) per month, usage period = the billing period.
- Credit, Refund: negative, per month.
Which fee lines exist is decided by fees.py, whose rules the estate builder also counts with.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import catalog, fees
from .cur_fields import (
    LEGAL_ENTITY,
    LINE_CREDIT,
    LINE_FEE,
    LINE_REFUND,
    LINE_RI_FEE,
    LINE_SP_RECURRING,
    LINE_SP_UPFRONT,
    LINE_TAX,
    TAX_TYPE,
    fmt_rate,
    product_fields,
)
from .estate import ACCOUNT_INDEX, PAYER, Estate, Reservation, SavingsPlan
from .injections import Injection, multipliers
from .periods import DAY_MS, HOUR_MS, Period

NUMERIC = (
    "lineItem/UsageAmount",
    "lineItem/NormalizationFactor",
    "lineItem/NormalizedUsageAmount",
    "lineItem/UnblendedRate",
    "lineItem/UnblendedCost",
    "lineItem/BlendedRate",
    "lineItem/BlendedCost",
    "pricing/publicOnDemandCost",
    "pricing/publicOnDemandRate",
    "reservation/AmortizedUpfrontCostForUsage",
    "reservation/AmortizedUpfrontFeeForBillingPeriod",
    "reservation/EffectiveCost",
    "reservation/RecurringFeeForUsage",
    "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
    "reservation/UnusedNormalizedUnitQuantity",
    "reservation/UnusedQuantity",
    "reservation/UnusedRecurringFee",
    "reservation/UpfrontValue",
    "savingsPlan/TotalCommitmentToDate",
    "savingsPlan/SavingsPlanRate",
    "savingsPlan/UsedCommitment",
    "savingsPlan/SavingsPlanEffectiveCost",
    "savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod",
    "savingsPlan/RecurringCommitmentForBillingPeriod",
)
_B32 = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)
CHUNK_ROWS = 16_384  # usage lines per chunk: memory stays flat whatever `lines` is


def line_item_ids(digits: np.ndarray) -> np.ndarray:
    """(n, 52) base32 digits -> (n, 52) characters: AWS's ids are 256 bits in lower-case base32."""
    return _B32[digits]


def random_id_digits(rng: np.random.Generator, n: int) -> np.ndarray:
    digits = rng.integers(0, 32, size=(n, 52), dtype=np.uint8)
    digits[:, -1] &= 16  # 256 bits fill 51 digits and 1 bit of the last: a or q
    return digits


@dataclass
class Chunk:
    desc: np.ndarray
    account: np.ndarray
    resource: np.ndarray
    interval: np.ndarray
    start_ms: np.ndarray
    end_ms: np.ndarray
    ids: np.ndarray  # (n, 52) base32 digits
    num: dict[str, np.ndarray]
    pair: np.ndarray  # (account, product) pair index, for month-end totals

    def __len__(self) -> int:
        return len(self.desc)

    def rows(self, start: int, stop: int) -> Chunk:
        return Chunk(
            desc=self.desc[start:stop],
            account=self.account[start:stop],
            resource=self.resource[start:stop],
            interval=self.interval[start:stop],
            start_ms=self.start_ms[start:stop],
            end_ms=self.end_ms[start:stop],
            ids=self.ids[start:stop],
            num={k: v[start:stop] for k, v in self.num.items()},
            pair=self.pair[start:stop],
        )

    @staticmethod
    def concat(parts: list[Chunk]) -> Chunk:
        parts = [p for p in parts if len(p)] or parts[:1]
        return Chunk(
            desc=np.concatenate([p.desc for p in parts]),
            account=np.concatenate([p.account for p in parts]),
            resource=np.concatenate([p.resource for p in parts]),
            interval=np.concatenate([p.interval for p in parts]),
            start_ms=np.concatenate([p.start_ms for p in parts]),
            end_ms=np.concatenate([p.end_ms for p in parts]),
            ids=np.concatenate([p.ids for p in parts]),
            num={k: np.concatenate([p.num[k] for p in parts]) for k in NUMERIC},
            pair=np.concatenate([p.pair for p in parts]),
        )


class FeeRow(NamedTuple):
    """One line that is not usage: its descriptor, account, resource, (account, product) pair and numbers."""

    desc: int
    account: int
    resource: int
    pair: int
    values: dict[str, float]


def _empty_num(n: int) -> dict[str, np.ndarray]:
    return {k: np.full(n, np.nan) for k in NUMERIC}


class LineMaker:
    """Produces the chunks of one estate; every descriptor is registered up front."""

    def __init__(self, estate: Estate, injections: list[Injection] | None = None) -> None:
        self.e = estate
        self.injections = injections or []
        d = estate.descriptors
        self.sp_fee_desc = [d.add(self._sp_fee_fields(sp)) for sp in estate.savings_plans]
        self.sp_upfront_desc = {sp.index: d.add(self._sp_upfront_fields(sp)) for sp in estate.savings_plans if fees.has_upfront_fee(sp)}
        self.ri_fee_desc = {ri.index: d.add(self._ri_upfront_fields(ri)) for ri in estate.reservations if ri.start_day >= 0}
        self.rifee_desc: dict[tuple[int, int], int] = {}
        for p in estate.periods:
            for ri in estate.reservations:
                if ri.start_day <= p.last_day:
                    self.rifee_desc[(ri.index, p.index)] = d.add(self._rifee_fields(ri, p))
        products = sorted({prod for _, prod in estate.pairs})
        self.tax_desc = {prod: d.add(self._tax_fields(prod)) for prod in products}
        self.credit_desc = {
            (kind, prod): d.add(self._credit_fields(kind, prod)) for kind in ("promotional", "migration") for prod in products
        }
        self.refund_desc = d.add(self._refund_fields())
        self.payer_sp_pair = estate.pairs.index((PAYER, "ComputeSavingsPlans"))
        self.pair_of = {pair: i for i, pair in enumerate(estate.pairs)}
        sp_start = np.array([sp.start_day for sp in estate.savings_plans])
        s = estate.slots
        self.slot_sp_start = np.where(s["sp"] >= 0, sp_start[np.maximum(s["sp"], 0)], 0)
        self.intervals = [self._interval(day) for day in range(estate.n_days)]
        self.period_base = np.zeros(len(estate.pairs))
        self.ri_used_hours = np.zeros(len(estate.reservations))

    # -- descriptors of non-usage lines ------------------------------------------------------------------
    def _interval(self, day: int) -> str:
        a = self.e.day_date(day)
        b = a + dt.timedelta(days=1)
        return f"{a:%Y-%m-%d}T00:00:00Z/{b:%Y-%m-%d}T00:00:00Z"

    @staticmethod
    def _sp_common(sp) -> dict[str, str]:
        return {
            "lineItem/LegalEntity": LEGAL_ENTITY,
            "lineItem/ProductCode": "ComputeSavingsPlans",
            "lineItem/UsageType": sp.usage_type,
            "savingsPlan/SavingsPlanARN": sp.arn,
            "savingsPlan/StartTime": sp.start_time,
            "savingsPlan/EndTime": sp.end_time,
            "savingsPlan/OfferingType": sp.offering_type,
            "savingsPlan/PaymentOption": sp.payment_option,
            "savingsPlan/PurchaseTerm": sp.term,
            "savingsPlan/Region": catalog.REGION_BY_CODE[sp.region].location if sp.region else "",
            "savingsPlan/InstanceTypeFamily": sp.family,
            "pricing/unit": "Hrs",
            **product_fields(
                "ComputeSavingsPlans", None, productFamily="Savings Plans", servicecode="ComputeSavingsPlans", usagetype=sp.usage_type
            ),
        }

    def _sp_fee_fields(self, sp) -> dict[str, str]:
        hourly = sp.recurring_hourly + sp.upfront_hourly
        kind = "Compute" if sp.offering_type == "ComputeSavingsPlans" else "EC2 Instance"
        return dict(
            self._sp_common(sp),
            **{
                "bill/BillType": "Anniversary",
                "lineItem/LineItemType": LINE_SP_RECURRING,
                "lineItem/LineItemDescription": f"{sp.term.replace('yr', ' year')} {sp.payment_option} {kind} "
                f"Savings Plan with {fmt_rate(hourly)} USD hourly commitment",
            },
        )

    def _sp_upfront_fields(self, sp) -> dict[str, str]:
        return dict(
            self._sp_common(sp),
            **{
                "bill/BillType": "Purchase",
                "lineItem/LineItemType": LINE_SP_UPFRONT,
                "lineItem/LineItemDescription": f"Savings Plan upfront fee for {sp.arn}",
            },
        )

    def _ri_common(self, ri) -> dict[str, str]:
        t = catalog.TEMPLATES[ri.template]
        region = catalog.REGION_BY_CODE[ri.region]
        return {
            "lineItem/LegalEntity": LEGAL_ENTITY,
            "lineItem/ProductCode": t.product_code,
            "lineItem/UsageType": region.usage_prefix + "HeavyUsage:" + t.attrs["instanceType"],
            "lineItem/Operation": t.operation,
            "pricing/term": "Reserved",
            "pricing/LeaseContractLength": ri.term,
            "pricing/OfferingClass": "standard",
            "pricing/PurchaseOption": "Partial Upfront",
            "pricing/unit": "Hrs",
            "reservation/ReservationARN": ri.arn,
            "reservation/StartTime": ri.start_time,
            "reservation/EndTime": ri.end_time,
            "reservation/ModificationStatus": "Original",
            "reservation/SubscriptionId": ri.subscription_id,
            **product_fields(
                t.product_code, region, productFamily=t.family, servicecode=t.servicecode, instanceType=t.attrs["instanceType"]
            ),
        }

    def _ri_upfront_fields(self, ri) -> dict[str, str]:
        return dict(
            self._ri_common(ri),
            **{
                "bill/BillType": "Purchase",
                "lineItem/LineItemType": LINE_FEE,
                "lineItem/LineItemDescription": f"Sign up charge for subscription: {ri.subscription_id}, planId: 2",
            },
        )

    def _ri_hours(self, ri, p: Period) -> int:
        start = max(p.first_day, ri.start_day)
        return ((p.end - p.start).days - (start - p.first_day)) * 24

    def _rifee_fields(self, ri, p: Period) -> dict[str, str]:
        hours = self._ri_hours(ri, p)
        nf = ri.normalization_factor
        what = catalog.TEMPLATES[ri.template].attrs["instanceType"]
        return dict(
            self._ri_common(ri),
            **{
                "bill/BillType": "Anniversary",
                "lineItem/LineItemType": LINE_RI_FEE,
                "lineItem/LineItemDescription": f"USD {fmt_rate(ri.recurring_hourly)} hourly fee per "
                f"{'PostgreSQL' if 'rds' in ri.template else 'Linux/UNIX (Amazon VPC)'}, "
                f"{what} instance",
                "reservation/NumberOfReservations": str(ri.count),
                "reservation/UnitsPerReservation": f"{hours}.0",
                "reservation/TotalReservedUnits": f"{hours * ri.count}.0",
                "reservation/NormalizedUnitsPerReservation": f"{hours * nf:.1f}",
                "reservation/TotalReservedNormalizedUnits": f"{hours * nf * ri.count:.1f}",
            },
        )

    @staticmethod
    def _tax_fields(product: str) -> dict[str, str]:
        return {
            "bill/BillType": "Anniversary",
            "lineItem/LineItemType": LINE_TAX,
            "lineItem/ProductCode": product,
            "lineItem/LineItemDescription": f"Tax for product code {product}",
            "lineItem/TaxType": TAX_TYPE,
            "lineItem/LegalEntity": LEGAL_ENTITY,
            **product_fields(product, None),
        }

    @staticmethod
    def _credit_fields(kind: str, product: str) -> dict[str, str]:
        text = "AWS Promotional Credit" if kind == "promotional" else "AWS Migration Acceleration Program Credit"
        return {
            "bill/BillType": "Anniversary",
            "lineItem/LineItemType": LINE_CREDIT,
            "lineItem/ProductCode": product,
            "lineItem/LineItemDescription": text,
            "lineItem/LegalEntity": LEGAL_ENTITY,
            **product_fields(product, None),
        }

    @staticmethod
    def _refund_fields() -> dict[str, str]:
        return {
            "bill/BillType": "Refund",
            "lineItem/LineItemType": LINE_REFUND,
            "lineItem/ProductCode": fees.REFUND_PRODUCT,
            "lineItem/LineItemDescription": "Refund for service credit - Amazon RDS availability SLA",
            "lineItem/LegalEntity": LEGAL_ENTITY,
            **product_fields(fees.REFUND_PRODUCT, None),
        }

    # -- one day -------------------------------------------------------------------------------------------
    def day(self, day: int) -> Iterator[Chunk]:
        """The day's line items, in chunks of at most CHUNK_ROWS usage lines (plus negations and fees)."""
        e, s = self.e, self.e.slots
        active = np.flatnonzero((s["start"] <= day) & (s["end"] >= day))
        used = np.zeros(len(e.savings_plans))
        batches = [active[i : i + CHUNK_ROWS] for i in range(0, len(active), CHUNK_ROWS)] or [active]
        for b, batch in enumerate(batches):
            chunk = self._usage(day, b, batch, used)
            if b == len(batches) - 1:
                chunk = Chunk.concat([chunk, self._day_fees(day, used)])
            np.add.at(self.period_base, chunk.pair, chunk.num["lineItem/UnblendedCost"])
            yield chunk

    def _usage(self, day: int, batch_no: int, active: np.ndarray, used: np.ndarray) -> Chunk:
        """The `active` slots' lines of `day`: usage (covered or discounted where a commitment applies)
        and a SavingsPlanNegation per covered line; adds the covered cost to `used`, per plan."""
        e, s = self.e, self.e.slots
        rng = np.random.default_rng([e.seed, 1, day, batch_no])
        n = len(active)
        day_ms = (e.day_date(day) - dt.date(1970, 1, 1)).days * DAY_MS
        start_hour = np.where(s["start"][active] == day, s["start_hour"][active], 0)
        end_hour = np.where(s["end"][active] == day, s["end_hour"][active], 24)
        amount = self._amounts(day, active, rng.random(n), (end_hour - start_hour) / 24.0)
        ri, sp = s["ri"][active], s["sp"][active]
        disc = (ri >= 0) & (day >= s["ri_start"][active])
        cov = (sp >= 0) & ~disc & (day >= self.slot_sp_start[active])
        num = self._usage_numbers(active, amount, disc, cov)
        if cov.any():
            np.add.at(used, sp[cov], num["savingsPlan/SavingsPlanEffectiveCost"][cov])
        if disc.any():
            np.add.at(self.ri_used_hours, ri[disc], amount[disc])

        digits = random_id_digits(rng, n)
        stable = s["stable"][active]
        digits[stable] = e.slot_stable_ids[active[stable]]
        usage = Chunk(
            desc=np.where(disc | cov, s["desc_cov"][active], s["desc_usage"][active]).astype(np.int32),
            account=s["account"][active],
            resource=s["resource"][active],
            interval=np.full(n, day, dtype=np.int32),
            start_ms=day_ms + start_hour.astype(np.int64) * HOUR_MS,
            end_ms=day_ms + end_hour.astype(np.int64) * HOUR_MS,
            ids=digits,
            num=num,
            pair=s["pair"][active],
        )
        return Chunk.concat([usage, self._negations(usage, s["desc_neg"][active], cov, rng)])

    def _amounts(self, day: int, active: np.ndarray, u: np.ndarray, frac: np.ndarray) -> np.ndarray:
        """Each slot's usage on `day` (`frac` of it when it runs part of the day), times its injected change."""
        amount = usage_amounts(self.e, day, active, u, frac)
        if self.injections:
            amount = amount * multipliers(self.injections, day, self.e.slots["resource"][active])
        return np.round(amount, 8)

    def _usage_numbers(self, active: np.ndarray, amount: np.ndarray, disc: np.ndarray, cov: np.ndarray) -> dict[str, np.ndarray]:
        """The numeric columns of usage lines; `disc`: discounted by a reservation, `cov`: covered by a plan."""
        s = self.e.slots
        rate = s["rate"][active]
        od_cost = np.round(amount * rate, 10)
        nf = s["nf"][active]
        sp_rate = s["sp_rate"][active]
        up, rec = s["ri_up"][active], s["ri_rec"][active]

        num = _empty_num(len(active))
        num["lineItem/UsageAmount"] = amount
        num["lineItem/NormalizationFactor"] = np.where(nf > 0, nf, np.nan)
        num["lineItem/NormalizedUsageAmount"] = np.where(nf > 0, np.round(amount * nf, 8), np.nan)
        unblended_rate = np.where(disc, 0.0, rate)
        unblended = np.where(disc, 0.0, od_cost)
        num["lineItem/UnblendedRate"] = unblended_rate
        num["lineItem/UnblendedCost"] = unblended
        num["lineItem/BlendedRate"] = unblended_rate
        num["lineItem/BlendedCost"] = unblended
        num["pricing/publicOnDemandCost"] = od_cost
        num["pricing/publicOnDemandRate"] = rate
        sp_effective = np.round(amount * sp_rate, 10)
        num["savingsPlan/SavingsPlanRate"] = np.where(cov, sp_rate, np.nan)
        num["savingsPlan/SavingsPlanEffectiveCost"] = np.where(cov, sp_effective, np.nan)
        num["reservation/EffectiveCost"] = np.where(disc, np.round(amount * (up + rec), 10), np.nan)
        num["reservation/AmortizedUpfrontCostForUsage"] = np.where(disc, np.round(amount * up, 10), np.nan)
        num["reservation/RecurringFeeForUsage"] = np.where(disc, np.round(amount * rec, 10), np.nan)
        return num

    @staticmethod
    def _negations(usage: Chunk, desc_neg: np.ndarray, cov: np.ndarray, rng: np.random.Generator) -> Chunk:
        """A SavingsPlanNegation for each covered usage line: minus its on-demand cost."""
        ci = np.flatnonzero(cov)
        od_cost = usage.num["pricing/publicOnDemandCost"][ci]
        neg_num = _empty_num(len(ci))
        neg_num["lineItem/UsageAmount"] = np.zeros(len(ci))
        neg_num["lineItem/UnblendedCost"] = 0.0 - od_cost  # never -0.0
        neg_num["lineItem/BlendedCost"] = 0.0 - od_cost
        neg_num["pricing/publicOnDemandCost"] = np.zeros(len(ci))
        return Chunk(
            desc=desc_neg[ci],
            account=usage.account[ci],
            resource=usage.resource[ci],
            interval=usage.interval[ci],
            start_ms=usage.start_ms[ci],
            end_ms=usage.end_ms[ci],
            ids=random_id_digits(rng, len(ci)),
            num=neg_num,
            pair=usage.pair[ci],
        )

    def _day_fees(self, day: int, used: np.ndarray) -> Chunk:
        """Savings Plan recurring fees (with the day's used commitment), upfront fees bought that day."""
        e = self.e
        rng = np.random.default_rng([e.seed, 3, day])
        day_ms = (e.day_date(day) - dt.date(1970, 1, 1)).days * DAY_MS
        make = {
            LINE_SP_RECURRING: lambda plan: self._sp_recurring_row(plan, used),
            LINE_SP_UPFRONT: self._sp_upfront_row,
            LINE_FEE: self._ri_upfront_row,
        }
        rows = [make[line_type](subject) for line_type, subject in fees.day_fees(day, e.savings_plans, e.reservations)]
        return self._rows(rows, rng, day, day_ms, day_ms + DAY_MS)

    def _sp_recurring_row(self, plan: SavingsPlan, used: np.ndarray) -> FeeRow:
        hourly = plan.recurring_hourly + plan.upfront_hourly
        return FeeRow(
            self.sp_fee_desc[plan.index],
            PAYER,
            plan.resource,
            self.payer_sp_pair,
            {
                "lineItem/UsageAmount": 24.0,
                "lineItem/UnblendedRate": plan.recurring_hourly,
                "lineItem/UnblendedCost": round(plan.recurring_hourly * 24, 10),
                "lineItem/BlendedRate": plan.recurring_hourly,
                "lineItem/BlendedCost": round(plan.recurring_hourly * 24, 10),
                "pricing/publicOnDemandCost": 0.0,
                "savingsPlan/TotalCommitmentToDate": round(hourly * 24, 10),
                "savingsPlan/UsedCommitment": round(float(used[plan.index]), 10),
                "savingsPlan/RecurringCommitmentForBillingPeriod": round(plan.recurring_hourly * 24, 10),
                "savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod": round(plan.upfront_hourly * 24, 10),
            },
        )

    def _sp_upfront_row(self, plan: SavingsPlan) -> FeeRow:
        return FeeRow(
            self.sp_upfront_desc[plan.index],
            PAYER,
            plan.resource,
            self.payer_sp_pair,
            {
                "lineItem/UsageAmount": 1.0,
                "lineItem/UnblendedRate": plan.upfront_total,
                "lineItem/UnblendedCost": plan.upfront_total,
                "lineItem/BlendedRate": plan.upfront_total,
                "lineItem/BlendedCost": plan.upfront_total,
                "pricing/publicOnDemandCost": 0.0,
            },
        )

    def _ri_upfront_row(self, r: Reservation) -> FeeRow:
        term_hours = 8760 * int(r.term[0])
        per_reservation = round(r.upfront_hourly * term_hours, 2)
        total = round(per_reservation * r.count, 2)
        product = catalog.TEMPLATES[r.template].product_code
        return FeeRow(
            self.ri_fee_desc[r.index],
            r.account,
            0,
            self.pair_of[(r.account, product)],
            {
                "lineItem/UsageAmount": float(r.count),
                "lineItem/UnblendedRate": per_reservation,
                "lineItem/UnblendedCost": total,
                "lineItem/BlendedRate": per_reservation,
                "lineItem/BlendedCost": total,
                "pricing/publicOnDemandCost": 0.0,
                "reservation/UpfrontValue": total,
            },
        )

    def _rows(self, rows: list[FeeRow], rng, interval: int, start_ms: int, end_ms: int) -> Chunk:
        n = len(rows)
        num = _empty_num(n)
        for i, row in enumerate(rows):
            for k, v in row.values.items():
                num[k][i] = v
        return Chunk(
            desc=np.array([r.desc for r in rows], dtype=np.int32),
            account=np.array([r.account for r in rows], dtype=np.int32),
            resource=np.array([r.resource for r in rows], dtype=np.int32),
            interval=np.full(n, interval, dtype=np.int32),
            start_ms=np.full(n, start_ms, dtype=np.int64),
            end_ms=np.full(n, end_ms, dtype=np.int64),
            ids=random_id_digits(rng, n),
            num=num,
            pair=np.array([r.pair for r in rows], dtype=np.int32),
        )

    # -- month end ---------------------------------------------------------------------------------------------
    def month_end(self, p: Period) -> Chunk:
        """RIFee, Tax, Credit and Refund lines of period `p`; resets the month's running totals."""
        e = self.e
        rng = np.random.default_rng([e.seed, 2, p.index])
        pairs = e.period_pairs[p.index]
        make = {
            LINE_RI_FEE: lambda r: self._rifee_row(r, p),
            LINE_TAX: self._tax_row,
            LINE_CREDIT: lambda credit: self._credit_row(credit, pairs),
            LINE_REFUND: lambda _: self._refund_row(),
        }
        accounts = {e.pairs[j][0] for j in pairs}
        # in order: the RI fees come first and count towards the tax, credits and refund after them
        rows = [make[line_type](subject) for line_type, subject in fees.month_end_fees(p, e.reservations, pairs, accounts)]
        chunk = self._rows(rows, rng, p.first_day, p.start_ms, p.end_ms)
        self.period_base[:] = 0.0
        self.ri_used_hours[:] = 0.0
        return chunk

    def _rifee_row(self, r: Reservation, p: Period) -> FeeRow:
        """The month's recurring fee of reservation `r`; adds it to the month's cost of its (account, product)."""
        hours = self._ri_hours(r, p)
        units = float(hours * r.count)
        elapsed_days = p.last_day - max(p.first_day, r.start_day) + 1
        elapsed = elapsed_days * 24 * r.count
        unused = max(0.0, round(elapsed - self.ri_used_hours[r.index], 8))
        term_hours = 8760 * int(r.term[0])
        product = catalog.TEMPLATES[r.template].product_code
        row = FeeRow(
            self.rifee_desc[(r.index, p.index)],
            r.account,
            0,
            self.pair_of[(r.account, product)],
            {
                "lineItem/UsageAmount": units,
                "lineItem/UnblendedRate": r.recurring_hourly,
                "lineItem/UnblendedCost": round(units * r.recurring_hourly, 10),
                "lineItem/BlendedRate": r.recurring_hourly,
                "lineItem/BlendedCost": round(units * r.recurring_hourly, 10),
                "pricing/publicOnDemandCost": 0.0,
                "reservation/AmortizedUpfrontFeeForBillingPeriod": round(units * r.upfront_hourly, 10),
                "reservation/UnusedQuantity": unused,
                "reservation/UnusedNormalizedUnitQuantity": round(unused * r.normalization_factor, 8),
                "reservation/UnusedRecurringFee": round(unused * r.recurring_hourly, 10),
                "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": round(unused * r.upfront_hourly, 10),
                "reservation/UpfrontValue": round(r.upfront_hourly * term_hours * r.count, 2),
            },
        )
        self.period_base[row.pair] += row.values["lineItem/UnblendedCost"]
        return row

    def _tax_row(self, pair: int) -> FeeRow:
        account, product = self.e.pairs[pair]
        tax = round(max(0.0, float(self.period_base[pair])) * fees.TAX_RATE, 2)
        return FeeRow(
            self.tax_desc[product],
            account,
            0,
            pair,
            {
                "lineItem/UsageAmount": 1.0,
                "lineItem/UnblendedCost": tax,
                "lineItem/BlendedCost": tax,
                "pricing/publicOnDemandCost": 0.0,
            },
        )

    def _credit_row(self, credit: fees.Credit, period_pairs: list[int]) -> FeeRow:
        """A credit against the account's costliest product of the month, a share of its cost up to a cap."""
        pairs = [j for j in period_pairs if self.e.pairs[j][0] == credit.account]
        top = max(pairs, key=lambda j: (self.period_base[j], -j))
        total = float(sum(self.period_base[j] for j in pairs))
        amount = -round(min(credit.cap, credit.share * max(total, 0.0)), 2)
        return FeeRow(
            self.credit_desc[(credit.kind, self.e.pairs[top][1])],
            credit.account,
            0,
            top,
            {
                "lineItem/UsageAmount": 0.0,
                "lineItem/UnblendedCost": amount,
                "lineItem/BlendedCost": amount,
                "pricing/publicOnDemandCost": 0.0,
            },
        )

    def _refund_row(self) -> FeeRow:
        account = ACCOUNT_INDEX[fees.REFUND_ACCOUNT]
        pair = self.pair_of[(account, fees.REFUND_PRODUCT)]
        amount = -round(0.05 * max(0.0, float(self.period_base[pair])), 2)
        return FeeRow(
            self.refund_desc,
            account,
            0,
            pair,
            {
                "lineItem/UsageAmount": 0.0,
                "lineItem/UnblendedCost": amount,
                "lineItem/BlendedCost": amount,
                "pricing/publicOnDemandCost": 0.0,
            },
        )


def usage_amounts(estate: Estate, day: int, active: np.ndarray, u: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """The `active` slots' usage on `day` (`frac` of it when they run part of the day; `u` in [0, 1) its noise, 0.5 the
    middle): hours all day, variable usage around its trend (less at weekends where weekly), storage a month's over its days."""
    s = estate.slots
    date = estate.day_date(day)
    trend = 1.0 + 0.025 * day / 30.0
    dim = calendar.monthrange(date.year, date.month)[1]
    weekend = date.weekday() >= 5
    pattern, base = s["pattern"][active], s["base"][active]
    weekly = np.where(s["weekly"][active] & weekend, 0.7, 1.0)
    return (
        np.select(
            [pattern == 0, pattern == 1],
            [24.0 * base, base * trend * weekly * (0.85 + 0.3 * u)],
            base / dim * (1.0 + 0.01 * day / 30.0) * (0.99 + 0.02 * u),
        )
        * frac
    )
