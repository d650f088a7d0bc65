"""The three ways AWS lays out CUR deliveries, read from a store's listing.

- Legacy, versioned: `<report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json` names the current
  assembly (`assemblyId`, `reportKeys`).
- Legacy, overwrite (Athena): `<report>/<report>/year=YYYY/month=M/*.parquet`, replaced in place;
  no manifest, so the version is a digest of the objects' names, sizes, ETags and times.
- Data Exports (CUR 2.0): `<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json`
  (`executionId`, `dataFiles`) for the files under `<export>/data/BILLING_PERIOD=YYYY-MM/`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from itertools import groupby

from sibyl.cur.delivery import Delivery
from sibyl.cur.store import Store, StoredObject
from sibyl.errors import DataError

_LEGACY_MANIFEST = re.compile(r"^(?:(?P<report>.*)/)?(?P<start>\d{8})-\d{8}/[^/]+-Manifest\.json$")
_ATHENA_FILE = re.compile(r"^(?P<folder>(?:.*/)?year=(?P<year>\d{4})/month=(?P<month>\d{1,2}))/[^/]+\.parquet$")
_EXPORT_MANIFEST = re.compile(r"^(?:(?P<export>.*)/)?metadata/BILLING_PERIOD=(?P<period>\d{4}-\d{2})/(?:.*/)?[^/]+-Manifest\.json$")


def find_deliveries(store: Store, objects: list[StoredObject], only: dt.date | None = None) -> list[Delivery]:
    """The current delivery of each billing period of each report under the store (of period `only` if given).

    Periods are filtered before any manifest is read: other months are neither fetched nor checked.
    """
    by_key = {o.key: o for o in objects}
    manifested = _legacy_versioned(store, by_key, only) + _data_exports(store, by_key, only)
    claimed = {f for d in manifested for f in d.files}
    return manifested + [d for d in _legacy_athena(store, objects, only) if not claimed.intersection(d.files)]


def _legacy_versioned(store: Store, by_key: dict[str, StoredObject], only: dt.date | None) -> list[Delivery]:
    deliveries = []
    for key in by_key:
        match = _LEGACY_MANIFEST.match(key)
        if not match:  # AWS also copies the manifest into the assembly folder; only the period's one is current
            continue
        period = dt.datetime.strptime(match["start"], "%Y%m%d").date().replace(day=1)
        if only and period != only:
            continue
        manifest = _manifest(store, key, ("assemblyId", "reportKeys"))
        period_key = key.rsplit("/", 1)[0]
        folder = period_key.rsplit("/", 1)[-1]
        files = [_resolve(k, by_key, _under(period_key, _key_below(k, folder))) for k in manifest["reportKeys"]]
        deliveries.append(_delivery(store, key, match["report"] or "", period, manifest["assemblyId"], files, by_key))
    return deliveries


def _data_exports(store: Store, by_key: dict[str, StoredObject], only: dt.date | None) -> list[Delivery]:
    latest: dict[tuple[str, str], str] = {}  # (export, period) -> manifest key; the newest manifest wins
    for key in by_key:
        match = _EXPORT_MANIFEST.match(key)
        if match and (not only or match["period"] == f"{only:%Y-%m}"):
            slot = (match["export"] or "", match["period"])
            if slot not in latest or by_key[key].modified > by_key[latest[slot]].modified:
                latest[slot] = key
    deliveries = []
    for (export, period), key in latest.items():
        manifest = _manifest(store, key, ("dataFiles",))
        folder = f"BILLING_PERIOD={period}"
        files = [_resolve(url, by_key, _under(export, f"data/{folder}/{_key_below(url, folder)}")) for url in manifest["dataFiles"]]
        version = manifest.get("executionId") or manifest.get("assemblyId") or _digest([by_key[key]])
        start = dt.datetime.strptime(period, "%Y-%m").date()
        deliveries.append(_delivery(store, key, export, start, version, files, by_key))
    return deliveries


def _legacy_athena(store: Store, objects: list[StoredObject], only: dt.date | None) -> list[Delivery]:
    matched = [
        (m, o)
        for o in objects
        if (m := _ATHENA_FILE.match(o.key)) and (not only or (int(m["year"]), int(m["month"])) == (only.year, only.month))
    ]
    deliveries = []
    for folder, group in groupby(sorted(matched, key=lambda mo: mo[1].key), key=lambda mo: mo[0]["folder"]):
        items = list(group)
        match, parts = items[0][0], [o for _, o in items]
        report = folder.rsplit("/", 2)[0] if folder.count("/") >= 2 else ""
        period = dt.date(int(match["year"]), int(match["month"]), 1)
        deliveries.append(
            Delivery(
                source=store.location(report),
                billing_period=period,
                version=_digest(parts),
                file_format="parquet",
                files=tuple(store.location(o.key) for o in parts),
                delivered_at=max(o.modified for o in parts),
                size_bytes=sum(o.size for o in parts),
            )
        )
    return deliveries


def _delivery(
    store: Store, manifest_key: str, report: str, period: dt.date, version: str, files: list[str], by_key: dict[str, StoredObject]
) -> Delivery:
    if not files:
        raise DataError(
            f"{store.location(manifest_key)}: names no data files; the delivery is incomplete or empty: wait for AWS to "
            "write it again, or load the other months one by one with --billing-period"
        )
    missing = [f for f in files if f not in by_key]
    if missing:
        raise DataError(
            f"{store.location(manifest_key)}: names {len(missing)} file(s) that do not exist, first {store.location(missing[0])}; "
            "the delivery is incomplete, wait for AWS to finish writing it"
        )
    parts = [by_key[f] for f in files]
    return Delivery(
        source=store.location(report),
        billing_period=period,
        version=str(version),
        file_format="parquet" if all(f.lower().endswith(".parquet") for f in files) else "csv",
        files=tuple(store.location(f) for f in files),
        delivered_at=max((o.modified for o in parts), default=by_key[manifest_key].modified),
        size_bytes=sum(o.size for o in parts),
    )


def _manifest(store: Store, key: str, required: tuple[str, ...]) -> dict:
    try:
        manifest = json.loads(store.read_text(key))
        for field in required:
            manifest[field]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{store.location(key)}: not a CUR manifest ({exc!r}); expected JSON with {' and '.join(required)}") from exc
    return manifest


def _resolve(key: str, by_key: dict[str, StoredObject], fallback: str) -> str:
    """A manifest's key (bucket-relative, or an s3:// URL) as a key of the store.

    The store may be rooted at the bucket or below it, so the longest tail of the key that the
    store holds is the object; a key that points outside the period folder (the Athena table a
    manifest may name) is found too. When none is held, `fallback` is where it should have been.
    """
    parts = key.removeprefix("s3://").split("/")
    return next((tail for i in range(len(parts) - 1) if (tail := "/".join(parts[i:])) in by_key), fallback)


def _key_below(key: str, folder: str) -> str:
    """The part of a manifest's key (bucket-relative, or an s3:// URL) below `folder`."""
    parts = key.split("/")
    return "/".join(parts[parts.index(folder) + 1 :] if folder in parts else parts[-1:])


def _under(folder: str, key: str) -> str:
    return f"{folder}/{key}" if folder else key


def _digest(objects: list[StoredObject]) -> str:
    """A version for files replaced in place: any new, changed or removed object changes it."""
    digest = hashlib.sha256()
    for o in sorted(objects, key=lambda o: o.key):
        digest.update(f"{o.key}\0{o.size}\0{o.etag}\0{o.modified.isoformat()}\n".encode())
    return digest.hexdigest()[:32]
