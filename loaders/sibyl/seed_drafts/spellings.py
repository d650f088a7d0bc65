"""When two spellings are one word: the comparisons behind folded tag keys and drafted value aliases.

Deliberately narrow, because a person reviews every match and a wrong one costs more than a missed
one: the same letters without separators, a plural `s`, or one letter apart in words of five letters
or more without digits (`node-1` and `node-2` are two things, `paymnets` and `payments` one).
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-_.:/]+")
_DIGIT = re.compile(r"\d")

# What a match says in the evidence files.
SAME = "same"
SAME_CLEANED = "same once trimmed and lower-cased"
SAME_COMPACT = "same without separators"
PLURAL = "singular or plural"
ONE_LETTER = "one letter apart"
SYNONYM = "synonym"

MIN_ONE_LETTER_LENGTH = 5


def compact(text: str) -> str:
    """Lower case without spaces, dashes, underscores, dots, colons or slashes: `Team_Name` -> `teamname`."""
    return _SEPARATORS.sub("", text.strip().lower())


def near_duplicate(a: str, b: str) -> str | None:
    """How two compact spellings are one word (PLURAL or ONE_LETTER), or None."""
    if a == b:
        return SAME_COMPACT
    shorter, longer = sorted((a, b), key=len)
    if longer == shorter + "s" and len(shorter) >= 3:
        return PLURAL
    if len(shorter) >= MIN_ONE_LETTER_LENGTH and not _DIGIT.search(a + b) and _one_edit_apart(shorter, longer):
        return ONE_LETTER
    return None


def _one_edit_apart(shorter: str, longer: str) -> bool:
    """One letter inserted, removed or replaced (Levenshtein distance 1)."""
    if len(longer) - len(shorter) > 1:
        return False
    first_difference = next((i for i, (x, y) in enumerate(zip(shorter, longer[: len(shorter)], strict=True)) if x != y), len(shorter))
    if len(shorter) == len(longer):
        return first_difference < len(shorter) and shorter[first_difference + 1 :] == longer[first_difference + 1 :]
    return shorter[first_difference:] == longer[first_difference + 1 :]


def regex_literal(text: str) -> str:
    """`text` as a regex matching itself on RE2 (DuckDB) and PostgreSQL: metacharacters in brackets,
    the few a bracket cannot hold escaped. AWS tags only allow `. + - = : / @ _` and spaces besides
    letters and digits."""
    out = []
    for char in text:
        if char in ".+*?()|${}":
            out.append(f"[{char}]")
        elif char in "[]^\\":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)
