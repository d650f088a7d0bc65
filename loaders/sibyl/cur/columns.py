"""The raw CUR contract: canonical column names (AWS's Parquet spelling) and their types.

This is the one place that says which columns `raw.cur_line_items` has and which of them a
delivery must carry. Every delivery format is mapped onto these names by the readers.
"""

from __future__ import annotations

import re

# name -> logical type ("varchar", "double", "timestamp"); order is the table's column order.
LINE_ITEM_COLUMNS: dict[str, str] = {
    # identity
    "identity_line_item_id": "varchar",
    "identity_time_interval": "varchar",
    # bill
    "bill_invoice_id": "varchar",
    "bill_billing_entity": "varchar",
    "bill_bill_type": "varchar",
    "bill_payer_account_id": "varchar",
    "bill_billing_period_start_date": "timestamp",
    "bill_billing_period_end_date": "timestamp",
    # line item
    "line_item_usage_account_id": "varchar",
    "line_item_line_item_type": "varchar",
    "line_item_usage_start_date": "timestamp",
    "line_item_usage_end_date": "timestamp",
    "line_item_product_code": "varchar",
    "line_item_usage_type": "varchar",
    "line_item_operation": "varchar",
    "line_item_availability_zone": "varchar",
    "line_item_resource_id": "varchar",
    "line_item_usage_amount": "double",
    "line_item_currency_code": "varchar",
    "line_item_unblended_cost": "double",
    "line_item_blended_cost": "double",
    "line_item_line_item_description": "varchar",
    "line_item_tax_type": "varchar",
    "line_item_legal_entity": "varchar",
    # product and pricing
    "product_product_name": "varchar",
    "product_region_code": "varchar",
    "pricing_public_on_demand_cost": "double",
    "pricing_term": "varchar",
    "pricing_unit": "varchar",
    # reservations (RIs)
    "reservation_reservation_a_r_n": "varchar",
    "reservation_effective_cost": "double",
    "reservation_unused_amortized_upfront_fee_for_billing_period": "double",
    "reservation_unused_recurring_fee": "double",
    # savings plans
    "savings_plan_savings_plan_a_r_n": "varchar",
    "savings_plan_savings_plan_effective_cost": "double",
    "savings_plan_total_commitment_to_date": "double",
    "savings_plan_used_commitment": "double",
}

# Without these a line item cannot be placed in time, in an account, or priced.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "identity_line_item_id",
    "identity_time_interval",
    "bill_payer_account_id",
    "bill_billing_period_start_date",
    "line_item_usage_account_id",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_product_code",
    "line_item_currency_code",
    "line_item_unblended_cost",
)

# Older spellings AWS has used for a canonical column; the canonical one wins when both exist.
RENAMED_COLUMNS: dict[str, tuple[str, ...]] = {
    "product_region_code": ("product_region",),
}

# Added by the loader to every row.
LINEAGE_COLUMNS: dict[str, str] = {
    "billing_period": "date",
    "load_id": "varchar",
    "tag_set_id": "varchar",
}

# Where each format keeps resource tags: legacy CSV headers `resourceTags/user:Team` (key `user:Team`),
# legacy Parquet columns `resource_tags_user_team` (key = column name), CUR 2.0 a map column.
CSV_TAG_PREFIX = "resourceTags/"
TAG_COLUMN_PREFIX = "resource_tags_"
TAG_MAP_COLUMN = "resource_tags"
# CUR 2.0 keeps most product attributes in this map, keyed without the `product_` prefix.
PRODUCT_MAP_COLUMN = "product"
PRODUCT_PREFIX = "product_"


def product_map_keys(name: str) -> tuple[str, ...]:
    """The keys under which CUR 2.0's product map may hold a product_ contract column, in order of
    preference (its canonical name, then older spellings): `product_region_code` -> region_code, region."""
    if not name.startswith(PRODUCT_PREFIX):
        return ()
    return tuple(c[len(PRODUCT_PREFIX) :] for c in (name, *RENAMED_COLUMNS.get(name, ())))


# Names the loader reads that no file in the reference data carries (tests/python/test_columns.py
# checks every other name against those real headers), each with the AWS document that names it.
DOCUMENTED_ONLY_COLUMNS: dict[str, str] = {
    TAG_MAP_COLUMN: "https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2-resource-tags.html",
    PRODUCT_MAP_COLUMN: "https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html",
}

# The contract columns a delivery may leave out: loaded as nulls when a file does not carry them.
OPTIONAL_COLUMNS: tuple[str, ...] = tuple(c for c in LINE_ITEM_COLUMNS if c not in REQUIRED_COLUMNS)

_CAPITAL = re.compile(r"([A-Z])")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def canonical_name(header: str) -> str:
    """The Parquet name AWS gives a legacy CSV header; snake_case names come back unchanged.

    An underscore before every capital, lower case, each run of other characters one underscore:
    `lineItem/UnblendedCost` -> `line_item_unblended_cost`, `reservation/ReservationARN` ->
    `reservation_reservation_a_r_n`.
    """
    return _NOT_ALNUM.sub("_", _CAPITAL.sub(r"_\1", header).lower()).strip("_")


def missing_required(names: set[str]) -> list[str]:
    """Required contract columns absent from `names` (canonical names), under any spelling AWS used."""
    return [c for c in REQUIRED_COLUMNS if c not in names and not any(old in names for old in RENAMED_COLUMNS.get(c, ()))]


def optional_column(name: str) -> str:
    """`name`, if it is an optional contract column: only those may be filled with nulls when a file lacks
    them, so a misspelt name fails here instead of loading as a column of silent nulls."""
    if name not in OPTIONAL_COLUMNS:
        raise ValueError(f"{name!r} is not an optional CUR column (sibyl.cur.columns.OPTIONAL_COLUMNS): it cannot be filled with nulls")
    return name
