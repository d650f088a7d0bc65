"""Write a synthetic Cost and Usage Report for the demo organisation, laid out as AWS delivers it.

    generate_cur(Path("demo-data/cur"), months=3, lines=60_000, seed=42, fmt="legacy-parquet")

Formats (out_dir plays the S3 bucket root):
- ``legacy-parquet``: ``<prefix>/<report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json`` and
  ``.../<assemblyId>/<report>-00001.snappy.parquet`` (+ a copy of the manifest), Athena-style
  snake_case columns, ``resource_tags_user_<snake key>`` tag columns.
- ``legacy-csv``: same layout, ``<report>-1.csv.gz``, ``lineItem/UnblendedCost`` /
  ``resourceTags/user:Team`` headers.
- ``cur2-parquet``: Data Exports CUR 2.0, ``<prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/<export>-00001.snappy.parquet``
  and ``<prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json``; tags in the
  ``resource_tags`` map (keys ``user_<snake key>``), product attributes in the ``product`` map.

The same arguments always give byte-identical files; the three formats of one seed hold the
same line items (same count, same costs).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .estate_builder import build_estate
from .injections import draw_injections, write_ground_truth
from .lifecycle import write_lifecycle
from .lines import LineMaker
from .writers import Cur2Writer, LegacyCsvWriter, LegacyParquetWriter, _uuid

FORMATS = ("legacy-parquet", "legacy-csv", "cur2-parquet")


def generate_cur(
    out_dir: Path,
    *,
    months: int = 3,
    lines: int = 60_000,
    seed: int = 42,
    fmt: str = "legacy-parquet",
    end_date: dt.date | None = None,
    report_name: str = "sibyl-demo",
    prefix: str = "cur",
    anomalies: bool = False,
) -> list[Path]:
    """Write `months` billing periods of CUR ending the day before `end_date`; return the manifest paths.

    `end_date` is exclusive and defaults to today (UTC): the last period is month-to-date. `lines`
    is the total number of line items over all periods (met to within a few lines; the files hold
    exactly what the manifests list). `anomalies`: inject spikes and step changes into usage and list them in
    OUT_DIR/ground-truth/anomalies.csv (injections.py), and list the resources that start or stop inside the window
    in OUT_DIR/ground-truth/lifecycle.csv (lifecycle.py).
    """
    _check_options(fmt, months, lines, report_name)
    if end_date is None:
        end_date = dt.datetime.now(dt.UTC).date()
    if isinstance(end_date, dt.datetime):
        end_date = end_date.date()
    out_dir = Path(out_dir)
    prefix = prefix.strip("/")

    estate = build_estate(seed, end_date, months, lines)
    injections = draw_injections(estate) if anomalies else []
    maker = LineMaker(estate, injections)
    version = f"{seed}|{fmt}|{report_name}|{prefix}|{months}|{lines}|{end_date:%Y-%m-%d}" + ("|anomalies" if anomalies else "")
    manifests: list[Path] = []
    total = 0
    for period in estate.periods:
        writer = _writer(fmt, out_dir, estate, period, report_name, prefix, version)
        for day in range(period.first_day, period.last_day + 1):
            for chunk in maker.day(day):
                writer.write(chunk)
        writer.write(maker.month_end(period))
        manifests.append(writer.close())
        total += writer.rows
    if total != estate.expected_lines:  # the estate's own count and the written rows must agree
        raise AssertionError(f"wrote {total} line items, planned {estate.expected_lines}")
    if anomalies:
        write_ground_truth(out_dir, estate, injections)
        write_lifecycle(out_dir, estate)
    return manifests


def _check_options(fmt: str, months: int, lines: int, report_name: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown CUR format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if months < 1:
        raise ValueError("months must be at least 1")
    if lines < 1:
        raise ValueError("lines must be at least 1")
    if not report_name or "/" in report_name:
        raise ValueError("report_name must be a non-empty name without '/'")


def _writer(fmt: str, out_dir: Path, estate, period, report_name: str, prefix: str, version: str):
    """The writer of one billing period in `fmt`, with ids derived from the run's options."""
    assembly_id = _uuid("assembly", version, period.label)
    if fmt == "cur2-parquet":
        return Cur2Writer(
            out_dir,
            estate,
            period,
            export_name=report_name,
            prefix=prefix,
            assembly_id=assembly_id,
            execution_id=_uuid("execution", version, period.label),
            export_uuid=_uuid("export", report_name),
        )
    legacy_writer = LegacyCsvWriter if fmt == "legacy-csv" else LegacyParquetWriter
    return legacy_writer(out_dir, estate, period, report_name=report_name, prefix=prefix, assembly_id=assembly_id)
