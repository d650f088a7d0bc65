"""The CUR column list against real AWS headers: a misspelt name fails here, not as a column of nulls."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import REFERENCE_DATA, needs_reference_data
from sibyl.cur.columns import (
    DOCUMENTED_ONLY_COLUMNS,
    LINE_ITEM_COLUMNS,
    OPTIONAL_COLUMNS,
    PRODUCT_MAP_COLUMN,
    RENAMED_COLUMNS,
    REQUIRED_COLUMNS,
    TAG_MAP_COLUMN,
    canonical_name,
)
from sibyl.cur.reader import missing_column

DATA_FILES = (".csv", ".csv.gz", ".csv.zip", ".parquet")


def _header(path: Path) -> list[str]:
    if path.name.endswith(".parquet"):
        return pq.read_schema(path).names
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            [member] = [m for m in archive.namelist() if not m.endswith("/")]
            return next(csv.reader(io.TextIOWrapper(archive.open(member), encoding="utf-8-sig")))
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def _reference_columns() -> set[str]:
    """Every header of the reference files, as the loader names it (legacy CSV spellings made canonical)."""
    files = [p for p in REFERENCE_DATA.rglob("*") if p.name.endswith(DATA_FILES)]
    assert files, f"no data file under {REFERENCE_DATA}"
    return {canonical_name(name) for path in files for name in _header(path)}


@needs_reference_data
def test_every_column_the_loader_names_is_in_a_real_header_or_documented():
    named = {
        *LINE_ITEM_COLUMNS,
        *REQUIRED_COLUMNS,
        *(old for olds in RENAMED_COLUMNS.values() for old in olds),
        TAG_MAP_COLUMN,
        PRODUCT_MAP_COLUMN,
    }

    unknown = sorted(named - _reference_columns() - set(DOCUMENTED_ONLY_COLUMNS))

    assert unknown == [], "in no reference file and not in columns.DOCUMENTED_ONLY_COLUMNS"


def test_documented_only_columns_name_the_aws_document():
    for name, document in DOCUMENTED_ONLY_COLUMNS.items():
        assert document.startswith("https://docs.aws.amazon.com/cur/"), name


def test_only_optional_contract_columns_can_be_filled_with_nulls():
    assert set(OPTIONAL_COLUMNS) == set(LINE_ITEM_COLUMNS) - set(REQUIRED_COLUMNS)
    assert missing_column("line_item_resource_id", "varchar") == "cast(null as varchar)"
    with pytest.raises(ValueError, match="'line_item_resource_idd' is not an optional CUR column"):
        missing_column("line_item_resource_idd", "varchar")
    with pytest.raises(ValueError, match="'line_item_unblended_cost' is not an optional CUR column"):
        missing_column("line_item_unblended_cost", "double")
