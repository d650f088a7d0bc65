"""Every CUR format lands on the same raw contract: legacy Parquet, legacy CSV (.csv, .csv.gz, .zip), CUR 2.0.

Expected values are read from the files with pyarrow, gzip, zipfile and the csv module, never with
Sibyl's readers.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from broken_batches import one_month
from conftest import DEMO_END_DATE, REFERENCE_DATA, needs_reference_data
from delivery_readers import csv_rows, data_files, delivery_files, file_totals, period_manifests
from helpers import invoke, loaded_by_period, raw_state, warehouse_rows

FORMATS = ("legacy-parquet", "legacy-csv", "cur2-parquet")
FOCUS_CSV = REFERENCE_DATA / "focus-converters" / "sample-anonymous-aws-export-dataset.csv"


@pytest.fixture(scope="session")
def format_trees(tmp_path_factory) -> dict[str, Path]:
    """The same two months of line items (same seed) in each of the three formats."""
    from sibyl.demo.generate import generate_cur

    root = tmp_path_factory.mktemp("formats")
    for fmt in FORMATS:
        generate_cur(root / fmt, months=2, lines=3_000, seed=11, fmt=fmt, end_date=DEMO_END_DATE)
    return {fmt: root / fmt for fmt in FORMATS}


# --- each format ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_loads_exactly(target, format_trees, fmt):
    expected = {period: file_totals(files) for period, files in delivery_files(format_trees[fmt]).items()}
    assert len(expected) == 2

    result = invoke("load", "cur", str(format_trees[fmt]))

    assert result.exit_code == 0, result.output
    loaded = loaded_by_period()
    assert loaded.keys() == expected.keys()
    for period, (rows, cost) in expected.items():
        assert loaded[period][0] == rows
        assert loaded[period][1] == pytest.approx(cost, abs=0.005)


def parquet_spelling(source_key: str) -> str:
    """A tag key as AWS spells it in legacy Parquet, less `resource_tags_`: `user:Team` (CSV), `resource_tags_user_team`
    and `user_team` (CUR 2.0) are all `user_team`. Only the formats' spellings; the tag rules are expected.py's."""
    snake = re.sub(r"[^a-z0-9]+", "_", re.sub(r"([A-Z])", r"_\1", source_key).lower()).strip("_")
    return snake.removeprefix("resource_tags_")


def tags_in_parquet_spelling(fmt: str) -> dict[tuple[str, str], dict[str, str]]:
    """Per line item loaded from `fmt`, its tags with keys in one spelling (parquet_spelling)."""
    rows = warehouse_rows(
        "select l.identity_line_item_id, l.identity_time_interval, t.tag_key, t.tag_value "
        "from raw.cur_line_items l join raw.cur_loads d using (load_id) join raw.cur_tag_sets t using (tag_set_id) "
        f"where d.source like '%/{fmt}/%'"
    )
    out: dict[tuple[str, str], dict[str, str]] = {}
    for line_id, interval, key, value in rows:
        out.setdefault((line_id, interval), {})[parquet_spelling(key)] = value
    return out


def test_the_same_month_lands_identically_in_every_format(target, format_trees):
    columns = (
        "identity_line_item_id, identity_time_interval, line_item_usage_account_id, line_item_line_item_type, "
        "line_item_usage_start_date, line_item_product_code, product_region_code, line_item_unblended_cost, "
        "pricing_public_on_demand_cost, l.billing_period"
    )
    by_format, tags, spellings = {}, {}, {}
    for fmt in FORMATS:
        # The same months of the same payer account: each format replaces the one loaded before it.
        result = invoke("load", "cur", str(format_trees[fmt]), "--replace-other-sources")
        assert result.exit_code == 0, result.output
        by_format[fmt] = sorted(
            warehouse_rows(
                f"select {columns} from raw.cur_line_items l join raw.cur_loads d using (load_id) where d.source like '%/{fmt}/%'"
            )
        )
        tags[fmt] = tags_in_parquet_spelling(fmt)
        spellings[fmt] = {
            k
            for (k,) in warehouse_rows(
                "select distinct t.tag_key from raw.cur_line_items l join raw.cur_loads d using (load_id) "
                f"join raw.cur_tag_sets t using (tag_set_id) where d.source like '%/{fmt}/%'"
            )
        }

    assert len(by_format["legacy-parquet"]) > 1000
    assert by_format["legacy-csv"] == by_format["legacy-parquet"]
    assert by_format["cur2-parquet"] == by_format["legacy-parquet"]
    assert len(tags["legacy-parquet"]) > 100
    assert tags["legacy-csv"] == tags["legacy-parquet"]
    assert tags["cur2-parquet"] == tags["legacy-parquet"]
    assert "user:Team" in spellings["legacy-csv"]
    assert "resource_tags_user_team" in spellings["legacy-parquet"]
    assert "user_team" in spellings["cur2-parquet"]
    assert warehouse_rows("select count(distinct source) from raw.cur_loads where status = 'published'") == [(1,)]


@needs_reference_data
def test_real_anonymized_cur_csv_loads_with_its_exact_rows_and_total(target):
    records = csv_rows(FOCUS_CSV)
    expected_cost = sum(float(r["lineItem/UnblendedCost"]) for r in records)
    assert len(records) == 1281

    result = invoke("load", "cur", str(FOCUS_CSV))

    assert result.exit_code == 0, result.output
    assert loaded_by_period() == {"2023-11": (1281, pytest.approx(expected_cost, abs=1e-9))}
    [(taxes, accounts)] = warehouse_rows(
        "select count(*) filter (where line_item_line_item_type = 'Tax'), count(distinct line_item_usage_account_id) "
        "from raw.cur_line_items"
    )
    assert (taxes, accounts) == (sum(r["lineItem/LineItemType"] == "Tax" for r in records), 1)


def test_zipped_and_plain_csv_load_like_the_gzip(target, format_trees, tmp_path):
    """AWS zips legacy CSV too; an unzipped copy is a plain .csv. Same rows and total either way."""
    tree = tmp_path / "cur"
    shutil.copytree(format_trees["legacy-csv"], tree)
    period, [gz_file] = sorted(delivery_files(tree).items())[0]
    expected = file_totals([gz_file])
    text = gzip.decompress(gz_file.read_bytes())
    manifest = next(m for m in tree.rglob("*-Manifest.json") if m.parent.name == gz_file.parents[1].name)
    previous = gz_file
    for suffix in (".csv.zip", ".csv"):
        target_file = gz_file.with_name(gz_file.name.replace(".csv.gz", suffix))
        if suffix == ".csv.zip":
            with zipfile.ZipFile(target_file, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(gz_file.name.replace(".gz", ""), text)
        else:
            target_file.write_bytes(text)
        content = json.loads(manifest.read_text())
        content["assemblyId"] = f"assembly{suffix}"
        content["reportKeys"] = [k.replace(previous.name, target_file.name) for k in content["reportKeys"]]
        manifest.write_text(json.dumps(content))
        previous = target_file

        result = invoke("load", "cur", str(tree), "--billing-period", period)

        assert result.exit_code == 0, result.output
        assert ("(replaced the previous delivery)" in result.output) == (suffix == ".csv")  # the .csv restates the .zip
        [(files,)] = warehouse_rows(f"select files from raw.cur_loads where status = 'published' and billing_period = '{period}-01'")
        assert json.loads(files) == [str(target_file)]
        assert loaded_by_period()[period][0] == expected[0]
        assert loaded_by_period()[period][1] == pytest.approx(expected[1], abs=0.005)


def test_a_file_with_the_older_product_region_column_fills_product_region_code(target, demo_cur, tmp_path):
    """Older CURs name the region `product_region`; it lands in the contract's `product_region_code`."""
    month = one_month(demo_cur)
    month = month.drop_columns(["product_region_code"])
    path = tmp_path / "older.parquet"
    pq.write_table(month, path)
    expected = sorted((r["values"], r["counts"]) for r in pc.value_counts(month["product_region"]).to_pylist())

    result = invoke("load", "cur", str(path))

    assert result.exit_code == 0, result.output
    assert warehouse_rows("select product_region_code, count(*) from raw.cur_line_items group by 1 order by 1") == expected


# --- bad input: exit code, the one line a person reads, the warehouse untouched -----------------


@pytest.fixture
def loaded_csv_tree(target, format_trees, tmp_path) -> Path:
    """A legacy CSV tree, loaded; each test then restates its last month with a broken delivery."""
    tree = tmp_path / "cur"
    shutil.copytree(format_trees["legacy-csv"], tree)
    assert invoke("load", "cur", str(tree)).exit_code == 0
    return tree


def _restate_last_month(tree: Path) -> tuple[Path, Path]:
    """Point the last period's manifest at a new assembly id; return (manifest, its data file)."""
    manifest = period_manifests(tree)[-1]
    content = json.loads(manifest.read_text())
    content["assemblyId"] = "22222222-3333-4444-5555-666666666666"
    manifest.write_text(json.dumps(content))
    return manifest, data_files(manifest)[0]


def _rewrite_csv(path: Path, transform) -> None:
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    path.write_bytes(gzip.compress(transform(text).encode("utf-8")))


def _assert_refused(tree: Path, before: list, exit_code: int, message: str) -> None:
    result = invoke("load", "cur", str(tree))
    assert result.exit_code == exit_code, result.output
    *earlier, last = result.output.strip().splitlines()
    assert last.startswith(message), last
    assert all(line.startswith("already loaded, unchanged:") for line in earlier)
    assert raw_state() == before


def test_missing_required_column_names_the_column_and_the_file(loaded_csv_tree):
    before = raw_state()
    _, data_file = _restate_last_month(loaded_csv_tree)
    _rewrite_csv(data_file, lambda text: text.replace("lineItem/UnblendedCost", "lineItem/SomethingElse", 1))

    _assert_refused(loaded_csv_tree, before, 1, f"error: {data_file}: required CUR column line_item_unblended_cost is missing")


def test_a_cost_column_of_strings_names_file_column_and_value(loaded_csv_tree):
    before = raw_state()
    _, data_file = _restate_last_month(loaded_csv_tree)

    def break_cost(text: str) -> str:
        header, first, *rest = text.split("\n")
        position = next(csv.reader([header])).index("lineItem/UnblendedCost")
        fields = next(csv.reader([first]))
        fields[position] = "twelve dollars"
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(fields)
        return "\n".join([header, out.getvalue(), *rest])

    _rewrite_csv(data_file, break_cost)

    _assert_refused(
        loaded_csv_tree,
        before,
        1,
        f"error: {data_file}: column lineItem/UnblendedCost holds 'twelve dollars', which is not a number; fix or re-export the file",
    )


def test_truncated_gzip_names_the_file(loaded_csv_tree):
    before = raw_state()
    _, data_file = _restate_last_month(loaded_csv_tree)
    data_file.write_bytes(data_file.read_bytes()[: data_file.stat().st_size // 2])

    _assert_refused(loaded_csv_tree, before, 1, f"error: {data_file}: cannot be read (")


def test_empty_file_names_the_file(loaded_csv_tree):
    before = raw_state()
    _, data_file = _restate_last_month(loaded_csv_tree)
    data_file.write_bytes(b"")

    _assert_refused(
        loaded_csv_tree, before, 1, f"error: {data_file}: the file is empty; re-download it or ask AWS to re-deliver the report"
    )


def test_manifest_naming_a_missing_file_is_refused(loaded_csv_tree):
    before = raw_state()
    manifest, data_file = _restate_last_month(loaded_csv_tree)
    data_file.unlink()

    _assert_refused(
        loaded_csv_tree,
        before,
        1,
        f"error: {manifest}: names 1 file(s) that do not exist, first {data_file}; "
        "the delivery is incomplete, wait for AWS to finish writing it",
    )


def test_manifest_naming_no_file_is_refused(loaded_csv_tree):
    before = raw_state()
    manifest, _ = _restate_last_month(loaded_csv_tree)
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "reportKeys": []}))

    _assert_refused(
        loaded_csv_tree,
        before,
        1,
        f"error: {manifest}: names no data files; the delivery is incomplete or empty: wait for AWS to write it again, "
        "or load the other months one by one with --billing-period",
    )


def test_corrupt_cur2_parquet_names_the_file(target, format_trees, tmp_path):
    tree = tmp_path / "cur"
    shutil.copytree(format_trees["cur2-parquet"], tree)
    data_file = sorted(tree.rglob("*.parquet"))[0]
    data_file.write_bytes(data_file.read_bytes()[:500])

    result = invoke("load", "cur", str(tree))

    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(f"error: {data_file}: not a readable Parquet file (")
    assert warehouse_rows("select count(*) from raw.cur_line_items") == [(0,)]


@needs_reference_data
def test_csv_with_cost_categories_discounts_and_unknown_columns_loads(target):
    """koku's 201-column fixture: costCategory/*, discount/*, savingsPlan/* and columns the contract does not know."""
    path = REFERENCE_DATA / "koku" / "masu-test-data" / "aws" / "2023-06-01.csv"
    records = csv_rows(path)
    assert any(h.startswith("costCategory/") for h in records[0])

    result = invoke("load", "cur", str(path))

    assert result.exit_code == 0, result.output
    expected_cost = sum(float(r["lineItem/UnblendedCost"]) for r in records)
    assert loaded_by_period() == {"2023-06": (len(records), pytest.approx(expected_cost, abs=1e-9))}


def test_cur2_csv_spells_its_maps_as_json(target, tmp_path):
    """CUR 2.0 exported as CSV: `resource_tags` and `product` are JSON objects in a cell."""
    header = [
        "identity_line_item_id",
        "identity_time_interval",
        "bill_payer_account_id",
        "bill_billing_period_start_date",
        "line_item_usage_account_id",
        "line_item_line_item_type",
        "line_item_usage_start_date",
        "line_item_usage_end_date",
        "line_item_product_code",
        "line_item_currency_code",
        "line_item_unblended_cost",
        "resource_tags",
        "product",
    ]
    common = [
        "2024-09-01T00:00:00Z/2024-09-02T00:00:00Z",
        "111111111111",
        "2024-09-01T00:00:00Z",
        "222222222222",
        "Usage",
        "2024-09-01T00:00:00Z",
        "2024-09-02T00:00:00Z",
    ]
    rows = [
        ["a", *common, "AmazonEC2", "USD", "1.5", '{"user_team":"payments","user_env":""}', '{"product_name":"Amazon EC2"}'],
        ["b", *common, "AmazonS3", "USD", "2.25", "", "{}"],
    ]
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    path = tmp_path / "export-00001.csv.gz"
    path.write_bytes(gzip.compress(out.getvalue().encode()))

    result = invoke("load", "cur", str(path))

    assert result.exit_code == 0, result.output
    assert loaded_by_period() == {"2024-09": (2, 3.75)}
    assert sorted(
        warehouse_rows(
            "select l.identity_line_item_id, l.product_product_name, t.tag_key, t.tag_value "
            "from raw.cur_line_items l left join raw.cur_tag_sets t using (tag_set_id)"
        )
    ) == [("a", "Amazon EC2", "user_team", "payments"), ("b", None, None, None)]


_CUR2_REGION_HEADER = (
    "identity_line_item_id",
    "identity_time_interval",
    "bill_payer_account_id",
    "bill_billing_period_start_date",
    "line_item_usage_account_id",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_product_code",
    "line_item_currency_code",
    "line_item_unblended_cost",
    "product_region_code",
)
# (line item id, top-level product_region_code, the product map): the column wins when it is set,
# else the map's region_code, else its older `region`.
_CUR2_REGION_ROWS = (
    ("a", "eu-west-1", {"region_code": "us-east-1"}),
    ("b", "", {"region_code": "eu-central-1", "region": "ignored-1"}),
    ("c", "", {"region": "ap-southeast-2"}),
    ("d", "", {}),
)
_CUR2_REGION_EXPECTED = [("a", "eu-west-1"), ("b", "eu-central-1"), ("c", "ap-southeast-2"), ("d", "")]


def _cur2_region_values(line_item_id: str, region: str) -> list[str]:
    return [
        line_item_id,
        "2024-09-01T00:00:00Z/2024-09-02T00:00:00Z",
        "111111111111",
        "2024-09-01T00:00:00Z",
        "222222222222",
        "Usage",
        "2024-09-01T00:00:00Z",
        "2024-09-02T00:00:00Z",
        "AmazonEC2",
        "USD",
        "1.0",
        region,
    ]


def test_cur2_csv_takes_an_empty_region_from_the_product_map(target, tmp_path):
    """Seen in a real CUR 2.0 export: product_region_code empty, the region only in the `product` map.
    Inventory is matched by region, so the map fills it."""
    out = io.StringIO()
    rows = [[*_cur2_region_values(i, region), json.dumps(product)] for i, region, product in _CUR2_REGION_ROWS]
    csv.writer(out).writerows([[*_CUR2_REGION_HEADER, "product"], *rows])
    path = tmp_path / "export-00001.csv.gz"
    path.write_bytes(gzip.compress(out.getvalue().encode()))

    result = invoke("load", "cur", str(path))

    assert result.exit_code == 0, result.output
    assert sorted(warehouse_rows("select identity_line_item_id, product_region_code from raw.cur_line_items")) == _CUR2_REGION_EXPECTED


def test_cur2_parquet_takes_an_empty_region_from_the_product_map(target, tmp_path):
    import pyarrow as pa

    columns = list(zip(*[_cur2_region_values(i, region) for i, region, _ in _CUR2_REGION_ROWS], strict=True))
    arrays = {name: pa.array(values) for name, values in zip(_CUR2_REGION_HEADER, columns, strict=True)}
    arrays["line_item_unblended_cost"] = pa.array([1.0] * len(_CUR2_REGION_ROWS))
    arrays["product"] = pa.array([list(p.items()) for _, _, p in _CUR2_REGION_ROWS], type=pa.map_(pa.string(), pa.string()))
    path = tmp_path / "export-00001.snappy.parquet"
    pq.write_table(pa.table(arrays), path)

    result = invoke("load", "cur", str(path))

    assert result.exit_code == 0, result.output
    assert sorted(warehouse_rows("select identity_line_item_id, product_region_code from raw.cur_line_items")) == _CUR2_REGION_EXPECTED


def test_a_csv_month_larger_than_the_loaders_memory_budget_loads_exactly(target, tmp_path):
    """250,000 legacy CSV lines: 32 MB CSV buffers (DuckDB's default) ran the 128 MB loader out of memory."""
    from sibyl.demo.generate import generate_cur

    generate_cur(tmp_path, months=1, lines=250_000, seed=5, fmt="legacy-csv")
    [(period, files)] = delivery_files(tmp_path).items()
    expected_rows, expected_cost = file_totals(files)
    assert expected_rows >= 250_000

    result = invoke("load", "cur", str(tmp_path))

    assert result.exit_code == 0, result.output
    assert loaded_by_period() == {period: (expected_rows, pytest.approx(expected_cost, abs=0.005))}
