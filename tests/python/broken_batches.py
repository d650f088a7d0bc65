"""One month of the demo CUR, and the same month broken in each way the validation gate must refuse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from delivery_readers import manifest_table, period_manifests


def one_month(demo_cur: Path) -> pa.Table:
    return manifest_table(period_manifests(demo_cur)[1]).slice(0, 2000)


def _replace(table: pa.Table, column: str, row: int, value) -> pa.Table:
    values = table[column].to_pylist()
    values[row] = value
    return table.set_column(table.schema.get_field_index(column), column, pa.array(values, table.schema.field(column).type))


def _usage_start_outside_period(t: pa.Table) -> pa.Table:
    return _replace(t, "line_item_usage_start_date", 5, dt.datetime(2020, 1, 1))


def _duplicate_line_item(t: pa.Table) -> pa.Table:
    return pa.concat_tables([t, t.slice(7, 1)])


def _nan_cost(t: pa.Table) -> pa.Table:
    return _replace(t, "line_item_unblended_cost", 3, float("nan"))


def _infinite_commitment(t: pa.Table) -> pa.Table:
    return _replace(t, "savings_plan_used_commitment", 6, float("inf"))


def _missing_currency(t: pa.Table) -> pa.Table:
    return _replace(t, "line_item_currency_code", 9, None)


def _no_payer_account(t: pa.Table) -> pa.Table:
    return _replace(t, "bill_payer_account_id", 11, "")


def _usage_ends_before_it_starts(t: pa.Table) -> pa.Table:
    start = t["line_item_usage_start_date"][4].as_py()
    return _replace(t, "line_item_usage_end_date", 4, start - dt.timedelta(hours=1))


# (id, how to break the month, what the gate's error says)
BREAKS = [
    (
        "start-outside-period",
        _usage_start_outside_period,
        "expect_column_values_to_be_between on line_item_usage_start_date: 1 row(s), e.g. '2020-01-01 00:00:00'",
    ),
    (
        "duplicate-id",
        _duplicate_line_item,
        "expect_compound_columns_to_be_unique on (identity_line_item_id, identity_time_interval): 1 repeated key(s), e.g. (",
    ),
    ("nan-cost", _nan_cost, "expect_column_values_to_be_between on line_item_unblended_cost: 1 row(s), e.g. nan"),
    ("infinite-commitment", _infinite_commitment, "expect_column_values_to_be_between on savings_plan_used_commitment: 1 row(s), e.g. inf"),
    ("no-currency", _missing_currency, "expect_column_values_to_not_be_null on line_item_currency_code: 1 row(s), e.g. None"),
    ("no-payer-account", _no_payer_account, "expect_column_value_lengths_to_be_between on bill_payer_account_id: 1 row(s), e.g. ''"),
    (
        "ends-before-start",
        _usage_ends_before_it_starts,
        "expect_column_pair_values_a_to_be_greater_than_b on (line_item_usage_end_date, line_item_usage_start_date): 1 row(s)",
    ),
]
