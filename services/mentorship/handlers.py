"""Mentorship's event handlers: roster's events keep the projections, and the changes
that matter to mentors keep the assignments true (a move, a departure, a lost position);
reporting's ``calendar.updated`` keeps mentorship's copy of the working-day calendar."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.mentorship.domain import assignments, calendar
from services.mentorship.models import PROJECTIONS, Trainee
from shared.consumer import payload_key, set_based

_projections = PROJECTIONS.handlers()


def on_trainee_updated(session: Session, envelope: dict) -> None:
    """A trainee's profile changed; a new employing unit ends the unit's mentors."""
    before = session.get(Trainee, envelope["payload"]["id"])
    old_unit = before.unit_id if before is not None else None
    if _projections["trainee.updated"](session, envelope) and old_unit is not None:
        trainee = session.get(Trainee, envelope["payload"]["id"])
        if trainee.unit_id != old_unit:
            assignments.on_unit_changed(session, trainee, envelope)


def on_trainee_placed(session: Session, envelope: dict) -> None:
    """A new placement: the town's and village's mentors follow the trainee."""
    if _projections["trainee.placed"](session, envelope):
        trainee = session.get(Trainee, envelope["payload"]["trainee_id"])
        assignments.on_trainee_moved(session, trainee, envelope)


def on_trainee_placed_many(session: Session, envelopes: list[dict]) -> list[None]:
    """``on_trainee_placed`` for a run of placements of distinct trainees: the projection
    in a few statements, then one query for the seats of all that changed, instead of a
    query for each (a first placement has none to end)."""
    changed = _projections["trainee.placed"].many(session, envelopes)
    assignments.on_trainees_moved(
        session, [e for e, c in zip(envelopes, changed, strict=True) if c]
    )
    return [None] * len(envelopes)


set_based(on_trainee_placed, on_trainee_placed_many, payload_key("trainee_id"))


def on_trainee_status_changed(session: Session, envelope: dict) -> None:
    """A trainee completed or withdrew: every assignment ends."""
    if _projections["trainee.status_changed"](session, envelope):
        trainee = session.get(Trainee, envelope["payload"]["trainee_id"])
        if trainee.status != "active":
            assignments.on_trainee_left(session, trainee, envelope)


def on_person_changed(session: Session, envelope: dict) -> None:
    """A cadre's positions changed: seats they no longer qualify for are vacated, on the
    day the position ended (the positions held before tell an end from a removal)."""
    person_id = envelope["payload"]["id"]
    before = (
        assignments.positions_of(session, person_id)
        if envelope["type"] == "person.updated"
        else frozenset()
    )
    if _projections[envelope["type"]](session, envelope):
        assignments.on_positions_changed(session, person_id, envelope, before)


HANDLERS = {
    **_projections,
    "trainee.updated": on_trainee_updated,
    "trainee.placed": on_trainee_placed,
    "trainee.status_changed": on_trainee_status_changed,
    "person.created": on_person_changed,
    "person.updated": on_person_changed,
    "calendar.updated": calendar.on_calendar_updated,
}
