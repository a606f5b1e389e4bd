"""Local copies of roster's towns, villages, units, people (with positions) and trainees,
which every consuming service keeps for authorization and for its read models.

Declare the tables with the mixins (``class Trainee(TraineeProjection, Base)``) and take
the handlers from :func:`roster_handlers`. Each row keeps the ``version`` of the state it
holds; an event carrying an older version than the row changes nothing, so that
redeliveries and events overtaking each other never take a projection back in time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.consumer import payload_key, set_based
from shared.db import big_integer, locked, upsert_statement
from shared.revocation import TokenRevocationMixin, revocation_handlers


class PlaceProjection:
    """A town, village or unit."""

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(100))
    version: Mapped[int] = mapped_column(big_integer())


class VillageProjection(PlaceProjection):
    town_id: Mapped[int] = mapped_column(index=True)


class PersonProjection:
    """A cadre; positions are in their own table."""

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(100))
    gender: Mapped[str | None] = mapped_column(sa.String(8))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    version: Mapped[int] = mapped_column(big_integer())


class PositionProjection:
    """One position of a person, replaced whole with each person event."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(100), default="")
    unit_id: Mapped[int | None] = mapped_column(index=True)
    town_id: Mapped[int | None] = mapped_column(index=True)
    village_id: Mapped[int | None] = mapped_column(index=True)
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]


class TraineeProjection:
    """A trainee with their unit, current town and village, and status."""

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(100))
    gender: Mapped[str | None] = mapped_column(sa.String(8))
    cohort: Mapped[int]
    unit_id: Mapped[int] = mapped_column(index=True)
    town_id: Mapped[int | None] = mapped_column(index=True)
    village_id: Mapped[int | None] = mapped_column(index=True)
    placement_start: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    version: Mapped[int] = mapped_column(big_integer())


def _time_version(envelope: dict) -> int:
    """Places carry no version: their events order by time (microseconds)."""
    occurred = envelope["occurred_at"]
    return int(occurred.timestamp() * 1_000_000)


def upsert_versioned(session: Session, model, key: int, version: int, values: dict) -> bool:
    """Insert the row, or update it if ``version`` is newer; True if anything changed."""
    row = locked(session, model, key)
    if row is None:
        session.add(model(id=key, version=version, **values))
        session.flush()
        return True
    if row.version >= version:
        return False
    for name, value in values.items():
        setattr(row, name, value)
    row.version = version
    return True


def _keep(session: Session, model, payload: dict, version: int, fields) -> bool:
    """:func:`upsert_versioned` of the row ``payload["id"]`` with the payload's ``fields``."""
    return upsert_versioned(session, model, payload["id"], version, {f: payload[f] for f in fields})


def _forget(session: Session, model, keys) -> None:
    """Expire the session's copies of rows just written by a statement (not the ORM), so
    that a later ``session.get`` in the same batch reads them again."""
    mapper = sa.inspect(model)
    for key in keys:
        row = session.identity_map.get(mapper.identity_key_from_primary_key((key,)))
        if row is not None:
            session.expire(row)


def _versions(session: Session, model, keys: list[int]) -> dict[int, int]:
    """The stored version of each of ``keys`` that has a row, the rows locked (one query
    for a run of events; what ``upsert_versioned`` and ``_known`` read one by one)."""
    rows = session.execute(
        sa.select(model.id, model.version).where(model.id.in_(keys)).with_for_update()
    )
    return {key: version for key, version in rows}


def _update_many(session: Session, model, rows: list[dict]) -> None:
    """Update rows by id with their own values (one executemany: pipelined by psycopg)."""
    if not rows:
        return
    table = model.__table__
    names = [n for n in rows[0] if n != "id"]
    session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values({n: sa.bindparam(f"row_{n}") for n in names}),
        [{f"row_{k}": v for k, v in row.items()} for row in rows],
    )
    _forget(session, model, [row["id"] for row in rows])


def upsert_versioned_many(session: Session, model, items: list[tuple[int, int, dict]]) -> list:
    """:func:`upsert_versioned` for many rows with distinct keys ((key, version, values)
    each): the rows read in one query, the new ones inserted in one statement and the
    newer ones updated in one executemany. True for each row that changed."""
    stored = _versions(session, model, [key for key, _, _ in items])
    inserts = [
        {"id": key, "version": version, **values}
        for key, version, values in items
        if key not in stored
    ]
    updates = [
        {"id": key, "version": version, **values}
        for key, version, values in items
        if key in stored and stored[key] < version
    ]
    if inserts:
        session.execute(sa.insert(model.__table__), inserts)
    _update_many(session, model, updates)
    return [key not in stored or stored[key] < version for key, version, _ in items]


class NotYetKnown(Exception):
    """An event about a record whose creation has not arrived yet; raising it sends the
    event to the retry queue, by when the creation will have been applied."""


def _known(session: Session, model, key: int):
    row = locked(session, model, key)
    if row is None:
        raise NotYetKnown(f"{model.__tablename__} {key} is not known yet")
    return row


TRAINEE_FIELDS = (
    "name",
    "gender",
    "cohort",
    "unit_id",
    "town_id",
    "village_id",
    "placement_start",
    "status",
    "phone",
    "email",
)


def roster_handlers(
    *, town, village, unit, person, position, trainee
) -> dict[str, Callable[[Session, dict], bool]]:
    """Handlers that keep the projections; each returns True when it changed the row
    (a service wrapping one reacts only to a change, never to a stale event)."""

    def place(model, fields):
        def handler(session: Session, envelope: dict) -> bool:
            payload = envelope["payload"]
            return _keep(session, model, payload, _time_version(envelope), fields)

        return handler

    def on_person(session: Session, envelope: dict) -> bool:
        payload = envelope["payload"]
        changed = _keep(
            session, person, payload, payload["version"], ("name", "gender", "phone", "email")
        )
        if changed:
            session.execute(sa.delete(position).where(position.person_id == payload["id"]))
            for item in payload["positions"]:
                session.add(position(person_id=payload["id"], **item))
        return changed

    def on_trainee(session: Session, envelope: dict) -> bool:
        payload = envelope["payload"]
        return _keep(session, trainee, payload, payload["version"], TRAINEE_FIELDS)

    def on_trainee_many(session: Session, envelopes: list[dict]) -> list[bool]:
        return upsert_versioned_many(
            session,
            trainee,
            [
                (p["id"], p["version"], {f: p[f] for f in TRAINEE_FIELDS})
                for p in (e["payload"] for e in envelopes)
            ],
        )

    def on_placed(session: Session, envelope: dict) -> bool:
        payload = envelope["payload"]
        row = _known(session, trainee, payload["trainee_id"])
        if row.version >= payload["version"]:
            return False
        row.town_id, row.village_id = payload["town_id"], payload["village_id"]
        row.placement_start = payload["start_date"]
        row.version = payload["version"]
        return True

    def on_placed_many(session: Session, envelopes: list[dict]) -> list[bool]:
        payloads = [e["payload"] for e in envelopes]
        stored = _versions(session, trainee, [p["trainee_id"] for p in payloads])
        missing = [p["trainee_id"] for p in payloads if p["trainee_id"] not in stored]
        if missing:  # the batch is applied again event by event: these go to retry alone
            raise NotYetKnown(f"{trainee.__tablename__} {missing[0]} is not known yet")
        changed = [stored[p["trainee_id"]] < p["version"] for p in payloads]
        _update_many(
            session,
            trainee,
            [
                {
                    "id": p["trainee_id"],
                    "town_id": p["town_id"],
                    "village_id": p["village_id"],
                    "placement_start": p["start_date"],
                    "version": p["version"],
                }
                for p, c in zip(payloads, changed, strict=True)
                if c
            ],
        )
        return changed

    def on_status(session: Session, envelope: dict) -> bool:
        payload = envelope["payload"]
        row = _known(session, trainee, payload["trainee_id"])
        if row.version >= payload["version"]:
            return False
        row.status = payload["to_status"]
        row.version = payload["version"]
        return True

    place_fields = ("code", "name")
    return {
        "town.created": place(town, place_fields),
        "town.updated": place(town, place_fields),
        "village.created": place(village, (*place_fields, "town_id")),
        "village.updated": place(village, (*place_fields, "town_id")),
        "unit.created": place(unit, place_fields),
        "unit.updated": place(unit, place_fields),
        "person.created": on_person,
        "person.updated": on_person,
        "trainee.registered": set_based(on_trainee, on_trainee_many, payload_key("id")),
        "trainee.updated": set_based(on_trainee, on_trainee_many, payload_key("id")),
        "trainee.placed": set_based(on_placed, on_placed_many, payload_key("trainee_id")),
        "trainee.status_changed": on_status,
    }


class AssignmentProjection:
    """A mentor assignment as the mentorship service announced it (for the mentor role's
    scope: a mentor sees their active mentees)."""

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    trainee_id: Mapped[int] = mapped_column(index=True)
    mentor_id: Mapped[int] = mapped_column(index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    active: Mapped[bool] = mapped_column(default=True)


def assignment_row(payload: dict, *, active: bool) -> dict:
    """An assignment projection's columns from a ``mentor.assigned`` or ``mentor.released``
    payload."""
    return {
        "id": payload["assignment_id"],
        "trainee_id": payload["trainee_id"],
        "mentor_id": payload["mentor_id"],
        "role": payload["role"],
        "active": active,
    }


def mentorship_handlers(*, assignment) -> dict[str, Callable[[Session, dict], bool]]:
    """Handlers keeping an assignment projection. A release that overtakes its assignment
    leaves the row inactive: once released, an assignment never becomes active again."""

    def on_assigned(session: Session, envelope: dict) -> bool:
        payload = envelope["payload"]
        # One statement: a row already there (the assignment, or its release that
        # overtook it) is left as it is.
        inserted = session.execute(
            upsert_statement(session, assignment)
            .values(**assignment_row(payload, active=True))
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(assignment.id)
        ).first()
        return inserted is not None

    def on_assigned_many(session: Session, envelopes: list[dict]) -> list[bool]:
        payloads = [e["payload"] for e in envelopes]
        # Executemany parameters, not .values(rows): one multi-row INSERT all the same,
        # built from SQLAlchemy's cached form instead of compiled anew for each run.
        inserted = set(
            session.scalars(
                upsert_statement(session, assignment.__table__)
                .on_conflict_do_nothing(index_elements=["id"])
                .returning(assignment.__table__.c.id),
                [assignment_row(p, active=True) for p in payloads],
            )
        )
        return [p["assignment_id"] in inserted for p in payloads]

    def on_released(session: Session, envelope: dict) -> bool:
        payload = envelope["payload"]
        row = locked(session, assignment, payload["assignment_id"])
        if row is None:
            session.add(assignment(**assignment_row(payload, active=False)))
            return True
        changed = row.active
        row.active = False
        return changed

    return {
        "mentor.assigned": set_based(on_assigned, on_assigned_many, payload_key("assignment_id")),
        "mentor.released": on_released,
    }


def trainee_scope(principal, column, *, trainee, assignment):
    """A WHERE clause limiting the trainee ids in ``column`` to the caller's scope, over a
    service's own projections: the city all; a unit its employees; a town those placed in
    it; a mentor their active mentees; a trainee itself."""
    role, scope = principal.role, principal.scope_id
    if role == "city":
        return sa.true()
    if role == "trainee":
        return column == scope
    if role == "mentor":
        return column.in_(
            sa.select(assignment.trainee_id).where(
                assignment.mentor_id == scope, assignment.active.is_(True)
            )
        )
    if role == "unit":
        return column.in_(sa.select(trainee.id).where(trainee.unit_id == scope))
    if role == "town":
        return column.in_(sa.select(trainee.id).where(trainee.town_id == scope))
    return sa.false()


def load_trainee_in_scope(session: Session, trainee_id: int, *, trainee, assignment):
    """The trainee with this id if the caller's scope covers it, else a 404 (the same
    answer for a missing trainee, so ids cannot be probed)."""
    from shared.auth import check_trainee_scope, current_principal

    row = session.get(trainee, trainee_id)
    mentors = ()
    if row is not None and current_principal().role == "mentor":
        mentors = session.scalars(
            sa.select(assignment.mentor_id).where(
                assignment.trainee_id == trainee_id, assignment.active.is_(True)
            )
        ).all()
    check_trainee_scope(row, row, mentors)
    return row


class TraineeAccess:
    """A service's access rule over its own trainee and assignment projections, for its
    endpoints: ``scope(principal, column)`` for lists, ``load(trainee_id)`` for one."""

    def __init__(self, trainee, assignment):
        self.trainee, self.assignment = trainee, assignment

    def scope(self, principal, column=None):
        """A WHERE clause limiting trainee ids in ``column`` (the trainee's id by default)
        to the caller's scope."""
        column = self.trainee.id if column is None else column
        return trainee_scope(principal, column, trainee=self.trainee, assignment=self.assignment)

    def load(self, trainee_id: int):
        """The trainee, if the caller's scope covers it (else 404)."""
        from shared.db import session

        return load_trainee_in_scope(
            session(), trainee_id, trainee=self.trainee, assignment=self.assignment
        )


@dataclass(frozen=True)
class Projections:
    """A service's projection tables (declared by :func:`declare_projections`)."""

    town: type
    village: type
    unit: type
    person: type
    position: type
    trainee: type
    assignment: type | None
    #: roster's revocations (``account.revoked``), checked on every request
    revocation: type | None = None

    def handlers(self) -> dict[str, Callable[[Session, dict], bool]]:
        """The handlers that keep these tables (roster's events, and mentorship's
        assignments if the service projects them)."""
        table = roster_handlers(
            town=self.town,
            village=self.village,
            unit=self.unit,
            person=self.person,
            position=self.position,
            trainee=self.trainee,
        )
        if self.assignment is not None:
            table.update(mentorship_handlers(assignment=self.assignment))
        if self.revocation is not None:
            table.update(revocation_handlers(self.revocation))
        return table


def declare_projections(base, *, assignments: bool = True) -> Projections:
    """Declare the projection tables on a service's ``Base``: ``town``, ``village``,
    ``unit``, ``person``, ``position``, ``trainee``, ``token_revocation`` and (unless the
    service owns the assignments itself) ``mentor_assignment``."""

    def table(name: str, mixin: type, tablename: str) -> type:
        return type(
            name,
            (mixin, base),
            {"__tablename__": tablename, "__module__": base.__module__, "__doc__": mixin.__doc__},
        )

    return Projections(
        town=table("Town", PlaceProjection, "town"),
        village=table("Village", VillageProjection, "village"),
        unit=table("Unit", PlaceProjection, "unit"),
        person=table("Person", PersonProjection, "person"),
        position=table("Position", PositionProjection, "position"),
        trainee=table("Trainee", TraineeProjection, "trainee"),
        assignment=table("MentorAssignment", AssignmentProjection, "mentor_assignment")
        if assignments
        else None,
        revocation=table("TokenRevocation", TokenRevocationMixin, "token_revocation"),
    )
