"""Mentorship's tables: projections of roster, assignments, talks, training, projects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.audit import AuditMixin
from shared.consumer import InboxMixin
from shared.db import TYPE_ANNOTATION_MAP, utcnow
from shared.evidence import EvidenceMixin
from shared.idempotency import IdempotencyMixin
from shared.outbox import OutboxMixin
from shared.projections import declare_projections


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class IdempotencyKey(IdempotencyMixin, Base):
    pass


# -- projections of roster ---------------------------------------------------------


PROJECTIONS = declare_projections(Base, assignments=False)
Town, Village, Unit = PROJECTIONS.town, PROJECTIONS.village, PROJECTIONS.unit
Person, Position, Trainee = PROJECTIONS.person, PROJECTIONS.position, PROJECTIONS.trainee


# -- assignments ---------------------------------------------------------------------


class Assignment(Base):
    """A person mentoring a trainee in one role, from ``start_date`` until ``end_date``.
    At most one active assignment per trainee and role (a partial unique index)."""

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    mentor_id: Mapped[int] = mapped_column(index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]
    active: Mapped[bool] = mapped_column(default=True)
    end_reason: Mapped[str | None] = mapped_column(sa.String(32))
    # Set when the seat was emptied because the mentor left the position: to be refilled.
    vacated: Mapped[bool] = mapped_column(default=False)
    assigned_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.Index(
            "uq_assignment_active_role",
            "trainee_id",
            "role",
            unique=True,
            postgresql_where=sa.text("active"),
            sqlite_where=sa.text("active"),
        ),
        sa.Index("ix_assignment_mentor_role_active", "mentor_id", "role", "active"),
    )


class Audit(AuditMixin, Base):
    """Who changed what, when, with the state before and after (assignments)."""

    __tablename__ = "audit"


# -- talks -----------------------------------------------------------------------------


class Talk(Base):
    """A recorded talk (谈心谈话) between a mentor and a mentee. ``talk_date`` is the date in
    the city's time zone; ``unit_id``/``town_id`` are where the trainee was at the time."""

    __tablename__ = "talk"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    mentor_id: Mapped[int] = mapped_column(index=True)
    mentor_role: Mapped[str] = mapped_column(sa.String(16))
    talk_date: Mapped[dt.date] = mapped_column(index=True)
    mode: Mapped[str] = mapped_column(sa.String(16))
    #: where and when it was held (the time optional; aware, stored in UTC)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    talk_time: Mapped[dt.datetime | None]
    aspects: Mapped[list] = mapped_column(sa.JSON)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    guidance: Mapped[str] = mapped_column(sa.Text, default="")
    unit_id: Mapped[int]
    town_id: Mapped[int | None]
    village_id: Mapped[int | None]
    acknowledged_at: Mapped[dt.datetime | None]
    reflection: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="talk", cascade="all, delete-orphan", order_by="FollowUp.id"
    )

    __table_args__ = (sa.Index("ix_talk_trainee_date", "trainee_id", "talk_date"),)


class Evidence(EvidenceMixin, Base):
    """Photos and files attached to a talk (shared.evidence)."""


class FollowUp(Base):
    """A follow-up action agreed in a talk, with a due date, marked done later."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    talk_id: Mapped[int] = mapped_column(sa.ForeignKey("talk.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(500))
    due_date: Mapped[dt.date]
    done_at: Mapped[dt.datetime | None]
    done_by: Mapped[str | None] = mapped_column(sa.String(64))

    talk: Mapped[Talk] = relationship(back_populates="follow_ups")


# -- training and study ------------------------------------------------------------------


class TrainingEvent(Base):
    """A training, study session, discussion and exchange, or heart-to-heart talk."""

    __tablename__ = "training_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(200))
    date: Mapped[dt.date] = mapped_column(index=True)
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))
    organiser: Mapped[str] = mapped_column(sa.String(100), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Attendance(Base):
    """An invitation of a trainee to an event, and whether they attended."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("training_event.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    attended: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[dt.datetime | None]

    __table_args__ = (sa.UniqueConstraint("event_id", "trainee_id"),)


# -- key projects and showcases ---------------------------------------------------------


class Project(Base):
    """A key project (中心工作/重点项目) of the catalogue."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    category: Mapped[str] = mapped_column(sa.String(50), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)


class Participation(Base):
    """A trainee's part in a key project, and what came of it."""

    __tablename__ = "participation"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    role: Mapped[str] = mapped_column(sa.String(100), default="")
    results: Mapped[str] = mapped_column(sa.Text, default="")
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]

    __table_args__ = (sa.UniqueConstraint("project_id", "trainee_id"),)


class Showcase(Base):
    """An outstanding result a town or unit nominates; the city publishes the ones it
    picks (the brand of the city's selected graduates)."""

    __tablename__ = "showcase"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(index=True)
    participation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("participation.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    story: Mapped[str] = mapped_column(sa.Text)
    nominated_by: Mapped[str] = mapped_column(sa.String(64))
    nominator_role: Mapped[str] = mapped_column(sa.String(16))
    nominator_scope: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(16), default="nominated")
    decided_by: Mapped[str | None] = mapped_column(sa.String(64))
    published_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# -- the mentor roles' duties ----------------------------------------------------------


class RoleDuty(Base):
    """What a mentor in one role is to do (导师职责), and the aspects (四个方面) the role's
    talks are expected to cover: data the city edits, seeded by migration 0005."""

    __tablename__ = "role_duty"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(16), unique=True)
    statement: Mapped[str] = mapped_column(sa.Text)
    aspects: Mapped[list] = mapped_column(sa.JSON)
    updated_by: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime | None]


# -- the working-day calendar and the monthly talk reminder ------------------------------


class CalendarDay(Base):
    """A day of the city's working-day calendar that differs from the plain week (a
    ``holiday``, or a swapped ``workday``), as reporting last announced it
    (``calendar.updated``); seeded from the shipped national calendar. The talk reminder
    falls on a working day (``shared.workdays``)."""

    __tablename__ = "calendar_day"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(100), default="")


class CalendarYear(Base):
    """The revision of each year's days applied from ``calendar.updated`` (a year not
    listed still has the seeded days: revision 0); an older or repeated one is ignored."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    revision: Mapped[int]


class ReminderRun(Base):
    """A month's talk reminder, once sent: the row is written in the transaction that puts
    the reminders in the outbox, so a restarted or second scheduler sends nothing more."""

    __tablename__ = "reminder_run"

    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    run_on: Mapped[dt.date]
    reminders: Mapped[int] = mapped_column(default=0)
    towns: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
