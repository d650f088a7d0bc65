"""A month of a payer account comes from one source: the same report under a second source is refused
(it would count every dollar twice) or, when asked, replaces the first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from broken_batches import one_month
from delivery_readers import totals_by_period
from helpers import invoke, raw_state, warehouse_rows

BY_SOURCE = (
    "select d.source, count(*), sum(l.line_item_unblended_cost) "
    "from raw.cur_line_items l join raw.cur_loads d using (load_id) group by 1 order by 1"
)


@pytest.fixture
def two_copies(demo_cur, tmp_path):
    """The demo report as a bucket and as a local copy of it."""
    return shutil.copytree(demo_cur, tmp_path / "bucket-copy"), shutil.copytree(demo_cur, tmp_path / "local-copy")


def test_the_same_report_from_a_second_source_is_refused(target, two_copies):
    first, second = two_copies
    assert invoke("load", "cur", str(first)).exit_code == 0
    before = raw_state()
    [payer] = {p for (p,) in warehouse_rows("select distinct bill_payer_account_id from raw.cur_line_items")}

    result = invoke("load", "cur", str(second))

    assert result.exit_code == 1
    [message] = result.output.strip().splitlines()
    first_month = min(totals_by_period(second))
    assert message == (
        f"error: {second}/cur/sibyl-demo {first_month}: payer account(s) {payer} of {first_month} are already loaded "
        f"from {first}/cur/sibyl-demo; loading them from here too would count their cost twice. Nothing was published: "
        "load each report from one source, or pass --replace-other-sources to let this delivery replace that one"
    )
    assert raw_state() == before


def test_replace_other_sources_moves_every_month_to_the_new_source(target, two_copies):
    first, second = two_copies
    assert invoke("load", "cur", str(first)).exit_code == 0
    expected = totals_by_period(second)

    result = invoke("load", "cur", str(second), "--replace-other-sources")

    assert result.exit_code == 0, result.output
    assert result.output.count(f"(replaced the delivery from {first}/cur/sibyl-demo)") == len(expected)
    rows, cost = sum(n for n, _ in expected.values()), sum(c for _, c in expected.values())
    assert warehouse_rows(BY_SOURCE) == [(f"{second}/cur/sibyl-demo", rows, pytest.approx(cost, abs=0.005))]
    assert warehouse_rows("select source, status, count(*) from raw.cur_loads group by 1, 2 order by 1") == [
        (f"{first}/cur/sibyl-demo", "replaced", len(expected)),
        (f"{second}/cur/sibyl-demo", "published", len(expected)),
    ]


def test_other_payer_accounts_in_the_same_month_load_side_by_side(target, demo_cur, tmp_path):
    month = one_month(demo_cur)
    other_payer = month.set_column(
        month.schema.get_field_index("bill_payer_account_id"), "bill_payer_account_id", pa.array(["999999999999"] * month.num_rows)
    )
    pq.write_table(month, tmp_path / "payer-a.parquet")
    pq.write_table(other_payer, tmp_path / "payer-b.parquet")

    for name in ("payer-a.parquet", "payer-b.parquet"):
        result = invoke("load", "cur", str(tmp_path / name))
        assert result.exit_code == 0, result.output

    cost = round(pc.sum(month["line_item_unblended_cost"]).as_py(), 6)
    assert warehouse_rows(BY_SOURCE) == [
        (str(tmp_path / "payer-a.parquet"), month.num_rows, pytest.approx(cost, abs=1e-6)),
        (str(tmp_path / "payer-b.parquet"), month.num_rows, pytest.approx(cost, abs=1e-6)),
    ]


def test_loads_from_before_payer_accounts_were_recorded_are_read_back_from_their_rows(target, two_copies):
    first, second = two_copies
    assert invoke("load", "cur", str(first)).exit_code == 0
    recorded = warehouse_rows("select load_id, payer_account_ids from raw.cur_loads order by 1")
    _forget_payer_accounts()

    result = invoke("load", "cur", str(second))

    assert result.exit_code == 1
    assert "are already loaded from" in result.output
    assert warehouse_rows("select load_id, payer_account_ids from raw.cur_loads order by 1") == recorded


def _forget_payer_accounts() -> None:
    """As a warehouse written before the column existed: null for every load."""
    import os

    sql = "update raw.cur_loads set payer_account_ids = null"
    if os.environ.get("SIBYL_TARGET") == "postgres":
        import adbc_driver_postgresql.dbapi as adbc

        from conftest import postgres_uri

        with adbc.connect(postgres_uri(), autocommit=True) as con, con.cursor() as cur:
            cur.execute(sql)
    else:
        import duckdb

        with duckdb.connect(os.environ["SIBYL_DUCKDB_PATH"]) as con:
            con.execute(sql)


def test_a_delivery_with_two_payer_accounts_is_refused_where_it_shares_one(target, demo_cur, tmp_path):
    month = one_month(demo_cur)
    [payer] = set(month["bill_payer_account_id"].to_pylist())
    _write_a_second_payer_account(month, tmp_path)
    assert invoke("load", "cur", str(tmp_path / "both-payers.parquet")).exit_code == 0
    assert warehouse_rows("select payer_account_ids from raw.cur_loads") == [(f"{payer},999999999999",)]

    result = invoke("load", "cur", str(tmp_path / "second-payer.parquet"))

    assert result.exit_code == 1
    assert f"payer account(s) 999999999999 of 2026-10 are already loaded from {tmp_path / 'both-payers.parquet'}" in result.output


def _write_a_second_payer_account(month: pa.Table, folder: Path) -> None:
    """both-payers.parquet: the month and its copy under payer 999999999999; second-payer.parquet: the copy alone."""
    other = _with_column(
        _with_column(month, "bill_payer_account_id", ["999999999999"] * month.num_rows),
        "identity_line_item_id",
        [f"{i}-b" for i in month["identity_line_item_id"].to_pylist()],
    )
    pq.write_table(pa.concat_tables([month, other]), folder / "both-payers.parquet")
    pq.write_table(other, folder / "second-payer.parquet")


def _with_column(table: pa.Table, name: str, values: list) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, pa.array(values, table.schema.field(name).type))


def test_replacing_a_delivery_that_holds_another_payer_account_is_refused(target, demo_cur, tmp_path):
    month = one_month(demo_cur)
    _write_a_second_payer_account(month, tmp_path)
    [payer] = set(month["bill_payer_account_id"].to_pylist())
    assert invoke("load", "cur", str(tmp_path / "both-payers.parquet")).exit_code == 0
    before = raw_state()

    result = invoke("load", "cur", str(tmp_path / "second-payer.parquet"), "--replace-other-sources")

    assert result.exit_code == 1
    [message] = result.output.strip().splitlines()
    assert message == (
        f"error: {tmp_path / 'second-payer.parquet'} 2026-10: cannot replace the delivery from {tmp_path / 'both-payers.parquet'}: "
        f"it also holds payer account(s) {payer}, which this one does not, and their cost would be lost. Nothing was "
        "published: load those payer accounts from one source"
    )
    assert raw_state() == before


@pytest.mark.parametrize("options", [(), ("--replace-other-sources",)], ids=["plain", "with-replace"])
def test_a_delivery_replaced_by_another_source_does_not_take_the_month_back(target, two_copies, options):
    first, second = two_copies
    assert invoke("load", "cur", str(first)).exit_code == 0
    assert invoke("load", "cur", str(second), "--replace-other-sources").exit_code == 0
    after = raw_state()

    again = invoke("load", "cur", str(first), *options)

    assert again.exit_code == 0, again.output
    lines = again.output.strip().splitlines()
    assert len(lines) == 4  # three months, then the summary
    assert lines[0].startswith(f"ignored 2026-09 from {first}/cur/sibyl-demo: delivery ")
    assert f"was loaded before and then replaced by the delivery from {second}/cur/sibyl-demo; kept that one: " in lines[0]
    assert raw_state() == after


@pytest.mark.parametrize("options", [(), ("--replace-other-sources",)], ids=["refused", "replaced"])
def test_two_sources_of_one_month_in_one_load_never_count_twice(target, demo_cur, tmp_path, options):
    """Both copies under one folder: a single load meets the same months twice. Refused, it publishes
    nothing; with --replace-other-sources each month is counted once, from the second source."""
    both = tmp_path / "both"
    for name in ("a", "b"):
        shutil.copytree(demo_cur, both / name)
    expected = totals_by_period(demo_cur)

    result = invoke("load", "cur", str(both), *options)

    if not options:
        assert result.exit_code == 1
        assert "are already loaded from" in result.output
        assert warehouse_rows("select count(*) from raw.cur_loads") == [(0,)]
        assert warehouse_rows("select count(*) from raw.cur_line_items") == [(0,)]
    else:
        assert result.exit_code == 0, result.output
        rows, cost = sum(n for n, _ in expected.values()), sum(c for _, c in expected.values())
        assert warehouse_rows(BY_SOURCE) == [(f"{both}/b/cur/sibyl-demo", rows, pytest.approx(cost, abs=0.005))]
