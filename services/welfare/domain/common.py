"""What welfare's rules share: the outbox, the audit trail, the city's calendar."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.welfare.models import Outbox
from shared.clock import city_today  # noqa: F401 - the services' one calendar
from shared.outbox import record_event

PRODUCER = "welfare"


def emit(session: Session, type_: str, payload: dict) -> None:
    """Record a welfare event in this transaction's outbox."""
    record_event(session, Outbox, type_, payload, producer=PRODUCER)
