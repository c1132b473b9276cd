"""A generated organisation of any size, for benchmarks (``flask demo scale``).

About ``people`` people in a unit tree (group → plants → workshops), each
holding one post, with main and supervision responsibilities per unit, and
``hazards`` hazards spread over statuses, grades, units and deadlines (past
and future), with inspections and risk points in proportion. Rows go in with
bulk inserts (one statement per few thousand rows), so 100k hazards take
seconds, not minutes. Every run adds a new organisation beside what is there.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from safety import clock
from safety.extensions import db
from safety.models import (
    AssessmentMethod,
    CriteriaItem,
    Hazard,
    HazardCounter,
    Inspection,
    InspectionItem,
    Post,
    PostHolder,
    Responsibility,
    Risk,
    RiskAssessment,
    RiskControl,
    RiskPoint,
    Unit,
    User,
)
from safety.services import bulk, tallies
from safety.services import hazards as hazards_svc
from safety.services.passwords import hash_password
from safety.services.risks import level_from_score

PASSWORD = "scale12345"
#: (status, share): the register's usual spread.
STATUSES = [
    ("reported", 0.10),
    ("rectifying", 0.35),
    ("pending_verification", 0.10),
    ("closed", 0.40),
    ("void", 0.05),
]
TITLES = [
    "消防通道堆放杂物",
    "防护栏松动",
    "压力表超期未检",
    "可燃气体报警器失灵",
    "电缆桥架盖板缺失",
    "安全阀铅封损坏",
    "受限空间未挂警示牌",
    "液氨管线法兰渗漏",
]


@dataclass
class Org:
    tag: str
    unit_ids: list[int] = field(default_factory=list)
    #: unit_id → post ids of that unit (the head's first).
    posts: dict[int, list[int]] = field(default_factory=dict)
    people: int = 0


def _insert(model: type, rows: list[dict[str, Any]]) -> list[int]:
    return bulk.insert_rows(db.session.connection(), model, rows)


def _tag() -> str:
    count = (
        db.session.scalar(
            sa.select(sa.func.count()).where(Unit.code.like("SCALE%"), Unit.parent_id.is_(None))
        )
        or 0
    )
    return f"SCALE{count + 1}"


def _units(org: Org, people: int, now: datetime) -> list[tuple[int, int]]:
    """The tree; ``(unit_id, depth)`` for each unit."""
    plants = max(1, people // 250)
    (root,) = _insert(
        Unit,
        [
            {
                "name": f"规模测试集团 {org.tag}",
                "code": f"{org.tag}",
                "parent_id": None,
                "created_at": now,
            }
        ],
    )
    plant_ids = _insert(
        Unit,
        [
            {
                "name": f"分厂{p + 1}",
                "code": f"{org.tag}-P{p + 1}",
                "parent_id": root,
                "created_at": now,
            }
            for p in range(plants)
        ],
    )
    rows = [
        {
            "name": f"分厂{p + 1}车间{w + 1}",
            "code": f"{org.tag}-P{p + 1}-W{w + 1}",
            "parent_id": pid,
            "created_at": now,
        }
        for p, pid in enumerate(plant_ids)
        for w in range(5)
    ]
    workshop_ids = _insert(Unit, rows)
    org.unit_ids = [root, *plant_ids, *workshop_ids]
    return [(root, 0), *((u, 1) for u in plant_ids), *((u, 2) for u in workshop_ids)]


def _posts_and_people(org: Org, tree: list[tuple[int, int]], people: int, now: datetime) -> None:
    """A head and a safety officer per unit, operators for the rest; one holder each."""
    levels = {0: "decision", 1: "management", 2: "management"}
    posts: list[dict[str, Any]] = []
    for unit_id, depth in tree:
        posts.append(
            {"title": "负责人", "unit_id": unit_id, "level": levels[depth], "created_at": now}
        )
        posts.append(
            {"title": "安全员", "unit_id": unit_id, "level": "operation", "created_at": now}
        )
    workshops = [u for u, depth in tree if depth == 2] or [tree[0][0]]
    for i in range(max(0, people - len(posts))):
        posts.append(
            {
                "title": f"操作工{i + 1}",
                "unit_id": workshops[i % len(workshops)],
                "level": "operation",
                "created_at": now,
            }
        )
    post_ids = _insert(Post, posts)
    by_unit_head = {}
    for post_id, row in zip(post_ids, posts, strict=True):
        org.posts.setdefault(row["unit_id"], []).append(post_id)
        if row["title"] == "负责人":
            by_unit_head[row["unit_id"]] = post_id
    parent = dict(
        db.session.execute(
            sa.select(Unit.id, Unit.parent_id).where(Unit.id.in_(org.unit_ids))
        ).all()
    )
    superiors = [
        {
            "pid": pid,
            "sup": by_unit_head.get(parent.get(row["unit_id"]))
            if row["title"] == "负责人"
            else by_unit_head[row["unit_id"]],
        }
        for pid, row in zip(post_ids, posts, strict=True)
    ]
    db.session.execute(
        sa.update(Post.__table__)
        .where(Post.__table__.c.id == sa.bindparam("pid"))
        .values(superior_post_id=sa.bindparam("sup")),
        [s for s in superiors if s["sup"] is not None and s["sup"] != s["pid"]],
    )
    digest = hash_password(PASSWORD)
    users = [
        {
            "email": f"{org.tag.lower()}-{i + 1}@scale.safety",
            "name": f"测试{org.tag[5:]}-{i + 1}",
            "password_hash": digest,
            "locale": "zh_CN",
            "is_admin": False,
            "active": True,
            "session_nonce": f"{org.tag}-{i}",
            "failed_logins": 0,
            "created_at": now,
        }
        for i in range(len(post_ids))
    ]
    user_ids = _insert(User, users)
    _insert(
        PostHolder,
        [
            {"post_id": p, "user_id": u, "start_date": date(2020, 1, 1), "created_at": now}
            for p, u in zip(post_ids, user_ids, strict=True)
        ],
    )
    duties = []
    for unit_id, unit_posts in org.posts.items():
        duties.append(
            {"post_id": unit_posts[0], "unit_id": unit_id, "kind": "main", "created_at": now}
        )
        duties.append(
            {"post_id": unit_posts[1], "unit_id": unit_id, "kind": "supervision", "created_at": now}
        )
    _insert(Responsibility, duties)
    org.people = len(user_ids)


def _status(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for status, share in STATUSES:
        total += share
        if roll < total:
            return status
    return "closed"


def _instant(day: date, rng: random.Random) -> datetime:
    local = datetime.combine(day, time(8 + rng.randrange(9), rng.randrange(60)), tzinfo=clock.tz())
    return local.astimezone(UTC)


_ASSIGNED = (
    "accountable_post_id",
    "deadline",
    "measures",
    "funds",
    "contingency_plan",
    "assigned_at",
)


def _hazard_row(
    org: Org, rng: random.Random, today: date, criterion: str | None, now: datetime
) -> dict[str, Any]:
    unit_id = rng.choice(org.unit_ids)
    found = today - timedelta(days=rng.randrange(730))
    status = _status(rng)
    major = criterion is not None and rng.random() < 0.03
    row: dict[str, Any] = {
        "title": rng.choice(TITLES),
        "description": "规模测试数据",
        "location": f"{rng.randrange(1, 40)}号区域",
        "unit_id": unit_id,
        "level": "major" if major else "general",
        "criterion": criterion if major else None,
        "status": status,
        "found_at": _instant(found, rng),
        "found_on": found,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "repeat": False,
        "stop_work": False,
        "extension_count": 0,
        "listed_for_supervision": False,
        **dict.fromkeys(_ASSIGNED + ("submitted_at", "closed_at", "verified_at")),
    }
    if status in ("reported", "void"):
        return row
    deadline = found + timedelta(days=rng.randrange(7, 60))
    row.update(
        accountable_post_id=rng.choice(org.posts[unit_id]),
        deadline=deadline,
        measures="按五定要求整改",
        funds=Decimal(rng.randrange(0, 50000)),
        contingency_plan="设置警戒区，专人监护",
        assigned_at=_instant(found, rng),
    )
    if status in ("pending_verification", "closed"):
        done = min(today, found + timedelta(days=rng.randrange(1, 75)))
        row["submitted_at"] = min(now, _instant(done, rng))
        if status == "closed":
            row["closed_at"] = min(now, row["submitted_at"] + timedelta(hours=rng.randrange(1, 72)))
            row["verified_at"] = row["closed_at"]
    return row


def _numbered(rows: list[dict[str, Any]]) -> None:
    """Give each hazard the next number of its year, moving the counters on."""
    by_year: dict[int, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["found_at"]):
        by_year.setdefault(row["found_on"].year, []).append(row)
    for year, year_rows in by_year.items():
        counter = db.session.get(HazardCounter, year)
        if counter is None:
            counter = HazardCounter(year=year, last=0)
            db.session.add(counter)
        for offset, row in enumerate(year_rows, start=1):
            row["year"], row["seq"] = year, counter.last + offset
            row["number"] = f"YH-{year}-{row['seq']:04d}"
        counter.last += len(year_rows)
    db.session.flush()


def _hazards(org: Org, count: int, rng: random.Random, today: date, now: datetime) -> list[int]:
    criterion = db.session.scalars(
        sa.select(CriteriaItem.code).order_by(CriteriaItem.id).limit(1)
    ).first()
    rows = [_hazard_row(org, rng, today, criterion, now) for _ in range(count)]
    _numbered(rows)
    return _insert(Hazard, rows)


def _inspections(org: Org, count: int, rng: random.Random, today: date, now: datetime) -> None:
    rows = []
    for _ in range(count):
        day = today - timedelta(days=rng.randrange(365))
        performed = _instant(day, rng)
        rows.append(
            {
                "unit_id": rng.choice(org.unit_ids),
                "performed_at": performed,
                "submitted_at": performed,
                "status": "submitted",
                "created_at": now,
            }
        )
    ids = _insert(Inspection, rows)
    items = [
        {
            "inspection_id": iid,
            "position": pos,
            "text": text,
            "result": rng.choice(("pass", "pass", "pass", "fail", "na")),
        }
        for iid in ids
        for pos, text in enumerate(("消防设施完好", "安全通道畅通", "个体防护用品齐全"), start=1)
    ]
    _insert(InspectionItem, items)


def _risk_points(
    org: Org, count: int, rng: random.Random, today: date, now: datetime, hazard_ids: list[int]
) -> None:
    """``count`` points of two LEC-graded risks each, every risk with a control owned
    by a post of its unit (its head for major and high risks; due within a period
    either side of today), major and high ones also an emergency control of the
    group's head; one hazard in ten linked to a control as if its check had
    failed (the map marks open hazards)."""
    points = [
        {
            "unit_id": rng.choice(org.unit_ids),
            "name": f"风险点{i + 1}",
            "kind": rng.choice(("installation", "place", "activity")),
            "created_at": now,
        }
        for i in range(count)
    ]
    point_ids = _insert(RiskPoint, points)
    risks, assessments = [], []
    for point_id, point in zip(point_ids, points, strict=True):
        for event in ("泄漏中毒", "机械伤害"):
            lik, exp, con = rng.choice((1, 3, 6)), rng.choice((1, 3, 6)), rng.choice((1, 7, 15, 40))
            score = float(lik * exp * con)
            level = level_from_score(AssessmentMethod.LEC, score).value
            risks.append(
                {
                    "risk_point_id": point_id,
                    "event": event,
                    "method": "lec",
                    "score": score,
                    "level": level,
                    "assessed_at": now,
                    "created_at": now,
                    "_unit": point["unit_id"],
                    "_lec": (lik, exp, con),
                }
            )
    risk_ids = _insert(Risk, [{k: v for k, v in r.items() if not k.startswith("_")} for r in risks])
    controls = []
    for risk_id, risk in zip(risk_ids, risks, strict=True):
        lik, exp, con = risk["_lec"]
        assessments.append(
            {
                "risk_id": risk_id,
                "method": "lec",
                "l": lik,
                "e": exp,
                "c": con,
                "score": risk["score"],
                "level": risk["level"],
                "at": now,
            }
        )
        every = rng.choice((7, 30, 90))
        controls.append(
            {
                "risk_id": risk_id,
                "kind": "management",
                "text": "定期巡检",
                # 管业务必须管安全: the unit's head owns its major and high risks.
                "owner_post_id": org.posts[risk["_unit"]][0]
                if risk["level"] in ("major", "high")
                else rng.choice(org.posts[risk["_unit"]]),
                "check_every_days": every,
                "next_due": today - timedelta(days=rng.randrange(-every, every)),
                "created_at": now,
            }
        )
    head = org.posts[org.unit_ids[0]][0]
    emergency = [
        {
            "risk_id": risk_id,
            "kind": "emergency",
            "text": "启动现场处置方案",
            "owner_post_id": head,
            "check_every_days": 90,
            "next_due": today + timedelta(days=rng.randrange(1, 90)),
            "created_at": now,
        }
        for risk_id, risk in zip(risk_ids, risks, strict=True)
        if risk["level"] in ("major", "high")
    ]
    _insert(RiskAssessment, assessments)
    control_ids = _insert(RiskControl, controls)
    _insert(RiskControl, emergency)
    links = [
        {"hid": hid, "cid": control_ids[i], "pid": risks[i]["risk_point_id"]}
        for hid in (hazard_ids[::10] if control_ids else [])
        for i in [rng.randrange(len(control_ids))]
    ]
    if links:
        table = Hazard.__table__
        db.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("hid"))
            .values(control_id=sa.bindparam("cid"), risk_point_id=sa.bindparam("pid")),
            links,
        )


def scale_demo(
    *,
    hazards: int,
    people: int,
    seed: int = 1,
    now: datetime | None = None,
    risk_points: int | None = None,
) -> dict[str, Any]:
    """Add a generated organisation; what was made, in numbers.

    ``risk_points`` defaults to one per 20 hazards (at least one).
    """
    now = now or clock.now()
    today = clock.local_date(now)
    rng = random.Random(seed)
    # A database made without migrations (the bench's) lacks the shipped
    # criteria: without them no hazard could be major.
    hazards_svc.ensure_builtin_criteria()
    org = Org(tag=_tag())
    tree = _units(org, max(people, 1), now)
    _posts_and_people(org, tree, max(people, 1), now)
    points = max(1, hazards // 20) if risk_points is None else risk_points
    with bulk.hazards_bulk_load(db.session.connection()):
        hazard_ids = _hazards(org, hazards, rng, today, now)
        _inspections(org, max(1, hazards // 10), rng, today, now)
        _risk_points(org, points, rng, today, now, hazard_ids)
    # The hazards went in with Core, past the session's hooks: count them again.
    tallies.rebuild_all(db.session.connection())
    db.session.commit()
    return {
        "tag": org.tag,
        "units": len(org.unit_ids),
        "people": org.people,
        "hazards": hazards,
        "inspections": max(1, hazards // 10),
        "risk_points": points,
        "password": PASSWORD,
    }
