"""A seed diff for people (table), for a pull-request comment (markdown) and for scripts (csv, json)."""

from __future__ import annotations

import csv
import io
import json

from sibyl.seed_diff.compare import COST_MOVE_COLUMNS, LAST_30_DAYS, METHOD_CHANGE_COLUMNS, TAG_CONFLICT_COLUMNS, SeedDiff

LEVEL_TITLES = {"business_group": "Business groups", "business_unit": "Business units", "team": "Teams"}
METHODS_TITLE = "Line items that change allocation method (all loaded months)"
CONFLICTS_TITLE = "Tag conflicts that appear, vanish or change"
NOTHING = "No change: these seeds move no dollar, no line item's allocation method and no tag conflict."


def render_diff(diff: SeedDiff, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(_as_json(diff), indent=2) + "\n"
    if fmt == "csv":
        return _as_csv(diff)
    sections = _sections(diff)
    if fmt == "markdown":
        body = [f"### {title}\n\n{_markdown_table(*table) if table[1] else '_None._'}" for title, table in sections]
        return "\n\n".join([f"## What this seed change moves\n\n{_intro(diff)}", *body]) + "\n"
    body = [f"{title}\n\n{_text_table(*table) if table[1] else 'none'}" for title, table in sections]
    return "\n\n".join([_intro(diff), *body]) + "\n"


def _intro(diff: SeedDiff) -> str:
    window = f"; {LAST_30_DAYS}: {diff.window_start} to {diff.window_end}" if diff.window_start else ""
    lead = f"The marts built with {diff.head}, compared with {diff.base}. Costs as the team views count them (dbt var cost_basis){window}."
    return f"{lead}\n\n{NOTHING}" if diff.is_empty else lead


def _sections(diff: SeedDiff) -> list[tuple[str, tuple[list[str], list[list[str]], set[int]]]]:
    """(title, (headers, formatted rows, indexes of right-aligned columns)) per section."""
    sections = []
    for level, title in LEVEL_TITLES.items():
        rows = [
            [name, period, _money(before), _money(after), _money(change, signed=True)]
            for lvl, name, period, before, after, change in diff.cost_moves
            if lvl == level
        ]
        sections.append((title, (["name", "period", "before", "after", "change"], rows, {2, 3, 4})))
    methods = [
        [before, after, f"{count:,}", _money(effective), _money(billed)] for before, after, count, effective, billed in diff.method_changes
    ]
    sections.append((METHODS_TITLE, (["from", "to", "line items", "effective cost", "billed cost"], methods, {2, 3, 4})))
    conflicts = [
        [change, key, tags, before or "", after or "", f"{count:,}"] for change, key, tags, before, after, count in diff.tag_conflicts
    ]
    sections.append((CONFLICTS_TITLE, (["change", "key", "source tags", "value before", "value after", "tag sets"], conflicts, {5})))
    return sections


def _text_table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(line[i]) for line in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *map(line, rows)])


def _markdown_table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    rule = ["---:" if i in right else "---" for i in range(len(headers))]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [headers, rule, *[[c.replace("|", "\\|") for c in r] for r in rows]])


def _as_json(diff: SeedDiff) -> dict:
    return {
        "base": diff.base,
        "head": diff.head,
        "window_start": diff.window_start.isoformat() if diff.window_start else None,
        "window_end": diff.window_end.isoformat() if diff.window_end else None,
        "cost_moves": [dict(zip(COST_MOVE_COLUMNS, r, strict=True)) for r in diff.cost_moves],
        "allocation_method_changes": [dict(zip(METHOD_CHANGE_COLUMNS, r, strict=True)) for r in diff.method_changes],
        "tag_conflicts": [dict(zip(TAG_CONFLICT_COLUMNS, r, strict=True)) for r in diff.tag_conflicts],
    }


def _as_csv(diff: SeedDiff) -> str:
    """One long table: `section` is the level of a cost move, `allocation_method` or `tag_conflict`;
    for a conflict, before and after are the values used and change says whether it appears or vanishes."""
    rows = [[level, name, period, before, after, change, ""] for level, name, period, before, after, change in diff.cost_moves]
    rows += [
        ["allocation_method", f"{b} -> {a}", "all loaded months", "", "", effective, n] for b, a, n, effective, _ in diff.method_changes
    ]
    rows += [
        ["tag_conflict", f"{key}: {tags}", "", before or "", after or "", change, ""]
        for change, key, tags, before, after, _ in diff.tag_conflicts
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "name", "period", "before", "after", "change", "line_items"])
    writer.writerows(rows)
    return out.getvalue()


def _money(value: float, *, signed: bool = False) -> str:
    amount = round(float(value), 2) + 0.0  # -0.001 prints as 0.00, not -0.00
    return f"{amount:+,.2f}" if signed else f"{amount:,.2f}"
