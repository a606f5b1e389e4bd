"""Mentor assignments: eligibility, capacity, suggestions, gap filling, keeping them true
when trainees move or leave and when cadres change position, and coverage.

Eligibility is read from the projections of roster: a person qualifies for a role while
they hold (on the day in question) a position of the right kind in the right place:

=============  ==============================================  ==========================
role           position kinds                                  place
=============  ==============================================  ==========================
integrity      unit_leadership                                 the trainee's unit
business       unit_middle_cadre or unit_leadership            the trainee's unit
responsible    town_party_deputy                               the trainee's current town
practical      village_party_secretary                         the trainee's village
=============  ==============================================  ==========================

Every change writes its ``mentor.assigned`` / ``mentor.released`` event to the outbox and an
audit row in the caller's transaction; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Set
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.mentorship.config import ROLES
from services.mentorship.domain.common import audit, emit
from services.mentorship.models import Assignment, Person, Position, Town, Trainee, Unit, Village
from shared.audit import state
from shared.db import locked, settings_of
from shared.errors import Conflict, DomainError, NotFound, not_after_today, not_before, only_active
from shared.vocabulary import MENTOR_ROLES, PLACES

log = logging.getLogger(__name__)

#: The position kinds that make a person eligible for each role.
ROLE_KINDS: dict[str, tuple[str, ...]] = {
    "integrity": ("unit_leadership",),
    "business": ("unit_middle_cadre", "unit_leadership"),
    "responsible": ("town_party_deputy",),
    "practical": ("village_party_secretary",),
}
#: The roles tied to the employing unit, and those tied to the current placement.
UNIT_ROLES = ("integrity", "business")
PLACE_ROLES = ("responsible", "practical")
#: Where each role's position must be: the trainee's attribute and the position's column.
_SEAT_PLACE = {
    "integrity": "unit_id",
    "business": "unit_id",
    "responsible": "town_id",
    "practical": "village_id",
}
_RULES = {
    "integrity": "an integrity mentor must be a member of the leadership team of the "
    "trainee's unit",
    "business": "a business mentor must be a middle-level or higher cadre of the trainee's unit",
    "responsible": "a responsible mentor must be the deputy party secretary for party building "
    "of the trainee's town",
    "practical": "a practical mentor must be the party organization secretary of the trainee's "
    "village",
}
_PLACE_MODELS = {"unit_id": Unit, "town_id": Town, "village_id": Village}
#: The places of ``_SEAT_PLACE`` in Chinese, for refusals.
_DAY = dt.timedelta(days=1)


# -- settings for event handlers -----------------------------------------------------------


def event_day(envelope: dict, time_zone: str) -> dt.date:
    """The city's date on which an event happened (its ``occurred_at``): the date of a
    change whose payload carries none of its own (a new employing unit, a position
    removed outright)."""
    occurred = envelope["occurred_at"]
    if isinstance(occurred, str):
        occurred = dt.datetime.fromisoformat(occurred)
    return occurred.astimezone(ZoneInfo(time_zone)).date()


def payload_date(value: dt.date | str) -> dt.date:
    """A date of an event's payload (a ``date`` once validated, ISO text in stored JSON)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


# -- eligibility -----------------------------------------------------------------------------


def required_roles(trainee: Trainee) -> tuple[str, ...]:
    """The roles a trainee must have: all four when stationed in a village, else the
    unit's two (a town and a village mentor need a town and a village)."""
    return ROLES if trainee.village_id is not None else UNIT_ROLES


def _holds_on(day: dt.date):
    """Positions held on ``day``: started (or undated) and not yet ended."""
    return sa.and_(
        sa.or_(Position.start_date.is_(None), Position.start_date <= day),
        sa.or_(Position.end_date.is_(None), Position.end_date >= day),
    )


def _seat_query(trainee: Trainee, role: str, day: dt.date) -> sa.Select | None:
    """Ids of the people eligible for ``role`` with this trainee on ``day`` (None when the
    trainee has no place the role belongs to)."""
    column = _SEAT_PLACE[role]
    place_id = getattr(trainee, column)
    if place_id is None:
        return None
    return (
        sa.select(Position.person_id)
        .where(
            Position.kind.in_(ROLE_KINDS[role]),
            getattr(Position, column) == place_id,
            _holds_on(day),
        )
        .distinct()
    )


def eligible_people(session: Session, trainee: Trainee, role: str, day: dt.date) -> list[int]:
    """The ids of everyone eligible for ``role`` with ``trainee`` on ``day``, ascending."""
    query = _seat_query(trainee, role, day)
    if query is None:
        return []
    return sorted(session.scalars(query))


def is_eligible(
    session: Session, trainee: Trainee, person_id: int, role: str, day: dt.date
) -> bool:
    """Whether ``person_id`` may hold ``role`` for ``trainee`` on ``day``."""
    query = _seat_query(trainee, role, day)
    if query is None:
        return False
    return session.scalar(query.where(Position.person_id == person_id).limit(1)) is not None


def rule_text(session: Session, trainee: Trainee, role: str) -> str:
    """The rule of ``role`` for this trainee, naming the place (for refusals)."""
    column = _SEAT_PLACE[role]
    place_id = getattr(trainee, column)
    if place_id is None:
        return _RULES[role]
    place = session.get(_PLACE_MODELS[column], place_id)
    return f"{_RULES[role]} ({place.name if place is not None else f'{column[:-3]} {place_id}'})"


def check_eligible(
    session: Session, trainee: Trainee, person_id: int, role: str, day: dt.date
) -> None:
    """Refuse (422, naming the rule) unless the person may hold ``role`` for ``trainee``."""
    only_active("trainee_id", trainee.status, ("配备导师", "get mentors"))
    column = _SEAT_PLACE[role]
    if getattr(trainee, column) is None:
        raise DomainError.on(
            "role",
            (
                f"该选调生未驻村：{MENTOR_ROLES[role]}应由其所在{PLACES[column.removesuffix('_id')]}的干部担任",
                f"the trainee is not stationed in a village: a {role} mentor belongs to the "
                f"trainee's current {column[:-3]}",
            ),
            ("选调生未驻村", "the trainee is not placed"),
        )
    if not is_eligible(session, trainee, person_id, role, day):
        rule = rule_text(session, trainee, role)
        raise DomainError(rule, {"mentor_id": [rule]})


def load_of(session: Session, person_id: int, role: str) -> int:
    """How many trainees a person actively mentors in ``role``."""
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Assignment)
            .where(
                Assignment.mentor_id == person_id,
                Assignment.role == role,
                Assignment.active.is_(True),
            )
        )
        or 0
    )


def active_seat(
    session: Session, trainee_id: int, role: str, *, lock: bool = False
) -> Assignment | None:
    """The trainee's active assignment in ``role``, if any (``lock``: held ``FOR UPDATE``
    until the transaction ends, so that nobody else ends it meanwhile)."""
    query = sa.select(Assignment).where(
        Assignment.trainee_id == trainee_id,
        Assignment.role == role,
        Assignment.active.is_(True),
    )
    return session.scalar(_locked(query) if lock else query)


def _locked(query: sa.Select) -> sa.Select:
    # Row locks, and the rows as they are once the locks are granted (an assignment another
    # transaction ended meanwhile no longer matches "active" and is skipped).
    return query.with_for_update().execution_options(populate_existing=True)


# -- changes ---------------------------------------------------------------------------------


#: The audited columns of an assignment.
AUDITED = (
    "id",
    "trainee_id",
    "mentor_id",
    "role",
    "start_date",
    "end_date",
    "active",
    "end_reason",
    "vacated",
    "assigned_by",
)


def snapshot(assignment: Assignment) -> dict:
    """The audited state of an assignment."""
    return state(assignment, *AUDITED)


def _where(trainee: Trainee) -> dict:
    return state(trainee, "unit_id", "town_id", "village_id")


def _create(
    session: Session,
    trainee: Trainee,
    mentor_id: int,
    role: str,
    start_date: dt.date,
    actor: str,
    assigned_by: str,
    *,
    announce: bool = True,
) -> Assignment:
    """A new assignment; ``announce=False`` leaves its event and audit row to the caller
    (``_announce_created`` once the assignments of a run are flushed together)."""
    # active, not vacated and with no end: the model's defaults
    assignment = Assignment(
        trainee_id=trainee.id,
        mentor_id=mentor_id,
        role=role,
        start_date=start_date,
        assigned_by=assigned_by[:64],
    )
    session.add(assignment)
    if announce:
        session.flush()
        _announce_created(session, trainee, assignment, actor)
    return assignment


def _announce_created(
    session: Session, trainee: Trainee, assignment: Assignment, actor: str
) -> None:
    """A new (flushed) assignment's event and audit row."""
    emit(
        session,
        "mentor.assigned",
        {
            **_where(trainee),
            "assignment_id": assignment.id,
            "trainee_id": trainee.id,
            "mentor_id": assignment.mentor_id,
            "role": assignment.role,
            "start_date": assignment.start_date,
            "assigned_by": assignment.assigned_by,
        },
    )
    audit(session, actor[:64], "assigned", "assignment", assignment.id, None, snapshot(assignment))


def _release(
    session: Session,
    trainee: Trainee,
    assignment: Assignment,
    end_date: dt.date,
    reason: str,
    actor: str,
    *,
    vacated: bool = False,
    note: str = "",
) -> None:
    before = snapshot(assignment)
    assignment.active = False
    if end_date < assignment.start_date:
        # A seat never ends before it began: a back-dated change about an assignment
        # made after its date ends it on its first day, and the audit row says so.
        clamped = (
            f"the change's date {end_date.isoformat()} precedes the assignment's start: "
            f"ended on its start date {assignment.start_date.isoformat()}"
        )
        log.info("assignment %s: %s", assignment.id, clamped)
        note = f"{note}; {clamped}" if note else clamped
        end_date = assignment.start_date
    assignment.end_date = end_date
    assignment.end_reason = reason
    assignment.vacated = vacated
    # Flushed now, so that a new holder of the seat can be inserted in this transaction
    # without tripping the one-active-per-role index.
    session.flush()
    emit(
        session,
        "mentor.released",
        {
            **_where(trainee),
            "assignment_id": assignment.id,
            "trainee_id": trainee.id,
            "mentor_id": assignment.mentor_id,
            "role": assignment.role,
            "end_date": assignment.end_date,
            "reason": reason,
            "vacated": vacated,
        },
    )
    after = snapshot(assignment)
    if note:
        after["note"] = note
    audit(session, actor[:64], "released", "assignment", assignment.id, before, after)


def assign(
    session: Session,
    trainee_id: int,
    mentor_id: int,
    role: str,
    *,
    start_date: dt.date,
    replace: bool,
    by: str,
    capacity: dict[str, int],
    today: dt.date,
) -> Assignment:
    """Make ``mentor_id`` the trainee's mentor in ``role`` from ``start_date``.

    Refused with 422 when the person is not eligible (the rule is named), the trainee is
    not active or not placed (for a town or village role), or the person has reached the
    role's capacity; with 409 when the seat is taken, unless ``replace``, which ends the
    current holder's assignment (reason ``replaced``) the day before.

    Concurrency: the trainee's row, then the mentor's row, are locked (``FOR UPDATE``)
    before anything is counted, so that two clerks at once can neither fill one seat twice
    nor take a mentor past capacity; everyone locks in that order, so they queue rather
    than deadlock.
    """
    trainee = locked(session, Trainee, trainee_id)
    if trainee is None:
        raise NotFound.no_such("trainee_id", trainee_id, ("选调生", "trainee"))
    mentor = locked(session, Person, mentor_id)
    if mentor is None:
        raise DomainError.no_such("mentor_id", mentor_id, ("干部", "person"))
    check_eligible(session, trainee, mentor_id, role, today)
    current = active_seat(session, trainee_id, role, lock=True)
    if current is not None and current.mentor_id == mentor_id:
        raise Conflict.on(
            "mentor_id",
            (
                f"{mentor.name}已是该选调生的{MENTOR_ROLES[role]}",
                f"{mentor.name} (person {mentor_id}) is already the trainee's {role} mentor "
                f"(assignment {current.id})",
            ),
            ("已担任该导师", "already holds this seat"),
        )
    if current is not None and not replace:
        holder = session.get(Person, current.mentor_id)
        name = holder.name if holder is not None else current.mentor_id
        raise Conflict.on(
            "role",
            (
                f"该选调生已有{MENTOR_ROLES[role]}（{name}）；如需更换，请选择替换现任导师",
                f"the trainee already has a {role} mentor ({name}, person {current.mentor_id}, "
                f"assignment {current.id}); send replace: true to replace them",
            ),
            ("该导师已有人担任", "this seat is taken"),
        )
    limit = capacity[role]
    if load_of(session, mentor_id, role) >= limit:
        raise DomainError.on(
            "mentor_id",
            (
                f"已达上限：{mentor.name} 已担任 {limit} 名选调生的{MENTOR_ROLES[role]}"
                f"（上限 {limit} 名）",
                f"capacity reached: {mentor.name} already mentors {limit} trainee(s) as {role} "
                f"mentor (capacity {limit})",
            ),
            ("已达带教上限", "capacity reached"),
        )
    if current is not None:
        _release(session, trainee, current, start_date - dt.timedelta(days=1), "replaced", by)
    return _create(session, trainee, mentor_id, role, start_date, by, by)


def end_assignment(
    session: Session,
    assignment: Assignment,
    *,
    end_date: dt.date,
    by: str,
    today: dt.date,
    note: str = "",
) -> Assignment:
    """End an assignment by hand (reason ``manual``) on ``end_date``, which may be neither
    before it began nor in the future. ``note`` is kept in the audit trail."""
    # Locked and read afresh: of two clerks ending it at once, the second sees it ended.
    locked(session, Assignment, assignment.id)
    if not assignment.active:
        raise Conflict.on(
            "id",
            (
                f"配备记录 {assignment.id} 已于 {assignment.end_date} 结束",
                f"assignment {assignment.id} ended on {assignment.end_date}",
            ),
            ("已结束", "already ended"),
        )
    began = assignment.start_date
    not_before("end_date", end_date, began, ("结束日期", "end date"), ("开始日期", "its start"))
    not_after_today("end_date", end_date, today, ("结束日期", "end date"))
    trainee = session.get(Trainee, assignment.trainee_id)
    _release(session, trainee, assignment, end_date, "manual", by, note=note)
    return assignment


# -- suggestions and gap filling -----------------------------------------------------------


def suggestions(
    session: Session, trainee: Trainee, capacity: dict[str, int], today: dt.date
) -> dict:
    """Per role: whether it is required, who holds it, the rule, and the eligible people
    with their current load; those at capacity are listed apart, marked."""
    roles = []
    required = required_roles(trainee)
    seats = {a.role: a for a in active_assignments(session, trainee.id)}
    for role in ROLES:
        current = seats.get(role)
        entry = {
            "role": role,
            "required": role in required,
            "current": describe(session, [current])[0] if current else None,
            "rule": rule_text(session, trainee, role),
            "candidates": [],
            "at_capacity": [],
            "note": "",
        }
        if getattr(trainee, _SEAT_PLACE[role]) is None:
            entry["note"] = "the trainee is not stationed in a village"
        people = [
            p
            for p in eligible_people(session, trainee, role, today)
            if current is None or p != current.mentor_id
        ]
        names = _names(session, Person, people)
        for person_id in people:
            load = load_of(session, person_id, role)
            full = load >= capacity[role]
            item = {
                "person_id": person_id,
                "name": names.get(person_id, ""),
                "load": load,
                "capacity": capacity[role],
                "at_capacity": full,
            }
            entry["at_capacity" if full else "candidates"].append(item)
        roles.append(entry)
    return {"trainee_id": trainee.id, "trainee_name": trainee.name, "roles": roles}


@dataclass
class _SeatFiller:
    """Fills empty seats where exactly one eligible person has spare capacity; remembers
    eligibility and loads within one run (many trainees share a unit, town or village)."""

    session: Session
    capacity: dict[str, int]
    day: dt.date
    actor: str
    assigned_by: str
    #: False: the caller announces the run's assignments once they are flushed together.
    announce: bool = True
    #: Another day the people must be eligible on too (a back-dated move: the day it was
    #: recorded, so that nobody who has left the post since is given the seat).
    still_on: dt.date | None = None
    _eligible: dict = field(default_factory=dict)
    _loads: dict = field(default_factory=dict)
    _locked: set = field(default_factory=set)

    def _load(self, person_id: int, role: str) -> int:
        key = (person_id, role)
        if key not in self._loads:
            self._loads[key] = load_of(self.session, person_id, role)
        return self._loads[key]

    def candidates(self, trainee: Trainee, role: str) -> list[int]:
        """The people eligible for a seat (remembered per role and place)."""
        key = (role, getattr(trainee, _SEAT_PLACE[role]))
        if key not in self._eligible:
            people = eligible_people(self.session, trainee, role, self.day)
            if self.still_on is not None and self.still_on != self.day and people:
                still = set(eligible_people(self.session, trainee, role, self.still_on))
                people = [p for p in people if p in still]
            self._eligible[key] = people
        return self._eligible[key]

    def lock(self, person_ids) -> None:
        """Lock these mentors now, in id order: two runs over different trainees who share
        mentors then wait for each other instead of deadlocking (each would otherwise lock
        them in the order of its own seats)."""
        for person_id in sorted(set(person_ids) - self._locked):
            locked(self.session, Person, person_id)
            self._locked.add(person_id)
            for held_role in ROLES:
                self._loads.pop((person_id, held_role), None)

    def fill(self, trainee: Trainee, role: str) -> tuple[Assignment | None, dict | None]:
        """Fill one empty seat; return the new assignment, or the gap and why."""
        people = self.candidates(trainee, role)
        gap = {"trainee_id": trainee.id, "trainee_name": trainee.name, "role": role}
        if not people:
            return None, {**gap, "reason": "no eligible person", "candidates": []}
        spare = [p for p in people if self._load(p, role) < self.capacity[role]]
        if not spare:
            return None, {**gap, "reason": "capacity", "candidates": people}
        if len(spare) > 1:
            return None, {**gap, "reason": f"several eligible: {spare}", "candidates": spare}
        mentor_id = spare[0]
        # Count again under the mentor's lock: a clerk may have taken the last place since.
        # Once locked in this run the lock holds until commit, so the count kept here stays
        # true: a town's 800 seats lock and count each mentor once, not once per seat.
        if mentor_id not in self._locked:
            locked(self.session, Person, mentor_id)
            self._locked.add(mentor_id)
            for held_role in ROLES:
                self._loads.pop((mentor_id, held_role), None)
            self._loads[(mentor_id, role)] = load_of(self.session, mentor_id, role)
        if self._loads[(mentor_id, role)] >= self.capacity[role]:
            return None, {**gap, "reason": "capacity", "candidates": people}
        assignment = _create(
            self.session,
            trainee,
            mentor_id,
            role,
            self.day,
            self.actor,
            self.assigned_by,
            announce=self.announce,
        )
        self._loads[(mentor_id, role)] += 1
        return assignment, None


def fill_gaps(
    session: Session,
    trainee_filter,
    *,
    capacity: dict[str, int],
    today: dt.date,
    by: str,
) -> dict:
    """Fill every empty required seat of the active trainees matching ``trainee_filter``
    where exactly one eligible person has spare capacity; list the others with the reason
    (``no eligible person``, ``several eligible: [ids]``, ``capacity``).

    The trainees are locked in id order first (the order single assignments lock them in
    too), so a concurrent clerk's assignment waits instead of filling a seat twice.
    """
    where = (Trainee.status == "active", trainee_filter)
    trainees = session.scalars(
        sa.select(Trainee)
        .where(*where)
        .order_by(Trainee.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    filled_seats = _filled_seats(session, sa.select(Trainee.id).where(*where))
    filler = _SeatFiller(session, capacity, today, by, by, announce=False)
    empty = [
        (trainee, role)
        for trainee in trainees
        for role in required_roles(trainee)
        if (trainee.id, role) not in filled_seats
    ]
    # every mentor this run may give a seat to, locked up front in id order
    filler.lock(p for trainee, role in empty for p in filler.candidates(trainee, role))
    filled, gaps = [], []
    for trainee, role in empty:
        assignment, gap = filler.fill(trainee, role)
        if assignment is not None:
            filled.append((trainee, assignment))
        else:
            gaps.append(gap)
    session.flush()  # every new assignment in one INSERT, then their events and audit rows
    for trainee, assignment in filled:
        _announce_created(session, trainee, assignment, by)
    return {"filled": describe(session, [a for _, a in filled]), "gaps": gaps}


def _filled_seats(session: Session, trainee_ids: sa.Select) -> set[tuple[int, str]]:
    """(trainee id, role) of the active assignments of the trainees ``trainee_ids`` selects."""
    query = sa.select(Assignment.trainee_id, Assignment.role).where(
        Assignment.trainee_id.in_(trainee_ids), Assignment.active.is_(True)
    )
    return {(trainee_id, role) for trainee_id, role in session.execute(query)}


# -- reading -------------------------------------------------------------------------------


def active_assignments(
    session: Session, trainee_id: int, roles: tuple[str, ...] = ROLES, *, lock: bool = False
) -> list[Assignment]:
    """The trainee's active assignments in ``roles``, in the order of the roles (``lock``:
    held ``FOR UPDATE``, for ending them)."""
    query = sa.select(Assignment).where(
        Assignment.trainee_id == trainee_id,
        Assignment.active.is_(True),
        Assignment.role.in_(roles),
    )
    rows = session.scalars(_locked(query) if lock else query).all()
    return sorted(rows, key=lambda a: ROLES.index(a.role))


def _names(session: Session, model, ids) -> dict[int, str]:
    ids = sorted({i for i in ids if i is not None})
    if not ids:
        return {}
    query = sa.select(model.id, model.name).where(model.id.in_(ids))
    return {id_: name for id_, name in session.execute(query)}


def _all_names(session: Session, model) -> dict[int, str]:
    return {id_: name for id_, name in session.execute(sa.select(model.id, model.name))}


def describe(session: Session, assignments: list[Assignment]) -> list[dict]:
    """Assignments as dicts with the trainee's and the mentor's names (two queries)."""
    people = _names(session, Person, [a.mentor_id for a in assignments])
    trainees = _names(session, Trainee, [a.trainee_id for a in assignments])
    return [
        {
            **snapshot(a),
            "created_at": a.created_at,
            "mentor_name": people.get(a.mentor_id, ""),
            "trainee_name": trainees.get(a.trainee_id, ""),
        }
        for a in assignments
    ]


def mentors_of(session: Session, trainee: Trainee) -> dict:
    """The trainee's active mentors, with the required roles still missing."""
    seats = active_assignments(session, trainee.id)
    held = {a.role for a in seats}
    return {
        "trainee_id": trainee.id,
        "trainee_name": trainee.name,
        "required": list(required_roles(trainee)),
        "missing": [r for r in required_roles(trainee) if r not in held],
        "mentors": describe(session, seats),
    }


# -- coverage --------------------------------------------------------------------------------


def coverage(session: Session, trainee_filter) -> dict:
    """Which active trainees matching ``trainee_filter`` miss a required role.

    Returns the counts (trainees, complete, incomplete, rate), the incomplete trainees with
    their missing roles and the seats among them that were vacated (their holder left the
    position), and the same counts per town and per unit.
    """
    where = (Trainee.status == "active", trainee_filter)
    trainees = session.scalars(
        sa.select(Trainee).where(*where).order_by(Trainee.town_id, Trainee.village_id, Trainee.id)
    ).all()
    ids = sa.select(Trainee.id).where(*where)
    held = _filled_seats(session, ids)
    vacated = _last_ended_vacated(session, ids)
    units = _all_names(session, Unit)
    towns = _all_names(session, Town)
    villages = _all_names(session, Village)
    rows = []
    by_town: dict = {}
    by_unit: dict = {}
    for trainee in trainees:
        missing = [r for r in required_roles(trainee) if (trainee.id, r) not in held]
        for groups, key, name in (
            (by_town, trainee.town_id, towns.get(trainee.town_id, "")),
            (by_unit, trainee.unit_id, units.get(trainee.unit_id, "")),
        ):
            group = groups.setdefault(key, {"id": key, "name": name, "trainees": 0, "complete": 0})
            group["trainees"] += 1
            group["complete"] += not missing
        if not missing:
            continue
        rows.append(
            {
                "trainee_id": trainee.id,
                "name": trainee.name,
                "unit_id": trainee.unit_id,
                "unit_name": units.get(trainee.unit_id, ""),
                "town_id": trainee.town_id,
                "town_name": towns.get(trainee.town_id, "") if trainee.town_id else "",
                "village_id": trainee.village_id,
                "village_name": villages.get(trainee.village_id, "") if trainee.village_id else "",
                "stationed": trainee.village_id is not None,
                "missing": missing,
                "vacated": [r for r in missing if (trainee.id, r) in vacated],
            }
        )
    return {
        "counts": _counts(len(trainees), len(trainees) - len(rows)),
        "trainees": rows,
        "by_town": [_group(g) for g in sorted(by_town.values(), key=_group_order)],
        "by_unit": [_group(g) for g in sorted(by_unit.values(), key=_group_order)],
    }


def _group_order(group: dict) -> tuple:
    # Trainees not stationed anywhere (town None) come last.
    return (group["id"] is None, group["id"] or 0)


def _counts(total: int, complete: int) -> dict:
    return {
        "trainees": total,
        "complete": complete,
        "incomplete": total - complete,
        "rate": round(complete / total, 4) if total else None,
    }


def _group(group: dict) -> dict:
    return {
        "id": group["id"],
        "name": group["name"],
        **_counts(group["trainees"], group["complete"]),
    }


def _last_ended_vacated(session: Session, trainee_ids: sa.Select) -> set[tuple[int, str]]:
    """Seats whose most recent assignment ended because its holder left the position."""
    last: dict[tuple[int, str], bool] = {}
    query = (
        sa.select(Assignment.trainee_id, Assignment.role, Assignment.vacated)
        .where(Assignment.trainee_id.in_(trainee_ids), Assignment.active.is_(False))
        .order_by(Assignment.end_date, Assignment.id)
    )
    for trainee_id, role, vacated in session.execute(query):
        last[(trainee_id, role)] = vacated
    return {key for key, vacated in last.items() if vacated}


# -- keeping assignments true (event handlers) ---------------------------------------------
#
# Each change takes effect on its own date, not on the day its event is applied, so that a
# change recorded late (a back-dated placement, leaving or position end) ends and starts
# seats when it really happened, and reporting's coverage of past months follows:
#
# - a move (``trainee.placed``) from ``start_date`` D: the old town and village seats end
#   on D-1, the new ones start on D, filled with a person eligible on D (and still on the
#   day the move was recorded, when D is past);
# - a leaving (``trainee.status_changed``) with ``effective_date`` D, the first day no
#   longer in training (reporting's ``left_on``, welfare's last subsidised day is D-1):
#   every seat ends on D-1, the last day in training;
# - a new employing unit (``trainee.updated``, which carries no date of its own): the
#   unit's seats end the day before the event's day;
# - a position that ended on E (``person.*``): the seats it qualified for end on E, its
#   last day held; a position removed outright ends them on the event's day.
#
# A seat that began after such a date ends on its first day instead (``_release`` notes
# it in the audit row). ``mentor.released`` and ``mentor.assigned`` carry these dates.


def _system(envelope: dict) -> str:
    return f"system:{envelope['type']}"


def on_trainee_moved(session: Session, trainee: Trainee, envelope: dict) -> None:
    """End the old responsible and practical seats the day before the placement's
    ``start_date``; fill the new ones from that date where unambiguous.

    The responsible seat ends when the town changed, the practical seat when the village
    changed (reason ``trainee_moved``). The empty town and village seats are then filled
    (``assigned_by`` ``system``) where exactly one person eligible on the start date (and,
    for a back-dated move, still on the day it was recorded) has spare capacity, else left
    empty for coverage to show. A first placement ends nothing and fills nothing: its seats
    are filled by a clerk (gap filling), as the trainee's other seats are.
    """
    payload = envelope["payload"]
    config = settings_of(session)
    starts = payload_date(payload["start_date"])
    actor = _system(envelope)
    previous = _previous_place(payload)
    first = previous["town_id"] is None and previous["village_id"] is None
    for assignment in active_assignments(session, trainee.id, PLACE_ROLES, lock=True):
        column = _SEAT_PLACE[assignment.role]
        if first:
            # Roster knew no previous place: a seat left over from an older placement ends
            # only if its holder cannot keep it in the new place.
            moved = not is_eligible(session, trainee, assignment.mentor_id, assignment.role, starts)
        else:
            moved = previous[column] != getattr(trainee, column)
        if moved:
            _release(session, trainee, assignment, starts - _DAY, "trainee_moved", actor)
    if not _refills(previous, trainee.town_id, trainee.village_id):
        return
    recorded = event_day(envelope, config.TIME_ZONE)
    filler = _SeatFiller(
        session, config.MENTOR_CAPACITY, starts, actor, "system", still_on=max(starts, recorded)
    )
    for role in PLACE_ROLES:
        if active_seat(session, trainee.id, role) is None:
            _, gap = filler.fill(trainee, role)
            if gap is not None:
                log.info("trainee %s: %s seat left empty (%s)", trainee.id, role, gap["reason"])


def on_trainees_moved(session: Session, envelopes: list[dict]) -> None:
    """:func:`on_trainee_moved` for placements of distinct trainees that changed the
    projection, in order, with one query for the run: a first placement of a trainee
    holding no town or village seat (the month-end province: thousands in a row) ends and
    fills nothing, so only the trainees that hold such a seat, and the moves that fill the
    new seats, go on. A placement changes no other trainee's seats, so what the query
    found holds for the whole run (and nobody adds a seat meanwhile: the trainees' rows
    are locked, as every assignment locks its trainee first)."""
    if not envelopes:
        return
    ids = [envelope["payload"]["trainee_id"] for envelope in envelopes]
    seated = set(
        session.scalars(
            sa.select(Assignment.trainee_id)
            .where(
                Assignment.trainee_id.in_(ids),
                Assignment.active.is_(True),
                Assignment.role.in_(PLACE_ROLES),
            )
            .distinct()
        )
    )
    for envelope in envelopes:
        payload = envelope["payload"]
        # The changed projection holds the payload's town and village.
        place = (payload["town_id"], payload["village_id"])
        if payload["trainee_id"] in seated or _refills(_previous_place(payload), *place):
            trainee = session.get(Trainee, payload["trainee_id"])
            on_trainee_moved(session, trainee, envelope)


def _previous_place(payload: dict) -> dict:
    return {
        "town_id": payload.get("previous_town_id"),
        "village_id": payload.get("previous_village_id"),
    }


def _refills(previous: dict, town_id: int | None, village_id: int | None) -> bool:
    """Whether a placement fills the new town and village seats: only a move from another
    known place (a first placement's seats are filled by a clerk)."""
    if previous["town_id"] is None and previous["village_id"] is None:
        return False
    return (previous["town_id"], previous["village_id"]) != (town_id, village_id)


def on_trainee_left(session: Session, trainee: Trainee, envelope: dict) -> None:
    """End every active assignment of a trainee who completed or withdrew (reason
    ``trainee_left``) on their last day in training, the day before the status change's
    ``effective_date``."""
    last_day = payload_date(envelope["payload"]["effective_date"]) - _DAY
    for assignment in active_assignments(session, trainee.id, lock=True):
        _release(session, trainee, assignment, last_day, "trainee_left", _system(envelope))


def on_unit_changed(session: Session, trainee: Trainee, envelope: dict) -> None:
    """End the integrity and business seats of a trainee whose employing unit changed
    (reason ``trainee_moved``) the day before the change's day (``trainee.updated``
    carries no date of its own); the new unit's mentors are assigned by a clerk."""
    last_day = event_day(envelope, settings_of(session).TIME_ZONE) - _DAY
    for assignment in active_assignments(session, trainee.id, UNIT_ROLES, lock=True):
        _release(session, trainee, assignment, last_day, "trainee_moved", _system(envelope))


#: A position as compared before and after a person's event.
PositionKey = tuple[str, int | None, int | None, int | None, dt.date | None, dt.date | None]
_POSITION_KEY = (
    Position.kind,
    Position.unit_id,
    Position.town_id,
    Position.village_id,
    Position.start_date,
    Position.end_date,
)


def positions_of(session: Session, person_id: int) -> set[PositionKey]:
    """The person's positions as now projected (read before a person's event is applied,
    to tell a position that ended in it from one removed outright)."""
    query = sa.select(*_POSITION_KEY).where(Position.person_id == person_id)
    return {tuple(row) for row in session.execute(query)}


def on_positions_changed(
    session: Session, person_id: int, envelope: dict, before: Set[PositionKey] = frozenset()
) -> None:
    """Vacate (and flag) the seats a person no longer qualifies for: reason
    ``mentor_left_position``, ``vacated`` true, ended on the day the position ended (its
    ``end_date``, however long ago), or on the event's day when it was removed outright.
    ``before``: the person's positions before this event (:func:`positions_of`)."""
    day = event_day(envelope, settings_of(session).TIME_ZONE)
    seats = session.scalars(
        _locked(
            sa.select(Assignment)
            .where(Assignment.mentor_id == person_id, Assignment.active.is_(True))
            .order_by(Assignment.id)
        )
    ).all()
    for assignment in seats:
        trainee = session.get(Trainee, assignment.trainee_id)
        if trainee is None or is_eligible(session, trainee, person_id, assignment.role, day):
            continue
        _release(
            session,
            trainee,
            assignment,
            _left_on(session, trainee, person_id, assignment.role, day, before),
            "mentor_left_position",
            _system(envelope),
            vacated=True,
        )


def _left_on(
    session: Session,
    trainee: Trainee,
    person_id: int,
    role: str,
    day: dt.date,
    before: Set[PositionKey],
) -> dt.date:
    """When the person left the position that made them eligible: the latest end date
    (before ``day``) of a matching position that this event ended or re-dated, or
    ``day`` when none did (the position was removed outright). An end known before the
    event (an older spell in the same post) is not this seat's end."""
    column = _SEAT_PLACE[role]
    rows = session.execute(
        sa.select(*_POSITION_KEY).where(
            Position.person_id == person_id,
            Position.kind.in_(ROLE_KINDS[role]),
            getattr(Position, column) == getattr(trainee, column),
            Position.end_date < day,
        )
    )
    ended = [row.end_date for row in rows if tuple(row) not in before]
    return max(ended, default=day)
