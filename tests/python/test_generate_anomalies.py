"""`sibyl generate cur --anomalies`: injected spikes and steps change exactly the usage the ground truth lists."""

from __future__ import annotations

import csv
import datetime as dt

import duckdb

from helpers import invoke

END = "2026-11-15"
USAGE = """
select line_item_usage_account_id as account, line_item_resource_id as resource, cast(line_item_usage_start_date as date) as day,
       sum(line_item_usage_amount) as amount
from read_parquet('{root}/cur/**/*.parquet')
where line_item_line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
group by all
"""


def _usage(root) -> dict[tuple[str, str, dt.date], float]:
    return {(a, r, d): u for a, r, d, u in duckdb.sql(USAGE.format(root=root)).fetchall()}


def test_injected_changes_are_the_ground_truth_and_nothing_else(tmp_path):
    plain, injected = tmp_path / "plain", tmp_path / "injected"
    invoke("generate", "cur", str(plain), "--months", "3", "--lines", "5000", "--seed", "3", "--end-date", END, check=True)
    result = invoke("generate", "cur", str(injected), "--months", "3", "--lines", "5000", "--seed", "3", "--end-date", END, "--anomalies")
    with (injected / "ground-truth" / "anomalies.csv").open() as f:
        truth = list(csv.DictReader(f))
    before, after = _usage(plain), _usage(injected)

    assert result.exit_code == 0 and f"wrote the injected changes to {injected / 'ground-truth' / 'anomalies.csv'}" in result.output
    assert not (plain / "ground-truth").exists()
    # the window starts on 1 September: spikes every 9 days from its 43rd day, one step from its 47th to the end
    assert [(t["kind"], t["first_date"], t["last_date"]) for t in truth] == [
        ("spike", "2026-10-13", "2026-10-13"),
        ("spike", "2026-10-22", "2026-10-22"),
        ("spike", "2026-10-31", "2026-10-31"),
        ("spike", "2026-11-09", "2026-11-09"),
        ("step", "2026-10-17", "2026-11-14"),
    ]
    assert len({t["resource_id"] for t in truth}) == 5
    expected = {}
    for t in truth:
        first, last = dt.date.fromisoformat(t["first_date"]), dt.date.fromisoformat(t["last_date"])
        for key in before:
            if key[:2] == (t["usage_account_id"], t["resource_id"]) and first <= key[2] <= last:
                expected[key] = float(t["factor"])
    changed = {key: round(after[key] / before[key], 2) for key in before if before[key] and abs(after[key] - before[key]) > 1e-6}
    assert before.keys() == after.keys()
    assert changed == expected and len(expected) > 30
