"""Today's hazard register for the demo: a dozen current hazards in every status.

Runs after the org and matrix parts (and before the year of ``history``).
Each hazard goes through :mod:`safety.services.hazards` with back-dated
``now``/``today`` so its history, numbers and audit trail are real: some are
fresh reports, some in rectification (two of them overdue, one by almost two
weeks), some waiting for verification, closed (one after a rejection), a
void duplicate, and major hazards with a 治理方案, 挂牌督办 and a 核销.

People act only where the matrix gives them the right (the demo admin steps
in otherwise). Idempotent: a hazard whose title exists is left alone.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from PIL import Image, ImageDraw

from safety import permissions
from safety.clock import local_date
from safety.demo import org as demo
from safety.extensions import db
from safety.models import Hazard, ResponsibilityKind, User
from safety.services import hazards
from safety.services.hazards.procedure import holders_with
from safety.services.org import holders_on


@dataclass
class Story:
    """One demo hazard: where, who, and how far through the loop it has gone."""

    unit: str
    title: str
    location: str
    category: str
    description: str
    reporter: str
    #: Days before today it was found and reported.
    age: int
    steps: list[str] = field(default_factory=list)
    level: str = "general"
    risk: tuple[float, float, float] | None = None
    post: tuple[str, str] | None = None
    measures: str = ""
    funds: str = "0"
    contingency: str = "设置警戒区域，安排专人监护，发现异常立即停止作业并报告。"
    #: Deadline relative to today (negative: already past).
    due: int = 7
    photo: tuple[int, int, int] | None = None
    notes: dict[str, str] = field(default_factory=dict)
    #: A major hazard's item of the 2017 chemical criteria (判定标准).
    criterion: str | None = None


PLAN = {
    "objective": "彻底消除隐患，恢复设施完好，杜绝同类问题再次发生。",
    "methods": "停用相关设备，更换失效部件，完成调试和联锁测试后恢复运行。",
    "resources": "安全生产费用列支，备件由采购中心紧急采购。",
    "organisation": "分管安全副厂长牵头，车间主任、安全员和设备员组成治理小组。",
    "schedule": "一周内完成备件采购，两周内完成更换和验收。",
    "safety_measures": "治理期间设置警戒区，配备便携式检测仪和正压式空气呼吸器，落实应急预案。",
}

STORIES: list[Story] = [
    Story(
        demo.SODA_CALC,
        "煅烧炉三层平台防护栏杆缺失",
        "煅烧炉三层平台东侧",
        "working_at_height",
        "检修后平台东侧约3米防护栏杆未恢复，人员巡检有坠落风险。",
        "liming",
        age=3,
        steps=["assign"],
        risk=(3, 6, 15),
        post=(demo.SODA_CALC, demo.WORKSHOP_HEAD),
        measures="恢复1.2米高防护栏杆和挡脚板，未恢复前设置警戒带并禁止通行。",
        funds="3500",
        due=5,
        photo=(180, 60, 40),
    ),
    Story(
        demo.SODA_CARB,
        "氨压缩机房氨气泄漏报警仪失效",
        "氨压缩机房",
        "hazardous_chemicals",
        "2#氨气泄漏报警仪探头超期未标定，测试时无报警输出，联锁风机不启动。",
        "wufang",
        age=20,
        steps=["assign", "report_authority"],
        level="major",
        criterion="HG2017-12",
        risk=(6, 6, 40),
        post=(demo.SODA_CARB, demo.SAFETY_OFFICER),
        measures="更换报警仪探头并重新标定，恢复与事故风机的联锁，每月测试一次。",
        funds="48000",
        due=-6,
        photo=(40, 120, 200),
    ),
    Story(
        demo.SODA_HEAVY,
        "重碱过滤机皮带轮防护罩缺失",
        "2#真空过滤机传动端",
        "machinery",
        "皮带轮防护罩拆下后未复装，转动部位外露。",
        "linxiao",
        age=1,
        risk=(3, 6, 7),
        photo=(90, 90, 90),
    ),
    Story(
        demo.POWER,
        "锅炉房1#汽包就地水位计显示不清",
        "锅炉房运转层",
        "special_equipment",
        "水位计玻璃板结垢，水位显示模糊，不利于与远传水位核对。",
        "songjia",
        age=10,
        steps=["assign", "submit"],
        risk=(3, 6, 15),
        post=(demo.POWER, demo.SAFETY_OFFICER),
        measures="冲洗水位计，必要时更换云母片，并建立每班冲洗记录。",
        funds="1200",
        due=4,
        notes={"submit": "已更换云母片并冲洗，水位显示清晰，与远传水位偏差小于10mm。"},
    ),
    Story(
        demo.POWER,
        "配电室电缆沟盖板破损",
        "10kV配电室",
        "electrical",
        "电缆沟盖板两块断裂，存在踩空和小动物进入的风险。",
        "songjia",
        age=25,
        steps=["assign", "submit", "verify"],
        post=(demo.POWER, demo.SAFETY_OFFICER),
        measures="更换花纹钢盖板，封堵电缆沟进出口。",
        funds="2600",
        due=-15,
        notes={"submit": "已更换盖板两块，封堵完成。", "verify": "现场复查合格，同意销号。"},
    ),
    Story(
        demo.SALES,
        "成品库消防通道堆放托盘",
        "成品库东侧消防通道",
        "fire",
        "通道内堆放空托盘约30个，占用通道宽度一半以上。",
        "dengchao",
        age=9,
        steps=["assign"],
        risk=(6, 3, 7),
        post=(demo.SALES, demo.SAFETY_OFFICER),
        measures="清理托盘，划定托盘存放区，通道施划禁止堆放标线。",
        funds="800",
        due=-2,
        photo=(200, 160, 40),
    ),
    Story(
        demo.RAIL,
        "3号道口声光报警器故障",
        "专用线3号道口",
        "electrical",
        "列车接近时声光报警器不动作，依靠人工看守。",
        "jiangtao",
        age=2,
        steps=["assign"],
        risk=(3, 6, 40),
        post=(demo.RAIL, demo.BRANCH_SAFETY_DEPUTY),
        measures="更换报警控制器，修复前增派道口看守人员。",
        funds="15000",
        due=1,
    ),
    Story(
        demo.SEWAGE,
        "调节池有限空间作业未设监护人",
        "园区污水处理调节池",
        "confined_space",
        "施工单位进入调节池清淤，未办理有限空间作业票，池外无监护人，未检测气体。",
        "tianye",
        age=14,
        steps=["assign", "report_authority", "submit"],
        level="major",
        criterion="HG2017-18",
        risk=(6, 3, 40),
        post=(demo.SEWAGE, demo.BRANCH_SAFETY_DEPUTY),
        measures="立即停止作业，补办作业票，配备气体检测仪和监护人，对施工单位开展专项培训。",
        funds="20000",
        due=3,
        notes={"submit": "已停工整顿，作业票制度落实，培训32人次，复工后三次检查无问题。"},
    ),
    Story(
        demo.HQ_PROC,
        "危化品仓库温湿度计损坏",
        "危化品仓库",
        "hazardous_chemicals",
        "仓库温湿度计损坏，无法记录库内温湿度。",
        "caoyang",
        age=6,
        steps=["void"],
        notes={"void": "与YH隐患“危化品库温湿度计失灵”重复上报。"},
    ),
    Story(
        demo.SODA_CALC,
        "煅烧炉出碱口高温区域未设警示标志",
        "煅烧炉出碱口",
        "management",
        "出碱口周边表面温度超过150℃，未设置防烫伤警示标志和隔离。",
        "liming",
        age=18,
        steps=["assign", "submit", "reject", "submit", "verify"],
        post=(demo.SODA_CALC, demo.SAFETY_OFFICER),
        measures="设置“当心高温”警示标志和隔离栏。",
        funds="600",
        due=-4,
        notes={
            "submit": "已张贴警示标志。",
            "reject": "只贴了标志，未设隔离栏，请补充后再提交。",
            "verify": "警示标志和隔离栏均已设置，合格。",
        },
    ),
    Story(
        demo.SODA,
        "液氨储罐区喷淋系统阀门锈蚀卡涩",
        "液氨储罐区",
        "hazardous_chemicals",
        "消防喷淋系统雨淋阀锈蚀，试验时无法完全开启。",
        "zhuwei",
        age=40,
        steps=["assign", "report_authority", "submit", "verify", "write_off"],
        level="major",
        criterion="HG2017-05",
        risk=(3, 6, 100),
        post=(demo.SODA, demo.PLANT_SAFETY_DEPUTY),
        measures="更换雨淋阀组，进行喷淋试验，纳入月度消防设施检查。",
        funds="86000",
        due=-10,
        notes={
            "submit": "雨淋阀组已更换，喷淋试验正常。",
            "verify": "会同消防部门验收合格。",
            "write_off": "经市应急管理局复查，同意核销。",
        },
    ),
    Story(
        demo.SODA_CARB,
        "碳化塔取样口阀门渗漏",
        "3#碳化塔取样平台",
        "hazardous_chemicals",
        "取样口阀门填料渗漏，周边有氨味。",
        "wufang",
        age=0,
        risk=(3, 6, 15),
    ),
    Story(
        demo.POWER,
        "输煤栈桥粉尘积聚",
        "2#输煤栈桥",
        "fire",
        "栈桥地面和电缆桥架积尘厚度超过5mm，存在粉尘燃爆风险，除尘器故障未修复。",
        "songjia",
        age=26,
        steps=["assign"],
        risk=(3, 6, 40),
        post=(demo.POWER, demo.BRANCH_SAFETY_DEPUTY),
        measures="修复除尘器，清理积尘，建立每班清扫制度。",
        funds="12000",
        due=-12,
    ),
]


def _photo(colour: tuple[int, int, int], title: str) -> bytes:
    """A plain picture standing in for a site photo (no real images ship with the demo)."""
    image = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 600, 440), outline=(255, 255, 255), width=6)
    draw.line((40, 440, 600, 40), fill=(255, 255, 255), width=4)
    draw.text((60, 60), title.encode("ascii", "ignore").decode() or "demo", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _user(local: str) -> User:
    return demo.find_user(local)


def _candidates(story: Story, today: date) -> list[User]:
    """People who would act on a hazard of this unit, most local first."""
    posts = [
        (story.unit, demo.WORKSHOP_HEAD),
        (story.unit, demo.PLANT_SAFETY_DEPUTY),
        (story.unit, demo.BRANCH_SAFETY_DEPUTY),
        (story.unit, demo.PLANT_HEAD),
        (story.unit, demo.BRANCH_HEAD),
        (story.unit, demo.PROJECT_HEAD),
        (story.unit, demo.CENTER_HEAD),
        (demo.SODA, demo.PLANT_SAFETY_DEPUTY),
        (demo.HQ_SEP, demo.SAFETY_SUPERVISOR),
        (demo.HQ_SEP, demo.DEPARTMENT_HEAD),
        (demo.HQ, demo.CHIEF_SAFETY_OFFICER),
    ]
    people: list[User] = []
    for unit, title in posts:
        try:
            post = demo.find_post(unit, title)
        except LookupError:
            continue
        people.extend(holders_on([post.id], today)[post.id])
    return people


def _who(
    check: Callable[[User | None, Hazard, date], bool],
    hazard: Hazard,
    day: date,
    candidates: list[User],
    admin: User,
    *,
    not_user: int | None = None,
) -> User:
    for person in candidates:
        if person.id != not_user and check(person, hazard, day):
            return person
    return admin


def load(*, now: datetime) -> list[dict[str, Any]]:
    """Add whichever demo hazards are missing; no new logins."""
    admin = demo.find_user(demo.ADMIN_EMAIL)
    hazards.ensure_builtin_criteria()
    existing = set(db.session.scalars(sa.select(Hazard.title)))
    for story in STORIES:
        if story.title not in existing:
            _tell(story, admin, now)
    return []


#: step → (who may do it, or None for the accountable holders; data for the service).
WHO: dict[str, Callable[[User | None, Hazard, date], bool] | None] = {
    "assign": permissions.can_manage_hazard,
    "approve_plan": permissions.can_approve_plan,
    "report_authority": permissions.can_manage_hazard,
    "submit": None,
    "verify": permissions.can_verify_hazard,
    "reject": permissions.can_verify_hazard,
    "void": permissions.can_manage_hazard,
    "write_off": permissions.can_manage_hazard,
}


def _step_data(story: Story, hazard: Hazard, step: str, day: date, deadline: date) -> dict:
    """What the person taking ``step`` types in, for the single service entry point."""
    note = story.notes.get(step)
    if step == "assign":
        post = demo.find_post(*story.post) if story.post else None
        values: dict[str, Any] = {
            "accountable_post_id": post.id if post else None,
            "deadline": deadline,
            "measures": story.measures,
            "funds": story.funds,
            "contingency_plan": story.contingency,
        }
        if story.level == "major":
            values["plan"] = PLAN
            values["stop_work"] = True
        return values
    return {
        "approve_plan": {"note": note or "同意该治理方案，按期完成。"},
        "report_authority": {
            "authority": "市应急管理局",
            "reported_on": day,
            "listed": True,
            "supervision_deadline": deadline,
        },
        "submit": {"note": note or "已按要求整改完毕。"},
        "verify": {"note": note, "evaluation": "经评估，隐患已消除，防范措施有效。"},
        "reject": {"note": note or "整改不到位。"},
        "void": {"reason": note or "重复上报。"},
        "write_off": {
            "authority": "市应急管理局",
            "decided_on": day,
            "document_no": "应急核〔2026〕12号",
            "note": note,
        },
    }[step]


def _tell(story: Story, admin: User, now: datetime) -> None:
    """Report the hazard ``story.age`` days ago and take it through its steps."""
    today = local_date(now)
    day = today - timedelta(days=story.age)
    at = now - timedelta(days=story.age)
    data: dict[str, Any] = {
        "title": story.title,
        "unit_id": demo.find_unit(story.unit).id,
        "level": story.level,
        "criterion": story.criterion,
        "location": story.location,
        "category": story.category,
        "description": story.description,
        "found_at": at - timedelta(hours=2),
    }
    if story.risk:
        data["risk"] = dict(zip("lec", story.risk, strict=True))
    photos = [_photo(story.photo, story.title)] if story.photo else []
    hazard = hazards.report_hazard(_user(story.reporter), data, now=at, photos=photos)
    candidates = _candidates(story, today)
    deadline = today + timedelta(days=story.due)
    steps = list(story.steps)
    if story.level == "major" and "assign" in steps:
        steps.insert(steps.index("assign") + 1, "approve_plan")
    for index, step in enumerate(steps, start=1):
        # Space the steps out between the report and today.
        step_day = min(today, day + timedelta(days=index * max(1, story.age // 6)))
        step_at = min(at + (step_day - day), now)
        act_day = step_day
        if step == "assign" and deadline < step_day:  # overdue: the deadline was set back then
            act_day = deadline
        check = WHO[step]
        if check is None:
            holders = holders_on([hazard.accountable_post_id], step_day)[hazard.accountable_post_id]
            actor = holders[0] if holders else admin
        elif step == "approve_plan":  # the principal: main for the unit or above
            principals = holders_with(hazard.unit_id, {ResponsibilityKind.MAIN}, step_day)
            actor = principals[0] if principals else admin
        else:
            actor = _who(
                check,
                hazard,
                step_day,
                candidates,
                admin,
                not_user=hazard.submitted_by_id if step in ("verify", "reject") else None,
            )
        values = _step_data(story, hazard, step, step_day, max(deadline, act_day))
        hazards.perform(hazard, step, actor, values, hazard.version, now=step_at, today=act_day)
