"""Progress of long work on stderr, for people at a terminal: nothing when stderr is not one (CI logs,
scripts, pipes) or with --quiet.

Two displays, both tqdm bars: a CUR load (files and rows done of the total, rows/s, the current step)
and a dbt build (nodes done of the total, from the "N of M" lines dbt prints)."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Sequence

from tqdm import tqdm


def wanted(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


class LoadProgress:
    """A CUR load: the bar counts files; its text says the month, the step and the rows done so far."""

    def __init__(self, deliveries: Sequence, enabled: bool) -> None:
        self._bar = (
            tqdm(total=sum(len(d.files) for d in deliveries), unit="file", file=sys.stderr, dynamic_ncols=True, leave=False)
            if enabled
            else None
        )
        self._rows = 0
        self._rows_total = 0
        self._started = time.monotonic()

    def step(self, period: str, name: str) -> None:
        """`name`: download, validate, write or publish."""
        if self._bar is not None:
            self._bar.set_description(f"{period} {name}".strip())
            self._refresh()

    def validated(self, rows: int) -> None:
        """The gate counted a delivery's rows: they join the total."""
        self._rows_total += rows
        self._refresh()

    def done(self, files: int, rows: int) -> None:
        """A delivery's files are written (or had nothing new)."""
        self._rows += rows
        if self._bar is not None:
            self._bar.update(files)
        self._refresh()

    def _refresh(self) -> None:
        if self._bar is not None:
            rate = self._rows / max(time.monotonic() - self._started, 1e-9)
            self._bar.set_postfix_str(f"{self._rows:,}/{self._rows_total:,} rows, {rate:,.0f} rows/s")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.refresh()  # its last state, which tqdm's rate limit may have held back
            self._bar.close()


NO_LOAD_PROGRESS = LoadProgress((), enabled=False)

# dbt's line for a node it starts or ends: "12 of 298 START sql table model marts.fct_cost_daily ... [RUN]".
_DBT_NODE = re.compile(r"\b(\d+) of (\d+) (START|OK|PASS|ERROR|FAIL|WARN|SKIP|NO-OP)\b")


class BuildProgress:
    """A dbt build: nodes done of the total, and how many failed so far."""

    def __init__(self) -> None:
        self._bar = tqdm(total=0, unit="node", desc="dbt build", file=sys.stderr, dynamic_ncols=True, leave=False)
        self._failed = 0

    def line(self, text: str) -> None:
        """One line of dbt's output."""
        match = _DBT_NODE.search(text)
        if not match or " hook: " in text:  # hooks count apart ("1 of 1")
            return
        total, status = int(match.group(2)), match.group(3)
        if self._bar.total != total:
            self._bar.total = total
        if status == "START":
            return
        self._failed += status in ("ERROR", "FAIL")
        self._bar.update(1)
        if self._failed:
            self._bar.set_postfix_str(f"{self._failed} failed")

    def close(self) -> None:
        self._bar.refresh()
        self._bar.close()
