"""Find the current delivery of each billing period under a local folder, or take a lone file."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from sibyl.cur.delivery import Delivery
from sibyl.errors import ConfigError, DataError, first_line

# <report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json names the period's current assembly.
_PERIOD_FOLDER = re.compile(r"^(\d{8})-(\d{8})$")
_DATA_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".csv.zip", ".zip")


def discover_local(source: str, billing_period: str | None = None) -> list[Delivery]:
    path = Path(source)
    if not path.exists():
        raise ConfigError(f"CUR source {source} does not exist: give a folder that holds a CUR report, or a CUR file")
    if path.is_file():
        deliveries = [_lone_file(path)]
    else:
        deliveries = [_from_manifest(m) for m in sorted(path.rglob("*-Manifest.json")) if _is_period_manifest(m)]
        if not deliveries:
            raise ConfigError(
                f"no CUR delivery under {source}: expected <report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json "
                "as AWS writes it (or pass a single CUR file)"
            )
    if billing_period:
        deliveries = [d for d in deliveries if d.period_label == billing_period]
    return sorted(deliveries, key=lambda d: (d.source, d.billing_period))


def _is_period_manifest(path: Path) -> bool:
    # AWS also copies the manifest into the assembly folder; only the period-level one is current.
    return bool(_PERIOD_FOLDER.match(path.parent.name))


def _from_manifest(path: Path) -> Delivery:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        assembly_id = manifest["assemblyId"]
        keys = manifest["reportKeys"]
        content_type = manifest.get("contentType", "")
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{path}: not a CUR manifest ({exc}); expected JSON with assemblyId and reportKeys") from exc
    period_folder = path.parent
    files = [_local_key(period_folder, key) for key in keys]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise DataError(f"{path}: names {len(missing)} file(s) that do not exist, first {missing[0]}; the delivery is incomplete, wait for AWS to finish writing it")
    start = dt.datetime.strptime(_PERIOD_FOLDER.match(period_folder.name).group(1), "%Y%m%d").date()
    return Delivery(
        source=str(period_folder.parent.resolve()),
        billing_period=start,
        version=assembly_id,
        file_format="parquet" if "parquet" in content_type.lower() else "csv",
        files=tuple(str(f) for f in files),
    )


def _local_key(period_folder: Path, key: str) -> Path:
    """A manifest key (relative to the bucket root) as a path below the period folder on disk."""
    parts = key.split("/")
    if period_folder.name in parts:
        parts = parts[parts.index(period_folder.name) + 1 :]
    return period_folder.joinpath(*parts)


def _lone_file(path: Path) -> Delivery:
    if not path.name.endswith(_DATA_SUFFIXES):
        raise ConfigError(f"{path} is not a CUR data file: expected .parquet, .csv, .csv.gz or .zip")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return Delivery(
        source=str(path.resolve()),
        billing_period=_period_of_file(path),
        version=digest.hexdigest(),
        file_format="parquet" if path.name.endswith(".parquet") else "csv",
        files=(str(path),),
    )


def _period_of_file(path: Path) -> dt.date:
    """A lone file carries its billing period in its rows; it must be exactly one."""
    import duckdb

    reader = "read_parquet" if path.name.endswith(".parquet") else "read_csv"
    column = "bill_billing_period_start_date" if reader == "read_parquet" else '"bill/BillingPeriodStartDate"'
    try:
        with duckdb.connect() as con:
            rows = con.execute(f"select distinct cast({column} as date) from {reader}($1)", [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise DataError(f"{path}: cannot read its billing period ({first_line(exc)})") from exc
    if len(rows) != 1 or rows[0][0] is None:
        raise DataError(f"{path}: holds {len(rows)} billing periods; a lone file must hold exactly one")
    return rows[0][0].replace(day=1)
