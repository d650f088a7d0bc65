"""The `sibyl` CLI in-process, and independent readings of the warehouse, for tests."""

from __future__ import annotations

import os

from click.testing import CliRunner, Result

from sibyl.cli import cli


def invoke(*args: str, env: dict[str, str] | None = None, check: bool = False) -> Result:
    """`sibyl ARGS` through click's CliRunner, with `env` added to the environment; `check`: it must exit 0."""
    result = CliRunner().invoke(cli, list(args), env=env)
    if check:
        assert result.exit_code == 0, result.output
    return result


def warehouse_rows(sql: str) -> list[tuple]:
    """Query whichever warehouse SIBYL_TARGET names, outside Sibyl's own code."""
    if os.environ.get("SIBYL_TARGET", "duckdb") == "postgres":
        import adbc_driver_postgresql.dbapi as adbc

        from conftest import postgres_uri

        with adbc.connect(postgres_uri()) as con, con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    import duckdb

    with duckdb.connect(os.environ["SIBYL_DUCKDB_PATH"], read_only=True) as con:
        return con.execute(sql).fetchall()


# Everything a load that fails, or that finds nothing new, must leave as it was.
RAW_STATE = (
    "select * from raw.cur_loads order by load_id",
    "select load_id, billing_period, count(*), sum(line_item_unblended_cost) from raw.cur_line_items group by 1, 2 order by 1, 2",
    "select count(*), count(distinct tag_set_id) from raw.cur_tag_sets",
    "select table_name from information_schema.tables where table_schema = 'raw' order by 1",
)


def raw_state() -> list[list[tuple]]:
    """The raw schema in brief: every load record, line items per load and month (count, cost), tag sets, tables."""
    return [warehouse_rows(sql) for sql in RAW_STATE]


def loaded_by_period(by_source: bool = False) -> dict:
    """{'YYYY-MM': (line items, unblended cost)} in raw.cur_line_items; keyed by (source, 'YYYY-MM') if `by_source`."""
    if by_source:
        rows = warehouse_rows(
            "select d.source, l.billing_period, count(*), sum(l.line_item_unblended_cost) "
            "from raw.cur_line_items l join raw.cur_loads d using (load_id) group by 1, 2"
        )
        return {(source, f"{period:%Y-%m}"): (count, cost) for source, period, count, cost in rows}
    rows = warehouse_rows("select billing_period, count(*), sum(line_item_unblended_cost) from raw.cur_line_items group by 1")
    return {f"{period:%Y-%m}": (count, cost) for period, count, cost in rows}


def mart_totals_by_period() -> dict[str, tuple[int, float]]:
    """{'YYYY-MM': (line items, billed cost to the cent)} as marts.fct_cost_daily has them."""
    rows = warehouse_rows("select billing_period, sum(line_item_count), sum(billed_cost) from marts.fct_cost_daily group by 1")
    return {f"{period:%Y-%m}": (int(count), round(cost, 2)) for period, count, cost in rows}


def table_rows(output: str) -> tuple[str, list[dict[str, str]]]:
    """A `sibyl report` table as (title, rows): each row's cells by column, cut where the rule under the header
    leaves gaps (cells may be empty, so splitting on spaces would shift them)."""
    title, _, header, rule, *body = output.splitlines()
    spans, start = [], 0
    for dashes in rule.split("  "):
        spans.append((start, start + len(dashes)))
        start += len(dashes) + 2
    columns = [header[a:b].strip() for a, b in spans]
    return title, [{column: line[a:b].strip() for column, (a, b) in zip(columns, spans, strict=True)} for line in body]
