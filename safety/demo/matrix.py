"""The demo group's responsibility matrix (一岗双责), signatures and safety targets.

Built on :mod:`safety.demo.org`. The chairman and the general manager
share main responsibility for the group (HQ); the deputy general managers
lead their areas; the chief safety officer supervises the whole group and the
safety & environmental protection department supervises every production
unit; each unit's head is mainly responsible for their unit and each safety
officer is directly responsible. Duties come in all three categories.

So that the gaps page shows real gaps: the carbonation workshop head post
(碳化车间车间主任) is vacant; a few holders have not signed; and the soda ash
plant head (孙建华, a demo login) signed version 1 of his list before a
change made version 2, so "My responsibilities" shows him what changed.

Idempotent: duties are found by title, responsibilities by (post, unit, kind,
duty), signatures are only made for a person who never signed that post,
targets by (unit, year, title).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from safety.clock import local_date
from safety.demo import org as demo
from safety.demo.org import (
    BRANCH_HEAD,
    BRANCH_SAFETY_DEPUTY,
    CENTER_HEAD,
    CHAIRMAN,
    CHIEF_SAFETY_OFFICER,
    DEPARTMENT_HEAD,
    DEPUTY_DEPARTMENT_HEAD,
    DEPUTY_GM_PRODUCTION,
    DEPUTY_GM_SAFETY,
    ENVIRONMENT_SUPERVISOR,
    GENERAL_MANAGER,
    HQ,
    HQ_FIN,
    HQ_PROC,
    HQ_SEP,
    HQ_STRAT,
    PLANT_HEAD,
    PLANT_SAFETY_DEPUTY,
    POWER,
    PROJECT_HEAD,
    RAIL,
    SAFETY_OFFICER,
    SAFETY_SUPERVISOR,
    SALES,
    SEWAGE,
    SODA,
    SODA_CALC,
    SODA_CARB,
    SODA_HEAVY,
    WORKSHOP_HEAD,
)
from safety.extensions import db
from safety.models import Acknowledgement, Duty, Responsibility, ResponsibilityKind, SafetyTarget
from safety.services import matrix

# Duty titles (stable keys).
D_SYSTEM = "建立健全并落实全员安全生产责任制"
D_INVEST = "保证安全生产投入的有效实施"
D_LAWS = "贯彻落实化工行业安全生产法律法规和标准规范"
D_STANDARD = "组织开展安全生产标准化建设"
D_HAZARDS = "组织开展隐患排查治理"
D_EMERGENCY = "组织制定并实施生产安全事故应急救援预案"
D_SUPERVISE = "监督检查各单位安全生产责任落实"
D_FUNDS = "安全生产费用足额提取和专款专用"
D_PROJECTS = "建设项目安全设施“三同时”管理"
D_PURCHASE = "危险化学品采购和供应商安全资质审查"
D_OPERATE = "严格执行操作规程和作业票制度"
D_TRAINING = "组织开展安全教育培训"

#: (title, category, description)
DUTIES: list[tuple[str, str, str]] = [
    (D_SYSTEM, "production_operation", "明确各岗位的责任人员、责任范围和考核标准。"),
    (D_INVEST, "production_operation", "按规定提取和使用安全生产费用，保障安全条件。"),
    (D_LAWS, "industry", "跟踪纯碱和化工行业安全新规，及时修订本单位制度。"),
    (D_STANDARD, "industry", "按危险化学品从业单位安全标准化要求组织达标创建。"),
    (D_HAZARDS, "production_operation", "落实隐患排查治理“五定”，实现闭环管理。"),
    (D_EMERGENCY, "production_operation", "每年至少组织一次综合应急演练。"),
    (D_SUPERVISE, "industry", "对各单位安全责任落实情况进行监督检查和考核。"),
    (D_FUNDS, "business", "审核安全生产费用计划，监督专款专用。"),
    (D_PROJECTS, "business", "建设项目安全设施与主体工程同时设计、同时施工、同时投入使用。"),
    (D_PURCHASE, "business", "审查危险化学品供应商和承运商的安全资质。"),
    (D_OPERATE, "production_operation", "现场作业严格执行操作规程，动火、受限空间作业必须办票。"),
    (D_TRAINING, "production_operation", "组织新员工三级安全教育和特种作业人员持证上岗。"),
]

Key = tuple[str, str]

#: (post (unit code, title), unit code, kind, duty title | None, description)
RESPONSIBILITIES: list[tuple[Key, str, str, str | None, str]] = [
    ((HQ, CHAIRMAN), HQ, "main", D_SYSTEM, "党政同责：对集团安全生产工作全面负责。"),
    ((HQ, CHAIRMAN), HQ, "leadership", D_INVEST, ""),
    ((HQ, GENERAL_MANAGER), HQ, "main", D_SYSTEM, "集团安全生产第一责任人。"),
    ((HQ, GENERAL_MANAGER), HQ, "leadership", D_EMERGENCY, ""),
    ((HQ, demo.PARTY_DEPUTY_SECRETARY), HQ, "leadership", D_TRAINING, "安全文化建设和宣传教育。"),
    ((HQ, demo.DISCIPLINE_SECRETARY), HQ, "supervision", D_SUPERVISE, "失职追责：监督执纪问责。"),
    ((HQ, demo.UNION_CHAIR), HQ, "supervision", None, "组织职工参与安全生产民主监督。"),
    *[
        ((code, demo.BRANCH_SECRETARY), code, "main", D_SYSTEM, "党政同责：与行政负责人共同负责。")
        for code in demo.SECOND_LEVEL
    ],
    ((HQ, DEPUTY_GM_PRODUCTION), SODA, "leadership", D_HAZARDS, "分管生产单位的安全生产。"),
    ((HQ, DEPUTY_GM_PRODUCTION), POWER, "leadership", D_HAZARDS, ""),
    ((HQ, DEPUTY_GM_PRODUCTION), RAIL, "leadership", D_HAZARDS, ""),
    ((HQ, DEPUTY_GM_PRODUCTION), SEWAGE, "leadership", D_HAZARDS, ""),
    ((HQ, DEPUTY_GM_PRODUCTION), HQ_PROC, "leadership", D_PURCHASE, ""),
    ((HQ, DEPUTY_GM_SAFETY), HQ_SEP, "leadership", D_STANDARD, "分管安全环保和应急管理。"),
    ((HQ, DEPUTY_GM_SAFETY), SALES, "leadership", None, "分管销售分公司安全。"),
    ((HQ, CHIEF_SAFETY_OFFICER), HQ, "supervision", D_SUPERVISE, "监督集团各单位。"),
    ((HQ_SEP, DEPARTMENT_HEAD), HQ_SEP, "main", D_LAWS, ""),
    ((HQ_SEP, DEPARTMENT_HEAD), SODA, "supervision", D_SUPERVISE, ""),
    ((HQ_SEP, DEPARTMENT_HEAD), POWER, "supervision", D_SUPERVISE, ""),
    ((HQ_SEP, DEPARTMENT_HEAD), RAIL, "supervision", D_SUPERVISE, ""),
    ((HQ_SEP, DEPARTMENT_HEAD), SEWAGE, "supervision", D_SUPERVISE, ""),
    ((HQ_SEP, DEPARTMENT_HEAD), SALES, "supervision", D_SUPERVISE, ""),
    (
        (HQ_SEP, DEPUTY_DEPARTMENT_HEAD),
        HQ_SEP,
        "leadership",
        D_HAZARDS,
        "协助部长，分管隐患排查治理。",
    ),
    ((HQ_SEP, SAFETY_SUPERVISOR), SODA, "supervision", D_HAZARDS, "督办纯碱厂隐患整改。"),
    ((HQ_SEP, ENVIRONMENT_SUPERVISOR), SEWAGE, "supervision", None, "环保设施运行监督。"),
    ((HQ_FIN, DEPARTMENT_HEAD), HQ_FIN, "main", D_FUNDS, "管业务必须管安全。"),
    ((HQ_FIN, SAFETY_OFFICER), HQ_FIN, "direct", None, "部门办公场所消防安全。"),
    ((HQ_STRAT, DEPARTMENT_HEAD), HQ_STRAT, "main", D_PROJECTS, ""),
    ((HQ_STRAT, SAFETY_OFFICER), HQ_STRAT, "direct", D_PROJECTS, ""),
    ((HQ_PROC, CENTER_HEAD), HQ_PROC, "main", D_PURCHASE, ""),
    ((HQ_PROC, SAFETY_OFFICER), HQ_PROC, "direct", D_PURCHASE, "危化品仓储现场管理。"),
    ((SODA, PLANT_HEAD), SODA, "main", D_SYSTEM, "本厂安全生产第一责任人。"),
    ((SODA, PLANT_HEAD), SODA, "main", D_HAZARDS, ""),
    ((SODA, PLANT_SAFETY_DEPUTY), SODA, "leadership", D_TRAINING, ""),
    ((SODA, SAFETY_OFFICER), SODA, "direct", D_OPERATE, ""),
    ((SODA_CALC, WORKSHOP_HEAD), SODA_CALC, "main", D_HAZARDS, ""),
    ((SODA_CALC, SAFETY_OFFICER), SODA_CALC, "direct", D_OPERATE, ""),
    ((SODA_CARB, WORKSHOP_HEAD), SODA_CARB, "main", D_HAZARDS, "岗位空缺期间由厂长代管。"),
    ((SODA_CARB, SAFETY_OFFICER), SODA_CARB, "direct", D_OPERATE, "氨区巡检。"),
    ((SODA_HEAVY, WORKSHOP_HEAD), SODA_HEAVY, "main", D_HAZARDS, ""),
    ((SODA_HEAVY, SAFETY_OFFICER), SODA_HEAVY, "direct", D_OPERATE, ""),
    ((POWER, BRANCH_HEAD), POWER, "main", D_SYSTEM, ""),
    ((POWER, BRANCH_SAFETY_DEPUTY), POWER, "leadership", D_EMERGENCY, ""),
    ((POWER, SAFETY_OFFICER), POWER, "direct", D_OPERATE, ""),
    ((SALES, BRANCH_HEAD), SALES, "main", D_SYSTEM, ""),
    ((SALES, BRANCH_SAFETY_DEPUTY), SALES, "leadership", None, "成品库和装车作业。"),
    ((SALES, SAFETY_OFFICER), SALES, "direct", D_OPERATE, ""),
    ((RAIL, BRANCH_HEAD), RAIL, "main", D_SYSTEM, ""),
    ((RAIL, BRANCH_SAFETY_DEPUTY), RAIL, "leadership", D_TRAINING, ""),
    ((RAIL, SAFETY_OFFICER), RAIL, "direct", D_OPERATE, ""),
    ((SEWAGE, PROJECT_HEAD), SEWAGE, "main", D_SYSTEM, ""),
    ((SEWAGE, BRANCH_SAFETY_DEPUTY), SEWAGE, "leadership", D_OPERATE, "有限空间和动火作业。"),
    ((SEWAGE, SAFETY_OFFICER), SEWAGE, "direct", D_OPERATE, ""),
]

#: Added after the first signatures, so the plant head's list has a version 2.
LATER: list[tuple[Key, str, str, str | None, str]] = [
    ((SODA, PLANT_HEAD), SODA_CARB, "leadership", D_EMERGENCY, "碳化车间主任空缺期间代管。"),
]

#: Holders who have not signed (the rest sign version 1 of each list they hold).
UNSIGNED = {"wufang", "songjia", "tianye", "dengchao"}

#: (unit code, title, metric, value, parent unit code | None), parents first.
TARGETS: list[tuple[str, str, str, str, str | None]] = [
    (HQ, "杜绝较大及以上生产安全事故", "major_accidents", "0", None),
    (HQ, "隐患整改率", "rectification_rate", "≥95%", None),
    (HQ, "安全检查按计划完成率", "inspection_completion", "100%", None),
    (SODA, "杜绝较大及以上生产安全事故", "major_accidents", "0", HQ),
    (SODA, "隐患整改率", "rectification_rate", "≥97%", HQ),
    (POWER, "隐患整改率", "rectification_rate", "≥96%", HQ),
    (SODA_CALC, "隐患整改率", "rectification_rate", "≥98%", SODA),
    (SODA_CARB, "隐患整改率", "rectification_rate", "≥98%", SODA),
]


def load(*, now: datetime) -> list[dict[str, Any]]:
    """Add whatever part of the demo matrix is missing (no new logins)."""
    admin = demo.find_user(demo.ADMIN_EMAIL)
    duties = _load_duties(admin, now)
    _load_responsibilities(admin, RESPONSIBILITIES, duties, now)
    _sign(now)
    _load_responsibilities(admin, LATER, duties, now)
    _load_targets(admin, now)
    return []


def _load_duties(admin: Any, now: datetime) -> dict[str, int]:
    existing = dict(db.session.execute(sa.select(Duty.title, Duty.id)).all())
    for title, category, description in DUTIES:
        if title not in existing:
            duty = matrix.create_duty(
                admin, title=title, category=category, description=description, now=now
            )
            existing[title] = duty.id
    return existing


def _load_responsibilities(
    admin: Any,
    rows: list[tuple[Key, str, str, str | None, str]],
    duties: dict[str, int],
    now: datetime,
) -> None:
    taken = set(
        db.session.execute(
            sa.select(
                Responsibility.post_id,
                Responsibility.unit_id,
                Responsibility.kind,
                Responsibility.duty_id,
            )
        ).all()
    )
    for post_key, unit_code, kind, duty_title, description in rows:
        post = demo.find_post(*post_key)
        unit = demo.find_unit(unit_code)
        duty_id = duties[duty_title] if duty_title else None
        if (post.id, unit.id, ResponsibilityKind(kind), duty_id) in taken:
            continue
        matrix.create_responsibility(
            admin,
            post_id=post.id,
            unit_id=unit.id,
            kind=kind,
            duty_id=duty_id,
            description=description or None,
            now=now,
        )


def _sign(now: datetime) -> None:
    """Each holder today signs each list once, except the :data:`UNSIGNED` ones."""
    today = local_date(now)
    signed = set(db.session.execute(sa.select(Acknowledgement.user_id, Acknowledgement.post_id)))
    for local, _name, holdings in demo.PEOPLE:
        if local in UNSIGNED:
            continue
        user = demo.find_user(local)
        for unit_code, title, start, end in holdings:
            if start > today or (end is not None and end < today):
                continue
            post = demo.find_post(unit_code, title)
            if (user.id, post.id) in signed:
                continue
            if matrix.responsibility_list(post.id)["version"] is None:
                continue
            matrix.acknowledge_list(user, post.id, now=now, today=today)


def _load_targets(admin: Any, now: datetime) -> None:
    year = local_date(now).year
    existing = {
        (unit_id, title): target_id
        for target_id, unit_id, title in db.session.execute(
            sa.select(SafetyTarget.id, SafetyTarget.unit_id, SafetyTarget.title).where(
                SafetyTarget.year == year
            )
        )
    }
    for unit_code, title, metric, value, parent_code in TARGETS:
        unit = demo.find_unit(unit_code)
        if (unit.id, title) in existing:
            continue
        parent_id = existing.get((demo.find_unit(parent_code).id, title)) if parent_code else None
        target = matrix.create_target(
            admin,
            unit_id=unit.id,
            year=year,
            title=title,
            metric=metric,
            target_value=value,
            parent_id=parent_id,
            now=now,
        )
        existing[(unit.id, title)] = target.id
