"""A year of plausible history for the demo group, so reports show real trends.

Runs last (after org, matrix, inspections and hazards). Hazards go through the
hazard services with past ``now``/``today`` values (report, assign, submit,
verify, void), so their events and audit trail are the real ones. What the
services cannot back-date is written with the ORM: past inspections against a
monthly plan per production unit, and the reminder log of one long-overdue
hazard.

The story, deterministic (a fixed random seed):

- every production unit finds a few hazards each month; most are rectified
  on time, some late, a few voided; the most recent ones are still open and
  some of those are overdue, so the ageing buckets are filled;
- a major hazard in 碳化车间 (SODA-CARB) was due on 2025-06-25 while 陈涛 was
  its 安全员 and is still open: the post passed to 吴芳 on 2025-07-01, so the
  accountability report names both, each for their own days, with the
  reminders each received;
- each production unit has a monthly inspection plan done about nine times
  in ten; when the matrix part has left every list unsigned, most holders
  sign and a few do not (the matrix part normally leaves its own gaps);
- yearly targets: a 95% rectification rate and no overdue hazards.

Idempotent: the part records an audit event ``demo.history`` when it is done
and does nothing when that event exists.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from safety import permissions
from safety.demo import org as demo_org
from safety.extensions import db
from safety.models import (
    AuditEvent,
    Hazard,
    Inspection,
    InspectionItem,
    InspectionPlan,
    InspectionStatus,
    ItemResult,
    PlanKind,
    Post,
    ReminderDigest,
    ReminderItem,
    ResponsibilityListVersion,
    SafetyTarget,
    User,
)
from safety.services import audit
from safety.services.db import exists, insert_or_ignore
from safety.services.org import holders_on

MARKER = "demo.history"
SEED = 20250601
#: Months of history before the current one.
MONTHS = 12

#: (unit code, accountable post title, hazards per month on average).
UNITS: list[tuple[str, str, int]] = [
    (demo_org.SODA_CALC, demo_org.SAFETY_OFFICER, 4),
    (demo_org.SODA_CARB, demo_org.SAFETY_OFFICER, 4),
    (demo_org.SODA_HEAVY, demo_org.SAFETY_OFFICER, 3),
    (demo_org.POWER, demo_org.SAFETY_OFFICER, 3),
    (demo_org.SALES, demo_org.SAFETY_OFFICER, 2),
    (demo_org.RAIL, demo_org.SAFETY_OFFICER, 2),
    (demo_org.SEWAGE, demo_org.SAFETY_OFFICER, 3),
    (demo_org.HQ_PROC, demo_org.SAFETY_OFFICER, 1),
]

#: (category, title, location, measures).
FINDINGS: list[tuple[str, str, str, str]] = [
    ("fire", "消防通道堆放杂物", "成品库东侧通道", "清理杂物，划定禁止堆放区域"),
    ("fire", "灭火器压力不足", "配电室门口", "更换灭火器，建立月度检查记录"),
    ("electrical", "配电箱门未关闭且无警示标识", "循环水泵房", "修复门锁，张贴警示标识"),
    ("electrical", "临时用电线路未架空", "检修现场", "线路架空敷设，加装漏电保护"),
    ("machinery", "皮带输送机防护罩缺失", "煅烧炉进料口", "加装防护罩并设置联锁"),
    ("machinery", "联轴器护罩松动", "离心机二号机", "紧固护罩，列入巡检内容"),
    ("hazardous_chemicals", "氨水管道法兰渗漏", "氨盐水工段", "更换垫片，加强泄漏检测"),
    ("hazardous_chemicals", "危化品储存柜未双人双锁", "化验室", "落实双人双锁管理"),
    ("confined_space", "有限空间作业未设监护人", "碳化塔检修", "设专人监护，作业前气体检测"),
    ("working_at_height", "高处作业未系安全带", "重碱过滤机平台", "停止作业，开展专项教育"),
    ("special_equipment", "压力表超期未检验", "锅炉汽包", "送检压力表，建立检验台账"),
    ("special_equipment", "起重机限位器失灵", "成品装车站", "修复限位器，试验合格后使用"),
    ("occupational_health", "噪声岗位未配发耳塞", "汽机房", "配发护耳器，设置警示标识"),
    ("management", "交接班记录填写不全", "中控室", "规范交接班制度并培训"),
]

#: The long-overdue major hazard whose post changed hands (see the module docstring).
CARRIED_OVER = {
    "title": "碳化塔冷却水箱腐蚀穿孔",
    "category": "hazardous_chemicals",
    "location": "碳化车间三号碳化塔",
    "found_on": date(2025, 6, 10),
    "deadline": date(2025, 6, 25),
}
PLAN = {
    "objective": "消除冷却水箱穿孔泄漏风险",
    "methods": "停塔更换水箱壳体并做防腐",
    "resources": "更换材料及施工费用已列入大修计划",
    "organisation": "纯碱厂设备科牵头，碳化车间配合",
    "schedule": "随年度大修实施",
    "safety_measures": "实施前每班巡检、设置围堰和应急物资",
}


def _tz() -> ZoneInfo:
    from safety import clock

    return clock.tz()


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time on ``day`` as an aware UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=_tz()).astimezone(UTC)


def _months_back(today: date, months: int) -> date:
    """The first day of the month ``months`` before ``today``'s (negative: after)."""
    total = today.year * 12 + today.month - 1 - months
    return date(total // 12, total % 12 + 1, 1)


def load(*, now: datetime) -> list[dict[str, Any]]:
    """Add the year of history once; later runs change nothing."""
    if exists(sa.select(AuditEvent.id).where(AuditEvent.action == MARKER)):
        return []
    try:
        admin = demo_org.find_user(demo_org.ADMIN_EMAIL)
    except LookupError:
        return []  # no demo organisation: nothing to build on
    today = now.astimezone(_tz()).date()
    rng = random.Random(SEED)
    start = _months_back(today, MONTHS)
    counts = {"hazards": 0, "inspections": 0}
    counts["hazards"] += _carried_over_hazard(admin, today)
    counts["hazards"] += _monthly_hazards(admin, rng, start, today)
    counts["inspections"] += _inspections(admin, rng, start, today, now)
    _sign_lists(now, today)
    _targets(admin, today, now)
    audit.record(admin, MARKER, admin, {"from": start, "to": today, **counts}, now=now)
    db.session.commit()
    return []


# --- hazards --------------------------------------------------------------------------


def _staff() -> dict[str, User | None]:
    """The people who act in the history: the safety supervisor, when the demo has her."""
    try:
        supervisor = demo_org.find_user("zhoujing")
    except LookupError:
        supervisor = None
    return {"supervisor": supervisor}


def _manager(admin: User, hazard: Hazard, day: date, check: Any) -> User:
    """The safety supervisor when the matrix lets her act, else the admin."""
    supervisor = _staff()["supervisor"]
    if supervisor is not None and check(supervisor, hazard, day):
        return supervisor
    return admin


def _holder(post: Post, day: date) -> User | None:
    people = holders_on([post.id], day)[post.id]
    return people[0] if people else None


def _report(
    admin: User,
    unit_code: str,
    post: Post,
    finding: tuple[str, str, str, str],
    found_at: datetime,
    *,
    level: str = "general",
) -> Hazard:
    from safety.services import hazards as svc

    category, title, location, _measures = finding
    reporter = _holder(post, found_at.astimezone(_tz()).date()) or admin
    return svc.report_hazard(
        reporter,
        {
            "title": title,
            "unit_id": demo_org.find_unit(unit_code).id,
            "level": level,
            "criterion": "HG2017-12" if level == "major" else None,
            "description": f"{location}：{title}。",
            "location": location,
            "category": category,
            "found_at": found_at,
        },
        now=found_at,
    )


def _assign(
    admin: User,
    hazard: Hazard,
    post: Post,
    *,
    at: datetime,
    deadline: date,
    measures: str,
    funds: Decimal,
) -> Hazard:
    from safety.services import hazards as svc

    day = at.astimezone(_tz()).date()
    actor = _manager(admin, hazard, day, permissions.can_manage_hazard)
    data: dict[str, Any] = {
        "accountable_post_id": post.id,
        "deadline": deadline,
        "measures": measures,
        "funds": str(funds),
        "contingency_plan": "整改期间加强巡检，发现异常立即停车处置并上报。",
    }
    if hazard.level.value == "major":
        data["plan"] = PLAN
    svc.assign_hazard(actor, hazard, data, version=hazard.version, now=at, today=day)
    if hazard.level.value == "major":  # the principal approves the 治理方案 (contract §7)
        from safety.models import ResponsibilityKind
        from safety.services.hazards.procedure import holders_with

        principals = holders_with(hazard.unit_id, {ResponsibilityKind.MAIN}, day) or [admin]
        svc.perform(hazard, "approve_plan", principals[0], {}, hazard.version, now=at, today=day)
    return hazard


def _carried_over_hazard(admin: User, today: date) -> int:
    """The major hazard overdue since 2025-06-26 whose 安全员 changed on 07-01."""
    deadline: date = CARRIED_OVER["deadline"]
    if today <= date(2025, 7, 8):
        return 0  # the demo clock is before the story
    post = demo_org.find_post(demo_org.SODA_CARB, demo_org.SAFETY_OFFICER)
    found_on: date = CARRIED_OVER["found_on"]
    hazard = _report(
        admin,
        demo_org.SODA_CARB,
        post,
        (
            CARRIED_OVER["category"],
            CARRIED_OVER["title"],
            CARRIED_OVER["location"],
            "",
        ),
        _at(found_on, 9, 30),
        level="major",
    )
    hazard = _assign(
        admin,
        hazard,
        post,
        at=_at(found_on, 15),
        deadline=deadline,
        measures="临时堵漏并加密巡检，停塔后更换水箱壳体",
        funds=Decimal("380000"),
    )
    _reminder_log(hazard, post, deadline, today)
    return 1


def _reminder_log(hazard: Hazard, post: Post, deadline: date, today: date) -> None:
    """Digests about the carried-over hazard: the holders and the plant head, by day."""
    superior = demo_org.find_post(demo_org.SODA, demo_org.PLANT_HEAD)
    days = [deadline + timedelta(days=i) for i in range(1, 20)]
    days += [today - timedelta(days=i) for i in range(5, 0, -1)]
    for day in days:
        if day >= today:
            continue
        overdue = (day - deadline).days
        recipients = [(u, "accountable") for u in holders_on([post.id], day)[post.id]]
        recipients += [(u, "superior") for u in holders_on([superior.id], day)[superior.id]]
        for user, reason in recipients:
            insert_or_ignore(
                ReminderDigest,
                {"user_id": user.id, "local_date": day, "created_at": _at(day, 8)},
                ["user_id", "local_date"],
            )
            digest_id = db.session.scalar(
                sa.select(ReminderDigest.id).where(
                    ReminderDigest.user_id == user.id, ReminderDigest.local_date == day
                )
            )
            db.session.add(
                ReminderItem(
                    digest_id=digest_id,
                    object_type="hazard",
                    hazard_id=hazard.id,
                    kind="overdue",
                    reason=reason,
                    days=overdue,
                )
            )
    db.session.commit()


def _monthly_hazards(admin: User, rng: random.Random, start: date, today: date) -> int:
    """Hazards found month by month in every production unit, taken through the loop."""
    from safety.services import hazards as svc

    made = 0
    month = start
    while month <= today:
        next_month = _months_back(month, -1)
        for unit_code, post_title, mean in UNITS:
            post = demo_org.find_post(unit_code, post_title)
            for _n in range(max(0, mean + rng.randint(-1, 2))):
                day = month + timedelta(days=rng.randint(0, (next_month - month).days - 1))
                found_at = _at(day, rng.randint(8, 16), rng.choice((0, 15, 30, 45)))
                if day >= today:
                    rng.random()  # keep the sequence stable whatever the date
                    continue
                finding = rng.choice(FINDINGS)
                major = rng.random() < 0.05
                hazard = _report(
                    admin, unit_code, post, finding, found_at, level="major" if major else "general"
                )
                made += 1
                _take_through_the_loop(admin, rng, svc, hazard, post, finding, day, today)
        month = next_month
    return made


def _take_through_the_loop(
    admin: User,
    rng: random.Random,
    svc: Any,
    hazard: Hazard,
    post: Post,
    finding: tuple[str, str, str, str],
    found: date,
    today: date,
) -> None:
    """Assign the next day, then submit and verify on time, late or not yet."""
    fate = rng.random()
    assign_day = found + timedelta(days=1)
    if assign_day >= today:
        return
    if fate < 0.04:
        actor = _manager(admin, hazard, assign_day, permissions.can_manage_hazard)
        svc.void_hazard(
            actor,
            hazard,
            reason="经复核与已登记隐患重复",
            version=hazard.version,
            now=_at(assign_day, 10),
            today=assign_day,
        )
        return
    major = hazard.level.value == "major"
    span = rng.randint(30, 60) if major else rng.randint(7, 30)
    deadline = assign_day + timedelta(days=span)
    funds = Decimal(rng.randint(50, 300) * 1000 if major else rng.randint(2, 200) * 100)
    hazard = _assign(
        admin,
        hazard,
        post,
        at=_at(assign_day, 10),
        deadline=deadline,
        measures=finding[3],
        funds=funds,
    )
    late = deadline + timedelta(days=rng.randint(2, 25))
    if fate < 0.74:
        submit_day = deadline - timedelta(days=rng.randint(1, min(6, span - 1)))
    elif fate < 0.94 or deadline < today - timedelta(days=45):
        submit_day = late  # late; old stragglers are eventually done too
    else:
        return  # still being rectified (overdue once the deadline passes)
    if submit_day >= today:
        return
    submitter = _holder(post, submit_day)
    if submitter is None:
        return
    hazard = svc.submit_hazard(
        submitter,
        hazard,
        note="已按措施整改完毕，请验收。",
        version=hazard.version,
        now=_at(submit_day, 16),
        today=submit_day,
    )
    verify_day = submit_day + timedelta(days=rng.randint(0, 2))
    if verify_day >= today:
        return
    verifier = _manager(admin, hazard, verify_day, permissions.can_verify_hazard)
    if verifier.id == submitter.id:
        verifier = admin
    svc.verify_hazard(
        verifier,
        hazard,
        note="现场复查合格，同意销号。",
        evaluation="经评估隐患已消除。" if hazard.level.value == "major" else None,
        version=hazard.version,
        now=_at(verify_day, 11),
        today=verify_day,
    )


# --- inspections ------------------------------------------------------------------------


def _checklist(admin: User, now: datetime) -> Any:
    from safety.models import Checklist
    from safety.services import inspections as insp

    name = "月度安全综合检查表"
    found = db.session.scalar(sa.select(Checklist).where(Checklist.name == name))
    if found is not None:
        return found
    return insp.create_checklist(
        admin,
        {
            "name": name,
            "items": [
                "安全生产责任制落实和交接班记录",
                "消防设施完好、通道畅通",
                "电气设备接地、防护完好",
                "危险作业票证齐全、监护到位",
                "上月隐患整改落实情况",
            ],
        },
        now=now,
    )


def _inspections(admin: User, rng: random.Random, start: date, today: date, now: datetime) -> int:
    """A monthly plan per production unit since ``start``, done about nine times in ten.

    Past inspections are written with the ORM (the inspection service records
    "now" and moves the plan on); the plan's next due date is set as the
    inspections area would have left it.
    """
    from safety.services.inspections import checklist_items, next_occurrence

    checklist = _checklist(admin, now)
    texts = [item.text for item in checklist_items(checklist)]
    made = 0
    for unit_code, post_title, _mean in UNITS:
        unit = demo_org.find_unit(unit_code)
        post = demo_org.find_post(unit_code, post_title)
        plan_start = start + timedelta(days=4)
        plan = InspectionPlan(
            unit_id=unit.id,
            checklist_id=checklist.id,
            kind=PlanKind.MONTHLY,
            responsible_post_id=post.id,
            start_date=plan_start,
            next_due=plan_start,
            active=True,
            created_at=_at(start, 9),
        )
        db.session.add(plan)
        db.session.flush()
        audit.record(admin, "plan.create", plan, {"unit_id": unit.id, "kind": "monthly"}, now=now)
        due: date | None = plan_start
        last_done: date | None = None
        while due is not None and due < today:
            is_latest = next_occurrence(PlanKind.MONTHLY, plan_start, due) >= today
            if is_latest or rng.random() < 0.9:
                performed = min(due + timedelta(days=rng.randint(0, 2)), today - timedelta(days=1))
                at = _at(performed, rng.randint(9, 15))
                inspector = _holder(post, performed)
                inspection = Inspection(
                    unit_id=unit.id,
                    checklist_id=checklist.id,
                    checklist_version=checklist.version,
                    plan_id=plan.id,
                    inspector_id=inspector.id if inspector else admin.id,
                    performed_at=at,
                    location=unit.name,
                    status=InspectionStatus.SUBMITTED,
                    submitted_at=at,
                    created_at=at,
                )
                db.session.add(inspection)
                db.session.flush()
                for position, text in enumerate(texts, start=1):
                    db.session.add(
                        InspectionItem(
                            inspection_id=inspection.id,
                            position=position,
                            text=text,
                            result=ItemResult.PASS,
                        )
                    )
                made += 1
                last_done = due
            due = next_occurrence(PlanKind.MONTHLY, plan_start, due)
        if last_done is not None:
            plan.next_due = next_occurrence(PlanKind.MONTHLY, plan_start, last_done)
        db.session.commit()
    return made


# --- sign-offs and targets ----------------------------------------------------------------


def _sign_lists(now: datetime, today: date) -> None:
    """Most current holders sign their post's current list; about one in six has not.

    Only when nobody has signed anything: the matrix demo part leaves its own,
    deliberate gaps, which this must not fill.
    """
    from safety.models import Acknowledgement
    from safety.services import matrix
    from safety.services.errors import ServiceError

    if exists(sa.select(Acknowledgement.id)):
        return

    posts = list(db.session.scalars(sa.select(ResponsibilityListVersion.post_id).distinct()).all())
    holders = holders_on(posts, today)
    for post_id in sorted(posts):
        for user in holders.get(post_id, []):
            if (user.id * 7 + post_id) % 6 == 0:
                continue
            try:
                matrix.acknowledge_list(user, post_id, now=now, today=today)
            except ServiceError:
                db.session.rollback()


def _targets(admin: User, today: date, now: datetime) -> None:
    """The year's targets, decomposed from the group to its units when none are set."""
    from safety.services import matrix
    from safety.services.errors import ServiceError

    year = today.year
    if exists(sa.select(SafetyTarget.id).where(SafetyTarget.year == year)):
        return
    hq = demo_org.find_unit(demo_org.HQ)
    try:
        top_rate = matrix.create_target(
            admin,
            unit_id=hq.id,
            year=year,
            title="隐患整改率不低于95%",
            metric="rectification_rate",
            target_value="≥95%",
            now=now,
        )
        top_overdue = matrix.create_target(
            admin,
            unit_id=hq.id,
            year=year,
            title="逾期未整改隐患清零",
            metric="overdue_hazards",
            target_value="0",
            now=now,
        )
        for code in (demo_org.SODA, demo_org.POWER, demo_org.SALES, demo_org.RAIL, demo_org.SEWAGE):
            unit = demo_org.find_unit(code)
            matrix.create_target(
                admin,
                unit_id=unit.id,
                year=year,
                title="隐患整改率不低于95%",
                metric="rectification_rate",
                target_value="≥95%",
                parent_id=top_rate.id,
                now=now,
            )
            matrix.create_target(
                admin,
                unit_id=unit.id,
                year=year,
                title="逾期未整改隐患清零",
                metric="overdue_hazards",
                target_value="0",
                parent_id=top_overdue.id,
                now=now,
            )
    except ServiceError:
        db.session.rollback()
