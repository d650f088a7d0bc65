"""Independent readers of CUR deliveries on disk, for expected values in tests.

They follow AWS's documented layouts with json, csv, gzip, zipfile and pyarrow, never Sibyl's readers:
a legacy report's `<report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json` names its files by `reportKeys`;
a Data Exports manifest at `<export>/metadata/BILLING_PERIOD=YYYY-MM/` names them by `dataFiles` in
`<export>/data/BILLING_PERIOD=YYYY-MM/`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

COST_HEADERS = ("lineItem/UnblendedCost", "line_item_unblended_cost")  # legacy CSV, then Parquet and CUR 2.0


def manifest_json(manifest: Path) -> dict:
    return json.loads(manifest.read_text(encoding="utf-8"))


def _is_legacy_period(folder: Path) -> bool:
    return re.fullmatch(r"\d{8}-\d{8}", folder.name) is not None


def period_manifests(root: Path) -> list[Path]:
    """Period-level legacy manifests (<report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json), oldest first."""
    return sorted(m for m in root.rglob("*-Manifest.json") if _is_legacy_period(m.parent))


def delivery_manifests(root: Path) -> list[Path]:
    """Every delivery's manifest under root: legacy period-level ones and Data Exports ones."""
    return sorted(m for m in root.rglob("*-Manifest.json") if _is_legacy_period(m.parent) or m.parent.name.startswith("BILLING_PERIOD="))


def billing_period(manifest: Path) -> str:
    """'YYYY-MM' of a delivery, from its manifest's folder."""
    folder = manifest.parent.name
    return folder.split("=")[1] if folder.startswith("BILLING_PERIOD=") else f"{folder[:4]}-{folder[4:6]}"


def data_files(manifest: Path) -> list[Path]:
    """The data files a manifest names, found beside it wherever the tree was copied."""
    content = manifest_json(manifest)
    folder = manifest.parent
    if "reportKeys" in content:
        return [folder.joinpath(*k.split("/")[k.split("/").index(folder.name) + 1 :]) for k in content["reportKeys"]]
    return [manifest.parents[2] / "data" / folder.name / url.rsplit("/", 1)[1] for url in content["dataFiles"]]


def delivery_files(root: Path) -> dict[str, list[Path]]:
    """{'YYYY-MM': data files} of every delivery under root."""
    return {billing_period(m): data_files(m) for m in delivery_manifests(root)}


def parquet_table(files: list[Path]) -> pa.Table:
    return pa.concat_tables([pq.read_table(f) for f in files], promote_options="default")


def manifest_table(manifest: Path) -> pa.Table:
    return parquet_table(data_files(manifest))


def csv_header_and_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """A CSV file plain, gzipped or zipped (its first member), as (header, rows)."""
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            text = archive.read(archive.namelist()[0]).decode("utf-8")
    elif path.name.endswith(".gz"):
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader.fieldnames or []), list(reader)


def csv_rows(path: Path) -> list[dict[str, str]]:
    return csv_header_and_rows(path)[1]


def file_totals(files: list[Path]) -> tuple[int, float]:
    """(rows, unblended cost) of Parquet or CSV files, in either spelling of the cost column."""
    rows, cost = 0, 0.0
    for f in files:
        if f.name.endswith(".parquet"):
            table = pq.read_table(f, columns=["line_item_unblended_cost"])
            rows, cost = rows + table.num_rows, cost + (pc.sum(table["line_item_unblended_cost"]).as_py() or 0.0)
        else:
            header, records = csv_header_and_rows(f)
            cost_header = next(h for h in COST_HEADERS if h in header)
            rows, cost = rows + len(records), cost + sum(float(r[cost_header] or 0) for r in records)
    return rows, cost


def totals_by_period(root: Path) -> dict[str, tuple[int, float]]:
    """{'YYYY-MM': (rows, unblended cost)} of every delivery under root, straight from its files."""
    return {period: file_totals(files) for period, files in delivery_files(root).items()}
