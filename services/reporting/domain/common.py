"""What reporting's rules share: the outbox, the audit trail, the city's calendar."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.reporting.models import Outbox, ReportAudit
from shared.audit import auditor
from shared.clock import city_today  # noqa: F401 - the services' one calendar
from shared.outbox import record_event

PRODUCER = "reporting"

#: Keep who changed what (and in which ``role``), before and after, in this transaction.
audit = auditor(ReportAudit)


def emit(session: Session, type_: str, payload: dict, *, at_once: bool = False) -> None:
    """Record a reporting event in this transaction's outbox (``at_once``: see
    :func:`shared.outbox.record_event`)."""
    record_event(session, Outbox, type_, payload, producer=PRODUCER, at_once=at_once)
