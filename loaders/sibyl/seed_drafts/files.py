"""The draft files: seed CSVs in the seeds' own columns, and the evidence beside them. Nothing is
written when any of them exists already, unless asked to overwrite."""

from __future__ import annotations

import csv
from pathlib import Path

from sibyl.errors import ConfigError

Table = tuple[list[str], list[tuple]]

# The evidence: every spelling, value and account with its spend and why it was drafted as it was.
TAG_KEYS = "discovered_tag_keys.csv"
TAG_VALUES = "discovered_tag_values.csv"
ACCOUNTS = "discovered_accounts.csv"


def write_drafts(out_dir: Path, tables: dict[str, Table], *, force: bool) -> list[Path]:
    """Write each table as `out_dir/<name>`; refuse, before writing any, if one exists and not `force`."""
    paths = [out_dir / name for name in tables]
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise ConfigError(
            f"{existing[0]} exists{more}: review the drafts there and move them away, or run again with --force to overwrite them"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    for path, (header, rows) in zip(paths, tables.values(), strict=True):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows([[_cell(v) for v in row] for row in rows])
    return paths


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6f}"  # CUR costs carry up to ten decimals; cents would round small accounts to zero
    return str(value)
