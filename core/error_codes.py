"""Every stable error code of the project, found in its source.

Clients switch on error codes, so the API publishes them as an enum (``ErrorCode`` in the SDL,
as saleor does). The list is read from the code itself, not kept by hand, so a new rule's code
can never be missing from it: every ``code="…"`` given to a call (``DomainError(…, code=…)``,
``Problem(code=…)``), every ``code = "…"`` of a ``DomainError`` kind, and the code passed by position to a function
whose ``code`` parameter is at that position (``Problem(code, …)``, a module's ``fail(…)``). The scan runs once per
process, when the schema is built.
"""

from __future__ import annotations

import ast
import os
import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SKIPPED = {".venv", "var", "bench", "tests", "node_modules", "__pycache__", "migrations"}
_CODE = re.compile(r"^[a-z][a-z0-9_]*[a-z0-9]$")
#: Codes some layers use without a literal of their own (the API's catch-all for a bug).
EXTRA = {"internal_error", "invalid"}


def _literal(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and _CODE.match(node.value):
        return node.value
    return None


def _code_positions(tree: ast.AST) -> dict[str, int]:
    """Functions of this module taking a ``code`` parameter, and its position."""
    positions = {"Problem": 0}  # core.errors.Problem(code, message, …)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            names = [a.arg for a in node.args.args]
            if "code" in names:
                positions[node.name] = names.index("code")
    return positions


def codes_in(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    positions = _code_positions(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "code" and (code := _literal(keyword.value)):
                    found.add(code)
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            index = positions.get(name)
            if index is not None and len(node.args) > index:
                if code := _literal(node.args[index]):
                    found.add(code)
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and [getattr(t, "id", None) for t in statement.targets] == ["code"]
                    and (code := _literal(statement.value))
                ):
                    found.add(code)
    return found


@lru_cache(maxsize=1)
def error_codes() -> tuple[str, ...]:
    """All codes, sorted."""
    found = set(EXTRA)
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in _SKIPPED and d[0] != "."]
        for name in files:
            if name.endswith(".py"):
                source = Path(directory, name).read_text(encoding="utf-8")
                if "code" in source:
                    found |= codes_in(ast.parse(source))
    return tuple(sorted(found))
