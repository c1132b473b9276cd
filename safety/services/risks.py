"""The risk register (安全风险分级管控): grade risks, place controls at the right tier.

Rules kept here, each in one place:

* **Grading** (:func:`grade`): LEC ``score = l·e·c`` on the standard scales,
  major ≥ 320, high ≥ 160, medium ≥ 70, else low; LS ``score = l·s`` with
  ``l``, ``s`` in 1–5, major ≥ 20, high ≥ 15, medium ≥ 9, else low; a
  ``direct_major_reason`` (直接判定) makes it major whatever the score.
* **Tiers** (:func:`tier_of_depth`): a control's tier follows where its owner
  post sits: root unit company, its children plant, theirs workshop, deeper team.
* **分级管控** (:func:`find_risk_gaps`): a risk needs a control at the tier its
  level asks for or higher.

Checks (排查) live in :mod:`safety.services.risk_checks`. Every writer here
is one transaction with an audit record; time is always an argument.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from safety import permissions
from safety.clock import local_date
from safety.extensions import db
from safety.models import (
    AssessmentMethod,
    ControlKind,
    ControlTier,
    Post,
    PostHolder,
    Risk,
    RiskAssessment,
    RiskControl,
    RiskLevel,
    RiskPoint,
    RiskPointKind,
    Unit,
    User,
)
from safety.services import audit
from safety.services.errors import Forbidden, ValidationError
from safety.services.org import holding_filter
from safety.services.validation import choice as _choice
from safety.services.validation import raise_if_any as _raise
from safety.services.validation import ref as _ref

# --- scales and levels ------------------------------------------------------------

#: LEC scales (作业条件危险性分析法): value → meaning, highest first.
LEC_L = [
    (10.0, _l("Fully expected")),
    (6.0, _l("Quite possible")),
    (3.0, _l("Possible but unusual")),
    (1.0, _l("Remotely possible")),
    (0.5, _l("Conceivable but very unlikely")),
    (0.2, _l("Practically impossible")),
    (0.1, _l("Virtually impossible")),
]
LEC_E = [
    (10.0, _l("Continuous")),
    (6.0, _l("Daily during working hours")),
    (3.0, _l("Weekly, or now and then")),
    (2.0, _l("Once a month")),
    (1.0, _l("A few times a year")),
    (0.5, _l("Very rarely")),
]
LEC_C = [
    (100.0, _l("Catastrophe, many deaths")),
    (40.0, _l("Disaster, several deaths")),
    (15.0, _l("Very serious, one death")),
    (7.0, _l("Serious, severe injury")),
    (3.0, _l("Important, disabling injury")),
    (1.0, _l("Noticeable, needs first aid")),
]
#: LS (风险矩阵): likelihood and severity, 1–5.
LS_L = [
    (5.0, _l("Likely to happen often")),
    (4.0, _l("Likely to happen now and then")),
    (3.0, _l("Could happen")),
    (2.0, _l("Unlikely")),
    (1.0, _l("Very unlikely")),
]
LS_S = [
    (5.0, _l("Several deaths, or a major loss")),
    (4.0, _l("One death, or a large loss")),
    (3.0, _l("Serious injury")),
    (2.0, _l("Minor injury")),
    (1.0, _l("Slight, first aid")),
]
SCALES: dict[AssessmentMethod, dict[str, list[tuple[float, Any]]]] = {
    AssessmentMethod.LEC: {"l": LEC_L, "e": LEC_E, "c": LEC_C},
    AssessmentMethod.LS: {"l": LS_L, "s": LS_S},
}
#: (lowest score, level), highest first, per method.
THRESHOLDS: dict[AssessmentMethod, list[tuple[float, RiskLevel]]] = {
    AssessmentMethod.LEC: [(320, RiskLevel.MAJOR), (160, RiskLevel.HIGH), (70, RiskLevel.MEDIUM)],
    AssessmentMethod.LS: [(20, RiskLevel.MAJOR), (15, RiskLevel.HIGH), (9, RiskLevel.MEDIUM)],
}
COLOURS = {
    RiskLevel.MAJOR: "red",
    RiskLevel.HIGH: "orange",
    RiskLevel.MEDIUM: "yellow",
    RiskLevel.LOW: "blue",
}
#: Fill colours of the map and the boards (GB 2893 safety colours).
HEX = {"red": "#d7191c", "orange": "#f28e2b", "yellow": "#ffd92f", "blue": "#1f6fa8"}
#: The colours' words (a colour is never shown without its word).
COLOUR_WORDS = {
    "red": _l("red"),
    "orange": _l("orange"),
    "yellow": _l("yellow"),
    "blue": _l("blue"),
}
LEVEL_ORDER = (RiskLevel.MAJOR, RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)
LEVEL_LABELS = {
    RiskLevel.MAJOR: _l("Major risk (red)"),
    RiskLevel.HIGH: _l("High risk (orange)"),
    RiskLevel.MEDIUM: _l("Medium risk (yellow)"),
    RiskLevel.LOW: _l("Low risk (blue)"),
}
KIND_LABELS = {
    RiskPointKind.INSTALLATION: _l("Installation or facility"),
    RiskPointKind.PLACE: _l("Place"),
    RiskPointKind.ACTIVITY: _l("Work activity"),
}
CONTROL_LABELS = {
    ControlKind.ENGINEERING: _l("Engineering measures"),
    ControlKind.MANAGEMENT: _l("Management measures"),
    ControlKind.TRAINING: _l("Training and education"),
    ControlKind.PPE: _l("Personal protection"),
    ControlKind.EMERGENCY: _l("Emergency measures"),
}
TIER_ORDER = (ControlTier.COMPANY, ControlTier.PLANT, ControlTier.WORKSHOP, ControlTier.TEAM)
TIER_LABELS = {
    ControlTier.COMPANY: _l("Company"),
    ControlTier.PLANT: _l("Plant"),
    ControlTier.WORKSHOP: _l("Workshop"),
    ControlTier.TEAM: _l("Team"),
}
#: 分级管控: the lowest tier that may own a risk of each level.
REQUIRED_TIER = {
    RiskLevel.MAJOR: ControlTier.COMPANY,
    RiskLevel.HIGH: ControlTier.PLANT,
    RiskLevel.MEDIUM: ControlTier.WORKSHOP,
    RiskLevel.LOW: ControlTier.TEAM,
}
RISK_GAP_TYPES = ("risk_without_control", "risk_tier_too_low", "control_owner_vacant")
MAX_CHECK_DAYS = 366


def colour_of(level: RiskLevel | str) -> str:
    return COLOURS[RiskLevel(level)]


def level_from_score(method: AssessmentMethod, score: float) -> RiskLevel:
    """The level a score falls in, by the method's thresholds (lower bounds inclusive)."""
    for lowest, level in THRESHOLDS[method]:
        if score >= lowest - 1e-9:
            return level
    return RiskLevel.LOW


def tier_of_depth(depth: int) -> ControlTier:
    """Root unit → company, its children → plant, theirs → workshop, deeper → team."""
    return TIER_ORDER[min(max(depth, 0), len(TIER_ORDER) - 1)]


def tier_satisfies(tier: ControlTier, level: RiskLevel) -> bool:
    """Whether a control of ``tier`` is high enough for a risk of ``level``."""
    return TIER_ORDER.index(tier) <= TIER_ORDER.index(REQUIRED_TIER[level])


def unit_depths(parents: Mapping[int, int | None] | None = None) -> dict[int, int]:
    """Depth of every unit in the tree (root 0): from ``parents`` or one query."""
    if parents is None:
        parents = dict(db.session.execute(sa.select(Unit.id, Unit.parent_id)).all())
    depths: dict[int, int] = {}
    for uid in parents:
        chain: list[int] = []
        current: int | None = uid
        while current is not None and current not in depths and current not in chain:
            chain.append(current)
            current = parents.get(current)
        base = depths.get(current, -1) if current is not None else -1
        for offset, cid in enumerate(reversed(chain), start=1):
            depths[cid] = base + offset
    return depths


def tier_of_post(post: Post, depths: Mapping[int, int] | None = None) -> ControlTier:
    depths = depths if depths is not None else unit_depths()
    return tier_of_depth(depths.get(post.unit_id, 0))


# --- grading -----------------------------------------------------------------------


@dataclass(frozen=True)
class Grade:
    method: AssessmentMethod
    l: float  # noqa: E741
    e: float | None
    c: float | None
    s: float | None
    direct_major_reason: str | None
    score: float
    level: RiskLevel

    @property
    def colour(self) -> str:
        return COLOURS[self.level]


def _number(errors: dict[str, str], name: str, value: Any) -> float | None:
    if value is None or value == "":
        errors[name] = _("This field is required.")
        return None
    if isinstance(value, bool):
        errors[name] = _("Must be a number.")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors[name] = _("Must be a number.")
        return None
    if not math.isfinite(number):
        errors[name] = _("Must be a number.")
        return None
    return number


def _on_scale(
    errors: dict[str, str], name: str, value: Any, scale: list[tuple[float, Any]]
) -> float | None:
    number = _number(errors, name, value)
    if number is None:
        return None
    for allowed, _meaning in scale:
        if abs(number - allowed) < 1e-9:
            return allowed
    values = ", ".join(f"{v:g}" for v, _m in sorted(scale))
    errors[name] = _("Off the scale; allowed values: %(values)s.", values=values)
    return None


def _text(
    errors: dict[str, str], name: str, value: Any, *, required: bool = False, max_len: int = 300
) -> str | None:
    if value is not None and not isinstance(value, str):
        errors[name] = _("Must be text.")
        return None
    text = (value or "").strip()
    if not text:
        if required:
            errors[name] = _("This field is required.")
        return None
    if has_control_chars(text):
        errors[name] = _("Must not contain control characters.")
        return None
    if len(text) > max_len:
        errors[name] = _("At most %(n)d characters.", n=max_len)
        return None
    return text


def has_control_chars(text: str) -> bool:
    """Control characters (other than line breaks and tabs) are refused in text input."""
    return any((ord(ch) < 32 and ch not in "\n\r\t") or ord(ch) == 127 for ch in text)


def grade(data: Mapping[str, Any], errors: dict[str, str]) -> Grade | None:
    """Validate an assessment's fields into a :class:`Grade` (or fill ``errors``)."""
    method = _choice(errors, "method", AssessmentMethod, data.get("method"))
    reason = _text(errors, "direct_major_reason", data.get("direct_major_reason"), max_len=2000)
    if method is None:
        return None
    scales = SCALES[method]
    values = {
        name: _on_scale(errors, name, data.get(name), scale) for name, scale in scales.items()
    }
    if any(v is None for v in values.values()):
        return None
    score = round(math.prod(values.values()), 2)
    level = RiskLevel.MAJOR if reason else level_from_score(method, score)
    return Grade(
        method=method,
        l=values["l"],
        e=values.get("e"),
        c=values.get("c"),
        s=values.get("s"),
        direct_major_reason=reason,
        score=score,
        level=level,
    )


# --- the register ------------------------------------------------------------------


def _require_editor(actor: User | None, unit_id: int, today: date) -> None:
    if not permissions.can_edit_risk_register(actor, unit_id, today):
        raise Forbidden(
            _(
                "Only administrators and holders of main or supervision responsibility "
                "for this unit edit its risk register."
            )
        )


def _mapping(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValidationError({"_body": _("Expected an object.")})
    return data


def create_risk_point(
    actor: User | None, data: Mapping[str, Any], *, now: datetime, today: date
) -> RiskPoint:
    """Add a risk point (风险点) to a unit.

    :raise ValidationError: naming each bad field; :raise Forbidden: not an editor.
    """
    data = _mapping(data)
    errors: dict[str, str] = {}
    unit = _ref(errors, "unit_id", Unit, data.get("unit_id"), required=True)
    name = _text(errors, "name", data.get("name"), required=True, max_len=200)
    kind = _choice(errors, "kind", RiskPointKind, data.get("kind"))
    description = _text(errors, "description", data.get("description"), max_len=20000)
    location = _text(errors, "location", data.get("location"), max_len=300)
    if unit is None and "unit_id" in errors:
        _raise(errors)
    _require_editor(actor, unit.id, today)
    _raise(errors)
    point = RiskPoint(
        unit_id=unit.id,
        name=name,
        kind=kind,
        description=description,
        location=location,
        created_by_id=actor.id if actor else None,
        created_at=now,
    )
    db.session.add(point)
    audit.record(actor, "risk_point.create", point, {"unit_id": unit.id, "name": name}, now=now)
    db.session.commit()
    return point


def add_assessment(risk: Risk, g: Grade, actor: User | None, now: datetime) -> RiskAssessment:
    assessment = RiskAssessment(
        risk_id=risk.id,
        method=g.method,
        l=g.l,
        e=g.e,
        c=g.c,
        s=g.s,
        direct_major_reason=g.direct_major_reason,
        score=g.score,
        level=g.level,
        at=now,
        by_id=actor.id if actor else None,
    )
    db.session.add(assessment)
    risk.method, risk.score, risk.level, risk.assessed_at = g.method, g.score, g.level, now
    return assessment


def create_risk(
    actor: User | None, point: RiskPoint, data: Mapping[str, Any], *, now: datetime, today: date
) -> Risk:
    """Add a risk (风险事件) to a point with its first assessment."""
    data = _mapping(data)
    _require_editor(actor, point.unit_id, today)
    errors: dict[str, str] = {}
    event = _text(errors, "event", data.get("event"), required=True)
    consequence = _text(errors, "consequence", data.get("consequence"))
    g = grade(data, errors)
    _raise(errors)
    assert g is not None
    risk = Risk(
        risk_point_id=point.id,
        event=event,
        consequence=consequence,
        method=g.method,
        score=g.score,
        level=g.level,
        assessed_at=now,
        created_at=now,
    )
    db.session.add(risk)
    db.session.flush()
    add_assessment(risk, g, actor, now)
    audit.record(
        actor,
        "risk.create",
        risk,
        {"risk_point_id": point.id, "event": event, "score": g.score, "level": g.level},
        now=now,
    )
    db.session.commit()
    return risk


def assess_risk(
    actor: User | None, risk: Risk, data: Mapping[str, Any], *, now: datetime, today: date
) -> RiskAssessment:
    """Re-assess a risk; the earlier assessments stay as its history."""
    data = _mapping(data)
    _require_editor(actor, risk.risk_point.unit_id, today)
    errors: dict[str, str] = {}
    g = grade(data, errors)
    _raise(errors)
    assert g is not None
    before = (risk.score, risk.level)
    assessment = add_assessment(risk, g, actor, now)
    audit.record(
        actor,
        "risk.assess",
        risk,
        {"score": [before[0], g.score], "level": [before[1], g.level]},
        now=now,
    )
    db.session.commit()
    return assessment


def create_control(
    actor: User | None, risk: Risk, data: Mapping[str, Any], *, now: datetime, today: date
) -> RiskControl:
    """Add a control (管控措施) owned by a post; its first check is due at once."""
    data = _mapping(data)
    _require_editor(actor, risk.risk_point.unit_id, today)
    errors: dict[str, str] = {}
    kind = _choice(errors, "kind", ControlKind, data.get("kind"))
    text = _text(errors, "text", data.get("text"), required=True, max_len=4000)
    post = _ref(errors, "owner_post_id", Post, data.get("owner_post_id"), required=True)
    every = data.get("check_every_days")
    if every is None or every == "":
        errors["check_every_days"] = _("This field is required.")
    elif isinstance(every, bool) or not isinstance(every, int | str):
        errors["check_every_days"] = _("Must be a whole number of days.")
    else:
        try:
            every = int(every)
        except ValueError:
            errors["check_every_days"] = _("Must be a whole number of days.")
        else:
            if not 1 <= every <= MAX_CHECK_DAYS:
                errors["check_every_days"] = _("Between 1 and %(n)d days.", n=MAX_CHECK_DAYS)
    _raise(errors)
    control = RiskControl(
        risk_id=risk.id,
        kind=kind,
        text=text,
        owner_post_id=post.id,
        check_every_days=every,
        next_due=local_date(now),
        created_by_id=actor.id if actor else None,
        created_at=now,
    )
    db.session.add(control)
    audit.record(
        actor,
        "risk_control.create",
        control,
        {"risk_id": risk.id, "owner_post_id": post.id, "kind": kind, "every": every},
        now=now,
    )
    db.session.commit()
    return control


# --- reading -----------------------------------------------------------------------


def highest_levels(point_ids: list[int]) -> dict[int, RiskLevel]:
    """The highest risk level of each point (points without risks left out)."""
    if not point_ids:
        return {}
    result: dict[int, RiskLevel] = {}
    rank = {lv: i for i, lv in enumerate(LEVEL_ORDER)}
    rows = db.session.execute(
        sa.select(Risk.risk_point_id, Risk.level).where(Risk.risk_point_id.in_(point_ids))
    ).all()
    for pid, level in rows:
        if pid not in result or rank[level] < rank[result[pid]]:
            result[pid] = level
    return result


def points_of_unit(unit_id: int) -> list[RiskPoint]:
    return list(
        db.session.scalars(
            sa.select(RiskPoint).where(RiskPoint.unit_id == unit_id).order_by(RiskPoint.id)
        )
    )


def risks_of_points(point_ids: list[int]) -> dict[int, list[Risk]]:
    result: dict[int, list[Risk]] = {pid: [] for pid in point_ids}
    if point_ids:
        rank = {lv: i for i, lv in enumerate(LEVEL_ORDER)}
        rows = db.session.scalars(sa.select(Risk).where(Risk.risk_point_id.in_(point_ids)))
        for risk in sorted(rows, key=lambda r: (rank[r.level], r.id)):
            result[risk.risk_point_id].append(risk)
    return result


def controls_of_risks(risk_ids: list[int]) -> dict[int, list[RiskControl]]:
    result: dict[int, list[RiskControl]] = {rid: [] for rid in risk_ids}
    if risk_ids:
        rows = db.session.scalars(
            sa.select(RiskControl)
            .where(RiskControl.risk_id.in_(risk_ids))
            .options(selectinload(RiskControl.owner_post).selectinload(Post.unit))
            .order_by(RiskControl.id)
        )
        for control in rows:
            result[control.risk_id].append(control)
    return result


def assessments_of(risk: Risk) -> list[RiskAssessment]:
    """A risk's assessments, newest first."""
    return assessments_of_risks([risk.id])[risk.id]


def assessments_of_risks(risk_ids: list[int]) -> dict[int, list[RiskAssessment]]:
    """Each risk's assessments, newest first (one query for any number of risks)."""
    result: dict[int, list[RiskAssessment]] = {rid: [] for rid in risk_ids}
    if risk_ids:
        rows = db.session.scalars(
            sa.select(RiskAssessment)
            .where(RiskAssessment.risk_id.in_(risk_ids))
            .order_by(RiskAssessment.id.desc())
        )
        for assessment in rows:
            result[assessment.risk_id].append(assessment)
    return result


# --- 分级管控 gaps -------------------------------------------------------------------


def _held_post_ids(post_ids: set[int], today: date) -> set[int]:
    if not post_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(PostHolder.post_id)
            .join(User, User.id == PostHolder.user_id)
            .where(PostHolder.post_id.in_(post_ids), holding_filter(today), User.active.is_(True))
            .distinct()
        )
    )


def find_risk_gaps(
    today: date, parents: Mapping[int, int | None] | None = None
) -> list[dict[str, Any]]:
    """The register's gaps on ``today`` in the matrix's gap shape.

    One query when the register is empty, two otherwise (three without
    ``parents``, the unit tree as ``{id: parent_id}``), however big it is.
    ``risk_without_control`` and ``risk_tier_too_low`` carry ``risk_id``,
    ``risk_point_id`` and the point's ``unit_id``; ``control_owner_vacant``
    carries ``post_id``, its ``unit_id`` and the ``control_ids`` it owns.
    """
    rows = db.session.execute(
        sa.select(
            Risk.id,
            Risk.event,
            Risk.level,
            RiskPoint.id,
            RiskPoint.name,
            RiskPoint.unit_id,
            RiskControl.id,
            Post.id,
            Post.title,
            Post.unit_id,
            Unit.name,
        )
        .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
        .outerjoin(RiskControl, RiskControl.risk_id == Risk.id)
        .outerjoin(Post, Post.id == RiskControl.owner_post_id)
        .outerjoin(Unit, Unit.id == Post.unit_id)
        .order_by(RiskPoint.unit_id, RiskPoint.id, Risk.id, RiskControl.id)
    ).all()
    if not rows:
        return []
    depths = unit_depths(parents)
    risks = list(dict.fromkeys(tuple(r[:6]) for r in rows))
    controls = [(r[6], r[0], *r[7:]) for r in rows if r[6] is not None]
    tiers: dict[int, list[ControlTier]] = {}
    for _cid, rid, _pid, _title, unit_id, _unit in controls:
        tiers.setdefault(rid, []).append(tier_of_depth(depths.get(unit_id, 0)))
    gaps: list[dict[str, Any]] = []
    for rid, event, level, pid, point_name, unit_id in risks:
        base = {"unit_id": unit_id, "risk_id": rid, "risk_point_id": pid}
        if rid not in tiers:
            message = _(
                "The risk “%(event)s” at %(point)s has no control.", event=event, point=point_name
            )
            gaps.append({"type": "risk_without_control", **base, "message": message})
        elif not any(tier_satisfies(t, level) for t in tiers[rid]):
            message = _(
                "The risk “%(event)s” at %(point)s is %(level)s but no control is owned at "
                "%(tier)s level or above.",
                event=event,
                point=point_name,
                level=LEVEL_LABELS[level],
                tier=TIER_LABELS[REQUIRED_TIER[level]],
            )
            gaps.append({"type": "risk_tier_too_low", **base, "message": message})
    owners: dict[int, tuple[str, int, list[int]]] = {}
    for cid, _rid, post_id, title, unit_id, unit_name in controls:
        owners.setdefault(post_id, (f"{title} ({unit_name})", unit_id, []))[2].append(cid)
    held = _held_post_ids(set(owners), today)
    for post_id, (title, unit_id, control_ids) in sorted(owners.items()):
        if post_id not in held:
            message = _(
                "%(post)s owns %(n)d risk control(s) but nobody holds it today.",
                post=title,
                n=len(control_ids),
            )
            gaps.append(
                {
                    "type": "control_owner_vacant",
                    "unit_id": unit_id,
                    "post_id": post_id,
                    "control_ids": sorted(control_ids),
                    "message": message,
                }
            )
    return gaps
