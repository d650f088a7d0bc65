"""Changes injected into a demo CUR so that forecasts and anomaly detection can be scored against a known truth
(`sibyl generate cur --anomalies`, read by bench/backtest.py): one-day spikes and lasting step changes of single
resources' usage, each written to OUT_DIR/ground-truth/anomalies.csv.

Only resources that run through the whole window and cost the most are chosen, so a change is a team's, not noise:
a spike multiplies one day's usage by 3 to 8, a step multiplies every day from its first by 1.5 to 2.5.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .estate import Estate

GROUND_TRUTH = Path("ground-truth") / "anomalies.csv"
FIRST_DAY = 42  # a change needs weeks of history before it to be scored
SPIKE_EVERY_DAYS = 9
STEP_EVERY_DAYS = 75


@dataclass(frozen=True)
class Injection:
    kind: str  # spike | step
    resource: int  # index into the estate's resources
    first_day: int
    last_day: int
    factor: float


def draw_injections(estate: Estate) -> list[Injection]:
    """Spikes and steps on the costliest always-running resources, at most one change a resource, deterministic for the seed."""
    rng = np.random.default_rng([estate.seed, 14])
    s = estate.slots
    daily = np.where(s["pattern"] == 0, 24.0 * s["base"], s["base"]) * s["rate"]
    whole = (s["start"] <= 0) & (s["end"] >= estate.n_days - 1) & (s["pattern"] != 2)
    cost = np.bincount(s["resource"][whole], weights=daily[whole], minlength=len(estate.resources))
    candidates = list(np.argsort(-cost)[: max(8, int((cost > 0).sum() * 0.3))])
    rng.shuffle(candidates)
    last = estate.n_days - 1
    injections = []
    for day in range(FIRST_DAY, last + 1, SPIKE_EVERY_DAYS):
        if candidates:
            injections.append(Injection("spike", int(candidates.pop()), day, day, round(float(rng.uniform(3, 8)), 2)))
    for day in range(FIRST_DAY + 4, last + 1, STEP_EVERY_DAYS):
        if candidates:
            injections.append(Injection("step", int(candidates.pop()), day, last, round(float(rng.uniform(1.5, 2.5)), 2)))
    return injections


def multipliers(injections: list[Injection], day: int, resources: np.ndarray) -> np.ndarray:
    """Each line's usage multiplier on `day`, for lines of `resources`."""
    factor = np.ones(len(resources))
    for inj in injections:
        if inj.first_day <= day <= inj.last_day:
            factor[resources == inj.resource] *= inj.factor
    return factor


def write_ground_truth(out_dir: Path, estate: Estate, injections: list[Injection]) -> Path:
    """The injected changes, one row each: kind, first and last day (a step lasts to the end), resource and account, factor."""
    from . import organisation as org

    path = Path(out_dir) / GROUND_TRUTH
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["kind", "first_date", "last_date", "usage_account_id", "resource_id", "factor"])
        for inj in injections:
            writer.writerow(
                [
                    inj.kind,
                    estate.day_date(inj.first_day).isoformat(),
                    estate.day_date(inj.last_day).isoformat(),
                    org.ACCOUNTS[estate.resources.account[inj.resource]].account_id,
                    estate.resources.ids[inj.resource],
                    f"{inj.factor:.2f}",
                ]
            )
    return path
