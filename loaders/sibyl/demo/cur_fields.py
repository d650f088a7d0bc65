"""The categorical fields of each kind of line item, as CUR dictionaries keyed by legacy header.

A line's strings (`lineItem/LineItemType`, `product/*`, `pricing/*`, ...) depend only on what it
bills, not on the day or the resource, so each distinct dictionary becomes one descriptor.
"""

from __future__ import annotations

from . import catalog
from .estate import Reservation, SavingsPlan

LEGAL_ENTITY = "Amazon Web Services, Inc."
TAX_TYPE = "USSalesTax"

LINE_USAGE = "Usage"
LINE_SP_COVERED = "SavingsPlanCoveredUsage"
LINE_SP_NEGATION = "SavingsPlanNegation"
LINE_SP_RECURRING = "SavingsPlanRecurringFee"
LINE_SP_UPFRONT = "SavingsPlanUpfrontFee"
LINE_DISCOUNTED = "DiscountedUsage"
LINE_RI_FEE = "RIFee"
LINE_FEE = "Fee"
LINE_TAX = "Tax"
LINE_CREDIT = "Credit"
LINE_REFUND = "Refund"


def fmt_rate(rate: float) -> str:
    text = f"{rate:.10f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def product_fields(product_code: str, region: catalog.Region | None, **attrs: str) -> dict[str, str]:
    fields = {"product/ProductName": catalog.PRODUCT_NAMES.get(product_code, product_code)}
    if region is not None:
        fields.update(
            {
                "product/region": region.code,
                "product/regionCode": region.code,
                "product/location": region.location,
                "product/locationType": "AWS Region",
            }
        )
    for k, v in attrs.items():
        if v:
            fields[f"product/{k}"] = v
    return fields


def usage_descriptor(t: catalog.UsageTemplate, region: catalog.Region, rate: float) -> dict[str, str]:
    usage_type = t.usage_type if t.global_service else region.usage_prefix + t.usage_type
    description = t.description.replace("{rate}", fmt_rate(rate)).replace("{region}", region.location)
    fields = {
        "bill/BillType": "Anniversary",
        "lineItem/LineItemType": LINE_USAGE,
        "lineItem/ProductCode": t.product_code,
        "lineItem/UsageType": usage_type,
        "lineItem/Operation": t.operation,
        "lineItem/LineItemDescription": description,
        "lineItem/LegalEntity": LEGAL_ENTITY,
        "pricing/term": "OnDemand",
        "pricing/unit": t.unit,
    }
    servicename = "AWS Data Transfer" if t.servicecode == "AWSDataTransfer" else catalog.PRODUCT_NAMES[t.product_code]
    attrs = dict(t.attrs)
    if t.global_service:
        attrs.update({"location": "United States", "locationType": "AWS Edge Location"})
        fields.update(product_fields(t.product_code, None, **attrs))
    else:
        if "fromLocation" not in attrs and t.family == "Data Transfer":
            attrs["fromLocation"] = region.location
        fields.update(product_fields(t.product_code, region, **attrs))
    fields.update(
        {
            "product/productFamily": t.family,
            "product/servicecode": t.servicecode,
            "product/servicename": servicename,
            "product/usagetype": usage_type,
            "product/operation": t.operation,
            "product/sku": catalog.sku(t.key, region.code),
        }
    )
    return fields


def discounted_descriptor(base: dict[str, str], t: catalog.UsageTemplate, ri: Reservation) -> dict[str, str]:
    effective = ri.upfront_hourly + ri.recurring_hourly
    what = t.attrs.get("instanceType", "")
    engine = "PostgreSQL" if t.product_code == "AmazonRDS" else "Linux/UNIX (Amazon VPC)"
    return dict(
        base,
        **{
            "lineItem/LineItemType": LINE_DISCOUNTED,
            "lineItem/LineItemDescription": f"USD {fmt_rate(effective)} hourly fee per {engine}, {what} instance",
            "pricing/term": "Reserved",
            "pricing/LeaseContractLength": ri.term,
            "pricing/OfferingClass": "standard",
            "pricing/PurchaseOption": "Partial Upfront",
            "reservation/ReservationARN": ri.arn,
            "reservation/StartTime": ri.start_time,
            "reservation/EndTime": ri.end_time,
            "reservation/ModificationStatus": "Original",
            "reservation/SubscriptionId": ri.subscription_id,
        },
    )


def covered_descriptor(base: dict[str, str], plan: SavingsPlan) -> dict[str, str]:
    return dict(base, **{"lineItem/LineItemType": LINE_SP_COVERED, "savingsPlan/SavingsPlanARN": plan.arn})


def negation_descriptor(covered: dict[str, str], account_id: str) -> dict[str, str]:
    return dict(
        covered,
        **{
            "lineItem/LineItemType": LINE_SP_NEGATION,
            "lineItem/LineItemDescription": f"SavingsPlanNegation used by AccountId : {account_id} and UsageSku : {covered['product/sku']}",
        },
    )
