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
        _append(wh, schema.RESOURCES, schema.RESOURCE_COLUMNS, _resource_rows(scan, set_ids))
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


def _resource_rows(scan: Scan, set_ids: list[str]) -> Iterator[dict]:
    for r, set_id in zip(scan.resources, set_ids, strict=True):
        row = {k: v for k, v in r.__dict__.items() if k != "tags"}
        yield {"scan_id": scan.scan_id, **row, "tag_set_id": set_id}


def _append_tag_sets(wh: Warehouse, scan_id: str, tag_sets: dict[str, dict[str, str]]) -> None:
    """Tag sets are shared across scans: add only the ones the warehouse has not seen."""
    incoming = f"raw.incoming_inventory_tag_sets_{scan_id.replace('-', '_').lower()}"
    wh.execute(f"create table {incoming} (tag_set_id varchar, tag_key varchar, tag_value varchar)")
    rows = ({"tag_set_id": i, "tag_key": k, "tag_value": v} for i, tags in tag_sets.items() for k, v in tags.items() if v)
    _append(wh, incoming, schema.TAG_SET_COLUMNS, rows)
    wh.execute(
        f"insert into {schema.TAG_SETS} (tag_set_id, tag_key, tag_value) select distinct tag_set_id, tag_key, tag_value from {incoming} i "
        f"where not exists (select 1 from {schema.TAG_SETS} t where t.tag_set_id = i.tag_set_id)"
    )
    wh.execute(f"drop table {incoming}")


_ARROW_TYPES = {"varchar": pa.string(), "timestamp": pa.timestamp("us"), "bigint": pa.int64(), "double": pa.float64()}


def _append(wh: Warehouse, table: str, columns: dict[str, str], rows: Iterable[dict]) -> None:
    arrow_schema = pa.schema([(name, _ARROW_TYPES[kind]) for name, kind in columns.items()])
    wh.append_arrow(table, pa.RecordBatchReader.from_batches(arrow_schema, _batches(rows, arrow_schema)))


def _batches(rows: Iterable[dict], arrow_schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, _BATCH_ROWS)):
        yield pa.RecordBatch.from_pylist(chunk, schema=arrow_schema)
