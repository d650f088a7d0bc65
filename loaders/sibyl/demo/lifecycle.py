"""The estate's own changes inside the window, listed beside the injected ones (`sibyl generate cur --anomalies`):
every resource that starts after the window's first day or stops before its last, written to
OUT_DIR/ground-truth/lifecycle.csv so that bench/backtest.py can score a flagged start or stop as found, not false.

All of them are listed, with the resource's daily on-demand cost: whether a change is material depends on its
team's daily variation in the warehouse, which the backtest measures (the same 3 x rule as for the spikes).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from . import organisation as org
from .estate import Estate
from .lines import usage_amounts

LIFECYCLE = Path("ground-truth") / "lifecycle.csv"


def lifecycle_changes(estate: Estate) -> list[tuple[str, int, int, float]]:
    """(kind, day, resource, daily cost): `start` on a resource's first day after the window's first, `stop` on its last
    day before the window's last (nothing is billed from the next day); the cost is a whole weekday's at its middle usage
    on that day. Sorted by day, kind and resource."""
    s, last = estate.slots, estate.n_days - 1
    changes = []
    for resource in np.unique(s["resource"]):
        if not estate.resources.ids[resource]:
            continue
        first_day, last_day = int(estate.resources.start[resource]), int(estate.resources.end[resource])
        for kind, day in (("start", first_day), ("stop", last_day)):
            if (kind == "start" and day > 0) or (kind == "stop" and day < last):
                changes.append((kind, day, int(resource), _daily_cost(estate, resource, day)))
    return sorted(changes, key=lambda c: (c[1], c[0], c[2]))


def _daily_cost(estate: Estate, resource: int, day: int) -> float:
    s = estate.slots
    slots = np.flatnonzero(s["resource"] == resource)
    amounts = usage_amounts(estate, _weekday(estate, day), slots, np.full(len(slots), 0.5), np.ones(len(slots)))
    return float((amounts * s["rate"][slots]).sum())


def _weekday(estate: Estate, day: int) -> int:
    """`day`, or the nearest weekday before it: a weekly resource's usage is lower at weekends."""
    while estate.day_date(day).weekday() >= 5 and day > 0:
        day -= 1
    return day


def write_lifecycle(out_dir: Path, estate: Estate) -> Path:
    """One row a start or stop: kind, date, account, resource and its daily on-demand cost."""
    path = Path(out_dir) / LIFECYCLE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["kind", "date", "usage_account_id", "resource_id", "daily_cost"])
        for kind, day, resource, cost in lifecycle_changes(estate):
            account = org.ACCOUNTS[estate.resources.account[resource]].account_id
            writer.writerow([kind, estate.day_date(day).isoformat(), account, estate.resources.ids[resource], f"{cost:.4f}"])
    return path
