"""The gate's suite is a Great Expectations suite: GE itself, on the same rows in PostgreSQL, fails
exactly the expectations that Sibyl's set-based gate fails, for a good month and for each broken one.

The loader does not call GE (its import alone costs 4 s and 277 MB, and it cannot read a batch that
is not yet committed); this test keeps the gate's SQL faithful to GE's meaning of each expectation.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging

import duckdb
import great_expectations as gx
import pyarrow.parquet as pq
import pytest
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from broken_batches import BREAKS, one_month
from sibyl.config import postgres_uri
from sibyl.cur.delivery_files import open_delivery
from sibyl.cur.discover import discover
from sibyl.cur.schema import ensure_raw_schema
from sibyl.cur.validate import check_delivery, load_suite
from sibyl.warehouse.postgres import PostgresWarehouse

# The suite names DuckDB's types, as the gate reads them from its query plan; GE on PostgreSQL
# reports SQLAlchemy's names for the same columns.
POSTGRES_TYPES = {"VARCHAR": "TEXT", "DOUBLE": "DOUBLE PRECISION", "TIMESTAMP": "TIMESTAMP WITHOUT TIME ZONE"}


def _everything_broken(table):
    return functools.reduce(lambda t, brk: brk[1](t), BREAKS, table)


CASES = [("good", lambda t: t), *[(name, brk) for name, brk, _ in BREAKS], ("everything-broken", _everything_broken)]


@pytest.mark.parametrize("break_it", [c for _, c in CASES], ids=[name for name, _ in CASES])
def test_great_expectations_fails_what_the_gate_fails(postgres_db, demo_cur, tmp_path, break_it):
    batch = tmp_path / "batch.parquet"
    pq.write_table(break_it(one_month(demo_cur)), batch)
    [delivery] = discover(str(batch))
    with open_delivery(delivery) as reader, duckdb.connect() as con:
        _, failures = check_delivery(lambda sql: con.execute(sql).fetchall(), reader, "ge")
        _land(reader.line_items_sql("ge"))
    gate_failed = sorted(_identity(f.expectation) for f in failures)

    results = _run_great_expectations(delivery.billing_period)

    assert [r.expectation_config.type for r in results if '"raised_exception": true' in json.dumps(r.exception_info)] == []
    assert len(results) == len(load_suite())
    ge_failed = sorted(r.expectation_config.meta["sibyl"] for r in results if not r.success)
    assert ge_failed == gate_failed
    if break_it is CASES[0][1]:
        assert gate_failed == []
    else:
        assert gate_failed, "a broken batch must fail at least one expectation"


def _land(line_items_sql: str) -> None:
    """The rows the gate checked, committed where GE can read them over its own connection.

    GE's uniqueness query reads every column of its table, and SQLAlchemy shortens the label of a
    60-character one past PostgreSQL's 63, which fails the query: the key columns get a view of their
    own (`batch_keys`), the other expectations read a view of the columns they name (`batch`).
    """
    columns = sorted({c for e in load_suite() for key in ("column", "column_A", "column_B") if (c := e["kwargs"].get(key))})
    keys = sorted({c for e in load_suite() for c in e["kwargs"].get("column_list", ())})
    with PostgresWarehouse() as wh:
        ensure_raw_schema(wh)
        wh.execute("create table public.landed (like raw.cur_line_items)")
        wh.append_query("public.landed", line_items_sql)
        wh.execute(f"create view public.batch as select {', '.join(columns)} from public.landed")
        wh.execute(f"create view public.batch_keys as select {', '.join(keys)} from public.landed")
        wh.commit()


def _run_great_expectations(billing_period: dt.date) -> list:
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_postgres(
        "warehouse", connection_string=postgres_uri().replace("postgresql://", "postgresql+psycopg2://", 1)
    )
    results = []
    for view, on_keys in (("batch", False), ("batch_keys", True)):
        batch = source.add_table_asset(view, table_name=view, schema_name="public").add_batch_definition_whole_table("all").get_batch()
        results += batch.validate(_suite(billing_period, on_keys)).results
    return results


def _suite(billing_period: dt.date, on_keys: bool) -> gx.ExpectationSuite:
    """The repository's suite as GE objects: the month's bounds filled in, types in PostgreSQL's names;
    the expectations on compound keys (`on_keys`) or all the others."""
    start = dt.datetime.combine(billing_period, dt.time())
    bounds = {"$billing_period_start": start, "$billing_period_end": (start + dt.timedelta(days=32)).replace(day=1)}
    suite = gx.ExpectationSuite(name="cur_line_items")
    for expectation in load_suite():
        if ("column_list" in expectation["kwargs"]) != on_keys:
            continue
        kwargs = {key: bounds.get(value, value) if isinstance(value, str) else value for key, value in expectation["kwargs"].items()}
        if expectation["type"] == "expect_column_values_to_be_of_type":
            kwargs["type_"] = POSTGRES_TYPES[kwargs["type_"]]
        config = ExpectationConfiguration(type=expectation["type"], kwargs=kwargs, meta={"sibyl": _identity(expectation)})
        suite.add_expectation_configuration(config)
    return suite


def _identity(expectation: dict) -> str:
    return json.dumps([expectation["type"], expectation["kwargs"]], sort_keys=True)
