"""The validation gate: a delivery's line items must pass the expectation suite before publishing.

The suite (expectations/cur_line_items.json) is a Great Expectations suite; it runs here as SQL in
the DuckDB engine that reads the files, before anything is written: the row checks are aggregates
of one scan per part of the delivery over the columns they need (which also counts the rows, their
billed total and payer accounts for raw.cur_loads), uniqueness is counted in passes, and only a
failing expectation pays one more query to fetch a few offending values. The column types are read
from the query's plan: the readers cast every contract column, so they guard those casts (a value
that does not parse fails the load earlier, naming file, column and value). bench/README.md has
the gate's measured cost and why Great Expectations itself runs only in the tests.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sibyl.cur.delivery import Delivery
from sibyl.cur.dialect import Dialect
from sibyl.cur.reader import DeliveryReader
from sibyl.errors import DataError

SUITE_PATH = Path(__file__).with_name("expectations") / "cur_line_items.json"
EXAMPLES = 3
KEYS_PER_PASS = 2_500_000  # about what the loader's 128 MB DuckDB groups without growing past it

FetchRows = Callable[[str], list[tuple]]  # runs SQL (the reader's dialect) where the delivery's files are read


@dataclass(frozen=True)
class RowCheck:
    """One row-level expectation as SQL: how many rows break it, and which values to show."""

    label: str  # "expectation on column"
    bad_count: str  # aggregate over the delivery's rows (unused with `key_hash`)
    examples: str  # query over `{rows}` returning a few offending values
    unit: str = "row(s)"
    key_hash: str = ""  # set for uniqueness: counted apart from the shared scan, see _count_repeated_keys


def load_suite(path: Path = SUITE_PATH) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["expectations"]


@dataclass(frozen=True)
class Tally:
    """What the gate counted while it scanned: the rows a delivery must land, their billed total and payer accounts."""

    rows: int
    billed_total: float
    payer_account_ids: tuple[str, ...]  # sorted


@dataclass(frozen=True)
class Failure:
    expectation: dict[str, Any]  # as the suite writes it
    message: str  # the expectation, its column and a few offending values


def validate_delivery(fetch: FetchRows, reader: DeliveryReader, load_id: str) -> Tally:
    """Raise DataError naming the first failed expectation, its column and a few offending values."""
    tally, failures = check_delivery(fetch, reader, load_id)
    if failures:
        more = f" (and {len(failures) - 1} more failed expectation(s))" if len(failures) > 1 else ""
        raise DataError(
            f"{reader.delivery.source} {reader.delivery.period_label}: validation failed, {failures[0].message}{more}; "
            "nothing was published: fix the files or ask AWS to re-deliver the report"
        )
    return tally


def check_delivery(fetch: FetchRows, reader: DeliveryReader, load_id: str) -> tuple[Tally, list[Failure]]:
    """Every expectation of the suite over the delivery: its tally and the expectations it fails.

    The row checks scan the delivery a few files at a time (reader.parts) and add up; uniqueness,
    which needs every key at once, is counted in passes (_count_repeated_keys).
    """
    suite = load_suite()
    delivery = reader.delivery
    dialect = reader.dialect
    parts = [part.line_items_sql(load_id) for part in reader.parts()]
    failures = _type_failures(fetch, parts[0], suite, dialect)
    checks = {_row_check(e, delivery, dialect): e for e in suite if e["type"] != "expect_column_values_to_be_of_type"}
    shared = [c for c in checks if not c.key_hash]
    aggregates = [c.bad_count for c in shared] + ["count(*)", "coalesce(sum(line_item_unblended_cost), 0)"]
    # A report has one payer account: min and max name it, and a second query lists them only when
    # they differ (a distinct aggregate in this scan cost 50 MB at any size).
    payer_bounds = ["min(nullif(bill_payer_account_id, ''))", "max(nullif(bill_payer_account_id, ''))"]
    sums, payers = [0] * len(aggregates), set()
    for sql in parts:
        *row, first, last = fetch("select " + ",\n".join(aggregates + payer_bounds) + f"\nfrom (\n{sql}\n) as rows")[0]
        sums = [total + value for total, value in zip(sums, row, strict=True)]
        if first == last:
            payers.add(first)
        else:
            payers.update(p for (p,) in fetch(f"select distinct nullif(bill_payer_account_id, '') from (\n{sql}\n) as rows"))
    payers.discard(None)
    tally = Tally(int(sums[-2]), float(sums[-1]), tuple(sorted(payers)))
    counts = dict(zip(shared, sums[: len(shared)], strict=True))  # the last two sums are the tally's
    rows = f"(\n{reader.line_items_sql(load_id)}\n) as rows"
    passes = max(1, math.ceil(tally.rows / KEYS_PER_PASS))
    count_keys = _count_repeated_keys if dialect.name == "duckdb" else _count_repeated_keys_at_once
    counts.update((c, count_keys(fetch, parts, c.key_hash, passes)) for c in checks if c.key_hash)
    for check in checks:
        count = counts[check]
        if count:
            values = [v[0] if len(v) == 1 else v for v in fetch(check.examples.format(rows=rows))]
            if values:  # empty only on a hash collision in the uniqueness count: no real duplicate
                message = f"{check.label}: {count:,} {check.unit}, e.g. {', '.join(map(_show, values))}"
                failures.append(Failure(checks[check], message))
    return tally, failures


def _count_repeated_keys(fetch: FetchRows, parts: list[str], key_hash: str, passes: int) -> int:
    """Keys that occur more than once in the whole delivery.

    Each pass takes one slice of the 64-bit key hashes (hash % passes), lands it in a temporary table
    a few files at a time, and groups it: memory is that of KEYS_PER_PASS keys whatever the delivery's
    size (one scan of every file would keep them all open at once, and one grouping of every key
    would grow with the delivery).
    """
    repeated = 0
    for index in range(passes):
        fetch("create or replace temp table sibyl_gate_keys (key_hash ubigint)")
        for sql in parts:
            fetch(
                f"insert into sibyl_gate_keys select key_hash from (select {key_hash} as key_hash from (\n{sql}\n) as rows) "
                f"where key_hash % {passes} = {index}"
            )
        repeated += fetch("select count(*) from (select 1 from sibyl_gate_keys group by key_hash having count(*) > 1) as repeated")[0][0]
    fetch("drop table sibyl_gate_keys")
    return repeated


def _count_repeated_keys_at_once(fetch: FetchRows, parts: list[str], key_hash: str, passes: int) -> int:
    """Keys that occur more than once, in one grouping of the whole delivery: Spark spills to disk as it grows."""
    union = "\nunion all\n".join(f"select {key_hash} as key_hash from (\n{sql}\n) as rows" for sql in parts)
    return fetch(f"select count(*) from (select 1 from (\n{union}\n) as keys group by key_hash having count(*) > 1) as repeated")[0][0]


def _type_failures(fetch: FetchRows, line_items_sql: str, suite: list[dict[str, Any]], dialect: Dialect) -> list[Failure]:
    """Column types of the delivery's query, read from its plan: no rows are scanned."""
    types = {name: dialect.suite_type(kind) for name, kind, *_ in fetch(dialect.describe(line_items_sql))}
    failures = []
    for e in suite:
        if e["type"] == "expect_column_values_to_be_of_type":
            column, expected = e["kwargs"]["column"], e["kwargs"]["type_"]
            if types.get(column) != expected:
                failures.append(Failure(e, f"{e['type']} on {column}: holds {types.get(column, 'nothing (missing)')}, expected {expected}"))
    return failures


def _row_check(expectation: dict[str, Any], delivery: Delivery, dialect: Dialect) -> RowCheck:
    kind, kw = expectation["type"], expectation["kwargs"]
    quote = dialect.quote
    if kind == "expect_compound_columns_to_be_unique":
        cols = ", ".join(quote(c) for c in kw["column_list"])
        # Counted on 64-bit hashes of the key; the example query is exact (a hash collision shows no
        # example and passes).
        return RowCheck(
            f"{kind} on ({', '.join(kw['column_list'])})",
            "",
            f"select {cols} from {{rows}} group by all having count(*) > 1 limit {EXAMPLES}",
            unit="repeated key(s)",
            key_hash=dialect.key_hash(cols),
        )
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = quote(kw["column_A"]), quote(kw["column_B"])
        bad = f"not ({a} {'>=' if kw.get('or_equal') else '>'} {b})"
        label = f"{kind} on ({kw['column_A']}, {kw['column_B']})"
        return RowCheck(label, f"count(*) filter (where {bad})", f"select distinct {b}, {a} from {{rows}} where {bad} limit {EXAMPLES}")
    column = quote(kw["column"])
    bad = _column_predicate(kind, kw, column, delivery, dialect)
    return RowCheck(
        f"{kind} on {kw['column']}",
        f"count(*) filter (where {bad})",
        f"select distinct {column} from {{rows}} where {bad} limit {EXAMPLES}",
    )


def _column_predicate(kind: str, kw: dict[str, Any], column: str, delivery: Delivery, dialect: Dialect) -> str:
    """SQL that is true for a row breaking the expectation (nulls pass, as in Great Expectations)."""
    if kind == "expect_column_values_to_not_be_null":
        return f"{column} is null"
    if kind == "expect_column_value_lengths_to_be_between":
        return _outside(f"length({column})", kw, delivery)
    if kind == "expect_column_values_to_be_between":
        # NaN and infinities are outside any bounds; said explicitly, as Parquet statistics leave NaN out.
        return f"{dialect.not_finite(column)} or {_outside(column, kw, delivery)}"
    raise ValueError(f"{SUITE_PATH.name}: expectation type {kind} is not supported by the validation gate")


def _outside(value: str, kw: dict[str, Any], delivery: Delivery) -> str:
    within = []
    if kw.get("min_value") is not None:
        within.append(f"{value} {'>' if kw.get('strict_min') else '>='} {_bound(kw['min_value'], delivery)}")
    if kw.get("max_value") is not None:
        within.append(f"{value} {'<' if kw.get('strict_max') else '<='} {_bound(kw['max_value'], delivery)}")
    return f"not ({' and '.join(within)})"


def _bound(value: Any, delivery: Delivery) -> str:
    start = dt.datetime.combine(delivery.billing_period, dt.time())
    next_month = (start + dt.timedelta(days=32)).replace(day=1)
    named = {"$billing_period_start": start, "$billing_period_end": next_month}
    if isinstance(value, str) and value in named:
        return f"timestamp '{named[value].isoformat(sep=' ')}'"
    if isinstance(value, (int, float)):
        return repr(float(value))
    raise ValueError(f"{SUITE_PATH.name}: bound {value!r} is neither a number nor a billing period parameter")


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return repr(value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value)
