"""The monthly talk reminder (一月一谈提醒). No Flask.

On the reminder day of a month — the 20th (``TALK_REMINDER_DAY``), or the next working day
by mentorship's copy of the city's calendar when the 20th is a weekend or a holiday — every
mentor who has held no talk that month with a mentee they actively mentor in a role of
monthly cadence (``TALK_CADENCE``; integrity mentors talk quarterly by default and are not
reminded monthly) gets ``talk.missing`` (one per mentor and trainee), and each town gets
``talk.missing_town``: the mentors of its trainees who have not talked, by name, with the
trainee's name. A trainee not placed in a town has no town digest; their mentors are still
reminded.

Once a month: the first tick on or after the reminder day claims the month's
``reminder_run`` row and writes the reminders to the outbox in the same transaction. A
restarted scheduler, a second replica or ``manage remind`` finds the row and sends nothing
more (two at once: the second waits on the row's key and then finds it taken). A tick
that missed the day (the scheduler was down) sends the month's reminders on its first run
later in the month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.mentorship.config import ROLES
from services.mentorship.domain.calendar import next_working_day
from services.mentorship.domain.common import emit
from services.mentorship.models import Assignment, Person, ReminderRun, Talk, Trainee
from shared.clock import month_bounds, month_code
from shared.db import insert_new


@dataclass
class Missing:
    """A mentor and a mentee with no talk this month, and the mentor's seats with them."""

    mentor_id: int
    mentor_name: str
    trainee_id: int
    trainee_name: str
    unit_id: int
    town_id: int | None
    village_id: int | None
    roles: list[str] = field(default_factory=list)


def reminder_day(session: Session, month: dt.date, day_of_month: int) -> dt.date:
    """The month's reminder day: ``day_of_month`` of ``month``'s month if that is a
    working day, else the next working day."""
    return next_working_day(session, month.replace(day=day_of_month))


def monthly_roles(cadence: dict[str, str]) -> list[str]:
    """The roles whose mentors owe a talk every month."""
    return [role for role in ROLES if cadence[role] == "monthly"]


def missing_talks(session: Session, today: dt.date, cadence: dict[str, str]) -> list[Missing]:
    """The active trainees' mentors (seated by ``today``, in a monthly role) who have held
    no talk with that trainee in ``today``'s month, in one statement; by town, trainee
    and mentor."""
    first, last = month_bounds(today.year, today.month)
    roles = monthly_roles(cadence)
    if not roles:
        return []
    talked = sa.exists().where(
        Talk.trainee_id == Assignment.trainee_id,
        Talk.mentor_id == Assignment.mentor_id,
        Talk.talk_date.between(first, last),
    )
    rows = session.execute(
        sa.select(
            Assignment.mentor_id,
            Person.name,
            Assignment.trainee_id,
            Trainee.name,
            Trainee.unit_id,
            Trainee.town_id,
            Trainee.village_id,
            Assignment.role,
        )
        .join(Trainee, Trainee.id == Assignment.trainee_id)
        .outerjoin(Person, Person.id == Assignment.mentor_id)
        .where(
            Assignment.active.is_(True),
            Assignment.start_date <= today,
            Assignment.role.in_(roles),
            Trainee.status == "active",
            ~talked,
        )
        .order_by(Trainee.town_id, Assignment.trainee_id, Assignment.mentor_id)
    )
    pairs: dict[tuple[int, int], Missing] = {}
    for mentor_id, mentor_name, trainee_id, trainee_name, unit, town, village, role in rows:
        pair = pairs.get((mentor_id, trainee_id))
        if pair is None:
            pair = pairs[(mentor_id, trainee_id)] = Missing(
                mentor_id, mentor_name or f"#{mentor_id}", trainee_id, trainee_name,
                unit, town, village,
            )  # fmt: skip
        pair.roles.append(role)
    for pair in pairs.values():
        pair.roles.sort(key=ROLES.index)
    return list(pairs.values())


def _claim(session: Session, month: str, today: dt.date) -> bool:
    """Take the month's run row; False if a run took it before (this one waits for a
    concurrent run's commit on the key, then finds it taken)."""
    return insert_new(session, ReminderRun, "month", month=month, run_on=today) is not None


def send_reminders(session: Session, today: dt.date, cadence: dict[str, str]) -> dict:
    """Claim ``today``'s month and put its reminders and town digests in the outbox, in
    this transaction (see the module); nothing if the month was run before."""
    month = month_code(today)
    if not _claim(session, month, today):
        return {"reminders": 0, "towns": 0, "already": True}
    missing = missing_talks(session, today, cadence)
    by_town: dict[int, list[Missing]] = {}
    for pair in missing:
        emit(
            session,
            "talk.missing",
            {
                "month": month,
                "reminded_on": today,
                "trainee_id": pair.trainee_id,
                "mentor_id": pair.mentor_id,
                "roles": pair.roles,
                "unit_id": pair.unit_id,
                "town_id": pair.town_id,
                "village_id": pair.village_id,
            },
        )
        if pair.town_id is not None:
            by_town.setdefault(pair.town_id, []).append(pair)
    for town_id, pairs in sorted(by_town.items()):
        emit(
            session,
            "talk.missing_town",
            {
                "month": month,
                "reminded_on": today,
                "town_id": town_id,
                "missing": [
                    {
                        "mentor_id": p.mentor_id,
                        "mentor_name": p.mentor_name,
                        "trainee_id": p.trainee_id,
                        "trainee_name": p.trainee_name,
                        "roles": p.roles,
                    }
                    for p in pairs
                ],
            },
        )
    run = session.get(ReminderRun, month)
    run.reminders, run.towns = len(missing), len(by_town)
    return {"reminders": len(missing), "towns": len(by_town), "already": False}


def tick(sessions: Callable[[], Session], config, today: dt.date) -> dict:
    """The scheduled work for the city's ``today``: from the month's reminder day on, the
    month's reminders once (see the module). Returns the month, its reminder day, and
    what this call sent (``already``: a run sent them before)."""
    session = sessions()
    try:
        with session.begin():
            due = reminder_day(session, today, config.TALK_REMINDER_DAY)
            done = {"month": month_code(today), "due_on": due.isoformat()}
            if today < due:
                return {**done, "reminders": 0, "towns": 0, "already": False}
            if session.get(ReminderRun, done["month"]) is not None:
                return {**done, "reminders": 0, "towns": 0, "already": True}
            return {**done, **send_reminders(session, today, config.TALK_CADENCE)}
    finally:
        session.close()
