"""Where CUR objects are listed and read from: a local folder or an S3 prefix (see s3.py), one interface.

Layouts (layouts.py) work on a store's listing, so a bucket and a local copy of it are discovered
by the same code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class StoredObject:
    key: str  # relative to the store's root, '/'-separated
    size: int
    modified: dt.datetime  # UTC, naive: S3's LastModified or the file's mtime
    etag: str = ""  # S3's ETag; a local file has none (its size and mtime stand in)


class Store(Protocol):
    def objects(self) -> list[StoredObject]: ...

    def read_text(self, key: str) -> str: ...

    def location(self, key: str) -> str:
        """What a key is called outside the store: a local path or an s3:// URL (key '' is the root)."""


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def objects(self) -> list[StoredObject]:
        found = []
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                stat = path.stat()
                modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).replace(tzinfo=None)
                found.append(StoredObject(path.relative_to(self.root).as_posix(), stat.st_size, modified))
        return found

    def read_text(self, key: str) -> str:
        return (self.root / key).read_text(encoding="utf-8")

    def location(self, key: str) -> str:
        return str(self.root.joinpath(*key.split("/"))) if key else str(self.root)
