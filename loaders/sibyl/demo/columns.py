"""Column spellings of the three delivery formats, written out by hand as AWS spells them.

Legacy CSV headers are `category/Name` (`lineItem/UnblendedCost`, `resourceTags/user:Team`); legacy
Parquet and CUR 2.0 use AWS's Athena-style renaming of those headers (`line_item_unblended_cost`,
`reservation_reservation_a_r_n`, `resource_tags_user_team`). The fixed columns are listed here
explicitly; product attributes and tag keys, whose set depends on the data, go through
`athena_name`, this generator's own copy of AWS's renaming rule.

Value kinds: `string`, `double`, `timestamp`, and `ratestring` (a number AWS stores as a string in
Parquet, e.g. `line_item_unblended_rate`).
"""

from __future__ import annotations

import re

# (legacy CSV header, legacy Parquet / CUR 2.0 name, kind)
IDENTITY_BILL_LINEITEM: tuple[tuple[str, str, str], ...] = (
    ("identity/LineItemId", "identity_line_item_id", "string"),
    ("identity/TimeInterval", "identity_time_interval", "string"),
    ("bill/InvoiceId", "bill_invoice_id", "string"),
    ("bill/InvoicingEntity", "bill_invoicing_entity", "string"),
    ("bill/BillingEntity", "bill_billing_entity", "string"),
    ("bill/BillType", "bill_bill_type", "string"),
    ("bill/PayerAccountId", "bill_payer_account_id", "string"),
    ("bill/BillingPeriodStartDate", "bill_billing_period_start_date", "timestamp"),
    ("bill/BillingPeriodEndDate", "bill_billing_period_end_date", "timestamp"),
    ("lineItem/UsageAccountId", "line_item_usage_account_id", "string"),
    ("lineItem/LineItemType", "line_item_line_item_type", "string"),
    ("lineItem/UsageStartDate", "line_item_usage_start_date", "timestamp"),
    ("lineItem/UsageEndDate", "line_item_usage_end_date", "timestamp"),
    ("lineItem/ProductCode", "line_item_product_code", "string"),
    ("lineItem/UsageType", "line_item_usage_type", "string"),
    ("lineItem/Operation", "line_item_operation", "string"),
    ("lineItem/AvailabilityZone", "line_item_availability_zone", "string"),
    ("lineItem/ResourceId", "line_item_resource_id", "string"),
    ("lineItem/UsageAmount", "line_item_usage_amount", "double"),
    ("lineItem/NormalizationFactor", "line_item_normalization_factor", "double"),
    ("lineItem/NormalizedUsageAmount", "line_item_normalized_usage_amount", "double"),
    ("lineItem/CurrencyCode", "line_item_currency_code", "string"),
    ("lineItem/UnblendedRate", "line_item_unblended_rate", "ratestring"),
    ("lineItem/UnblendedCost", "line_item_unblended_cost", "double"),
    ("lineItem/BlendedRate", "line_item_blended_rate", "ratestring"),
    ("lineItem/BlendedCost", "line_item_blended_cost", "double"),
    ("lineItem/LineItemDescription", "line_item_line_item_description", "string"),
    ("lineItem/TaxType", "line_item_tax_type", "string"),
    ("lineItem/LegalEntity", "line_item_legal_entity", "string"),
)

PRICING: tuple[tuple[str, str, str], ...] = (
    ("pricing/LeaseContractLength", "pricing_lease_contract_length", "string"),
    ("pricing/OfferingClass", "pricing_offering_class", "string"),
    ("pricing/PurchaseOption", "pricing_purchase_option", "string"),
    ("pricing/currency", "pricing_currency", "string"),
    ("pricing/publicOnDemandCost", "pricing_public_on_demand_cost", "double"),
    ("pricing/publicOnDemandRate", "pricing_public_on_demand_rate", "ratestring"),
    ("pricing/term", "pricing_term", "string"),
    ("pricing/unit", "pricing_unit", "string"),
)

RESERVATION: tuple[tuple[str, str, str], ...] = (
    ("reservation/AmortizedUpfrontCostForUsage", "reservation_amortized_upfront_cost_for_usage", "double"),
    ("reservation/AmortizedUpfrontFeeForBillingPeriod", "reservation_amortized_upfront_fee_for_billing_period", "double"),
    ("reservation/EffectiveCost", "reservation_effective_cost", "double"),
    ("reservation/EndTime", "reservation_end_time", "string"),
    ("reservation/ModificationStatus", "reservation_modification_status", "string"),
    ("reservation/NormalizedUnitsPerReservation", "reservation_normalized_units_per_reservation", "string"),
    ("reservation/NumberOfReservations", "reservation_number_of_reservations", "string"),
    ("reservation/RecurringFeeForUsage", "reservation_recurring_fee_for_usage", "double"),
    ("reservation/ReservationARN", "reservation_reservation_a_r_n", "string"),
    ("reservation/StartTime", "reservation_start_time", "string"),
    ("reservation/SubscriptionId", "reservation_subscription_id", "string"),
    ("reservation/TotalReservedNormalizedUnits", "reservation_total_reserved_normalized_units", "string"),
    ("reservation/TotalReservedUnits", "reservation_total_reserved_units", "string"),
    ("reservation/UnitsPerReservation", "reservation_units_per_reservation", "string"),
    ("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "reservation_unused_amortized_upfront_fee_for_billing_period", "double"),
    ("reservation/UnusedNormalizedUnitQuantity", "reservation_unused_normalized_unit_quantity", "double"),
    ("reservation/UnusedQuantity", "reservation_unused_quantity", "double"),
    ("reservation/UnusedRecurringFee", "reservation_unused_recurring_fee", "double"),
    ("reservation/UpfrontValue", "reservation_upfront_value", "double"),
)

SAVINGS_PLAN: tuple[tuple[str, str, str], ...] = (
    ("savingsPlan/TotalCommitmentToDate", "savings_plan_total_commitment_to_date", "double"),
    ("savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n", "string"),
    ("savingsPlan/SavingsPlanRate", "savings_plan_savings_plan_rate", "double"),
    ("savingsPlan/UsedCommitment", "savings_plan_used_commitment", "double"),
    ("savingsPlan/SavingsPlanEffectiveCost", "savings_plan_savings_plan_effective_cost", "double"),
    ("savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod", "savings_plan_amortized_upfront_commitment_for_billing_period", "double"),
    ("savingsPlan/RecurringCommitmentForBillingPeriod", "savings_plan_recurring_commitment_for_billing_period", "double"),
    ("savingsPlan/StartTime", "savings_plan_start_time", "string"),
    ("savingsPlan/EndTime", "savings_plan_end_time", "string"),
    ("savingsPlan/OfferingType", "savings_plan_offering_type", "string"),
    ("savingsPlan/PaymentOption", "savings_plan_payment_option", "string"),
    ("savingsPlan/PurchaseTerm", "savings_plan_purchase_term", "string"),
    ("savingsPlan/Region", "savings_plan_region", "string"),
    ("savingsPlan/InstanceTypeFamily", "savings_plan_instance_type_family", "string"),
)

# CUR 2.0 columns that legacy CUR does not have (besides the map columns).
CUR2_EXTRA: tuple[tuple[str, str], ...] = (
    ("bill_payer_account_name", "string"),
    ("line_item_usage_account_name", "string"),
    ("discount_bundled_discount", "double"),
    ("discount_total_discount", "double"),
)

# CUR 2.0 keeps these product attributes as flat columns; every other attribute goes into the
# `product` map (keyed by the Athena-style name without the `product_` prefix, e.g. `product_name`).
CUR2_FLAT_PRODUCT: tuple[str, ...] = (
    "product_comment",
    "product_fee_code",
    "product_fee_description",
    "product_from_location",
    "product_from_location_type",
    "product_from_region_code",
    "product_instance_family",
    "product_instance_type",
    "product_instancesku",
    "product_location",
    "product_location_type",
    "product_operation",
    "product_pricing_unit",
    "product_product_family",
    "product_region_code",
    "product_servicecode",
    "product_sku",
    "product_to_location",
    "product_to_location_type",
    "product_to_region_code",
    "product_usagetype",
)
CUR2_MAPS: tuple[str, ...] = ("cost_category", "discount", "product", "resource_tags")

_CAPITAL = re.compile(r"([A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def athena_name(header: str) -> str:
    """AWS's renaming of a legacy CUR header for Athena/Parquet.

    An underscore goes before every capital letter, everything is lower-cased, every run of other
    characters becomes one underscore, and leading/trailing underscores go:
    `lineItem/UnblendedCost` -> `line_item_unblended_cost`, `reservation/ReservationARN` ->
    `reservation_reservation_a_r_n`, `resourceTags/user:CostCenter` -> `resource_tags_user_cost_center`,
    `resourceTags/user:TEAM` -> `resource_tags_user_t_e_a_m`.
    """
    name = _CAPITAL.sub(r"_\1", header).lower()
    return _NON_ALNUM.sub("_", name).strip("_")


def manifest_type(header: str, kind: str) -> str:
    """The `type` a legacy manifest gives a column."""
    if header == "identity/TimeInterval":
        return "Interval"
    if header in ("identity/LineItemId", "bill/PayerAccountId", "lineItem/UsageAccountId", "lineItem/LineItemType"):
        return "String"
    if kind == "timestamp":
        return "DateTime"
    if kind in ("double", "ratestring"):
        return "OptionalBigDecimal"
    return "OptionalString"
