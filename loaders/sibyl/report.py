"""Read the cost-by-team mart and render it for people (table) or scripts (csv, json)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json

COST_BY_TEAM_SQL = """
select team, business_unit, business_group, window_start, window_end,
       cost_30d, cost_prev_30d, mom_change, mom_change_pct
from marts.cost_by_team_30d
"""


def ordered(columns: list[str], rows: list[tuple]) -> list[tuple]:
    """Biggest spenders first, `unallocated` last, ties by name: the same order on every engine."""
    team, cost = columns.index("team"), columns.index("cost_30d")
    return sorted(rows, key=lambda r: (r[team] == "unallocated", -float(r[cost] or 0), r[team]))


def render(columns: list[str], rows: list[tuple], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(columns, map(_plain, row))) for row in rows], indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
        return out.getvalue()
    return _cost_by_team_table(columns, rows)


def _cost_by_team_table(columns: list[str], rows: list[tuple]) -> str:
    if not rows:
        return "No cost data: load a CUR (`sibyl load cur`) and build (`sibyl build`) first.\n"
    records = [dict(zip(columns, row)) for row in rows]
    first = records[0]
    title = (
        f"Cost by team, {first['window_start']} to {first['window_end']} (30 days) "
        "vs the 30 days before"
    )
    headers = ["team", "business unit", "business group", "cost 30d", "previous 30d", "change", "change %"]
    body = [
        [
            r["team"],
            r["business_unit"] or "",
            r["business_group"] or "",
            _money(r["cost_30d"]),
            _money(r["cost_prev_30d"]),
            _money(r["mom_change"], signed=True),
            "n/a" if r["mom_change_pct"] is None else f"{float(r['mom_change_pct']):+.1f}%",
        ]
        for r in records
    ]
    total_now = sum(float(r["cost_30d"]) for r in records)
    total_prev = sum(float(r["cost_prev_30d"]) for r in records)
    pct = "n/a" if total_prev == 0 else f"{100 * (total_now - total_prev) / total_prev:+.1f}%"
    footer = ["total", "", "", _money(total_now), _money(total_prev), _money(total_now - total_prev, signed=True), pct]
    widths = [max(len(str(line[i])) for line in [headers, *body, footer]) for i in range(len(headers))]
    numeric = {3, 4, 5, 6}

    def fmt_line(line: list[str]) -> str:
        cells = [str(c).rjust(w) if i in numeric else str(c).ljust(w) for i, (c, w) in enumerate(zip(line, widths))]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([title, "", fmt_line(headers), rule, *map(fmt_line, body), rule, fmt_line(footer)]) + "\n"


def _money(value: object, *, signed: bool = False) -> str:
    amount = float(value or 0)
    return f"{amount:+,.2f}" if signed else f"{amount:,.2f}"


def _plain(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value
