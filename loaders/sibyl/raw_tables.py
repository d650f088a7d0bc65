"""Every loader's raw tables, created empty where missing, so that dbt's sources exist before a build
whatever has been loaded: an empty warehouse builds, and its marts are empty, not an error."""

from __future__ import annotations

from sibyl.cloudwatch.schema import ensure_cloudwatch_tables
from sibyl.config import Settings
from sibyl.cur.schema import ensure_raw_schema as ensure_cur_tables
from sibyl.inventory.schema import ensure_inventory_tables
from sibyl.warehouse import connect

# One line per source: a new loader adds its own.
RAW_TABLES = (ensure_cur_tables, ensure_inventory_tables, ensure_cloudwatch_tables)


def ensure_raw_tables(settings: Settings) -> None:
    """Create (or bring up to date) every source's raw tables, holding the loaders' lock meanwhile."""
    with connect(settings) as wh:
        wh.start_loading()
        with wh.transaction():
            for ensure in RAW_TABLES:
                ensure(wh)
