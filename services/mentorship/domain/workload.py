"""A mentor's workload (导师工作量): per mentor their active mentees, this month's talks
(done of expected), open follow-ups and the talks their trainees have not yet acknowledged.

The caller's scope applies to the mentees: a town or unit sees the mentors of its own
trainees, and each mentor's figures count only those trainees (a unit clerk never reads
another unit's trainee through a shared village secretary); a mentor sees only themself.
Figures are grouped in the database, so a city-wide page is a few statements, not one
per mentor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from services.mentorship.domain.talks import quarter_start
from services.mentorship.models import Assignment, FollowUp, Person, Talk, Trainee
from shared.clock import month_bounds
from shared.events.catalogue import ASPECTS

#: What a workload list sorts by (``-`` in front for descending).
SORTABLE = (
    "name",
    "mentees",
    "talks_done",
    "talks_expected",
    "talks_missing",
    "open_follow_ups",
    "unacknowledged_talks",
)


@dataclass(slots=True)
class Mentee:
    """One active seat of the mentor: the trainee, the role, and this month's talk."""

    trainee_id: int
    name: str
    role: str
    due: bool
    talked: bool


@dataclass
class Workload:
    """One mentor's figures for the month holding ``today``."""

    mentor_id: int
    name: str
    talks_done: int = 0
    talks_expected: int = 0
    open_follow_ups: int = 0
    overdue_follow_ups: int = 0
    unacknowledged_talks: int = 0
    mentees: list[Mentee] = field(default_factory=list)
    #: the quarter's talks (in scope) per aspect of the four (四个方面), 0 where none
    aspects: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ASPECTS, 0))

    @property
    def talks_missing(self) -> int:
        return self.talks_expected - self.talks_done


@dataclass(frozen=True)
class Filters:
    """Which trainees count (the scope, as a WHERE clause on a trainee id column, and the
    list's own filters) and whose workload is asked for."""

    trainee_clause: object  # callable: column -> clause
    mentor_id: int | None = None
    town_id: int | None = None
    unit_id: int | None = None
    q: str | None = None

    def trainees(self, column) -> list:
        """The clauses limiting a trainee id ``column``."""
        out = [self.trainee_clause(column)]
        place = []
        if self.town_id is not None:
            place.append(Trainee.town_id == self.town_id)
        if self.unit_id is not None:
            place.append(Trainee.unit_id == self.unit_id)
        if place:
            out.append(column.in_(sa.select(Trainee.id).where(*place)))
        return out


def _talked(seat, start: dt.date, end: dt.date):
    """Whether the seat's mentor, in that role, talked with its trainee between the days."""
    return (
        sa.select(Talk.id)
        .where(
            Talk.mentor_id == seat.mentor_id,
            Talk.trainee_id == seat.trainee_id,
            Talk.mentor_role == seat.role,
            Talk.talk_date >= start,
            Talk.talk_date <= end,
        )
        .exists()
    )


def _seat_flags(today: dt.date, cadence: dict[str, str], seat=Assignment):
    """``due`` and ``talked`` of a seat this month: a monthly role is due every month; a
    quarterly one until its talk of the quarter, so not in a month after that talk."""
    first, last = month_bounds(today.year, today.month)
    quarterly = [role for role, every in cadence.items() if every == "quarterly"]
    earlier_in_quarter = (
        _talked(seat, quarter_start(today), first - dt.timedelta(days=1))
        if quarter_start(today) < first
        else sa.false()
    )
    due = sa.not_(sa.and_(seat.role.in_(quarterly), earlier_in_quarter))
    talked = _talked(seat, first, last)
    return due, talked


def _seats(filters: Filters):
    where = [Assignment.active.is_(True), *filters.trainees(Assignment.trainee_id)]
    if filters.mentor_id is not None:
        where.append(Assignment.mentor_id == filters.mentor_id)
    return where


def workload_query(session: Session, today: dt.date, cadence: dict[str, str], filters: Filters):
    """One row per mentor with an active seat in scope: the figures, as a SELECT to sort
    and page."""
    due, talked = _seat_flags(today, cadence)
    one = sa.literal(1)
    seats = (
        sa.select(
            Assignment.mentor_id.label("mentor_id"),
            sa.func.count(sa.distinct(Assignment.trainee_id)).label("mentees"),
            sa.func.sum(sa.case((due, one), else_=0)).label("talks_expected"),
            sa.func.sum(sa.case((sa.and_(due, talked), one), else_=0)).label("talks_done"),
        )
        .where(*_seats(filters))
        .group_by(Assignment.mentor_id)
        .subquery("seats")
    )
    in_scope = filters.trainees(Talk.trainee_id)
    follow_ups = (
        sa.select(
            Talk.mentor_id.label("mentor_id"),
            sa.func.count().label("open"),
            sa.func.sum(sa.case((FollowUp.due_date < today, one), else_=0)).label("overdue"),
        )
        .join(FollowUp, FollowUp.talk_id == Talk.id)
        .where(FollowUp.done_at.is_(None), *in_scope)
        .group_by(Talk.mentor_id)
        .subquery("follow_ups")
    )
    waiting = (
        sa.select(Talk.mentor_id.label("mentor_id"), sa.func.count().label("n"))
        .where(Talk.acknowledged_at.is_(None), *in_scope)
        .group_by(Talk.mentor_id)
        .subquery("waiting")
    )
    person = aliased(Person)
    name = sa.func.coalesce(person.name, "")
    columns = {
        "name": name,
        "mentees": seats.c.mentees,
        "talks_done": seats.c.talks_done,
        "talks_expected": seats.c.talks_expected,
        "talks_missing": seats.c.talks_expected - seats.c.talks_done,
        "open_follow_ups": sa.func.coalesce(follow_ups.c.open, 0),
        "unacknowledged_talks": sa.func.coalesce(waiting.c.n, 0),
    }
    query = (
        sa.select(
            seats.c.mentor_id,
            *(column.label(key) for key, column in columns.items()),
            sa.func.coalesce(follow_ups.c.overdue, 0).label("overdue_follow_ups"),
        )
        .select_from(seats)
        .outerjoin(person, person.id == seats.c.mentor_id)
        .outerjoin(follow_ups, follow_ups.c.mentor_id == seats.c.mentor_id)
        .outerjoin(waiting, waiting.c.mentor_id == seats.c.mentor_id)
    )
    if filters.q:
        query = query.where(name.contains(filters.q, autoescape=True))
    return query, columns, seats.c.mentor_id


def workload_page(
    session: Session,
    today: dt.date,
    cadence: dict[str, str],
    filters: Filters,
    *,
    sort: list[tuple[str, bool]],
    page: int,
    per_page: int,
) -> tuple[list[Workload], int]:
    """One page of mentors' workloads (sorted by ``(key, descending)`` pairs, then by name
    and id) and the true total of mentors."""
    query, columns, mentor_id = workload_query(session, today, cadence, filters)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    order = [columns[key].desc() if desc else columns[key].asc() for key, desc in sort]
    order += [columns["name"], mentor_id]
    rows = session.execute(query.order_by(*order).limit(per_page).offset((page - 1) * per_page))
    out = [
        Workload(
            mentor_id=row.mentor_id,
            name=row.name,
            talks_done=int(row.talks_done or 0),
            talks_expected=int(row.talks_expected or 0),
            open_follow_ups=int(row.open_follow_ups),
            overdue_follow_ups=int(row.overdue_follow_ups or 0),
            unacknowledged_talks=int(row.unacknowledged_talks),
        )
        for row in rows
    ]
    _add_mentees(session, today, cadence, filters, out)
    _add_aspects(session, today, filters, out)
    return out, total


def _add_aspects(session: Session, today: dt.date, filters: Filters, rows) -> None:
    """Each mentor's talks of the quarter holding ``today`` counted per aspect: one
    statement for the page's mentors (aspects are a JSON list on the talk, counted here
    rather than in SQL, which SQLite and PostgreSQL spell differently)."""
    if not rows:
        return
    by_id = {row.mentor_id: row for row in rows}
    query = sa.select(Talk.mentor_id, Talk.aspects).where(
        Talk.mentor_id.in_(list(by_id)),
        Talk.talk_date >= quarter_start(today),
        Talk.talk_date <= today,
        *filters.trainees(Talk.trainee_id),
    )
    for mentor_id, aspects in session.execute(query):
        counts = by_id[mentor_id].aspects
        for aspect in set(aspects or ()):
            if aspect in counts:
                counts[aspect] += 1


def _add_mentees(
    session: Session, today: dt.date, cadence: dict[str, str], filters: Filters, rows
) -> None:
    if not rows:
        return
    by_id = {row.mentor_id: row for row in rows}
    due, talked = _seat_flags(today, cadence)
    query = (
        sa.select(
            Assignment.mentor_id,
            Assignment.trainee_id,
            Assignment.role,
            sa.func.coalesce(Trainee.name, "").label("name"),
            due.label("due"),
            talked.label("talked"),
        )
        .outerjoin(Trainee, Trainee.id == Assignment.trainee_id)
        .where(*_seats(filters), Assignment.mentor_id.in_(list(by_id)))
        .order_by(Assignment.mentor_id, Trainee.name, Assignment.trainee_id, Assignment.role)
    )
    for row in session.execute(query):
        by_id[row.mentor_id].mentees.append(
            Mentee(row.trainee_id, row.name, row.role, bool(row.due), bool(row.talked))
        )


def one_workload(
    session: Session, today: dt.date, cadence: dict[str, str], filters: Filters
) -> Workload | None:
    """The workload of ``filters.mentor_id`` (None when they hold no seat in scope)."""
    rows, _total = workload_page(session, today, cadence, filters, sort=[], page=1, per_page=1)
    return rows[0] if rows else None


def _mentors_talks(session: Session, filters: Filters, query: sa.Select, pending) -> list[dict]:
    """The rows of ``query`` over the mentor's talks in scope that are ``pending``, each
    with its trainee's name."""
    query = (
        query.add_columns(sa.func.coalesce(Trainee.name, "").label("trainee_name"))
        .outerjoin(Trainee, Trainee.id == Talk.trainee_id)
        .where(pending, Talk.mentor_id == filters.mentor_id, *filters.trainees(Talk.trainee_id))
    )
    return [dict(row._mapping) for row in session.execute(query)]


def open_follow_ups(session: Session, filters: Filters) -> list[dict]:
    """The mentor's follow-ups not yet done, in scope, the earliest due first."""
    query = (
        sa.select(
            FollowUp.id, FollowUp.talk_id, FollowUp.action, FollowUp.due_date, Talk.trainee_id
        )
        .join(Talk, Talk.id == FollowUp.talk_id)
        .order_by(FollowUp.due_date, FollowUp.id)
    )
    return _mentors_talks(session, filters, query, FollowUp.done_at.is_(None))


def unacknowledged_talks(session: Session, filters: Filters) -> list[dict]:
    """The mentor's talks their trainee has not acknowledged yet, in scope, oldest first."""
    query = sa.select(Talk.id, Talk.talk_date, Talk.mentor_role, Talk.trainee_id).order_by(
        Talk.talk_date, Talk.id
    )
    return _mentors_talks(session, filters, query, Talk.acknowledged_at.is_(None))
