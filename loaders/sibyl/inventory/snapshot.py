"""The scan snapshot: scan where the credentials are, load where the warehouse is.

Format `sibyl-inventory-snapshot`, version 1 (docs/inventory-snapshot.md): gzip-compressed JSON Lines.
- line 1, the header: {"format": "sibyl-inventory-snapshot", "version": 1, "scan": {scan_id, started_at,
  finished_at, accounts, regions}};
- then one {"read": {...}} per place read and one {"resource": {...}} per resource, fields as in scan.py,
  times as ISO 8601 UTC;
- last, the trailer: {"end": {"reads": N, "resources": M}}. A file without it, or whose counts differ, was cut
  short and is refused.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import zlib
from pathlib import Path

from sibyl.errors import DataError
from sibyl.inventory.scan import Read, Resource, Scan

FORMAT = "sibyl-inventory-snapshot"
VERSION = 1


def write_snapshot(scan: Scan, path: Path) -> None:
    """Write `scan` to `path` (through a temporary file, so a reader never sees half a snapshot)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    header = {"scan_id": scan.scan_id, "started_at": _time(scan.started_at), "finished_at": _time(scan.finished_at)}
    header |= {"accounts": sorted(scan.accounts), "regions": sorted(scan.regions)}
    with gzip.open(partial, "wt", encoding="utf-8") as out:
        out.write(json.dumps({"format": FORMAT, "version": VERSION, "scan": header}) + "\n")
        for read in scan.reads:
            out.write(json.dumps({"read": read.__dict__}) + "\n")
        for r in scan.resources:
            out.write(json.dumps({"resource": r.__dict__ | {"created_at": _time(r.created_at)}}) + "\n")
        out.write(json.dumps({"end": {"reads": len(scan.reads), "resources": len(scan.resources)}}) + "\n")
    partial.replace(path)


def read_snapshot(path: Path) -> Scan:
    """The scan a snapshot holds; a file of another format or version, or one cut short, is a DataError."""
    try:
        return _parse(path)
    except FileNotFoundError:
        raise DataError(f"{path}: no such snapshot file") from None
    except (EOFError, OSError, zlib.error, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path}: not a readable inventory snapshot ({type(exc).__name__}: {exc}); write it again with --to-file") from None


def _parse(path: Path) -> Scan:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        header = json.loads(next(lines, "null") or "null")
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise DataError(f"{path}: not a Sibyl inventory snapshot (its first line names no format {FORMAT!r})")
        if header.get("version") != VERSION:
            raise DataError(
                f"{path}: inventory snapshot version {header.get('version')!r} is not one this Sibyl reads ({VERSION}); "
                "load it with the Sibyl that wrote it, or scan again"
            )
        meta = header["scan"]
        scan = Scan(
            scan_id=meta["scan_id"],
            started_at=_parse_time(meta["started_at"]),
            finished_at=_parse_time(meta["finished_at"]),
            accounts=list(meta["accounts"]),
            regions=list(meta["regions"]),
        )
        end, shared = None, {}
        for line in lines:
            record = json.loads(line)
            if "resource" in record:
                scan.resources.append(_resource(record["resource"], shared))
            elif "read" in record:
                scan.reads.append(Read(**record["read"]))
            elif "end" in record:
                end = record["end"]
                break
    if end is None or end != {"reads": len(scan.reads), "resources": len(scan.resources)}:
        raise DataError(f"{path}: the snapshot is cut short (no end line, or fewer records than it announces): write it again")
    return scan


# A scan repeats a few accounts, regions, types, states and tag sets over all its resources: each distinct one
# is kept once, and resources with equal tags share one dict (read-only). 100,000 resources take 51 MB, not 126.
_SHARED_FIELDS = ("account_id", "region", "resource_type", "state")


def _resource(fields: dict, shared: dict) -> Resource:
    for name in _SHARED_FIELDS:
        fields[name] = shared.setdefault(fields.get(name), fields.get(name))
    if fields.get("arn") == fields["resource_id"]:  # most types' CUR id is their ARN
        fields["arn"] = fields["resource_id"]
    tags = {shared.setdefault(k, k): shared.setdefault(v, v) for k, v in (fields.get("tags") or {}).items()}
    fields["tags"] = shared.setdefault(tuple(tags.items()), tags)
    return Resource(**fields | {"created_at": _parse_time(fields.get("created_at"))})


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None
