"""The demo city for the embedded default: 6 towns, 30 villages, 8 units, their cadres,
40 trainees, and an account for every town, unit, mentor and trainee (password ``demo``).

Usernames: ``city``; ``town1``..``town6``; ``unit1``..``unit8``; ``mentor1``.. (one per
cadre who can mentor, in id order); ``trainee1``..``trainee40``. Everything goes through
the domain functions, so every record is announced to the other services as in production.
"""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.roster.domain.accounts import account_payload
from services.roster.domain.auth import hash_secret
from services.roster.domain.common import emit
from services.roster.domain.people import create_person
from services.roster.domain.places import create_place
from services.roster.domain.trainees import register_trainee
from services.roster.models import Account, Town, Unit, Village
from shared.clock import city_today
from shared.db import settings_of

PASSWORD = "demo"
TOWNS = ["石龙镇", "新塘镇", "东城街道", "南岗镇", "白云镇", "溪头镇"]
VILLAGE_NAMES = [
    "上坑村",
    "下围村",
    "龙田村",
    "禾𬌗村",
    "新屋村",
    "塘尾村",
    "岭背村",
    "石桥社区",
    "东岸村",
    "西湖村",
]
UNITS = [
    "区委办公室",
    "区发展和改革局",
    "区财政局",
    "区农业农村局",
    "区教育局",
    "区卫生健康局",
    "区住房和城乡建设局",
    "区市场监督管理局",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "𠀾",
    "龘",
    "喆",
    "昊天",
    "梓涵",
    "思远",
    "嘉怡",
    "子轩",
    "晓燕",
    "雨桐",
    "一诺",
    "浩然",
    "欣妍",
    "宇航",
    "佳琪",
]


def _name(rng: random.Random) -> str:
    return (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.3 else "")
    )


def is_loaded(session: Session) -> bool:
    """True once the demo city (or any data) is there."""
    return session.scalar(sa.select(sa.func.count()).select_from(Town)) > 0


def load(session: Session, today: dt.date | None = None) -> dict:
    """Create the demo city in ``session`` (the caller commits). Returns counts."""
    rng = random.Random(20261127)
    today = today or city_today(settings_of(session).TIME_ZONE)
    secret = hash_secret(PASSWORD)
    accounts: list[dict] = []

    def account(username, role, scope_id, display_name, phone=None):
        accounts.append(
            {
                "username": username,
                "role": role,
                "scope_id": scope_id,
                "display_name": display_name,
                "phone": phone,
            }
        )

    account("city", "city", None, "市委组织部")
    towns, villages, units = [], [], []
    for t, town_name in enumerate(TOWNS, start=1):
        town = create_place(session, Town, {"code": f"T{t:02d}", "name": town_name})
        towns.append(town)
        account(f"town{t}", "town", town.id, f"{town_name}党委")
        for v in range(5):
            name = VILLAGE_NAMES[(t * 3 + v) % len(VILLAGE_NAMES)]
            villages.append(
                create_place(
                    session,
                    Village,
                    {"code": f"T{t:02d}V{v + 1:02d}", "name": name, "town_id": town.id},
                )
            )
    for u, unit_name in enumerate(UNITS, start=1):
        unit = create_place(session, Unit, {"code": f"U{u:02d}", "name": unit_name})
        units.append(unit)
        account(f"unit{u}", "unit", unit.id, unit_name)

    mentors, people = [], []

    def cadre(kind, title, **place):
        person = create_person(
            session,
            {
                "name": _name(rng),
                "gender": rng.choice(["男", "女"]),
                "phone": f"+86139{rng.randrange(10**8):08d}",  # stored as E.164
                "positions": [
                    {"kind": kind, "title": title, **place, "start_date": dt.date(2023, 1, 1)}
                ],
            },
        )
        people.append(person)
        if kind not in ("town_staff", "unit_staff"):
            mentors.append(person)
        return person

    for unit in units:
        for title in ("副局长", "党组成员"):
            cadre("unit_leadership", title, unit_id=unit.id)
        for title in ("办公室主任", "科长", "副科长"):
            cadre("unit_middle_cadre", title, unit_id=unit.id)
    for town in towns:
        cadre("town_party_deputy", "党委副书记（分管党建）", town_id=town.id)
        cadre("town_staff", "组织委员", town_id=town.id)
    for village in villages:
        cadre("village_party_secretary", "村党组织书记", village_id=village.id)
    for m, person in enumerate(mentors, start=1):
        account(f"mentor{m}", "mentor", person.id, person.name, person.phone)

    for n in range(1, 41):
        unit = units[(n - 1) % len(units)]
        data = {
            "name": _name(rng),
            "gender": rng.choice(["男", "女"]),
            "birth_date": dt.date(
                1998 + rng.randrange(4), rng.randrange(1, 13), rng.randrange(1, 28)
            ),
            "phone": f"+86138{rng.randrange(10**8):08d}",
            "email": f"trainee{n}@example.org",
            "education": rng.choice(["本科", "硕士研究生", "博士研究生"]),
            "school": rng.choice(["中山大学", "华南理工大学", "暨南大学", "华南农业大学"]),
            "major": rng.choice(["法学", "经济学", "农学", "公共管理", "汉语言文学"]),
            "cohort": 2025 if n <= 24 else 2024,
            "unit_id": unit.id,
        }
        if n <= 38:  # two trainees are not yet placed in a village
            start = today.replace(day=1) - dt.timedelta(days=30 * rng.randrange(6, 16))
            data["placement"] = {
                "village_id": villages[(n - 1) % len(villages)].id,
                "start_date": start.replace(day=rng.choice([1, 1, 8, 15])),
            }
        trainee = register_trainee(session, data)
        account(f"trainee{n}", "trainee", trainee.id, trainee.name, trainee.phone)

    for data in accounts:
        acct = Account(secret_hash=secret, kind="user", **data)
        session.add(acct)
        session.flush()
        emit(session, "account.created", account_payload(acct))
    return {
        "towns": len(towns),
        "villages": len(villages),
        "units": len(units),
        "people": len(people),
        "trainees": 40,
        "accounts": len(accounts),
    }
