"""What the register's pages show, gathered in a handful of queries per page.

The four-colour map (四色分布图), the 风险公告栏 of a unit and the 岗位风险告知卡
of a post read the same register; each function here answers one page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from safety.extensions import db
from safety.models import (
    OPEN_STATUSES,
    ControlKind,
    Hazard,
    Post,
    Risk,
    RiskControl,
    RiskLevel,
    RiskPoint,
    Unit,
    User,
)
from safety.services import risk_checks, risks
from safety.services.org import holders_on, posts_held_by, unit_subtree_ids


@dataclass
class PointView:
    point: RiskPoint
    level: RiskLevel | None
    risks: list[Risk] = field(default_factory=list)
    open_hazards: int = 0

    @property
    def colour(self) -> str | None:
        return risks.colour_of(self.level) if self.level else None


def level_counts_by_unit() -> dict[int, Counter]:
    """``{unit_id: Counter(level → risks)}`` over the whole register (one query)."""
    rows = db.session.execute(
        sa.select(RiskPoint.unit_id, Risk.level, sa.func.count(Risk.id))
        .join(Risk, Risk.risk_point_id == RiskPoint.id)
        .group_by(RiskPoint.unit_id, Risk.level)
    ).all()
    out: dict[int, Counter] = {}
    for unit_id, level, n in rows:
        out.setdefault(unit_id, Counter())[level] += n
    return out


def open_hazards_by_point(point_ids: list[int]) -> dict[int, int]:
    if not point_ids:
        return {}
    rows = db.session.execute(
        sa.select(Hazard.risk_point_id, sa.func.count(Hazard.id))
        .where(Hazard.risk_point_id.in_(point_ids), Hazard.status.in_(list(OPEN_STATUSES)))
        .group_by(Hazard.risk_point_id)
    ).all()
    return dict(rows)


def point_views(unit_ids: list[int]) -> list[PointView]:
    """Risk points of the units with their risks (highest first) and open hazards."""
    points = list(
        db.session.scalars(
            sa.select(RiskPoint)
            .where(RiskPoint.unit_id.in_(unit_ids))
            .order_by(RiskPoint.unit_id, RiskPoint.id)
        )
    )
    ids = [p.id for p in points]
    by_point = risks.risks_of_points(ids)
    hazards = open_hazards_by_point(ids)
    return [
        PointView(
            point=p,
            level=by_point[p.id][0].level if by_point[p.id] else None,
            risks=by_point[p.id],
            open_hazards=hazards.get(p.id, 0),
        )
        for p in points
    ]


# --- the four-colour map ----------------------------------------------------------

MAP_COLUMNS = 4
CELL_W, CELL_H, GAP, HEAD = 220, 96, 12, 34
#: Up to this many points in a unit's subtree the map draws every one; beyond, the
#: units below are drawn as one summary cell each (linking to their own map).
MAP_DETAIL_LIMIT = 400


@dataclass
class MapCell:
    view: PointView
    x: int
    y: int
    w: int = CELL_W
    h: int = CELL_H


@dataclass
class UnitSummary:
    """A unit below, drawn as one cell: its points by the colour of their highest risk."""

    unit: Unit
    points: int
    by_level: dict[RiskLevel, int]
    open_hazards: int
    x: int = 0
    y: int = 0
    w: int = CELL_W
    h: int = CELL_H

    @property
    def level(self) -> RiskLevel | None:
        return next((lv for lv in risks.LEVEL_ORDER if self.by_level.get(lv)), None)

    @property
    def counts(self) -> list[tuple[RiskLevel, int]]:
        """(level, points) highest first, levels without points left out."""
        return [(lv, self.by_level[lv]) for lv in risks.LEVEL_ORDER if self.by_level.get(lv)]

    @property
    def colour(self) -> str | None:
        return risks.colour_of(self.level) if self.level else None


@dataclass
class MapBand:
    unit: Unit
    y: int
    height: int
    cells: list[MapCell]
    summaries: list[UnitSummary] = field(default_factory=list)


def _rank_case() -> Any:
    """SQL rank of a risk level (0 major … 3 low), so MIN gives the highest."""
    return sa.case(
        {lv.value: i for i, lv in enumerate(risks.LEVEL_ORDER)}, value=Risk.level, else_=9
    )


def _highest_by_point(unit_ids: list[int]) -> dict[int, RiskLevel]:
    """The highest risk level of every point of ``unit_ids`` (one query, one row a point)."""
    rows = db.session.execute(
        sa.select(Risk.risk_point_id, sa.func.min(_rank_case()))
        .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
        .where(RiskPoint.unit_id.in_(unit_ids))
        .group_by(Risk.risk_point_id)
    ).all()
    return {pid: risks.LEVEL_ORDER[rank] for pid, rank in rows if rank < len(risks.LEVEL_ORDER)}


def _open_hazards_by_point(unit_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Hazard.risk_point_id, sa.func.count(Hazard.id))
        .join(RiskPoint, RiskPoint.id == Hazard.risk_point_id)
        .where(RiskPoint.unit_id.in_(unit_ids), Hazard.status.in_(list(OPEN_STATUSES)))
        .group_by(Hazard.risk_point_id)
    ).all()
    return dict(rows)


def _unit_summaries(unit_ids: list[int]) -> dict[int, tuple[int, dict[RiskLevel, int], int]]:
    """Per unit: (points, points by highest level, open hazards); three grouped queries."""
    points = dict(
        db.session.execute(
            sa.select(RiskPoint.unit_id, sa.func.count(RiskPoint.id))
            .where(RiskPoint.unit_id.in_(unit_ids))
            .group_by(RiskPoint.unit_id)
        ).all()
    )
    ranked = (
        sa.select(RiskPoint.unit_id, sa.func.min(_rank_case()).label("rank"))
        .join(Risk, Risk.risk_point_id == RiskPoint.id)
        .where(RiskPoint.unit_id.in_(unit_ids))
        .group_by(RiskPoint.unit_id, RiskPoint.id)
        .subquery()
    )
    by_level: dict[int, dict[RiskLevel, int]] = {}
    for unit_id, rank, n in db.session.execute(
        sa.select(ranked.c.unit_id, ranked.c.rank, sa.func.count()).group_by(
            ranked.c.unit_id, ranked.c.rank
        )
    ).all():
        if rank < len(risks.LEVEL_ORDER):
            by_level.setdefault(unit_id, {})[risks.LEVEL_ORDER[rank]] = n
    hazards = dict(
        db.session.execute(
            sa.select(RiskPoint.unit_id, sa.func.count(Hazard.id))
            .join(RiskPoint, RiskPoint.id == Hazard.risk_point_id)
            .where(RiskPoint.unit_id.in_(unit_ids), Hazard.status.in_(list(OPEN_STATUSES)))
            .group_by(RiskPoint.unit_id)
        ).all()
    )
    return {uid: (n, by_level.get(uid, {}), hazards.get(uid, 0)) for uid, n in points.items() if n}


def unit_map(unit: Unit) -> tuple[list[MapBand], int, int]:
    """Bands (one per unit of the subtree with points) of cells laid out in a grid.

    Every point of the subtree is drawn while there are at most
    :data:`MAP_DETAIL_LIMIT`; beyond, the unit's own points are drawn and each
    unit below becomes one summary cell. The same eight statements either way,
    whatever the register's size. Returns (bands, width, height) in SVG units.
    """
    ids = unit_subtree_ids(unit.id)
    units = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)))}
    summaries = _unit_summaries(ids)
    detailed = sum(n for n, _l, _h in summaries.values()) <= MAP_DETAIL_LIMIT
    drawn = ids if detailed else [unit.id]
    points = list(
        db.session.scalars(
            sa.select(RiskPoint)
            .where(RiskPoint.unit_id.in_(drawn))
            .order_by(RiskPoint.unit_id, RiskPoint.id)
        )
    )
    levels = _highest_by_point(drawn)
    hazards = _open_hazards_by_point(drawn)
    grouped: dict[int, list[PointView]] = {}
    for p in points:
        view = PointView(point=p, level=levels.get(p.id), open_hazards=hazards.get(p.id, 0))
        grouped.setdefault(p.unit_id, []).append(view)
    bands: list[MapBand] = []
    y = GAP

    def place(index: int) -> tuple[int, int]:
        row, col = divmod(index, MAP_COLUMNS)
        return GAP + col * (CELL_W + GAP), y + HEAD + row * (CELL_H + GAP)

    def close(band_unit: Unit, cells: list[Any], summary: list[UnitSummary]) -> None:
        nonlocal y
        rows = (len(cells) + len(summary) + MAP_COLUMNS - 1) // MAP_COLUMNS
        height = HEAD + rows * (CELL_H + GAP)
        bands.append(MapBand(band_unit, y, height, cells, summary))
        y += height + GAP

    for uid in sorted((i for i in ids if i in grouped), key=lambda i: units[i].code):
        close(units[uid], [MapCell(v, *place(i)) for i, v in enumerate(grouped[uid])], [])
    if not detailed:
        below = sorted(
            (i for i in ids if i != unit.id and i in summaries), key=lambda i: units[i].code
        )
        cells = []
        for index, uid in enumerate(below):
            n, by_level, open_hazards = summaries[uid]
            cells.append(UnitSummary(units[uid], n, by_level, open_hazards, *place(index)))
        if cells:
            close(unit, [], cells)
    width = GAP + MAP_COLUMNS * (CELL_W + GAP)
    return bands, width, max(y, 120)


# --- the board and the card ----------------------------------------------------------


@dataclass
class RiskLine:
    risk: Risk
    point: RiskPoint
    controls: list[RiskControl]
    owners: dict[int, list[User]]

    @property
    def emergency(self) -> list[RiskControl]:
        return [c for c in self.controls if c.kind == ControlKind.EMERGENCY]

    @property
    def preventive(self) -> list[RiskControl]:
        return [c for c in self.controls if c.kind != ControlKind.EMERGENCY]


def _lines(found: list[Risk], today: date) -> list[RiskLine]:
    rank = {lv: i for i, lv in enumerate(risks.LEVEL_ORDER)}
    found = sorted(found, key=lambda r: (rank[r.level], r.risk_point_id, r.id))
    controls = risks.controls_of_risks([r.id for r in found])
    owners = holders_on({c.owner_post_id for cs in controls.values() for c in cs}, today)
    return [RiskLine(r, r.risk_point, controls[r.id], owners) for r in found]


def unit_board(unit: Unit, today: date) -> list[RiskLine]:
    """Every risk of the unit's subtree, highest first, with controls and owners."""
    ids = unit_subtree_ids(unit.id)
    found = list(
        db.session.scalars(
            sa.select(Risk)
            .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
            .where(RiskPoint.unit_id.in_(ids))
            .options(contains_eager(Risk.risk_point))
        )
    )
    return _lines(found, today)


def post_card(post: Post, today: date) -> list[RiskLine]:
    """The risks a post's holders must know: those it controls and those of its unit."""
    owned = sa.select(RiskControl.risk_id).where(RiskControl.owner_post_id == post.id)
    found = list(
        db.session.scalars(
            sa.select(Risk)
            .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
            .where(sa.or_(Risk.id.in_(owned), RiskPoint.unit_id == post.unit_id))
            .options(contains_eager(Risk.risk_point))
        )
    )
    return _lines(found, today)


def post_controls(post: Post) -> list[tuple[RiskControl, Risk, RiskPoint]]:
    """Controls a post owns, soonest due first."""
    rows = db.session.execute(
        sa.select(RiskControl, Risk, RiskPoint)
        .join(Risk, Risk.id == RiskControl.risk_id)
        .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
        .where(RiskControl.owner_post_id == post.id)
        .order_by(RiskControl.next_due, RiskControl.id)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def my_posts(user: User, today: date) -> list[Post]:
    """The posts ``user`` holds today (their pages and cards are linked from the register)."""
    held = posts_held_by(user, today)
    if not held:
        return []
    return list(
        db.session.scalars(
            sa.select(Post)
            .where(Post.id.in_(held))
            .options(selectinload(Post.unit))
            .order_by(Post.id)
        )
    )


def my_due_checks(user: User, today: date) -> list[tuple[RiskControl, Risk, RiskPoint]]:
    """Due or overdue controls of the posts ``user`` holds today."""
    held = posts_held_by(user, today)
    if not held:
        return []
    rows = db.session.execute(
        sa.select(RiskControl, Risk, RiskPoint)
        .join(Risk, Risk.id == RiskControl.risk_id)
        .join(RiskPoint, RiskPoint.id == Risk.risk_point_id)
        .where(RiskControl.owner_post_id.in_(held), RiskControl.next_due <= today)
        .order_by(RiskControl.next_due, RiskControl.id)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def point_page(point: RiskPoint) -> dict[str, Any]:
    """A risk point's risks with assessments, controls (with tiers) and latest checks."""
    found = risks.risks_of_points([point.id])[point.id]
    controls = risks.controls_of_risks([r.id for r in found])
    control_ids = [c.id for cs in controls.values() for c in cs]
    checks = risk_checks.checks_of(control_ids, limit=5)
    photos = risk_checks.photos_of([c.id for cs in checks.values() for c in cs])
    depths = risks.unit_depths()
    tiers = {c.id: risks.tier_of_post(c.owner_post, depths) for cs in controls.values() for c in cs}
    return {
        "risks": found,
        "assessments": risks.assessments_of_risks([r.id for r in found]),
        "controls": controls,
        "tiers": tiers,
        "checks": checks,
        "photos": photos,
        "open_hazards": open_hazards_by_point([point.id]).get(point.id, 0),
    }


def post_choices() -> list[tuple[str, str]]:
    """Every post as ``(id, "unit · title")`` for the control owner picker."""
    rows = db.session.execute(
        sa.select(Post.id, Post.title, Unit.name)
        .join(Unit, Unit.id == Post.unit_id)
        .order_by(Unit.code, Post.id)
    ).all()
    return [(str(pid), f"{unit} · {title}") for pid, title, unit in rows]
