"""判定标准 as data: sets of criteria that make a hazard major (contract §7).

A set is (code, version); a published version never changes, a revision is
a new version. A major hazard names an item ``code`` of a published set:
:func:`check_criterion` is the one rule, for reports, regrades, inspection
items and risk checks alike. The 2017 chemical set ships with the
application: it is loaded by the migration and by ``demo load``, and read
from :mod:`.criteria_data` whenever a database lacks it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from safety.extensions import db
from safety.models import CriteriaItem, CriteriaSet, HazardLevel
from safety.services.errors import ValidationError
from safety.services.hazards.criteria_data import CHEMICAL_2017

BUILTIN = (CHEMICAL_2017,)


@dataclass(frozen=True)
class Criteria:
    """A published set as the API and forms show it."""

    code: str
    title: str
    version: str
    items: list[tuple[str, str]]


def criteria_sets() -> list[Criteria]:
    """Every published set, built-in ones included even when not in the database."""
    rows = db.session.scalars(
        sa.select(CriteriaSet)
        .where(CriteriaSet.published.is_(True))
        .options(selectinload(CriteriaSet.items))
        .order_by(CriteriaSet.code, CriteriaSet.id)
    ).all()
    result = [
        Criteria(s.code, s.title, s.version, [(i.code, i.text) for i in s.items]) for s in rows
    ]
    stored = {(s.code, s.version) for s in rows}
    for data in BUILTIN:
        if (data["code"], data["version"]) not in stored:
            result.insert(0, Criteria(data["code"], data["title"], data["version"], data["items"]))
    return result


def criterion_texts() -> dict[str, str]:
    """Item code → text over every published set (the latest version wins)."""
    return {code: text for s in criteria_sets() for code, text in s.items}


def check_criterion(
    level: HazardLevel | str | None, criterion: Any, errors: dict[str, str] | None = None
) -> str | None:
    """The criterion a hazard of ``level`` carries: required and known for a major.

    With ``errors`` the message is added under ``criterion``; without, a
    :class:`ValidationError` naming ``criterion`` is raised. A general
    hazard carries none (use ``basis``). Callers: hazard reports, regrades,
    inspection items and risk checks.
    """
    if level is None or HazardLevel(level) != HazardLevel.MAJOR:
        return None
    code = criterion.strip() if isinstance(criterion, str) else None
    message = None
    if not code:
        message = _("A major hazard needs the criterion (判定标准) it meets.")
    elif code not in criterion_texts():
        message = _("No published criterion has the code %(code)s.", code=code)
    if message is None:
        return code
    if errors is None:
        raise ValidationError({"criterion": message})
    errors["criterion"] = message
    return None


def _add_set(data: dict[str, Any]) -> CriteriaSet:
    criteria_set = CriteriaSet(
        code=data["code"], title=data["title"], version=str(data["version"]), published=True
    )
    for position, (code, text) in enumerate(data["items"], start=1):
        criteria_set.items.append(CriteriaItem(code=code, text=text, position=position))
    db.session.add(criteria_set)
    return criteria_set


def ensure_builtin_criteria() -> int:
    """Store the shipped sets that are missing (idempotent); flush, no commit."""
    added = 0
    for data in BUILTIN:
        exists = db.session.scalar(
            sa.select(CriteriaSet.id).where(
                CriteriaSet.code == data["code"], CriteriaSet.version == data["version"]
            )
        )
        if exists is None:
            _add_set(data)
            added += 1
    db.session.flush()
    return added


class CriteriaImportError(ValueError):
    """A bad file or row; the message names it."""


def _read(path: Path) -> dict[str, Any]:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CriteriaImportError(f"{path.name}: {error}") from None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_excel(path)
    raise CriteriaImportError(f"{path.name}: give a .json or .xlsx file")


def _read_excel(path: Path) -> dict[str, Any]:
    """Sheet 1: A1 code, B1 title, C1 version; then one item per row (code, text)."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    except Exception as error:  # openpyxl raises many kinds for a bad file
        raise CriteriaImportError(f"{path.name}: {error}") from None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    if not rows or len(rows[0]) < 3:
        raise CriteriaImportError("row 1: give code, title and version in A1:C1")
    code, title, version = rows[0][:3]
    items = [
        {"code": r[0], "text": r[1] if len(r) > 1 else None}
        for r in rows[1:]
        if any(v not in (None, "") for v in r)
    ]
    return {"code": code, "title": title, "version": version, "items": items, "_first_row": 2}


def import_criteria(path: str | Path) -> tuple[str, str, int]:
    """Add a set from JSON ``{code, title, version, items: [{code, text}]}`` or Excel.

    A (code, version) already stored is refused (a published version never
    changes); an item code used by another set is refused; nothing is
    written unless every row is good. Commits.

    :raise CriteriaImportError: naming the bad row or field.
    """
    data = _read(Path(path))
    if not isinstance(data, dict):
        raise CriteriaImportError("the file must hold one object")
    first = int(data.get("_first_row", 1))
    head = {k: str(data.get(k) or "").strip() for k in ("code", "title", "version")}
    for key, value in head.items():
        if not value:
            raise CriteriaImportError(f"{key}: required")
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise CriteriaImportError("items: give at least one item")
    ensure_builtin_criteria()
    if db.session.scalar(
        sa.select(CriteriaSet.id).where(
            CriteriaSet.code == head["code"], CriteriaSet.version == head["version"]
        )
    ):
        raise CriteriaImportError(f"{head['code']} version {head['version']} is already published")
    taken = set(
        db.session.scalars(
            sa.select(CriteriaItem.code)
            .join(CriteriaSet, CriteriaSet.id == CriteriaItem.set_id)
            .where(CriteriaSet.code != head["code"])
        )
    )
    seen: set[str] = set()
    parsed: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        row = f"row {index + first}" if "_first_row" in data else f"items[{index}]"
        code = str((item or {}).get("code") or "").strip() if isinstance(item, dict) else ""
        text = str((item or {}).get("text") or "").strip() if isinstance(item, dict) else ""
        if not code or not text:
            raise CriteriaImportError(f"{row}: code and text are required")
        if len(code) > 64:
            raise CriteriaImportError(f"{row}: code longer than 64 characters")
        if code in seen or code in taken:
            raise CriteriaImportError(f"{row}: code {code} is used twice")
        seen.add(code)
        parsed.append((code, text))
    _add_set({**head, "items": parsed})
    db.session.commit()
    return head["code"], head["version"], len(parsed)
