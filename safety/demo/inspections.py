"""Demo checklists, inspection plans and a few past inspections for the soda-ash group.

Built on :mod:`safety.demo.org`. Four checklists a chemical plant
really uses (storage tanks of hazardous chemicals, hot work, fire equipment,
electrical safety) plus a seasonal one; plans for the production units with
the units' safety officers responsible, so that 李明 (煅烧车间安全员, a demo
login) has an inspection due today; and two past inspections, one of which
found a fault and raised a hazard.

Idempotent: checklists are found by name, plans by (unit, checklist, kind),
past inspections by (unit, checklist); nothing that exists is touched.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from safety.clock import local_date
from safety.demo import org as demo
from safety.demo.org import (
    PLANT_SAFETY_DEPUTY,
    POWER,
    SAFETY_OFFICER,
    SODA,
    SODA_CALC,
    SODA_CARB,
    SODA_HEAVY,
)
from safety.extensions import db
from safety.models import Checklist, Inspection, InspectionPlan, User
from safety.services import inspections

TANKS = "危险化学品储罐区日常检查"
HOT_WORK = "动火作业检查"
FIRE = "消防设施月度检查"
ELECTRICAL = "电气安全检查"
WINTER = "冬季防冻防凝专项检查"

#: name → [(section, text, guidance, photo required on fail)]
CHECKLISTS: dict[str, list[tuple[str, str, str | None, bool]]] = {
    TANKS: [
        ("储罐本体", "储罐外观无腐蚀、变形、渗漏", "重点查看罐底边缘板和焊缝", True),
        ("储罐本体", "法兰、阀门、管线连接处无泄漏", "用便携式气体检测仪检测", True),
        ("安全附件", "液位计显示准确，高低液位报警有效", "与DCS读数比对", False),
        ("安全附件", "呼吸阀、阻火器完好，无堵塞", None, False),
        ("安全附件", "紧急切断阀处于正常状态并能远程操作", None, False),
        ("防火防爆", "防火堤完好，排水阀常闭", None, False),
        ("防火防爆", "静电接地、防雷接地连接可靠", "接地电阻每年检测一次", False),
        ("防火防爆", "可燃/有毒气体报警仪在检定有效期内", None, False),
        ("应急设施", "喷淋冷却系统、消防炮可正常使用", None, False),
        ("应急设施", "洗眼器、防护用品齐全有效", None, False),
    ],
    HOT_WORK: [
        ("作业许可", "动火作业许可证已办理且在有效期内", "核对动火等级与审批人", False),
        ("作业许可", "动火人持有效特种作业操作证", None, False),
        ("现场条件", "动火点周围可燃物已清理（半径15米）", None, True),
        (
            "现场条件",
            "动火前气体分析合格，分析时间不超过30分钟",
            "可燃气体浓度低于爆炸下限的10%",
            False,
        ),
        ("现场条件", "与动火设备相连的管线已加盲板隔离", None, True),
        ("监护措施", "专人监护，监护人在场且不得离开", None, False),
        ("监护措施", "现场配备灭火器、消防水带", None, False),
    ],
    FIRE: [
        ("灭火器", "灭火器压力在绿区，铅封完好", None, False),
        ("灭火器", "灭火器在有效期内，摆放位置有标识", None, False),
        ("消火栓", "室内外消火栓水带、水枪齐全", None, False),
        ("消火栓", "消防水泵房运行正常，稳压泵压力正常", None, False),
        ("火灾报警", "火灾自动报警控制器无故障、无屏蔽点", None, True),
        ("疏散设施", "安全出口、疏散通道畅通，应急照明有效", None, True),
    ],
    ELECTRICAL: [
        ("配电室", "配电室门窗完好，防小动物措施有效", None, False),
        ("配电室", "配电柜无异常发热、异味、异响", "用红外测温仪检测接头温度", False),
        ("线路设备", "电缆无破损、老化，桥架盖板齐全", None, True),
        ("线路设备", "防爆区域电气设备防爆等级符合要求，密封完好", None, True),
        ("安全防护", "漏电保护器试验动作正常", None, False),
        ("安全防护", "绝缘工器具在检验有效期内", None, False),
    ],
    WINTER: [
        ("防冻防凝", "伴热系统投用正常，伴热线无断点", None, False),
        ("防冻防凝", "停用设备、管线已排净存水", None, False),
        ("防冻防凝", "消防水系统、洗眼器已采取防冻措施", None, False),
        ("防滑防坠", "室外平台、扶梯已采取防滑措施", None, False),
    ],
}


def _checklist(admin: User, name: str, now: datetime) -> Checklist:
    found = db.session.scalar(sa.select(Checklist).where(Checklist.name == name))
    if found is not None:
        return found
    items = [
        {"section": s, "text": t, "guidance": g, "photo_required_on_fail": p}
        for s, t, g, p in CHECKLISTS[name]
    ]
    return inspections.create_checklist(admin, {"name": name, "items": items}, now=now)


def _plan(
    admin: User,
    unit_code: str,
    checklist: Checklist,
    kind: str,
    post_title: str,
    start: date,
    *,
    today: date,
    now: datetime,
) -> InspectionPlan:
    unit = demo.find_unit(unit_code)
    found = db.session.scalar(
        sa.select(InspectionPlan).where(
            InspectionPlan.unit_id == unit.id,
            InspectionPlan.checklist_id == checklist.id,
            InspectionPlan.kind == kind,
        )
    )
    if found is not None:
        return found
    return inspections.create_plan(
        admin,
        {
            "unit_id": unit.id,
            "checklist_id": checklist.id,
            "kind": kind,
            "responsible_post_id": demo.find_post(unit_code, post_title).id,
            "start_date": start,
        },
        today=today,
        now=now,
    )


def _inspected(unit_code: str, checklist: Checklist) -> bool:
    unit = demo.find_unit(unit_code)
    return (
        db.session.scalar(
            sa.select(Inspection.id)
            .where(Inspection.unit_id == unit.id, Inspection.checklist_id == checklist.id)
            .limit(1)
        )
        is not None
    )


def load(*, now: datetime) -> list[dict[str, Any]]:
    """Create whatever is missing of the demo inspections; no new logins."""
    admin = demo.find_user(demo.ADMIN_EMAIL)
    today = local_date(now)
    lists = {name: _checklist(admin, name, now) for name in CHECKLISTS}

    tank_plan = _plan(
        admin,
        SODA_CARB,
        lists[TANKS],
        "daily",
        SAFETY_OFFICER,
        today - timedelta(days=3),
        today=today,
        now=now,
    )
    _plan(
        admin, SODA_CALC, lists[ELECTRICAL], "weekly", SAFETY_OFFICER, today, today=today, now=now
    )
    fire_plan = _plan(
        admin, SODA, lists[FIRE], "monthly", SAFETY_OFFICER, date(2025, 1, 31), today=today, now=now
    )
    _plan(
        admin,
        POWER,
        lists[ELECTRICAL],
        "monthly",
        SAFETY_OFFICER,
        today - timedelta(days=5),
        today=today,
        now=now,
    )
    _plan(
        admin,
        SODA,
        lists[WINTER],
        "seasonal",
        PLANT_SAFETY_DEPUTY,
        inspections.next_occurrence("seasonal", today, today),
        today=today,
        now=now,
    )
    _plan(
        admin,
        SODA_HEAVY,
        lists[HOT_WORK],
        "one_off",
        SAFETY_OFFICER,
        today + timedelta(days=2),
        today=today,
        now=now,
    )

    if not _inspected(SODA, lists[FIRE]):
        zhuwei = demo.find_user("zhuwei")
        inspections.save_inspection(
            zhuwei,
            {
                "unit_id": demo.find_unit(SODA).id,
                "checklist_id": lists[FIRE].id,
                "plan_id": fire_plan.id,
                "location": "纯碱厂主厂区",
                "performed_at": now - timedelta(days=6),
                "items": [{"result": "pass"} for _ in CHECKLISTS[FIRE]],
            },
            submit=True,
            now=now,
        )
    if not _inspected(SODA_CARB, lists[TANKS]):
        wufang = demo.find_user("wufang")
        results = ["pass"] * len(CHECKLISTS[TANKS])
        results[2] = "fail"
        items: list[dict[str, Any]] = [{"result": r} for r in results]
        items[2].update(
            note="2号氨水储罐液位计读数与DCS相差约15%，高液位报警未触发",
            hazard={"title": "2号氨水储罐液位计失准、高液位报警失效", "level": "general"},
        )
        inspections.save_inspection(
            wufang,
            {
                "unit_id": demo.find_unit(SODA_CARB).id,
                "checklist_id": lists[TANKS].id,
                "plan_id": tank_plan.id,
                "location": "氨水储罐区",
                "performed_at": now - timedelta(days=2),
                "items": items,
            },
            submit=True,
            now=now,
        )
    return []
