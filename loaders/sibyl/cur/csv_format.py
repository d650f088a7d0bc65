"""Read CSV CUR files (`.csv`, `.csv.gz`; zips are unpacked before) onto the raw contract.

Legacy CSV headers (`lineItem/UnblendedCost`, `resourceTags/user:Team`) become AWS's Parquet names
through `canonical_name`; snake_case headers (CUR 2.0 CSV, Athena-style exports) are kept. Every
field is read as text and cast in SQL, so a value that does not parse is an error, never a null.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib

from sibyl.cur.columns import (
    CSV_TAG_PREFIX,
    LINE_ITEM_COLUMNS,
    PRODUCT_MAP_COLUMN,
    RENAMED_COLUMNS,
    TAG_COLUMN_PREFIX,
    TAG_MAP_COLUMN,
    canonical_name,
    missing_required,
    product_map_keys,
)
from sibyl.cur.delivery import Delivery
from sibyl.cur.dialect import DUCKDB, Dialect
from sibyl.cur.reader import TAG_MAP, DeliveryReader, TextCheck, cast_expr, missing_column, tag_column, text_check
from sibyl.errors import DataError

CSV_BUFFER_BYTES = 8 << 20


class _Layout:
    """One header: where each contract column, tag and map sits, by position (`c0`, `c1`, …).

    Positions, not names: DuckDB compares names case-insensitively and CURs carry both
    `resourceTags/user:Team` and `resourceTags/user:team`.
    """

    def __init__(self, header: tuple[str, ...], dialect: Dialect) -> None:
        self.header = header
        self.dialect = dialect
        self.contract: dict[str, tuple[str, str]] = {}  # canonical name -> (header, position)
        self.tags: dict[str, str] = {}  # tag key as the format spells it -> position
        for i, name in enumerate(header):
            position = f"c{i}"
            if name.startswith(CSV_TAG_PREFIX):
                self.tags[name[len(CSV_TAG_PREFIX) :]] = position
                continue
            canonical = canonical_name(name)
            if canonical.startswith(TAG_COLUMN_PREFIX):
                self.tags[name] = position
            else:
                self.contract.setdefault(canonical, (name, position))

    def scan(self, files: list[str]) -> str:
        return self.dialect.csv_scan(files, len(self.header), CSV_BUFFER_BYTES)

    def select(self, files: list[str], tag_keys: tuple[str, ...], tag_map: bool) -> tuple[str, list[TextCheck]]:
        selects, checks, dialect, literal = [], [], self.dialect, self.dialect.literal
        for name, kind in LINE_ITEM_COLUMNS.items():
            sources = [self.contract[c] for c in (name, *RENAMED_COLUMNS.get(name, ())) if c in self.contract]
            # CUR 2.0's product map stands in for an absent or empty product column (see parquet_format).
            has_map = PRODUCT_MAP_COLUMN in self.contract
            entries = [f"nullif({self._map(PRODUCT_MAP_COLUMN)}[{literal(key)}], '')" for key in product_map_keys(name)] if has_map else []
            if sources:
                if kind == "varchar":
                    parts = [*(f"nullif({p}, '')" for _, p in sources), *entries, "''"]
                    expr = f"coalesce({', '.join(parts)})"
                else:
                    expr = f"coalesce({', '.join(cast_expr(p, kind, from_text=True, dialect=dialect) for _, p in sources)})"
                    checks += [text_check(header, position, kind, dialect) for header, position in sources]
            elif entries:
                expr = cast_expr(f"coalesce({', '.join(entries)})", kind, from_text=True, dialect=dialect)
            else:
                expr = missing_column(name, kind, dialect)
            selects.append(f"    {expr} as {name}")
        if tag_map:
            selects.append(f"    {self._map(TAG_MAP_COLUMN) if TAG_MAP_COLUMN in self.contract else dialect.empty_map} as {TAG_MAP}")
        no_tag = dialect.cast("null", "varchar")
        selects += [f"    {self.tags.get(key, no_tag)} as {tag_column(i)}" for i, key in enumerate(tag_keys)]
        return "select\n" + ",\n".join(selects) + f"\nfrom {self.scan(files)}", checks

    def _map(self, canonical: str) -> str:
        """A CUR 2.0 map column, which CSV spells as JSON text."""
        text = f"nullif({self.contract[canonical][1]}, '')"
        return f"coalesce({self.dialect.json_map(text)}, {self.dialect.empty_map})"


def read_csv_delivery(delivery: Delivery, files: list[str], dialect: Dialect = DUCKDB) -> DeliveryReader:
    """Read each file's header, check it against the contract, and write one query over all files."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for path in files:
        header = _header(path)
        missing = missing_required({canonical_name(h) for h in header})
        if missing:
            raise DataError(
                f"{path}: required CUR column {missing[0]} is missing" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            )
        groups.setdefault(header, []).append(path)
    layouts = {header: _Layout(header, dialect) for header in groups}
    tag_map = any(TAG_MAP_COLUMN in layout.contract for layout in layouts.values())
    tag_keys = () if tag_map else tuple(sorted({key for layout in layouts.values() for key in layout.tags}))
    parts = [layouts[header].select(group, tag_keys, tag_map) for header, group in groups.items()]
    single = len(groups) == 1
    return DeliveryReader(
        delivery=delivery,
        files=tuple(files),
        rows_sql="\nunion all\n".join(sql for sql, _ in parts),
        build=read_csv_delivery,
        tag_keys=tag_keys,
        tag_map=tag_map,
        checks_from=next(iter(layouts.values())).scan(files) if single else "",
        checks=tuple(parts[0][1]) if single else (),
        dialect=dialect,
    )


def _header(path: str) -> tuple[str, ...]:
    """The first line, parsed as CSV; an empty or undecodable file is refused, naming it."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(io.StringIO(handle.readline())), [])
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc}); re-download it or ask AWS to re-deliver the report") from exc
    if not header:
        raise DataError(f"{path}: the file is empty (no header row); re-download it or ask AWS to re-deliver the report")
    return tuple(header)
