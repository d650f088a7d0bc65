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


def _rows(sql: str) -> list[tuple]:
    """On a connection of its own: duckdb's default one is the process's, shared with other tests."""
    with duckdb.connect() as con:
        return con.sql(sql).fetchall()


def _usage(root) -> dict[tuple[str, str, dt.date], float]:
    return {(a, r, d): u for a, r, d, u in _rows(USAGE.format(root=root))}


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


LIFETIMES = """
select line_item_usage_account_id as account, line_item_resource_id as resource,
       min(cast(line_item_usage_start_date as date)) as first_day, max(cast(line_item_usage_start_date as date)) as last_day
from read_parquet('{root}/cur/**/*.parquet')
where line_item_line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') and line_item_resource_id <> ''
group by all
"""
FULL_DAYS = """
with days as (
    select line_item_usage_account_id as account, line_item_resource_id as resource, cast(line_item_usage_start_date as date) as day,
           sum(pricing_public_on_demand_cost) as cost
    from read_parquet('{root}/cur/**/*.parquet')
    where line_item_line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') and line_item_resource_id <> ''
    group by all
)
select account, resource, median(cost) from days
where day > (select min(day) from days d where d.account = days.account and d.resource = days.resource)
  and day < (select max(day) from days d where d.account = days.account and d.resource = days.resource)
group by all
"""


def test_the_lifecycle_list_is_every_start_and_stop_inside_the_window(tmp_path):
    result = invoke("generate", "cur", str(tmp_path), "--months", "3", "--lines", "5000", "--seed", "3", "--end-date", END, "--anomalies")
    with (tmp_path / "ground-truth" / "lifecycle.csv").open() as f:
        listed = list(csv.DictReader(f))
    first, last = dt.date(2026, 9, 1), dt.date(2026, 11, 14)
    expected = set()
    for account, resource, first_day, last_day in _rows(LIFETIMES.format(root=tmp_path)):
        if first_day > first:
            expected.add(("start", first_day.isoformat(), account, resource))
        if last_day < last:
            expected.add(("stop", last_day.isoformat(), account, resource))
    full_day = {(a, r): cost for a, r, cost in _rows(FULL_DAYS.format(root=tmp_path))}

    message = f"wrote the resources' starts and stops to {tmp_path / 'ground-truth' / 'lifecycle.csv'}"
    assert result.exit_code == 0 and message in result.output
    assert {(t["kind"], t["date"], t["usage_account_id"], t["resource_id"]) for t in listed} == expected
    assert len(listed) == len(expected) == 21 and [t["date"] for t in listed] == sorted(t["date"] for t in listed)
    # the listed daily cost is a whole day's at the middle of its noise: within 5 % of the median of its whole days
    keys = [(t["usage_account_id"], t["resource_id"], float(t["daily_cost"])) for t in listed]
    judged = [(cost, full_day[a, r]) for a, r, cost in keys if (a, r) in full_day]
    assert len(judged) == 17 and all(0.95 * median <= cost <= 1.05 * median for cost, median in judged)
