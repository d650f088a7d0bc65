"""Open a delivery for reading: its files on local disk (fetched from S3, unzipped) and the right reader.

Remote and zipped files go to one temporary directory per delivery, removed when the delivery is
published, so disk use is bounded by the largest delivery, not by the report's history.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sibyl.cur.csv_format import read_csv_delivery
from sibyl.cur.delivery import Delivery
from sibyl.cur.dialect import DUCKDB, Dialect
from sibyl.cur.parquet_format import read_parquet_delivery
from sibyl.cur.reader import DeliveryReader
from sibyl.errors import ConfigError, DataError


@contextmanager
def open_delivery(delivery: Delivery, dialect: Dialect = DUCKDB) -> Iterator[DeliveryReader]:
    """The delivery's reader, in the SQL of the engine that reads the files (`dialect`)."""
    with tempfile.TemporaryDirectory(prefix="sibyl-cur-") as workdir:
        files = _local_files(delivery, Path(workdir))
        for path in files:
            if Path(path).stat().st_size == 0:
                raise DataError(f"{path}: the file is empty; re-download it or ask AWS to re-deliver the report")
        if delivery.file_format == "parquet":
            yield read_parquet_delivery(delivery, files, dialect)
        else:
            yield read_csv_delivery(delivery, files, dialect)


def _local_files(delivery: Delivery, workdir: Path) -> list[str]:
    if any(f.startswith("s3://") for f in delivery.files):
        from sibyl.cur.s3 import download

        _check_space(delivery, workdir)
        files = download(list(delivery.files), workdir / "s3")
    else:
        files = list(delivery.files)
    return [member for i, path in enumerate(files) for member in _unzipped(path, workdir / f"zip-{i}")]


def _check_space(delivery: Delivery, workdir: Path) -> None:
    free = shutil.disk_usage(workdir).free
    if delivery.size_bytes > free:
        raise ConfigError(
            f"{delivery.source} {delivery.period_label}: the delivery is {delivery.size_bytes / 1e9:.1f} GB but {workdir.parent} "
            f"has {free / 1e9:.1f} GB free; point TMPDIR at a larger disk"
        )


def _unzipped(path: str, into: Path) -> list[str]:
    """A `.zip` becomes the CSV files it holds; any other file is itself."""
    if not path.lower().endswith(".zip"):
        return [path]
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if not members:
                raise DataError(f"{path}: the zip archive holds no file; re-download it or ask AWS to re-deliver the report")
            into.mkdir(parents=True)
            out = []
            for i, member in enumerate(members):
                # Numbered names: a member's own path may hold `..` or repeat another's name.
                target = into / f"{i:05d}-{Path(member.filename).name}"
                with archive.open(member) as source, target.open("wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
                out.append(str(target))
            return out
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataError(f"{path}: not a readable zip archive ({exc}); re-download it or ask AWS to re-deliver the report") from exc
