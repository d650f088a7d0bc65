"""A CUR delivery: the files AWS wrote for one billing period of one report, at one version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Delivery:
    source: str  # the report's location: a local folder or s3://bucket/prefix/report
    billing_period: dt.date  # first day of the billing month
    version: str  # assembly id, export execution id, or a content hash for a lone file
    file_format: str  # "parquet" (legacy and CUR 2.0 share the reader) or "csv"
    files: tuple[str, ...]  # local paths, in the order AWS numbered them

    @property
    def period_label(self) -> str:
        return self.billing_period.strftime("%Y-%m")
