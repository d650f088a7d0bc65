"""The metrics snapshot: fetch where the credentials are, load where the warehouse is.

Format `sibyl-cloudwatch-snapshot`, version 1: gzip-compressed JSON Lines.
- line 1, the header: {"format": "sibyl-cloudwatch-snapshot", "version": 1, "run": {run_id, started_at,
  window_start, window_end, period_seconds}}, times as ISO 8601 UTC;
- then, in any order, one {"series": {account_id, region, resource_id, namespace, metric_name, statistic,
  period_seconds, unit, timestamps, values}} per series (timestamps: each period's start in seconds since the
  epoch, ascending) and one {"read": {...}} per place read, fields as in series.py;
- last, the trailer: {"end": {"finished_at": ..., "reads": N, "series": M, "datapoints": K}}. A file without
  it, or whose counts differ, was cut short and is refused (the load is rolled back: nothing is loaded).
The series of a place whose read failed may be in the file; the load keeps none of them.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sibyl.cloudwatch.series import PlaceRead, Run, Series
from sibyl.errors import DataError

FORMAT = "sibyl-cloudwatch-snapshot"
VERSION = 1
_SERIES_FIELDS = tuple(Series.__dataclass_fields__)
# Run ids name a staging table: letters, digits, '-' and '_' only (a snapshot is input like any other).
_RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Written:
    reads: int
    series: int
    datapoints: int


def write_snapshot(path: Path, run: Run, events: Iterable[Series | PlaceRead]) -> Written:
    """Write the run and its events to `path` as they come (through a temporary file: a reader never sees half a
    snapshot, and a run that stops half-way leaves no file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    reads = series = datapoints = 0
    try:
        with gzip.open(partial, "wt", encoding="utf-8") as out:
            out.write(json.dumps({"format": FORMAT, "version": VERSION, "run": _run_header(run)}) + "\n")
            for event in events:
                if isinstance(event, PlaceRead):
                    run.reads.append(event)
                    reads += 1
                    out.write(json.dumps({"read": event.__dict__}) + "\n")
                    continue
                series += 1
                datapoints += len(event.timestamps)
                record = {name: getattr(event, name) for name in _SERIES_FIELDS}
                record |= {"timestamps": _plain(event.timestamps), "values": _plain(event.values)}
                out.write(json.dumps({"series": record}) + "\n")
            run.finished_at = run.finished_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
            end = {"finished_at": run.finished_at.isoformat(), "reads": reads, "series": series, "datapoints": datapoints}
            out.write(json.dumps({"end": end}) + "\n")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return Written(reads, series, datapoints)


def _run_header(run: Run) -> dict:
    times = {name: getattr(run, name).isoformat() for name in ("started_at", "window_start", "window_end")}
    return {"run_id": run.run_id, **times, "period_seconds": run.period_seconds}


def _plain(values) -> list:
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


class Snapshot:
    """A snapshot file opened for loading: its run (from the header, checked on opening) and its events, read
    and checked one line at a time by `events()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with _reading(path):
            with gzip.open(path, "rt", encoding="utf-8") as lines:
                header = json.loads(next(lines, "null") or "null")
            self.run = self._run(header)

    def _run(self, header: object) -> Run:
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise DataError(f"{self.path}: not a Sibyl CloudWatch snapshot (its first line names no format {FORMAT!r})")
        if header.get("version") != VERSION:
            raise DataError(
                f"{self.path}: CloudWatch snapshot version {header.get('version')!r} is not one this Sibyl reads ({VERSION}); "
                "load it with the Sibyl that wrote it, or fetch again"
            )
        meta = header["run"]
        if not _RUN_ID.match(str(meta["run_id"])):
            raise DataError(f"{self.path}: run id {meta['run_id']!r} is not one Sibyl writes (letters, digits, '-' and '_', at most 64)")
        times = {name: dt.datetime.fromisoformat(meta[name]) for name in ("started_at", "window_start", "window_end")}
        return Run(run_id=str(meta["run_id"]), period_seconds=int(meta["period_seconds"]), **times)

    def events(self) -> Iterator[Series | PlaceRead]:
        """Each series and read of the file; at the end, the trailer's counts checked and the run's finish time set."""
        reads = series = datapoints = 0
        with _reading(self.path), gzip.open(self.path, "rt", encoding="utf-8") as lines:
            next(lines)
            for line in lines:
                record = json.loads(line)
                if "series" in record:
                    event = self._series(record["series"])
                    series, datapoints = series + 1, datapoints + len(event.timestamps)
                elif "read" in record:
                    event = PlaceRead(**record["read"])
                    reads += 1
                elif "end" in record:
                    self._check_end(record["end"], {"reads": reads, "series": series, "datapoints": datapoints})
                    return
                else:
                    raise DataError(f"{self.path}: a line that is no series, read or end: {line[:80]!r}")
                yield event
        raise DataError(f"{self.path}: the snapshot is cut short (no end line): write it again with --to-file")

    def _series(self, fields: dict) -> Series:
        timestamps, values = np.asarray(fields["timestamps"]), np.asarray(fields["values"])
        well_formed = len(timestamps) == len(values) and (
            not len(timestamps)
            or (
                timestamps.dtype.kind == "i" and (np.diff(timestamps) > 0).all() and values.dtype.kind in "if" and np.isfinite(values).all()
            )
        )
        if not well_formed:
            raise DataError(
                f"{self.path}: series {fields['resource_id']} {fields['metric_name']} {fields['statistic']}: as many timestamps as "
                "values, timestamps whole seconds, ascending and unique, values finite numbers; write it again with --to-file"
            )
        return Series(**fields | {"timestamps": timestamps, "values": values})

    def _check_end(self, end: dict, counted: dict) -> None:
        if {k: end.get(k) for k in counted} != counted:
            raise DataError(f"{self.path}: the snapshot is cut short (fewer records than its end line announces): write it again")
        self.run.finished_at = dt.datetime.fromisoformat(end["finished_at"])


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn what a damaged file raises into one DataError line naming it."""
    try:
        yield
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{path}: no such snapshot file") from None
    except (EOFError, OSError, zlib.error, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
        raise DataError(f"{path}: not a readable CloudWatch snapshot ({problem}); write it again with --to-file") from None
