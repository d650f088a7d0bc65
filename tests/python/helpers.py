"""Independent readings of generated files and the warehouse, for expected values in tests."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def period_manifests(root: Path) -> list[Path]:
    """Period-level legacy manifests (<report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json)."""
    return sorted(m for m in root.rglob("*-Manifest.json") if re.fullmatch(r"\d{8}-\d{8}", m.parent.name))


def manifest_table(manifest: Path) -> pa.Table:
    keys = json.loads(manifest.read_text())["reportKeys"]
    period = manifest.parent
    files = [period.joinpath(*k.split("/")[k.split("/").index(period.name) + 1 :]) for k in keys]
    return pa.concat_tables([pq.read_table(f) for f in files], promote_options="default")


def totals_by_period(root: Path) -> dict[str, tuple[int, float]]:
    """{'YYYY-MM': (rows, unblended cost)} straight from the Parquet files."""
    out = {}
    for manifest in period_manifests(root):
        table = manifest_table(manifest)
        label = f"{manifest.parent.name[:4]}-{manifest.parent.name[4:6]}"
        out[label] = (table.num_rows, pc.sum(table["line_item_unblended_cost"]).as_py())
    return out


def warehouse_rows(sql: str) -> list[tuple]:
    """Query whichever warehouse SIBYL_TARGET names, outside Sibyl's own code."""
    if os.environ.get("SIBYL_TARGET", "duckdb") == "postgres":
        import adbc_driver_postgresql.dbapi as adbc

        from conftest import postgres_uri

        with adbc.connect(postgres_uri()) as con, con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    import duckdb

    with duckdb.connect(os.environ["SIBYL_DUCKDB_PATH"], read_only=True) as con:
        return con.execute(sql).fetchall()


def mart_totals_by_period() -> dict[str, tuple[int, float]]:
    """{'YYYY-MM': (line items, billed cost to the cent)} as marts.fct_cost_daily has them."""
    rows = warehouse_rows("select billing_period, sum(line_item_count), sum(billed_cost) from marts.fct_cost_daily group by 1")
    return {f"{period:%Y-%m}": (int(count), round(cost, 2)) for period, count, cost in rows}
