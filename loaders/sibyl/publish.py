"""After each successful build on DuckDB, copy the marts to a file of their own that readers open read-only.

DuckDB lets a process write a file only while no other has it open: a notebook, a BI tool or `sibyl serve` holding
the warehouse would stop every load and build. They read this copy instead. It is written beside the warehouse
under a temporary name and renamed over the previous copy, an atomic swap: a reader sees the previous build or
this one, never half of one, and a reader still holding the old file keeps reading it until it reopens.
"""

from __future__ import annotations

import os
from pathlib import Path

from sibyl.config import Settings
from sibyl.report import MARTS_SCHEMA


def published_path(warehouse: Path) -> Path:
    """SIBYL_MARTS_PATH, else `<warehouse>.marts.duckdb` beside the warehouse (warehouse.marts.duckdb)."""
    explicit = os.environ.get("SIBYL_MARTS_PATH")
    if explicit:
        return Path(explicit).resolve()
    return warehouse.with_name(f"{warehouse.stem}.marts.duckdb")


def publish_marts(settings: Settings) -> tuple[Path, int]:
    """Copy every table of schema marts into the published file; (its path, how many tables)."""
    from sibyl.warehouse.duckdb import DuckDBWarehouse

    target = published_path(settings.duckdb_path)
    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    scratch.unlink(missing_ok=True)
    try:
        count = _copy_marts(DuckDBWarehouse(settings.duckdb_path), scratch)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    os.replace(scratch, target)
    return target, count


def _copy_marts(wh, scratch: Path) -> int:
    with wh:
        _, rows = wh.fetch(
            "select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' "
            "and table_catalog = current_database() order by table_name",
            [MARTS_SCHEMA],
        )
        wh.execute(f"attach '{_quoted(scratch)}' as published")
        try:
            wh.execute(f"create schema published.{MARTS_SCHEMA}")
            for (table,) in rows:
                wh.execute(f'create table published.{MARTS_SCHEMA}."{table}" as select * from {MARTS_SCHEMA}."{table}"')
        finally:
            wh.execute("detach published")
    return len(rows)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
