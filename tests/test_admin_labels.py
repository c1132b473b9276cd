"""Every action the services write to the audit log reads as words (issue 11)."""

from __future__ import annotations

import re
from pathlib import Path

from safety.admin.labels import OBJECTS, TYPES, VERBS, action_label, type_label
from safety.models import Base
from safety.services.hazards.actions import HANDLERS

SAFETY = Path(__file__).resolve().parent.parent / "safety"
RECORD = re.compile(r"audit\.record\(\s*[^,]+,\s*f?\"([a-z_]+)\.([a-z_{}]+)\"", re.S)


def _written_codes() -> set[str]:
    codes = set()
    for path in SAFETY.rglob("*.py"):
        for thing, verb in RECORD.findall(path.read_text(encoding="utf-8")):
            if verb == "{action}":
                codes |= {f"{thing}.{name}" for name in HANDLERS}
            else:
                codes.add(f"{thing}.{verb}")
    return codes


def test_every_action_written_has_words() -> None:
    codes = _written_codes()
    assert len(codes) > 40  # the scan found the services' calls
    raw = sorted(code for code in codes if action_label(code) == code)
    assert not raw, f"audit actions without a label: {raw}"


def test_every_audited_model_has_words() -> None:
    names = {mapper.class_.__name__ for mapper in Base.registry.mappers}
    assert set(TYPES) <= names
    assert set(TYPES.values()) <= set(OBJECTS)
    assert type_label("Hazard") == "Hazard" and type_label("Nope") == "Nope"
    assert set(VERBS)  # and the verbs are words, not codes
    assert action_label("hazard.assign") == "Hazard: assigned"
