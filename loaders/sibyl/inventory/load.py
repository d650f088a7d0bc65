"""Land a scan in the raw inventory tables: all of it in one transaction, or nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa

from sibyl.errors import DataError
from sibyl.inventory import schema
from sibyl.inventory.scan import Scan, tag_set_id
from sibyl.raw_ddl import create_table_sql
from sibyl.warehouse import Warehouse

# Scan ids name a staging table: letters, digits, '-' and '_' only (a snapshot is input like any other).
_SCAN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Rows go to the warehouse in Arrow batches of this many, built as they stream: memory holds one batch,
# not a second copy of the scan (100,000 resources as one table of dicts took 150 MB more).
_BATCH_ROWS = 8_192


@dataclass(frozen=True)
class LoadedScan:
    scan_id: str
    status: str
    resource_count: int
    failed_read_count: int
    already_loaded: bool


def load_scan(wh: Warehouse, scan: Scan, source: str) -> LoadedScan:
    """Write the scan's row, its reads, its resources and their new tag sets. A scan loaded before (the same
    snapshot twice) changes nothing."""
    if not _SCAN_ID.match(scan.scan_id):
        raise DataError(f"scan id {scan.scan_id!r} is not one Sibyl writes (letters, digits, '-' and '_', at most 64)")
    result = LoadedScan(scan.scan_id, scan.status, len(scan.resources), len(scan.failures), already_loaded=False)
    wh.start_loading()
    with wh.transaction():
        schema.ensure_inventory_tables(wh)
        _, rows = wh.fetch(f"select 1 from {schema.SCANS} where scan_id = $1", [scan.scan_id])
        if rows:
            return dataclasses.replace(result, already_loaded=True)
        _append(wh, schema.SCANS, schema.SCAN_COLUMNS, [_scan_row(scan, source)])
        _append(wh, schema.READS, schema.READ_COLUMNS, ({"scan_id": scan.scan_id} | r.__dict__ for r in scan.reads))
        set_ids = _tag_set_ids(scan)
        resources_schema = _arrow_schema(schema.RESOURCE_COLUMNS)
        _append_batches(wh, schema.RESOURCES, resources_schema, _resource_batches(scan, set_ids, resources_schema))
        _append_tag_sets(wh, scan.scan_id, {i: r.tags for i, r in zip(set_ids, scan.resources, strict=True)})
    return result


def _scan_row(scan: Scan, source: str) -> dict:
    return {
        "scan_id": scan.scan_id,
        "started_at": scan.started_at,
        "finished_at": scan.finished_at,
        "status": scan.status,
        "accounts": ",".join(sorted(scan.accounts)),
        "regions": ",".join(sorted(scan.regions)),
        "resource_count": len(scan.resources),
        "failed_read_count": len(scan.failures),
        "source": source,
        "loaded_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }


def _tag_set_ids(scan: Scan) -> list[str]:
    """Each resource's tag set id, hashed once per distinct tag set (a scan has thousands, over 100,000 resources)."""
    known: dict[tuple, str] = {}
    ids = []
    for r in scan.resources:
        tags = tuple(r.tags.items())
        if tags not in known:
            known[tags] = tag_set_id(r.tags)
        ids.append(known[tags])
    return ids


def _resource_batches(scan: Scan, set_ids: list[str], arrow_schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """Column by column, not as rows of dicts: 100,000 resources convert in a third of the time."""
    fields = [name for name in arrow_schema.names if name not in ("scan_id", "tag_set_id")]
    for start in range(0, len(scan.resources), _BATCH_ROWS):
        chunk = scan.resources[start : start + _BATCH_ROWS]
        columns = {name: [getattr(r, name) for r in chunk] for name in fields}
        columns |= {"scan_id": [scan.scan_id] * len(chunk), "tag_set_id": set_ids[start : start + _BATCH_ROWS]}
        yield pa.RecordBatch.from_pydict(columns, schema=arrow_schema)


def _append_tag_sets(wh: Warehouse, scan_id: str, tag_sets: dict[str, dict[str, str]]) -> None:
    """Tag sets are shared across scans: add only the ones the warehouse has not seen."""
    incoming = f"raw.incoming_inventory_tag_sets_{scan_id.replace('-', '_').lower()}"
    wh.execute(create_table_sql(incoming, schema.TAG_SET_COLUMNS, wh.name))
    rows = ({"tag_set_id": i, "tag_key": k, "tag_value": v} for i, tags in tag_sets.items() for k, v in tags.items() if v)
    _append(wh, incoming, schema.TAG_SET_COLUMNS, rows)
    wh.execute(
        f"insert into {schema.TAG_SETS} (tag_set_id, tag_key, tag_value) select distinct tag_set_id, tag_key, tag_value from {incoming} i "
        f"where not exists (select 1 from {schema.TAG_SETS} t where t.tag_set_id = i.tag_set_id)"
    )
    wh.execute(f"drop table {incoming}")


_ARROW_TYPES = {"varchar": pa.string(), "timestamp": pa.timestamp("us"), "bigint": pa.int64(), "double": pa.float64()}


def _arrow_schema(columns: dict[str, str]) -> pa.Schema:
    return pa.schema([(name, _ARROW_TYPES[kind]) for name, kind in columns.items()])


def _append(wh: Warehouse, table: str, columns: dict[str, str], rows: Iterable[dict]) -> None:
    arrow_schema = _arrow_schema(columns)
    _append_batches(wh, table, arrow_schema, _batches(rows, arrow_schema))


def _append_batches(wh: Warehouse, table: str, arrow_schema: pa.Schema, batches: Iterator[pa.RecordBatch]) -> None:
    wh.append_arrow(table, pa.RecordBatchReader.from_batches(arrow_schema, batches))


def _batches(rows: Iterable[dict], arrow_schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, _BATCH_ROWS)):
        yield pa.RecordBatch.from_pylist(chunk, schema=arrow_schema)
