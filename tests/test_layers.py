"""Imports point down only (docs/layers.md), checked on the source with ``ast``.

Function-level imports count too: a lazy import still ties the layers.
Known breaches owned by other areas are listed in ``ALLOWED`` with the
reason; the list only shrinks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from safety import HTML_AREAS

SAFETY = Path(__file__).resolve().parent.parent / "safety"
BLUEPRINTS = tuple(area for area in HTML_AREAS) + ("api",)

#: (module, imported module) pairs that break a rule today, each with its owner.
ALLOWED: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(SAFETY.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, set[str]]]:
    """(module imported, names taken from it) for every import in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = (
        _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    )
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, set()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = {alias.name for alias in node.names}
            found.append((base, names))
            # ``from safety import services`` imports the module ``safety.services``.
            found.extend((f"{base}.{name}", set()) for name in names if _is_module(base, name))
    return found


def _is_module(base: str, name: str) -> bool:
    path = SAFETY.parent.joinpath(*base.split("."), name)
    return path.is_dir() or path.with_suffix(".py").is_file()


def _modules(*roots: str) -> list[Path]:
    paths: list[Path] = []
    for root in roots:
        target = SAFETY / root
        paths.extend(sorted(target.rglob("*.py")) if target.is_dir() else [target])
    return paths


def _breaches(paths: list[Path], forbidden) -> list[str]:  # noqa: ANN001
    problems = []
    for path in paths:
        module = _module_name(path)
        for imported, names in _imports(path):
            why = forbidden(module, imported, names)
            if why and (module, imported) not in ALLOWED:
                problems.append(f"{module} imports {imported} {sorted(names) or ''}: {why}")
    return problems


def _is_under(imported: str, *packages: str) -> bool:
    return any(imported == p or imported.startswith(p + ".") for p in packages)


def test_the_bottom_imports_nothing_above_it():
    """models, clock and extensions use only each other (and libraries)."""
    bottom = ("safety.models", "safety.clock", "safety.extensions")

    def forbidden(module: str, imported: str, names: set[str]) -> str | None:
        if imported in ("safety", "") and names <= {"clock"}:
            return None
        if imported.startswith("safety") and not _is_under(imported, *bottom):
            if imported == "safety" and not names:
                return None
            return "the bottom layer imports no layer above"
        return None

    problems = _breaches(_modules("models", "clock.py", "extensions.py"), forbidden)
    assert not problems, "\n".join(problems)


def test_permissions_import_no_services():
    def forbidden(module: str, imported: str, names: set[str]) -> str | None:
        return "permissions read the models" if _is_under(imported, "safety.services") else None

    problems = _breaches(_modules("permissions.py"), forbidden)
    assert not problems, "\n".join(problems)


def test_services_import_no_blueprints_or_api():
    above = tuple(f"safety.{area}" for area in BLUEPRINTS)

    def forbidden(module: str, imported: str, names: set[str]) -> str | None:
        return "services sit below the blueprints" if _is_under(imported, *above) else None

    problems = _breaches(_modules("services"), forbidden)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("area", BLUEPRINTS)
def test_blueprints_do_not_touch_the_session(area):
    def forbidden(module: str, imported: str, names: set[str]) -> str | None:
        if imported == "safety.extensions" and "db" in names:
            return "views read and write through services, never db"
        return None

    problems = _breaches(_modules(area), forbidden)
    assert not problems, "\n".join(problems)


def test_the_checker_sees_a_breach(tmp_path, monkeypatch):
    """The rules catch what they are meant to (guards against a checker that passes all)."""
    module = SAFETY / "services" / "cursors.py"
    assert any(i == "safety.services.errors" for i, _ in _imports(module))
    fake = ast.parse("from safety.extensions import db\nfrom safety.api.common import x\n")
    names = [
        (n.module, {a.name for a in n.names})
        for n in ast.walk(fake)
        if isinstance(n, ast.ImportFrom)
    ]
    assert ("safety.extensions", {"db"}) in names
