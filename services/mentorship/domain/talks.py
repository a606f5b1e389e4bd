"""Talks (谈心谈话), their follow-ups, and one talk a month (一月一谈). No Flask here.

A mentor records a talk only with a trainee they actively mentor, in the role of that
assignment; the talk keeps where the trainee belonged (unit, town, village) when it was
recorded and is announced as ``talk.recorded``.

``talk_date`` is a calendar date in the city's time zone, never a UTC date: a talk held at
23:30 on the last evening of a month belongs to that month, and one held at 00:30 on the
first morning of the next (16:30 UTC the day before, in Asia/Shanghai) belongs to the next.
Compliance therefore compares plain dates and needs no time-zone arithmetic in SQL.

Who counts in a month's compliance (the projection keeps no status history, so the rule
reads it from status and mentor assignments):

- a trainee whose status is ``active`` now counts, unless all their mentor assignments
  began after the month (they had not started then); one with no assignment at all counts,
  since they need mentors now;
- a trainee who has since completed or withdrawn counts for the months in which they held
  a mentor assignment (their assignments end on the day they leave).

A town's or unit's report holds the trainees currently placed in that town or employed by
that unit. The roles a trainee needs talks from follow the coverage rule: all four when
stationed in a village, ``integrity`` and ``business`` otherwise. A ``monthly`` role is met
by a talk from that role's mentor in the month, a ``quarterly`` one by such a talk in the
calendar quarter up to the month's last day.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from services.mentorship.config import ROLES
from services.mentorship.domain.common import PRODUCER
from services.mentorship.models import (
    Assignment,
    FollowUp,
    Outbox,
    Talk,
    Town,
    Trainee,
    Unit,
    Village,
)
from shared.clock import month_bounds
from shared.db import (
    attach,
    execute_together,
    insert_with_params,
    locked,
    next_id,
    prefixed,
    utcnow,
)
from shared.errors import Conflict, DomainError, NotFound, not_after_today
from shared.normalize import message
from shared.outbox import event_row, outbox_insert
from shared.vocabulary import MENTOR_ROLES

#: How late a talk may still be recorded: long enough for a forgotten entry, short enough
#: that last year's compliance cannot be rewritten.
LATE_RECORDING = dt.timedelta(days=366)
#: The roles a trainee not stationed in a village needs (the unit's two mentors).
UNSTATIONED_ROLES = ("integrity", "business")


# -- talks ---------------------------------------------------------------------------------


def record_talk(
    session: Session, mentor_id: int, data: dict, *, today: dt.date, recorded_by: str
) -> Talk:
    """Record a talk by ``mentor_id`` with one of their active mentees and announce it.

    ``today`` is the city's date. A trainee the mentor does not actively mentor (or that
    does not exist) is a :class:`NotFound`, the same answer for both.
    """
    talk_date = data["talk_date"]
    # Checks of the date alone come first: they reveal nothing about the trainee.
    not_after_today("talk_date", talk_date, today, ("谈话日期", "talk date"))
    if talk_date < today - LATE_RECORDING:
        raise DomainError.on(
            "talk_date",
            (
                "一年以前的谈心谈话不能再补录",
                "a talk held more than a year ago can no longer be recorded",
            ),
            ("超过一年", "more than a year ago"),
        )
    postgres = session.get_bind().dialect.name == "postgresql"
    rows = session.execute(
        _seats_query(postgres), {"trainee_id": data["trainee_id"], "mentor_id": mentor_id}
    ).all()
    if not rows:
        raise NotFound.on(
            "trainee_id",
            ("您没有指导这名选调生", "no such mentee of yours"),
            ("不是您当前指导的选调生", "not one of your active mentees"),
        )
    seat = _seat_for(rows, data.get("role"))
    if talk_date < seat.start_date:
        began = seat.start_date.isoformat()
        raise DomainError.on(
            "talk_date",
            (
                "谈话日期早于您担任该选调生导师的日期",
                "the talk is dated before you became this trainee's mentor",
            ),
            (f"早于您担任导师的开始日期（{began}）", f"before your assignment began ({began})"),
        )
    row = {
        "trainee_id": seat.trainee_id,
        "mentor_id": mentor_id,
        "mentor_role": seat.role,
        "talk_date": talk_date,
        "mode": data["mode"],
        "place": data.get("place", ""),
        "talk_time": data.get("talk_time"),
        "aspects": list(data["aspects"]),
        "summary": data["summary"],
        "guidance": data.get("guidance", ""),
        "unit_id": seat.unit_id,
        "town_id": seat.town_id,
        "village_id": seat.village_id,
        "acknowledged_at": None,
        "reflection": "",
        "recorded_by": recorded_by,
        "created_at": utcnow(),
    }
    # Core statements, no unit of work: on PostgreSQL the id was drawn by the query above,
    # so the talk and its event go in one statement; elsewhere the INSERT gives the id.
    if postgres:
        row["id"] = rows[0].next_id
    else:
        row["id"] = session.connection().execute(_talk_insert(), row).scalar_one()
    _, event = event_row("talk.recorded", _announced(row), producer=PRODUCER)
    statements = (outbox_insert(Outbox),)
    params = prefixed("outbox_", event)
    if postgres:
        statements = (insert_with_params(Talk.__table__, "talk_"), *statements)
        params.update(prefixed("talk_", row))
    execute_together(session, statements, params)
    follow_ups = [
        {"talk_id": row["id"], "action": item["action"], "due_date": item["due_date"]}
        for item in data.get("follow_ups", [])
    ]
    if follow_ups:
        ids = session.connection().execute(_follow_up_insert(), follow_ups).scalars().all()
        follow_ups = [{**f, "id": i} for f, i in zip(follow_ups, ids, strict=True)]
    # In the session as if loaded (no unit of work on the way in).
    talk = Talk(**row)
    talk.follow_ups = [FollowUp(**f, done_at=None, done_by=None) for f in follow_ups]
    attach(session, *talk.follow_ups, talk)
    return talk


#: The columns of a talk's row that its ``talk.recorded`` payload carries as they are.
_ANNOUNCED = (
    "trainee_id mentor_id mentor_role talk_date mode aspects summary place "
    "unit_id town_id village_id"
).split()


def _announced(row: dict) -> dict:
    """The ``talk.recorded`` payload of a talk's row."""
    talk_time = row["talk_time"]
    return {
        "talk_id": row["id"],
        **{column: row[column] for column in _ANNOUNCED},
        # in UTC, as stored (the API takes it with whatever offset it was sent)
        "talk_time": talk_time and talk_time.astimezone(dt.UTC),
    }


@functools.cache
def _talk_insert() -> sa.Insert:
    """A talk's INSERT giving its id (SQLite: the id is not drawn beforehand)."""
    return sa.insert(Talk.__table__).returning(Talk.__table__.c.id)


@functools.cache
def _follow_up_insert() -> sa.Insert:
    table = FollowUp.__table__
    return sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)


@functools.cache
def _seats_query(postgres: bool) -> sa.Select:
    """The trainee's place and the mentor's active seats with them, in one query (columns,
    no entities), with the new talk's id on PostgreSQL; built once (building it cost a
    request more CPU than running it)."""
    return (
        sa.select(
            Trainee.id.label("trainee_id"),
            Trainee.unit_id,
            Trainee.town_id,
            Trainee.village_id,
            Assignment.role,
            Assignment.start_date,
            (next_id(Talk.__table__) if postgres else sa.null()).label("next_id"),
        )
        .join(
            Assignment,
            sa.and_(
                Assignment.trainee_id == Trainee.id,
                Assignment.mentor_id == sa.bindparam("mentor_id"),
                Assignment.active.is_(True),
            ),
        )
        .where(Trainee.id == sa.bindparam("trainee_id"))
        .order_by(Assignment.role)
    )


def _seat_for(seats: list[sa.Row], role: str | None) -> sa.Row:
    """The assignment the talk is recorded under: the only one, or the one named."""
    roles = [seat.role for seat in seats]
    if role is not None:
        for seat in seats:
            if seat.role == role:
                return seat
        raise DomainError.on(
            "role",
            (
                f"您不是该选调生的{MENTOR_ROLES.get(role, role)}",
                f"you do not mentor this trainee as {role}",
            ),
            (
                f"您是该选调生的{_role_names(roles)}",
                f"you are this trainee's {' and '.join(roles)} mentor",
            ),
        )
    if len(seats) > 1:
        raise DomainError.on(
            "role",
            (
                "您在该选调生处担任多个导师角色，请选择本次谈话的导师角色",
                "you mentor this trainee in several roles: say which one this talk was in",
            ),
            (f"必选：{_role_names(roles)}之一", f"required: one of {', '.join(roles)}"),
        )
    return seats[0]


def _role_names(roles: list[str]) -> str:
    """Roles in Chinese, as a list in words (for refusals)."""
    return "、".join(MENTOR_ROLES.get(role, role) for role in roles)


def acknowledge_talk(session: Session, talk: Talk, reflection: str) -> Talk:
    """The trainee acknowledges a talk, once, optionally with a reflection."""
    # The row lock makes two simultaneous acknowledgements one success and one conflict.
    session.refresh(talk, with_for_update=True)
    if talk.acknowledged_at is not None:
        raise Conflict.already("talk", ("该谈话", "this talk"), ("确认", "acknowledged"))
    talk.acknowledged_at = utcnow()
    talk.reflection = reflection
    session.flush()
    return talk


def mark_follow_up_done(session: Session, talk: Talk, follow_up_id: int, by: str) -> FollowUp:
    """Mark one follow-up action of a talk done (once)."""
    follow_up = locked(session, FollowUp, follow_up_id)
    if follow_up is None or follow_up.talk_id != talk.id:
        raise NotFound(message("该谈话没有这项跟进事项", "no such follow-up of this talk"))
    if follow_up.done_at is not None:
        raise Conflict.already("follow_up", ("该跟进事项", "this follow-up"), ("完成", "done"))
    follow_up.done_at, follow_up.done_by = utcnow(), by
    session.flush()
    return follow_up


# -- one talk a month ----------------------------------------------------------------------


def quarter_start(day: dt.date) -> dt.date:
    """The first day of the calendar quarter holding ``day``."""
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def required_roles(village_id: int | None) -> tuple[str, ...]:
    """The mentor roles a trainee needs: all four in a village, else the unit's two."""
    return ROLES if village_id is not None else UNSTATIONED_ROLES


@dataclass(slots=True)
class ComplianceRow:
    """One trainee's month: talks, compliance, and per role met / not met / not required."""

    trainee_id: int
    name: str
    unit_id: int
    unit_name: str | None
    town_id: int | None
    town_name: str | None
    village_id: int | None
    village_name: str | None
    talks: int
    roles: dict[str, bool | None]

    @property
    def compliant(self) -> bool:
        """One talk a month: at least one talk, from any of the trainee's mentors."""
        return self.talks > 0


@dataclass
class ComplianceReport:
    """A month's compliance for the city, a town or a unit."""

    month: dt.date
    town_id: int | None
    unit_id: int | None
    cadence: dict[str, str]
    trainees: list[ComplianceRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Trainees counted in the month."""
        return len(self.trainees)

    @property
    def compliant(self) -> int:
        """Trainees with at least one talk in the month."""
        return sum(1 for row in self.trainees if row.compliant)

    @property
    def rate(self) -> float | None:
        """Share of compliant trainees (None when nobody counts)."""
        return round(self.compliant / self.total, 4) if self.trainees else None

    @property
    def without_talk(self) -> list[ComplianceRow]:
        """The trainees with no talk in the month."""
        return [row for row in self.trainees if not row.compliant]

    @property
    def roles(self) -> dict[str, dict]:
        """Per role: its cadence, how many trainees need its talk, how many had it."""
        summary = {}
        for role in ROLES:
            values = [row.roles[role] for row in self.trainees if row.roles[role] is not None]
            met = sum(values)
            summary[role] = {
                "cadence": self.cadence[role],
                "due": len(values),
                "met": met,
                "rate": round(met / len(values), 4) if values else None,
            }
        return summary


def monthly_compliance(
    session: Session,
    month: dt.date,
    cadence: dict[str, str],
    *,
    town_id: int | None = None,
    unit_id: int | None = None,
) -> ComplianceReport:
    """One talk a month for ``month`` (any day of it), city-wide or for a town or unit.

    One statement: the talks of the period grouped per trainee (GROUP BY in the database,
    never a query per trainee), joined to the trainees who count.
    """
    first, last = month_bounds(month.year, month.month)
    starts = {role: first if cadence[role] == "monthly" else quarter_start(first) for role in ROLES}
    where = []
    if town_id is not None:
        where.append(Trainee.town_id == town_id)
    if unit_id is not None:
        where.append(Trainee.unit_id == unit_id)

    talk_filter = [Talk.talk_date >= min(starts.values()), Talk.talk_date <= last]
    if where:
        # A town or unit report aggregates only its own trainees' talks.
        talk_filter.append(Talk.trainee_id.in_(sa.select(Trainee.id).where(*where)))
    talks = (
        sa.select(
            Talk.trainee_id.label("trainee_id"),
            sa.func.sum(sa.case((Talk.talk_date >= first, 1), else_=0)).label("talks"),
            *(
                sa.func.max(
                    sa.case(
                        (sa.and_(Talk.mentor_role == role, Talk.talk_date >= starts[role]), 1),
                        else_=0,
                    )
                ).label(role)
                for role in ROLES
            ),
        )
        .where(*talk_filter)
        .group_by(Talk.trainee_id)
        .subquery("talks")
    )
    # Who counts (see the module's docstring), written so that the database looks for the
    # exceptions instead of grouping every assignment: the trainees whose every seat began
    # after the month (one hashed NOT IN), and, only for those no longer active, whether
    # they held a seat during it.
    later = aliased(Assignment)
    not_yet_begun = sa.select(Assignment.trainee_id).where(
        Assignment.start_date > last,
        ~sa.exists().where(later.trainee_id == Assignment.trainee_id, later.start_date <= last),
    )
    held_in_month = sa.exists().where(
        Assignment.trainee_id == Trainee.id,
        Assignment.start_date <= last,
        sa.or_(Assignment.end_date.is_(None), Assignment.end_date >= first),
    )
    counted = sa.or_(
        sa.and_(Trainee.status == "active", Trainee.id.not_in(not_yet_begun)),
        sa.and_(Trainee.status != "active", held_in_month),
    )
    query = (
        sa.select(
            Trainee.id,
            Trainee.name,
            Trainee.unit_id,
            Unit.name,
            Trainee.town_id,
            Town.name,
            Trainee.village_id,
            Village.name,
            talks.c.talks,
            *(talks.c[role] for role in ROLES),
        )
        .select_from(Trainee)
        .outerjoin(talks, talks.c.trainee_id == Trainee.id)
        .outerjoin(Unit, Unit.id == Trainee.unit_id)
        .outerjoin(Town, Town.id == Trainee.town_id)
        .outerjoin(Village, Village.id == Trainee.village_id)
        .where(counted, *where)
        .order_by(Trainee.id)
    )
    report = ComplianceReport(month=first, town_id=town_id, unit_id=unit_id, cadence=cadence)
    # Core rows (not the ORM's), fetched at once: this loop runs once per trainee.
    for row in session.connection().execute(query).all():
        needed = required_roles(row[6])
        report.trainees.append(
            ComplianceRow(
                trainee_id=row[0],
                name=row[1],
                unit_id=row[2],
                unit_name=row[3],
                town_id=row[4],
                town_name=row[5],
                village_id=row[6],
                village_name=row[7],
                talks=row[8] or 0,
                roles={
                    role: (met == 1) if role in needed else None
                    for role, met in zip(ROLES, row[9:], strict=True)
                },
            )
        )
    return report
