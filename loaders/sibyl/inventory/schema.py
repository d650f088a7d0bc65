"""DDL of the raw inventory tables. A scan is one row; each place it read, each resource it saw, one row."""

from __future__ import annotations

from sibyl.raw_ddl import create_table_sql
from sibyl.warehouse import Warehouse

SCANS = "raw.inventory_scans"
READS = "raw.inventory_reads"
RESOURCES = "raw.inventory_resources"
TAG_SETS = "raw.inventory_tag_sets"

SCAN_COLUMNS: dict[str, str] = {
    "scan_id": "varchar",
    "started_at": "timestamp",
    "finished_at": "timestamp",
    "status": "varchar",  # completed | partial | failed
    "accounts": "varchar",  # comma-separated, sorted
    "regions": "varchar",  # comma-separated, sorted
    "resource_count": "bigint",
    "failed_read_count": "bigint",
    "source": "varchar",  # api, or the snapshot file it was loaded from
    "loaded_at": "timestamp",
}

# Every (account, region, resource type) the scan read: complete, or failed with the error that stopped it.
READ_COLUMNS: dict[str, str] = {
    "scan_id": "varchar",
    "account_id": "varchar",
    "region": "varchar",
    "resource_type": "varchar",
    "status": "varchar",  # complete | failed
    "error_code": "varchar",
    "error_message": "varchar",
    "api_calls": "bigint",
}

RESOURCE_COLUMNS: dict[str, str] = {
    "scan_id": "varchar",
    "account_id": "varchar",
    "region": "varchar",
    "resource_type": "varchar",
    "resource_id": "varchar",
    "arn": "varchar",
    "name": "varchar",
    "state": "varchar",
    "created_at": "timestamp",
    "tag_set_id": "varchar",
}

TAG_SET_COLUMNS: dict[str, str] = {"tag_set_id": "varchar", "tag_key": "varchar", "tag_value": "varchar"}


def ensure_inventory_tables(wh: Warehouse) -> None:
    wh.execute("create schema if not exists raw")
    wh.execute(create_table_sql(SCANS, SCAN_COLUMNS, wh.name, primary_key=("scan_id",)))
    wh.execute(create_table_sql(READS, READ_COLUMNS, wh.name, primary_key=("scan_id", "account_id", "region", "resource_type")))
    wh.execute(
        create_table_sql(
            RESOURCES, RESOURCE_COLUMNS, wh.name, primary_key=("scan_id", "account_id", "region", "resource_type", "resource_id")
        )
    )
    wh.execute(create_table_sql(TAG_SETS, TAG_SET_COLUMNS, wh.name, primary_key=("tag_set_id", "tag_key")))
