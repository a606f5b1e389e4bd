"""What the mentorship rules share: the outbox, the audit trail, the city's calendar."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.mentorship.models import Audit, Outbox
from shared.audit import auditor
from shared.clock import city_today  # noqa: F401 - the services' one calendar
from shared.outbox import record_event

PRODUCER = "mentorship"

#: Chinese names of the codes that refusals name (as the console shows them).


def emit(session: Session, type_: str, payload: dict, *, at_once: bool = False) -> None:
    """Record a mentorship event in this transaction's outbox (``at_once``: see
    :func:`shared.outbox.record_event`)."""
    record_event(session, Outbox, type_, payload, producer=PRODUCER, at_once=at_once)


#: Keep who changed what, when, before and after, in this transaction.
audit = auditor(Audit)
