"""The one table from event type to recipients, template and channels (the README's
notifier section shows the same table).

A recipient is an inbox key: ``trainee:<id>``, ``mentor:<person id>``, ``town:<id>``,
``unit:<id>`` or ``city``. Each rule is a tuple of :class:`Target`: whom to reach
(a resolver over the event's payload and this service's projections), with which template
(``templates/{zh,en}/<name>.txt``), by which channels; ``digest=True`` sends the target one
daily digest instead of single messages. ``fact`` names the fact behind the event, so that
the same fact announced again under a new event id notifies nobody twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifier.models import Position, Trainee

CHANNELS = ("inbox", "email", "sms")
#: Mentor roles whose seat belongs to the town (the others to the unit).
TOWN_SEATS = ("responsible", "practical")

Resolver = Callable[[Session, dict], list[str]]


@dataclass(frozen=True)
class Target:
    """Whom an event reaches, how it reads and by which channels."""

    resolve: Resolver
    template: str
    channels: tuple[str, ...]
    digest: bool = False


@dataclass(frozen=True)
class Rule:
    targets: tuple[Target, ...]
    fact: Callable[[dict], str] | None = None


# -- resolvers ------------------------------------------------------------------------


def the_trainee(_session: Session, payload: dict) -> list[str]:
    """The trainee the event is about."""
    return [f"trainee:{payload['trainee_id']}"]


def the_mentor(_session: Session, payload: dict) -> list[str]:
    """The mentor (a person) of the assignment or talk."""
    return [f"mentor:{payload['mentor_id']}"]


def the_town(_session: Session, payload: dict) -> list[str]:
    """The town the event is about."""
    return [f"town:{payload['town_id']}"]


def the_seat_owner(_session: Session, payload: dict) -> list[str]:
    """Who must fill a vacated seat: the town for responsible and practical mentors, the
    unit for integrity and business mentors. Nobody when the seat was not vacated."""
    if not payload.get("vacated"):
        return []
    if payload["role"] in TOWN_SEATS:
        return [f"town:{payload['town_id']}"] if payload.get("town_id") else []
    return [f"unit:{payload['unit_id']}"]


def every_active_trainee(session: Session, _payload: dict) -> list[str]:
    """Every active trainee of the city."""
    ids = session.scalars(
        sa.select(Trainee.id).where(Trainee.status == "active").order_by(Trainee.id)
    )
    return [f"trainee:{i}" for i in ids]


def the_town_and_unit_admins(_session: Session, payload: dict) -> list[str]:
    """The trainee's town (if placed) and unit."""
    out = [f"unit:{payload['unit_id']}"]
    if payload.get("town_id"):
        out.insert(0, f"town:{payload['town_id']}")
    return out


def the_need_handler_and_town(session: Session, payload: dict) -> list[str]:
    """A need's handler (the person named, else the handling body; a village's need goes
    to the village's party secretary) and the trainee's town."""
    out: list[str] = []
    role, scope = payload["handler_role"], payload.get("handler_scope_id")
    if payload.get("handler_person_id"):
        out.append(f"mentor:{payload['handler_person_id']}")
    elif role == "city":
        out.append("city")
    elif role in ("town", "unit"):
        fallback = payload.get("town_id") if role == "town" else payload["unit_id"]
        if scope or fallback:
            out.append(f"{role}:{scope or fallback}")
    elif role == "village":
        village = scope or payload.get("village_id")
        secretaries = session.scalars(
            sa.select(Position.person_id).where(
                Position.kind == "village_party_secretary",
                Position.village_id == village,
                Position.end_date.is_(None),
            )
        )
        out.extend(f"mentor:{p}" for p in secretaries)
    if payload.get("town_id"):
        out.append(f"town:{payload['town_id']}")
    return list(dict.fromkeys(out))


def _due_fact(p: dict) -> str:
    return f"{p['trainee_id']}:{p['kind']}:{p['period']}"


ALL = ("inbox", "email", "sms")
INBOX_EMAIL = ("inbox", "email")

#: event type -> rule. The README's notifier section shows this table.
RULES: dict[str, Rule] = {
    "mentor.assigned": Rule(
        (
            Target(the_mentor, "mentor_assigned_mentor", INBOX_EMAIL),
            Target(the_trainee, "mentor_assigned_trainee", INBOX_EMAIL),
        ),
        fact=lambda p: str(p["assignment_id"]),
    ),
    "mentor.released": Rule(
        (Target(the_seat_owner, "mentor_seat_vacated", INBOX_EMAIL),),
        fact=lambda p: str(p["assignment_id"]),
    ),
    "talk.recorded": Rule(
        (Target(the_trainee, "talk_recorded", ("inbox",)),), fact=lambda p: str(p["talk_id"])
    ),
    "talk.missing": Rule(
        (Target(the_mentor, "talk_missing", INBOX_EMAIL),),
        fact=lambda p: f"{p['mentor_id']}:{p['trainee_id']}:{p['month']}",
    ),
    "talk.missing_town": Rule(
        (Target(the_town, "talk_missing_town", INBOX_EMAIL),),
        fact=lambda p: f"{p['town_id']}:{p['month']}",
    ),
    "period.opened": Rule(
        (Target(every_active_trainee, "period_opened", INBOX_EMAIL),),
        fact=lambda p: str(p["period_id"]),
    ),
    "report.due_soon": Rule((Target(the_trainee, "report_due_soon", ALL),), fact=_due_fact),
    "report.overdue": Rule(
        (
            Target(the_trainee, "report_overdue", ALL),
            Target(the_town_and_unit_admins, "report_overdue_line", INBOX_EMAIL, digest=True),
        ),
        fact=_due_fact,
    ),
    "report.returned": Rule((Target(the_trainee, "report_returned", ALL),)),
    "need.raised": Rule(
        (Target(the_need_handler_and_town, "need_raised", INBOX_EMAIL),),
        fact=lambda p: str(p["need_id"]),
    ),
    "need.resolved": Rule(
        (Target(the_trainee, "need_resolved", INBOX_EMAIL),), fact=lambda p: str(p["need_id"])
    ),
    "placement_fee.paid": Rule(
        (Target(the_trainee, "placement_fee_paid", ALL),),
        fact=lambda p: str(p["entitlement_id"]),
    ),
}
