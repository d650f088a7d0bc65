"""The values of each normalized key with their spend, and draft aliases for near duplicates.

Sibyl already reads a value trimmed and lower-cased (`Payments` and `payments ` are one value); an
alias is drafted only for what that does not undo: `payments_team`, `payment`, `paymnets`. Only the
keys attribution reads get aliases; the others are listed with their spend.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sibyl.seed_drafts.spellings import SAME, SAME_CLEANED, SAME_COMPACT, SYNONYM, compact, near_duplicate, regex_literal

ALIASED_KEYS = ("team", "service", "environment")

# Environments are spelt by habit, not by typo: these compact spellings are one environment.
ENVIRONMENT_SYNONYMS: tuple[frozenset[str], ...] = (
    frozenset({"production", "prod", "prd"}),
    frozenset({"staging", "stage", "stg"}),
    frozenset({"development", "dev"}),
)
WITHOUT_TEAM = "same without the word team"
_TEAM_SUFFIX = re.compile(r"[\s\-_]+team$")
ALIAS_PRIORITY = 100


@dataclass(frozen=True)
class ValueSpend:
    """A value of a normalized key as the CUR spells it, `cleaned` as Sibyl reads it (trimmed, lower case)."""

    normalized_key: str
    tag_value: str
    cleaned_value: str
    spend: float
    line_items: int


@dataclass(frozen=True)
class ValueDraft:
    normalized_key: str
    tag_value: str
    cleaned_value: str
    draft_value: str  # the value the drafts read it as
    how: str
    alias_pattern: str  # the drafted alias that reads it so, or '' when none is needed
    spend: float
    line_items: int


@dataclass(frozen=True)
class TagValueAliasDraft:
    normalized_key: str
    pattern: str
    normalized_value: str
    priority: int


def draft_values(values: list[ValueSpend], cleaned_spend: dict[tuple[str, str], float], known: dict[str, set[str]]) -> list[ValueDraft]:
    """Every value with the value the drafts read it as. Within a key, values are taken known names
    first (teams.csv, services.csv), then biggest spend first; each joins the first value before it it
    is a near duplicate of, or stands for itself."""
    cleaned_by_key: dict[str, set[str]] = defaultdict(set)
    for v in values:
        cleaned_by_key[v.normalized_key].add(v.cleaned_value)
    readings: dict[tuple[str, str], tuple[str, str | None]] = {}
    for key, cleaned in cleaned_by_key.items():
        ordered = sorted(cleaned, key=lambda c: (c not in known.get(key, set()), -cleaned_spend.get((key, c), 0.0), c))
        leaders_of = _leaders(key, ordered, known.get(key, set())) if key in ALIASED_KEYS else {c: (c, None) for c in ordered}
        readings.update({(key, c): reading for c, reading in leaders_of.items()})
    drafts = []
    for v in values:
        leader, how = readings[(v.normalized_key, v.cleaned_value)]
        if leader == v.cleaned_value:
            how, pattern = (SAME if v.tag_value == v.cleaned_value else SAME_CLEANED), ""
        else:
            pattern = f"^{regex_literal(v.cleaned_value)}$"
        drafts.append(ValueDraft(v.normalized_key, v.tag_value, v.cleaned_value, leader, how, pattern, v.spend, v.line_items))
    return sorted(drafts, key=lambda d: (d.normalized_key, d.draft_value, -d.spend, d.tag_value))


def _leaders(key: str, ordered: list[str], known: set[str]) -> dict[str, tuple[str, str | None]]:
    leaders: list[str] = []
    result: dict[str, tuple[str, str | None]] = {}
    for value in ordered:
        match = next(
            ((leader, how) for leader in leaders if not {value, leader} <= known and (how := _relation(key, value, leader))),
            None,
        )
        if match is None:
            leaders.append(value)
            match = (value, None)
        result[value] = match
    return result


def _relation(key: str, value: str, leader: str) -> str | None:
    if compact(value) == compact(leader):
        return SAME_COMPACT
    if key == "environment" and any({compact(value), compact(leader)} <= synonyms for synonyms in ENVIRONMENT_SYNONYMS):
        return SYNONYM
    if key != "team":
        return near_duplicate(compact(value), compact(leader))
    value_form, leader_form = _without_team(value), _without_team(leader)
    return WITHOUT_TEAM if value_form == leader_form else near_duplicate(value_form, leader_form)


def _without_team(value: str) -> str:
    """`payments-team` -> `payments` (a team value that says it is a team), compacted."""
    stripped = _TEAM_SUFFIX.sub("", value)
    return compact(stripped or value)


def draft_aliases(drafts: Iterable[ValueDraft]) -> list[TagValueAliasDraft]:
    """One alias per value the drafts read as another: rows as in tag_value_aliases.csv."""
    rows = {(d.normalized_key, d.alias_pattern, d.draft_value) for d in drafts if d.alias_pattern}
    return [TagValueAliasDraft(key, pattern, value, ALIAS_PRIORITY) for key, pattern, value in sorted(rows)]
