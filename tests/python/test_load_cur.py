"""`sibyl load cur` on the generated legacy Parquet CUR: exact rows and cost, idempotency, bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from broken_batches import one_month
from delivery_readers import period_manifests, totals_by_period
from helpers import invoke, loaded_by_period, raw_state, warehouse_rows


def test_generated_parquet_loads_exactly(target, demo_cur):
    expected = totals_by_period(demo_cur)
    assert len(expected) == 3

    result = invoke("load", "cur", str(demo_cur))
    assert result.exit_code == 0, result.output

    loaded = loaded_by_period()
    assert loaded.keys() == expected.keys()
    for period, (rows, cost) in expected.items():
        assert loaded[period][0] == rows
        assert round(loaded[period][1], 2) == round(cost, 2)

    recorded = warehouse_rows("select count(*), cast(sum(row_count) as bigint) from raw.cur_loads where status = 'published'")
    assert recorded == [(3, sum(rows for rows, _ in expected.values()))]


def test_loading_the_same_delivery_again_changes_nothing(target, demo_cur):
    assert invoke("load", "cur", str(demo_cur)).exit_code == 0
    before = warehouse_rows("select load_id, row_count, billed_total from raw.cur_loads order by load_id")

    again = invoke("load", "cur", str(demo_cur))

    assert again.exit_code == 0
    assert again.output.count("already loaded, unchanged") == 3
    assert warehouse_rows("select load_id, row_count, billed_total from raw.cur_loads order by load_id") == before
    assert warehouse_rows("select count(*) from raw.cur_line_items") == [(sum(r for _, r, _ in before),)]


def test_tag_sets_are_distinct_and_keep_aws_spelling(target, demo_cur):
    assert invoke("load", "cur", str(demo_cur)).exit_code == 0

    [(tag_sets, line_items_with_tags)] = warehouse_rows(
        "select (select count(distinct tag_set_id) from raw.cur_tag_sets), "
        "count(*) from raw.cur_line_items where tag_set_id in (select tag_set_id from raw.cur_tag_sets)"
    )
    assert 0 < tag_sets < line_items_with_tags / 10  # far fewer tag sets than tagged line items
    keys = {k for (k,) in warehouse_rows("select distinct tag_key from raw.cur_tag_sets")}
    assert "resource_tags_user_team" in keys
    assert all(k.startswith("resource_tags_") for k in keys)
    [(duplicates,)] = warehouse_rows(
        "select count(*) from (select tag_set_id, tag_key from raw.cur_tag_sets group by 1, 2 having count(*) > 1) d"
    )
    assert duplicates == 0


def test_billing_period_option_loads_one_month(target, demo_cur):
    period = sorted(totals_by_period(demo_cur))[1]

    result = invoke("load", "cur", str(demo_cur), "--billing-period", period)

    assert result.exit_code == 0, result.output
    assert [p.strftime("%Y-%m") for (p,) in warehouse_rows("select distinct billing_period from raw.cur_line_items")] == [period]


def test_missing_source_path_is_one_line_and_exit_2(target, tmp_path):
    result = invoke("load", "cur", str(tmp_path / "nowhere"))

    assert result.exit_code == 2
    assert (
        result.output.strip()
        == f"error: CUR source {tmp_path / 'nowhere'} does not exist: give a folder that holds a CUR report, or a CUR file"
    )


def test_corrupt_parquet_is_refused_and_the_warehouse_is_unchanged(target, demo_cur, tmp_path):
    tree = tmp_path / "cur"
    shutil.copytree(demo_cur, tree)
    assert invoke("load", "cur", str(tree)).exit_code == 0
    before = raw_state()

    # AWS restates the last month, but one of the new files arrives cut short.
    manifest = period_manifests(tree)[-1]
    content = json.loads(manifest.read_text())
    content["assemblyId"] = "11111111-2222-3333-4444-555555555555"
    manifest.write_text(json.dumps(content))
    data_file = sorted(manifest.parent.rglob("*.parquet"))[0]
    data_file.write_bytes(data_file.read_bytes()[:1000])

    result = invoke("load", "cur", str(tree))

    assert result.exit_code == 1
    [message] = result.output.strip().splitlines()
    assert message.startswith(f"error: {data_file}: not a readable Parquet file (")
    assert raw_state() == before


def test_a_load_is_all_or_nothing_across_its_months(target, demo_cur, tmp_path):
    """AWS restates the first month and the last; the last's new file is corrupt. The first month's
    good restatement is not published either: the load leaves every month, load and tag set as it was."""
    tree = tmp_path / "cur"
    shutil.copytree(demo_cur, tree)
    assert invoke("load", "cur", str(tree)).exit_code == 0
    before = raw_state()
    first, *_, last = period_manifests(tree)
    for manifest, assembly in ((first, "11111111-0000-0000-0000-000000000001"), (last, "11111111-0000-0000-0000-000000000003")):
        manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "assemblyId": assembly}))
    broken = sorted(last.parent.rglob("*.parquet"))[0]
    broken.write_bytes(broken.read_bytes()[:1000])

    result = invoke("load", "cur", str(tree))

    assert result.exit_code == 1
    assert result.output.startswith(f"error: {broken}: not a readable Parquet file (")
    assert raw_state() == before
    shutil.copyfile(demo_cur / broken.relative_to(tree), broken)  # AWS re-delivers the file whole
    again = invoke("load", "cur", str(tree))
    assert again.exit_code == 0, again.output
    assert again.output.count("(replaced the previous delivery)") == 2


def test_running_out_of_memory_is_one_line_and_publishes_nothing(duckdb_path, monkeypatch, demo_cur, tmp_path):
    import sibyl.warehouse.duckdb as warehouse

    good = tmp_path / "good"
    shutil.copytree(demo_cur, good)
    assert invoke("load", "cur", str(good), "--billing-period", "2026-09").exit_code == 0
    before = raw_state()
    monkeypatch.setattr(warehouse, "LOADING_SETTINGS", ("memory_limit = '2MB'", "threads = 1"))

    result = invoke("load", "cur", str(good))

    assert result.exit_code == 1
    [message] = result.output.strip().splitlines()  # what a load that fails says of its other months: nothing
    assert message.startswith(f"error: {good}/cur/sibyl-demo 2026-10: the loader ran out of its DuckDB memory (Out of Memory Error:")
    assert message.endswith("nothing was published: please report it at the project's issues with the delivery's format and file sizes")
    assert raw_state() == before


def test_zone_aware_timestamps_stay_in_utc_whatever_the_machines_zone(target, demo_cur, tmp_path):
    """A Parquet timestamp that says UTC is read at its UTC time: on a machine in New York, a line item
    starting at midnight on the 1st stays in its month (read in local time it would be the 30th's 20:00)."""
    month = one_month(demo_cur)
    period_start = month["bill_billing_period_start_date"][0].as_py()
    first_instant = pa.array([period_start] * month.num_rows, month.schema.field("line_item_usage_start_date").type)
    month = month.set_column(month.schema.get_field_index("line_item_usage_start_date"), "line_item_usage_start_date", first_instant)
    for i, field in enumerate(month.schema):
        if pa.types.is_timestamp(field.type):
            month = month.set_column(i, field.name, month[field.name].cast(pa.timestamp(field.type.unit, tz="UTC")))
    path = tmp_path / "utc.parquet"
    pq.write_table(month, path)

    load = subprocess.run(
        [str(Path(sys.executable).with_name("sibyl")), "load", "cur", str(path)],
        env={**os.environ, "TZ": "America/New_York"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert load.returncode == 0, load.stderr
    assert warehouse_rows("select billing_period, min(line_item_usage_start_date), count(*) from raw.cur_line_items group by 1") == [
        (period_start.date(), period_start, month.num_rows)
    ]


def test_a_swap_the_warehouse_refuses_is_one_line_and_publishes_nothing(target, demo_cur, monkeypatch):
    from sibyl.warehouse.duckdb import DuckDBWarehouse
    from sibyl.warehouse.postgres import PostgresWarehouse

    def refuse(*_):
        raise RuntimeError("canceling statement due to lock timeout\nCONTEXT: the driver's details")

    for warehouse in (DuckDBWarehouse, PostgresWarehouse):
        monkeypatch.setattr(warehouse, "publish_partition", refuse)

    result = invoke("load", "cur", str(demo_cur))

    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: the {target} warehouse refused to publish the load (canceling statement due to lock timeout); "
        "nothing was published: run the load again"
    )
    assert warehouse_rows("select count(*) from raw.cur_loads") == [(0,)]
    assert warehouse_rows("select count(*) from raw.cur_line_items") == [(0,)]
