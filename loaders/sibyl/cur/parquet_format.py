"""Read Parquet CUR files onto the raw contract: legacy (Athena-style flat columns) and CUR 2.0 (maps).

Legacy Parquet keeps each tag in a column `resource_tags_user_<key>`; CUR 2.0 keeps tags in the
`resource_tags` map and most product attributes in the `product` map (keys without `product_`).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from sibyl.cur.columns import (
    LINE_ITEM_COLUMNS,
    PRODUCT_MAP_COLUMN,
    RENAMED_COLUMNS,
    TAG_COLUMN_PREFIX,
    TAG_MAP_COLUMN,
    missing_required,
    product_map_keys,
)
from sibyl.cur.delivery import Delivery
from sibyl.cur.dialect import DUCKDB, Dialect
from sibyl.cur.reader import TAG_MAP, DeliveryReader, TextCheck, cast_expr, missing_column, tag_column, text_check
from sibyl.errors import DataError, first_line


def read_parquet_delivery(delivery: Delivery, files: list[str], dialect: Dialect = DUCKDB) -> DeliveryReader:
    """Check each file's schema (footer only) against the contract and write the query over them."""
    columns = _columns(files)
    scan = dialect.parquet_scan(files)
    quote = dialect.quote
    selects, checks = [], []
    for name, kind in LINE_ITEM_COLUMNS.items():
        expr, check = _contract_expr(name, kind, columns, dialect)
        selects.append(f"    {expr} as {name}")
        checks += [check] if check else []
    tag_map = pa.types.is_map(columns.get(TAG_MAP_COLUMN, pa.null()))
    tag_keys = () if tag_map else tuple(sorted(c for c in columns if c.startswith(TAG_COLUMN_PREFIX)))
    if tag_map:
        selects.append(f"    cast({quote(TAG_MAP_COLUMN)} as {dialect.map_type}) as {TAG_MAP}")
    selects += [f"    {dialect.cast(quote(key), 'varchar')} as {tag_column(i)}" for i, key in enumerate(tag_keys)]
    return DeliveryReader(
        delivery=delivery,
        files=tuple(files),
        rows_sql="select\n" + ",\n".join(selects) + f"\nfrom {scan}",
        build=read_parquet_delivery,
        tag_keys=tag_keys,
        tag_map=tag_map,
        checks_from=scan,
        checks=tuple(checks),
        dialect=dialect,
    )


def _columns(files: list[str]) -> dict[str, pa.DataType]:
    """The union of the files' columns; a file without a required column is refused, naming both."""
    columns: dict[str, pa.DataType] = {}
    for path in files:
        try:
            schema = pq.read_schema(path)
        except (pa.ArrowException, OSError) as exc:
            raise DataError(
                f"{path}: not a readable Parquet file ({first_line(exc)}); re-download it or ask AWS to re-deliver the report"
            ) from exc
        missing = missing_required(set(schema.names))
        if missing:
            raise DataError(
                f"{path}: required CUR column {missing[0]} is missing" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            )
        for field in schema:
            kind = LINE_ITEM_COLUMNS.get(field.name)
            if kind == "double" and not (_is_number(field.type) or _is_text(field.type)):
                raise DataError(f"{path}: column {field.name} holds {field.type}, expected a number")
            columns.setdefault(field.name, field.type)
    return columns


def _contract_expr(name: str, kind: str, columns: dict[str, pa.DataType], dialect: Dialect) -> tuple[str, TextCheck | None]:
    """The SQL for one contract column, and a check to run on failure when it is parsed from text."""
    quote, literal = dialect.quote, dialect.literal
    sources = [c for c in (name, *RENAMED_COLUMNS.get(name, ())) if c in columns]
    has_map = pa.types.is_map(columns.get(PRODUCT_MAP_COLUMN, pa.null()))
    # CUR 2.0 also keeps product attributes in its map: a value there stands in for an absent or empty column
    # (a real export left product_region_code empty with the region in the map).
    entries = [f"nullif({quote(PRODUCT_MAP_COLUMN)}[{literal(key)}], '')" for key in product_map_keys(name)] if has_map else []
    if not sources:
        if entries:
            return cast_expr(f"coalesce({', '.join(entries)})", kind, from_text=True, dialect=dialect), None
        return missing_column(name, kind, dialect), None
    casts = [cast_expr(quote(c), kind, from_text=_is_text(columns[c]), dialect=dialect) for c in sources]
    if kind == "varchar" and entries:
        casts = [*(f"nullif({c}, '')" for c in casts), *entries, casts[0]]  # else the column as it is
    parsed = next((c for c in sources if _is_text(columns[c])), None) if kind != "varchar" else None
    expr = casts[0] if len(casts) == 1 else f"coalesce({', '.join(casts)})"
    return expr, text_check(parsed, quote(parsed), kind, dialect) if parsed else None


def _is_text(data_type: pa.DataType) -> bool:
    if pa.types.is_dictionary(data_type):
        data_type = data_type.value_type
    return pa.types.is_string(data_type) or pa.types.is_large_string(data_type)


def _is_number(data_type: pa.DataType) -> bool:
    return pa.types.is_floating(data_type) or pa.types.is_integer(data_type) or pa.types.is_decimal(data_type)
