"""A CUR delivery: the files AWS wrote for one billing period of one report, at one version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Delivery:
    source: str  # the report's location: a local folder or s3://bucket/prefix/report
    billing_period: dt.date  # first day of the billing month
    version: str  # assembly id, export execution id, or a digest of the objects' names, sizes and times
    file_format: str  # "parquet" (legacy and CUR 2.0 share the reader) or "csv" (.csv, .csv.gz, .zip)
    files: tuple[str, ...]  # local paths or s3:// URLs, in the order AWS numbered them
    delivered_at: dt.datetime | None = None  # UTC, when AWS last wrote the delivery's files: orders restatements
    size_bytes: int = 0  # of all files, to check the disk before downloading

    @property
    def period_label(self) -> str:
        return self.billing_period.strftime("%Y-%m")
