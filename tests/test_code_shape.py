"""The shape the developers' guide asks for: no module over 1,000 lines and no
function over 100 (issue 12), so every rule stays small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

SAFETY = Path(__file__).resolve().parent.parent / "safety"


def test_no_module_over_1000_lines_and_no_function_over_100() -> None:
    too_big = []
    for path in sorted(SAFETY.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(SAFETY.parent)
        if len(source.splitlines()) > 1000:
            too_big.append(f"{name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > 100:
                    too_big.append(f"{name}:{node.lineno} {node.name}(): {length} lines")
    assert not too_big, "\n".join(too_big)
