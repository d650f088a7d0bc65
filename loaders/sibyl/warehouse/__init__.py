"""Connections to the warehouses behind one small interface.

Both speak SQL with `$1` placeholders, run in explicit transactions, and append Arrow batches or
the rows of a DuckDB query (over Parquet/CSV files) to a table: DuckDB with INSERT … SELECT in the
same engine, PostgreSQL by streaming Arrow batches into binary COPY. They know no data source:
loaders choose their tables and how partitions replace each other. Spark (warehouse/spark.py) reads
the files itself, in Spark SQL, and emulates transactions as far as its Parquet tables allow.
"""

from __future__ import annotations

from sibyl.config import Settings
from sibyl.warehouse.base import ListKey, PartitionKey, Warehouse, WarehouseNotFound


def connect(settings: Settings, *, read_only: bool = False) -> Warehouse:
    if settings.target == "duckdb":
        from sibyl.warehouse.duckdb import DuckDBWarehouse

        return DuckDBWarehouse(settings.duckdb_path, read_only=read_only)
    if settings.target == "spark":
        from sibyl.warehouse.spark import SparkWarehouse

        return SparkWarehouse()
    from sibyl.warehouse.postgres import PostgresWarehouse

    return PostgresWarehouse()


__all__ = ["ListKey", "PartitionKey", "Warehouse", "WarehouseNotFound", "connect"]
