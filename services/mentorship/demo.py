"""The mentorship part of the demo city: mentors for every demo trainee with a few
deliberate gaps, six months of talks with a realistic share missing, a training, key
projects and a published showcase. Runs after roster's demo has reached the projections;
everything goes through the domain functions, so every change is announced."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.mentorship.domain import assignments, talks, training
from services.mentorship.domain.common import city_today
from services.mentorship.models import Assignment, Position, Project, Trainee
from shared.clock import month_bounds
from shared.db import settings_of

# Seats left empty on purpose, so that coverage and gap filling have something to show.
GAPS = {(5, "business"), (17, "business"), (29, "practical"), (33, "integrity")}
TOPICS = [
    "谈了近期参与百千万工程的体会，梳理了村里产业发展的思路。",
    "交流了入户走访中遇到的困难，指导如何与群众打交道。",
    "围绕理论学习和党性修养谈心，布置了下月读书任务。",
    "关心生活和住宿情况，了解到周转房热水器故障，已协调处理。",
    "复盘村“两委”会议组织情况，提醒注意工作作风和廉洁自律。",
]


def is_loaded(session: Session) -> bool:
    """True once assignments exist (the demo or real data)."""
    return session.scalar(sa.select(sa.func.count()).select_from(Assignment)) > 0


def ready(session: Session) -> bool:
    """Whether roster's demo has arrived in the projections."""
    return session.scalar(sa.select(sa.func.count()).select_from(Trainee)) >= 40


def _people(session: Session, kind: str, **place) -> list[int]:
    column, value = next(iter(place.items()))
    return list(
        session.scalars(
            sa.select(Position.person_id)
            .where(Position.kind == kind, getattr(Position, column) == value)
            .order_by(Position.person_id)
        )
    )


def load(session: Session, today: dt.date | None = None) -> dict:
    """Create the demo's mentorship data (the caller commits). Returns counts."""
    config = settings_of(session)
    today = today or city_today(config.TIME_ZONE)
    rng = random.Random(3)
    start = (today.replace(day=1) - dt.timedelta(days=185)).replace(day=1)
    trainees = session.scalars(sa.select(Trainee).order_by(Trainee.id)).all()
    made = 0
    for trainee in trainees:
        choices = {
            "integrity": _people(session, "unit_leadership", unit_id=trainee.unit_id)[:1],
            "business": _people(session, "unit_middle_cadre", unit_id=trainee.unit_id),
        }
        if trainee.village_id:
            choices["responsible"] = _people(session, "town_party_deputy", town_id=trainee.town_id)
            choices["practical"] = _people(
                session, "village_party_secretary", village_id=trainee.village_id
            )
        for role, people in choices.items():
            if (trainee.id, role) in GAPS or not people:
                continue
            mentor = people[trainee.id % len(people)]
            first = max(start, trainee.placement_start or start)
            assignments.assign(
                session,
                trainee.id,
                mentor,
                role,
                start_date=first,
                replace=False,
                by="demo",
                capacity=config.MENTOR_CAPACITY,
                today=today,
            )
            made += 1

    talk_count = 0
    month = start
    while month <= today:
        first, month_end = month_bounds(month.year, month.month)
        last = min(month_end, today)
        for trainee in trainees:
            seats = session.scalars(
                sa.select(Assignment).where(
                    Assignment.trainee_id == trainee.id,
                    Assignment.active.is_(True),
                    Assignment.start_date <= last,
                )
            ).all()
            if not seats or rng.random() < 0.18:  # about one trainee-month in six: no talk
                continue
            for seat in rng.sample(seats, k=min(len(seats), rng.choice([1, 1, 2]))):
                day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
                talk = talks.record_talk(
                    session,
                    seat.mentor_id,
                    {
                        "trainee_id": trainee.id,
                        "role": seat.role,
                        "talk_date": max(day, seat.start_date),
                        "mode": rng.choice(["in_person", "in_person", "phone", "video"]),
                        "aspects": rng.sample(
                            ["political", "practice", "conduct", "care"], k=rng.randrange(1, 4)
                        ),
                        "summary": rng.choice(TOPICS),
                        "guidance": "按计划推进，有问题及时沟通。",
                        "follow_ups": [
                            {"action": "提交下月工作计划", "due_date": last + dt.timedelta(days=5)}
                        ],
                    },
                    today=today,
                    recorded_by="demo",
                )
                if rng.random() < 0.6:
                    talks.acknowledge_talk(session, talk, "收获很大，会按导师建议落实。")
                talk_count += 1
        month = month_end + dt.timedelta(days=1)

    everyone = sa.true()
    event = training.create_event(
        session,
        {
            "kind": "training",
            "title": "选调生能力提升专题培训",
            "date": today.replace(day=1),
            "hours": Decimal("6"),
            "organiser": "市委组织部",
            "description": "乡村振兴与基层治理",
            "invite": {"cohorts": [2025]},
        },
        within=everyone,
        created_by="demo",
    )
    invited = [t.id for t in trainees if t.cohort == 2025 and t.status == "active"]
    training.mark_attendance(
        session, event, invited[: max(1, len(invited) * 4 // 5)], within=everyone
    )
    for name, category in (
        ("百千万工程", "中心工作"),
        ("区域品牌创建", "重点项目"),
        ("节庆活动", "重点项目"),
    ):
        training.create_project(
            session, {"name": name, "category": category, "description": f"{name}（演示）"}
        )
    project = session.scalar(sa.select(Project).where(Project.name == "百千万工程"))
    joined = []
    for trainee in trainees[:12]:
        joined.append(
            training.join_project(
                session,
                project,
                trainee,
                {"role": "驻村工作队员", "results": "协助引进特色农业项目", "start_date": start},
            )
        )
    showcase = training.nominate_showcase(
        session,
        trainees[0],
        {
            "participation_id": joined[0].id,
            "title": "扎根乡土的青春答卷",
            "story": "驻村以来带动村集体增收，获得群众好评。",
        },
        by="demo",
        role="town",
        scope_id=trainees[0].town_id,
    )
    training.decide_showcase(session, showcase, True, "demo")
    return {"assignments": made, "talks": talk_count, "projects": 3, "participations": 12}
