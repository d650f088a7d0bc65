"""Small functions in the loaders: none over 60 lines, so each says one step and fits a screen."""

from __future__ import annotations

import ast
from pathlib import Path

LOADERS = Path(__file__).resolve().parents[2] / "loaders"
MAX_LINES = 60


def test_no_function_in_the_loaders_is_over_60_lines():
    too_long = [
        f"{path.relative_to(LOADERS)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in sorted(LOADERS.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > MAX_LINES
    ]

    assert too_long == []
