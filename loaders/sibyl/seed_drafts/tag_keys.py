"""Every tag key the CUR holds, folded into the keys Sibyl reads, and the draft tag rules that say so."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sibyl.seed_drafts.spellings import SAME, SAME_COMPACT, SYNONYM, compact, near_duplicate

# The keys attribution reads, with the compact spellings that commonly mean them. Only these are
# folded by meaning; any other key folds only with its own misspellings.
KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "team": ("team", "teamname", "ownerteam", "teamowner"),
    "service": ("service", "servicename", "app", "appname", "application", "applicationname"),
    "environment": ("environment", "environmentname", "env", "envname", "stage"),
}

STRIPPED = "same key once lower-cased and stripped of its CUR prefix"
EXACT_PRIORITY = 100
VARIANT_PRIORITY = 90


@dataclass(frozen=True)
class KeySpend:
    """A tag key as the CUR spells it, and the line items whose tags carry it."""

    tag_key: str
    spend: float
    line_items: int
    tag_sets: int


@dataclass(frozen=True)
class FoldedKey:
    tag_key: str
    stripped_key: str  # as Sibyl reads it before any rule
    normalized_key: str  # as the draft rules read it
    how: str  # why the spelling folds into normalized_key
    spend: float
    line_items: int
    tag_sets: int


@dataclass(frozen=True)
class TagRuleDraft:
    rule_name: str
    tag_key: str
    pattern: str
    normalized_key: str
    priority: int
    is_active: bool


def stripped_key(tag_key: str) -> str:
    """The key tag rules see: macros/tag_keys.sql's stripped_tag_key (trimmed, lower-cased, without the
    prefix each CUR format adds to user tags; AWS tags keep `aws:`)."""
    key = tag_key.strip().lower()
    for prefix, kept in (("resource_tags_user_", ""), ("resource_tags_aws_", "aws:"), ("user:", ""), ("user_", ""), ("aws_", "aws:")):
        if key.startswith(prefix):
            return kept + key[len(prefix) :]
    return key


def fold_keys(spellings: list[KeySpend]) -> list[FoldedKey]:
    """Each spelling with the key it folds into: a known key when it is one of its synonyms, else the
    biggest-spending stripped key it is a near duplicate of (compared without separators)."""
    by_stripped: dict[str, list[KeySpend]] = defaultdict(list)
    for spelling in spellings:
        by_stripped[stripped_key(spelling.tag_key)].append(spelling)
    spend = {key: sum(s.spend for s in rows) for key, rows in by_stripped.items()}
    normalized = _normalized_keys(sorted(by_stripped, key=lambda k: (-spend[k], k)))
    return sorted(
        (
            FoldedKey(s.tag_key, key, normalized[key][0], _how(s.tag_key, key, *normalized[key]), s.spend, s.line_items, s.tag_sets)
            for key, rows in by_stripped.items()
            for s in rows
        ),
        key=lambda f: (f.normalized_key, -f.spend, f.tag_key),
    )


def _normalized_keys(stripped_keys: list[str]) -> dict[str, tuple[str, str | None]]:
    """stripped key -> (normalized key, how it relates to it); keys come biggest spend first, so the
    first of a group names it. Known keys are placed first, so a synonym never starts a group of its own."""
    leaders: dict[str, str] = {}  # compact form of a group's name -> its name
    result: dict[str, tuple[str, str | None]] = {}
    for key in stripped_keys:
        known = known_key(key)
        if known:
            leaders.setdefault(compact(known), known)
            result[key] = (known, SYNONYM if compact(key) != compact(known) else None)
    for key in stripped_keys:
        if key in result:
            continue
        form = _compact_key(key)
        match = next(((name, how) for leader, name in leaders.items() if (how := near_duplicate(form, leader))), None)
        if match is None:
            leaders[form] = key
            match = (key, None)
        result[key] = match
    return result


def known_key(stripped: str) -> str | None:
    """The key attribution reads (team, service, environment) that `stripped` is a spelling of, or None."""
    form = _compact_key(stripped)
    return next((key for key, synonyms in KNOWN_KEYS.items() if form in synonyms), None)


def _compact_key(stripped: str) -> str:
    # AWS's own tags never fold into a user tag: they keep their prefix.
    return "aws:" + compact(stripped[4:]) if stripped.startswith("aws:") else compact(stripped)


def _how(tag_key: str, stripped: str, normalized: str, relation: str | None) -> str:
    if stripped == normalized:
        return SAME if tag_key == normalized else STRIPPED
    return relation or SAME_COMPACT


def draft_tag_rules(folded: list[FoldedKey]) -> list[TagRuleDraft]:
    """One exact rule per stripped spelling of a key that has several (the key's own spelling first in
    priority, so it wins a conflict), and one per spelling read as another key. Rows as in tag_rules.csv."""
    spellings: dict[str, set[str]] = defaultdict(set)
    for f in folded:
        spellings[f.normalized_key].add(f.stripped_key)
    rules = []
    for normalized, keys in spellings.items():
        if keys == {normalized}:
            continue  # read as itself without a rule
        for key in keys:
            exact = key == normalized
            name = f"{normalized}_exact" if exact else f"{normalized}_from_{key}"
            rules.append(TagRuleDraft(name, key, "", normalized, EXACT_PRIORITY if exact else VARIANT_PRIORITY, True))
    return sorted(rules, key=lambda r: r.rule_name)
