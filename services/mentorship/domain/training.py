"""Training and study events with invitations and attendance, each trainee's training
hours, key projects (中心工作/重点项目) with participation, and showcase stories. No Flask.

Scope arrives as SQL clauses over trainee ids (``within``), built by the caller from the
token, so that these rules never see a request.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.mentorship.domain.common import emit
from services.mentorship.models import (
    Attendance,
    Participation,
    Project,
    Showcase,
    Trainee,
    TrainingEvent,
)
from shared.db import utcnow
from shared.errors import Conflict, DomainError, only_active
from shared.normalize import message

TENTH = Decimal("0.1")
#: A showcase's status in Chinese, for refusals (as the console shows it).
SHOWCASE_STATUS_NAMES = {"nominated": "已推荐", "published": "已发布", "declined": "未采用"}


# -- training and study --------------------------------------------------------------------


def create_event(session: Session, data: dict, *, within, created_by: str) -> TrainingEvent:
    """Create an event and invite the active trainees matching any criterion of
    ``data["invite"]`` (towns, units, cohorts, trainees) among those ``within`` the
    caller's scope. Trainees named one by one must all be active and in scope."""
    invite = data["invite"]
    criteria = []
    for key, column in (
        ("town_ids", Trainee.town_id),
        ("unit_ids", Trainee.unit_id),
        ("cohorts", Trainee.cohort),
        ("trainee_ids", Trainee.id),
    ):
        if invite.get(key):
            criteria.append(column.in_(set(invite[key])))
    if not criteria:
        raise DomainError.on(
            "invite",
            ("请选择邀请对象", "say whom to invite"),
            ("请选择镇（街）、单位、届别或选调生", "name towns, units, cohorts or trainees"),
        )
    ids = session.scalars(
        sa.select(Trainee.id)
        .where(Trainee.status == "active", within, sa.or_(*criteria))
        .order_by(Trainee.id)
    ).all()
    unknown = sorted(set(invite.get("trainee_ids") or ()) - set(ids))
    if unknown:
        why = message(
            f"不在岗或不在您的管理范围内：{unknown[:20]}",
            f"not active or not in your scope: {unknown[:20]}",
        )
        raise DomainError(
            message(
                "所列选调生中有的不在岗或不在您的管理范围内",
                "some trainees named are not active trainees in your scope",
            ),
            {"invite": {"trainee_ids": [why]}},
        )
    if not ids:
        raise DomainError.on(
            "invite",
            (
                "邀请范围内没有您管理范围内的在岗选调生",
                "the invitation matches no active trainee in your scope",
            ),
            ("没有匹配的选调生", "matches nobody"),
        )
    event = TrainingEvent(
        kind=data["kind"],
        title=data["title"],
        date=data["date"],
        hours=data["hours"].quantize(TENTH),
        organiser=data.get("organiser", ""),
        description=data.get("description", ""),
        created_by=created_by,
    )
    session.add(event)
    session.flush()
    session.execute(
        sa.insert(Attendance),
        [{"event_id": event.id, "trainee_id": trainee_id, "attended": False} for trainee_id in ids],
    )
    return event


def mark_attendance(
    session: Session, event: TrainingEvent, trainee_ids: list[int], *, within
) -> tuple[list[int], list[int]]:
    """Mark invited trainees (``within`` the caller's scope) as attended and announce
    ``training.attended`` once per trainee: returns (newly marked, marked before).

    The conditional UPDATE is what makes it idempotent, also under concurrent requests:
    only the request that turns a row from not attended to attended announces it.
    """
    wanted = set(trainee_ids)
    invited = set(
        session.scalars(
            sa.select(Attendance.trainee_id).where(
                Attendance.event_id == event.id, Attendance.trainee_id.in_(wanted), within
            )
        )
    )
    missing = sorted(wanted - invited)
    if missing:
        raise DomainError.on(
            "trainee_ids",
            (
                "有的选调生未受邀参加本次活动（或不在您的管理范围内）",
                "some trainees were not invited to this event (or are not in your scope)",
            ),
            (f"未受邀：{missing[:20]}", f"not invited: {missing[:20]}"),
        )
    newly = sorted(
        session.scalars(
            sa.update(Attendance)
            .where(
                Attendance.event_id == event.id,
                Attendance.trainee_id.in_(wanted),
                Attendance.attended.is_(False),
            )
            .values(attended=True, recorded_at=utcnow())
            .returning(Attendance.trainee_id)
            .execution_options(synchronize_session=False)
        )
    )
    for trainee_id in newly:
        emit(
            session,
            "training.attended",
            {
                "event_id": event.id,
                "trainee_id": trainee_id,
                "kind": event.kind,
                "title": event.title,
                "date": event.date,
                "hours": event.hours,
            },
        )
    return newly, sorted(wanted - set(newly))


def training_hours(session: Session, trainee_id: int, year: int) -> tuple[Decimal, int]:
    """Hours of the events a trainee attended in a calendar year, and how many events."""
    total, count = session.execute(
        sa.select(sa.func.sum(TrainingEvent.hours), sa.func.count(TrainingEvent.id))
        .join(Attendance, Attendance.event_id == TrainingEvent.id)
        .where(
            Attendance.trainee_id == trainee_id,
            Attendance.attended.is_(True),
            TrainingEvent.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
        )
    ).one()
    # SQLite sums NUMERIC as a float: back to tenths of an hour.
    hours = Decimal(str(total or 0)).quantize(TENTH, rounding=ROUND_HALF_UP)
    return hours, count


# -- key projects --------------------------------------------------------------------------


def create_project(session: Session, data: dict) -> Project:
    """Add a key project to the catalogue (names are unique)."""
    if session.scalar(sa.select(Project.id).where(Project.name == data["name"])) is not None:
        raise _name_taken()
    project = Project(**data)
    session.add(project)
    session.flush()
    return project


def update_project(session: Session, project: Project, data: dict) -> Project:
    """Rename, recategorise, describe, close or reopen a project (names stay unique)."""
    name = data.get("name")
    if name is not None and name != project.name:
        taken = session.scalar(
            sa.select(Project.id).where(Project.name == name, Project.id != project.id)
        )
        if taken is not None:
            raise _name_taken()
    for key, value in data.items():
        setattr(project, key, value)
    session.flush()
    return project


def _name_taken() -> Conflict:
    """The refusal of a project name another project has."""
    return Conflict.on(
        "name", ("已有同名项目", "a project with this name exists"), ("已被使用", "already used")
    )


def join_project(session: Session, project: Project, trainee: Trainee, data: dict) -> Participation:
    """A trainee joins a key project in a role; announced as ``project.joined``."""
    if not project.active:
        raise DomainError.on(
            "project", ("该项目已关闭", "this project is closed"), ("项目已关闭", "not active")
        )
    only_active("trainee_id", trainee.status, ("参加项目", "join projects"))
    existing = session.scalar(
        sa.select(Participation.id).where(
            Participation.project_id == project.id, Participation.trainee_id == trainee.id
        )
    )
    if existing is not None:
        raise Conflict.on(
            "trainee_id",
            ("该选调生已参加这个项目", "the trainee already takes part in this project"),
            (f"已参加（参与记录 {existing}）", f"already participating (participation {existing})"),
        )
    participation = Participation(
        project_id=project.id,
        trainee_id=trainee.id,
        role=data.get("role", ""),
        results=data.get("results", ""),
        start_date=data.get("start_date"),
    )
    session.add(participation)
    session.flush()
    emit(
        session,
        "project.joined",
        {
            "participation_id": participation.id,
            "project_id": project.id,
            "project_name": project.name,
            "trainee_id": trainee.id,
            "role": participation.role,
            "start_date": participation.start_date,
        },
    )
    return participation


def update_participation(session: Session, participation: Participation, data: dict):
    """Change a participation's role, results or dates."""
    start = data.get("start_date", participation.start_date)
    end = data.get("end_date", participation.end_date)
    if start is not None and end is not None and end < start:
        raise DomainError.on(
            "end_date",
            ("参加项目的结束日期不能早于开始日期", "a participation cannot end before it starts"),
            ("早于开始日期", "before start_date"),
        )
    for key, value in data.items():
        setattr(participation, key, value)
    session.flush()
    return participation


# -- showcases -----------------------------------------------------------------------------


def nominate_showcase(
    session: Session, trainee: Trainee, data: dict, *, by: str, role: str, scope_id: int | None
) -> Showcase:
    """A town or unit nominates a trainee's outstanding result as a showcase story."""
    participation_id = data.get("participation_id")
    if participation_id is not None:
        participation = session.get(Participation, participation_id)
        if participation is None or participation.trainee_id != trainee.id:
            raise DomainError.on(
                "participation_id",
                (
                    "所选的参与项目记录不属于该选调生",
                    "the participation named is not this trainee's",
                ),
                ("不是该选调生的参与记录", "not a participation of this trainee"),
            )
    showcase = Showcase(
        trainee_id=trainee.id,
        participation_id=participation_id,
        title=data["title"],
        story=data["story"],
        nominated_by=by,
        nominator_role=role,
        nominator_scope=scope_id,
        status="nominated",
    )
    session.add(showcase)
    session.flush()
    return showcase


def decide_showcase(session: Session, showcase: Showcase, publish: bool, by: str) -> Showcase:
    """The city publishes or declines a nomination (once)."""
    session.refresh(showcase, with_for_update=True)
    if showcase.status != "nominated":
        status = SHOWCASE_STATUS_NAMES.get(showcase.status, showcase.status)
        raise Conflict(
            message(
                f"这篇典型事迹已有结果：{status}", f"this showcase is already {showcase.status}"
            ),
            {"status": [showcase.status]},
        )
    showcase.status = "published" if publish else "declined"
    showcase.decided_by = by
    if publish:
        showcase.published_at = utcnow()
    session.flush()
    return showcase
