"""Land a run in the raw CloudWatch tables: its datapoints, each place it read and the run itself.

Called inside the loader's transaction, so a run lands whole or not at all. Datapoints are appended as they
arrive, in Arrow batches, keeping only those after their series' last loaded timestamp: loading the same
window twice adds nothing. The datapoints of a place whose read failed are removed before the commit.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sibyl.cloudwatch import schema
from sibyl.cloudwatch.series import READ_COMPLETE, PlaceRead, Run, Series, SeriesKey, utc_time
from sibyl.raw_ddl import create_table_sql
from sibyl.warehouse import Warehouse

BATCH_ROWS = 65_536
# Batches handed to the engine: 8,192 rows let PostgreSQL's COPY parse one while the driver encodes the next
# (bench/copy_batches.py).
CHUNK_ROWS = 8_192
_ARROW_TYPES = {"varchar": pa.string(), "timestamp": pa.timestamp("us"), "bigint": pa.int64(), "double": pa.float64()}
# The labels of a series, repeated on each of its rows.
_LABELS = ("account_id", "region", "resource_id", "namespace", "metric_name", "statistic", "unit")


def _arrow_schema(columns: dict[str, str]) -> pa.Schema:
    return pa.schema([(name, _ARROW_TYPES[kind]) for name, kind in columns.items()])


METRICS_SCHEMA = _arrow_schema(schema.METRIC_COLUMNS)


@dataclass(frozen=True)
class LandedRun:
    run: Run
    series_count: int
    datapoints_fetched: int
    datapoints_loaded: int
    already_loaded: bool = False


def land_run(wh: Warehouse, run: Run, events: Iterable[Series | PlaceRead], last: dict[SeriesKey, int], source: str) -> LandedRun:
    """Write the run's new datapoints, its reads and its row; `last` is each series' last loaded timestamp."""
    rows = _MetricRows(run.run_id)
    for event in events:
        if isinstance(event, PlaceRead):
            run.reads.append(event)
            continue
        rows.add(event, last.get(event.key))
        if rows.pending >= BATCH_ROWS:
            _append_batch(wh, rows.take())
    if rows.pending:
        _append_batch(wh, rows.take())
    run.finished_at = run.finished_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    complete = {r.place for r in run.reads if r.status == READ_COMPLETE}
    # Nothing half-written: a place that failed (or that a snapshot names no read for) keeps none of its rows.
    for account, region in sorted(set(rows.by_place) - complete):
        wh.execute(f"delete from {schema.METRICS} where run_id = $1 and account_id = $2 and region = $3", [run.run_id, account, region])
    loaded = sum(n for place, n in rows.by_place.items() if place in complete)
    _advance_series(wh, run.run_id, {key: last for key, (place, last) in rows.last.items() if place in complete})
    landed = LandedRun(run, rows.series, rows.fetched, loaded)
    _append_rows(wh, schema.READS, schema.READ_COLUMNS, [{"run_id": run.run_id} | r.__dict__ for r in run.reads])
    _append_rows(wh, schema.RUNS, schema.RUN_COLUMNS, [_run_row(landed, source)])
    return landed


def _append_batch(wh: Warehouse, batch: pa.RecordBatch) -> None:
    wh.append_arrow(schema.METRICS, pa.RecordBatchReader.from_batches(METRICS_SCHEMA, batch.to_batches(max_chunksize=CHUNK_ROWS)))


class _MetricRows:
    """Series waiting to be appended, as columns: each series' labels once, its datapoints as numpy arrays."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.by_place: Counter[tuple[str, str]] = Counter()  # datapoints appended per place
        self.last: dict[SeriesKey, tuple[tuple[str, str], int]] = {}  # each series' place and last appended timestamp
        self.series = self.fetched = self.pending = 0
        self._labels: list[tuple] = []
        self._timestamps: list[np.ndarray] = []
        self._values: list[np.ndarray] = []

    def add(self, s: Series, last: int | None) -> None:
        timestamps = np.asarray(s.timestamps, dtype=np.int64)
        values = np.asarray(s.values, dtype=np.float64)
        self.series += 1
        self.fetched += len(timestamps)
        if last is not None:
            new = timestamps > last
            timestamps, values = timestamps[new], values[new]
        if not len(timestamps):
            return
        self._labels.append(tuple(getattr(s, name) for name in (*_LABELS, "period_seconds")))
        self._timestamps.append(timestamps)
        self._values.append(values)
        self.by_place[s.place] += len(timestamps)
        self.pending += len(timestamps)
        self.last[s.key] = (s.place, int(timestamps[-1]))

    def take(self) -> pa.Table:
        """The waiting datapoints as one Arrow table; the buffer starts again empty."""
        lengths = np.fromiter((len(t) for t in self._timestamps), dtype=np.int64, count=len(self._timestamps))
        row_series = pa.array(np.repeat(np.arange(len(lengths)), lengths))
        labels = list(zip(*self._labels, strict=True))
        columns = {name: pa.array(labels[i], pa.string()).take(row_series) for i, name in enumerate(_LABELS)}
        columns["period_seconds"] = pa.array(np.repeat(np.asarray(labels[len(_LABELS)], dtype=np.int64), lengths))
        columns["run_id"] = pa.array([self.run_id], pa.string()).take(pa.array(np.zeros(int(lengths.sum()), dtype=np.int64)))
        columns["timestamp"] = pa.array(np.concatenate(self._timestamps) * 1_000_000, pa.timestamp("us"))
        columns["value"] = pa.array(np.concatenate(self._values), pa.float64())
        self._labels, self._timestamps, self._values, self.pending = [], [], [], 0
        return pa.table({name: columns[name] for name in METRICS_SCHEMA.names}, schema=METRICS_SCHEMA)


def _advance_series(wh: Warehouse, run_id: str, last: dict[SeriesKey, int]) -> None:
    """Where each series that grew now resumes; one row per series, replaced (the new timestamp is the later)."""
    if not last:
        return
    incoming = f"raw.incoming_cloudwatch_series_{run_id.replace('-', '_').lower()}"
    wh.execute(create_table_sql(incoming, schema.SERIES_COLUMNS, wh.name))
    rows = [dict(zip(schema.SERIES_KEY, key, strict=True)) | {"last_timestamp": utc_time(t), "run_id": run_id} for key, t in last.items()]
    _append_rows(wh, incoming, schema.SERIES_COLUMNS, rows)
    same_series = " and ".join(f"s.{c} = i.{c}" for c in schema.SERIES_KEY)
    wh.execute(f"delete from {schema.SERIES} s where exists (select 1 from {incoming} i where {same_series})")
    wh.execute(f"insert into {schema.SERIES} select * from {incoming}")
    wh.execute(f"drop table {incoming}")


def _run_row(landed: LandedRun, source: str) -> dict:
    run = landed.run
    return {
        "run_id": run.run_id,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "status": run.status,
        "source": source,
        "period_seconds": run.period_seconds,
        "window_start": run.window_start,
        "window_end": run.window_end,
        "place_count": len(run.reads),
        "failed_place_count": len(run.failures),
        "series_count": landed.series_count,
        "api_calls": sum(r.api_calls for r in run.reads),
        "retries": sum(r.retries for r in run.reads),
        "datapoints_fetched": landed.datapoints_fetched,
        "datapoints_loaded": landed.datapoints_loaded,
        "loaded_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }


def _append_rows(wh: Warehouse, table: str, columns: dict[str, str], rows: list[dict]) -> None:
    if rows:
        arrow_schema = _arrow_schema(columns)
        batch = pa.Table.from_pylist(rows, schema=arrow_schema)
        wh.append_arrow(table, pa.RecordBatchReader.from_batches(arrow_schema, batch.to_batches()))
