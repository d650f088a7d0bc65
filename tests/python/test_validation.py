"""The validation gate: a delivery breaking the expectation suite is refused whole, naming what failed."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from broken_batches import BREAKS, one_month
from helpers import invoke, raw_state, warehouse_rows
from sibyl.cur.columns import LINE_ITEM_COLUMNS, REQUIRED_COLUMNS
from sibyl.cur.delivery_files import open_delivery
from sibyl.cur.discover import discover
from sibyl.cur.validate import load_suite


@pytest.mark.parametrize("break_it, expected", [(f, e) for _, f, e in BREAKS], ids=[i for i, _, _ in BREAKS])
def test_a_delivery_failing_an_expectation_is_not_published(target, demo_cur, tmp_path, break_it, expected):
    assert invoke("load", "cur", str(demo_cur)).exit_code == 0
    before = raw_state()
    bad = tmp_path / "bad.parquet"
    pq.write_table(break_it(one_month(demo_cur)), bad)

    result = invoke("load", "cur", str(bad))

    assert result.exit_code == 1, result.output
    [message] = result.output.strip().splitlines()
    assert message.startswith(f"error: {bad.resolve()} ")
    assert f"validation failed, {expected}" in message
    assert message.endswith("nothing was published: fix the files or ask AWS to re-deliver the report")
    assert raw_state() == before


def test_a_valid_lone_file_passes_the_gate(target, demo_cur, tmp_path):
    good = tmp_path / "good.parquet"
    table = one_month(demo_cur)
    pq.write_table(table, good)

    result = invoke("load", "cur", str(good))

    assert result.exit_code == 0, result.output
    [(rows, cost)] = warehouse_rows("select count(*), sum(line_item_unblended_cost) from raw.cur_line_items")
    assert (rows, round(cost, 6)) == (table.num_rows, round(pc.sum(table["line_item_unblended_cost"]).as_py(), 6))


def test_the_suite_checks_the_type_of_every_required_column():
    typed = {e["kwargs"]["column"] for e in load_suite() if e["type"] == "expect_column_values_to_be_of_type"}
    assert typed == set(REQUIRED_COLUMNS)


def test_the_suite_requires_every_cost_and_amount_column_to_be_finite():
    """A NaN or an infinity in any of them would reach effective cost and the marts."""
    finite = {
        e["kwargs"]["column"]
        for e in load_suite()
        if e["type"] == "expect_column_values_to_be_between" and (e["kwargs"]["min_value"], e["kwargs"]["max_value"]) == (-1e308, 1e308)
    }
    assert finite == {column for column, kind in LINE_ITEM_COLUMNS.items() if kind == "double"}


def _split_into_files(table: pa.Table, folder, count: int) -> list:
    """The month as `count` Parquet files of the Athena layout: one delivery read in several parts."""
    month = folder / "report" / "report" / "year=2026" / "month=10"
    month.mkdir(parents=True)
    size = -(-table.num_rows // count)
    for i in range(count):
        pq.write_table(table.slice(i * size, size), month / f"report-{i:05d}.snappy.parquet")
    return sorted(month.iterdir())


def test_a_delivery_of_many_files_lands_exactly_once(target, demo_cur, tmp_path, monkeypatch):
    from sibyl.cur import reader

    monkeypatch.setattr(reader, "FILES_PER_PART", 2)
    table = one_month(demo_cur)
    files = _split_into_files(table, tmp_path / "bucket", 5)
    [delivery] = discover(str(tmp_path / "bucket"))
    with open_delivery(delivery) as delivery_reader:
        assert [len(part.files) for part in delivery_reader.parts()] == [2, 2, 1]

    result = invoke("load", "cur", str(tmp_path / "bucket"))

    assert result.exit_code == 0, result.output
    expected_cost = sum(pc.sum(pq.read_table(f)["line_item_unblended_cost"]).as_py() for f in files)
    [(rows, cost, untagged)] = warehouse_rows(
        "select count(*), sum(line_item_unblended_cost), count(*) filter (where tag_set_id not in "
        "(select tag_set_id from raw.cur_tag_sets) and tag_set_id <> md5('')) from raw.cur_line_items"
    )
    assert (rows, round(cost, 6), untagged) == (table.num_rows, round(expected_cost, 6), 0)
    [(recorded_rows, recorded_total)] = warehouse_rows("select row_count, billed_total from raw.cur_loads")
    assert (recorded_rows, round(recorded_total, 6)) == (table.num_rows, round(expected_cost, 6))


def test_a_key_repeated_in_another_part_of_the_delivery_is_caught(target, demo_cur, tmp_path, monkeypatch):
    from sibyl.cur import reader, validate

    monkeypatch.setattr(reader, "FILES_PER_PART", 2)
    monkeypatch.setattr(validate, "KEYS_PER_PASS", 300)  # seven passes over 2,001 keys
    table = one_month(demo_cur)
    repeated = table.slice(3, 1)
    _split_into_files(pa.concat_tables([table, repeated]), tmp_path / "bucket", 5)  # the copy lands in the last file
    key = (repeated["identity_line_item_id"][0].as_py(), repeated["identity_time_interval"][0].as_py())

    result = invoke("load", "cur", str(tmp_path / "bucket"))

    assert result.exit_code == 1, result.output
    assert (
        "expect_compound_columns_to_be_unique on (identity_line_item_id, identity_time_interval): "
        f"1 repeated key(s), e.g. ('{key[0]}', '{key[1]}')" in result.output
    )
    assert warehouse_rows("select count(*) from raw.cur_line_items") == [(0,)]
