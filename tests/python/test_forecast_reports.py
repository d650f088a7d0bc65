"""`sibyl report forecast` and `sibyl report anomalies` on the demo (the session's built warehouse), against the marts
and against the forecast recomputed here from marts.fct_cost_daily."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import statistics
from collections import defaultdict

from conftest import DEMO_END_DATE
from helpers import invoke, table_rows, warehouse_rows

AS_OF = DEMO_END_DATE - dt.timedelta(days=1)
FORECAST_COLUMNS = [
    "grain",
    "series",
    "business_unit",
    "business_group",
    "as_of_date",
    "days_elapsed",
    "days_in_month",
    "actual_to_date",
    "forecast_month_end",
    "forecast_lower",
    "forecast_upper",
    "forecast_method",
]
ANOMALY_COLUMNS = [
    "usage_date",
    "team",
    "product_code",
    "cost",
    "expected_cost",
    "expected_lower",
    "expected_upper",
    "impact",
    "score",
    "top_accounts",
    "top_usage_types",
    "top_resources",
]


def _daily_by_team() -> tuple[dict[str, dict[dt.date, list[float]]], list[dt.date]]:
    """Usage and other charges per team row (charges as rows of their own) and day, as the forecast model groups them."""
    series: dict[str, dict[dt.date, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    rows = warehouse_rows("select usage_date, team, charge_category, effective_cost from marts.fct_cost_daily")
    for day, team, category, cost in rows:
        name = team if category in ("Usage", "Purchase") else f"({category.lower()})"
        for key in (name, "total"):
            series[key][day][0 if category == "Usage" else 1] += cost
    return series, sorted({row[0] for row in rows})


def _forecast(daily: dict[dt.date, list[float]], days: list[dt.date], as_of: dt.date) -> tuple[float, float, str]:
    """The model's method, written again: month to date + the last 7 days' weekday-free level x the weekday factors (each
    weekday's median of a day's cost against its trailing week's mean) of the days left + the previous month's charges of
    the days left; run rate with under 14 days of history."""
    first = min(daily)
    seen = [d for d in days if first <= d <= as_of]
    month_start = as_of.replace(day=1)
    length = calendar.monthrange(as_of.year, as_of.month)[1]
    to_date = sum(sum(daily.get(d, (0, 0))) for d in seen if d >= month_start)
    history = [d for d in seen if (as_of - d).days < 28]
    if len(history) < 14:
        return to_date, to_date / as_of.day * length, "run_rate"
    usage = [daily.get(d, (0, 0))[0] for d in seen]
    means = [sum(usage[max(0, i - 6) : i + 1]) / len(usage[max(0, i - 6) : i + 1]) for i in range(len(seen))]
    ratio = {d: (u / m if m else None) for d, u, m in zip(seen, usage, means, strict=True)}
    medians = {}
    for w in {d.isoweekday() % 7 for d in history}:
        values = [ratio[d] for d in history if d.isoweekday() % 7 == w and ratio[d] is not None]
        if values:
            medians[w] = statistics.median(values)
    mean = sum(medians.values()) / len(medians) if medians else 0
    factor = {w: (m / mean if mean > 0 else 1.0) for w, m in medians.items()}
    recent = [
        daily.get(d, (0, 0))[0] / factor[d.isoweekday() % 7]
        for d in history
        if (as_of - d).days < 7 and factor.get(d.isoweekday() % 7, 0) > 0
    ]
    level = statistics.median(recent) if recent else 0.0
    left = [as_of + dt.timedelta(days=n) for n in range(1, length - as_of.day + 1)]
    previous = (month_start - dt.timedelta(days=1)).replace(day=1)
    charges = sum(v[1] for d, v in daily.items() if previous <= d < month_start and as_of.day < d.day <= length)
    return to_date, to_date + level * sum(factor.get(d.isoweekday() % 7, 1.0) for d in left) + charges, "weekday_level"


def test_report_forecast_is_the_method_on_the_demo(built_target):
    rows = json.loads(invoke("report", "forecast", "--format", "json", check=True).stdout)
    series, days = _daily_by_team()

    assert [list(row) for row in rows] == [FORECAST_COLUMNS] * len(rows)
    assert [row["grain"] for row in rows][:1] == ["total"] and rows[-1]["grain"] == "team"
    assert {(row["as_of_date"], row["days_elapsed"], row["days_in_month"]) for row in rows} == {(AS_OF.isoformat(), 14, 30)}
    by_team = {row["series"]: row for row in rows if row["grain"] in ("team", "total")}
    assert set(by_team) == set(series)
    for name, daily in series.items():
        to_date, forecast, method = _forecast(daily, days, AS_OF)
        row = by_team[name]
        assert (round(row["actual_to_date"], 2), round(row["forecast_month_end"], 2), row["forecast_method"]) == (
            round(to_date, 2),
            round(forecast, 2),
            method,
        ), name
        if method == "weekday_level":
            assert row["forecast_lower"] <= row["forecast_month_end"] <= row["forecast_upper"], name
    month_to_date = warehouse_rows(f"select sum(cost) from marts.cost_by_team_monthly where billing_month = '{AS_OF:%Y-%m}-01'")
    assert round(by_team["total"]["actual_to_date"], 2) == round(month_to_date[0][0], 2)


def test_report_forecast_as_csv_and_table(built_target):
    found = list(csv.DictReader(io.StringIO(invoke("report", "forecast", "--format", "csv", check=True).stdout)))
    title, table = table_rows(invoke("report", "forecast", check=True).stdout)
    expected = warehouse_rows("select grain, series, forecast_month_end from marts.cost_forecast")

    assert sorted((r["grain"], r["series"], round(float(r["forecast_month_end"]), 6)) for r in found) == sorted(
        (g, s, round(f, 6)) for g, s, f in expected
    )
    assert title == "Month-end cost forecast, made on the as-of date (80 % interval; run_rate: too little history for the level)"
    assert [(row["grain"], row["series"]) for row in table] == [(r["grain"], r["series"]) for r in found]
    assert [row["forecast_month_end"] for row in table] == [f"{float(r['forecast_month_end']):,.2f}" for r in found]


def test_report_anomalies_on_the_demo_is_empty_in_every_format(built_target):
    """The demo has no anomaly over the default thresholds (its biggest move is a step of about $30 a day, under
    var anomaly_min_impact, 50): every format says so, filters or not. bench/backtest.py scores injected ones."""
    scored = warehouse_rows("select count(*), max(abs(impact)) from marts.cost_anomalies where status <> 'too_little_history'")
    since = (AS_OF - dt.timedelta(days=6)).isoformat()

    assert warehouse_rows("select count(*) from marts.cost_anomalies where status = 'anomaly'") == [(0,)]
    assert scored[0][0] > 0 and scored[0][1] < 50
    for args in [(), ("--since", since), ("--min-impact", "0")]:
        assert invoke("report", "anomalies", *args, "--format", "json", check=True).stdout == "[]\n"
        assert invoke("report", "anomalies", *args, "--format", "csv", check=True).stdout == ",".join(ANOMALY_COLUMNS) + "\n"


def test_report_anomalies_table_says_which_series_are_too_new_to_score(built_target):
    unscored = warehouse_rows(
        "select team, product_code, history_days from marts.cost_anomalies where status = 'too_little_history'"
        f" and usage_date = '{AS_OF}' order by team, product_code"
    )
    output = invoke("report", "anomalies", check=True).stdout

    assert output.startswith("Cost anomalies, newest first (impact: cost minus expected): no rows.\n")
    assert unscored, "the demo has products younger than 21 days"
    assert output.splitlines()[-1] == "Too little history to score yet (fewer than the var anomaly_min_history_days days): " + ", ".join(
        f"{t}/{p} ({d} days)" for t, p, d in unscored
    )


def test_report_anomalies_refuses_a_bad_date_and_a_negative_impact(built_target):
    bad_date = invoke("report", "anomalies", "--since", "2026-13-01")
    negative = invoke("report", "anomalies", "--min-impact", "-1")

    assert bad_date.exit_code == 2 and "Invalid value for '--since': '2026-13-01' does not match the format '%Y-%m-%d'." in bad_date.output
    assert negative.exit_code == 2 and "Invalid value for '--min-impact': -1.0 is not in the range x>=0." in negative.output
