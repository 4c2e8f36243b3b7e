"""The fence: only triage/store and triage/migrations may import SQLAlchemy or Alembic."""

from __future__ import annotations

import ast
from pathlib import Path

import triage

PACKAGE = Path(triage.__file__).resolve().parent
ALLOWED = (PACKAGE / "store", PACKAGE / "migrations")
FENCED = ("sqlalchemy", "alembic")


def _imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_the_store_imports_the_database_libraries() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if any(path.is_relative_to(allowed) for allowed in ALLOWED):
            continue
        roots = _imported_roots(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        offenders += [f"{path.relative_to(PACKAGE)}: {lib}" for lib in FENCED if lib in roots]
    assert offenders == []
