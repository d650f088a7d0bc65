"""DDL of the raw CUR tables. Loaders own the `raw` schema; dbt only reads it."""

from __future__ import annotations

from sibyl.cur.columns import LINE_ITEM_COLUMNS, LINEAGE_COLUMNS
from sibyl.cur.line_items import LINE_ITEMS, line_items
from sibyl.raw_ddl import ENGINE_TYPES, create_table_sql
from sibyl.warehouse import Warehouse

CUR_LOADS_COLUMNS: dict[str, str] = {
    "load_id": "varchar",
    "source": "varchar",
    "billing_period": "date",
    "delivery_version": "varchar",
    "delivery_format": "varchar",
    "files": "varchar",
    "row_count": "bigint",
    "billed_total": "double",
    "loaded_at": "timestamp",
    "status": "varchar",
    "delivered_at": "timestamp",  # when AWS wrote the delivery (latest object time): orders restatements
    "payer_account_ids": "varchar",  # the delivery's bill_payer_account_id values, sorted, comma-separated
}

TAG_SET_COLUMNS: dict[str, str] = {
    "tag_set_id": "varchar",
    "tag_key": "varchar",
    "tag_value": "varchar",
}


def ensure_raw_schema(wh: Warehouse) -> None:
    """Create the raw schema and tables when they are missing, and bring those of an earlier Sibyl up to
    date (columns added, PostgreSQL's line items moved into partitions) without losing a row."""
    wh.execute("create schema if not exists raw")
    wh.execute(create_table_sql("raw.cur_tag_sets", TAG_SET_COLUMNS, wh.name, primary_key=("tag_set_id", "tag_key")))
    wh.execute(create_table_sql("raw.cur_loads", CUR_LOADS_COLUMNS, wh.name, primary_key=("load_id",)))
    line_items(wh).create(create_table_sql(LINE_ITEMS, {**LINE_ITEM_COLUMNS, **LINEAGE_COLUMNS}, wh.name))
    if wh.name == "spark":  # no Spark warehouse predates these columns (and Spark has no `add column if not exists`)
        return
    # Warehouses created before these columns existed gain them: delivered_at stays null for earlier
    # loads, payer accounts are read back from their line items.
    wh.execute(f"alter table raw.cur_loads add column if not exists delivered_at {ENGINE_TYPES[wh.name]['timestamp']}")
    wh.execute(f"alter table raw.cur_loads add column if not exists payer_account_ids {ENGINE_TYPES[wh.name]['varchar']}")
    # As the gate names them: empty means none, and '' (not null) marks a load already read back.
    wh.execute(
        "update raw.cur_loads set payer_account_ids = coalesce((select string_agg(distinct nullif(i.bill_payer_account_id, ''), ',' "
        "order by nullif(i.bill_payer_account_id, '')) from raw.cur_line_items i where i.load_id = raw.cur_loads.load_id), '') "
        "where status = 'published' and payer_account_ids is null"
    )
