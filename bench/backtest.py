"""Backtest of the month-end forecast and of the anomalies (issue 14), from one build over a long history.

    python bench/backtest.py [--months 13] [--lines 150000] [--seed 11] [--origin-days 200] [--target duckdb] [--workdir DIR]

Generates the demo organisation's CUR over `--months` with injected spikes and step changes (`sibyl generate cur
--anomalies`: ground truth in ground-truth/anomalies.csv, and every resource that starts or stops inside the window in
ground-truth/lifecycle.csv), loads it and builds once with vars forecast_origin_days and anomaly_window_days =
`--origin-days`: marts.fct_cost_forecast_origins then holds the forecast made on every one of those days as if it
were today, each seeing only the days up to it. Then, over the complete months among them:

- forecast: WAPE (sum |forecast - actual| / sum |actual|) of each team's month-end total (teams and `unallocated`;
  tax, credit and adjustment rows are not teams) made on day 5, 10 and 20, against two baselines from the same rows:
  run rate (month to date / days elapsed x days in the month) and last month's total; the share of every origin's
  80 % interval holding the actual month end (coverage);
- anomalies: each listed change is placed on its team and day by the warehouse's own attribution of its resource
  (intermediate.int_line_items_attributed). A change is material when its impact is at least 3 x the team's typical
  daily variation (the standard deviation of its daily usage cost over the 28 days before); a spike's impact is the
  resource's cost that day minus its median over the 7 days before, a start's or stop's the resource's whole day
  (its cost on the day or the day next to it inside its life, the larger). Recall, apart for spikes and for starts
  and stops: material ones found as an anomaly of the team (any product) on the spike's day, or on a start's or
  stop's day or the next (a part day, then the first whole day with or without it); said again for those also at
  least var anomaly_min_impact, under which nothing is an anomaly by definition. Precision: (team, day) with an
  anomaly that is an injected spike of that team that day, within the first 7 days of one of its steps, or a listed
  start or stop of it that day or the day before (of any size: the change is real; the table says how many of those
  were under 3 x).

Targets: WAPE at day 10 <= 0.8 x the better baseline; coverage 75-90 %; precision and recall >= 0.9.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent
END_DATE = "2026-11-16"  # fixed: the same files whatever day it runs; the as-of date is the 15th
DAYS = (5, 10, 20)
# the detector's dollar floor: a change under it is not an anomaly by definition (issue 14), whatever its score
MIN_IMPACT = yaml.safe_load((Path(__file__).parents[1] / "dbt_project.yml").read_text())["vars"]["anomaly_min_impact"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--lines", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--origin-days", type=int, default=200)
    parser.add_argument("--target", choices=("duckdb", "postgres"), default="duckdb")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sibyl-backtest-"))
    env = _environment(workdir, args.target)
    data = workdir / "data"
    if not (data / "ground-truth" / "lifecycle.csv").exists():
        _sibyl(
            env,
            "generate",
            "cur",
            str(data),
            "--months",
            str(args.months),
            "--lines",
            str(args.lines),
            "--seed",
            str(args.seed),
            "--end-date",
            END_DATE,
            "--seeds-dir",
            str(workdir / "seeds"),
            "--anomalies",
        )
    _sibyl(env, "--target", args.target, "load", "cur", str(data), "--quiet")
    _build(env, args.target, {"forecast_origin_days": args.origin_days, "anomaly_window_days": args.origin_days})
    os.environ.update(env)
    forecast = forecast_scores(_rows)
    anomalies = anomaly_scores(_rows, _ground_truth(data, "anomalies.csv"), _ground_truth(data, "lifecycle.csv"))
    print(_table(args, forecast, anomalies))


def _environment(workdir: Path, target: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SIBYL_TARGET": target,
        "SIBYL_SEEDS_DIR": str(workdir / "seeds"),
        "SIBYL_DUCKDB_PATH": str(workdir / "warehouse.duckdb"),
    }
    if target == "postgres":
        env.setdefault("PGDATABASE", "sibyl_bench_backtest")
        subprocess.run(["psql", "-d", "postgres", "-qc", f"drop database if exists {env['PGDATABASE']}"], env=env, check=True)
        subprocess.run(["psql", "-d", "postgres", "-qc", f"create database {env['PGDATABASE']}"], env=env, check=True)
    return env


def _sibyl(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "sibyl"), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def _build(env: dict[str, str], target: str, variables: dict) -> None:
    """`sibyl build` with the backtest's vars (the CLI takes none): the same raw tables first, then dbt build --vars."""
    code = (
        "import json, sys; from sibyl.config import Settings; from sibyl.dbt_runner import build_args, run_dbt;"
        " from sibyl.raw_tables import ensure_raw_tables; s = Settings.from_env();"
        " ensure_raw_tables(s); run_dbt(s, build_args() + ['--vars', sys.argv[1]], quiet=True)"
    )
    subprocess.run([sys.executable, "-c", code, json.dumps(variables)], env={**env, "SIBYL_TARGET": target}, check=True)


def _rows(sql: str) -> list[tuple]:
    from sibyl.config import Settings
    from sibyl.warehouse import connect

    with connect(Settings.from_env(), read_only=True) as wh:
        return wh.fetch(sql)[1]


def _ground_truth(data: Path, name: str) -> list[dict[str, str]]:
    with (data / "ground-truth" / name).open() as f:
        return list(csv.DictReader(f))


# --- forecast ---------------------------------------------------------------------------------------------------


def forecast_scores(rows) -> dict:
    origins = rows(
        "select series, month_start, days_elapsed, days_in_month, actual_to_date, forecast_month_end, forecast_lower,"
        " forecast_upper, forecast_method from marts.fct_cost_forecast_origins where grain = 'team' and series not like '(%'"
    )
    totals: dict[tuple[str, dt.date], float] = defaultdict(float)
    for team, month, cost in rows("select team, billing_month, cost from marts.cost_by_team_monthly where team not like '(%'"):
        totals[(team, month)] += cost
    complete = {(o[0], o[1]) for o in origins if o[2] == o[3]}  # months whose last day is an origin
    complete_months = {m for _, m in complete}
    errors = {d: defaultdict(float) for d in DAYS}
    actual_sum = dict.fromkeys(DAYS, 0.0)
    covered = judged = 0
    for team, month, day, length, to_date, forecast, lower, upper, method in origins:
        if month not in complete_months or day == length:
            continue
        actual = totals.get((team, month), 0.0)
        if method == "weekday_level" and lower is not None:
            judged += 1
            covered += round(lower, 2) <= round(actual, 2) <= round(upper, 2)  # to the cent: a flat series' interval has no width
        if day in DAYS:
            previous = totals.get((team, _previous_month(month)), 0.0)
            errors[day]["forecast"] += abs(forecast - actual)
            errors[day]["run_rate"] += abs(to_date / day * length - actual)
            errors[day]["last_month"] += abs(previous - actual)
            actual_sum[day] += abs(actual)
    wape = {d: {k: v / actual_sum[d] for k, v in errors[d].items()} for d in DAYS if actual_sum[d]}
    return {
        "wape": wape,
        "coverage": covered / judged if judged else None,
        "origins": judged,
        "months": sorted(complete_months),
        "teams": len({t for t, _ in complete}),
    }


def _previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


# --- anomalies --------------------------------------------------------------------------------------------------


def anomaly_scores(rows, truth: list[dict[str, str]], lifecycle: list[dict[str, str]]) -> dict:
    scored = rows("select min(usage_date), max(usage_date) from marts.cost_anomalies where status <> 'too_little_history'")[0]
    flagged = {(t, d) for t, d in rows("select distinct team, usage_date from marts.cost_anomalies where status = 'anomaly'")}
    resources = defaultdict(dict)
    # the team of a resource's usage that day: the one its usage lines are attributed to, the costliest if several
    for account, resource, day, team, cost in rows(
        "select usage_account_id, resource_id, usage_date, team, sum(effective_cost) from intermediate.int_line_items_attributed"
        " where charge_category = 'Usage' group by usage_account_id, resource_id, usage_date, team order by 5"
    ):
        previous = resources[(account, resource)].get(day, (team, 0.0))
        resources[(account, resource)][day] = (team, cost + previous[1])
    team_days: dict[str, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    for team, day, cost in rows("select team, usage_date, effective_cost from marts.fct_cost_daily where charge_category = 'Usage'"):
        team_days[team][day] += cost

    def variation(team: str, day: dt.date) -> float:
        """The team's typical daily variation before `day`: the standard deviation of its usage cost over the 28 days before."""
        return statistics.pstdev([team_days[team].get(day - dt.timedelta(days=n), 0.0) for n in range(1, 29)])

    def in_window(day: dt.date) -> bool:
        return bool(scored[0]) and scored[0] <= day <= scored[1]

    explained: set[tuple[str, dt.date]] = set()
    spikes = []
    for row in truth:
        first = dt.date.fromisoformat(row["first_date"])
        days = resources[(row["usage_account_id"], row["resource_id"])]
        if first not in days:
            continue
        team = days[first][0]
        if row["kind"] == "step":
            explained |= {(team, first + dt.timedelta(days=n)) for n in range(7)}
            continue
        explained.add((team, first))
        if not in_window(first):
            continue
        before = [days.get(first - dt.timedelta(days=n), (team, 0.0))[1] for n in range(1, 8)]
        impact = days[first][1] - statistics.median(before)
        spikes.append({"team": team, "day": first, "impact": impact, "variation": variation(team, first)})
    changes = []
    for row in lifecycle:
        day = dt.date.fromisoformat(row["date"])
        days = resources[(row["usage_account_id"], row["resource_id"])]
        if day not in days:
            continue
        team = days[day][0]
        # a start shows in full the day after its first (part) day, a stop the day after its last: both are that team's
        shown = {(team, day), (team, day + dt.timedelta(days=1))}
        neighbour = day + dt.timedelta(days=1 if row["kind"] == "start" else -1)
        impact = max(days[day][1], days.get(neighbour, (team, 0.0))[1])  # its whole day's cost, gained or lost
        typical = variation(team, day)
        changes.append(
            {
                "shown": shown,
                "material": impact >= 3 * typical,
                "over_floor": impact >= MIN_IMPACT,
                "scored": in_window(day),
                "said": (team, row["kind"], row["date"], round(impact, 2), round(typical, 2)),
            }
        )
    material = [c for c in changes if c["material"] and c["scored"]]
    lifecycle_days = set().union(*(c["shown"] for c in changes))
    minor_only = (flagged - explained) & (lifecycle_days - set().union(*(c["shown"] for c in changes if c["material"])))
    big = [s for s in spikes if s["impact"] >= 3 * s["variation"]]
    found = [s for s in big if (s["team"], s["day"]) in flagged]
    big_over_floor = [s in found for s in big if s["impact"] >= MIN_IMPACT]
    true_flags = [f for f in flagged if f in explained | lifecycle_days]
    return {
        "window": scored,
        "spikes": len(spikes),
        "big": len(big),
        "recall": _share([s in found for s in big]),
        "missed": [(s["team"], s["day"].isoformat(), round(s["impact"], 2), round(s["variation"], 2)) for s in big if s not in found],
        "big_over_floor": len(big_over_floor),
        "big_floor_recall": _share(big_over_floor),
        "changes": sum(c["scored"] for c in changes),
        "material": len(material),
        "lifecycle_recall": _share([bool(c["shown"] & flagged) for c in material]),
        "over_floor": sum(c["over_floor"] for c in material),
        "floor_recall": _share([bool(c["shown"] & flagged) for c in material if c["over_floor"]]),
        "missed_changes": [c["said"] for c in material if not c["shown"] & flagged],
        "flagged": len(flagged),
        "by_lifecycle": len((flagged - explained) & lifecycle_days),
        "minor_only": len(minor_only),
        "precision": len(true_flags) / len(flagged) if flagged else None,
        "false": sorted((t, d.isoformat()) for t, d in flagged - explained - lifecycle_days),
    }


# --- the table --------------------------------------------------------------------------------------------------


def _table(args, forecast: dict, anomalies: dict) -> str:
    wape = forecast["wape"]
    lines = [
        f"backtest: {args.months} months, {args.lines:,} lines, seed {args.seed}, {args.target}; forecast origins: every day of the"
        f" last {args.origin_days}, scored in the complete months {forecast['months'][0]:%Y-%m} to {forecast['months'][-1]:%Y-%m}"
        f" ({forecast['teams']} teams)",
        "",
        "| month-end WAPE per team | forecast | run rate | last month | forecast / better baseline |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for day, w in wape.items():
        better = min(w["run_rate"], w["last_month"])
        lines.append(f"| day {day} | {w['forecast']:.3f} | {w['run_rate']:.3f} | {w['last_month']:.3f} | {w['forecast'] / better:.2f} |")
    lines += [
        "",
        f"80 % interval coverage: {forecast['coverage']:.1%} of {forecast['origins']:,} (team, origin) forecasts",
        "",
        f"| anomalies scored {anomalies['window'][0]} to {anomalies['window'][1]} | listed | at least 3 x the team's daily variation"
        f" | recall | of those at least ${MIN_IMPACT:g} (var anomaly_min_impact) | recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| injected spikes | {anomalies['spikes']} | {anomalies['big']} | {_ratio(anomalies['recall'])} | {anomalies['big_over_floor']}"
        f" | {_ratio(anomalies['big_floor_recall'])} |",
        f"| resource starts and stops | {anomalies['changes']} | {anomalies['material']} | {_ratio(anomalies['lifecycle_recall'])}"
        f" | {anomalies['over_floor']} | {_ratio(anomalies['floor_recall'])} |",
        "",
        f"precision {_ratio(anomalies['precision'])}: {anomalies['flagged']} team-days flagged, {anomalies['by_lifecycle']} of them a"
        f" listed start or stop and no injected change ({anomalies['minor_only']} only starts or stops under 3 x),"
        f" {len(anomalies['false'])} without a listed change",
    ]
    if anomalies["missed"]:
        lines.append(f"missed spikes (team, day, impact, variation): {anomalies['missed']}")
    if anomalies["missed_changes"]:
        lines.append(f"missed starts and stops (team, kind, day, impact, variation): {anomalies['missed_changes']}")
    if anomalies["false"]:
        lines.append(f"flagged without a listed change (team, day): {anomalies['false']}")
    return "\n".join(lines)


def _share(found: list[bool]) -> float | None:
    return sum(found) / len(found) if found else None


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
