"""permissions.py reads the models and never imports services (the layers point down)."""

from __future__ import annotations

import ast
from pathlib import Path

from safety import permissions
from safety.models import queries

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_permissions_imports_no_service():
    imported = _imports(ROOT / "safety/permissions.py")
    assert not {m for m in imported if m.startswith("safety.services")}, imported


def test_the_models_level_queries_import_no_layer_above():
    imported = _imports(ROOT / "safety/models/queries.py")
    above = ("safety.services", "safety.permissions", "safety.api", "safety.matrix", "safety.org")
    assert not {m for m in imported if m.startswith(above)}, imported


def test_services_org_uses_the_same_helpers():
    from safety.services import org

    assert org.holding_filter is queries.holding_filter
    assert org.unit_ancestor_ids is queries.unit_ancestor_ids
    assert org.unit_subtree_ids is queries.unit_subtree_ids
    assert permissions.is_admin(None) is False


def test_one_is_admin_definition():
    defined = []
    for path in (ROOT / "safety").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name == "is_admin":
                defined.append(str(path.relative_to(ROOT)))
    assert defined == ["safety/permissions.py"]


def test_matrix_views_read_through_services():
    imported = _imports(ROOT / "safety/matrix/views.py")
    assert "sqlalchemy" not in imported and "safety.extensions" not in imported
    assert "db.session" not in (ROOT / "safety/matrix/views.py").read_text(encoding="utf-8")
