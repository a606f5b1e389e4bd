"""What welfare's rules share: the outbox, the city's calendar, who acts for the system."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.welfare.models import Outbox
from shared.clock import city_today  # noqa: F401 - the services' one calendar
from shared.outbox import record_event

PRODUCER = "welfare"
#: Who acts when no person does (the tick, a consumed event), in audit rows.
SYSTEM = "system"


def emit(session: Session, type_: str, payload: dict) -> None:
    """Record a welfare event in this transaction's outbox."""
    record_event(session, Outbox, type_, payload, producer=PRODUCER)
