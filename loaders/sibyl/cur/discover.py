"""Find the current delivery of each billing period under a local folder or an S3 prefix, or take a lone file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from sibyl.cur.delivery import Delivery
from sibyl.cur.layouts import find_deliveries
from sibyl.cur.store import LocalStore
from sibyl.errors import ConfigError, DataError, first_line

if TYPE_CHECKING:  # boto3 is imported only for s3:// sources
    from sibyl.cur.s3 import S3Store

_DATA_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".csv.zip", ".zip")
_LAYOUTS = (
    "<report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json, <report>/<report>/year=YYYY/month=M/*.parquet "
    "or <export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json"
)


def discover(source: str, only: dt.date | None = None) -> list[Delivery]:
    """Deliveries under SOURCE (s3://bucket/prefix, a folder or one file), only the billing period `only` if given."""
    if source.startswith("s3://"):
        from sibyl.cur.s3 import S3Store

        store = S3Store(source)
        is_one_object = _is_data_file(store.prefix)
        deliveries = [_lone_object(store, source)] if is_one_object else find_deliveries(store, store.objects(), only)
    else:
        path = Path(source)
        if not path.exists():
            raise ConfigError(f"CUR source {source} does not exist: give a folder that holds a CUR report, or a CUR file")
        if path.is_file():
            deliveries = [_lone_file(path)]
        else:
            store = LocalStore(path)
            deliveries = find_deliveries(store, store.objects(), only)
    if only:
        deliveries = [d for d in deliveries if d.period_label == f"{only:%Y-%m}"]
        if not deliveries:
            raise ConfigError(
                f"no CUR delivery of {only:%Y-%m} under {source}: check the month, or leave out --billing-period to see what is there"
            )
    if not deliveries:
        raise ConfigError(f"no CUR delivery under {source}: expected {_LAYOUTS} as AWS writes them (or pass a single CUR file)")
    return sorted(deliveries, key=lambda d: (d.source, d.billing_period))


def _is_data_file(name: str) -> bool:
    return name.lower().endswith(_DATA_SUFFIXES)


def _lone_object(store: S3Store, source: str) -> Delivery:
    """One S3 object: its ETag is the version (S3 changes it whenever the bytes change)."""
    found = store.lone_object()
    if found is None:
        raise ConfigError(f"{source} does not exist: check the key, or give the prefix that holds the report")
    url = store.location("")
    delivery = Delivery(
        source=url,
        billing_period=dt.date.min,  # read from the rows below
        version=found.etag,
        file_format=_file_format(url),
        files=(url,),
        delivered_at=found.modified,
        size_bytes=found.size,
    )
    return dataclasses.replace(delivery, billing_period=_period_of_file(delivery))


def _lone_file(path: Path) -> Delivery:
    if not _is_data_file(path.name):
        raise ConfigError(f"{path} is not a CUR data file: expected .parquet, .csv, .csv.gz or .zip")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    stat = path.stat()
    delivery = Delivery(
        source=str(path.resolve()),
        billing_period=dt.date.min,  # read from the rows below
        version=digest.hexdigest(),
        file_format=_file_format(path.name),
        files=(str(path),),
        delivered_at=dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).replace(tzinfo=None),
        size_bytes=stat.st_size,
    )
    return dataclasses.replace(delivery, billing_period=_period_of_file(delivery))


def _file_format(name: str) -> str:
    return "parquet" if name.lower().endswith(".parquet") else "csv"


def _period_of_file(delivery: Delivery) -> dt.date:
    """A lone file carries its billing period in its rows; it must be exactly one."""
    import duckdb

    from sibyl import duckdb_session
    from sibyl.cur.delivery_files import open_delivery

    path = delivery.files[0]
    with open_delivery(delivery) as reader:
        try:
            with duckdb_session.connect() as con:
                rows = con.execute(
                    f"select distinct cast(bill_billing_period_start_date as date) from (\n{reader.rows_sql}\n) as delivery_rows"
                ).fetchall()
        except duckdb.Error as exc:
            raise DataError(f"{path}: cannot read its billing period ({first_line(exc)})") from exc
    if len(rows) != 1 or rows[0][0] is None:
        raise DataError(f"{path}: holds {len(rows)} billing periods; a lone file must hold exactly one")
    return rows[0][0].replace(day=1)
