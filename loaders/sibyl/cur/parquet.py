"""Read Parquet CUR files (legacy Athena-style columns) as DuckDB SQL over the raw contract."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from sibyl.cur.columns import LINE_ITEM_COLUMNS, RENAMED_COLUMNS, REQUIRED_COLUMNS
from sibyl.cur.delivery import Delivery
from sibyl.errors import DataError, first_line

TAG_PREFIX = "resource_tags_"
_DUCKDB_TYPES = {"varchar": "varchar", "double": "double", "timestamp": "timestamp"}


@dataclass(frozen=True)
class ParquetDelivery:
    """A delivery's files and the columns they carry, checked against the contract."""

    delivery: Delivery
    columns: dict[str, pa.DataType]  # union of the files' columns

    @property
    def tag_columns(self) -> list[str]:
        return sorted(c for c in self.columns if c.startswith(TAG_PREFIX))

    def line_items_sql(self, load_id: str) -> str:
        selects = [f"    {self._source_expr(name, kind)} as {name}" for name, kind in LINE_ITEM_COLUMNS.items()]
        selects += [
            f"    date '{self.delivery.billing_period.isoformat()}' as billing_period",
            f"    '{load_id}' as load_id",
            f"    {tag_set_id_expr(self.tag_columns)} as tag_set_id",
        ]
        return "select\n" + ",\n".join(selects) + f"\nfrom {self._scan()}"

    def tag_sets_sql(self) -> str:
        """Distinct (tag_set_id, tag_key, tag_value): a few thousand rows for millions of line items."""
        if not self.tag_columns:
            return "select null::varchar as tag_set_id, null::varchar as tag_key, null::varchar as tag_value where false"
        quoted = ", ".join(_quote(c) for c in self.tag_columns)
        return (
            f"with tagged as (\n    select distinct {tag_set_id_expr(self.tag_columns)} as tag_set_id, {quoted}\n"
            f"    from {self._scan()}\n),\n"
            f"unpivoted as (\n    unpivot tagged on {quoted} into name tag_key value tag_value\n)\n"
            "select tag_set_id, tag_key, tag_value from unpivoted where tag_value <> ''"
        )

    def _scan(self) -> str:
        files = ", ".join(_literal(f) for f in self.delivery.files)
        return f"read_parquet([{files}], union_by_name = true)"

    def _source_expr(self, name: str, kind: str) -> str:
        sources = [c for c in (name, *RENAMED_COLUMNS.get(name, ())) if c in self.columns]
        target_type = _DUCKDB_TYPES[kind]
        if not sources:
            return f"cast(null as {target_type})"
        casts = [f"cast({_quote(c)} as {target_type})" for c in sources]
        return casts[0] if len(casts) == 1 else f"coalesce({', '.join(casts)})"


def inspect_parquet(delivery: Delivery) -> ParquetDelivery:
    """Read each file's schema (footer only) and refuse a delivery that breaks the contract."""
    columns: dict[str, pa.DataType] = {}
    for path in delivery.files:
        try:
            schema = pq.read_schema(path)
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"{path}: not a readable Parquet file ({first_line(exc)}); re-download it or ask AWS to re-deliver the report") from exc
        missing = [c for c in REQUIRED_COLUMNS if c not in schema.names and not _has_old_name(c, schema.names)]
        if missing:
            raise DataError(f"{path}: required CUR column {missing[0]} is missing" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
        for field in schema:
            kind = LINE_ITEM_COLUMNS.get(field.name)
            if kind == "double" and not (pa.types.is_floating(field.type) or pa.types.is_integer(field.type) or pa.types.is_decimal(field.type)):
                raise DataError(f"{path}: column {field.name} holds {field.type}, expected a number")
            columns.setdefault(field.name, field.type)
    return ParquetDelivery(delivery=delivery, columns=columns)


def tag_set_id_expr(tag_columns: list[str]) -> str:
    """md5 over the row's non-empty tags in key order: equal tag sets get equal ids, in any engine run."""
    if not tag_columns:
        return "md5('')"
    parts = [
        f"case when coalesce({_quote(c)}, '') <> '' then {_literal(c)} || chr(31) || {_quote(c)} end"
        for c in tag_columns
    ]
    return "md5(concat_ws(chr(30), " + ", ".join(parts) + "))"


def _has_old_name(column: str, names: list[str]) -> bool:
    return any(old in names for old in RENAMED_COLUMNS.get(column, ()))


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
