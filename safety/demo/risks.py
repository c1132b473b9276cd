"""The demo risk register (安全风险分级管控) of the soda-ash group.

Risk points where a soda-ash works really has its risks: 蒸吸 and the
liquid-ammonia tank farm (a 重大危险源, with its 包保责任人 at company, plant
and workshop), 煅烧, 碳化, the lime kilns (CO), 盐水, 压缩, the thermal power
boilers, the railway's level crossings and the sewage project's confined
spaces. Controls are owned by the area and equipment owners at every tier
(管业务必须管安全): team leaders, workshop heads, plant heads and the general
manager, not only the safety officers.

The workshops and teams the org demo lacks are added here (with a main
responsibility for each, so the matrix stays covered). About two months of
checks are recorded through :mod:`safety.services.risk_checks` with
back-dated times; a few failed and raised hazards, a few lapsed and are
overdue today, one control sits with the vacant 碳化车间主任 post and one
risk is controlled too low: the gaps page has something real to show.

Idempotent: units, posts and people are found by their keys, a risk point by
(unit, name); an existing point is left alone with everything under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from safety.clock import local_date
from safety.demo import org as demo
from safety.extensions import db
from safety.models import Post, PostHolder, Responsibility, RiskPoint, Unit, User
from safety.services import org, risk_checks, risks
from safety.services.org import holders_on

#: (code, name, parent code): workshops and teams the register needs.
UNITS = [
    ("SODA-DIST", "蒸吸车间", demo.SODA),
    ("SODA-DIST-NH3", "液氨罐区班", "SODA-DIST"),
    ("SODA-CALC-FUR", "煅烧炉班", demo.SODA_CALC),
    ("SODA-LIME", "石灰车间", demo.SODA),
    ("SODA-LIME-KILN", "石灰窑班", "SODA-LIME"),
    ("SODA-BRINE", "盐水车间", demo.SODA),
    ("SODA-COMP", "压缩车间", demo.SODA),
    ("SODA-COMP-T", "压缩机班", "SODA-COMP"),
    ("POWER-BOILER", "锅炉车间", demo.POWER),
    ("POWER-BOILER-T", "锅炉运行班", "POWER-BOILER"),
    ("RAIL-OPS", "运转车间", demo.RAIL),
    ("RAIL-CROSS", "道口看守班", "RAIL-OPS"),
    ("SEWAGE-OPS", "运行工段", demo.SEWAGE),
]
HEAD = "车间主任"
EQUIPMENT = "设备主任"
LEADER = "班长"
SECTION_HEAD = "工段长"
#: (unit code, title, level, superior (unit code, title)).
POSTS = [
    ("SODA-DIST", HEAD, "management", (demo.SODA, demo.PLANT_HEAD)),
    ("SODA-DIST", EQUIPMENT, "management", ("SODA-DIST", HEAD)),
    ("SODA-DIST-NH3", LEADER, "operation", ("SODA-DIST", HEAD)),
    ("SODA-CALC-FUR", LEADER, "operation", (demo.SODA_CALC, demo.WORKSHOP_HEAD)),
    ("SODA-LIME", HEAD, "management", (demo.SODA, demo.PLANT_HEAD)),
    ("SODA-LIME-KILN", LEADER, "operation", ("SODA-LIME", HEAD)),
    ("SODA-BRINE", HEAD, "management", (demo.SODA, demo.PLANT_HEAD)),
    ("SODA-COMP", HEAD, "management", (demo.SODA, demo.PLANT_HEAD)),
    ("SODA-COMP-T", LEADER, "operation", ("SODA-COMP", HEAD)),
    ("POWER-BOILER", HEAD, "management", (demo.POWER, demo.BRANCH_HEAD)),
    ("POWER-BOILER-T", LEADER, "operation", ("POWER-BOILER", HEAD)),
    ("RAIL-OPS", HEAD, "management", (demo.RAIL, demo.BRANCH_HEAD)),
    ("RAIL-CROSS", LEADER, "operation", ("RAIL-OPS", HEAD)),
    ("SEWAGE-OPS", SECTION_HEAD, "management", (demo.SEWAGE, demo.PROJECT_HEAD)),
]
#: (pinyin, name, unit code, title): the people holding them since the org's START.
PEOPLE = [
    ("gaojianjun", "高建军", "SODA-DIST", HEAD),
    ("luoyong", "罗勇", "SODA-DIST", EQUIPMENT),
    ("hanxiaodong", "韩晓东", "SODA-DIST-NH3", LEADER),
    ("dengwei", "邓伟", "SODA-CALC-FUR", LEADER),
    ("fengguoqiang", "冯国强", "SODA-LIME", HEAD),
    ("caolei", "曹磊", "SODA-LIME-KILN", LEADER),
    ("pengli", "彭丽", "SODA-BRINE", HEAD),
    ("yuanhai", "袁海", "SODA-COMP", HEAD),
    ("jiangbin", "蒋斌", "SODA-COMP-T", LEADER),
    ("xiechao", "谢超", "POWER-BOILER", HEAD),
    ("tangming", "唐明", "POWER-BOILER-T", LEADER),
    ("songjie", "宋杰", "RAIL-OPS", HEAD),
    ("duxin", "杜鑫", "RAIL-CROSS", LEADER),
    ("yexiaoyan", "叶晓燕", "SEWAGE-OPS", SECTION_HEAD),
]
LOGINS = [("hanxiaodong", "液氨罐区班长 (owns daily risk-control checks)")]

#: The window of demo checks, in days before today.
HISTORY_DAYS = 63

Owner = tuple[str, str]
GM: Owner = (demo.HQ, demo.GENERAL_MANAGER)
PROD_VP: Owner = (demo.HQ, demo.DEPUTY_GM_PRODUCTION)
SODA_HEAD: Owner = (demo.SODA, demo.PLANT_HEAD)
SODA_SAFETY: Owner = (demo.SODA, demo.PLANT_SAFETY_DEPUTY)
POWER_HEAD: Owner = (demo.POWER, demo.BRANCH_HEAD)
RAIL_HEAD: Owner = (demo.RAIL, demo.BRANCH_HEAD)
SEWAGE_HEAD: Owner = (demo.SEWAGE, demo.PROJECT_HEAD)


@dataclass
class C:
    """A control: kind, text, owner post, days between checks, and its story."""

    kind: str
    text: str
    owner: Owner
    every: int
    #: Days ago a check failed: hazard title (and note).
    fails: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: Checks stop this many days ago (so it is overdue today).
    lapsed: int = 0


@dataclass
class R:
    event: str
    consequence: str
    assessment: dict[str, Any]
    controls: list[C]


@dataclass
class P:
    unit: str
    name: str
    kind: str
    location: str
    risks: list[R]
    description: str = ""


def _lec(l: float, e: float, c: float) -> dict[str, Any]:  # noqa: E741
    return {"method": "lec", "l": l, "e": e, "c": c}


def _ls(l: int, s: int, reason: str | None = None) -> dict[str, Any]:  # noqa: E741
    return {"method": "ls", "l": l, "s": s, "direct_major_reason": reason}


POINTS: list[P] = [
    P(
        "SODA-DIST",
        "液氨储罐区",
        "installation",
        "蒸吸车间东侧罐区",
        [
            R(
                "液氨储罐泄漏中毒",
                "人员中毒窒息、火灾爆炸，波及厂外",
                _ls(2, 5, "构成一级危险化学品重大危险源（液氨储量超过临界量）"),
                [
                    C(
                        "management",
                        "重大危险源主要负责人包保：每季度组织安全风险研判并签字承诺",
                        GM,
                        90,
                    ),
                    C(
                        "management",
                        "重大危险源技术负责人包保：每月检查联锁、报警与安全附件完好",
                        SODA_HEAD,
                        30,
                    ),
                    C(
                        "engineering",
                        "氨气泄漏检测报警仪与紧急切断阀联锁，每日测试",
                        ("SODA-DIST-NH3", LEADER),
                        1,
                        fails={4: ("2号液氨罐区氨气报警仪零点漂移失效", "标气测试无响应")},
                    ),
                    C(
                        "engineering",
                        "储罐液位、压力、温度远传监控及高液位联锁",
                        ("SODA-DIST", EQUIPMENT),
                        7,
                    ),
                    C(
                        "emergency",
                        "液氨泄漏专项应急预案，每季度演练；配置正压式空气呼吸器和重型防化服",
                        SODA_SAFETY,
                        90,
                    ),
                    C(
                        "ppe",
                        "进入罐区佩戴防毒面具、便携式氨气检测仪",
                        ("SODA-DIST-NH3", LEADER),
                        7,
                    ),
                ],
            ),
            R(
                "液氨装卸车时软管破裂泄漏",
                "人员中毒、冻伤",
                _lec(3, 6, 15),
                [
                    C(
                        "management",
                        "装卸车作业票证与专人监护，装卸前检查鹤管与静电接地",
                        ("SODA-DIST", HEAD),
                        7,
                    ),
                    C("training", "装卸人员持证上岗并每年复训", SODA_SAFETY, 90),
                ],
            ),
        ],
    ),
    P(
        "SODA-DIST",
        "蒸氨塔",
        "installation",
        "蒸吸车间主厂房",
        [
            R(
                "蒸氨塔超压泄漏",
                "氨气中毒、灼烫",
                _lec(1, 6, 40),
                [
                    C(
                        "engineering",
                        "安全阀每年校验、压力联锁每月测试",
                        ("SODA-DIST", EQUIPMENT),
                        30,
                    ),
                    C("management", "蒸吸工艺参数巡检记录每班审核", ("SODA-DIST", HEAD), 7),
                    C("management", "蒸氨系统工艺安全月度检查", SODA_HEAD, 30),
                ],
            ),
        ],
    ),
    P(
        demo.SODA_CALC,
        "煅烧炉",
        "installation",
        "煅烧车间",
        [
            R(
                "煅烧炉炉气泄漏",
                "一氧化碳中毒",
                _lec(3, 6, 7),
                [
                    C(
                        "engineering",
                        "炉头固定式CO报警仪，每日巡检",
                        ("SODA-CALC-FUR", LEADER),
                        1,
                        lapsed=4,
                    ),
                    C(
                        "management",
                        "检修前置换分析合格方可作业",
                        (demo.SODA_CALC, demo.WORKSHOP_HEAD),
                        14,
                    ),
                ],
            ),
            R(
                "高温物料灼烫",
                "灼烫伤",
                _lec(3, 6, 3),
                [
                    C("ppe", "出碱口作业穿戴隔热服与面罩", ("SODA-CALC-FUR", LEADER), 7),
                ],
            ),
        ],
    ),
    P(
        demo.SODA_CARB,
        "碳化塔",
        "installation",
        "碳化车间",
        [
            R(
                "碳化塔清洗作业二氧化碳窒息",
                "窒息死亡",
                _lec(1, 3, 40),
                [
                    C(
                        "management",
                        "进塔作业执行有限空间审批，先通风、再检测、后作业",
                        (demo.SODA_CARB, demo.WORKSHOP_HEAD),
                        30,
                    ),
                    C(
                        "emergency",
                        "有限空间救援器材（三脚架、长管呼吸器）每月检查",
                        (demo.SODA_CARB, demo.SAFETY_OFFICER),
                        30,
                    ),
                ],
            ),
        ],
    ),
    P(
        "SODA-LIME",
        "石灰窑",
        "installation",
        "石灰车间窑区",
        [
            R(
                "窑气CO泄漏中毒",
                "多人中毒",
                _lec(3, 6, 15),
                [
                    C(
                        "engineering",
                        "窑顶、出灰口CO报警仪与排风机联锁",
                        ("SODA-LIME-KILN", LEADER),
                        7,
                        fails={30: ("3号石灰窑出灰口CO报警仪探头失效", "探头积灰，报警值漂移")},
                    ),
                    C("management", "窑顶作业双人确认并携带便携式CO检测仪", ("SODA-LIME", HEAD), 7),
                    C("management", "窑区煤气安全专项检查", SODA_SAFETY, 30),
                ],
            ),
        ],
    ),
    P(
        "SODA-BRINE",
        "化盐桶与盐水罐区",
        "place",
        "盐水车间",
        [
            R(
                "盐水罐顶高处坠落",
                "摔伤",
                _lec(1, 3, 7),
                [
                    C("engineering", "罐顶护栏、爬梯定期检查", ("SODA-BRINE", HEAD), 30),
                ],
            ),
        ],
    ),
    P(
        "SODA-COMP",
        "二氧化碳压缩机",
        "installation",
        "压缩车间",
        [
            R(
                "压缩机机械伤害",
                "肢体伤害",
                _lec(3, 6, 7),
                [
                    C(
                        "engineering",
                        "联轴器防护罩完好，检修执行上锁挂牌",
                        ("SODA-COMP-T", LEADER),
                        7,
                        fails={20: ("2号压缩机联轴器防护罩缺失", "检修后未恢复防护罩")},
                    ),
                ],
            ),
            R(
                "压缩机出口超压爆炸",
                "设备爆炸、人员伤亡",
                _lec(1, 6, 40),
                [
                    C("engineering", "出口安全阀与超压停机联锁每月测试", ("SODA-COMP", HEAD), 30),
                    C("management", "压缩系统超压风险月度检查", SODA_HEAD, 30),
                ],
            ),
        ],
    ),
    P(
        "POWER-BOILER",
        "燃煤锅炉",
        "installation",
        "热电分公司主厂房",
        [
            R(
                "锅炉缺水、超压爆炸",
                "锅炉爆炸、人员伤亡",
                _lec(1, 6, 100),
                [
                    C("engineering", "水位、压力保护及联锁每月试验", POWER_HEAD, 30),
                    C(
                        "management",
                        "司炉持证上岗，交接班检查水位计",
                        ("POWER-BOILER-T", LEADER),
                        1,
                        lapsed=3,
                    ),
                    C(
                        "emergency",
                        "锅炉爆管事故应急处置卡上墙并每半年演练",
                        ("POWER-BOILER", HEAD),
                        180,
                    ),
                    C("management", "锅炉压力容器安全包保，每季度检查", PROD_VP, 90),
                ],
            ),
            R(
                "制粉系统煤粉爆炸",
                "火灾爆炸",
                _lec(1, 6, 40),
                [
                    C("engineering", "磨煤机出口温度控制与防爆门检查", ("POWER-BOILER", HEAD), 14),
                    C("management", "制粉系统防爆专项检查", POWER_HEAD, 30),
                ],
            ),
        ],
    ),
    P(
        "RAIL-CROSS",
        "厂区铁路道口",
        "place",
        "纯碱厂北门道口",
        [
            R(
                "列车与车辆行人碰撞",
                "车辆伤害",
                _lec(3, 6, 15),
                [
                    C("management", "道口看守、栏杆与声光报警每班检查", ("RAIL-CROSS", LEADER), 1),
                    C("management", "调车作业联控与限速执行情况抽查", RAIL_HEAD, 30),
                ],
            ),
        ],
    ),
    P(
        "SEWAGE-OPS",
        "污水池与检查井",
        "place",
        "园区污水处理站",
        [
            R(
                "有限空间作业中毒窒息（硫化氢）",
                "多人中毒窒息死亡",
                _lec(1, 6, 40),
                [
                    C(
                        "management",
                        "有限空间作业审批，先通风、再检测、后作业，专人监护",
                        SEWAGE_HEAD,
                        30,
                    ),
                    C(
                        "engineering",
                        "便携式四合一气体检测仪每周标定",
                        ("SEWAGE-OPS", SECTION_HEAD),
                        7,
                    ),
                    C(
                        "emergency",
                        "有限空间救援预案每半年演练，严禁盲目施救",
                        ("SEWAGE-OPS", SECTION_HEAD),
                        180,
                    ),
                ],
            ),
        ],
    ),
    P(
        "SODA-DIST",
        "蒸吸车间检修作业",
        "activity",
        "蒸吸车间",
        [
            R(
                "动火作业引燃残氨",
                "火灾、灼烫",
                _lec(1, 3, 15),
                [
                    C("management", "动火作业票证、气体分析与监火人", ("SODA-DIST-NH3", LEADER), 7),
                ],
            ),
        ],
    ),
]


def _at(day: date) -> datetime:
    """Ten in the morning in Shanghai on ``day``."""
    return datetime.combine(day, time(2, 0), tzinfo=UTC)


def load(*, now: datetime) -> list[dict[str, Any]]:
    """Add the register (and the units, posts and people it needs) when missing."""
    admin = demo.find_user(demo.ADMIN_EMAIL)
    _load_org(admin, now)
    today = local_date(now)
    for point in POINTS:
        _load_point(admin, point, today)
    return [
        {"email": demo.email_of(local), "password": demo.PASSWORD, "role": role}
        for local, role in LOGINS
    ]


def _load_org(admin: User, now: datetime) -> None:
    from safety.services import matrix

    for code, name, parent in UNITS:
        if db.session.scalar(sa.select(Unit.id).where(Unit.code == code)) is None:
            org.create_unit(
                admin, name=name, code=code, parent_id=demo.find_unit(parent).id, now=now
            )
    for code, title, level, superior in POSTS:
        if demo._post(code, title) is None:
            org.create_post(
                admin,
                title=title,
                unit_id=demo.find_unit(code).id,
                level=level,
                superior_post_id=demo.find_post(*superior).id,
                now=now,
            )
    for local, name, code, title in PEOPLE:
        user = demo._user(demo.email_of(local))
        if user is None:
            user = org.create_user(
                admin, email=demo.email_of(local), name=name, password=demo.PASSWORD, now=now
            )
        post = demo.find_post(code, title)
        if (
            db.session.scalar(
                sa.select(PostHolder.id).where(
                    PostHolder.post_id == post.id, PostHolder.user_id == user.id
                )
            )
            is None
        ):
            org.assign_holder(
                admin,
                post_id=post.id,
                user_id=user.id,
                start_date=demo.START,
                end_date=None,
                now=now,
            )
    heads = {
        code: title
        for code, title, level, _s in POSTS
        if level == "management" and title != EQUIPMENT
    }
    heads.update({code: LEADER for code, title, _l, _s in POSTS if title == LEADER})
    for code, title in heads.items():
        post = demo.find_post(code, title)
        if (
            db.session.scalar(
                sa.select(Responsibility.id).where(
                    Responsibility.post_id == post.id, Responsibility.unit_id == post.unit_id
                )
            )
            is None
        ):
            matrix.create_responsibility(
                admin, post_id=post.id, unit_id=post.unit_id, kind="main", now=now
            )


def _load_point(admin: User, spec: P, today: date) -> None:
    unit = demo.find_unit(spec.unit)
    exists = db.session.scalar(
        sa.select(RiskPoint.id).where(RiskPoint.unit_id == unit.id, RiskPoint.name == spec.name)
    )
    if exists is not None:
        return
    start = today - timedelta(days=HISTORY_DAYS)
    point = risks.create_risk_point(
        admin,
        {
            "unit_id": unit.id,
            "name": spec.name,
            "kind": spec.kind,
            "location": spec.location,
            "description": spec.description or None,
        },
        now=_at(start),
        today=start,
    )
    for r in spec.risks:
        risk = risks.create_risk(
            admin,
            point,
            {"event": r.event, "consequence": r.consequence, **r.assessment},
            now=_at(start),
            today=start,
        )
        for c in r.controls:
            post = demo.find_post(*c.owner)
            begin = today - timedelta(days=min(HISTORY_DAYS, c.every * 6))
            control = risks.create_control(
                admin,
                risk,
                {
                    "kind": c.kind,
                    "text": c.text,
                    "owner_post_id": post.id,
                    "check_every_days": c.every,
                },
                now=_at(begin),
                today=begin,
            )
            _checks(control, post, c, today)


def _checks(control: Any, post: Post, spec: C, today: date) -> None:
    """Check on every due date before today (or until it lapsed); failures raise hazards."""
    stop = today - timedelta(days=max(spec.lapsed, 1))  # today's checks are left to do
    day = control.next_due
    while day <= stop:
        holders = holders_on([post.id], day)[post.id]
        if not holders:
            return  # a vacant owner post: nobody checks, the checks fall overdue
        ago = (today - day).days
        failure = next(
            (
                (title, note)
                for fail_ago, (title, note) in spec.fails.items()
                if ago <= fail_ago < ago + spec.every
            ),
            None,
        )
        data: dict[str, Any] = {"result": "effective", "note": None}
        if failure:
            data = {
                "result": "failed",
                "note": failure[1],
                "hazard": {"title": failure[0], "level": "general"},
            }
        risk_checks.record_check(holders[0], control, data, now=_at(day), today=day)
        day = control.next_due
