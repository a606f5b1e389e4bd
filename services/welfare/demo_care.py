"""The care part of the welfare demo: turnover housing in every town with a few vacancies
(and one trainee who moved, flagged for release), idle-house conversions, the five small
facilities in mixed states, a past Spring Festival campaign with most trainees visited,
and needs in every state (open, in progress, resolved, closed, reopened, overdue, one
confidential). Everything goes through the domain functions, so every change is
announced; the caller commits."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.domain import facilities, housing, needs, visits
from services.welfare.models import Town, Trainee
from services.welfare.models_care import FACILITY_KINDS, Need

BY = "demo"
STREETS = ["镇政府大院", "文化站旁", "卫生院后楼", "中学教师宿舍", "老供销社"]
VISITORS = ["市委组织部 陈科长", "区委组织部 林部长", "用人单位 王书记", "镇党委 黄副书记"]
GIFTS = ["慰问金、春联", "米面油、慰问信", "慰问金、书籍", "棉被、慰问信"]
NEEDS = [
    ("life", "周转房热水器故障", "冬天洗澡不方便，已报修两次。"),
    ("work", "希望参加百千万工程业务培训", "对乡村产业项目申报流程不熟悉。"),
    ("housing", "宿舍离村委会较远", "每天往返一个多小时，希望调整住处。"),
    ("health", "颈椎不适需定期理疗", "希望每月能请假半天去区医院理疗。"),
    ("thoughts", "对今后职业发展有些迷茫", "希望与导师深入谈一次。"),
    ("other", "村里网络信号差", "影响线上学习和报表填报。"),
]


def _spring_festival(today: dt.date) -> tuple[str, dt.date, dt.date]:
    """The latest Spring Festival campaign window (late January to late February) that has
    already ended."""
    year = today.year if today > dt.date(today.year, 2, 28) else today.year - 1
    return f"{year}年春节走访慰问", dt.date(year, 1, 20), dt.date(year, 2, 28)


def _housing(session: Session, towns: list[Town], trainees: list[Trainee], today) -> dict:
    made = {"housing": 0, "allocations": 0, "flagged": 0, "conversions": 0}
    by_town: dict[int, list[Trainee]] = {}
    for trainee in trainees:
        if trainee.town_id is not None and trainee.status == "active":
            by_town.setdefault(trainee.town_id, []).append(trainee)
    for index, town in enumerate(towns):
        residents = by_town.get(town.id, [])
        # Beds for everyone plus one or two to spare: a few vacancies across the city.
        spare = 1 + index % 2
        beds_needed = max(len(residents) + spare, 2)
        units = []
        for n, beds in enumerate((beds_needed - beds_needed // 2, beds_needed // 2)):
            if beds < 1:
                continue
            units.append(
                housing.create_housing(
                    session,
                    town.id,
                    {
                        "address": f"{town.name}{STREETS[(index + n) % len(STREETS)]}{n + 1}号",
                        "rooms": max(1, beds // 2),
                        "beds": beds,
                        "source": "converted_idle_house" if n else "new_build",
                        "condition": "良好" if n == 0 else "已翻新",
                        "note": "",
                    },
                )
            )
            made["housing"] += 1
        slots = [h for h in units for _ in range(h.beds)]
        for trainee, unit in zip(residents, slots, strict=False):
            start = max(trainee.placement_start or today, today - dt.timedelta(days=200))
            housing.allocate(session, unit.id, trainee.id, min(start, today), today=today, by=BY)
            made["allocations"] += 1
        status = ("planned", "in_progress", "done")[index % 3]
        housing.save_conversion(
            session,
            None,
            town.id,
            {
                "address": f"{town.name}闲置村小学",
                "status": status,
                "beds_gained": 4 if status == "done" else 0,
                "planned_on": today - dt.timedelta(days=240),
                "started_on": None if status == "planned" else today - dt.timedelta(days=150),
                "completed_on": today - dt.timedelta(days=30) if status == "done" else None,
                "note": "",
            },
        )
        made["conversions"] += 1
    # One trainee about to move town: the bed is flagged for the clerk to release.
    housed = [t for t in trainees if t.town_id in by_town and t.status == "active"]
    if housed and housing.flag_for_release(session, housed[-1].id, "调往其他镇（演示）"):
        made["flagged"] += 1
    return made


def _facilities(session: Session, towns: list[Town], today: dt.date) -> int:
    made = 0
    for index, town in enumerate(towns):
        # The first town has all five ready; the others fewer, so the overview varies.
        ready = max(0, len(FACILITY_KINDS) - 2 * index)
        for position, kind in enumerate(FACILITY_KINDS):
            if position < ready:
                data = {
                    "state": "ready",
                    "started_on": today - dt.timedelta(days=300),
                    "completed_on": today - dt.timedelta(days=120 - 10 * position),
                }
            elif position == ready:
                data = {"state": "in_progress", "started_on": today - dt.timedelta(days=45)}
            else:
                data = {"state": "none"}
            facilities.set_state(session, town.id, kind, data, today=today, by=BY)
            made += 1
    return made


def _campaign(session: Session, trainees: list[Trainee], today: dt.date, rng) -> dict:
    name, starts, ends = _spring_festival(today)
    campaign = visits.create_campaign(
        session,
        {
            "name": name,
            "starts_on": starts,
            "ends_on": ends,
            "organisers": "市委组织部、各用人单位、各镇（街）党委",
            "description": "春节前后走访慰问在村锻炼的选调生，了解思想、工作和生活情况。",
        },
        by=BY,
    )
    visited = 0
    for index, trainee in enumerate(t for t in trainees if t.status == "active"):
        if index % 6 == 5:
            continue  # about one in six not visited: coverage has something to show
        visits.record_visit(
            session,
            campaign,
            trainee,
            {
                "visitor": VISITORS[index % len(VISITORS)],
                "visit_date": starts + dt.timedelta(days=rng.randrange((ends - starts).days)),
                "notes": "了解工作生活情况，勉励扎根基层。",
                "gifts": GIFTS[index % len(GIFTS)],
                "needs_raised": "",
            },
            today=today,
            by_role="city",
            by=BY,
        )
        visited += 1
    return {"campaigns": 1, "visits": visited}


def _needs(session: Session, trainees: list[Trainee], today: dt.date) -> int:
    active = [t for t in trainees if t.status == "active"]
    if not active:
        return 0
    plan = ["open", "in_progress", "resolved", "closed", "reopened", "overdue", "confidential"]
    made = 0
    for index, state in enumerate(plan * 2):
        trainee = active[(index * 5) % len(active)]
        category, title, description = NEEDS[index % len(NEEDS)]
        raised_on = today - dt.timedelta(days=30 if state == "overdue" else 5 + index)
        need = needs.raise_need(
            session,
            trainee,
            {
                "category": "thoughts" if state == "confidential" else category,
                "title": "个人情况，需保密沟通" if state == "confidential" else title,
                "description": description,
                "confidential": state == "confidential",
            },
            by_role="trainee",
            by=f"trainee:{trainee.id}",
            today=raised_on,
        )
        handler = f"{need.handler_role}:{need.handler_scope_id}"
        if state in ("in_progress", "resolved", "closed", "reopened"):
            needs.start(session, need, by_role=need.handler_role, by=handler)
        if state in ("resolved", "closed", "reopened"):
            needs.resolve(
                session,
                need,
                "已协调相关部门处理。",
                today=raised_on + dt.timedelta(days=3),
                by_role=need.handler_role,
                by=handler,
            )
        if state == "closed":
            needs.confirm(session, need, today=raised_on + dt.timedelta(days=4), by=BY)
        if state == "reopened":
            needs.reopen(
                session, need, "问题仍未解决", today=raised_on + dt.timedelta(days=4), by=BY
            )
        made += 1
    return made


def is_loaded(session: Session) -> bool:
    """True once needs exist (the demo or real data)."""
    return session.scalar(sa.select(sa.func.count()).select_from(Need)) > 0


def load(session: Session, today: dt.date) -> dict:
    """Create the care part of the demo (the caller commits). Returns counts."""
    rng = random.Random(5)
    towns = list(session.scalars(sa.select(Town).order_by(Town.id)))
    trainees = list(session.scalars(sa.select(Trainee).order_by(Trainee.id)))
    made = _housing(session, towns, trainees, today)
    made["facilities"] = _facilities(session, towns, today)
    made.update(_campaign(session, trainees, today, rng))
    made["needs"] = _needs(session, trainees, today)
    return made
