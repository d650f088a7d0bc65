"""How raw.cur_line_items is laid out and how a load's line items replace a delivery's, per engine.

The table is partitioned by billing period, then by load: a load's rows are written into its own
partition, published at the end of the load's transaction, and the partitions of the loads it
replaces are removed. The warehouse engine says what publishing a partition means; this module
says which partitions the CUR has.
"""

from __future__ import annotations

import datetime as dt
import logging

from sibyl.warehouse import ListKey, PartitionKey, Warehouse

log = logging.getLogger(__name__)

LINE_ITEMS = "raw.cur_line_items"
PARTITION_COLUMNS = ("billing_period", "load_id")


def load_partition(load_id: str, billing_period: dt.date) -> PartitionKey:
    """One load's line items: load ids are hex digests of our own, safe in a table name."""
    return (ListKey("billing_period", billing_period, f"{billing_period:%Y_%m}"), ListKey("load_id", load_id, load_id))


class LineItems:
    """The line items on any engine that publishes partitions."""

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh

    def create(self, create_sql: str) -> None:
        """Create raw.cur_line_items from `create table if not exists` DDL."""
        self.wh.create_partitioned_table(create_sql, PARTITION_COLUMNS)

    def table_for(self, load_id: str, billing_period: dt.date) -> str:
        """The table a load appends its line items to, inside its publishing transaction."""
        return self.wh.partition_table(LINE_ITEMS, load_partition(load_id, billing_period))

    def swap_in(self, load_id: str, billing_period: dt.date, replaced_load_ids: list[str]) -> None:
        """In the publishing transaction: make the load's line items the ones readers see, and remove
        those of the deliveries it replaces (all of the same billing period)."""
        replaced = [load_partition(old, billing_period) for old in replaced_load_ids]
        self.wh.publish_partition(LINE_ITEMS, load_partition(load_id, billing_period), replaced)


class PostgresLineItems(LineItems):
    """PostgreSQL keeps partitions as tables; a warehouse written before it did is moved into them."""

    def create(self, create_sql: str) -> None:
        if self.wh.table_kind("raw", "cur_line_items") == "r":
            self._partition_existing(create_sql)
        else:
            super().create(create_sql)

    def _partition_existing(self, create_sql: str) -> None:
        """A raw.cur_line_items written by Sibyl before partitions: its rows move into partitions, once."""
        log.warning(
            "moving raw.cur_line_items (written before Sibyl partitioned it) into partitions; "
            "dbt's views on it are dropped with the old table: run `sibyl build` afterwards"
        )
        self.wh.execute("alter table raw.cur_line_items rename to cur_line_items_unpartitioned")
        super().create(create_sql)
        # Every published load gets its table, rows or not: a later restatement drops it.
        _, loads = self.wh.fetch(
            "select load_id, billing_period from raw.cur_loads where status = 'published' "
            "union select distinct load_id, billing_period from raw.cur_line_items_unpartitioned"
        )
        for load_id, billing_period in loads:
            self.table_for(load_id, billing_period)
            self.swap_in(load_id, billing_period, [])
        [(columns,)] = self.wh.fetch(
            "select string_agg(quote_ident(column_name), ', ' order by ordinal_position) from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'cur_line_items'"
        )[1]
        self.wh.execute(f"insert into raw.cur_line_items ({columns}) select {columns} from raw.cur_line_items_unpartitioned")
        self.wh.execute("drop table raw.cur_line_items_unpartitioned cascade")


def line_items(wh: Warehouse) -> LineItems:
    return PostgresLineItems(wh) if wh.name == "postgres" else LineItems(wh)
