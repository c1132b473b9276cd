"""The demo organisation: a soda-ash and chemicals group (海晟化工集团).

Modelled on a real Chinese chemical group: headquarters leadership, four
functional departments and five production units. Names are invented.
Every change goes through :mod:`safety.services.org` with the demo admin as
actor, so the audit trail shows the demo like any other data. ``load`` is
idempotent: units are found by code, posts by (unit code, title), people by
email and holdings by (post, person, start date); nothing that exists is
touched, so a second run writes nothing and appends no audit event.

Other demo parts and tests refer to units and posts by these stable keys
(use :func:`find_unit` / :func:`find_post`)::

    code        unit                      posts (superior →)
    ----------  ------------------------  -------------------------------------------
    HQ          海晟化工集团总部           党委书记、董事长 (party); 总经理 (→董事长);
                                          党委副书记, 纪委书记 (→董事长, party);
                                          工会主席 (→党委副书记, party);
                                          分管生产副总经理, 分管安全副总经理 (→总经理);
                                          安全总监 (→总经理)
    HQ-SEP      安全环保部                 部长 (→安全总监); 副部长 (→部长);
                                          安全主管 (→部长); 环保主管 (→部长)
    HQ-FIN      财务部                     部长 (→总经理); 安全员 (→部长)
    HQ-STRAT    战略规划部                 部长 (→总经理); 安全员 (→部长)
    HQ-PROC     采购中心                   主任 (→分管生产副总经理); 安全员 (→主任)
    SODA        纯碱厂                     厂长 (→分管生产副总经理);
                                          分管安全副厂长 (→厂长); 安全员 (→分管安全副厂长)
    SODA-CALC   煅烧车间                   车间主任 (→厂长); 安全员 (→车间主任)
    SODA-CARB   碳化车间                   车间主任 (→厂长, VACANT: nobody ever held it);
                                          安全员 (→车间主任; 陈涛 until 2025-06-30,
                                          吴芳 since 2025-07-01)
    SODA-HEAVY  重碱车间                   车间主任 (→厂长); 安全员 (→车间主任)
    POWER       热电分公司                 经理 (→分管生产副总经理);
                                          分管安全副经理 (→经理); 安全员 (→分管安全副经理)
    SALES       销售分公司                 经理 (→总经理); 分管安全副经理; 安全员 (as POWER)
    RAIL        铁路运输分公司             经理 (→分管生产副总经理); 分管安全副经理; 安全员
    SEWAGE      园区污水处理项目部         项目经理 (→分管生产副总经理);
                                          分管安全副经理 (→项目经理); 安全员

Each second-level unit (:data:`SECOND_LEVEL`) also has a 党支部书记 (party, →党委副书记)
who shares the unit's main responsibility with its head (党政同责); a deputy or the
head of the unit holds it concurrently (兼任), so the demo needs few new logins.

Every holding starts on :data:`START` (2025-01-01) unless noted above.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from safety.extensions import db
from safety.models import Post, PostHolder, Unit, User
from safety.services import org

PASSWORD = "demo12345"
DOMAIN = "demo.safety"
ADMIN_EMAIL = f"admin@{DOMAIN}"
START = date(2025, 1, 1)

# Unit codes: stable keys other demo parts and tests use.
HQ = "HQ"
HQ_SEP = "HQ-SEP"
HQ_FIN = "HQ-FIN"
HQ_STRAT = "HQ-STRAT"
HQ_PROC = "HQ-PROC"
SODA = "SODA"
SODA_CALC = "SODA-CALC"
SODA_CARB = "SODA-CARB"
SODA_HEAVY = "SODA-HEAVY"
POWER = "POWER"
SALES = "SALES"
RAIL = "RAIL"
SEWAGE = "SEWAGE"

# Post titles used more than once.
CHAIRMAN = "党委书记、董事长"
GENERAL_MANAGER = "总经理"
DEPUTY_GM_PRODUCTION = "分管生产副总经理"
DEPUTY_GM_SAFETY = "分管安全副总经理"
CHIEF_SAFETY_OFFICER = "安全总监"
DEPARTMENT_HEAD = "部长"
DEPUTY_DEPARTMENT_HEAD = "副部长"
SAFETY_SUPERVISOR = "安全主管"
ENVIRONMENT_SUPERVISOR = "环保主管"
CENTER_HEAD = "主任"
PLANT_HEAD = "厂长"
PLANT_SAFETY_DEPUTY = "分管安全副厂长"
WORKSHOP_HEAD = "车间主任"
BRANCH_HEAD = "经理"
BRANCH_SAFETY_DEPUTY = "分管安全副经理"
PROJECT_HEAD = "项目经理"
SAFETY_OFFICER = "安全员"
# Party posts (党组织, 党政同责).
PARTY_DEPUTY_SECRETARY = "党委副书记"
DISCIPLINE_SECRETARY = "纪委书记"
UNION_CHAIR = "工会主席"
BRANCH_SECRETARY = "党支部书记"

#: Second-level units: each has a party branch secretary beside its administrative head.
SECOND_LEVEL = [HQ_SEP, HQ_FIN, HQ_STRAT, HQ_PROC, SODA, POWER, SALES, RAIL, SEWAGE]

#: Posts of the Party organisation (the chairman is also the party committee's secretary).
PARTY_POSTS: set[tuple[str, str]] = {
    (HQ, CHAIRMAN),
    (HQ, PARTY_DEPUTY_SECRETARY),
    (HQ, DISCIPLINE_SECRETARY),
    (HQ, UNION_CHAIR),
} | {(code, BRANCH_SECRETARY) for code in SECOND_LEVEL}

#: The post left vacant on purpose (the matrix's gaps page shows it).
VACANT_POST = (SODA_CARB, WORKSHOP_HEAD)

#: (code, name, parent code), parents first.
UNITS: list[tuple[str, str, str | None]] = [
    (HQ, "海晟化工集团总部", None),
    (HQ_SEP, "安全环保部", HQ),
    (HQ_FIN, "财务部", HQ),
    (HQ_STRAT, "战略规划部", HQ),
    (HQ_PROC, "采购中心", HQ),
    (SODA, "纯碱厂", HQ),
    (SODA_CALC, "煅烧车间", SODA),
    (SODA_CARB, "碳化车间", SODA),
    (SODA_HEAVY, "重碱车间", SODA),
    (POWER, "热电分公司", HQ),
    (SALES, "销售分公司", HQ),
    (RAIL, "铁路运输分公司", HQ),
    (SEWAGE, "园区污水处理项目部", HQ),
]

PostKey = tuple[str, str]

#: (unit code, title, level, superior (unit code, title), business duties), superiors first.
POSTS: list[tuple[str, str, str, PostKey | None, str]] = [
    (HQ, CHAIRMAN, "decision", None, "主持集团党委和董事会工作，对集团安全生产负全面领导责任。"),
    (
        HQ,
        GENERAL_MANAGER,
        "decision",
        (HQ, CHAIRMAN),
        "主持集团生产经营管理，是安全生产第一责任人。",
    ),
    (
        HQ,
        PARTY_DEPUTY_SECRETARY,
        "decision",
        (HQ, CHAIRMAN),
        "协助党委书记抓党建、宣传和安全文化建设。",
    ),
    (HQ, DISCIPLINE_SECRETARY, "decision", (HQ, CHAIRMAN), "主持纪委工作，监督执纪问责。"),
    (HQ, UNION_CHAIR, "management", (HQ, PARTY_DEPUTY_SECRETARY), "主持工会工作，维护职工权益。"),
    (HQ, DEPUTY_GM_PRODUCTION, "decision", (HQ, GENERAL_MANAGER), "分管生产、设备、采购和运输。"),
    (HQ, DEPUTY_GM_SAFETY, "decision", (HQ, GENERAL_MANAGER), "分管安全环保和应急管理。"),
    (
        HQ,
        CHIEF_SAFETY_OFFICER,
        "decision",
        (HQ, GENERAL_MANAGER),
        "协助总经理管理安全生产，监督各单位落实安全责任。",
    ),
    (HQ_SEP, DEPARTMENT_HEAD, "management", (HQ, CHIEF_SAFETY_OFFICER), "负责安全环保部全面工作。"),
    (
        HQ_SEP,
        DEPUTY_DEPARTMENT_HEAD,
        "management",
        (HQ_SEP, DEPARTMENT_HEAD),
        "协助部长，分管隐患排查治理。",
    ),
    (
        HQ_SEP,
        SAFETY_SUPERVISOR,
        "management",
        (HQ_SEP, DEPARTMENT_HEAD),
        "组织安全检查，督办隐患整改。",
    ),
    (
        HQ_SEP,
        ENVIRONMENT_SUPERVISOR,
        "management",
        (HQ_SEP, DEPARTMENT_HEAD),
        "负责环保监测和排污许可管理。",
    ),
    (
        HQ_FIN,
        DEPARTMENT_HEAD,
        "management",
        (HQ, GENERAL_MANAGER),
        "负责资金计划、核算和安全生产费用管理。",
    ),
    (
        HQ_FIN,
        SAFETY_OFFICER,
        "operation",
        (HQ_FIN, DEPARTMENT_HEAD),
        "兼职安全员，负责部门办公安全。",
    ),
    (
        HQ_STRAT,
        DEPARTMENT_HEAD,
        "management",
        (HQ, GENERAL_MANAGER),
        "负责发展规划和投资项目管理。",
    ),
    (
        HQ_STRAT,
        SAFETY_OFFICER,
        "operation",
        (HQ_STRAT, DEPARTMENT_HEAD),
        "兼职安全员，负责建设项目安全“三同时”资料。",
    ),
    (HQ_PROC, CENTER_HEAD, "management", (HQ, DEPUTY_GM_PRODUCTION), "负责物资采购和供应商管理。"),
    (
        HQ_PROC,
        SAFETY_OFFICER,
        "operation",
        (HQ_PROC, CENTER_HEAD),
        "负责危险化学品采购和仓储安全。",
    ),
    (
        SODA,
        PLANT_HEAD,
        "management",
        (HQ, DEPUTY_GM_PRODUCTION),
        "主持纯碱厂生产经营，是本厂安全生产第一责任人。",
    ),
    (SODA, PLANT_SAFETY_DEPUTY, "management", (SODA, PLANT_HEAD), "分管本厂安全生产和隐患治理。"),
    (
        SODA,
        SAFETY_OFFICER,
        "operation",
        (SODA, PLANT_SAFETY_DEPUTY),
        "专职安全员，负责全厂安全检查。",
    ),
    (
        SODA_CALC,
        WORKSHOP_HEAD,
        "management",
        (SODA, PLANT_HEAD),
        "负责煅烧炉和重碱输送系统的运行。",
    ),
    (
        SODA_CALC,
        SAFETY_OFFICER,
        "operation",
        (SODA_CALC, WORKSHOP_HEAD),
        "负责车间班组安全检查和作业票管理。",
    ),
    (SODA_CARB, WORKSHOP_HEAD, "management", (SODA, PLANT_HEAD), "负责碳化塔和氨盐水系统的运行。"),
    (
        SODA_CARB,
        SAFETY_OFFICER,
        "operation",
        (SODA_CARB, WORKSHOP_HEAD),
        "负责车间氨区巡检和有限空间作业监护。",
    ),
    (SODA_HEAVY, WORKSHOP_HEAD, "management", (SODA, PLANT_HEAD), "负责重碱过滤和母液系统的运行。"),
    (
        SODA_HEAVY,
        SAFETY_OFFICER,
        "operation",
        (SODA_HEAVY, WORKSHOP_HEAD),
        "负责车间班组安全检查。",
    ),
    (POWER, BRANCH_HEAD, "management", (HQ, DEPUTY_GM_PRODUCTION), "主持热电分公司生产经营。"),
    (POWER, BRANCH_SAFETY_DEPUTY, "management", (POWER, BRANCH_HEAD), "分管锅炉、汽机和电气安全。"),
    (POWER, SAFETY_OFFICER, "operation", (POWER, BRANCH_SAFETY_DEPUTY), "负责锅炉房和配电室巡检。"),
    (SALES, BRANCH_HEAD, "management", (HQ, GENERAL_MANAGER), "主持产品销售和客户管理。"),
    (
        SALES,
        BRANCH_SAFETY_DEPUTY,
        "management",
        (SALES, BRANCH_HEAD),
        "分管成品库和危化品运输车辆安全。",
    ),
    (SALES, SAFETY_OFFICER, "operation", (SALES, BRANCH_SAFETY_DEPUTY), "负责装车作业现场安全。"),
    (RAIL, BRANCH_HEAD, "management", (HQ, DEPUTY_GM_PRODUCTION), "主持铁路专用线运输。"),
    (RAIL, BRANCH_SAFETY_DEPUTY, "management", (RAIL, BRANCH_HEAD), "分管行车和调车作业安全。"),
    (
        RAIL,
        SAFETY_OFFICER,
        "operation",
        (RAIL, BRANCH_SAFETY_DEPUTY),
        "负责道口和调车作业现场检查。",
    ),
    (
        SEWAGE,
        PROJECT_HEAD,
        "management",
        (HQ, DEPUTY_GM_PRODUCTION),
        "负责园区污水处理项目建设和运营。",
    ),
    (SEWAGE, BRANCH_SAFETY_DEPUTY, "management", (SEWAGE, PROJECT_HEAD), "分管施工和运营安全。"),
    (
        SEWAGE,
        SAFETY_OFFICER,
        "operation",
        (SEWAGE, BRANCH_SAFETY_DEPUTY),
        "负责有限空间和动火作业监护。",
    ),
    *[
        (code, BRANCH_SECRETARY, "management", (HQ, PARTY_DEPUTY_SECRETARY), "主持党支部工作。")
        for code in SECOND_LEVEL
    ],
]

#: (email local part, name, [(unit code, title, start, end)]).
PEOPLE: list[tuple[str, str, list[tuple[str, str, date, date | None]]]] = [
    ("gaozhiyuan", "高志远", [(HQ, CHAIRMAN, START, None)]),
    ("wangzhenhua", "王振华", [(HQ, GENERAL_MANAGER, START, None)]),
    ("liujianguo", "刘建国", [(HQ, DEPUTY_GM_PRODUCTION, START, None)]),
    ("chenlixin", "陈立新", [(HQ, DEPUTY_GM_SAFETY, START, None)]),
    ("zhaoanguo", "赵安国", [(HQ, CHIEF_SAFETY_OFFICER, START, None)]),
    ("sunhaitao", "孙海涛", [(HQ_SEP, DEPARTMENT_HEAD, START, None)]),
    (
        "mali",
        "马丽",
        [(HQ_SEP, DEPUTY_DEPARTMENT_HEAD, START, None), (HQ_SEP, BRANCH_SECRETARY, START, None)],
    ),
    ("zhoujing", "周静", [(HQ_SEP, SAFETY_SUPERVISOR, START, None)]),
    ("zhengyu", "郑宇", [(HQ_SEP, ENVIRONMENT_SUPERVISOR, START, None)]),
    (
        "qianxiuying",
        "钱秀英",
        [(HQ_FIN, DEPARTMENT_HEAD, START, None), (HQ_FIN, BRANCH_SECRETARY, START, None)],
    ),
    ("fenglei", "冯磊", [(HQ_FIN, SAFETY_OFFICER, START, None)]),
    (
        "hewenbo",
        "何文博",
        [(HQ_STRAT, DEPARTMENT_HEAD, START, None), (HQ_STRAT, BRANCH_SECRETARY, START, None)],
    ),
    ("xuchen", "许晨", [(HQ_STRAT, SAFETY_OFFICER, START, None)]),
    (
        "handong",
        "韩冬",
        [(HQ_PROC, CENTER_HEAD, START, None), (HQ_PROC, BRANCH_SECRETARY, START, None)],
    ),
    ("caoyang", "曹阳", [(HQ_PROC, SAFETY_OFFICER, START, None)]),
    ("sunjianhua", "孙建华", [(SODA, PLANT_HEAD, START, None)]),
    (
        "yangfan",
        "杨帆",
        [(SODA, PLANT_SAFETY_DEPUTY, START, None), (SODA, BRANCH_SECRETARY, START, None)],
    ),
    ("zhuwei", "朱伟", [(SODA, SAFETY_OFFICER, START, None)]),
    ("huangzhiqiang", "黄志强", [(SODA_CALC, WORKSHOP_HEAD, START, None)]),
    ("liming", "李明", [(SODA_CALC, SAFETY_OFFICER, START, None)]),
    ("chentao", "陈涛", [(SODA_CARB, SAFETY_OFFICER, START, date(2025, 6, 30))]),
    ("wufang", "吴芳", [(SODA_CARB, SAFETY_OFFICER, date(2025, 7, 1), None)]),
    ("xugang", "徐刚", [(SODA_HEAVY, WORKSHOP_HEAD, START, None)]),
    ("linxiao", "林晓", [(SODA_HEAVY, SAFETY_OFFICER, START, None)]),
    ("luobin", "罗斌", [(POWER, BRANCH_HEAD, START, None)]),
    (
        "liangyong",
        "梁勇",
        [(POWER, BRANCH_SAFETY_DEPUTY, START, None), (POWER, BRANCH_SECRETARY, START, None)],
    ),
    ("songjia", "宋佳", [(POWER, SAFETY_OFFICER, START, None)]),
    ("xiepeng", "谢鹏", [(SALES, BRANCH_HEAD, START, None)]),
    (
        "tangmin",
        "唐敏",
        [(SALES, BRANCH_SAFETY_DEPUTY, START, None), (SALES, BRANCH_SECRETARY, START, None)],
    ),
    ("dengchao", "邓超", [(SALES, SAFETY_OFFICER, START, None)]),
    ("pengjun", "彭军", [(RAIL, BRANCH_HEAD, START, None)]),
    (
        "zenghui",
        "曾辉",
        [(RAIL, BRANCH_SAFETY_DEPUTY, START, None), (RAIL, BRANCH_SECRETARY, START, None)],
    ),
    ("jiangtao", "蒋涛", [(RAIL, SAFETY_OFFICER, START, None)]),
    ("shenjie", "沈洁", [(SEWAGE, PROJECT_HEAD, START, None)]),
    (
        "lufeng",
        "卢峰",
        [(SEWAGE, BRANCH_SAFETY_DEPUTY, START, None), (SEWAGE, BRANCH_SECRETARY, START, None)],
    ),
    ("tianye", "田野", [(SEWAGE, SAFETY_OFFICER, START, None)]),
    ("lihongmei", "李红梅", [(HQ, PARTY_DEPUTY_SECRETARY, START, None)]),
    ("zhanggang", "张钢", [(HQ, DISCIPLINE_SECRETARY, START, None)]),
    ("wangshulan", "王淑兰", [(HQ, UNION_CHAIR, START, None)]),
]

#: The logins printed by ``demo load``: (email, role).
LOGINS: list[tuple[str, str]] = [
    (ADMIN_EMAIL, "系统管理员 administrator"),
    (f"wangzhenhua@{DOMAIN}", "总经理 general manager"),
    (f"zhaoanguo@{DOMAIN}", "安全总监 chief safety officer"),
    (f"zhoujing@{DOMAIN}", "安全环保部安全主管 safety department supervisor"),
    (f"sunjianhua@{DOMAIN}", "纯碱厂厂长 soda ash plant head"),
    (f"liming@{DOMAIN}", "煅烧车间安全员 calcination workshop safety officer"),
]


def email_of(local: str) -> str:
    """The demo email address for a pinyin local part."""
    return f"{local}@{DOMAIN}"


def find_unit(code: str) -> Unit:
    """The demo unit with ``code``.

    :raise LookupError: when the demo organisation is not loaded.
    """
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code))
    if unit is None:
        raise LookupError(f"no unit with code {code!r}: is the demo loaded?")
    return unit


def find_post(unit_code: str, title: str) -> Post:
    """The demo post ``title`` in the unit ``unit_code``.

    :raise LookupError: when there is no such post.
    """
    post = _post(unit_code, title)
    if post is None:
        raise LookupError(f"no post {title!r} in unit {unit_code!r}: is the demo loaded?")
    return post


def find_user(local_or_email: str) -> User:
    """A demo person by email, or by the pinyin part before ``@demo.safety``.

    :raise LookupError: when there is no such person.
    """
    email = local_or_email if "@" in local_or_email else email_of(local_or_email)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        raise LookupError(f"no user {email!r}: is the demo loaded?")
    return user


def _post(unit_code: str, title: str) -> Post | None:
    return db.session.scalar(
        sa.select(Post)
        .join(Unit, Unit.id == Post.unit_id)
        .where(Unit.code == unit_code, Post.title == title)
    )


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _admin(now: datetime) -> User:
    """The demo admin, created first (bootstrap: there is no admin to act yet)."""
    admin = _user(ADMIN_EMAIL)
    if admin is None:
        admin = org.create_user(
            None,
            email=ADMIN_EMAIL,
            name="系统管理员",
            password=PASSWORD,
            is_admin=True,
            now=now,
            bootstrap=True,
        )
    return admin


def load(*, now: datetime) -> list[dict[str, Any]]:
    """Create whatever part of the demo organisation is missing; return the logins."""
    admin = _admin(now)
    _load_units(admin, now)
    _load_posts(admin, now)
    _load_people(admin, now)
    return [{"email": email, "password": PASSWORD, "role": role} for email, role in LOGINS]


def _load_units(admin: User, now: datetime) -> None:
    for code, name, parent_code in UNITS:
        if db.session.scalar(sa.select(Unit.id).where(Unit.code == code)) is not None:
            continue
        parent_id = find_unit(parent_code).id if parent_code else None
        org.create_unit(admin, name=name, code=code, parent_id=parent_id, now=now)


def _load_posts(admin: User, now: datetime) -> None:
    for unit_code, title, level, superior, duties in POSTS:
        if _post(unit_code, title) is not None:
            continue
        org.create_post(
            admin,
            title=title,
            unit_id=find_unit(unit_code).id,
            level=level,
            superior_post_id=find_post(*superior).id if superior else None,
            business_duties=duties,
            party=(unit_code, title) in PARTY_POSTS,
            now=now,
        )


def _load_people(admin: User, now: datetime) -> None:
    for local, name, holdings in PEOPLE:
        user = _user(email_of(local))
        if user is None:
            user = org.create_user(
                admin, email=email_of(local), name=name, password=PASSWORD, now=now
            )
        for unit_code, title, start, end in holdings:
            post = find_post(unit_code, title)
            held = db.session.scalar(
                sa.select(PostHolder.id).where(
                    PostHolder.post_id == post.id,
                    PostHolder.user_id == user.id,
                    PostHolder.start_date == start,
                )
            )
            if held is None:
                org.assign_holder(
                    admin,
                    post_id=post.id,
                    user_id=user.id,
                    start_date=start,
                    end_date=end,
                    now=now,
                )
