"""What notifier's rules share: the outbox, the audit trail, the city's calendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services.notifier.models import Outbox
from shared.outbox import record_event

PRODUCER = "notifier"


def emit(session: Session, type_: str, payload: dict) -> None:
    """Record a notifier event in this transaction's outbox."""
    record_event(session, Outbox, type_, payload, producer=PRODUCER)


def city_today(time_zone: str) -> dt.date:
    """Today's date in the city (not the server's UTC date)."""
    return dt.datetime.now(ZoneInfo(time_zone)).date()
