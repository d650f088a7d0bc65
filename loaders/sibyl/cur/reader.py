"""A delivery's rows as SQL on the raw contract, whatever format the files are in, in the dialect of the
engine that reads the files (DuckDB's, or Spark's: dialect.py).

Each format (parquet_format.py, csv_format.py) writes one query, `rows_sql`, that yields every contract
column already cast to its type, plus the row's tags: one varchar column per tag key (`tag_0`,
`tag_1`, … for the keys in `tag_keys`) or, for CUR 2.0, a `tags` map. This module turns that
query into the line items and the distinct tag sets that publishing appends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sibyl.cur.columns import LINE_ITEM_COLUMNS, optional_column
from sibyl.cur.delivery import Delivery
from sibyl.cur.dialect import DUCKDB, Dialect
from sibyl.errors import DataError, first_line

TAG_MAP = "tags"

# DuckDB keeps every file of a scan open until the statement ends (about 3 MB each for the contract's
# columns), so a delivery is written a few files per statement to keep memory flat as it grows.
FILES_PER_PART = 4

_KIND_WORDS = {"double": "number", "timestamp": "timestamp"}


def tag_column(index: int) -> str:
    return f"tag_{index}"


@dataclass(frozen=True)
class TextCheck:
    """A text column cast to a number or time: on failure, `aggregate` finds a value that does not parse."""

    column: str  # as the file spells it
    kind: str
    aggregate: str


@dataclass(frozen=True)
class DeliveryReader:
    delivery: Delivery
    files: tuple[str, ...]  # local paths
    rows_sql: str
    build: Callable[[Delivery, list[str], Dialect], DeliveryReader]  # the same reader over other files
    tag_keys: tuple[str, ...] = ()  # wide tags: tag_keys[i] is in column tag_<i>, sorted by key
    tag_map: bool = False  # CUR 2.0: the tags are the `tags` map column
    checks_from: str = ""  # the scan the checks aggregate over
    checks: tuple[TextCheck, ...] = ()
    dialect: Dialect = DUCKDB

    def find_problem(self) -> DataError | None:
        """After a failed load: the first file that cannot be read, or a value that does not parse.

        Runs only on failure, so a good delivery is read once; each file is read on its own to name it.
        """
        for path in self.files:
            try:
                single = self.build(self.delivery, [path], self.dialect)
                if single.checks:
                    [values] = self.dialect.probe("select " + ", ".join(c.aggregate for c in single.checks) + f" from {single.checks_from}")
                    for check, value in zip(single.checks, values, strict=True):
                        if value is not None:
                            return DataError(
                                f"{path}: column {check.column} holds {value!r}, which is not a {_KIND_WORDS[check.kind]}; "
                                "fix or re-export the file"
                            )
                self.dialect.probe(self.dialect.read_every_row(single.rows_sql))
            except self.dialect.probe_errors as exc:
                return DataError(f"{path}: cannot be read ({first_line(exc)}); re-download it or ask AWS to re-deliver the report")
        return None

    def parts(self) -> list[DeliveryReader]:
        """The delivery as a few files per reader, to be written one statement each."""
        if len(self.files) <= FILES_PER_PART:
            return [self]
        chunks = [list(self.files[i : i + FILES_PER_PART]) for i in range(0, len(self.files), FILES_PER_PART)]
        return [self.build(self.delivery, chunk, self.dialect) for chunk in chunks]

    def line_items_sql(self, load_id: str) -> str:
        selects = [f"    {name}" for name in LINE_ITEM_COLUMNS]
        selects += [
            f"    date '{self.delivery.billing_period.isoformat()}' as billing_period",
            f"    {self.dialect.literal(load_id)} as load_id",
            f"    {self._tag_set_id()} as tag_set_id",
        ]
        return "select\n" + ",\n".join(selects) + f"\nfrom (\n{self.rows_sql}\n) as delivery_rows"

    def tag_sets_sql(self) -> str:
        """Distinct (tag_set_id, tag_key, tag_value): a few thousand rows for millions of line items."""
        if self.tag_map:
            return self.dialect.map_tag_sets(self._tag_set_id(), TAG_MAP, self.rows_sql)
        if not self.tag_keys:
            return self.dialect.no_tag_sets()
        columns = {tag_column(i): key for i, key in enumerate(self.tag_keys)}
        return self.dialect.wide_tag_sets(self._tag_set_id(), columns, self.rows_sql)

    def _tag_set_id(self) -> str:
        """md5 over the row's non-empty tags in key order: equal tag sets get equal ids, in any engine run."""
        if self.tag_map:
            return self.dialect.map_tag_set_id(TAG_MAP)
        if not self.tag_keys:
            return "md5('')"
        parts = [
            f"case when coalesce({tag_column(i)}, '') <> '' then {self.dialect.literal(k)} || chr(31) || {tag_column(i)} end"
            for i, k in enumerate(self.tag_keys)
        ]
        return "md5(concat_ws(chr(30), " + ", ".join(parts) + "))"


def cast_expr(source: str, kind: str, *, from_text: bool, dialect: Dialect = DUCKDB) -> str:
    """A source column as the contract type; text becomes a number or time only when non-empty."""
    if from_text and kind != "varchar":
        return dialect.cast(f"nullif({source}, '')", kind)
    return dialect.cast(source, kind)


def missing_column(name: str, kind: str, dialect: Dialect = DUCKDB) -> str:
    """Nulls for an optional contract column that a file does not carry; any other name raises."""
    optional_column(name)
    return cast_expr("null", kind, from_text=False, dialect=dialect)


def text_check(column: str, source: str, kind: str, dialect: Dialect = DUCKDB) -> TextCheck:
    """One value of a text column that does not parse as `kind` (null when all do)."""
    target = dialect.types[kind]
    return TextCheck(
        column, kind, f"first({source}) filter (where nullif({source}, '') is not null and try_cast({source} as {target}) is null)"
    )
